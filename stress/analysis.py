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

from stress.errors import DataError, InputError, StressError

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
    from stress.sensitivity.spec import SensitivitySpec, parse_factor

    u = configs.universe
    wanted = list(tickers)
    if universe:
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
