"""``stress run``: portfolios through scenarios, with VaR/ES and reverse stress."""

from __future__ import annotations

from pathlib import Path

import click

from stress.cli._common import CliError, echo_json, parse_window, print_table, settings, warn
from stress import fmt
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
@click.option("--books", type=click.Path(exists=True), default=None, metavar="FILE",
              help="A batch of books: long table book,ticker,shares|weight|value (CSV, Parquet) or a folder.")
@click.option("--scenarios", "scenario_set", type=click.Path(exists=True, dir_okay=False),
              default=None, metavar="FILE", help="A scenario set: one row per scenario, one column per ticker.")
@click.option("--scheduler", default=None, metavar="ADDRESS|local",
              help="Run the batch on a Dask scheduler (tcp://host:8786) or a local 2-process cluster.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=None, metavar="N",
              help="Scenarios per chunk of the batch [default: 20000].")
@click.option("--grid-out", type=click.Path(dir_okay=False), default=None, metavar="FILE.parquet",
              help="Stream the batch's books x scenarios P&L grid to a Parquet file.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Write grid.csv, positions.csv (and var.csv, reverse.csv) to DIR; with --books: "
                   "var.csv, contributions.csv.")
@click.pass_context
def run(ctx: click.Context, portfolios, scenario_ids, all_scenarios, window, shocks, market_move,
        customs, as_of, nav, cash_remainder, merge_duplicates, cov_window, horizon, with_var,
        sims, seed, reverse, band, top, list_scenarios, books, scenario_set, scheduler,
        chunk_size, grid_out, as_json, out_dir) -> None:
    """Run portfolio files (CSV or YAML) through scenarios: P&L per book and position.

    Without a scenario option, replays DeepSeek R1's day 0.

    \b
    Examples:
      stress --offline run configs/portfolios/*.csv --all-scenarios
      stress --offline run configs/portfolios/ai_power.csv --scenario deepseek-r1 --window 0,4
      stress --offline run configs/portfolios/nuclear.csv --shock -1 --custom "VST=-0.30,SPY=-0.02"
      stress --offline run configs/portfolios/ai_power.csv --var --reverse 0.10 --json
      stress --offline run --books books.csv --scenarios set.parquet --var --scheduler local
    """
    if books or scenario_set or scheduler or chunk_size or grid_out:  # the batch path
        from stress.cli.run_batch import run_batch

        return run_batch(ctx, {k: v for k, v in locals().items() if k != "ctx"})
    from stress.analysis import book_tickers, load_market, stress_books
    from stress.portfolio.files import read_portfolio
    from stress.scenarios.runner import RunOptions

    s = settings(ctx)
    configs = s.configs()
    if list_scenarios:
        _list(configs.scenarios, as_json)
        return
    if not portfolios:
        raise click.UsageError("name at least one PORTFOLIO file (CSV or YAML), or --list-scenarios")
    files = [read_portfolio(p, merge_duplicates=merge_duplicates, cash_remainder=cash_remainder)
             for p in _expand(portfolios)]
    if out_dir:  # checked before the work
        from stress.atomic import check_output_dir

        check_output_dir(out_dir)
    specs = _specs(configs.scenarios, scenario_ids, all_scenarios, window, shocks, market_move, customs)
    options = RunOptions(as_of=as_of, nav=nav, cov_window=cov_window, horizon=horizon, band=band,
                         var=with_var, n_sims=sims, seed=seed, reverse=reverse,
                         market_move=market_move, top=top)
    progress = s.progress()
    progress.step("loading prices")
    md = load_market(s.source(), configs, book_tickers(files, specs), universe=True, warn=warn)
    result = stress_books(md, configs, files, specs, options, progress=progress.step)
    progress.clear()
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
    frames = {"grid": result.to_frame("grid"), "positions": result.to_frame("positions")}
    if any(b.var for b in result.books):
        frames["var"] = result.to_frame("var")
    if any(b.reverse is not None for b in result.books):
        frames["reverse"] = result.to_frame("reverse")
    paths = write_frames(out, frames)
    click.echo(f"wrote {', '.join(p.name for p in paths)} to {out}", err=True)


# ---- terminal output ----------------------------------------------------------------------
def _pct(x: float, digits: int = 2) -> str:
    return fmt.pct(x, digits, missing="-")


def _money(x: float) -> str:
    return fmt.money(x, missing="-")


