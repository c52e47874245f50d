"""``stress backtest``: how well the sensitivity, VaR/ES and propagation models did.

The commands parse, read the data through the glue functions at the bottom (the one
place that touches configs and the store, through the same calls as ``stress
sensitivity`` and ``stress run``), call :mod:`stress.backtest` and render.
"""

from __future__ import annotations

import click

from stress.cli._common import CliError, echo_json, print_table, settings, warn
from stress.tables_out import write_frames

_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _out(files: str):
    return click.option("--out", type=click.Path(file_okay=False), metavar="DIR",
                        help=f"Write {files} to DIR.")


@click.group("backtest")
def backtest() -> None:
    """How far to trust each model: its numbers set against what happened.

    \b
    Examples:
      stress --offline backtest sensitivity --group nuclear --group grid --group utilities
      stress --offline backtest var configs/portfolios/ai_power.csv
      stress --offline backtest propagation
    """


# ---- var ----------------------------------------------------------------------------------
@backtest.command("var")
@click.argument("portfolios", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--window", type=int, default=504, show_default=True, metavar="N",
              help="Sessions before each test day that a forecast uses (complete days only).")
@click.option("--min-obs", type=int, default=60, show_default=True,
              help="Fewest complete days in the window for a test day.")
@click.option("--confidence", "confidences", type=float, multiple=True, metavar="C",
              help="VaR/ES confidence, repeatable [default: 0.95 and 0.99].")
@click.option("--sims", type=int, default=10_000, show_default=True, help="Monte Carlo draws per day.")
@click.option("--null-sims", type=int, default=2000, show_default=True,
              help="Simulations of the Z2 statistic under the null.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--nav", type=float, default=None, help="Notional NAV of weight books [default: 1,000,000].")
@_JSON
@_out("coverage.csv, exceptions.csv and forecasts.csv (prefixed by the book's name)")
@click.pass_context
def var(ctx, portfolios, window, min_obs, confidences, sims, null_sims, seed, nav, as_json, out) -> None:
    """Rolling one-day VaR/ES of each book, its exceptions and coverage tests.

    Today's positions are held fixed over the book's history; each test day's VaR/ES
    (historical, normal, Monte Carlo) uses the WINDOW sessions before it. Kupiec,
    Christoffersen, the Basel traffic light (last 250 days at 99%) and the
    Acerbi-Szekely Z2 test of ES. Formulas: docs/methods.md, Backtests.

    \b
    Example:
      stress --offline backtest var configs/portfolios/ai_power.csv --json
    """
    from stress.backtest.var import backtest_book

    if window < 2 or min_obs < 2 or min_obs > window:
        raise CliError(f"--window {window} --min-obs {min_obs}: need 2 <= min-obs <= window", 2)
    confidences = tuple(confidences) or (0.95, 0.99)
    bad = [c for c in confidences if not 0 < c < 1]
    if bad:
        raise CliError(f"--confidence {bad[0]}: a level strictly between 0 and 1, e.g. 0.99", 2)
    if sims < 100:
        raise CliError(f"--sims {sims}: at least 100 draws", 2)
    books, labels, warnings = _books(ctx, portfolios, nav)
    results = []
    for book, returns, values in books:
        results.append(backtest_book(returns, values, nav=book.nav, book=book.name, labels=labels,
                                     window=window, min_obs=min_obs, confidences=confidences,
                                     n_sims=sims, null_sims=null_sims, seed=seed))
    for line in warnings:
        warn(line)
    if out:
        frames = {}
        for r in results:
            for kind in ("coverage", "exceptions", "forecasts"):
                frames[f"{r.book}_{kind}"] = r.to_frame(kind)
        _write(out, frames, index=[f"{r.book}_forecasts" for r in results])
    if as_json:
        echo_json({"books": [r.to_dict() for r in results]})
        return
    for r in results:
        _render_var(r)


def _render_var(r) -> None:
    st = r.settings
    click.echo(f"{r.book}: NAV {r.nav:,.0f}; {st['n_test']} test days {st['first_test']} to "
               f"{st['last_test']}; window {st['window']} sessions before each day (at least "
               f"{st['min_obs']} complete); positions fixed at today's values")
    rows = [{
        "method": c["method"], "conf": f"{c['confidence']:.1%}", "days": c["n"],
        "exceptions": c["hits"], "expected": f"{c['expected']:.1f}", "rate": f"{c['rate']:.2%}",
        "LR_pof": c["lr_pof"], "p_pof": c["p_pof"], "LR_ind": c["lr_ind"], "p_ind": c["p_ind"],
        "LR_cc": c["lr_cc"], "p_cc": c["p_cc"], "Z2": c["z2"], "Z2 crit": c["z2_critical"],
        "p_Z2": c["z2_p"], "Basel": f"{c['basel_zone']} {c['basel_hits']}/{c['basel_n']}",
    } for _, c in r.coverage.iterrows()]
    print_table(rows)
    exc = r.exceptions
    top = max(st["confidences"])
    hi = exc[exc["confidence"] == top]
    if len(hi):
        click.echo(f"\nExceptions at {top:.0%} (loss and VaR in % of NAV; methods that were broken):")
        rows = []
        for date, g in hi.groupby("date", sort=True):
            rows.append({"date": date, "loss %": f"{g['loss_pct'].iloc[0]:.2%}",
                         **{m: (f"{g.loc[g['method'] == m, 'var_pct'].iloc[0]:.2%}"
                                if (g["method"] == m).any() else "")
                            for m in st["methods"]},
                         "event": g["event"].iloc[0]})
        print_table(rows)
    click.echo("\n" + r.summary() + "\n")


def _write(out: str, frames: dict, index=()) -> None:
    paths = write_frames(out, frames, index=index)
    click.echo(f"wrote {', '.join(p.name for p in paths)} to {paths[0].parent}", err=True)


# ---- data glue: the one place that reads configs and the store ----------------------------
def _books(ctx, portfolios, nav):
    """Valued books with their holdings' daily returns on the market's sessions, and the
    catalogue's day 0s (ISO date -> event id). Same calls as ``stress run``."""
    from stress.config import load_universe
    from stress.data.provider import load_closes
    from stress.portfolio.files import read_portfolio
    from stress.portfolio.valuation import value_portfolios
    from stress.returns import to_returns

    s = settings(ctx)
    files = [read_portfolio(p) for p in portfolios]
    market = load_universe().market
    held = list(dict.fromkeys(t for f in files for t in f.tickers))
    warnings: list[str] = []
    closes = load_closes(s.store(), held + [market], offline=s.offline, fetcher=s.fetcher(),
                         warn=warnings.append)
    closes = closes.reindex(closes[market].dropna().index)
    valued = value_portfolios(files, closes, nav=nav)
    returns = to_returns(closes)
    out = []
    for b in valued:
        warnings.extend(b.warnings)
        out.append((b, returns.loc[:b.as_of, list(b.tickers)], b.values))
    return out, _day0s(returns.index), warnings


def _day0s(calendar) -> dict:
    from stress.events import load_events, map_to_session

    labels = {}
    for e in load_events():
        try:
            day0, _, _ = map_to_session(e.date, calendar)
        except Exception:  # outside the data: no label
            continue
        labels.setdefault(f"{day0:%Y-%m-%d}", e.id)
    return labels
