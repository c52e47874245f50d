"""Environment faults are one line naming the path and the cause, exit 1 (issue 12):
a corrupt or locked store, a full disk, a read-only store (still readable), stdout that
cannot be written."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from stress.cli import cli
from stress.data.store import PriceStore
from stress.errors import EnvironmentFault

ROOT = Path(__file__).resolve().parents[1]


def _run(*args):
    return CliRunner().invoke(cli, list(args))


def _store_path() -> Path:
    return Path(os.environ["STRESS_HOME"]) / "prices.sqlite"


def _fill(n_tickers=30):
    days = pd.bdate_range("2015-01-02", periods=1500).strftime("%Y-%m-%d")
    with PriceStore(_store_path()) as store:
        for i in range(n_tickers):
            store.write(pd.DataFrame({"ticker": f"T{i:02d}", "date": days, "close": 1.0 + i}), source="t")


def _one_line(res, code=1):
    assert res.exit_code == code, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "internal error" not in lines[0], res.stderr
    return lines[0]


def test_a_file_that_is_not_a_database(tmp_path):
    path = _store_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not sqlite" * 100)
    line = _one_line(_run("prices", "list"))
    assert line.startswith(f"error: {path}: cannot open the price store: the store is corrupt")


def test_corrupt_pages_inside_the_store(tmp_path):
    _fill()
    path = _store_path()
    size = path.stat().st_size
    with path.open("r+b") as fh:  # overwrite pages in the middle, keep the header
        fh.seek(size // 3)
        fh.write((bytes(range(256)) * (size // 768 + 1))[: size // 3])
    line = _one_line(_run("--offline", "prices", "show", "T15"))
    assert f"{path}: cannot read the price store: the store is corrupt" in line


def test_a_locked_store_waits_then_says_so(tmp_path, monkeypatch, sample_dir):
    _fill(1)
    monkeypatch.setattr(PriceStore, "LOCK_TIMEOUT", 0.2)
    other = sqlite3.connect(_store_path(), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        line = _one_line(_run("prices", "import", str(sample_dir / "daily-close" / "VST.csv")))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert line == (f"error: {_store_path()}: cannot write to the price store: the store is locked "
                    "by another process writing to it (waited 0.2 s); try again when it has finished")


def test_disk_full_names_the_store(monkeypatch, sample_dir):
    def full(*a, **k):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(PriceStore, "_check_changes", full)
    line = _one_line(_run("prices", "import", str(sample_dir / "daily-close" / "VST.csv")))
    assert line == (f"error: {_store_path()}: cannot write to the price store: the disk is full "
                    "(free some space and retry; nothing was written)")


def test_a_read_only_store_can_be_read_but_not_written(monkeypatch, sample_dir):
    _fill(2)
    real = os.access
    monkeypatch.setattr("stress.data.store.os.access",
                        lambda p, mode: False if mode == os.W_OK else real(p, mode))
    res = _run("prices", "list")
    assert res.exit_code == 0 and "T01" in res.stdout
    with PriceStore(_store_path()) as store:
        assert store.readonly and store.read_closes(["T01"])["T01"].iloc[0] == 2.0
        with pytest.raises(EnvironmentFault, match="read-only for this user"):
            store.write(pd.DataFrame({"ticker": "X", "date": ["2025-01-02"], "close": [1.0]}), source="t")
    line = _one_line(_run("prices", "import", str(sample_dir / "daily-close" / "VST.csv")))
    assert "read-only" in line and str(_store_path()) in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_a_read_only_folder_really(tmp_path):
    _fill(1)
    home = _store_path().parent
    with PriceStore(_store_path()):
        pass
    os.chmod(_store_path(), 0o444)
    os.chmod(home, 0o555)
    try:
        res = _run("prices", "list")
        assert res.exit_code == 0 and "T00" in res.stdout
    finally:
        os.chmod(home, 0o755)


def _cli_process(args, **kw):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "stress", *args], env=env, stderr=subprocess.PIPE,
                          text=True, timeout=120, **kw)


def test_stdout_to_dev_full_fails_with_one_line():
    _fill(1)
    with open("/dev/full", "w") as full:
        res = _cli_process(["prices", "list"], stdout=full)
    assert res.returncode == 1
    assert res.stderr.strip() == "error: standard output: cannot write: the disk is full"


def test_closed_stdout_is_an_error_not_exit_0():
    _fill(1)
    res = _cli_process(["prices", "list"], stdout=None, close_fds=True,
                       preexec_fn=lambda: os.close(1))
    assert res.returncode == 1
    assert "standard output is closed" in res.stderr
