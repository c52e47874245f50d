"""The Dask engine on real clusters on 127.0.0.1, started and stopped here: a LocalCluster
of 2 worker processes (through the CLI's `--scheduler local`), and a scheduler plus two
workers as separate `dask` processes.
Results equal the in-process engine to 1e-12; a worker killed mid-run changes nothing;
an unreachable scheduler is one line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("distributed")
pytestmark = pytest.mark.slow

from stress.risk import chunked as ch  # noqa: E402
from stress.scale.books_var import batch_var  # noqa: E402
from stress.scale.dask_engine import DaskEngine, SchedulerError, connect  # noqa: E402
from stress.scenarios.sets import NormalDraws, ScenarioMatrix  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """As the suite's guard, but connections to this machine's loopback are allowed."""
    real = socket.socket.connect

    def guard(self, address, *a, **kw):
        host = address[0] if isinstance(address, tuple) else address
        if host not in LOOPBACK:
            raise RuntimeError(f"a test tried to open a network connection to {address}")
        return real(self, address, *a, **kw)

    monkeypatch.setattr(socket.socket, "connect", guard)


def inputs(seed=3, p=40, k=9, s=6_000):
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0003, 0.012, (300, k))
    values = rng.normal(2e4, 1e4, (p, k))
    scen = ScenarioMatrix(rng.normal(0, 0.03, (s, k)), tuple(f"T{i}" for i in range(k)))
    kw = dict(window=x, mean=x.mean(axis=0), cov=np.cov(x.T), scenarios=scen,
              n_sims=12_000, seed=9, chunk=2_000, horizon=2)
    return values, scen.columns, np.full(p, 1e6), [f"b{i}" for i in range(p)], kw


def assert_same(a, b):
    assert a.var.keys() == b.var.keys() == {"scenarios", "historical", "normal", "montecarlo"}
    for m in a.var:
        for al in a.confidences:
            np.testing.assert_allclose(b.var[m][al], a.var[m][al], rtol=1e-12, atol=0)
            np.testing.assert_allclose(b.es[m][al], a.es[m][al], rtol=1e-12, atol=0)


@pytest.fixture(scope="module")
def process_cluster(tmp_path_factory):
    """`dask scheduler` and two `dask worker` processes (no nanny, no dashboard) on
    127.0.0.1, found through a scheduler file; all terminated at the end."""
    d = tmp_path_factory.mktemp("dask")
    sched_file = d / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    dask = [sys.executable, "-m", "dask"]
    procs = [subprocess.Popen(
        [*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
         "--dashboard-address", "127.0.0.1:0",
         "--scheduler-file", str(sched_file)], env=env, cwd=d,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not sched_file.exists():
            assert time.monotonic() < deadline, "the scheduler did not start"
            assert procs[0].poll() is None, "the scheduler exited"
            time.sleep(0.1)
        workers = [subprocess.Popen(
            [*dask, "worker", "--scheduler-file", str(sched_file), "--nthreads", "1",
             "--no-nanny", "--no-dashboard", "--host", "127.0.0.1", "--name", f"w{i}",
             "--death-timeout", "60"], env=env, cwd=d,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(2)]
        procs += workers
        import distributed

        with distributed.Client(scheduler_file=str(sched_file), timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
            yield client, workers
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)


def test_separate_processes_equal_in_process(process_cluster):
    client, _ = process_cluster
    values, tickers, nav, names, kw = inputs(seed=4, p=60, s=6_000)
    kw["chunk"] = 1_000  # 6 chunks x 1 block; two merge levels
    ours = batch_var(values, tickers, nav, names, **kw)
    dist = batch_var(values, tickers, nav, names, engine=DaskEngine(client), **kw)
    assert_same(ours, dist)


def test_worker_killed_mid_run_answer_unchanged(process_cluster):
    """Kill one worker (SIGKILL) once some tasks are done and others are not: the
    scheduler reruns its tasks on the other worker; VaR/ES are those of the in-process run."""
    client, workers = process_cluster
    rng = np.random.default_rng(5)
    values = rng.normal(1e4, 3e3, (100, 30))
    draws = NormalDraws(300_000, 30, seed=1)
    expo = ch.Exposure(values, np.zeros(100), 1.0)
    p = ch.plan(draws.n, 100, (0.99,), 2_500)  # 100 grid tasks
    box: dict = {}

    def run():
        box["result"] = DaskEngine(client)(draws, expo, p, (0.99,))

    thread = threading.Thread(target=run)
    thread.start()

    def done(dask_scheduler):
        return sum(str(ts.key).startswith("block_top") and ts.state == "memory"
                   for ts in dask_scheduler.tasks.values())

    deadline = time.monotonic() + 60
    while client.run_on_scheduler(done) < 4:
        assert time.monotonic() < deadline and thread.is_alive(), "the run did not progress"
        time.sleep(0.02)
    assert thread.is_alive()
    os.kill(workers[1].pid, signal.SIGKILL)
    thread.join(timeout=120)
    assert not thread.is_alive() and "result" in box
    assert workers[1].wait(timeout=10) == -signal.SIGKILL
    deadline = time.monotonic() + 30
    while len(client.scheduler_info()["workers"]) != 1:  # the scheduler saw it go
        assert time.monotonic() < deadline
        time.sleep(0.1)
    ref = ch.tail_var(draws, expo, p, (0.99,))
    np.testing.assert_allclose(box["result"].var[0.99], ref.var[0.99], rtol=1e-12, atol=0)
    np.testing.assert_allclose(box["result"].es[0.99], ref.es[0.99], rtol=1e-12, atol=0)


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_unreachable_scheduler_is_one_line():
    address = f"tcp://127.0.0.1:{_free_port()}"
    t0 = time.monotonic()
    with pytest.raises(SchedulerError) as exc:
        with connect(address, timeout=1):
            pass
    msg = str(exc.value)
    assert time.monotonic() - t0 < 15
    assert "\n" not in msg and msg.startswith(f"scheduler {address}: cannot connect within 1 s")
    assert "dask scheduler" in msg


def test_cli_unreachable_scheduler(sample_home, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from stress.cli import cli
    from stress.scale import dask_engine

    monkeypatch.setattr(dask_engine, "TIMEOUT", 1.0)
    books = tmp_path / "b.csv"
    books.write_text("book,ticker,shares\na,VST,10\nb,NVDA,5\n")
    address = f"tcp://127.0.0.1:{_free_port()}"
    r = CliRunner().invoke(cli, ["--offline", "run", "--books", str(books), "--var", "--sims",
                                 "1000", "--scheduler", address])
    assert r.exit_code == 1
    assert r.output.strip().count("\n") == 0
    assert r.output.startswith(f"error: scheduler {address}: cannot connect within 1 s")


def test_cli_local_scheduler_equals_in_process(sample_home, tmp_path):
    """`--scheduler local` (a LocalCluster of 2 worker processes on 127.0.0.1) gives the
    in-process VaR/ES of every method to 1e-12, on real prices."""
    import json

    from click.testing import CliRunner

    from stress.cli import cli

    books = tmp_path / "b.csv"
    books.write_text("book,ticker,shares\nA,VST,100\nA,CEG,50\nB,NVDA,20\nB,SPY,10\nB,XLU,30\n"
                     "C,DUK,40\n")
    rng = np.random.default_rng(1)
    cols = ["VST", "CEG", "NVDA", "SPY", "XLU", "DUK"]
    import pandas as pd

    pd.DataFrame(rng.normal(0, 0.04, (3_000, 6)), columns=cols).to_parquet(tmp_path / "s.parquet")
    args = ["--offline", "run", "--books", str(books), "--scenarios", str(tmp_path / "s.parquet"),
            "--var", "--sims", "4000", "--chunk-size", "1000", "--json"]
    a = CliRunner().invoke(cli, args)
    b = CliRunner().invoke(cli, [*args, "--scheduler", "local"])
    assert a.exit_code == 0 and b.exit_code == 0, a.output + b.output
    ja, jb = json.loads(a.output), json.loads(b.output)
    assert jb["settings"]["scheduler"] == "local"
    for ba, bb in zip(ja["books"], jb["books"]):
        for what in ("var", "es"):
            for m in ("scenarios", "historical", "normal", "montecarlo"):
                for al in ("0.95", "0.99"):
                    assert bb[what][m][al] == pytest.approx(ba[what][m][al], rel=1e-12, abs=0)
