"""7. Scale-out: books x Monte Carlo scenarios x assets VaR/ES in bounded memory, on a
2-worker LocalCluster, and the full grid streamed to Parquet, each against the bare
numpy floor measured in the same run.

Every path runs in its own subprocess so that its peak memory is its own
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``, plus the workers' own for Dask).

* ``scale-var``: :func:`stress.risk.chunked.tail_var` over seeded draws
  (:class:`stress.scenarios.sets.NormalDraws`), exact VaR/ES from per-chunk tails;
* ``scale-var-dask``: the same on a LocalCluster of 2 worker processes
  (:class:`stress.scale.dask_engine.DaskEngine`), then a projection of the wall time on
  8 and 64 workers from the measured per-task cost and per-task scheduler overhead;
* ``scale-grid``: :func:`stress.scale.grid_parquet.write_grid`, every cell to Parquet.

The floor ("slow way" column, here the FAST bound): the same draws made into returns
R = mu + Z L' once, then per block of 1,000 books one matmul V_b R' and one
``numpy.partition`` (VaR/ES), or one matmul and ``ndarray.tofile`` of the raw float64
cells (grid). Ratios below 1 are the price of bounded memory and exactness.

Sizes (books x scenarios x assets): default 2,000 x 20,000 x 500 (grid 2,000 x 5,000);
``STRESS_BENCH_SCALE=full``: 10,000 x 100,000 x 500 (grid 10,000 x 10,000 x 500);
--quick: 50 x 2,000 x 20. Standalone: ``python benchmarks/bench_scale.py [--full]``.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.harness import Row, Timing

ROOT = Path(__file__).resolve().parents[1]
ALPHAS = (0.95, 0.99)
SEED = 5


def sizes(quick: bool) -> dict:
    if quick:
        return {"p": 50, "s": 2_000, "n": 20, "grid_s": 1_000, "chunk": 500}
    if os.environ.get("STRESS_BENCH_SCALE") == "full":
        return {"p": 10_000, "s": 100_000, "n": 500, "grid_s": 10_000, "chunk": 20_000}
    return {"p": 2_000, "s": 20_000, "n": 500, "grid_s": 5_000, "chunk": 5_000}


# ---- the child processes ---------------------------------------------------------------
def _inputs(p: int, n: int):
    """Seeded book values (P, N), daily mean (N,) and a 5-factor covariance (N, N)."""
    rng = np.random.default_rng(SEED)
    load = rng.normal(0.0, 0.01, (n, 5))
    cov = load @ load.T + np.diag(rng.uniform(1e-4, 4e-4, n))
    mean = rng.normal(3e-4, 2e-4, n)
    values = rng.uniform(0, 2e4, (p, n)) * (rng.random((p, n)) < 0.2)
    return values, mean, cov


def _child(kind: str, cfg: dict) -> dict:
    from stress.risk import chunked as ch
    from stress.scale.books_var import mc_exposure
    from stress.scenarios.sets import BLOCK, NormalDraws

    values, mean, cov = _inputs(cfg["p"], cfg["n"])
    s = cfg["grid_s"] if kind.startswith("grid") else cfg["s"]
    draws = NormalDraws(s, cfg["n"], SEED)
    out: dict = {}
    t0 = time.perf_counter()
    if kind in ("var", "dask"):
        expo = mc_exposure(values, mean, cov, 1.0)
        plan = ch.plan(s, cfg["p"], ALPHAS, cfg["chunk"], BLOCK)
        out["tasks"] = len(plan.chunks) * len(plan.blocks)
        if kind == "var":
            t0 = time.perf_counter()
            res = ch.tail_var(draws, expo, plan, ALPHAS)
        else:
            from stress.scale.dask_engine import DaskEngine, connect

            c0 = time.perf_counter()
            with connect("local", timeout=120) as client:
                client.wait_for_workers(2, timeout=120)
                engine = DaskEngine(client)
                small = NormalDraws(2 * BLOCK, cfg["n"], SEED)  # warm-up: imports on workers
                engine(small, expo, ch.plan(small.n, cfg["p"], ALPHAS, BLOCK, BLOCK), ALPHAS)
                out["startup"] = time.perf_counter() - c0
                from distributed import get_task_stream

                t0 = time.perf_counter()
                with get_task_stream(client) as stream:
                    res = engine(draws, expo, plan, ALPHAS)
                out["seconds"] = time.perf_counter() - t0
                out["task_s"], out["merge_s"] = _compute_seconds(stream.data)
                out["blocks"] = len(plan.blocks)
                out["worker_rss"] = max(client.run(_maxrss).values())
                out["overhead"] = _task_overhead(client)
        out["var"] = {str(a): res.var[a].tolist() for a in ALPHAS}
        out["es"] = {str(a): res.es[a].tolist() for a in ALPHAS}
    elif kind == "floor":
        from stress.risk._checks import psd_factor

        t0 = time.perf_counter()
        r = draws.rows(0, s) @ psd_factor(cov).T
        r += mean
        out["var"], out["es"] = {str(a): [] for a in ALPHAS}, {str(a): [] for a in ALPHAS}
        for a0 in range(0, cfg["p"], 1000):
            loss = -(values[a0:a0 + 1000] @ r.T)
            for a in ALPHAS:
                k = ch.k_index(s, a)
                part = np.partition(loss, k - 1, axis=1)
                var = part[:, k - 1]
                out["var"][str(a)] += var.tolist()
                out["es"][str(a)] += ((part[:, k:].sum(axis=1) / s + var * (k / s - a))
                                      / (1 - a)).tolist()
            del loss, part
    elif kind == "grid":
        import pyarrow.parquet as pq  # imported before the clock starts

        from stress.scale.grid_parquet import write_grid

        expo = mc_exposure(values, mean, cov, 1.0)
        plan = ch.plan(s, cfg["p"], (), cfg["chunk"], BLOCK)
        path = Path(cfg["dir"]) / "grid.parquet"
        t0 = time.perf_counter()
        out["rows"] = write_grid(path, draws, expo, plan, [f"b{i}" for i in range(cfg["p"])],
                                 [str(i) for i in range(s)])
        out["seconds"] = time.perf_counter() - t0
        out["bytes"] = path.stat().st_size
        f = pq.ParquetFile(path)  # check: a few cells against the product
        first = f.read_row_group(0).column("pnl").to_numpy()[:5]
        out["check"] = first.tolist()
        path.unlink()
    elif kind == "grid-floor":
        from stress.risk._checks import psd_factor

        path = Path(cfg["dir"]) / "grid.raw"
        t0 = time.perf_counter()
        r = draws.rows(0, s) @ psd_factor(cov).T
        r += mean
        with open(path, "wb") as fh:
            for a0 in range(0, cfg["p"], 1000):
                (values[a0:a0 + 1000] @ r.T).tofile(fh)
        out["seconds"] = time.perf_counter() - t0
        out["bytes"] = path.stat().st_size
        out["check"] = (values[0] @ r[:5].T).tolist()
        path.unlink()
    out.setdefault("seconds", time.perf_counter() - t0)
    out["rss"] = _maxrss()
    return out


def _maxrss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def _compute_seconds(stream: list) -> tuple[float, float]:
    """Mean worker compute seconds of a grid task, and total of the merge tasks."""
    grid, merge = [], 0.0
    for rec in stream:
        key = rec["key"] if isinstance(rec["key"], str) else str(rec["key"][0])
        spent = sum(s["stop"] - s["start"] for s in rec["startstops"] if s["action"] == "compute")
        if key.startswith("block_top"):
            grid.append(spent)
        else:
            merge += spent
    return (sum(grid) / len(grid) if grid else float("nan")), merge


def _noop(i):
    return i


def _task_overhead(client, n: int = 400) -> float:
    """Seconds per trivial task through the scheduler (submit, run, gather), amortised."""
    client.gather(client.map(_noop, range(50), pure=False))  # warm-up
    t0 = time.perf_counter()
    client.gather(client.map(_noop, range(n), pure=False))
    return (time.perf_counter() - t0) / n


_CACHE: dict = {}


def _spawn(kind: str, cfg: dict) -> dict:
    """``_child(kind, cfg)`` in a fresh interpreter; each (kind, sizes) once per run."""
    key = (kind, json.dumps(cfg, sort_keys=True))
    if key not in _CACHE:
        _CACHE[key] = _spawn_new(kind, cfg)
    return _CACHE[key]


def _spawn_new(kind: str, cfg: dict) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    code = ("import json, sys; from benchmarks.bench_scale import _child; "
            f"print('RESULT ' + json.dumps(_child({kind!r}, json.loads(sys.argv[1]))))")
    done = subprocess.run([sys.executable, "-c", code, json.dumps(cfg)], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=3600)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{kind} child failed ({done.returncode}): {done.stderr.strip()[-600:]}")


def _timing(d: dict) -> Timing:
    return Timing(d["seconds"], (d["seconds"],), d)


def _gib(b: float) -> str:
    return f"{b / 2**30:.2f} GiB"


def _agree(ours: dict, floor: dict) -> None:
    for what in ("var", "es"):
        for a in ours[what]:
            np.testing.assert_allclose(ours[what][a], floor[what][a], rtol=1e-9)


# ---- the rows ----------------------------------------------------------------------------
def _size(cfg: dict, grid: bool = False) -> str:
    s = cfg["grid_s"] if grid else cfg["s"]
    return f"{cfg['p']:,} books x {s:,} MC x {cfg['n']} assets"


def run_scale_var(quick: bool, repeats: int) -> Row:
    cfg = sizes(quick)
    row = Row("scale-var", _size(cfg), slow_label="numpy floor: matmul + partition",
              judge=not quick)
    ours, floor = _spawn("var", cfg), _spawn("floor", cfg)
    _agree(ours, floor)
    row.record(_timing(ours), _timing(floor),
               f"scale-var: in process, chunk {cfg['chunk']:,}, peak RSS {_gib(ours['rss'])} "
               f"(floor, 1,000-book blocks of the full grid row: {_gib(floor['rss'])}); "
               f"VaR/ES exact (equal to the floor's partition to 1e-9); {ours['tasks']} chunk-blocks")
    return row


def run_scale_var_dask(quick: bool, repeats: int) -> Row:
    cfg = sizes(quick)
    row = Row("scale-var-dask", _size(cfg) + ", 2 workers", slow_label="numpy floor",
              judge=not quick)
    ours, inproc, floor = _spawn("dask", cfg), _spawn("var", cfg), _spawn("floor", cfg)
    _agree(ours, floor)
    for what in ("var", "es"):
        for a in ours[what]:
            np.testing.assert_allclose(ours[what][a], inproc[what][a], rtol=1e-12, atol=0)
    row.record(_timing(ours), _timing(floor),
               f"scale-var-dask: LocalCluster 2 processes x 1 thread (start-up and a warm-up run "
               f"{ours['startup']:.1f} s, not timed); equal to in-process to 1e-12; client peak RSS {_gib(ours['rss'])}, "
               f"worker peak RSS {_gib(ours['worker_rss'])}")
    row.notes.append(projection(ours, inproc["seconds"]))
    return row


def projection(d: dict, inproc: float) -> str:
    """Wall time on W workers from what the 2-worker run measured: the mean worker compute
    of a grid task c, the merge work per book block g, the scheduler's per-task overhead
    o (trivial tasks, submit to gather): T(W) = ceil(tasks/W) c + ceil(blocks/W) g + tasks o
    (the scheduler handles every task in turn; transfers of the tails are in c and g)."""
    tasks, blocks, c, o = d["tasks"], d["blocks"], d["task_s"], d["overhead"]
    g = d["merge_s"] / blocks

    def t(w: int) -> float:
        return math.ceil(tasks / w) * c + math.ceil(blocks / w) * g + tasks * o

    return (f"scale-var-dask projection: {tasks} grid tasks of c = {c:.3f} s each (worker compute, "
            f"1 thread; in process with 2 BLAS threads the whole run took {inproc:.1f} s), merges "
            f"g = {g:.3f} s per book block ({blocks} blocks), scheduler overhead o = "
            f"{o * 1e3:.1f} ms/task; T(W) = ceil(tasks/W) c + ceil(blocks/W) g + tasks o: "
            f"2 workers {t(2):.1f} s (measured {d['seconds']:.1f} s), 8 workers {t(8):.1f} s, "
            f"64 workers {t(64):.1f} s, on cores as busy as this run's; past tasks = W, a smaller "
            "--chunk-size makes more, smaller tasks")


def run_scale_grid(quick: bool, repeats: int) -> Row:
    cfg = sizes(quick)
    row = Row("scale-grid", _size(cfg, grid=True) + " -> Parquet",
              slow_label="numpy floor: matmul + raw tofile", judge=not quick)
    with tempfile.TemporaryDirectory(prefix="stress-grid-") as tmp:
        cfg = {**cfg, "dir": tmp}
        ours, floor = _spawn("grid", cfg), _spawn("grid-floor", cfg)
    np.testing.assert_allclose(ours["check"], floor["check"], rtol=1e-12)
    row.record(_timing(ours), _timing(floor),
               f"scale-grid: {ours['rows']:,} rows (book, scenario, pnl), {_gib(ours['bytes'])} "
               f"Parquet vs {_gib(floor['bytes'])} raw float64; peak RSS {_gib(ours['rss'])} "
               f"(floor {_gib(floor['rss'])})")
    return row


def main(argv: list[str] | None = None) -> int:
    import argparse

    from benchmarks.harness import machine, table

    ap = argparse.ArgumentParser(description="scale-out benchmark rows, standalone")
    ap.add_argument("--full", action="store_true", help="10,000 x 100,000 x 500 (long)")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(argv)
    if a.full:
        os.environ["STRESS_BENCH_SCALE"] = "full"
    rows = [run_scale_var(a.quick, 1), run_scale_var_dask(a.quick, 1), run_scale_grid(a.quick, 1)]
    print(machine())
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
