"""Event studies: abnormal returns around a date, their tests, placebo inference, rebound.

API (what other parts of ``stress`` call):

``run_event_study(closes, event, tickers, spec=EventStudySpec(), groups=None, placebo_exclude=None) -> EventStudyResult``
    The public entry. ``closes``: adjusted closes (n_days x n_tickers, index dates) that
    include the market and factor columns of ``spec``; ``event``: an ISO date, a
    ``datetime.date``/``Timestamp``, a catalogue id or a catalogue ``Event``; ``groups``:
    ``{name: [tickers]}`` aggregated separately. The result is frozen, with
    ``to_dict()`` (the CLI's JSON) and ``to_frame(kind)`` for kind in
    ``ar car tests placebo size rebound``; ``result.asset("VST").windows[j]`` carries
    ``car``, ``var_car``, ``bhar``, ``t``, ``p``; ``result.window((0, 0), scope)`` the
    aggregate (``n``, ``caar``, ``tests[name] = (stat, p)``, ``mean_corr``, ``placebo_p``).

``run_event_studies(closes, events, tickers, spec=EventStudySpec(), groups=None, placebo_exclude=None) -> tuple[EventStudyResult, ...]``
    The same for M events at once (one result per event, in order): the data are
    aligned once and all events' fits, windows and tests run in one batch, so 20 events
    cost about as much as two single calls. Equal to ``run_event_study`` per event.

``abnormal_returns(returns, factors, day0_pos, estimation=(-250, -11), window=(0, 0), model="market", min_estimation=0, kind="simple") -> ARFit``
    The vectorised low-level fit for one event (``day0_pos`` an int: arrays (L2, N),
    (N,)) or many events at once (``day0_pos`` a sequence of M ints: a leading axis M).
    ``returns`` (T x N) asset returns, ``factors`` (T x q) regressor returns (the market
    for ``market``/``market-adjusted``, the factors for ``factor``, None for
    ``constant-mean``), rows aligned on the market's trading days. ``ARFit`` fields:
    ``ar`` (L2, N), ``car`` (N,), ``var_car`` (N,) = sigma^2 (L2 + 1'X_w (X'X)^-1 X_w'1),
    ``bhar`` (N,), ``sigma`` (N,), ``params`` (p, N), ``param_names``, ``n_est`` (N,),
    ``dof`` (N,) = n_est - k, ``resid`` (L1, N); properties ``scar`` (= t) and ``p``.

``EventStudySpec``: model, market, factors, estimation, windows, returns,
min_estimation, placebo, placebo_pool, seed, rebound_horizons (see ``spec.py``).

Batched core (many event dates x assets at once, used by placebo and benchmarks):
``batch.run_batch(returns (T, N), regressors (T, q), day0 (B,), spec) -> Batch`` and
``batch.aggregates(batch, include (N,)) -> tuple[Aggregate]`` (per window: ``n``,
``caar``, ``mean_corr`` (B,), ``tests[name] = (stat (B,), p (B,))``).

Formulas and defaults: docs/methods.md, section "Event studies".
"""

from __future__ import annotations

from stress.eventstudy.models import MODELS, ARFit, abnormal_returns
from stress.eventstudy.result import EventStudyResult
from stress.eventstudy.spec import EventStudySpec
from stress.eventstudy.study import run_event_studies, run_event_study

__all__ = [
    "MODELS",
    "ARFit",
    "EventStudySpec",
    "abnormal_returns",
    "run_event_study",
    "run_event_studies",
    "EventStudyResult",
]
