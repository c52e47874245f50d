"""``stress report``: the event-study and stress-test PDF an investment committee reads."""

from __future__ import annotations

import click

from stress.cli._common import parse_window, settings, warn


@click.command("report")
@click.argument("event")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--group", "groups", multiple=True, metavar="NAME",
              help="A group of configs/universe.yaml (repeatable; default: every group "
                   "without the market index).")
@click.option("--portfolio", "portfolios", multiple=True, type=click.Path(dir_okay=False),
              metavar="FILE", help="A portfolio file (repeatable): adds the stress-test pages.")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None,
              help="The PDF to write (default reports/EVENT.pdf).")
@click.option("--out-dir", type=click.Path(file_okay=False), default=None,
              help="Also write the table behind every chart as CSV into this folder.")
@click.option("--fixed-date", default=None, metavar="YYYY-MM-DD",
              help="Creation date stamped in the PDF, for byte-identical reruns "
                   "(default: $SOURCE_DATE_EPOCH if set, else now).")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True)
@click.option("--placebo", default=None, type=click.IntRange(min=0), metavar="N",
              help="Placebo sessions for the empirical p-values (default: every qualifying "
                   "session of the pre-event year, up to 1000; 0 skips the placebo page's histogram).")
@click.option("--model", type=click.Choice(["market", "market-adjusted", "constant-mean"]),
              default="market", show_default=True, help="Model of normal returns.")
@click.option("--market", default=None, help="Market index (default: the universe's, SPY).")
@click.option("--estimation", default="-250,-11", show_default=True, metavar="A,B",
              help="Estimation window, trading days relative to day 0.")
@click.option("--window", "windows", multiple=True, metavar="A,B",
              help="Event window (repeatable; default 0,0 -1,1 0,5 0,20).")
@click.option("--scenario", "scenarios", multiple=True, metavar="ID",
              help="Scenario for the stress pages (repeatable; default: the event's replay and "
                   "the named scenarios of configs/scenarios.yaml).")
@click.option("--reverse", default=0.10, show_default=True, type=float, metavar="LOSS",
              help="Loss (fraction of NAV) for the reverse stress.")
@click.option("--sims", default=50_000, show_default=True, type=click.IntRange(min=100),
              help="Monte Carlo draws for VaR/ES (the same default as `stress run`).")
@click.option("--as-of", default=None, metavar="YYYY-MM-DD", help="Valuation date of the portfolios.")
@click.option("--no-sensitivity", is_flag=True, help="Leave out the sensitivity page.")
@click.pass_context
def report(ctx, event, files, groups, portfolios, out, out_dir, fixed_date, paper, placebo, model,
           market, estimation, windows, scenarios, reverse, sims, as_of, no_sensitivity) -> None:
    """Write the PDF report on EVENT (a catalogue id or a date YYYY-MM-DD).

    Page 1 is an executive summary (the group that moved most in the event's direction;
    per book the replay P&L, the worst attainable scenario, stressed VaR/ES and the AI
    shock that costs --reverse of NAV), then contents and the evidence: findings, the
    books' holdings, CAR paths, day-0 abnormal returns, naive and clustering-robust
    tests, placebo, rebound, recovery (sessions to regain the pre-event close, CAR/BHAR
    to +250), sensitivity, the event fingerprint; with portfolios: holdings, the P&L
    heatmap, contribution waterfalls, VaR/ES before and under stress, reverse stress;
    then the backtests (sensitivity out of sample, propagation bands and, with
    portfolios, each book's rolling VaR/ES coverage), a glossary, limitations and the formulas used. Caveats stand beside the
    figures and in the CSVs' note columns. FILES after EVENT are more portfolio files,
    so a shell glob after --portfolio works.

    \b
    Examples:
      stress --offline report deepseek-r1 --portfolio configs/portfolios/*.csv
      stress --offline report deepseek-r1 --group ai_power --group utilities \\
          --out reports/deepseek.pdf --out-dir reports/deepseek --fixed-date 2025-02-01
    """
    import os
    from datetime import datetime, timezone

    from stress.analysis import book_tickers, load_market
    from stress.eventstudy import EventStudySpec
    from stress.portfolio.files import read_portfolio
    from stress.report.build import (
        ReportOptions, build_report, event_tickers, write_report, write_tables,
    )
    from stress.report.pdf import parse_fixed_date

    from stress.atomic import check_output_dir, check_output_file

    # outputs are checked before the work, so an unwritable path fails in a second
    check_output_file(out) if out else check_output_dir("reports")
    if out_dir:
        check_output_dir(out_dir)
    fixed = parse_fixed_date(fixed_date)
    if fixed is None and os.environ.get("SOURCE_DATE_EPOCH", "").strip().isdigit():
        fixed = datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), tz=timezone.utc)
    if not 0 < reverse:  # as `stress run`: a loss above NAV is possible with shorts or leverage
        raise click.BadParameter(f"{reverse}: a loss as a positive fraction of NAV, e.g. 0.10", param_hint="--reverse")
    options = ReportOptions(
        groups=tuple(groups), model=model,
        market=market, estimation=parse_window(estimation, "--estimation"),
        windows=tuple(parse_window(w) for w in windows) or EventStudySpec.windows,
        placebo=placebo, sensitivity=not no_sensitivity, scenarios=tuple(scenarios),
        reverse=reverse, n_sims=sims, as_of=as_of, paper=paper, fixed_date=fixed,
        overlap=True,
    )
    cfg = settings(ctx)
    configs = cfg.configs()
    books = [read_portfolio(p) for p in dict.fromkeys([*portfolios, *files])]
    progress = cfg.progress()
    progress.step("loading prices")
    md = load_market(cfg.source(), configs, [*event_tickers(configs, options), *book_tickers(books)],
                     universe=True, warn=warn)
    from stress.errors import UnknownTickers

    try:
        built = build_report(md, configs, event, options, books, progress=progress.step)
    except UnknownTickers as exc:  # name configs/universe.yaml when the tickers came from it
        if not groups:
            raise
        from stress.data.unknown import group_origins, with_origin

        raise with_origin(exc, group_origins(configs.universe, groups)) from None
    progress.step(f"laying out {len(built.sections)} sections")
    for line in built.warnings:
        warn(line)
    target = out or os.path.join("reports", f"{built.event.event_id if built.event else event}.pdf")
    path, n_pages = write_report(built, target, paper=paper, fixed_date=fixed)
    progress.clear()
    click.echo(f"wrote {path} ({n_pages} pages)", err=True)
    if out_dir:
        written = write_tables(built, out_dir)
        click.echo(f"wrote {len(written)} CSV tables to {out_dir}", err=True)
