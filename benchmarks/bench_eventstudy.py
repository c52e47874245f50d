"""1-2. Event study of N assets x M events with all tests, and placebo inference, against
a per-asset loop of statsmodels OLS (what Python event-study packages do).

Inputs: a seeded market-model panel (benchmarks.synthetic.panel) with correlated
residuals (rho 0.3) and a planted day-0 effect at every event. Market model (market
column ``MKT``), estimation window [-250, -11], windows [0,0], [-1,1], [0,5], [0,20].
"""

from __future__ import annotations

import numpy as np

from benchmarks import slow, synthetic
from benchmarks.harness import NotAvailable, Row, Timing, interleave

ESTIMATION = (-250, -11)
WINDOWS = ((0, 0), (-1, 1), (0, 5), (0, 20))
RTOL = 1e-7  # ours solves the normal equations, statsmodels a pinv: agree to ~1e-10
COMPARED = ("patell", "bmp", "kp", "crude", "rank", "gsign")
SLOW_EVERY = 10  # the statsmodels loop runs on every 10th asset, its time x 10 (see _slow_sub)

_group_cache: dict[tuple, dict] = {}


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


def _check_results(results, tickers, aggs, batch) -> None:
    """Per-asset alpha, beta, CAR, Var(CAR), t and the aggregate tests of each event's
    result against the core ``batch`` (the core itself is checked against statsmodels);
    the API's returns come from closes, so they agree to rounding, not to the bit."""
    tol = dict(rtol=1e-9, atol=1e-12)
    for e, res in enumerate(results):
        assert [a.ticker for a in res.assets] == tickers, "assets excluded or reordered"
        np.testing.assert_allclose([[a.intercept, a.beta] for a in res.assets], batch.fit.params[e],
                                   **tol, err_msg="alpha, beta")
        for j, w in enumerate(WINDOWS):
            wb = next(x for x in batch.windows if x.window == w)
            aw = [next(x for x in a.windows if x.window == w) for a in res.assets]
            np.testing.assert_allclose([x.car for x in aw], wb.car[e], **tol, err_msg=f"CAR {w}")
            np.testing.assert_allclose([x.var_car for x in aw], wb.var_car[e], **tol,
                                       err_msg=f"Var(CAR) {w}")
            np.testing.assert_allclose([x.t for x in aw], wb.car[e] / np.sqrt(wb.var_car[e]), **tol,
                                       err_msg=f"SCAR {w}")
            ag = next(x for x in aggs if x.window == w)
            for test in COMPARED:
                np.testing.assert_allclose(res.window(w).tests[test][0], ag.tests[test][0][e], **tol,
                                           err_msg=f"{test} {w}")


def floor(returns: np.ndarray, market: np.ndarray, day0s: np.ndarray, estimation=ESTIMATION,
          windows=WINDOWS) -> dict:
    """The bare-numpy floor: the market model for all events and assets by batched normal
    equations (X shared by the assets of an event, complete data), then per window CAR,
    Var(CAR) = sigma^2 (L2 + s' (X'X)^-1 s) and SCAR. No tests, no gaps, no checks."""
    est = day0s[:, None] + np.arange(estimation[0], estimation[1] + 1)
    y = returns[est]  # (B, L1, N)
    x = np.stack([np.ones(est.shape), market[est]], axis=-1)  # (B, L1, 2)
    xtx_inv = np.linalg.inv(np.swapaxes(x, 1, 2) @ x)  # (B, 2, 2)
    params = xtx_inv @ (np.swapaxes(x, 1, 2) @ y)  # (B, 2, N)
    resid = y - x @ params
    sigma2 = np.einsum("bln,bln->bn", resid, resid) / (est.shape[1] - 2)
    out = {"params": np.swapaxes(params, 1, 2), "sigma": np.sqrt(sigma2), "car": [], "var_car": [], "scar": []}
    for w in windows:
        rows = day0s[:, None] + np.arange(w[0], w[1] + 1)
        xw = np.stack([np.ones(rows.shape), market[rows]], axis=-1)
        car = (returns[rows] - xw @ params).sum(axis=1)
        sw = xw.sum(axis=1)  # (B, 2)
        var = sigma2 * (rows.shape[1] + np.einsum("bi,bij,bj->b", sw, xtx_inv, sw)[:, None])
        out["car"].append(car)
        out["var_car"].append(var)
        out["scar"].append(car / np.sqrt(var))
    return out


