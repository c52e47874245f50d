"""The chunked engine on a ``dask.distributed`` cluster.

What runs where: the client (the ``stress`` process) plans the chunks and scatters the
scenario source (a set's matrix, or only the seed of the draws) and the books' exposure
ONCE to every worker; each task computes one (book block x scenario chunk) piece of the
grid on a worker and returns only its m largest losses per book
(:func:`stress.risk.chunked.block_top`); merge tasks (fan-in :data:`FAN_IN`) combine
the tails of a book block on the workers and the last one returns VaR/ES of its books,
(b,) arrays. Only those small results come back to the client. The numbers are the
in-process ones: the same functions on the same blocks, and the largest-m set of a
union does not depend on the order of merging.

A worker lost mid-run loses its tasks; the scheduler reruns them elsewhere from their
inputs (the scattered data is on every worker), so the answer does not change.

``dask[distributed]`` is an optional extra (``pip install 'stress[dask]'``); it is
imported only when a scheduler is asked for.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

from stress.errors import InputError, StressError
from stress.risk.chunked import (
    ALPHAS, Exposure, Plan, Source, TailVar, block_top, concat_var, merge_top, var_es_from_top,
)

FAN_IN = 4
#: seconds to wait for a scheduler (and for the workers of ``local``)
TIMEOUT = 10.0


class SchedulerError(StressError):
    """The Dask scheduler cannot be reached or the cluster cannot start (exit 1)."""


def _distributed():
    try:
        import distributed
    except ImportError:
        raise InputError("--scheduler needs dask.distributed: pip install 'stress[dask]'") from None
    return distributed


@contextmanager
def connect(address: str, *, timeout: float | None = None, n_workers: int = 2) -> Iterator:
    """A ``distributed.Client``: ``local`` starts a LocalCluster of ``n_workers`` worker
    processes (one thread each, 127.0.0.1, no dashboard), closed on exit; anything else
    is a scheduler address (``tcp://host:8786``). One :class:`SchedulerError` line when
    it cannot be reached within ``timeout`` seconds (default :data:`TIMEOUT`)."""
    distributed = _distributed()
    timeout = TIMEOUT if timeout is None else timeout
    cluster = None
    try:
        if address == "local":
            cluster = distributed.LocalCluster(
                n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False},
                silence_logs=50)
            client = distributed.Client(cluster, timeout=f"{timeout}s")
        else:
            client = distributed.Client(address, timeout=f"{timeout}s")
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        why = " ".join(str(exc).split()) or type(exc).__name__
        raise SchedulerError(
            f"scheduler {address}: cannot connect within {timeout:g} s ({why[:200]}); start one "
            "with `dask scheduler` and workers with `dask worker ADDRESS`, or use --scheduler "
            "local") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class DaskEngine:
    """``engine(source, exposure, plan, confidences) -> TailVar`` on a distributed client."""

    def __init__(self, client):
        self.client = client

    def __call__(self, source: Source, expo: Exposure, p: Plan,
                 confidences: Sequence[float] = ALPHAS) -> TailVar:
        c = self.client
        src, exp = c.scatter([source, expo], broadcast=True, hash=False)
        finals, chunks = [], p.chunks
        for books in p.blocks:
            level = [c.submit(block_top, src, exp, books, bounds, p.m, pure=False)
                     for bounds in chunks]
            while len(level) > FAN_IN:
                level = [c.submit(_merge, p.m, *level[i:i + FAN_IN], pure=False)
                         for i in range(0, len(level), FAN_IN)]
            finals.append(c.submit(_finish, p.m, p.n, tuple(confidences), *level, pure=False))
        return concat_var(c.gather(finals), confidences)


def _merge(m: int, *tops):
    return merge_top(tops, m)


def _finish(m: int, n: int, confidences: tuple, *tops) -> TailVar:
    return var_es_from_top(merge_top(tops, m), n, confidences)
