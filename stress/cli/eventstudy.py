"""``stress event-study``: abnormal returns, tests, placebo inference and rebound."""

from __future__ import annotations

import click

from stress.cli._common import echo_json, parse_window, print_table, settings, warn
from stress.tables_out import write_frames

MODELS = ("market", "market-adjusted", "constant-mean", "factor")


@click.command("event-study")
@click.argument("event")
@click.argument("tickers", nargs=-1)
@click.option("--group", "groups", multiple=True, metavar="NAME",
              help="A group of configs/universe.yaml (repeatable); aggregated on its own.")
@click.option("--market", default=None, help="Market index ticker (default: the universe's, SPY).")
@click.option("--model", type=click.Choice(MODELS), default=None,
              help="Model of normal returns (default market; factor when --factors is given).")
@click.option("--factors", default=None, metavar="T1,T2", help="Factor tickers for --model factor, e.g. SPY,XLU.")
@click.option("--estimation", default="-250,-11", show_default=True, metavar="A,B",
              help="Estimation window in trading days relative to day 0.")
@click.option("--window", "windows", multiple=True, metavar="A,B",
              help="Event window (repeatable; default 0,0 -1,1 0,5 0,20).")
@click.option("--returns", "kind", type=click.Choice(["simple", "log"]), default="simple", show_default=True)
@click.option("--min-estimation", default=60, show_default=True, type=int,
              help="Fewest estimation returns an asset needs; fewer excludes it.")
@click.option("--placebo", default=None, type=click.IntRange(min=0), metavar="N",
              help="Placebo sessions drawn from the pool (default: every qualifying session, "
                   "up to 1000; warns if N is more than qualify; 0 skips).")
@click.option("--placebo-pool", default=250, show_default=True, type=click.IntRange(min=1),
              help="Sessions before day 0 that placebo dates come from (250: the pre-event year).")
@click.option("--seed", default=20250127, show_default=True, type=int, help="Seed of the placebo draw.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Write tidy CSVs: ar, car, tests, placebo, placebo_size, rebound.")
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
@click.pass_context
def event_study(ctx, event, tickers, groups, market, model, factors, estimation, windows, kind,
                min_estimation, placebo, placebo_pool, seed, out_dir, as_json) -> None:
    """Event study of TICKERS around EVENT (a catalogue id or a date YYYY-MM-DD).

    Day 0 is the first market session on or after the event date. Per asset: abnormal
    returns, CAR, BHAR, t; per window across assets and per group: CAAR with the Patell,
    BMP, Kolari-Pynnonen, crude-dependence, rank and generalised-sign tests; placebo
    p-values and a size check; the rebound to day +60. Formulas: docs/methods.md.

    \b
    Examples:
      stress --offline event-study deepseek-r1 VST CEG TLN NRG
      stress --offline event-study deepseek-r1 --group ai_power --group utilities --json
      stress --offline event-study 2025-01-27 VST --model factor --factors SPY,XLU
    """
    from stress.config import load_universe
    from stress.data.provider import load_closes
    from stress.events.catalogue import load_events
    from stress.eventstudy import EventStudySpec, run_event_study

    universe = load_universe()
    group_map = {name: list(universe.group(name).tickers) for name in dict.fromkeys(groups)}
    factor_list = tuple(f.strip().upper() for f in (factors or "").split(",") if f.strip())
    spec = EventStudySpec(
        model=model or ("factor" if factor_list else "market"),
        market=(market or universe.market),
        factors=factor_list,
        estimation=parse_window(estimation, "--estimation"),
        windows=tuple(parse_window(w) for w in windows) or EventStudySpec.windows,
        returns=kind,
        min_estimation=min_estimation,
        placebo=placebo,
        placebo_pool=placebo_pool,
        seed=seed,
    )
    if out_dir:  # checked before the work
        from stress.atomic import check_output_dir, check_output_names

        check_output_names(check_output_dir(out_dir), [f"{n}.csv" for n in _CSVS])
    catalogue = load_events()
    ev = catalogue.get(event)
    wanted = [t.upper() for t in tickers] + [t for m in group_map.values() for t in m]
    if not wanted:
        raise click.UsageError("give tickers or --group NAME (see configs/universe.yaml)")
    cfg = settings(ctx)
    from stress.data.unknown import group_origins, with_origin
    from stress.errors import UnknownTickers

    try:
        closes = load_closes(
            cfg.store(), [*wanted, spec.market, *spec.regressors], offline=cfg.offline,
            fetcher=cfg.fetcher(), warn=warn,
        )
    except UnknownTickers as exc:  # name configs/universe.yaml when the tickers came from it
        raise with_origin(exc, group_origins(universe, groups)) from None
    others = [e.date for e in catalogue if e.id != ev.id]
    result = run_event_study(closes, ev, tickers, spec, group_map, placebo_exclude=others)
    for line in result.warnings:
        warn(line)
    if out_dir:
        _write_csvs(result, out_dir)
    if as_json:
        echo_json(result.to_dict())
    else:
        _render(result)


