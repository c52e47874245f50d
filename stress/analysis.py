"""The pipeline: every command and the report go through these steps.

A command reads its configs once (:func:`stress.config.load_configs`), opens one
:class:`~stress.market.PriceSource`, loads one :class:`~stress.market.MarketData` with
:func:`load_market` and calls the steps below; ``stress report`` calls the same steps
with the same defaults, so the same book and settings give the same figures in the
terminal, the JSON and the PDF. Nothing here reads a file or the store.

Steps (plain functions on frozen objects):

* :func:`event_study`: the event study of an event for tickers and groups;
* :func:`sensitivities`: event- and factor-based AI-shock sensitivities;
* :func:`stress_books`: each book on its own through the scenarios (P&L, bands, VaR/ES,
  reverse stress), with the sensitivities at its valuation date.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from stress.errors import InputError, StressError

if TYPE_CHECKING:  # pragma: no cover
    from stress.config import Configs
    from stress.eventstudy import EventStudyResult, EventStudySpec
    from stress.market import MarketData, PriceSource
    from stress.portfolio.files import PortfolioFile
    from stress.scenarios.catalogue import ScenarioSpec
    from stress.scenarios.result import RunResult
    from stress.scenarios.runner import RunOptions
    from stress.sensitivity import SensitivityResult, SensitivitySpec


def load_market(source: "PriceSource", configs: "Configs", tickers: Iterable[str] = (), *,
                universe: bool = False, warn: Callable[[str], None] | None = None) -> "MarketData":
    """Market data for a command: ``tickers`` and the universe's market; with
    ``universe=True`` also every ticker of the universe (the reference set of scenario
    runs, the sensitivity basket and peers), the default sensitivity factor and the
    tickers the catalogue's custom scenarios shock."""
    u = configs.universe
    wanted = list(tickers)
    if universe:  # the sensitivity package only then (the event study does not need it)
        from stress.sensitivity.spec import SensitivitySpec, parse_factor

        wanted += [*u.tickers(), *parse_factor(SensitivitySpec.factor).tickers,
                   *book_tickers((), configs.scenarios.scenarios)]
    return source.load(wanted, u.market, warn=warn)


def event_study(md: "MarketData", configs: "Configs", event: Any, tickers: Sequence[str] = (),
                spec: "EventStudySpec | None" = None,
                groups: Mapping[str, Sequence[str]] | None = None) -> "EventStudyResult":
    """The event study of ``event`` (catalogue id, ISO date or Event) for ``tickers``
    and ``groups`` (name -> tickers); placebo dates avoid the other catalogue events.
    A ticker without prices is one clear error naming it."""
    from stress.eventstudy import EventStudySpec, run_event_study
    from stress.eventstudy.study import resolve_event
    from stress.market import require

    spec = spec or EventStudySpec(market=configs.universe.market)
    ev = resolve_event(event, configs.events)
    wanted = [*tickers, *(t for m in (groups or {}).values() for t in m)]
    require(md, [*dict.fromkeys(t.upper() for t in wanted), spec.market, *spec.regressors])
    return run_event_study(md, ev, tickers, spec, groups, catalogue=configs.events)


def recovery(md: "MarketData", configs: "Configs", event: Any, tickers: Sequence[str] = (),
             spec: "EventStudySpec | None" = None,
             groups: Mapping[str, Sequence[str]] | None = None,
             horizons: Sequence[int] | None = None):
    """Was the day-0 move reversed, and how fast? Per asset the sessions until the
    pre-event close was regained (or the gain given back), per group the CAAR and mean
    BHAR over [0,+60], [0,+120], [0,+250], and one sentence (see
    :mod:`stress.eventstudy.recovery`). ``spec``: the estimation settings; its model
    defaults to ``market-adjusted`` (r - r_market): over 250 sessions a market model's
    intercept, estimated in the pre-event year, would be extrapolated with it (for VST,
    fitted in its 2024 run-up, a CAR[0,+250] of -146% that is the regression's drift, not
    the event's; Barber and Lyon 1997)."""
    from dataclasses import replace

    from stress.eventstudy import EventStudySpec, run_event_study
    from stress.eventstudy.recovery import HORIZONS, build_recovery
    from stress.eventstudy.study import resolve_event

    horizons = tuple(horizons or HORIZONS)
    spec = spec or EventStudySpec(model="market-adjusted", market=configs.universe.market)
    long = replace(spec, windows=tuple((0, h) for h in horizons), placebo=0)
    ev = resolve_event(event, configs.events)
    res = run_event_study(md, ev, tickers, long, groups, catalogue=configs.events)
    labels = {g.name: g.label for g in configs.universe.groups}
    return build_recovery(res, md.closes, labels=labels, horizons=horizons)


