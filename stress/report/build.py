"""Build a report: run the pipeline (:mod:`stress.analysis`, the same steps and defaults
as the commands), turn the results into views, and assemble the pages, the PDF metadata,
the provenance and the CSV tables.

Nothing here computes a statistic or reads a file; the command reads the configs and
the portfolio files and loads the market data. Warnings from every step are returned,
never printed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from stress.errors import DataError, InputError
from stress.report.layout import Provenance, group_colors
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
    (reproducible output); ``fingerprint``: add the event-fingerprint page; ``overlap``:
    run the backtests and render the charts in forked workers meanwhile
    (:mod:`stress.report.parallel`; the command sets it, the PDF is the same)."""

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
    fingerprint: bool = True
    overlap: bool = False


@dataclass(frozen=True)
class Report:
    """A built report: ``sections`` to lay out (:mod:`stress.report.doc`; the first is
    the executive summary, then contents, evidence and back matter), the PDF
    ``title``/``subject``, the footer's ``provenance``, the ``tables`` behind the
    sections (CSV name -> frame), ``warnings``."""

    title: str
    subject: str
    sections: tuple[Any, ...]
    provenance: Provenance
    tables: Mapping[str, "pd.DataFrame"]
    warnings: tuple[str, ...] = ()
    event: "EventView | None" = None
    stress: "StressView | None" = None
    keywords: str = ""
    charts: tuple = ()  # stress.report.parallel.ChartJob rendering batches of the charts

    @property
    def titles(self) -> tuple[str, ...]:
        return tuple(p.title for p in self.sections)


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
    from stress.report.appendix import appendix_sections
    from stress.report.sections import event_sections
    from stress.report.sections_stress import stress_sections
    from stress.report.summary import summary_section
    from stress.report.words import event_findings, stress_findings

    universe = configs.universe
    groups = tuple(dict.fromkeys(options.groups)) or default_groups(universe)
    labels = {g.name: g.label for g in universe.groups}
    members = {g: list(universe.group(g).tickers) for g in groups}
    market = (options.market or universe.market).upper()
    spec = EventStudySpec(model=options.model, market=market, estimation=options.estimation,
                          windows=options.windows, placebo=options.placebo, seed=options.seed)
    warnings: list[str] = []
    held = list(dict.fromkeys(t.upper() for f in files for t in f.tickers))
    in_groups = {t for m in members.values() for t in m}
    extra = [t for t in held if t not in in_groups and t != market]
    bt_job = None
    if options.overlap:  # the backtests need none of what follows: a worker runs them meanwhile
        from stress.report.parallel import start

        bt_job = start(_backtest_results, md, configs, files)
    say(f"event study of {sum(map(len, members.values())) + len(extra)} assets with placebo dates")
    result = analysis.event_study(md, configs, event, extra, spec, members)
    ev = configs.events.get(result.event.id) if result.event.id in configs.events.ids else None
    event_id = result.event.id
    warnings += result.warnings
    sens = None
    if options.sensitivity:
        say("sensitivities")
        sens = _sensitivity(md, configs, [t for t in result.tickers if t != market], warnings)
    view = replace(event_view(result, groups, labels, sens), warnings=tuple(result.warnings),
                   sensitivity_warnings=tuple(sens.warnings) if sens is not None else ())
    view = _group_size(md, configs, event, spec, view, members, warnings)
    colors = group_colors([g.name for g in universe.groups])
    rec = None
    say("recovery to +250 sessions")
    try:
        rec = analysis.recovery(md, configs, event, extra, groups=members)
    except (InputError, DataError) as exc:
        warnings.append(f"recovery page left out: {exc}")
    fp = None
    if options.fingerprint:
        say("event fingerprint")
        try:
            fp = analysis.fingerprint(md, configs, members)
        except (InputError, DataError) as exc:
            warnings.append(f"fingerprint page left out: {exc}")
    stress = None
    if files:
        stress = _stress(md, configs, event_id, files, options, labels, warnings, say)
    paragraphs = event_findings(view) + (stress_findings(stress, event_id) if stress is not None else [])
    tickers_used = sorted(set(result.tickers) | {market} |
                          (set(stress.holdings["ticker"]) if stress is not None else set()))
    used = result.placebo.used if result.placebo is not None else 0
    prov = provenance(md, tickers_used, spec, options, sens, stress, placebo_used=used)
    when = (options.fixed_date or datetime.now()).strftime("%Y-%m-%d")
    sections = [summary_section(view, stress, report_date=when, cutoff=prov.as_of,
                                sources=prov.source, warnings=warnings, recovery=rec)]
    sections += event_sections(view, colors, paragraphs, held=[t for t in held if t != market],
                               fingerprint=fp, labels=labels, recovery=rec)
    if stress is not None:
        sections += stress_sections(stress, colors)
    jobs: tuple = ()
    if options.overlap:  # the charts so far, in two workers, while the backtests finish
        from stress.report.chart_forms import chart_batches
        from stress.report.doc import chart_width, charts_of
        from stress.report.parallel import start_charts

        width = chart_width(options.paper)
        jobs = tuple(j for b in chart_batches(charts_of(sections))
                     if (j := start_charts(b, width)) is not None)
    backtests = _backtests(md, configs, files, warnings, say, bt_job)
    if backtests is not None:
        sections.append(backtests)
    sections += appendix_sections(prov.settings)
    tables = _tables(sections)
    title = f"{(ev.title if ev else '') or event_id}: AI-demand shock report"
    subject = (f"Event study of {event_id} (day 0 {result.event.day0}) for "
               f"{', '.join(labels.get(g, g) for g in groups)}"
               + (f"; stress test of {len(files)} portfolio(s)" if stress is not None else ""))
    return Report(title, subject, tuple(sections), prov, tables, tuple(dict.fromkeys(warnings)),
                  view, stress, keywords=f"event study; {event_id}; stress test; AI demand",
                  charts=jobs)


