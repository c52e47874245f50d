"""1-2. Event study of N assets x M events with all tests, and placebo inference, against
a per-asset loop of statsmodels OLS (what Python event-study packages do).

Inputs: a seeded market-model panel (benchmarks.synthetic.panel) with correlated
residuals (rho 0.3) and a planted day-0 effect at every event. Market model (market
column ``MKT``), estimation window [-250, -11], windows [0,0], [-1,1], [0,5], [0,20].
"""

from __future__ import annotations

from functools import partial

import numpy as np

from benchmarks import slow, synthetic
from benchmarks.harness import NotAvailable, Row, Timing, measure

ESTIMATION = (-250, -11)
WINDOWS = ((0, 0), (-1, 1), (0, 5), (0, 20))
RTOL = 1e-7  # ours solves the normal equations, statsmodels a pinv: agree to ~1e-10
COMPARED = ("patell", "bmp", "kp", "crude", "rank", "gsign")
SLOW_BUDGET = 20.0  # seconds of timed slow runs per benchmark, at least one run

_slow_cache: dict[tuple, Timing] = {}


def _api():
    try:
        from stress.eventstudy import EventStudySpec
        from stress.eventstudy.batch import aggregates, run_batch
    except ImportError as exc:
        raise NotAvailable(f"stress.eventstudy.batch (run_batch, aggregates): {exc}") from None
    return run_batch, aggregates, EventStudySpec


def _public_api():
    try:
        from stress.eventstudy import run_event_study
    except (ImportError, AttributeError) as exc:
        raise NotAvailable(f"stress.eventstudy.run_event_study: {exc}") from None
    return run_event_study


def _data(n_assets: int, n_events: int, seed: int = 7):
    """A panel with M evenly spaced day 0s, each with 250 sessions before and 60 after."""
    n_days = 330 + 60 * n_events
    day0s = np.linspace(260, n_days - 70, n_events).astype(int)
    p = synthetic.plant_events(synthetic.panel(n_assets, n_days, seed=seed), list(day0s))
    return p, day0s


def _spec(EventStudySpec, **kw):
    return EventStudySpec(model="market", market="MKT", estimation=ESTIMATION, windows=WINDOWS,
                          min_estimation=60, **{"placebo": 0, **kw})


def _setup(name: str, quick: bool):
    """The event-study sizes (500 assets x 20 events; --quick 20 x 3): the row, the panel,
    its day-0 rows and the spec (placebo off)."""
    _, _, EventStudySpec = _api()
    n_assets, n_events = (20, 3) if quick else (500, 20)
    row = Row(name, f"{n_assets} assets x {n_events} events", max_seconds=1.0, min_ratio=30.0,
              judge=not quick)
    p, day0s = _data(n_assets, n_events)
    return row, p, day0s, _spec(EventStudySpec)


def _slow(p, day0s, repeats: int) -> Timing:
    """The statsmodels loop over assets and events, timed once per size and reused."""
    key = (len(p.tickers), len(day0s))
    if key not in _slow_cache:
        slow.event_study_loop(p.returns[:, :3], p.market, day0s[:1], ESTIMATION, WINDOWS)  # warm-up
        _slow_cache[key] = measure(
            lambda: slow.event_study_loop(p.returns, p.market, day0s, ESTIMATION, WINDOWS),
            repeats=min(repeats, 3), warmup=0, budget=SLOW_BUDGET)
    return _slow_cache[key]


def _slow_note(t: Timing) -> str:
    return f"median of {len(t.runs)} run(s) at full size, no scaling"


