"""Build a report: run the computations through their public APIs, turn the results into
views, and assemble the pages, the PDF metadata, the provenance and the CSV tables.

Nothing here computes a statistic; see :mod:`stress.eventstudy`, :mod:`stress.sensitivity`
and :mod:`stress.scenarios`. Warnings from every step are returned, never printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from stress.errors import DataError, InputError
from stress.report.layout import Page, Provenance, group_colors

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from stress.data.store import PriceStore
    from stress.report.views import EventView, StressView


@dataclass(frozen=True)
class ReportOptions:
    """What to report. ``groups``: universe groups (empty: every group that does not hold
    the market index); ``portfolios``: portfolio files (stress pages when given);
    ``model``/``market``/``estimation``/``windows``/``placebo``/``seed``: the event study
    (see :class:`stress.eventstudy.EventStudySpec`); ``sensitivity``: add the sensitivity
    page; ``scenarios``: scenario ids for the stress pages (empty: the event's replay
    and the named scenarios of configs/scenarios.yaml); ``reverse``: loss, fraction of
    NAV, for the reverse stress; ``n_sims``: Monte Carlo VaR draws; ``as_of``: valuation
    date; ``fixed_date``: the PDF's creation date (reproducible output)."""

    groups: tuple[str, ...] = ()
    portfolios: tuple[str, ...] = ()
    model: str = "market"
    market: str | None = None
    estimation: tuple[int, int] = (-250, -11)
    windows: tuple[tuple[int, int], ...] = ((0, 0), (-1, 1), (0, 5), (0, 20))
    placebo: int | None = None
    seed: int = 20250127
    sensitivity: bool = True
    scenarios: tuple[str, ...] = ()
    reverse: float = 0.10
    n_sims: int = 20_000
    as_of: str | None = None
    paper: str = "a4"
    fixed_date: datetime | None = None


@dataclass(frozen=True)
class Report:
    """A built report: ``pages`` to draw, the PDF ``title``/``subject``, the footer's
    ``provenance``, the ``tables`` behind the pages (CSV name -> frame), ``warnings``."""

    title: str
    subject: str
    pages: tuple[Page, ...]
    provenance: Provenance
    tables: Mapping[str, "pd.DataFrame"]
    warnings: tuple[str, ...] = ()
    event: "EventView | None" = None
    stress: "StressView | None" = None
    keywords: str = ""

    @property
    def titles(self) -> tuple[str, ...]:
        return tuple(p.title for p in self.pages)


def default_groups(universe) -> tuple[str, ...]:
    """Every group of the universe that does not hold its market index."""
    return tuple(g.name for g in universe.groups if universe.market not in g.tickers)