def _backtests(md, configs, files, warnings, say, job=None):
    """The backtest page (the same calls and defaults as `stress backtest`); ``job``: a
    :class:`stress.report.parallel.Forked` already computing them (redone here if it
    failed, so an error reads as it would serially)."""
    from stress.report.backtest_section import backtest_section

    say("backtests")
    got = job.result() if job is not None else None
    try:
        var, sens, prop = got[0] if got else _backtest_results(md, configs, files)
    except (InputError, DataError) as exc:
        warnings.append(f"backtest page left out: {exc}")
        return None
    return backtest_section(var, sens, prop)


def _backtest_results(md, configs, files):
    from stress import analysis

    var = analysis.backtest_var(md, configs, files)[0] if files else []
    sens = analysis.backtest_sensitivity(md, configs, analysis.default_backtest_names(configs))
    prop = analysis.backtest_propagation(md, configs)[0]
    return var, sens, prop


def _group_size(md, configs, event, spec, view, members, warnings):
    """The headline group's size check on its own assets (the study `stress event-study
    --group NAME` runs), so the summary quotes the same rates as the CLI."""
    from dataclasses import replace

    from stress import analysis
    from stress.report.event_view import size_frame
    from stress.report.words import headline_group

    top = headline_group(view)
    if top is None or spec.placebo == 0 or len(members) < 2:
        return view
    try:
        alone = analysis.event_study(md, configs, event, [], spec, {top: members[top]})
    except (InputError, DataError) as exc:
        warnings.append(f"size check of {top} alone left out: {exc}")
        return view
    return replace(view, group_size=(top, size_frame(alone)))


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
    """Per-ticker sources in a few words, with file names but never local folders:
    ``csv:/d/VST.csv`` and ``csv:/d/CEG.csv`` become "csv files CEG.csv, VST.csv (2
    tickers)" (the first three names, then "..."); ``yahoo`` stays "yahoo (n tickers)"."""
    import ntpath

    groups: dict[str, list[str]] = {}
    for src in sources:
        kind, sep, rest = src.partition(":")
        name = ntpath.basename(rest.replace("\\", "/").rsplit("/", 1)[-1]) if sep and rest else ""
        groups.setdefault(kind if sep else src, []).append(name)
    parts = []
    for kind, names in sorted(groups.items()):
        n = len(names)
        files = sorted({x for x in names if x})
        shown = ", ".join(files[:3]) + (", ..." if len(files) > 3 else "")
        what = f"{kind} files {shown}" if files else kind
        parts.append(f"{what} ({n} ticker{'s' if n != 1 else ''})")
    return "; ".join(parts)


def _tables(pages: Sequence[Any]) -> dict[str, "pd.DataFrame"]:
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
                 fixed_date: datetime | None = None) -> tuple[Path, int]:
    """Lay the report out into a PDF at ``path``; returns the path and the page count."""
    from stress.report.doc import DocInfo, write_document

    info = DocInfo(report.title, report.subject, keywords=report.keywords, created=fixed_date)
    return write_document(report.sections, path, info=info, provenance=report.provenance,
                          paper=paper, rendered=report.charts)


def _placebo_setting(spec, used: int | None) -> str:
    """The placebo line of the settings: sessions used of the pool, and the seed."""
    asked = "all qualifying" if spec.placebo is None else f"{spec.placebo} asked"
    n = spec.placebo_target if used is None else used
    return f"{n} of {spec.placebo_pool} sessions ({asked}), seed {spec.seed}"
