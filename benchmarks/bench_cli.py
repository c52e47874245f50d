"""5. ``stress --help`` as a whole process, against the same CLI with eager heavy imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.harness import Row, measure

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
        fast = measure(lambda: _run([*cmd, "--help"], env), repeats, warmup=warm)
        ref = measure(lambda: _run([sys.executable, "-c", eager(modules)], env), repeats, warmup=warm)
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
    row.notes.append(f"cli-help: `{' '.join(Path(c).name for c in cmd)} --help` in a subprocess, wall "
                     f"clock incl. interpreter start; slow = {row.slow_label}. Heavy modules loaded by "
                     f"--help: {', '.join(loaded) if loaded else 'none'}.")
    row.notes.append("cli-help: subcommand --help (" + ", ".join(COMMANDS) + ") importing heavy modules: "
                     + ("; ".join(f"{k}: {', '.join(v)}" for k, v in eager_sub.items()) or "none") + ".")
    if loaded:
        row.notes.append("cli-help: --help imports " + ", ".join(loaded) + "; find the module with "
                         "`python -X importtime -c 'from stress.cli import cli; cli.main([\"--help\"])'`.")
    return row
