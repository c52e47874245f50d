"""``stress prices``: fetch, import, list and show stored prices."""

from __future__ import annotations


import click

from stress.cli._common import echo_json, print_table, settings, warn


@click.group()
def prices() -> None:
    """Fetch, import, list and show the prices in the local store.

    \b
    Example:
      stress prices import ../shared/market-data/daily-close
      stress prices list
    """


@prices.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--replace", is_flag=True,
              help="Replace stored closes that the files change (the old ones are kept as revisions).")
@click.pass_context
def import_(ctx: click.Context, paths: tuple[str, ...], replace: bool) -> None:
    """Import CSV files (or folders of them) into the store.

    Shapes: TICKER.csv with Date and Close/Adj Close (or OHLCV); yfinance's own CSV
    export; a long table with ticker,date,close. All files are checked before anything
    is written. Files that change stored closes are refused, with per ticker the
    number of days that would change and the largest change, unless --replace; the
    replaced closes stay in the store (`stress prices history TICKER`).

    \b
    Example:
      stress prices import ../shared/market-data/daily-close
      stress prices import corrected/VST.csv --replace
    """
    from stress.data.importer import import_csv
    from stress.errors import StoreConflict

    s = settings(ctx)
    progress = s.progress()

    def tell(path, done: int, size: int) -> None:
        pct = 100.0 * done / size if size else 100.0
        progress.step(f"importing {path.name}: {pct:5.1f}% of {size / 1e6:,.1f} MB")

    try:
        report = import_csv(s.store(), list(paths), replace=replace, on_progress=tell)
    except StoreConflict as exc:
        progress.clear()
        for line in exc.lines:
            click.echo(line, err=True)
        raise
    finally:
        progress.clear()
    for line in report.warnings:
        warn(line)
    print_table(report.rows, ["ticker", "rows", "first", "last", "gaps", "file"])
    click.echo(f"imported {report.total_rows} rows for {len(report.rows)} tickers", err=True)


@prices.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """List the stored tickers: first and last date, rows, source, fetched-at."""
    from dataclasses import asdict

    rows = []
    for i in settings(ctx).store().info():
        row = asdict(i)
        row["sources"] = [{"source": s, "rows": n} for s, n in i.sources]
        if len(i.sources) > 1:  # the table says how many rows came from where
            row["source"] = "; ".join(f"{s} ({n} rows)" for s, n in i.sources)
        rows.append(row)
    if as_json:
        echo_json({"tickers": rows})
    elif not rows:
        click.echo("the store is empty: run `stress prices import PATH` or `stress prices fetch TICKER`", err=True)
    else:
        print_table(rows, ["ticker", "first", "last", "rows", "source", "fetched_at"])


@prices.command("show")
@click.argument("ticker")
@click.option("--start", help="First date, YYYY-MM-DD.")
@click.option("--end", help="Last date (inclusive), YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def show(ctx: click.Context, ticker: str, start: str | None, end: str | None, as_json: bool) -> None:
    """Show one ticker's stored prices.

    \b
    Example:
      stress --offline prices show VST --start 2025-01-24 --end 2025-01-28 --json
    """
    from stress.data.importer import show_rows

    ticker = ticker.upper()
    rows = show_rows(settings(ctx).store(), ticker, start, end)
    if as_json:
        echo_json({"ticker": ticker, "prices": rows})
    else:
        cols = [c for c in ("date", "close", "open", "high", "low", "volume") if any(c in r for r in rows)]
        print_table(rows, cols)


@prices.command("history")
@click.argument("ticker")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def history(ctx: click.Context, ticker: str, as_json: bool) -> None:
    """Show the stored closes of TICKER that later writes replaced (old, new, sources, when).

    \b
    Example:
      stress prices history VST
    """
    from stress.data.importer import history_rows

    ticker = ticker.upper()
    rows = history_rows(settings(ctx).store(), ticker)
    if as_json:
        echo_json({"ticker": ticker, "revisions": rows})
    elif not rows:
        click.echo(f"{ticker}: no stored close has been replaced", err=True)
    else:
        for r in rows:
            r["change"] = "deleted" if r["change"] is None else f"{r['change']:+.2%}"
        print_table(rows, ["date", "old_close", "new_close", "change", "old_source", "new_source",
                           "replaced_at"])


@prices.command("fetch")
@click.argument("tickers", nargs=-1)
@click.option("--universe", is_flag=True, help="Fetch every ticker of configs/universe.yaml.")
@click.option("--group", "groups", multiple=True, help="Fetch a group of the universe (repeatable).")
@click.option("--start", default="2015-01-01", show_default=True, help="First date, YYYY-MM-DD.")
@click.option("--end", default=None, help="Last date (inclusive), YYYY-MM-DD; default today.")
@click.pass_context
def fetch(
    ctx: click.Context, tickers: tuple[str, ...], universe: bool, groups: tuple[str, ...],
    start: str, end: str | None,
) -> None:
    """Fetch daily prices from Yahoo Finance into the store (only missing dates).

    Prices are adjusted for splits and dividends. Days after the last completed session
    are not fetched. With --offline (or STRESS_OFFLINE=1), or when Yahoo cannot be
    reached, shows what the store already holds. Column `new`: rows written now.

    \b
    Example:
      stress prices fetch VST CEG TLN NRG --start 2020-01-01
      stress prices fetch --universe
    """
    from stress.data.fetch import fetch_command

    names = list(tickers)
    if universe or groups:
        from stress.config import load_universe

        u = load_universe()
        names += list(u.tickers(list(groups) or None))
        if universe:
            names.append(u.market)
    if not names:
        raise click.UsageError("name at least one TICKER, or --universe / --group")
    s = settings(ctx)
    result = fetch_command(
        s.store(), names, start, end, offline=s.offline,
        on_progress=s.progress().count("fetching"),
    )
    s.progress().clear()
    for line in result.warnings:
        warn(line)
    print_table(result.rows, ["ticker", "new", "rows", "first", "last", "source", "fetched_at"])
    if result.error:
        from stress.errors import DataError

        raise DataError(result.error)
