"""One event study for B event dates at once: fit, every window, every test.

The study of a real event is B = 1; placebo inference is B = M random dates. Arrays
are (T, N) asset returns and (T, q) regressor returns on the market's trading days.

Event dates are independent, so a large batch is split along B into one chunk per
thread (numpy releases the GIL in sorting, matrix products and ufuncs); the chunks'
results are concatenated in order and equal the one-thread results exactly.
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, ContextManager, TypeVar

import numpy as np

from stress.errors import InputError
from stress.eventstudy.models import Fit, _design, drop_short, expected_returns, fit_normal, gather, window_stats
from stress.eventstudy.correlation import mean_residual_correlation
from stress.eventstudy.significance import Baseline, aggregate_tests, baseline, baselines, decode_centred, rank_codes, rank_dtype, usable
from stress.eventstudy.spec import EventStudySpec, Window

T = TypeVar("T")

#: A batch of fewer values (B x (L1 + event-period days) x N) runs on one thread: below
#: this, starting threads costs more than it saves (2 cores: 0.26M values 10% slower,
#: 0.52M 20% faster, 2.6M (500 assets x 20 events) 40% faster).
MIN_PARALLEL = 500_000
#: A batch is computed in chunks of event dates whose panel (dates x days x N float64)
#: is at most this many bytes, each written into the batch's arrays as it is done, so
#: the working arrays stay a few chunk panels however many dates there are.
CHUNK_BYTES = 8 * 2**20
#: Environment variable that sets the default number of threads (1 turns threading off).
THREADS_ENV = "STRESS_THREADS"


@dataclass(frozen=True)
class WindowBatch:
    """Abnormal returns over one window: ``ar`` (B, L2, N); ``car``, ``var_car``,
    ``bhar`` (B, N); ``returns`` (B, L2, N) the raw returns."""

    window: Window
    ar: np.ndarray
    car: np.ndarray
    var_car: np.ndarray
    bhar: np.ndarray
    returns: np.ndarray


@dataclass(frozen=True)
class Batch:
    """``fit`` on the estimation window; ``span`` the days evaluated (the windows' event
    period, widened on request); ``ar_span`` (B, Ls, N); ``windows`` slices of it;
    ``rank2`` (B, L1 + Lp, N) twice the ranks (small integers, -1 where missing) of the
    estimation residuals and the event-period ARs (the rank test's ranking set) and
    ``n_ranked`` (B, N) their non-missing count per asset; ``u`` their centred
    standardised ranks (:func:`~stress.eventstudy.significance.decode_centred`);
    ``y_span`` (B, Ls, N) the raw returns (the windows' ``returns`` are views)."""

    fit: Fit
    span: Window
    ar_span: np.ndarray
    windows: tuple[WindowBatch, ...]
    rank2: np.ndarray
    n_ranked: np.ndarray
    y_span: np.ndarray

    @property
    def u(self) -> np.ndarray:
        """(B, L1 + Lp, N) U - 1/2 of the rank test, NaN where missing (a new array)."""
        return decode_centred(self.rank2, self.n_ranked)


@dataclass(frozen=True)
class Aggregate:
    """Per window: ``n``, ``caar``, ``mean_corr`` (the KP r) (B,) and ``tests``
    {name: (stat (B,), p (B,))}."""

    window: Window
    n: np.ndarray
    caar: np.ndarray
    tests: dict
    mean_corr: np.ndarray


def event_period(windows: tuple[Window, ...]) -> Window:
    """The event period: from the first window start to the last window end."""
    return min(w[0] for w in windows), max(w[1] for w in windows)


def default_threads() -> int:
    """Threads to use when none are given: ``$STRESS_THREADS`` if set, else
    min(2, usable cores)."""
    env = os.environ.get(THREADS_ENV, "").strip()
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise InputError(f"{THREADS_ENV}={env!r} is not a whole number of threads") from None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(2, cores))


def _in_chunks(fn: Callable[[slice], T], b: int, size: int, threads: int | None, min_parallel: int,
               chunk_bytes: int | None = None) -> list[T]:
    """``fn`` over consecutive row slices of a batch of ``b`` rows of ``size`` values in
    all, in order. One thread when ``size`` < ``min_parallel`` or one thread is asked
    for, else the threads share the slices. The slices hold at most ``chunk_bytes`` of
    float64 values each (default: one slice per thread)."""
    workers = min(default_threads() if threads is None else max(1, int(threads)), b)
    if workers <= 1 or size < min_parallel:
        workers = 1
    n_chunks = workers
    if chunk_bytes:
        n_chunks = max(n_chunks, -(-8 * size // chunk_bytes))
    n_chunks = min(n_chunks, b)
    if n_chunks <= 1:
        return [fn(slice(0, b))]
    edges = np.linspace(0, b, n_chunks + 1).round().astype(int)
    rows = [slice(int(lo), int(hi)) for lo, hi in zip(edges[:-1], edges[1:])]
    if workers == 1:
        return [fn(r) for r in rows]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, rows))


def one_blas_thread() -> ContextManager:
    """BLAS on one thread inside the block (restored after), for :func:`aggregates`:
    its products are small (the KP r's per-date Gram matrices with gaps, 240 x 200 x 200
    for a placebo date), and BLAS threads on them, on top of our own threads or on busy
    cores, spin instead of working (measured 5-10x slower on 2 shared cores, with one
    thread of ours or two). A no-op without threadpoolctl."""
    global _BLAS
    if _BLAS is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - a declared dependency
            return contextlib.nullcontext()
        _BLAS = ThreadpoolController()  # finds the loaded BLAS once (2 ms), then each limit is ~0.1 ms
    return _BLAS.limit(limits=1, user_api="blas")


_BLAS = None


def _cat(arrays: list[np.ndarray]) -> np.ndarray:
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays, axis=0)


