"""Outputs are written atomically under a unique temporary name, and nothing is left
behind on an error or SIGTERM (issue 12)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from stress.atomic import atomic_path, check_output_dir, check_output_file
from stress.errors import EnvironmentFault
from stress.tables_out import write_frames

ROOT = Path(__file__).resolve().parents[1]


def test_two_writers_of_one_target_get_different_temporary_files(tmp_path):
    target = tmp_path / "r.pdf"
    with atomic_path(target) as a, atomic_path(target) as b:
        assert a != b and a.parent == b.parent == tmp_path
        a.write_text("first")
        b.write_text("second")
    assert target.read_text() == "first"  # the last to finish wins, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.pdf"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "t.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_outputs_keep_the_usual_file_mode(tmp_path):
    with atomic_path(tmp_path / "m.csv") as tmp:
        tmp.write_text("x")
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "m.csv").stat().st_mode & 0o777 == 0o666 & ~mask


WRITER = textwrap.dedent("""
    import sys, time
    from stress.atomic import atomic_path
    with atomic_path(sys.argv[1]) as tmp:
        tmp.write_text("partial")
        print(tmp, flush=True)
        time.sleep(30)
""")


def test_sigterm_mid_write_leaves_nothing_behind(tmp_path):
    target = tmp_path / "report.pdf"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE,
                            text=True, env=env)
    tmp = Path(proc.stdout.readline().strip())
    assert tmp.exists() and tmp.parent == tmp_path
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


def test_write_frames_where_a_name_is_a_folder_is_one_line_before_writing(tmp_path):
    (tmp_path / "b.csv").mkdir()
    frames = {"a": pd.DataFrame({"x": [1]}), "b": pd.DataFrame({"x": [2]})}
    with pytest.raises(EnvironmentFault, match=r"b.csv: cannot write: a folder is in the way"):
        write_frames(tmp_path, frames)
    assert not (tmp_path / "a.csv").exists()  # checked before any file is written


def test_output_checks_name_the_path_and_the_cause(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(EnvironmentFault, match=rf"{f}/out: cannot create the folder: a file is in the way"):
        check_output_dir(f / "out")
    with pytest.raises(EnvironmentFault, match="a folder is in the way"):
        check_output_file(tmp_path)


def test_report_out_under_a_file_fails_before_the_computation(tmp_path):
    """An empty store: had the computation run first, the error would be missing prices."""
    from click.testing import CliRunner

    from stress.cli import cli

    f = tmp_path / "file"
    f.write_text("x")
    start = time.perf_counter()
    r = CliRunner().invoke(cli, ["--offline", "report", "deepseek-r1", "--group", "ai_power",
                                 "--out", str(f / "r.pdf")])
    assert r.exit_code == 1
    assert r.stderr.strip() == f"error: {f}: cannot create the folder: a file is in the way"
    assert time.perf_counter() - start < 30


@pytest.mark.parametrize("cmd", [["event-study", "deepseek-r1", "VST"], ["sensitivity", "VST"],
                                 ["run", str(ROOT / "configs" / "portfolios" / "ai_power.csv")]])
def test_out_folders_are_checked_before_the_computation(tmp_path, cmd):
    from click.testing import CliRunner

    from stress.cli import cli

    f = tmp_path / "file"
    f.write_text("x")
    r = CliRunner().invoke(cli, ["--offline", *cmd, "--out", str(f / "out")])
    assert r.exit_code == 1, r.output
    assert r.stderr.strip() == f"error: {f / 'out'}: cannot create the folder: a file is in the way"