def fingerprint(md: "MarketData", configs: "Configs", groups: Mapping[str, Sequence[str]],
                window: tuple[int, int] = (0, 0), directions: Sequence[str] | None = None,
                kinds: Sequence[str] | None = None):
    """Day-0 (or ``window``) CAAR of each group on each catalogue event (filtered by
    ``directions`` and ``kinds``) with the KP-adjusted BMP test (see
    :func:`stress.eventstudy.fingerprint.event_fingerprint`)."""
    from stress.eventstudy.fingerprint import event_fingerprint
    from stress.eventstudy.pooled import select_events
    from stress.eventstudy.spec import EventStudySpec

    evs = select_events(configs.events, None, directions, kinds)
    return event_fingerprint(md, evs, groups, EventStudySpec(market=configs.universe.market), window)


def sensitivities(md: "MarketData", configs: "Configs", spec: "SensitivitySpec", *,
                  rolling: bool = False) -> "SensitivityResult":
    """Event- and factor-based sensitivities of ``spec.tickers`` (see
    :func:`stress.sensitivity.estimate_sensitivity`)."""
    from stress.sensitivity import estimate_sensitivity

    return estimate_sensitivity(md, spec, universe=configs.universe, events=configs.events,
                                rolling=rolling)


def stress_books(md: "MarketData", configs: "Configs", files: Sequence["PortfolioFile"],
                 specs: Sequence["ScenarioSpec"], options: "RunOptions", *,
                 progress: Callable[[str], None] | None = None) -> "RunResult":
    """Every book through ``specs``, each on its own: its valuation date, its covariance
    (its holdings and the universe), its Monte Carlo draws (``options.seed``), its
    reverse stress. Sensitivities are estimated once per valuation date over the
    universe and every holding (an asset's sensitivity does not depend on which other
    assets are estimated with it). ``progress(text)``: told of each stage."""
    from stress.scenarios.result import RunResult
    from stress.scenarios.runner import needs_sensitivity, run_book, value_book
    from stress.sensitivity import SensitivitySpec

    if not files:
        raise InputError("no portfolio files given")
    books = [value_book(md, f, options) for f in files]
    reference = list(configs.universe.tickers())
    inputs: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if needs_sensitivity(specs, options):
        wanted = [t for t in dict.fromkeys([*reference, *(t for b in books for t in b.tickers)])
                  if md.has(t)]
        for as_of in dict.fromkeys(b.as_of for b in books):
            if progress:
                progress(f"sensitivities of {len(wanted)} assets as of {as_of}")
            try:
                est = sensitivities(md, configs, SensitivitySpec(tickers=tuple(wanted), as_of=as_of))
            except StressError as exc:
                errors[as_of] = str(exc)
            else:
                inputs[as_of] = est.scenario_input()
    runs = []
    for i, b in enumerate(books):
        if progress:
            progress(f"book {i + 1}/{len(books)} {b.name}: {len(specs)} scenario(s)")
        runs.append(run_book(md, b, specs, configs.scenarios, options, reference=reference,
                             sensitivity=inputs.get(b.as_of), sensitivity_error=errors.get(b.as_of, "")))
    return RunResult(tuple(runs))


def book_tickers(files: Sequence["PortfolioFile"], specs: Sequence["ScenarioSpec"] = ()) -> list[str]:
    """Every ticker the books hold and the custom scenarios shock."""
    held = [t for f in files for t in f.tickers]
    shocked = [t for s in specs if s.kind == "custom" for t, _ in s.shocks]
    return list(dict.fromkeys(held + shocked))