def run_batch(
    returns: np.ndarray,
    regressors: np.ndarray,
    day0: np.ndarray,
    spec: EventStudySpec,
    span: Window | None = None,
    threads: int | None = None,
    min_parallel: int = MIN_PARALLEL,
    chunk_bytes: int = CHUNK_BYTES,
) -> Batch:
    """Fit ``spec.model`` on each date's estimation window and evaluate every window.
    ``span`` widens the event period (e.g. to the rebound horizon); the rank test
    always ranks over the estimation window plus the windows' event period.

    The B dates are computed in chunks of at most ``chunk_bytes`` of panel (dates x
    (L1 + Ls) x N float64) written into the batch's arrays, and ``threads`` (default
    :func:`default_threads`: ``$STRESS_THREADS``, else min(2, cores)) share the chunks
    when the batch has at least ``min_parallel`` values; results are identical."""
    day0 = np.asarray(day0)
    period = event_period(spec.windows)
    span = span or period
    span = (min(span[0], period[0]), max(span[1], period[1]))
    l1 = spec.estimation[1] - spec.estimation[0] + 1
    days = l1 + span[1] - span[0] + 1
    b, n = day0.shape[0], returns.shape[1]
    size = b * days * n

    def one(rows: slice) -> Batch:
        return _run_batch(returns, regressors, day0[rows], spec, span)

    if b == 1 or (8 * size <= chunk_bytes and (size < min_parallel or threads == 1)):
        return one(slice(0, b))
    out = _allocate(b, n, l1, span, spec, regressors.shape[1])

    def work(rows: slice) -> None:  # the chunks write disjoint rows, the large arrays in place
        _store(out, _run_batch(returns, regressors, day0[rows], spec, span, _views(out, rows)), rows)

    _in_chunks(work, b, size, threads, min_parallel, chunk_bytes)
    return _assemble(out, spec, span)


_FIT = ("params", "ainv", "sigma", "n_est", "dof", "resid")
_SMALL = ("params", "ainv", "sigma", "n_est", "dof")  # (B, N, ...): copied from each chunk
_WIN = ("car", "var_car", "bhar")


def _allocate(b: int, n: int, l1: int, span: Window, spec: EventStudySpec, q: int) -> dict:
    """Empty arrays of a batch of ``b`` dates x ``n`` assets (see :class:`Batch`)."""
    p = _design(spec.model, np.zeros((1, 1, q)))[0].shape[-1]
    ls = span[1] - span[0] + 1
    period = event_period(spec.windows)
    lr = l1 + period[1] - period[0] + 1
    f = lambda *shape, dtype=float: np.empty((b,) + shape, dtype=dtype)  # noqa: E731
    return {
        "fit": {"params": f(n, p), "ainv": f(n, p, p), "sigma": f(n), "n_est": f(n, dtype=np.intp),
                "dof": f(n, dtype=np.intp), "resid": f(l1, n)},
        "ar_span": f(ls, n), "y_span": f(ls, n),
        "win": [{name: f(n) for name in _WIN} for _ in spec.windows],
        "rank2": np.swapaxes(f(n, lr, dtype=rank_dtype(lr)), 1, 2), "n_ranked": f(n, dtype=np.intp),
    }


def _views(out: dict, rows: slice) -> dict:
    """Rows ``rows`` of the batch's large arrays, for :func:`_run_batch` to write into
    (``rank2`` in its (B, N, L) layout)."""
    return {"resid": out["fit"]["resid"][rows], "ar_span": out["ar_span"][rows], "y_span": out["y_span"][rows],
            "rank2": np.swapaxes(out["rank2"][rows], 1, 2)}


def _store(out: dict, part: Batch, rows: slice) -> None:
    """Copy a chunk's small results into rows ``rows`` of the batch's arrays (the large
    ones were written in place, see :func:`_views`)."""
    for name in _SMALL:
        out["fit"][name][rows] = getattr(part.fit, name)
    for w, arrays in zip(part.windows, out["win"]):
        for name in _WIN:
            arrays[name][rows] = getattr(w, name)
    out["n_ranked"][rows] = part.n_ranked


