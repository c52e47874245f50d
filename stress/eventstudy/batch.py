"""One event study for B event dates at once: fit, every window, every test.

The study of a real event is B = 1; placebo inference is B = M random dates. Arrays
are (T, N) asset returns and (T, q) regressor returns on the market's trading days.

Event dates are independent, so a large batch is split along B into one chunk per
thread (numpy releases the GIL in sorting, matrix products and ufuncs); the chunks'
results are concatenated in order and equal the one-thread results exactly.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, TypeVar

import numpy as np

from stress.errors import InputError
from stress.eventstudy.models import Fit, drop_short, expected_returns, fit_normal, gather, window_stats
from stress.eventstudy.correlation import mean_residual_correlation
from stress.eventstudy.significance import Baseline, aggregate_tests, baseline, centred_ranks, usable
from stress.eventstudy.spec import EventStudySpec, Window

T = TypeVar("T")

#: A batch of fewer values (B x (L1 + event-period days) x N) runs on one thread: below
#: this, starting threads costs more than it saves (2 cores: 0.26M values 10% slower,
#: 0.52M 20% faster, 2.6M (500 assets x 20 events) 40% faster).
MIN_PARALLEL = 500_000
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
    ``u`` (B, L1 + Lp, N) centred standardised ranks of the estimation residuals and
    the event-period ARs (the rank test's ranking set)."""

    fit: Fit
    span: Window
    ar_span: np.ndarray
    windows: tuple[WindowBatch, ...]
    u: np.ndarray


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


def _in_chunks(fn: Callable[[slice], T], b: int, size: int, threads: int | None, min_parallel: int) -> list[T]:
    """``fn`` over consecutive row slices of a batch of ``b`` rows, in order: one slice
    (this thread) when ``size`` < ``min_parallel`` or one thread, else one per thread."""
    workers = min(default_threads() if threads is None else max(1, int(threads)), b)
    if workers <= 1 or size < min_parallel:
        return [fn(slice(0, b))]
    edges = np.linspace(0, b, workers + 1).round().astype(int)
    rows = [slice(int(lo), int(hi)) for lo, hi in zip(edges[:-1], edges[1:])]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, rows))


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
) -> Batch:
    """Fit ``spec.model`` on each date's estimation window and evaluate every window.
    ``span`` widens the event period (e.g. to the rebound horizon); the rank test
    always ranks over the estimation window plus the windows' event period.

    ``threads`` (default :func:`default_threads`: ``$STRESS_THREADS``, else min(2,
    cores)) splits the B dates into that many chunks run concurrently, when the batch
    has at least ``min_parallel`` values (B x (L1 + Ls) x N); results are identical."""
    day0 = np.asarray(day0)
    period = event_period(spec.windows)
    span = span or period
    span = (min(span[0], period[0]), max(span[1], period[1]))
    days = spec.estimation[1] - spec.estimation[0] + 1 + span[1] - span[0] + 1
    size = day0.shape[0] * days * returns.shape[1]
    parts = _in_chunks(lambda rows: _run_batch(returns, regressors, day0[rows], spec, span),
                       day0.shape[0], size, threads, min_parallel)
    if len(parts) == 1:
        return parts[0]
    f = [p.fit for p in parts]
    fit = Fit(f[0].model, f[0].k, *(_cat([getattr(x, name) for x in f])
                                    for name in ("params", "ainv", "sigma", "n_est", "dof", "resid")))
    windows = tuple(
        WindowBatch(w.window, *(_cat([getattr(p.windows[j], name) for p in parts])
                                for name in ("ar", "car", "var_car", "bhar", "returns")))
        for j, w in enumerate(parts[0].windows)
    )
    return Batch(fit, span, _cat([p.ar_span for p in parts]), windows, _cat([p.u for p in parts]))


def _run_batch(returns: np.ndarray, regressors: np.ndarray, day0: np.ndarray, spec: EventStudySpec,
               span: Window) -> Batch:
    """:func:`run_batch` on one thread, ``span`` already widened to the event period."""
    fit = fit_normal(gather(returns, day0, spec.estimation), gather(regressors, day0, spec.estimation), spec.model)
    fit = drop_short(fit, spec.min_estimation)
    period = event_period(spec.windows)
    y = gather(returns, day0, span)
    expected, design = expected_returns(fit, gather(regressors, day0, span))
    ar = y - expected
    out = []
    for w in spec.windows:
        sl = slice(w[0] - span[0], w[1] - span[0] + 1)
        car, var_car, bhar = window_stats(fit, y[:, sl], expected[:, sl], design[:, sl], spec.returns)
        out.append(WindowBatch(w, ar[:, sl], car, var_car, bhar, y[:, sl]))
    psl = slice(period[0] - span[0], period[1] - span[0] + 1)
    u = centred_ranks((fit.resid, ar[:, psl]))
    return Batch(fit, span, ar, tuple(out), u)


def aggregates(
    batch: Batch, include: np.ndarray, threads: int | None = None, min_parallel: int = MIN_PARALLEL
) -> tuple[Aggregate, ...]:
    """CAAR and tests per window over the assets in ``include`` ((N,) or (B, N) bool).

    The window-independent pieces (KP r, the crude test's sd, the rank test's daily sums,
    the sign test's baseline) are computed once per distinct set of usable assets.
    ``threads`` and ``min_parallel`` as in :func:`run_batch` (size B x L x N of ``u``)."""
    b, _, n = batch.fit.resid.shape
    inc = np.broadcast_to(np.asarray(include, dtype=bool), (b, n))
    parts = _in_chunks(lambda rows: _aggregates(batch, inc, rows), b, batch.u.size, threads, min_parallel)
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
    known: dict[bytes, Baseline] = {
        key: baseline(fit.resid[rows], batch.u[rows], fit.n_est[rows], u, r=r_all[s])
        for s, (key, u) in enumerate(distinct.items())
    }
    out = []
    for wb, u, key in zip(batch.windows, used, keys):
        days = slice(l1 + wb.window[0] - first, l1 + wb.window[1] - first + 1)
        cnt, caar, tests = aggregate_tests(wb.car[rows], wb.var_car[rows], fit.dof[rows], days, u, known[key])
        out.append(Aggregate(wb.window, cnt, caar, tests, known[key].r))
    return tuple(out)