def _render(result) -> None:
    runs, books = result.books, result.portfolios
    names = _labels(books)
    for run, name in zip(runs, names):
        st = run.settings
        click.echo(f"{name}: valued as of {run.as_of}; covariance {st['cov_obs']} days "
                   f"{st['cov_start']} to {st['cov_end']} over {st['cov_assets']} assets "
                   f"(Ledoit-Wolf, shrinkage {st['cov_shrinkage']:.2f}); bands {run.grid.level:.0%}")
    click.echo("")
    specs = result.specs
    if len(runs) == 1:
        run = runs[0]
        g = run.grid
        rows = [{"scenario": i.spec.id, "kind": i.spec.kind, "pnl": _money(g.pnl[0, s]),
                 "pnl %": _pct(g.pnl_pct[0, s]),
                 "band": "-" if not g.pnl_sd[0, s] else
                 f"{_money(g.lower[0, s])} .. {_money(g.upper[0, s])}",
                 "note": _note(run, s)}
                for s, i in enumerate(run.scenarios)]
        click.echo(f"{names[0]}  NAV {_money(books[0].nav)}")
        print_table(rows, ["scenario", "kind", "pnl", "pnl %", "band", "note"])
    else:
        click.echo("P&L, % of NAV (rows: scenarios; columns: books; ! = a held asset's linear "
                   "return is below -100%, not attainable)")
        pct = result.pnl_pct
        rows = [{"scenario": sp.id, **{n: _pct(pct[p, s]) + ("!" if _note(runs[p], s) else "")
                                       for p, n in enumerate(names)}}
                for s, sp in enumerate(specs)]
        rows.append({"scenario": "NAV", **{n: _money(b.nav) for n, b in zip(names, books)}})
        print_table(rows, ["scenario", *names])
    for s, sp in enumerate(specs):
        if sp.kind == "custom":
            for run, name in zip(runs, names):
                i = run.scenarios[s]
                click.echo(f"\n{sp.id} ({name}): plausibility: Mahalanobis distance "
                           f"{i.mahalanobis:.2f} over {i.df} shocked asset(s), chi2 percentile "
                           f"{i.percentile:.6f}, a shock this far or farther has probability "
                           f"{_tail(i.mahalanobis, i.df):.2g}")
    for run, name in zip(runs, names):
        scen = run.scenarios
        shown = range(len(scen)) if len(scen) <= 2 else [run.worst()]
        for s in shown:
            losers = run.top_losers(s)
            label = "" if len(scen) <= 2 else " (its worst scenario)"
            note = _note(run, s)
            click.echo(f"\n{name}: top losers in {scen[s].spec.id}{label}: "
                       f"P&L {_money(run.grid.pnl[0, s])} ({_pct(run.grid.pnl_pct[0, s])})"
                       + (f"; {note}" if note else ""))
            print_table([{"ticker": r["ticker"], "value": _money(r["value"]),
                          "return": _pct(r["return"]), "pnl": _money(r["pnl"]),
                          "share": _pct(r["share"], 1), "source": r["source"]} for r in losers]
                        or [{"ticker": "(no losing position)"}])
    if any(r.var for r in runs):
        _render_var(runs, names)
    if any(r.reverse is not None for r in runs):
        _render_reverse(runs, names)


def _note(run, s: int) -> str:
    from stress.scenarios.result import _beyond_note

    return _beyond_note(run.beyond_total_loss(s))


def _tail(d: float, df: float) -> float:
    """Probability that a draw of the fitted normal is at least this Mahalanobis distance away."""
    from stress.distributions import chi2_sf

    return float("nan") if d != d or not df else float(chi2_sf(d * d, df))


def _labels(books) -> list[str]:
    names = [b.name for b in books]
    return names if len(set(names)) == len(names) else [b.file for b in books]


def _render_var(runs, names) -> None:
    click.echo(f"\nVaR / ES, % of NAV, horizon {runs[0].settings['horizon']} session(s) "
               "(losses positive)")
    rows = []
    for run, name in zip(runs, names):
        for r in run.var_rows():
            key = (r["regime"], r["method"])
            if rows and rows[-1]["_key"] == (name, *key):
                row = rows[-1]
            else:
                row = {"_key": (name, *key), "book": name,
                       "regime": f"{r['regime']} ({r['start']}..{r['end']})", "method": r["method"]}
                rows.append(row)
            row[f"VaR{r['confidence']:.0%}"] = _pct(r["var_pct"])
            row[f"ES{r['confidence']:.0%}"] = _pct(r["es_pct"])
            notes = [x for x in (row.get("note", "").split("; ") + [r["reason"], r["note"]]) if x]
            row["note"] = "; ".join(dict.fromkeys(notes))
    print_table(rows, ["book", "regime", "method", "VaR95%", "ES95%", "VaR99%", "ES99%", "note"])


def _render_reverse(runs, names) -> None:
    loss = next(r.reverse.loss for r in runs if r.reverse is not None)
    click.echo(f"\nReverse stress: shocks that lose {loss:.1%} of NAV")
    rows = []
    for run, name in zip(runs, names):
        r = run.reverse_row()
        ai, pl = r["ai_shock"], r["plausible"]
        rows.append({
            "book": name, "loss": _money(r["target"]),
            "AI shock k": "-" if ai["k"] != ai["k"] else
            f"{ai['k']:+.2f}" + (" (not attainable)" if ai["note"] else ""),
            "plausible d": f"{pl['mahalanobis']:.2f}", "df": f"{pl['df']:.0f}",
            "P(farther)": f"{_tail(pl['mahalanobis'], pl['df']):.2g}",
            f"{run.settings['market']} move": _pct(pl["market_move"]),
            "most plausible shock (top holdings)": " ".join(
                f"{a['ticker']} {a['return']:+.1%}" for a in pl["top"][:4]),
        })
    print_table(rows)
    for run, name in zip(runs, names):
        for why in (run.reverse.k_reason[0], run.reverse.plausible_reason[0]):
            if why:
                warn(f"{name}: {why}")
