"""``stress run --books FILE [--scenarios FILE] [--var] [--scheduler ADDRESS|local]``.

The batch path of ``stress run``: many books (a long table or a folder) against a
scenario set file and/or VaR/ES, chunk by chunk in process or on a Dask cluster
(docs/scaling.md). ``stress run`` hands over here as soon as one of the batch options
is given. Books are valued on stored closes as of one date exactly as single books are
(:func:`stress.portfolio.valuation.value_portfolios`); the normal window is the
``--cov-window`` sessions to that date, complete rows, with its mean and Ledoit-Wolf
covariance.
"""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from stress.cli._common import CliError, echo_json, print_table, settings, warn

#: single-book options that have no meaning in the batch path
_SINGLE = {"portfolios": "PORTFOLIO files", "scenario_ids": "--scenario", "all_scenarios":
           "--all-scenarios", "window": "--window", "shocks": "--shock", "customs": "--custom",
           "market_move": "--market-move", "reverse": "--reverse", "band": "--band",
           "top": "--top", "list_scenarios": "--list-scenarios"}
MIN_OBS = 60


def run_batch(ctx: click.Context, o: dict) -> None:
    """Parse, load, run, render; ``o`` holds the options of ``stress run``."""
    from stress.portfolio.batch import read_books
    from stress.data.scenario_files import read_scenario_set

    from click.core import ParameterSource

    given = [name for key, name in _SINGLE.items()
             if ctx.get_parameter_source(key) in (ParameterSource.COMMANDLINE,
                                                  ParameterSource.ENVIRONMENT)]
    if given:
        raise CliError(f"{', '.join(given)}: not available with --books; a batch runs a "
                       "--scenarios FILE and/or --var", 2)
    if not o["books"]:
        raise CliError("--scenarios, --scheduler, --chunk-size and --grid-out need --books FILE", 2)
    if not (o["scenario_set"] or o["with_var"]):
        raise CliError("--books: nothing to run: give --scenarios FILE and/or --var", 2)
    if o["grid_out"] and not o["scenario_set"]:
        raise CliError("--grid-out: the grid is books x the --scenarios FILE; give one", 2)
    chunk = o["chunk_size"] or 20_000
    batch = read_books(o["books"], merge_duplicates=o["merge_duplicates"],
                       cash_remainder=o["cash_remainder"])
    scen = read_scenario_set(o["scenario_set"]) if o["scenario_set"] else None
    warnings: list[str] = list(batch.warnings)
    data = _load(ctx, batch, scen, o, warnings)
    result, grid_rows = _compute(data, scen, o, chunk, warnings)
    for line in dict.fromkeys(warnings):
        warn(line)
    if o["out_dir"]:
        from stress.tables_out import write_frames

        frames = {"var": result.to_frame()}
        if scen is not None:
            frames["contributions"] = _contributions(data, scen, chunk)
        paths = write_frames(Path(o["out_dir"]), frames)
        click.echo(f"wrote {', '.join(p.name for p in paths)} to {o['out_dir']}", err=True)
    settings_ = {"as_of": data["as_of"], "books": len(batch.books), "assets": len(data["tickers"]),
                 "scenarios": scen.n if scen else 0, "cov_start": data["start"],
                 "cov_end": data["end"], "cov_obs": int(data["window"].shape[0]),
                 "horizon": o["horizon"], "sims": o["sims"] if o["with_var"] else 0,
                 "seed": o["seed"], "chunk_size": chunk, "scheduler": o["scheduler"] or "in-process",
                 "grid_rows": grid_rows}
    if o["as_json"]:
        echo_json({"settings": settings_, **result.to_dict(), "warnings": list(dict.fromkeys(warnings))})
    else:
        _render(result, settings_)


def _load(ctx, batch, scen, o, warnings) -> dict:
    """Closes on the market's sessions, valued books, the window's returns and moments."""
    import pandas as pd

    from stress.analysis import load_market
    from stress.portfolio.valuation import value_portfolios
    from stress.risk import ledoit_wolf

    s = settings(ctx)
    configs = s.configs()
    market = configs.universe.market
    held = list(batch.tickers)
    # set columns matter only when a held ticker is not one of them (propagation)
    cols = list(scen.columns) if scen and any(t not in scen.columns for t in held) else []
    wanted = list(dict.fromkeys(held + cols + [market]))
    # unknown held tickers come back as all-NaN columns: the valuation names books and lines
    md = load_market(s.source(), configs, wanted, warn=warnings.append)
    closes = md.closes
    unpriced = [c for c in cols if c not in held and not md.has(c)]
    if unpriced:
        raise CliError(f"{scen.source}: columns {' '.join(unpriced)} have no prices in the store, "
                       "and held tickers missing from the set are propagated from the columns: "
                       "give every held ticker a column, or import/fetch those", 2)
    books = value_portfolios(batch.books, closes[held], as_of=o["as_of"], nav=o["nav"])
    as_of = books[0].as_of if books else f"{closes.index.max():%Y-%m-%d}"
    col = {t: j for j, t in enumerate(held)}
    values = np.zeros((len(books), len(held)))
    for p, b in enumerate(books):
        np.add.at(values[p], [col[t] for t in b.tickers], b.values)
    rets = md.returns.loc[: pd.Timestamp(as_of)].tail(o["cov_window"])
    union = list(dict.fromkeys(held + cols))  # the order set_exposure expects (union_tickers)
    full = rets[held].dropna()
    if len(full) < MIN_OBS:
        raise CliError(f"covariance window ({o['cov_window']} sessions to {as_of}): only "
                       f"{len(full)} complete days of the held tickers, fewer than {MIN_OBS}", 1)
    if len(full) < len(rets):
        warnings.append(f"covariance window shortened to {len(full)} complete days of {len(rets)}")
    x = full.to_numpy()
    cov, _ = ledoit_wolf(x)
    set_cov = None
    if cols:
        both = rets[union].dropna()
        if len(both) < MIN_OBS:
            raise CliError(f"scenario set: only {len(both)} complete days of the held tickers and "
                           f"its columns to {as_of}; need {MIN_OBS} to propagate", 1)
        set_cov, _ = ledoit_wolf(both.to_numpy())
    return {"as_of": as_of, "books": books, "tickers": tuple(held), "values": values,
            "nav": np.array([b.nav for b in books]), "names": [b.name for b in books],
            "window": x, "mean": x.mean(axis=0), "cov": cov, "set_cov": set_cov,
            "start": f"{full.index[0]:%Y-%m-%d}", "end": f"{full.index[-1]:%Y-%m-%d}"}