def build_report(
    store: "PriceStore",
    event: str,
    options: ReportOptions = ReportOptions(),
    *,
    offline: bool = True,
    fetcher: Any = None,
) -> Report:
    """Run the event study (and sensitivity, and the portfolios through the scenarios)
    for ``event`` (catalogue id or ISO date) and assemble the report."""
    from stress.config import load_universe
    from stress.data.provider import load_closes
    from stress.events.catalogue import load_events
    from stress.eventstudy import EventStudySpec, run_event_study
    from stress.report.event_view import event_view
    from stress.report.pages import event_pages, stress_pages
    from stress.report.words import event_findings, stress_findings

    universe = load_universe()
    groups = tuple(dict.fromkeys(options.groups)) or default_groups(universe)
    labels = {g.name: g.label for g in universe.groups}
    members = {g: list(universe.group(g).tickers) for g in groups}
    market = (options.market or universe.market).upper()
    catalogue = load_events()
    ev = catalogue.get(event)
    spec = EventStudySpec(model=options.model, market=market, estimation=options.estimation,
                          windows=options.windows, placebo=options.placebo, seed=options.seed)
    tickers = list(dict.fromkeys(t for m in members.values() for t in m))
    warnings: list[str] = []
    closes = load_closes(store, [*tickers, market, *spec.regressors], offline=offline,
                         fetcher=fetcher, warn=warnings.append)
    _check_event_in_data(ev, closes, market)
    result = run_event_study(closes, ev, [], spec, members)
    warnings += result.warnings
    sens = None
    if options.sensitivity:
        sens = _sensitivity(store, [t for t in result.tickers if t != market], offline, fetcher,
                            warnings)
    view = event_view(result, groups, labels, sens)
    colors = group_colors([g.name for g in universe.groups])
    stress = None
    if options.portfolios:
        stress = _stress(store, ev.id, options, universe, labels, catalogue, market, offline,
                         fetcher, warnings)
    paragraphs = event_findings(view) + (stress_findings(stress, ev.id) if stress is not None else [])
    pages = event_pages(view, colors, paragraphs, options.paper)
    if stress is not None:
        pages += stress_pages(stress, colors, options.paper)
    tables = _tables(pages)
    tickers_used = sorted(set(result.tickers) | {market} |
                          (set(stress.holdings["ticker"]) if stress is not None else set()))
    used = result.placebo.used if result.placebo is not None else 0
    prov = provenance(store, tickers_used, spec, options, sens, stress, placebo_used=used)
    title = f"{ev.title or ev.id}: AI-demand shock report"
    subject = (f"Event study of {ev.id} (day 0 {result.event.day0}) for "
               f"{', '.join(labels.get(g, g) for g in groups)}"
               + (f"; stress test of {len(options.portfolios)} portfolio(s)" if stress is not None else ""))
    return Report(title, subject, tuple(pages), prov, tables, tuple(dict.fromkeys(warnings)),
                  view, stress, keywords=f"event study; {ev.id}; stress test; AI demand")


def _check_event_in_data(ev, closes, market: str) -> None:
    """An event outside the stored market data is one clear error."""
    import pandas as pd

    days = closes.index[closes[market].notna()]
    if len(days) == 0:
        raise DataError(f"no prices for the market index {market}")
    day = pd.Timestamp(ev.date)
    if day > days[-1] or day < days[0]:
        raise DataError(
            f"event {ev.id} ({ev.date}) is outside the stored {market} prices "
            f"({days[0]:%Y-%m-%d} to {days[-1]:%Y-%m-%d}); fetch or import prices that cover it")


def _sensitivity(store, tickers, offline, fetcher, warnings):
    from stress.sensitivity.estimate import estimate_sensitivity
    from stress.sensitivity.spec import SensitivitySpec

    try:
        sens = estimate_sensitivity(store, SensitivitySpec(tickers=tuple(tickers)),
                                    offline=offline, fetcher=fetcher)
    except (InputError, DataError) as exc:
        warnings.append(f"sensitivity page left out: {exc}")
        return None
    warnings += sens.warnings
    return sens


def _stress(store, event_id, options, universe, labels, events, market, offline, fetcher,
            warnings) -> "StressView":
    from stress.portfolio.files import read_portfolio
    from stress.report.stress_view import stress_view
    from stress.scenarios.catalogue import load_scenarios
    from stress.scenarios.runner import RunOptions, run
    from stress.sensitivity import sensitivity_table

    files = [read_portfolio(p) for p in options.portfolios]
    catalogue = load_scenarios(events=events)
    if options.scenarios:
        specs = [catalogue.get(s) for s in options.scenarios]
    else:
        own = [s for s in catalogue.scenarios if s.id == event_id]
        specs = own + [s for s in catalogue.scenarios if s.origin == "catalogue"]

    def sensitivity(tickers, when):
        return sensitivity_table(store, tickers, as_of=when, offline=offline, fetcher=fetcher)

    run_opts = RunOptions(as_of=options.as_of, var=True, reverse=options.reverse,
                          n_sims=options.n_sims)
    result = run(store, files, specs, catalogue, run_opts, market=market,
                 sensitivity=sensitivity, offline=offline, fetcher=fetcher)
    warnings += result.warnings
    ids = [s.id for s in specs]
    focus = [event_id] if event_id in ids else []
    focus += [s.id for s in specs if s.kind == "shock" and s.k == -1 and not s.market_move][:1]
    regime = event_id if event_id in catalogue.events.ids else catalogue.default_regime
    return stress_view(result, universe.group_of, labels, stressed_regime=regime,
                       focus=focus or ids[:1])


