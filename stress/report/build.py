"""Build a report: run the pipeline (:mod:`stress.analysis`, the same steps and defaults
as the commands), turn the results into views, and assemble the pages, the PDF metadata,
the provenance and the CSV tables.

Nothing here computes a statistic or reads a file; the command reads the configs and
the portfolio files and loads the market data. Warnings from every step are returned,
never printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from stress.errors import DataError, InputError
from stress.report.layout import Page, Provenance, group_colors
from stress.scenarios.runner import RunOptions

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from stress.config import Configs
    from stress.market import MarketData
    from stress.portfolio.files import PortfolioFile
    from stress.report.views import EventView, StressView


@dataclass(frozen=True)
class ReportOptions:
    """What to report. ``groups``: universe groups (empty: every group that does not hold
    the market index);
    ``model``/``market``/``estimation``/``windows``/``placebo``/``seed``: the event study
    (see :class:`stress.eventstudy.EventStudySpec`); ``sensitivity``: add the sensitivity
    page; ``scenarios``: scenario ids for the stress pages (empty: the event's replay
    and the named scenarios of configs/scenarios.yaml); ``reverse``: loss, fraction of
    NAV, for the reverse stress; ``n_sims``: Monte Carlo VaR draws (the default of
    ``stress run``); ``as_of``: valuation date; ``fixed_date``: the PDF's creation date
    (reproducible output)."""

    groups: tuple[str, ...] = ()
    model: str = "market"
    market: str | None = None
    estimation: tuple[int, int] = (-250, -11)
    windows: tuple[tuple[int, int], ...] = ((0, 0), (-1, 1), (0, 5), (0, 20))
    placebo: int | None = None
    seed: int = 20250127
    sensitivity: bool = True
    scenarios: tuple[str, ...] = ()
    reverse: float = 0.10
    n_sims: int = RunOptions.n_sims
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


def event_tickers(configs: "Configs", options: ReportOptions) -> list[str]:
    """Every ticker the report's event study needs (its groups and the market)."""
    universe = configs.universe
    groups = tuple(dict.fromkeys(options.groups)) or default_groups(universe)
    members = [t for g in groups for t in universe.group(g).tickers]
    return list(dict.fromkeys([*members, (options.market or universe.market).upper()]))


def build_report(
    md: "MarketData",
    configs: "Configs",
    event: str,
    options: ReportOptions = ReportOptions(),
    files: Sequence["PortfolioFile"] = (),
    *,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Run the event study (and sensitivity, and the portfolio ``files`` through the
    scenarios) for ``event`` (catalogue id or ISO date) and assemble the report.
    ``progress(text)``: told of each stage."""
    say = progress or (lambda text: None)
    from stress import analysis
    from stress.eventstudy import EventStudySpec
    from stress.report.event_view import event_view
    from stress.report.pages import event_pages, stress_pages
    from stress.report.words import event_findings, stress_findings

    universe = configs.universe
    groups = tuple(dict.fromkeys(options.groups)) or default_groups(universe)
    labels = {g.name: g.label for g in universe.groups}
    members = {g: list(universe.group(g).tickers) for g in groups}
    market = (options.market or universe.market).upper()
    spec = EventStudySpec(model=options.model, market=market, estimation=options.estimation,
                          windows=options.windows, placebo=options.placebo, seed=options.seed)
    warnings: list[str] = []
    say(f"event study of {sum(map(len, members.values()))} assets with placebo dates")
    result = analysis.event_study(md, configs, event, [], spec, members)
    ev = configs.events.get(result.event.id) if result.event.id in configs.events.ids else None
    event_id = result.event.id
    warnings += result.warnings
    sens = None
    if options.sensitivity:
        say("sensitivities")
        sens = _sensitivity(md, configs, [t for t in result.tickers if t != market], warnings)
    view = event_view(result, groups, labels, sens)
    colors = group_colors([g.name for g in universe.groups])
    stress = None
    if files:
        stress = _stress(md, configs, event_id, files, options, labels, warnings, say)
    paragraphs = event_findings(view) + (stress_findings(stress, event_id) if stress is not None else [])
    pages = event_pages(view, colors, paragraphs, options.paper)
    if stress is not None:
        pages += stress_pages(stress, colors, options.paper)
    tables = _tables(pages)
    tickers_used = sorted(set(result.tickers) | {market} |
                          (set(stress.holdings["ticker"]) if stress is not None else set()))
    used = result.placebo.used if result.placebo is not None else 0
    prov = provenance(md, tickers_used, spec, options, sens, stress, placebo_used=used)
    title = f"{(ev.title if ev else '') or event_id}: AI-demand shock report"
    subject = (f"Event study of {event_id} (day 0 {result.event.day0}) for "
               f"{', '.join(labels.get(g, g) for g in groups)}"
               + (f"; stress test of {len(files)} portfolio(s)" if stress is not None else ""))
    return Report(title, subject, tuple(pages), prov, tables, tuple(dict.fromkeys(warnings)),
                  view, stress, keywords=f"event study; {event_id}; stress test; AI demand")


def _sensitivity(md, configs, tickers, warnings):
    from stress.analysis import sensitivities
    from stress.sensitivity.spec import SensitivitySpec

    try:
        sens = sensitivities(md, configs, SensitivitySpec(tickers=tuple(tickers)))
    except (InputError, DataError) as exc:
        warnings.append(f"sensitivity page left out: {exc}")
        return None
    warnings += sens.warnings
    return sens


def _stress(md, configs, event_id, files, options, labels, warnings, say) -> "StressView":
    from stress.analysis import stress_books
    from stress.report.stress_view import stress_view

    catalogue = configs.scenarios
    if options.scenarios:
        specs = [catalogue.get(s) for s in options.scenarios]
    else:
        own = [s for s in catalogue.scenarios if s.id == event_id]
        specs = own + [s for s in catalogue.scenarios if s.origin == "catalogue"]
    run_opts = RunOptions(as_of=options.as_of, var=True, reverse=options.reverse,
                          n_sims=options.n_sims)
    result = stress_books(md, configs, files, specs, run_opts, progress=say)
    warnings += result.warnings
    ids = [s.id for s in specs]
    focus = [event_id] if event_id in ids else []
    focus += [s.id for s in specs if s.kind == "shock" and s.k == -1 and not s.market_move][:1]
    regime = event_id if event_id in catalogue.events.ids else catalogue.default_regime
    return stress_view(result, configs.universe.group_of, labels, stressed_regime=regime,
                       focus=focus or ids[:1])


def provenance(md: "MarketData", tickers: Sequence[str], spec, options: ReportOptions, sens, stress,
               placebo_used: int | None = None) -> Provenance:
    """Source, as-of date and fetched-at time of the prices used, and the key settings."""
    info = md.sources(tickers)
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