# ---- backtests (stress backtest ..., and the report's backtest page) ------------------
def backtest_var(md: "MarketData", configs: "Configs", files: Sequence["PortfolioFile"], *,
                 nav: float | None = None, window: int = 504, min_obs: int = 60,
                 confidences: Sequence[float] = (0.95, 0.99), horizon: int = 1,
                 n_sims: int = 10_000, null_sims: int = 2000, seed: int = 0):
    """Rolling VaR/ES of each book (today's positions held fixed) with its exceptions and
    coverage tests; returns (results, warnings). See :mod:`stress.backtest.var`."""
    from stress.backtest.inputs import books, day0s
    from stress.backtest.var import backtest_book

    valued, warnings = books(md, files, nav=nav)
    labels = day0s(md.calendar, configs.events)
    results = [backtest_book(returns, values, nav=book.nav, book=book.name, labels=labels,
                             window=window, min_obs=min_obs, confidences=tuple(confidences),
                             n_sims=n_sims, null_sims=null_sims, seed=seed, horizon=horizon)
               for book, returns, values in valued]
    return results, warnings


def backtest_sensitivity(md: "MarketData", configs: "Configs", names: Sequence[str], *,
                         events: Sequence[str] | None = None, baskets: Sequence[str] = (),
                         factor: str = "SMH", band: float = 0.90):
    """Leave one event out: the one-factor (and with ``baskets`` the joint multi-basket)
    event-based predictions and the factor-based ones against the actual day-0 ARs.
    See :mod:`stress.backtest.sensitivity`."""
    import numpy as np

    from stress.backtest.inputs import event_panel
    from stress.backtest.sensitivity import backtest_sensitivity as score, factor_predictions, leave_one_out

    baskets = tuple(baskets)
    p = event_panel(md, configs, list(dict.fromkeys(names)), events=events, baskets=baskets,
                    factor=factor)
    sp = p.spec
    models = {"event": leave_one_out(p.actual, p.shocks[p.basket], p.var, min_events=sp.min_events,
                                     band=band)}
    text = {"event": f"event (b x s, s = {'+'.join(p.settings['basket'])} basket in "
                     f"{p.settings['reference']} units)"}
    if baskets:
        S = np.stack([p.shocks[g] for g in baskets], -1)
        models["multi"] = leave_one_out(p.actual, S, p.var, min_events=sp.min_events, band=band)
        text["multi"] = f"multi ({' + '.join(baskets)} baskets, joint WLS)"
    models["factor"] = factor_predictions(p.daily, p.market, p.factor, p.day0,
                                          factor_window=sp.factor_window,
                                          min_obs=sp.min_factor_obs, band=band)
    text["factor"] = (f"factor (beta_ai x {p.settings['factor']} move, {sp.factor_window} "
                      "sessions before day 0)")
    return score(p.actual, p.var, models, events=p.events, tickers=p.tickers, groups=p.groups,
                 band=band, settings={**p.settings, "factors": list(baskets), "model_text": text},
                 warnings=p.warnings)


def backtest_propagation(md: "MarketData", configs: "Configs", condition: Sequence[str] = (),
                         events: Sequence[str] | None = None, *, cov_window: int = 504,
                         band: float = 0.90):
    """Each catalogue event's observed day-0 moves of ``condition`` propagated to the
    universe with the custom-scenario method; returns (result, warnings). See
    :mod:`stress.backtest.propagation`."""
    from stress.backtest.inputs import universe_returns
    from stress.backtest.propagation import propagation_backtest

    returns, evs, cond, groups, warnings = universe_returns(md, configs, list(condition), events)
    result = propagation_backtest(returns, evs, cond, groups=groups, cov_window=cov_window,
                                  min_obs=min(60, cov_window), band=band)
    return result, warnings


def default_backtest_names(configs: "Configs") -> list[str]:
    """Every universe asset outside the sensitivity basket and the market group."""
    from stress.sensitivity.spec import DEFAULT_BASKET_GROUP

    u = configs.universe
    basket = u.group(DEFAULT_BASKET_GROUP).tickers
    return [t for g in u.groups if g.name not in (DEFAULT_BASKET_GROUP, "market")
            for t in g.tickers if t not in basket and t != u.market]