def provenance(store, tickers: Sequence[str], spec, options: ReportOptions, sens, stress,
               placebo_used: int | None = None) -> Provenance:
    """Source, as-of date and fetched-at time of the prices used, and the key settings."""
    info = store.info_for(tickers)
    sources = summarise_sources([i.source for i in info])
    as_of = max((i.last for i in info), default="n/a")
    fetched = sorted(i.fetched_at for i in info)
    when = "n/a" if not fetched else fetched[0] if fetched[0] == fetched[-1] else f"{fetched[0]} to {fetched[-1]}"
    w = lambda x: f"[{x[0]},{x[1]}]"  # noqa: E731
    settings = [("model", spec.model), ("market", spec.market), ("estimation", w(spec.estimation)),
                ("windows", " ".join(w(x) for x in spec.windows)), ("returns", spec.returns),
                ("placebo", _placebo_setting(spec, placebo_used))]
    if sens is not None:
        s = sens.settings
        settings.append(("sensitivity", f"basket {'+'.join(s.get('basket') or [])}, factor "
                                        f"{s.get('factor')}"))
    if stress is not None:
        settings.append(("stress", f"reverse loss {options.reverse:.0%}, {options.n_sims} MC draws"))
    return Provenance(sources or "n/a", as_of, when, tuple(settings))


def summarise_sources(sources: Sequence[str]) -> str:
    """Per-ticker sources in a few words: ``csv:/d/VST.csv`` and ``csv:/d/CEG.csv`` become
    "csv files in /d (2 tickers)"; ``yahoo`` stays "yahoo (n tickers)"."""
    import os

    groups: dict[tuple[str, str], int] = {}
    for src in sources:
        kind, sep, rest = src.partition(":")
        where = os.path.dirname(rest) if sep and ("/" in rest or "\\" in rest) else ""
        key = (kind if sep else src, where)
        groups[key] = groups.get(key, 0) + 1
    parts = []
    for (kind, where), n in sorted(groups.items()):
        what = f"{kind} files in {where}" if where else kind
        parts.append(f"{what} ({n} ticker{'s' if n != 1 else ''})")
    return "; ".join(parts)


def _tables(pages: Sequence[Page]) -> dict[str, "pd.DataFrame"]:
    out: dict[str, Any] = {}
    for p in pages:
        for name, frame in p.tables.items():
            if frame is not None and name not in out:
                out[name] = frame
    return out


def write_tables(report: Report, out_dir: Path | str) -> list[Path]:
    """Each table behind the pages as ``<name>.csv`` in ``out_dir``."""
    from stress.tables_out import write_frames

    return write_frames(out_dir, report.tables)


def write_report(report: Report, path: Path | str, *, paper: str = "a4",
                 fixed_date: datetime | None = None) -> Path:
    """Draw the report into a PDF at ``path``."""
    from stress.report.pdf import PdfInfo, write_pdf

    info = PdfInfo(report.title, report.subject, keywords=report.keywords, created=fixed_date)
    return write_pdf(report.pages, path, info=info, provenance=report.provenance, paper=paper)


def _placebo_setting(spec, used: int | None) -> str:
    """The placebo line of the settings: sessions used of the pool, and the seed."""
    asked = "all qualifying" if spec.placebo is None else f"{spec.placebo} asked"
    n = spec.placebo_target if used is None else used
    return f"{n} of {spec.placebo_pool} sessions ({asked}), seed {spec.seed}"
