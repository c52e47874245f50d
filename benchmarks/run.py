"""Benchmarks: our fast paths against the obvious slow way, measured in the same run.

    python benchmarks/run.py                 # full sizes (a few minutes)
    python benchmarks/run.py --quick         # tiny sizes, seconds (the CI smoke test)
    python benchmarks/run.py --only store-load --only cli-help

Prints one Markdown table: per benchmark the median seconds of ours and of the slow way
(one warm-up, then ``--repeats`` runs), the ratio slow/ours, the target and whether it is
met. Before a row is reported, the fast and slow results are checked equal
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
    "eventstudy-api": ("bench_eventstudy", "run_event_study from closes, once per event"),
    "eventstudy-multi": ("bench_eventstudy", "run_event_studies from closes, all events in one call"),
    "placebo": ("bench_eventstudy", "placebo inference, 1,000 dates x 25 assets"),
    "scenario-grid": ("bench_scenarios", "P&L grid + VaR/ES, 1,000 portfolios x 10,000 scenarios"),
    "montecarlo-var": ("bench_scenarios", "Monte Carlo VaR/ES incl. draws, same sizes"),
    "scenario-engine": ("bench_scenarios", "stress.scenarios.engine.scenario_grid incl. contributions"),
    "store-load": ("bench_store", "100 tickers x 10 years from the price store"),
    "cli-help": ("bench_cli", "`stress --help`, whole process"),
    "scale-var": ("bench_scale", "books x MC scenarios x assets VaR/ES in bounded memory vs numpy floor"),
    "scale-var-dask": ("bench_scale", "the same on a 2-worker LocalCluster, projection to 8/64 workers"),
    "scale-grid": ("bench_scale", "full books x scenarios grid streamed to Parquet vs numpy floor"),
    "report": ("bench_report", "the DeepSeek report with the five sample books, whole process"),
}


def _one(name: str, quick: bool, repeats: int) -> tuple[Row, bool]:
    """Run one benchmark; return its row and whether it failed (error or disagreement)."""
    import importlib

    module, what = BENCHMARKS[name]
    mod = importlib.import_module(f"benchmarks.{module}")
    fn = getattr(mod, "run_" + name.replace("-", "_"), None) or getattr(mod, "run")
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
                    help="timed runs per path after one warm-up (default 5; 1 with --quick)")
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
             f"medians of {repeats} run(s) after a warm-up; time.perf_counter; ratio = slow / ours "
             "measured in the same run" + ("; QUICK sizes, targets not judged" if args.quick else ""),
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
