"""Progress of long work: on stderr when it is a terminal, nothing extra when it is not,
nothing with --quiet."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--offline", "run", str(ROOT / "configs/portfolios/nuclear.csv"), "--shock", "-1"]

pytestmark = pytest.mark.sample_data


def _stderr_on_a_terminal(args, env) -> tuple[str, str]:
    """Run `stress ARGS` with stderr on a pseudo-terminal; (stdout, stderr)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "stress", *args], stdout=subprocess.PIPE,
                            stderr=slave, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    err = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            err += chunk
        elif proc.poll() is not None:
            break
    out = proc.stdout.read().decode()
    proc.wait(timeout=60)
    os.close(master)
    return out, err.decode(errors="replace")


@pytest.fixture(scope="module")
def env(sample_store_path, tmp_path_factory):
    home = tmp_path_factory.mktemp("progress-home")
    shutil.copy(sample_store_path, home / "prices.sqlite")
    return {**os.environ, "STRESS_HOME": str(home)}


def test_progress_on_a_terminal_and_quiet(env):
    out, err = _stderr_on_a_terminal(ARGS, env)
    assert "loading prices" in err and "book 1/1 nuclear" in err and "sensitivities of" in err
    assert err.endswith("\r\x1b[K")  # the progress line is erased before the output
    assert "shock(k=-1)" in out
    out_q, err_q = _stderr_on_a_terminal(["--quiet", *ARGS], env)
    assert err_q == "" and out_q == out


def test_no_progress_through_a_pipe(env):
    res = subprocess.run([sys.executable, "-m", "stress", *ARGS], capture_output=True, text=True,
                         env=env, timeout=120)
    assert res.returncode == 0 and res.stderr == ""
