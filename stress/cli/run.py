"""``stress run``: portfolios through scenarios, with VaR/ES and reverse stress."""

from __future__ import annotations

from pathlib import Path

import click

from stress.cli._common import CliError, echo_json, parse_window, print_table, settings, warn
from stress.tables_out import write_frames


@click.command("run")
@click.argument("portfolios", nargs=-1, type=click.Path(exists=True, dir_okay=True))
@click.option("--scenario", "scenario_ids", multiple=True, metavar="ID",
              help="A scenario of configs/scenarios.yaml or an event id (a replay); repeatable.")
@click.option("--all-scenarios", is_flag=True, help="Every event replay and named scenario.")
@click.option("--window", default=None, metavar="A,B",
              help="Replay window of the event replays, trading days around day 0 [default: 0,0].")
@click.option("--shock", "shocks", multiple=True, type=float, metavar="K",
              help="Hypothetical AI-demand shock of K DeepSeek units (-1 = a DeepSeek repeat); repeatable.")
@click.option("--market-move", type=float, default=0.0, show_default=True, metavar="M",
              help="Market return added to --shock scenarios and to the reverse AI shock.")
@click.option("--custom", "customs", multiple=True, metavar="SHOCKS",
              help='Returns imposed on tickers, propagated to the rest: "VST=-0.30,SPY=-0.02"; repeatable.')
@click.option("--as-of", default=None, metavar="DATE",
              help="Valuation date [default: the last date all holdings have a price].")
@click.option("--nav", type=float, default=None, help="Notional NAV of weight books [default: 1,000,000].")
@click.option("--cash-remainder", is_flag=True, help="Weight books: hold 1 - sum(weights) as cash.")
@click.option("--merge-duplicates", is_flag=True, help="Add up repeated tickers instead of failing.")
@click.option("--cov-window", type=int, default=504, show_default=True, metavar="N",
              help="Sessions of daily returns up to the valuation date for the covariance.")
@click.option("--horizon", type=int, default=1, show_default=True, metavar="H",
              help="Sessions of VaR/ES, custom shocks and the most plausible reverse shock.")
@click.option("--var", "with_var", is_flag=True,
              help="VaR/ES at 95%/99%: historical, normal, Monte Carlo; normal and stressed regimes.")
@click.option("--sims", type=int, default=50_000, show_default=True, help="Monte Carlo draws.")
@click.option("--seed", type=int, default=0, show_default=True, help="Monte Carlo seed.")
@click.option("--reverse", "reverse", type=float, default=None, metavar="LOSS",
              help="Reverse stress: the shocks losing LOSS, a fraction of NAV (0.10 = 10%).")
@click.option("--band", type=float, default=0.90, show_default=True, help="Level of P&L bands.")
@click.option("--top", type=int, default=5, show_default=True, help="Top losers shown per book.")
@click.option("--list-scenarios", is_flag=True, help="List the scenario ids and exit.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Write grid.csv, positions.csv (and var.csv, reverse.csv) to DIR.")
@click.pass_context
def run(ctx: click.Context, portfolios, scenario_ids, all_scenarios, window, shocks, market_move,
        customs, as_of, nav, cash_remainder, merge_duplicates, cov_window, horizon, with_var,
        sims, seed, reverse, band, top, list_scenarios, as_json, out_dir) -> None:
    """Run portfolio files (CSV or YAML) through scenarios: P&L per book and position.

    Without a scenario option, replays DeepSeek R1's day 0.

    \b
    Examples:
      stress --offline run configs/portfolios/*.csv --all-scenarios
      stress --offline run configs/portfolios/ai_power.csv --scenario deepseek-r1 --window 0,4
      stress --offline run configs/portfolios/nuclear.csv --shock -1 --custom "VST=-0.30,SPY=-0.02"
      stress --offline run configs/portfolios/ai_power.csv --var --reverse 0.10 --json
    """
    from stress.config import load_universe
    from stress.portfolio.files import read_portfolio
    from stress.scenarios.catalogue import load_scenarios
    from stress.scenarios.runner import RunOptions
    from stress.scenarios.runner import run as run_books

    if list_scenarios:
        _list(load_scenarios(), as_json)
        return
    if not portfolios:
        raise click.UsageError("name at least one PORTFOLIO file (CSV or YAML), or --list-scenarios")
    files = [read_portfolio(p, merge_duplicates=merge_duplicates, cash_remainder=cash_remainder)
             for p in _expand(portfolios)]
    catalogue = load_scenarios()
    specs = _specs(catalogue, scenario_ids, all_scenarios, window, shocks, market_move, customs)
    s = settings(ctx)
    store = s.store()

    def sensitivity(tickers, when):
        from stress.sensitivity import sensitivity_table

        return sensitivity_table(store, tickers, as_of=when, offline=s.offline, fetcher=s.fetcher())

    options = RunOptions(as_of=as_of, nav=nav, cov_window=cov_window, horizon=horizon, band=band,
                         var=with_var, n_sims=sims, seed=seed, reverse=reverse,
                         market_move=market_move, top=top)
    universe = load_universe()
    result = run_books(store, files, specs, catalogue, options, market=universe.market,
                       reference=universe.tickers(), sensitivity=sensitivity, offline=s.offline,
                       fetcher=s.fetcher())
    for line in result.warnings:
        warn(line)
    if out_dir:
        _write(result, Path(out_dir))
    if as_json:
        echo_json(result.to_dict())
    else:
        _render(result)