# ---- eventstudy: the batched core, all events at once --------------------------------
def _check_batch(batch, aggs, ref: dict) -> None:
    ok = dict(rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(batch.fit.params, ref["params"], err_msg="alpha, beta", **ok)
    np.testing.assert_allclose(batch.fit.sigma, ref["sigma"], err_msg="sigma", **ok)
    by_window = {wb.window: wb for wb in batch.windows}
    agg_by = {a.window: a for a in aggs}
    for j, w in enumerate(WINDOWS):
        wb, ag = by_window[w], agg_by[w]
        np.testing.assert_allclose(wb.ar, ref["ar"][j], err_msg=f"AR {w}", **ok)
        np.testing.assert_allclose(wb.car, ref["car"][j], err_msg=f"CAR {w}", **ok)
        np.testing.assert_allclose(wb.var_car, ref["var_car"][j], err_msg=f"Var(CAR) {w}", **ok)
        np.testing.assert_allclose(wb.car / np.sqrt(wb.var_car), ref["scar"][j], err_msg=f"SCAR {w}", **ok)
        for test in COMPARED:
            np.testing.assert_allclose(ag.tests[test][0], ref[test][j], err_msg=f"{test} {w}",
                                       rtol=1e-6, atol=1e-9)


def run_eventstudy(quick: bool, repeats: int) -> Row:
    run_batch, aggregates, _ = _api()
    row, p, day0s, spec = _setup("eventstudy", quick)
    include = np.ones(len(p.tickers), dtype=bool)

    def ours():
        batch = run_batch(p.returns, p.market[:, None], day0s, spec)
        return batch, aggregates(batch, include)

    fast = measure(ours, repeats, ours=True)
    ref = _slow(p, day0s, repeats)
    _check_batch(*fast.result, ref.result)
    return row.record(
        fast, ref,
        "eventstudy: ours = stress.eventstudy.batch.run_batch + aggregates on returns, all events in "
        "one batch (market model, 4 windows, tests patell bmp kp crude rank gsign); slow = statsmodels "
        f"OLS per asset and event ({_slow_note(ref)}); alpha, beta, sigma, AR, CAR, Var(CAR), SCAR and "
        f"all six test statistics checked equal (rtol {RTOL:g}).")


def _check_results(results, tickers, r: dict) -> None:
    """Per-asset alpha, beta, CAR, Var(CAR), t and the aggregate tests of each event's
    result against the statsmodels loop ``r``."""
    for e, res in enumerate(results):
        assert [a.ticker for a in res.assets] == tickers, "assets excluded or reordered"
        np.testing.assert_allclose([[a.intercept, a.beta] for a in res.assets], r["params"][e],
                                   rtol=RTOL, atol=1e-12, err_msg="alpha, beta")
        for j, w in enumerate(WINDOWS):
            aw = [next(x for x in a.windows if x.window == w) for a in res.assets]
            np.testing.assert_allclose([x.car for x in aw], r["car"][j][e], rtol=RTOL, atol=1e-12,
                                       err_msg=f"CAR {w}")
            np.testing.assert_allclose([x.var_car for x in aw], r["var_car"][j][e], rtol=RTOL,
                                       atol=1e-12, err_msg=f"Var(CAR) {w}")
            np.testing.assert_allclose([x.t for x in aw], r["scar"][j][e], rtol=RTOL, atol=1e-12,
                                       err_msg=f"SCAR {w}")
            tests = res.window(w).tests
            for test in COMPARED:
                np.testing.assert_allclose(tests[test][0], r[test][j][e], rtol=1e-6, atol=1e-9,
                                           err_msg=f"{test} {w}")


def _from_closes(name: str, quick: bool, repeats: int, call, note: str) -> Row:
    """``call(closes, days, tickers, spec)``, a public entry from closes returning one
    result per event, at the event-study sizes against the statsmodels loop; the per-asset
    numbers and the aggregate tests checked equal (:func:`_check_results`)."""
    row, p, day0s, spec = _setup(name, quick)
    closes = p.prices()
    days = [p.dates[d].date() for d in day0s]
    fast = measure(lambda: call(closes, days, p.tickers, spec), repeats, ours=True)
    ref = _slow(p, day0s, repeats)
    _check_results(fast.result, p.tickers, ref.result)
    return row.record(fast, ref, note)


# ---- eventstudy-api: the public entry from closes, one call per event ------------------
def run_eventstudy_api(quick: bool, repeats: int) -> Row:
    run_event_study = _public_api()

    def per_event(closes, days, tickers, spec):
        return [run_event_study(closes, d, tickers, spec, placebo_exclude=()) for d in days]

    return _from_closes(
        "eventstudy-api", quick, repeats, per_event,
        "eventstudy-api: ours = stress.eventstudy.run_event_study(closes, day, tickers, spec) once per "
        "event (returns, calendar, day 0, batch, rebound, result objects; placebo off); slow = the "
        "same statsmodels loop as eventstudy (returns given); per-asset CAR, Var(CAR), t and the "
        "aggregate tests checked equal.")


# ---- eventstudy-multi: the public multi-event entry from closes, one call -------------
def run_eventstudy_multi(quick: bool, repeats: int) -> Row:
    try:
        from stress.eventstudy import run_event_studies
    except (ImportError, AttributeError) as exc:
        raise NotAvailable(f"stress.eventstudy.run_event_studies: {exc}") from None
    return _from_closes(
        "eventstudy-multi", quick, repeats, partial(run_event_studies, placebo_exclude=()),
        "eventstudy-multi: ours = stress.eventstudy.run_event_studies(closes, days, tickers, spec), all "
        "events in one call and one batch (same result objects as eventstudy-api; placebo off); slow = "
        "the same statsmodels loop; the same checks as eventstudy-api.")


# ---- placebo: 1,000 placebo dates for 25 assets ---------------------------------------
def run_placebo(quick: bool, repeats: int) -> Row:
    from scipy import stats

    _, _, EventStudySpec = _api()
    run_event_study = _public_api()
    n_assets, n_placebo = (5, 30) if quick else (25, 1000)
    pool = n_placebo + 300
    row = Row("placebo", f"{n_placebo} dates x {n_assets} assets", max_seconds=2.0, judge=not quick)
    n_days = 250 + pool + 90
    day0 = n_days - 70
    p = synthetic.plant_events(synthetic.panel(n_assets, n_days, seed=11), [day0], effect=-0.03)
    closes = p.prices()
    spec = _spec(EventStudySpec, placebo=n_placebo, placebo_pool=pool, seed=20250127)
    day = p.dates[day0].date()

    fast = measure(lambda: run_event_study(closes, day, p.tickers, spec, placebo_exclude=()), repeats,
                   ours=True)
    res = fast.result
    pl = res.placebo
    assert pl is not None and pl.used == n_placebo, f"placebo used {getattr(pl, 'used', None)} dates"
    dates = [int(day0), *map(int, pl.positions)]

    def reference():
        out = slow.event_study_loop(p.returns, p.market, dates, ESTIMATION, WINDOWS)
        n, l1 = n_assets, ESTIMATION[1] - ESTIMATION[0] + 1
        pv = {"patell": lambda z: 2 * stats.norm.sf(np.abs(z)),
              "bmp": lambda t: 2 * stats.t.sf(np.abs(t), n - 1),
              "kp": lambda t: 2 * stats.t.sf(np.abs(t), n - 1),
              "crude": lambda t: 2 * stats.t.sf(np.abs(t), l1 - 1),
              "rank": lambda z: 2 * stats.norm.sf(np.abs(z)),
              "gsign": lambda z: 2 * stats.norm.sf(np.abs(z))}
        out["pvalue"] = {t: [f(out[t][j]) for j in range(len(WINDOWS))] for t, f in pv.items()}
        return out

    reference()  # warm-up
    ref = measure(reference, repeats=min(repeats, 3), warmup=0, budget=SLOW_BUDGET)
    r = ref.result
    for j, w in enumerate(WINDOWS):
        caar = r["car"][j].mean(axis=1)  # (1 + M,): the event, then the placebo dates
        np.testing.assert_allclose(pl.caar[:, j], caar[1:], rtol=RTOL, atol=1e-12, err_msg=f"placebo CAAR {w}")
        pw = next(x for x in pl.windows if x.window == w)
        p_emp = (1 + (np.abs(caar[1:]) >= abs(caar[0])).sum()) / (n_placebo + 1)
        np.testing.assert_allclose(pw.p_empirical, p_emp, rtol=1e-12, err_msg=f"empirical p {w}")
        for test in COMPARED:
            np.testing.assert_allclose(pl.pvalues[test][:, j], r["pvalue"][test][j][1:], rtol=1e-6,
                                       atol=1e-9, err_msg=f"placebo p-values {test} {w}")
            rate = float((r["pvalue"][test][j][1:] < spec.level).mean())
            np.testing.assert_allclose(pw.rejection[test], rate, err_msg=f"size check {test} {w}")
    return row.record(
        fast, ref,
        f"placebo: ours = run_event_study with placebo={n_placebo} (pool {pool} sessions): the whole "
        f"study, of which the placebo batch took {pl.seconds:.3f} s in the last run; slow = statsmodels "
        f"loop over the same {n_placebo} dates + the event ({len(ref.runs)} run(s)); placebo CAARs, "
        "p-values of all six tests, rejection rates and the empirical p checked equal.")