_CSVS = {"ar": "ar", "car": "car", "tests": "tests", "placebo": "placebo",
         "placebo_size": "size", "rebound": "rebound"}


def _write_csvs(result, out_dir: str) -> None:
    paths = write_frames(out_dir, {name: result.to_frame(kind) for name, kind in _CSVS.items()})
    click.echo(f"wrote ar, car, tests, placebo, placebo_size, rebound CSVs to {paths[0].parent}", err=True)


def _pct(v) -> str | None:
    return None if v is None or v != v else f"{100 * v:.2f}%"


def _sp(stat, p) -> str:
    if stat != stat:
        return "-"
    return f"{stat:.2f} ({p:.3f})"


def _render(r) -> None:
    ev, spec = r.event, r.spec
    click.echo(f"{ev.id}: {ev.title}" if ev.title else ev.id)
    click.echo(f"event {ev.date}, {ev.note}; {spec.market} {_pct(ev.market_return_day0)} on day 0")
    model = spec.model + (f" on {','.join(spec.factors)}" if spec.factors else "")
    click.echo(f"model {model}, estimation [{spec.estimation[0]},{spec.estimation[1]}], {spec.returns} returns")
    click.echo("")
    rows = []
    for a in r.assets:
        row = {"ticker": a.ticker, "n_est": a.n_estimation,
               "beta": None if a.beta is None else f"{a.beta:.3f}", "sigma": _pct(a.sigma),
               "ret d0": _pct(a.return_day0), "AR d0": _pct(a.ar_day0)}
        for w in a.windows:
            label = f"[{w.window[0]},{w.window[1]}]"
            row[f"CAR{label}"] = _pct(w.car)
            row[f"t{label}"] = None if w.t != w.t else f"{w.t:.2f}"
        rows.append(row)
    click.echo("Per asset (t = CAR / sqrt(Var CAR), Student t with L1-k df)")
    print_table(rows)
    for title, aggs in [("all assets", r.aggregate)] + [(f"group {g.name}", g.aggregate) for g in r.groups]:
        click.echo("")
        click.echo(f"Aggregate, {title}: stat (p); naive = Patell, BMP; robust to clustering = KP, crude")

        def cs(g, name):  # a cross-sectional test, flagged "!" on a small sample
            return _sp(*g.tests[name]) + (" !" if g.small_sample else "")

        print_table([
            {"window": f"[{g.window[0]},{g.window[1]}]", "N": g.n, "CAAR": _pct(g.caar),
             "Patell": _sp(*g.tests["patell"]), "BMP": cs(g, "bmp"),
             "KP": cs(g, "kp"), "crude": _sp(*g.tests["crude"]),
             "rank": cs(g, "rank"), "gsign": cs(g, "gsign"),
             "r": None if g.mean_corr != g.mean_corr else f"{g.mean_corr:.2f}",
             "placebo p": None if g.placebo_p is None or g.placebo_p != g.placebo_p else f"{g.placebo_p:.3f}"}
            for g in aggs
        ])
        notes = {g.small_sample for g in aggs if g.small_sample}
        for note in sorted(notes):
            click.echo(f"! {note}")
    p = r.placebo
    if p is not None and p.windows:
        click.echo("")
        how = "every one that qualifies" if p.used == p.candidates else f"drawn from {p.candidates} that qualify"
        click.echo(
            f"Placebo: {p.used} sessions ({how} of the {p.pool} sessions before day 0; "
            f"{r.placebo_dates[0]} to {r.placebo_dates[-1]}), seed {p.seed}, {p.seconds:.2f} s"
        )
        click.echo(
            f"Size check: share of placebo dates each test rejects at {p.level:.0%} "
            f"(* above {p.flag_rate:.0%}; empirical p resolution 1/(M+1) = {1 / (p.used + 1):.3f})"
        )
        print_table([
            {"window": f"[{w.window[0]},{w.window[1]}]", "dates": w.n_dates,
             "CAAR 2.5%": _pct(w.placebo_q025), "CAAR 97.5%": _pct(w.placebo_q975),
             **{t: "-" if w.rejection[t] != w.rejection[t] else f"{w.rejection[t]:.1%}"
                + ("*" if t in w.flagged else "") for t in w.rejection}}
            for w in p.windows
        ])
    click.echo("")
    hs = r.rebound_assets.horizons
    click.echo("Rebound: CAR from day 0; recovered = 1 - CAR(0,h) / AR(0)")
    rows = []
    for rb in (r.rebound_assets, r.rebound_groups):
        for k, name in enumerate(rb.names):
            row = {"name": name, "AR d0": _pct(rb.path[0, k])}
            for j, h in enumerate(hs):
                row[f"CAR(0,{h})"] = _pct(rb.path[h, k]) if h < rb.path.shape[0] else None
                rec = rb.recovered[j, k]
                row[f"rec {h}"] = None if rec != rec else f"{100 * rec:.0f}%"
            rows.append(row)
    print_table(rows)