def _expand(paths) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.suffix.lower() in (".csv", ".yaml", ".yml"))
            if not found:
                raise CliError(f"{p}: no portfolio files (.csv, .yaml) in this folder", 2)
            out.extend(found)
        else:
            out.append(p)
    return list(dict.fromkeys(out))


def _specs(catalogue, ids, all_scenarios, window, shocks, market_move, customs):
    from stress.scenarios.catalogue import custom_spec, replay_spec, shock_spec

    win = parse_window(window) if window else (0, 0)
    chosen = list(catalogue.scenarios) if all_scenarios else [catalogue.get(i) for i in ids]
    if not chosen and not shocks and not customs:
        chosen = [catalogue.get("deepseek-r1")]
    if window and not any(c.origin == "events" for c in chosen):
        raise CliError(f"--window {window}: applies to event replays; name one with --scenario ID", 2)
    specs = [replay_spec(c, win) if c.origin == "events" else c for c in chosen]
    regime = catalogue.default_regime
    specs += [shock_spec(k, market_move, regime) for k in shocks]
    specs += [custom_spec(c, regime) for c in customs]
    return list({s.id: s for s in specs}.values())


def _list(catalogue, as_json: bool) -> None:
    rows = []
    for sp in catalogue.scenarios:
        if sp.kind == "replay":
            detail = f"{sp.event} [{sp.window[0]},{sp.window[1]}]"
        elif sp.kind == "shock":
            detail = f"k={sp.k:g}" + (f" market {sp.market_move:+.2%}" if sp.market_move else "")
        else:
            detail = " ".join(f"{t}={v:+.0%}" for t, v in sp.shocks)
        rows.append({"id": sp.id, "kind": sp.kind, "detail": detail, "title": sp.title})
    if as_json:
        echo_json({"scenarios": [sp.to_dict() for sp in catalogue.scenarios]})
    else:
        print_table(rows, ["id", "kind", "detail", "title"])


def _write(result, out: Path) -> None:
    frames = {"grid": result.grid_frame(), "positions": result.positions_frame()}
    if result.var:
        frames["var"] = result.var_frame()
    if result.reverse is not None:
        frames["reverse"] = result.reverse_frame()
    paths = write_frames(out, frames)
    click.echo(f"wrote {', '.join(p.name for p in paths)} to {out}", err=True)


# ---- terminal output ----------------------------------------------------------------------
def _pct(x: float, digits: int = 2) -> str:
    return "-" if x != x else f"{x:+.{digits}%}"


def _money(x: float) -> str:
    return "-" if x != x else f"{x:,.0f}"


