"""5. ``stress --help`` as a whole process, against the same CLI with eager heavy imports;
the analysis commands on the real closes as multiples of importing numpy and pandas."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.harness import Row, interleave, ratios

HEAVY = ("pandas", "numpy", "matplotlib", "scipy", "statsmodels", "yfinance")
EAGER_FULL = "pandas, numpy, scipy.stats, statsmodels.api, matplotlib.pyplot, yfinance"
EAGER_QUICK = "pandas"  # --quick: enough to check the same help text, seconds less
PROBE = ("import json, sys\nfrom stress.cli import cli\n"
         "try:\n    cli.main(sys.argv[1:], prog_name='stress')\nexcept SystemExit:\n    pass\n"
         f"print('HEAVY', json.dumps([m for m in {HEAVY!r} if m in sys.modules]), file=sys.stderr)\n")


def eager(modules: str) -> str:
    """The same CLI entry, after importing ``modules`` up front (the eager way)."""
    return f"import {modules}\nfrom stress.cli import main\nmain(['--help'])\n"


def stress_command() -> list[str]:
    """The console script installed next to this Python, else ``python -m stress``."""
    script = Path(sys.executable).with_name("stress")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "stress"]


def _run(cmd: list[str], env: dict) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return done.stdout


def heavy_imports(env: dict, args: tuple[str, ...] = ("--help",)) -> list[str]:
    """Heavy libraries that ``stress ARGS`` imports (for --help: should be none)."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          env=env, timeout=120)
    for ln in done.stderr.splitlines():
        if ln.startswith("HEAVY "):
            return json.loads(ln[6:])
    raise RuntimeError(f"probe failed: {done.stderr.strip()[-300:]}")


def run(quick: bool, repeats: int) -> Row:
    modules = EAGER_QUICK if quick else EAGER_FULL
    row = Row("cli-help", "whole process", max_seconds=0.5,
              slow_label=f"the same --help after `import {modules}`")
    with tempfile.TemporaryDirectory(prefix="stress-bench-") as tmp:
        env = dict(os.environ, STRESS_HOME=tmp, MPLBACKEND="Agg")
        cmd = stress_command()
        warm = 0 if quick else 1
        t = interleave({"ours": lambda: _run([*cmd, "--help"], env),
                        "slow": lambda: _run([sys.executable, "-c", eager(modules)], env)}, repeats, warmup=warm)
        fast, ref = t["ours"], t["slow"]
        loaded = heavy_imports(env)
        from stress.cli import COMMANDS

        eager_sub = {}
        for name in COMMANDS:
            mods = heavy_imports(env, (name, "--help"))
            if mods:
                eager_sub[name] = mods
    if fast.result != ref.result:
        raise AssertionError("stress --help printed different text with eager imports")
    row.ours, row.slow, row.agree = fast.median, ref.median, "ok (same help text)"
    row.per_round = ratios(ref, fast)
    row.notes.append(f"cli-help: `{' '.join(Path(c).name for c in cmd)} --help` in a subprocess, wall "
                     f"clock incl. interpreter start; slow = {row.slow_label}. Heavy modules loaded by "
                     f"--help: {', '.join(loaded) if loaded else 'none'}.")
    row.notes.append("cli-help: subcommand --help (" + ", ".join(COMMANDS) + ") importing heavy modules: "
                     + ("; ".join(f"{k}: {', '.join(v)}" for k, v in eager_sub.items()) or "none") + ".")
    if loaded:
        row.notes.append("cli-help: --help imports " + ", ".join(loaded) + "; find the module with "
                         "`python -X importtime -c 'from stress.cli import cli; cli.main([\"--help\"])'`.")
    return row


# ---- the analysis commands as multiples of `python -c "import numpy, pandas"` ----------
ROOT = Path(__file__).resolve().parents[1]
FLOOR = [sys.executable, "-c", "import numpy, pandas"]
GROUPS = ("ai_power", "nuclear", "grid", "utilities", "renewables", "ai_compute")
COMMANDS_TIMED = {
    "cli-event-study": (("event-study", "deepseek-r1", "VST", "CEG", "TLN", "NRG"), 2.0),
    "cli-sensitivity": (("sensitivity", "--group", "ai_power"), None),
    "cli-run-var": (("run", "configs/portfolios/ai_power.csv", "--var"), None),
    "cli-report": (("report", "deepseek-r1", "--group", "ai_power", "--portfolio",
                    "configs/portfolios/ai_power.csv", "--out", "{tmp}/report.pdf"), None),
}
_home: dict[str, Any] = {}


def _sample_home(quick: bool) -> tuple[dict, str]:
    """(env, tmp dir) of a store holding the real closes (imported once per run)."""
    from benchmarks.harness import NotAvailable

    if quick:
        raise NotAvailable("skipped with --quick (whole commands on the real data take tens of seconds)")
    if not _home:
        data = Path(os.environ.get("STRESS_SAMPLE_DATA", "/work/shared/market-data")) / "daily-close"
        if not data.is_dir():
            raise NotAvailable(f"no real closes at {data} (set STRESS_SAMPLE_DATA)")
        tmp = tempfile.mkdtemp(prefix="stress-bench-cli-")
        env = dict(os.environ, STRESS_HOME=tmp, MPLBACKEND="Agg", PYTHONPATH=str(ROOT))
        # byte-compile the sources once, as an installed package is (numpy and pandas are):
        # with PYTHONDONTWRITEBYTECODE set, every run would otherwise compile them (~0.1 s)
        _run([sys.executable, "-m", "compileall", "-q", str(ROOT / "stress")], env)
        _run([sys.executable, "-m", "stress", "prices", "import", str(data)], env)
        _home.update(env=env, tmp=tmp)
    return _home["env"], _home["tmp"]


def _run_in(cmd: list[str], env: dict) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return done.stdout


def _command_row(name: str, quick: bool, repeats: int) -> Row:
    args, target = COMMANDS_TIMED[name]
    env, tmp = _sample_home(quick)
    argv = [a.format(tmp=tmp) for a in args]
    cmd = [sys.executable, "-m", "stress", "--offline", *argv]
    row = Row(name, "whole process, real data", max_ratio=target, judge=not quick)
    t = interleave({"ours": lambda: _run_in(cmd, env), "floor": lambda: _run_in(FLOOR, env)},
                   repeats, warmup=1)
    row.notes.append(f"{name}: `stress --offline {' '.join(args)}` (python -m stress, store of the real "
                     "closes, sources byte-compiled) as a multiple of `python -c \"import numpy, pandas\"`, "
                     "same rounds.")
    return row.record(t["ours"], t["floor"], row.notes.pop(), multiple=True)


def run_cli_event_study(quick: bool, repeats: int) -> Row:
    return _command_row("cli-event-study", quick, repeats)


def run_cli_sensitivity(quick: bool, repeats: int) -> Row:
    return _command_row("cli-sensitivity", quick, repeats)


def run_cli_run_var(quick: bool, repeats: int) -> Row:
    return _command_row("cli-run-var", quick, repeats)


def run_cli_report(quick: bool, repeats: int) -> Row:
    return _command_row("cli-report", quick, repeats)
