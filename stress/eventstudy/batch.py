"""One event study for B event dates at once: fit, every window, every test.

The study of a real event is B = 1; placebo inference is B = M random dates. Arrays
are (T, N) asset returns and (T, q) regressor returns on the market's trading days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stress.eventstudy.models import Fit, drop_short, expected_returns, fit_normal, gather, window_stats
from stress.eventstudy.significance import Baseline, aggregate_tests, baseline, centred_ranks, usable
from stress.eventstudy.spec import EventStudySpec, Window


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


def run_batch(
    returns: np.ndarray,
    regressors: np.ndarray,
    day0: np.ndarray,
    spec: EventStudySpec,
    span: Window | None = None,
) -> Batch:
    """Fit ``spec.model`` on each date's estimation window and evaluate every window.
    ``span`` widens the event period (e.g. to the rebound horizon); the rank test
    always ranks over the estimation window plus the windows' event period."""
    fit = fit_normal(gather(returns, day0, spec.estimation), gather(regressors, day0, spec.estimation), spec.model)
    fit = drop_short(fit, spec.min_estimation)
    period = event_period(spec.windows)
    span = span or period
    span = (min(span[0], period[0]), max(span[1], period[1]))
    y = gather(returns, day0, span)
    expected, design = expected_returns(fit, gather(regressors, day0, span))
    ar = y - expected
    out = []
    for w in spec.windows:
        sl = slice(w[0] - span[0], w[1] - span[0] + 1)
        car, var_car, bhar = window_stats(fit, y[:, sl], expected[:, sl], design[:, sl], spec.returns)
        out.append(WindowBatch(w, ar[:, sl], car, var_car, bhar, y[:, sl]))
    psl = slice(period[0] - span[0], period[1] - span[0] + 1)
    u = centred_ranks(np.concatenate([fit.resid, ar[:, psl]], axis=1))
    return Batch(fit, span, ar, tuple(out), u)


def aggregates(batch: Batch, include: np.ndarray) -> tuple[Aggregate, ...]:
    """CAAR and tests per window over the assets in ``include`` ((N,) or (B, N) bool).

    The window-independent pieces (KP r, the crude test's sd, the rank test's daily sums,
    the sign test's baseline) are computed once per distinct set of usable assets."""
    b, l1, n = batch.fit.resid.shape
    inc = np.broadcast_to(np.asarray(include, dtype=bool), (b, n))
    first = min(w.window[0] for w in batch.windows)
    out = []
    known: dict[bytes, Baseline] = {}  # usually one set: every window has the same assets
    for wb in batch.windows:
        rows = slice(l1 + wb.window[0] - first, l1 + wb.window[1] - first + 1)
        used = usable(inc, wb.car, wb.var_car)
        key = used.tobytes()
        if key not in known:
            known[key] = baseline(batch.fit.resid, batch.u, batch.fit.n_est, used)
        cnt, caar, tests = aggregate_tests(wb.car, wb.var_car, batch.fit.dof, rows, used, known[key])
        out.append(Aggregate(wb.window, cnt, caar, tests, known[key].r))
    return tuple(out)
