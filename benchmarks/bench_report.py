"""The DeepSeek report with the five sample books, whole process: the ReportLab page
engine against the matplotlib page path it replaced (issue 11, item 9).

The old path is the code base as it was before the new engine (commit ``OLD_COMMIT``),
exported with ``git archive`` into a temporary folder and run from there; the new path
is this tree. Both run ``python -m stress --offline report deepseek-r1 --portfolio
configs/portfolios/*.csv`` in subprocesses against the same price store (the real data
of ``STRESS_SAMPLE_DATA``, imported once), alternating old and new so a busy machine
slows both alike. Agreement: the P&L grid both write with ``--out-dir`` (the same
pipeline numbers) must be equal.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import NotAvailable, Row, eprint

ROOT = Path(__file__).resolve().parents[1]
#: The last commit whose report was drawn page by page with matplotlib.
OLD_COMMIT = "df8959b25da89b796492f3980e54cda2c3fb5285"


def _sample_dir() -> Path:
    env = os.environ.get("STRESS_SAMPLE_DATA")
    for d in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "market-data"]:
        if (d / "daily-close" / "SPY.csv").is_file():
            return d
    raise NotAvailable("real market data not found: set STRESS_SAMPLE_DATA")


def _export_old(dest: Path) -> Path:
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", OLD_COMMIT], check=True,
                                 capture_output=True, timeout=120).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise NotAvailable(f"cannot export the old tree ({OLD_COMMIT[:8]}) with git: {exc}") from None
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def _report(tree: Path, env: dict, out: Path, extra: list[str]) -> float:
    books = sorted(str(p) for p in (tree / "configs" / "portfolios").glob("*.csv"))
    cmd = [sys.executable, "-m", "stress", "--offline", "--quiet", "report", "deepseek-r1",
           "--portfolio", *books, "--out", str(out / "report.pdf"), "--out-dir", str(out / "csv"),
           "--fixed-date", "2025-02-01", *extra]
    e = dict(env, PYTHONPATH=str(tree), STRESS_CONFIG_DIR=str(tree / "configs"))
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=tree, env=e, capture_output=True, text=True, timeout=900)
    took = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"report from {tree} exited {done.returncode}: {done.stderr.strip()[-400:]}")
    return took


def run(quick: bool, repeats: int) -> Row:
    import numpy as np
    import pandas as pd

    if quick:
        raise NotAvailable("skipped with --quick (two whole reports take a minute or more); "
                           "run `python benchmarks/run.py --only report`")
    sample = _sample_dir()
    extra: list[str] = []
    row = Row("report", "DeepSeek, 5 books" + (" (quick: 20 placebo, 1000 sims)" if quick else ""),
              min_ratio=2.0, slow_label="the matplotlib page path (commit df8959b)")
    row.judge = not quick
    with tempfile.TemporaryDirectory(prefix="stress-bench-report-") as tmp:
        tmp = Path(tmp)
        env = dict(os.environ, STRESS_HOME=str(tmp / "home"), MPLBACKEND="Agg")
        subprocess.run([sys.executable, "-m", "stress", "--quiet", "prices", "import",
                        str(sample / "daily-close")], env=dict(env, PYTHONPATH=str(ROOT)),
                       check=True, capture_output=True, timeout=600)
        old = _export_old(tmp / "old")
        new_t, old_t = [], []
        warm = 0 if quick else 1
        for i in range(warm + max(repeats, 1)):  # alternate: old, new, old, new, ...
            t_old = _report(old, env, tmp / "out-old", extra)
            t_new = _report(ROOT, env, tmp / "out-new", extra)
            if i >= warm:
                old_t.append(t_old)
                new_t.append(t_new)
            eprint(f"    report run {i + 1}: old {t_old:.1f} s, new {t_new:.1f} s")
        a = pd.read_csv(tmp / "out-old" / "csv" / "pnl_grid.csv").set_index("scenario")
        b = pd.read_csv(tmp / "out-new" / "csv" / "pnl_grid.csv").set_index("scenario")
        np.testing.assert_allclose(b.loc[a.index, a.columns].to_numpy(), a.to_numpy(), rtol=1e-12)
    row.ours, row.slow, row.agree = statistics.median(new_t), statistics.median(old_t), "ok (same P&L grid)"
    row.per_round = tuple(o / n for o, n in zip(old_t, new_t))  # slow/ours per alternated pair
    row.notes.append("report: `python -m stress --offline report deepseek-r1 --portfolio "
                     "configs/portfolios/*.csv` in a subprocess, wall clock incl. interpreter start, "
                     "old and new alternated; ours = ReportLab Platypus sections with matplotlib "
                     "charts as vector forms (core fonts, no font subsetting), plus the new pages "
                     "(summary, contents, holdings, recovery, fingerprint, backtests of 5 books' "
                     "rolling VaR/ES with their Z2 nulls, appendix); slow = the same command "
                     f"on `git archive {OLD_COMMIT[:8]}` (every page a matplotlib figure); the P&L "
                     "grids of both checked equal.")
    return row
