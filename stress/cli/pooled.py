"""``stress event-study`` over many firm-events (several events, a filter, --pairs)."""

from __future__ import annotations

import click

from stress.cli._common import echo_json, print_table, settings, warn
from stress.tables_out import write_frames


def run_pooled_command(ctx, tickers, event_ids, directions, kinds, pairs_file, signed, groups, market,
                       model, factors, estimation, windows, kind, min_estimation, out_dir, as_json) -> None:
    from stress.analysis import load_market
    from stress.cli.eventstudy import build_spec
    from stress.config import read_pairs
    from stress.eventstudy.pairs import from_catalogue
    from stress.eventstudy.pooled import run_pooled_study, select_events

    cfg = settings(ctx)
    configs = cfg.configs()
    universe = configs.universe
    group_map = {name: list(universe.group(name).tickers) for name in dict.fromkeys(groups)}
    spec = build_spec(universe, market, model, factors, estimation, windows, kind, min_estimation, placebo=0)
    catalogue = configs.events
    if pairs_file:
        if event_ids or directions or kinds or tickers:
            raise click.UsageError("--pairs gives the firm-events: no EVENT, TICKERS, --events, --direction or --kind with it")
        firm_events = read_pairs(pairs_file, catalogue)
    else:
        ids = [i.strip() for i in (event_ids or "").split(",") if i.strip()] or None
        events = select_events(catalogue, ids, directions or None, kinds or None)
        wanted = [t.upper() for t in tickers] + [t for m in group_map.values() for t in m]
        if not wanted:
            raise click.UsageError("give tickers or --group NAME (see configs/universe.yaml)")
        firm_events = from_catalogue(events, wanted)
    needed = list(dict.fromkeys([fe.ticker for fe in firm_events] + [spec.market, *spec.regressors]))
    progress = cfg.progress()
    progress.step("loading prices")
    md = load_market(cfg.source(), configs, needed, warn=warn)
    for fe in firm_events:  # name the file line of a ticker without prices
        if not md.has(fe.ticker):
            from stress.errors import InputError

            raise InputError(f"{fe.where}: no prices for {fe.ticker} in the store "
                             f"(`stress prices import PATH` or `stress prices fetch {fe.ticker}` online)")
    progress.step(f"pooled study of {len(firm_events)} firm-events")
    result = run_pooled_study(md.closes, firm_events, spec, group_map, signed=signed)
    progress.clear()
    for line in result.warnings:
        warn(line)
    if out_dir:
        paths = write_frames(out_dir, {"pooled_tests": result.to_frame("tests"),
                                       "firm_events": result.to_frame("firm_events")})
        click.echo(f"wrote pooled_tests, firm_events CSVs to {paths[0].parent}", err=True)
    if as_json:
        echo_json(result.to_dict())
    else:
        render(result)


def _pct(v) -> str | None:
    return None if v is None or v != v else f"{100 * v:.2f}%"


def _sp(test, r, adjusted: bool = False) -> str:
    stat, p = r.tests[test]
    if stat != stat:
        return "-"
    if adjusted:
        a = r.adjusted[test]
        return f"{stat:.2f} ({p:.3f}; {a['holm']:.3f}; {a['bh']:.3f})"
    return f"{stat:.2f} ({p:.3f})"


def render(result) -> None:
    spec, rows = result.spec, result.rows
    top = rows[0]
    n_events = len({r.scope for r in rows if r.scope_kind == "event"})
    included = sum(f.included for f in result.firm_events)
    click.echo(f"Pooled event study: {included} firm-events, {top.firms} distinct firms, "
               f"{len({f.day0 for f in result.firm_events if f.included})} distinct dates, {n_events} events")
    model = spec.model + (f" on {','.join(spec.factors)}" if spec.factors else "")
    click.echo(f"model {model}, estimation [{spec.estimation[0]},{spec.estimation[1]}] per firm-event, "
               f"{spec.returns} returns; day 0 = first session on or after each date")
    for note in result.notes:
        click.echo(note)
    click.echo("Tests: stat (p); naive = Patell, BMP; clustered = mean SCAR with two-way SEs by firm and "
               "date, stat (p; Holm; BH over scopes x windows); date-portf = SCAR averaged per date, t across "
               "dates; adj = Kolari-Pynnonen (2010); GRANK = Kolari-Pynnonen (2011)")
    for scope_kind in ("all", "group"):
        for name in dict.fromkeys(r.scope for r in rows if r.scope_kind == scope_kind):
            click.echo("")
            click.echo("All firm-events" if scope_kind == "all" else f"Group {name}")
            print_table([
                {"window": f"[{r.window[0]},{r.window[1]}]", "N": r.n, "firms": r.firms, "dates": r.dates,
                 "CAAR": _pct(r.caar), "BHAR": _pct(r.mean_bhar), "Patell": _sp("patell", r), "BMP": _sp("bmp", r),
                 "clustered": _sp("clustered", r, True), "date-portf": _sp("date_portfolio", r),
                 "adj Patell": _sp("adj_patell", r), "adj BMP": _sp("adj_bmp", r), "GRANK": _sp("grank", r)}
                for r in rows if r.scope_kind == scope_kind and r.scope == name
            ])
    click.echo("")
    first = rows[0].window
    click.echo(f"Per event, window [{first[0]},{first[1]}] (one date each: the clustered and date-portfolio "
               f"tests need several dates; every window in --json and --out)")
    print_table([
        {"event": r.scope, "window": f"[{r.window[0]},{r.window[1]}]", "N": r.n, "CAAR": _pct(r.caar),
         "BHAR": _pct(r.mean_bhar), "BMP": _sp("bmp", r), "adj BMP": _sp("adj_bmp", r, True),
         "GRANK": _sp("grank", r)}
        for r in rows if r.scope_kind == "event" and r.window == first
    ])