def _render(result) -> None:
    g, books, scen = result.grid, result.portfolios, result.scenarios
    st = result.settings
    click.echo(f"valued as of {result.as_of}; covariance {st['cov_obs']} days "
               f"{st['cov_start']} to {st['cov_end']} (Ledoit-Wolf, shrinkage {st['cov_shrinkage']:.2f}); "
               f"bands {g.level:.0%}")
    names = _labels(books)
    click.echo("")
    if len(books) == 1:
        rows = [{"scenario": i.spec.id, "kind": i.spec.kind, "pnl": _money(g.pnl[0, s]),
                 "pnl %": _pct(g.pnl_pct[0, s]),
                 "band": "-" if not g.pnl_sd[0, s] else
                 f"{_money(g.lower[0, s])} .. {_money(g.upper[0, s])}"}
                for s, i in enumerate(scen)]
        click.echo(f"{names[0]}  NAV {_money(books[0].nav)}")
        print_table(rows, ["scenario", "kind", "pnl", "pnl %", "band"])
    else:
        click.echo("P&L, % of NAV (rows: scenarios; columns: books)")
        rows = [{"scenario": i.spec.id, **{n: _pct(g.pnl_pct[p, s]) for p, n in enumerate(names)}}
                for s, i in enumerate(scen)]
        rows.append({"scenario": "NAV", **{n: _money(b.nav) for n, b in zip(names, books)}})
        print_table(rows, ["scenario", *names])
    for s, i in enumerate(scen):
        if i.spec.kind == "custom":
            click.echo(f"\n{i.spec.id}: plausibility: Mahalanobis distance {i.mahalanobis:.2f} over "
                       f"{i.df} shocked asset(s), chi2 percentile {i.percentile:.6f}, a shock this far "
                       f"or farther has probability {_tail(i.mahalanobis, i.df):.2g}")
    for p, name in enumerate(names):
        shown = range(len(scen)) if len(scen) <= 2 else [result.worst(p)]
        for s in shown:
            losers = result.top_losers(p, s)
            label = "" if len(scen) <= 2 else " (its worst scenario)"
            click.echo(f"\n{name}: top losers in {scen[s].spec.id}{label}: "
                       f"P&L {_money(g.pnl[p, s])} ({_pct(g.pnl_pct[p, s])})")
            print_table([{"ticker": r["ticker"], "value": _money(r["value"]),
                          "return": _pct(r["return"]), "pnl": _money(r["pnl"]),
                          "share": _pct(r["share"], 1), "source": r["source"]} for r in losers]
                        or [{"ticker": "(no losing position)"}])
    if result.var:
        _render_var(result, names)
    if result.reverse is not None:
        _render_reverse(result, names)


def _tail(d: float, df: float) -> float:
    """Probability that a draw of the fitted normal is at least this Mahalanobis distance away."""
    from stress.distributions import chi2_sf

    return float("nan") if d != d or not df else float(chi2_sf(d * d, df))


def _labels(books) -> list[str]:
    names = [b.name for b in books]
    return names if len(set(names)) == len(names) else [b.file for b in books]


def _render_var(result, names) -> None:
    click.echo(f"\nVaR / ES, % of NAV, horizon {result.settings['horizon']} session(s) "
               "(losses positive)")
    rows = []
    for p, name in enumerate(names):
        for rv in result.var:
            for m in ("historical", "normal", "montecarlo"):
                row = {"book": name, "regime": f"{rv.regime} ({rv.start}..{rv.end})", "method": m}
                for a in (0.95, 0.99):
                    row[f"VaR{a:.0%}"] = _pct(rv.var[m][a][p] / result.portfolios[p].nav)
                    row[f"ES{a:.0%}"] = _pct(rv.es[m][a][p] / result.portfolios[p].nav)
                row["note"] = rv.reasons[p]
                rows.append(row)
    print_table(rows, ["book", "regime", "method", "VaR95%", "ES95%", "VaR99%", "ES99%", "note"])


def _render_reverse(result, names) -> None:
    rv = result.reverse
    click.echo(f"\nReverse stress: shocks that lose {rv.loss:.1%} of NAV")
    rows = []
    for p, name in enumerate(names):
        top = result._reverse_row(p)["plausible"]["top"]
        rows.append({
            "book": name, "loss": _money(rv.target[p]),
            "AI shock k": "-" if rv.k[p] != rv.k[p] else f"{rv.k[p]:+.2f}",
            "plausible d": f"{rv.mahalanobis[p]:.2f}", "df": f"{rv.df[p]:.0f}",
            "P(farther)": f"{_tail(rv.mahalanobis[p], rv.df[p]):.2g}",
            f"{result.settings['market']} move": _pct(rv.market[p]),
            "most plausible shock (top holdings)": " ".join(
                f"{a['ticker']} {a['return']:+.1%}" for a in top[:4]),
        })
    print_table(rows)
    for p, name in enumerate(names):
        for why in (rv.k_reason[p], rv.plausible_reason[p]):
            if why:
                warn(f"{name}: {why}")