def _compute(d: dict, scen, o: dict, chunk: int, warnings: list[str]):
    from functools import partial

    from stress.risk.chunked import check_size, plan, tail_var
    from stress.scale import available_memory

    limit = int(0.8 * available_memory())  # what this machine can still give, before any work
    from stress.scale.books_var import METHODS, batch_var, set_exposure

    methods = METHODS if o["with_var"] else ("scenarios",)
    kw = dict(window=d["window"], mean=d["mean"], cov=d["cov"], scenarios=scen,
              set_cov=d["set_cov"], methods=methods, horizon=o["horizon"], n_sims=o["sims"],
              seed=o["seed"], chunk=chunk)
    grid_rows = 0
    if o["grid_out"]:
        from stress.scale.grid_parquet import write_grid

        expo, _ = set_exposure(d["values"], d["tickers"], scen, d["set_cov"])
        p = plan(scen.n, len(d["names"]), (), chunk)
        check_size(p, expo.weights.shape[1], scen.n * len(scen.columns), grid=True, limit=limit)
        grid_rows = write_grid(o["grid_out"], scen, expo, p, d["names"], scen.ids)
        click.echo(f"wrote {grid_rows:,} grid rows to {o['grid_out']}", err=True)
    if not o["scheduler"]:
        result = batch_var(d["values"], d["tickers"], d["nav"], d["names"], engine=tail_var,
                           check=partial(check_size, limit=limit), **kw)
    else:
        from stress.scale.dask_engine import DaskEngine, connect

        with connect(o["scheduler"]) as client:
            result = batch_var(d["values"], d["tickers"], d["nav"], d["names"],
                               engine=DaskEngine(client), **kw)
    warnings.extend(result.notes)
    return result, grid_rows


def _contributions(d: dict, scen, chunk: int):
    """ES 99% contributions of every position under the scenario set, one row each."""
    import pandas as pd

    from stress.scale.books_var import set_contributions

    contrib = set_contributions(d["values"], d["tickers"], scen, d["set_cov"], 0.99, chunk)
    col = {t: j for j, t in enumerate(d["tickers"])}
    rows = []
    for p, book in enumerate(d["books"]):
        es = contrib[p].sum()
        for t in dict.fromkeys(book.tickers):
            j = col[t]
            rows.append({"book": book.name, "ticker": t, "value": float(d["values"][p, j]),
                         "es_0.99_contribution": float(contrib[p, j]),
                         "share": float(contrib[p, j] / es) if es else float("nan")})
    return pd.DataFrame(rows)


def _render(result, st: dict) -> None:
    click.echo(f"{st['books']:,} books valued as of {st['as_of']} on {st['assets']} assets; "
               f"window {st['cov_obs']} days {st['cov_start']} to {st['cov_end']}; "
               f"horizon {st['horizon']} session(s); {st['scheduler']}")
    if result.worst:
        click.echo(f"\nWorst scenario of {st['scenarios']:,} per book")
        print_table([{"book": n, "nav": f"{result.nav[p]:,.0f}", "scenario": result.worst["scenario"][p],
                      "pnl": f"{-result.worst['loss'][p]:,.0f}",
                      "pnl %": f"{-result.worst['loss'][p] / result.nav[p]:+.2%}"}
                     for p, n in enumerate(result.names)])
    click.echo("\nVaR / ES, % of NAV (losses positive); n = scenarios, draws or days")
    rows = []
    for p, name in enumerate(result.names):
        for m in result.var:
            row = {"book": name, "method": m, "n": result.n[m] or "-"}
            for a in result.confidences:
                row[f"VaR{a:.0%}"] = f"{result.var[m][a][p] / result.nav[p]:+.2%}"
                row[f"ES{a:.0%}"] = f"{result.es[m][a][p] / result.nav[p]:+.2%}"
            rows.append(row)
    print_table(rows)