def _group(quick: bool, repeats: int) -> dict:
    """The event-study sizes timed together, in rounds (one call of each path per round):
    the core, the public API once per event, the multi-event API, the bare-numpy floor
    and the statsmodels loop on every SLOW_EVERY-th asset. Computed once per run."""
    key = (quick, repeats)
    if key in _group_cache:
        return _group_cache[key]
    run_batch, aggregates, EventStudySpec = _api()
    run_event_study = _public_api()
    from stress.eventstudy import run_event_studies

    row, p, day0s, spec = _setup("eventstudy", quick)
    closes = p.prices()
    days = [p.dates[d].date() for d in day0s]
    include = np.ones(len(p.tickers), dtype=bool)
    sub = np.arange(0, len(p.tickers), SLOW_EVERY if not quick else 2)

    def core():
        batch = run_batch(p.returns, p.market[:, None], day0s, spec)
        return batch, aggregates(batch, include)

    paths = {
        "core": core,
        "api": lambda: [run_event_study(closes, d, p.tickers, spec, placebo_exclude=()) for d in days],
        "multi": lambda: run_event_studies(closes, days, p.tickers, spec, placebo_exclude=()),
        "floor": lambda: floor(p.returns, p.market, day0s),
        "slow": lambda: slow.event_study_loop(p.returns[:, sub], p.market, day0s, ESTIMATION, WINDOWS),
    }
    t = interleave(paths, repeats, ours="core")
    # agreement: ours on all assets against the floor; ours on the subset against statsmodels
    batch, _ = t["core"].result
    fl = t["floor"].result
    ok = dict(rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(batch.fit.params, fl["params"], err_msg="floor alpha, beta", **ok)
    np.testing.assert_allclose(batch.fit.sigma, fl["sigma"], err_msg="floor sigma", **ok)
    for j, wb in enumerate(batch.windows):
        np.testing.assert_allclose(wb.car, fl["car"][j], err_msg=f"floor CAR {wb.window}", **ok)
        np.testing.assert_allclose(wb.var_car, fl["var_car"][j], err_msg=f"floor Var(CAR) {wb.window}", **ok)
    sub_batch = run_batch(p.returns[:, sub], p.market[:, None], day0s, spec)
    _check_batch(sub_batch, aggregates(sub_batch, np.ones(len(sub), dtype=bool)), t["slow"].result)
    _check_results(t["api"].result, p.tickers, t["core"].result[1], batch)
    _check_results(t["multi"].result, p.tickers, t["core"].result[1], batch)
    scaled = {name: tm for name, tm in t.items()}
    factor = len(p.tickers) / len(sub)
    scaled["slow"] = Timing(t["slow"].median * factor, tuple(x * factor for x in t["slow"].runs), None)
    out = {"row": row, "t": scaled, "factor": factor, "n_sub": len(sub)}
    _group_cache[key] = out
    return out


def _slow_note(g: dict) -> str:
    return (f"slow = statsmodels OLS per asset and event on {g['n_sub']} of the assets (1 in "
            f"{round(g['factor'])}), time x {g['factor']:g} (the loop's work is the same for every asset)")


def _row(g: dict, name: str, ours: str, ref: str, note: str, **target) -> Row:
    base = g["row"]
    row = Row(name, base.size, judge=base.judge, **target)
    return row.record(g["t"][ours], g["t"][ref], note, multiple="max_ratio" in target)


def run_eventstudy(quick: bool, repeats: int) -> Row:
    g = _group(quick, repeats)
    return _row(g, "eventstudy", "core", "slow",
                "eventstudy: ours = stress.eventstudy.batch.run_batch + aggregates on returns, all events in "
                "one batch (market model, 4 windows, tests patell bmp kp crude rank gsign); " + _slow_note(g)
                + f"; alpha, beta, sigma, AR, CAR, Var(CAR), SCAR and all six tests checked equal on those "
                f"assets (rtol {RTOL:g}).", min_ratio=30.0)


def run_eventstudy_floor(quick: bool, repeats: int) -> Row:
    g = _group(quick, repeats)
    return _row(g, "eventstudy-floor", "core", "floor",
                "eventstudy-floor: ours (the core, all six tests, ranks, gap handling) as a multiple of the "
                "bare-numpy floor (batched normal equations with X shared by the assets, complete data, "
                "CAR/Var(CAR)/SCAR only, no tests); params, sigma, CAR and Var(CAR) checked equal.",
                max_ratio=4.0)


def run_eventstudy_api(quick: bool, repeats: int) -> Row:
    g = _group(quick, repeats)
    return _row(g, "eventstudy-api", "api", "slow",
                "eventstudy-api: ours = stress.eventstudy.run_event_study(closes, day, tickers, spec) once per "
                "event (alignment, batch, rebound, result objects; placebo off); " + _slow_note(g)
                + "; per-asset CAR, Var(CAR), t and the aggregate tests checked equal to the core.",
                min_ratio=30.0)


def run_eventstudy_api_core(quick: bool, repeats: int) -> Row:
    g = _group(quick, repeats)
    return _row(g, "eventstudy-api/core", "api", "core",
                "eventstudy-api/core: run_event_study once per event as a multiple of the core on all events "
                "in one batch (same rounds).", max_ratio=1.5)


def run_eventstudy_multi(quick: bool, repeats: int) -> Row:
    g = _group(quick, repeats)
    return _row(g, "eventstudy-multi", "multi", "core",
                "eventstudy-multi: stress.eventstudy.run_event_studies(closes, days, tickers, spec), all events "
                "in one call, as a multiple of the core (same rounds); results checked equal to the core.",
                max_ratio=1.5)


# ---- placebo: 1,000 placebo dates for 25 assets ---------------------------------------
def run_placebo(quick: bool, repeats: int) -> Row:
    from scipy import stats  # the reference p-values, independent of stress.distributions

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

    def ours():
        return run_event_study(closes, day, p.tickers, spec, placebo_exclude=())

    pl = ours().placebo
    assert pl is not None and pl.used == n_placebo, f"placebo used {getattr(pl, 'used', None)} dates"
    every = SLOW_EVERY if not quick else 3
    picked = np.arange(0, n_placebo, every)  # the statsmodels loop runs on every 10th date, x10
    dates = [int(day0), *map(int, pl.positions[picked])]

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

    t = interleave({"ours": ours, "slow": reference}, repeats, ours="ours")
    pl, r = t["ours"].result.placebo, t["slow"].result
    for j, w in enumerate(WINDOWS):
        caar = r["car"][j].mean(axis=1)  # (1 + m,): the event, then the picked placebo dates
        np.testing.assert_allclose(pl.caar[picked, j], caar[1:], rtol=RTOL, atol=1e-12, err_msg=f"placebo CAAR {w}")
        for test in COMPARED:
            np.testing.assert_allclose(pl.pvalues[test][picked, j], r["pvalue"][test][j][1:], rtol=1e-6,
                                       atol=1e-9, err_msg=f"placebo p-values {test} {w}")
        pw = next(x for x in pl.windows if x.window == w)
        p_emp = (1 + (np.abs(pl.caar[:, j]) >= abs(caar[0])).sum()) / (n_placebo + 1)
        np.testing.assert_allclose(pw.p_empirical, p_emp, rtol=1e-12, err_msg=f"empirical p {w}")
    factor = n_placebo / len(picked)
    slow_t = Timing(t["slow"].median * factor, tuple(x * factor for x in t["slow"].runs), None)
    return row.record(
        t["ours"], slow_t,
        f"placebo: ours = run_event_study with placebo={n_placebo} (pool {pool} sessions): the whole "
        f"study, of which the placebo batch took {pl.seconds:.3f} s in the last run; slow = statsmodels "
        f"loop over 1 in {every} placebo dates ({len(picked)}) + the event, time x {factor:g}; placebo "
        "CAARs and p-values of all six tests checked equal on those dates, the empirical p against the "
        "event's statsmodels CAAR.")


# ---- placebo-gaps: 1,000 placebo dates x 200 assets with and without missing returns --
def run_placebo_gaps(quick: bool, repeats: int) -> Row:
    _, _, EventStudySpec = _api()
    run_event_study = _public_api()
    n_assets, n_placebo, share = (20, 40, 0.01) if quick else (200, 1000, 0.01)
    pool = n_placebo + 300
    row = Row("placebo-gaps", f"{n_placebo} dates x {n_assets} assets, {share:.0%} missing", max_ratio=1.5,
              judge=not quick)
    n_days = 250 + pool + 90
    day0 = n_days - 70
    p = synthetic.plant_events(synthetic.panel(n_assets, n_days, seed=11), [day0], effect=-0.03)
    full = p.prices()
    rng = np.random.default_rng(3)
    gappy = full.copy()
    hole = rng.random(gappy.shape) < share
    hole[:, -1] = False  # the market column stays complete
    hole[0] = False
    gappy = gappy.mask(hole)
    spec = _spec(EventStudySpec, placebo=n_placebo, placebo_pool=pool, seed=20250127)
    day = p.dates[day0].date()
    t = interleave({"gaps": lambda: run_event_study(gappy, day, p.tickers, spec, placebo_exclude=()),
                    "complete": lambda: run_event_study(full, day, p.tickers, spec, placebo_exclude=())},
                   repeats, ours="gaps")
    res = t["gaps"].result
    assert res.placebo is not None and res.placebo.used == n_placebo
    assert any("missing" in w for w in res.warnings), "the gaps did not reach the study"
    return row.record(
        t["gaps"], t["complete"],
        f"placebo-gaps: run_event_study with placebo={n_placebo} on closes with {share:.0%} of prices "
        f"missing (each gap removes two returns) as a multiple of the same study on complete closes; the "
        "KP r then takes each pair over its common days (stress.eventstudy.correlation).", multiple=True)
