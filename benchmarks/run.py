"""Benchmarks: our fast paths against the obvious slow way, measured in the same run.

    python benchmarks/run.py                 # full sizes (a few minutes)
    python benchmarks/run.py --quick         # tiny sizes, seconds (the CI smoke test)
    python benchmarks/run.py --only store-load --only cli-help

Prints one Markdown table: per benchmark the median seconds of ours and of the reference
(one warm-up each, then ``--repeats`` rounds, at least 5, alternating the two: A B A B),
the median, min and max of the per-round ratio (slow/ours for a speed-up target ">= Nx",
ours/reference for a "<= Nx" target), the target and whether it is met (YES / NO with the
figure). Before a row is reported, the two results are checked equal
(``numpy.testing.assert_allclose``); a mismatch is a failed row and exit code 1. A
benchmark whose library API does not exist yet prints "not available", never a number.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import NotAvailable, Row, eprint, machine, table  # noqa: E402

# name -> (module, what it measures); run in this order
BENCHMARKS = {
    "eventstudy": ("bench_eventstudy", "event study core, 500 assets x 20 events, all tests"),
    "eventstudy-floor": ("bench_eventstudy", "the core as a multiple of bare-numpy normal equations"),
    "eventstudy-api": ("bench_eventstudy", "run_event_study from closes, once per event"),
    "eventstudy-api/core": ("bench_eventstudy", "run_event_study per event as a multiple of the core"),
    "eventstudy-multi": ("bench_eventstudy", "run_event_studies, all events in one call, / core"),
    "gaps-500": ("bench_gaps", "core with 1% missing returns / complete, 500 assets"),
    "gaps-2000": ("bench_gaps", "the same, 2,000 assets"),
    "gaps-5000": ("bench_gaps", "the same, 5,000 assets"),
    "gaps-exponent": ("bench_gaps", "time ~ assets^b with gaps"),
    "gaps-memory": ("bench_gaps", "peak memory, 5,000 assets x 20 events with gaps"),
    "gaps-listings": ("bench_gaps", "10% of assets listed late: time ~ assets^b, 500 -> 5,000"),
    "placebo": ("bench_eventstudy", "placebo inference, 1,000 dates x 25 assets"),
    "placebo-gaps": ("bench_eventstudy", "placebo 1,000 dates x 200 assets, 1% missing / complete"),
    "scenario-grid": ("bench_scenarios", "P&L grid + VaR/ES, 1,000 portfolios x 10,000 scenarios"),
    "montecarlo-var": ("bench_scenarios", "Monte Carlo VaR/ES incl. draws, same sizes"),
    "scenario-engine": ("bench_scenarios", "stress.scenarios.engine.scenario_grid incl. contributions"),
    "store-load": ("bench_store", "100 tickers x 10 years from the price store"),
    "cli-help": ("bench_cli", "`stress --help`, whole process"),
    "scale-var": ("bench_scale", "books x MC scenarios x assets VaR/ES in bounded memory vs numpy floor"),
    "scale-var-dask": ("bench_scale", "the same on a 2-worker LocalCluster, projection to 8/64 workers"),
    "scale-grid": ("bench_scale", "full books x scenarios grid streamed to Parquet vs numpy floor"),
    "cli-event-study": ("bench_cli", "`stress event-study ...` / `import numpy, pandas`"),
    "cli-sensitivity": ("bench_cli", "`stress sensitivity ...` / `import numpy, pandas`"),
    "cli-run-var": ("bench_cli", "`stress run ... --var` / `import numpy, pandas`"),
    "cli-report": ("bench_cli", "`stress report ...` / `import numpy, pandas`"),
    "report": ("bench_report", "the DeepSeek report with the five sample books, whole process"),
}


def _one(name: str, quick: bool, repeats: int) -> tuple[Row, bool]:
    """Run one benchmark; return its row and whether it failed (error or disagreement)."""
    import importlib

    module, what = BENCHMARKS[name]
    mod = importlib.import_module(f"benchmarks.{module}")
    fn = getattr(mod, "run_" + name.replace("-", "_").replace("/", "_"), None) or getattr(mod, "run")
    t0 = time.perf_counter()
    try:
        row = fn(quick, repeats)
        failed = False
    except NotAvailable as exc:
        row = Row(name, "-", notes=[f"{name}: not available: {exc}"])
        failed = False
    except AssertionError as exc:
        first = (str(exc).strip().splitlines() or ["assertion failed"])
        row = Row(name, "-", agree="FAIL", notes=[f"{name}: fast and slow results differ: "
                                                  + " ".join(first)[:400]])
        row.ours = None
        failed = True
    except Exception as exc:  # a crash is a failed row, with its traceback on stderr
        traceback.print_exc()
        row = Row(name, "-", agree="ERROR", notes=[f"{name}: {type(exc).__name__}: {exc}"[:400]])
        failed = True
    eprint(f"  {name}: done in {time.perf_counter() - t0:.1f} s")
    return row, failed


def _load() -> str:
    import os

    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):  # pragma: no cover - not on this platform
        return "unknown"


def _load_line(before: str, after: str) -> str:
    import os

    line = f"1-minute load average: {before} before, {after} after"
    try:
        busy = max(float(before), float(after)) > len(os.sched_getaffinity(0))
    except (ValueError, AttributeError):
        busy = False
    if busy:
        line += " (above the core count: other processes shared the CPUs, times are inflated)"
    return line


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes and 1 repeat (CI smoke test)")
    ap.add_argument("--only", action="append", metavar="NAME", default=[],
                    help="run only this benchmark (repeatable, or comma-separated): "
                         + ", ".join(BENCHMARKS))
    ap.add_argument("--repeats", type=int, default=None,
                    help="timed rounds per path after one warm-up (default and minimum 5; 1 with --quick)")
    ap.add_argument("--profile", action="store_true",
                    help="print a cProfile of one more call of each fast path to stderr")
    ap.add_argument("--save", metavar="PATH", help="also write the output (Markdown) to PATH")
    args = ap.parse_args(argv)
    names = [n.strip() for o in args.only for n in o.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        ap.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    if args.repeats is not None and args.repeats < 1:
        ap.error(f"--repeats must be at least 1, got {args.repeats}")
    repeats = args.repeats or (1 if args.quick else 5)
    if not args.quick:
        repeats = max(repeats, 5)
    if args.profile:
        from benchmarks import harness

        harness.PROFILE = True

    load_before = _load()
    eprint(f"running {len(names)} benchmark(s){' (quick sizes)' if args.quick else ''} ...")
    rows, failures = [], 0
    for n in names:
        row, failed = _one(n, args.quick, repeats)
        rows.append(row)
        failures += failed
    lines = [machine(),
             _load_line(load_before, _load()),
             f"medians of {repeats} interleaved round(s) (A B A B) after a warm-up; time.perf_counter; "
             "ratio = median [min-max] over the rounds of slow/ours (targets >= Nx) or ours/reference "
             "(targets <= Nx)" + ("; QUICK sizes, targets not judged" if args.quick else ""),
             "", table(rows), ""]
    if failures:
        lines.append(f"{failures} benchmark(s) FAILED (results differ or error)")
    else:
        lines.append("agreement checks passed: fast and slow results equal (assert_allclose) for every "
                     "row that ran")
    text = "\n".join(lines)
    print(text)
    if args.save:
        cmd = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
        Path(args.save).write_text(f"# Benchmark results\n\n`{cmd.strip()}`\n\n{text}\n", encoding="utf-8")
    if failures:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