def _assemble(out: dict, spec: EventStudySpec, span: Window) -> Batch:
    """The :class:`Batch` of the filled arrays (window arrays are views of the span's)."""
    f = out["fit"]
    fit = Fit(spec.model, f["params"].shape[-1], *(f[name] for name in _FIT))
    windows = tuple(
        WindowBatch(w, out["ar_span"][:, w[0] - span[0]:w[1] - span[0] + 1], a["car"], a["var_car"], a["bhar"],
                    out["y_span"][:, w[0] - span[0]:w[1] - span[0] + 1])
        for w, a in zip(spec.windows, out["win"])
    )
    return Batch(fit, span, out["ar_span"], windows, out["rank2"], out["n_ranked"], out["y_span"])


def _run_batch(returns: np.ndarray, regressors: np.ndarray, day0: np.ndarray, spec: EventStudySpec,
               span: Window, out: dict | None = None) -> Batch:
    """:func:`run_batch` of some dates on one thread, ``span`` already widened to the
    event period; ``out``: arrays of these dates (:func:`_views`) the residuals, the
    span's returns and abnormal returns and the rank codes are written into."""
    big = out or {}
    fit = fit_normal(gather(returns, day0, spec.estimation), gather(regressors, day0, spec.estimation), spec.model,
                     out=big.get("resid"))
    fit = drop_short(fit, spec.min_estimation, in_place=True)  # the residuals are this call's own
    period = event_period(spec.windows)
    y = gather(returns, day0, span, out=big.get("y_span"))
    expected, design = expected_returns(fit, gather(regressors, day0, span))
    ar = np.subtract(y, expected, out=big.get("ar_span"))
    out = []
    for w in spec.windows:
        sl = slice(w[0] - span[0], w[1] - span[0] + 1)
        car, var_car, bhar = window_stats(fit, y[:, sl], expected[:, sl], design[:, sl], spec.returns)
        out.append(WindowBatch(w, ar[:, sl], car, var_car, bhar, y[:, sl]))
    psl = slice(period[0] - span[0], period[1] - span[0] + 1)
    rank2, n_ranked = rank_codes((fit.resid, ar[:, psl]), out=big.get("rank2"))
    return Batch(fit, span, ar, tuple(out), rank2, n_ranked, y)


def aggregates(
    batch: Batch, include: np.ndarray, threads: int | None = None, min_parallel: int = MIN_PARALLEL,
    chunk_bytes: int = CHUNK_BYTES,
) -> tuple[Aggregate, ...]:
    """CAAR and tests per window over the assets in ``include`` ((N,) or (B, N) bool).

    The window-independent pieces (KP r, the crude test's sd, the rank test's daily sums,
    the sign test's baseline) are computed once per distinct set of usable assets.
    ``threads``, ``min_parallel`` and ``chunk_bytes`` as in :func:`run_batch` (size
    B x L x N of the rank test's days)."""
    b, _, n = batch.fit.resid.shape
    inc = np.broadcast_to(np.asarray(include, dtype=bool), (b, n))
    with one_blas_thread():
        parts = _in_chunks(lambda rows: _aggregates(batch, inc, rows), b, batch.rank2.size, threads, min_parallel,
                           chunk_bytes)
    if len(parts) == 1:
        return parts[0]
    return tuple(
        Aggregate(a.window, _cat([p[j].n for p in parts]), _cat([p[j].caar for p in parts]),
                  {t: tuple(_cat([p[j].tests[t][i] for p in parts]) for i in range(2)) for t in a.tests},
                  _cat([p[j].mean_corr for p in parts]))
        for j, a in enumerate(parts[0])
    )


def _aggregates(batch: Batch, inc: np.ndarray, rows: slice) -> tuple[Aggregate, ...]:
    """:func:`aggregates` of the batch's dates ``rows`` on one thread; ``inc`` (B, N)."""
    fit, inc = batch.fit, inc[rows]
    l1 = fit.resid.shape[1]
    first = event_period(tuple(wb.window for wb in batch.windows))[0]
    used = [usable(inc, wb.car[rows], wb.var_car[rows]) for wb in batch.windows]
    keys = [u.tobytes() for u in used]
    distinct = dict(zip(keys, used))  # usually one set: every window has the same assets
    r_all = mean_residual_correlation(fit.resid[rows], np.stack(list(distinct.values())))
    ranks = decode_centred(batch.rank2[rows], batch.n_ranked[rows])
    if len(distinct) == 1:
        known: dict[bytes, Baseline] = {keys[0]: baseline(fit.resid[rows], ranks, fit.n_est[rows], used[0], r=r_all[0])}
    else:  # windows with different usable assets (returns missing in a window): all sets in one pass
        known = dict(zip(distinct, baselines(fit.resid[rows], ranks, fit.n_est[rows],
                                             np.stack(list(distinct.values())), r_all)))
    out = []
    for wb, u, key in zip(batch.windows, used, keys):
        days = slice(l1 + wb.window[0] - first, l1 + wb.window[1] - first + 1)
        cnt, caar, tests = aggregate_tests(wb.car[rows], wb.var_car[rows], fit.dof[rows], days, u, known[key])
        out.append(Aggregate(wb.window, cnt, caar, tests, known[key].r))
    return tuple(out)
