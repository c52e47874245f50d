"""``stress event-study``: abnormal returns, tests, placebo inference and rebound."""

from __future__ import annotations

import click

from stress.cli._common import echo_json, parse_window, print_table, settings, warn
from stress import fmt
from stress.tables_out import write_frames

MODELS = ("market", "market-adjusted", "constant-mean", "factor")


@click.command("event-study")
@click.argument("args", nargs=-1, metavar="[EVENT] [TICKERS]...")
@click.option("--events", "event_ids", default=None, metavar="ID1,ID2",
              help="Pool several catalogue events (then every argument is a ticker).")
@click.option("--direction", "directions", multiple=True, type=click.Choice(["up", "down", "control"]),
              help="Pool the catalogue events of this direction (repeatable).")
@click.option("--kind", "kinds", multiple=True, metavar="KIND",
              help="Pool the catalogue events of this kind, e.g. nuclear-deal (repeatable).")
@click.option("--pairs", "pairs_file", type=click.Path(dir_okay=False), default=None,
              help="Pool the firm-events of a CSV ticker,date[,event], each on its own date.")
@click.option("--signed", is_flag=True,
              help="Pooled: flip the abnormal returns of down events (AI demand up is positive).")
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
def event_study(ctx, args, event_ids, directions, kinds, pairs_file, signed, groups, market, model, factors,
                estimation, windows, kind, min_estimation, placebo, placebo_pool, seed, out_dir,
                as_json) -> None:
    """Event study of TICKERS around EVENT (a catalogue id or a date YYYY-MM-DD).

    Pooled study over many firm-events: several ids (EVENT as ID1,ID2 or --events), a
    catalogue filter (--direction, --kind) or --pairs FILE; each firm-event gets its own
    day 0 and estimation window; CAAR and BHAR per window over all firm-events, per
    event and per group, with tests clustered by firm and date, the date-portfolio test,
    Kolari-Pynnonen adjusted Patell/BMP and GRANK, and Holm/BH adjusted p-values.

    Day 0 is the first market session on or after the event date. Per asset: abnormal
    returns, CAR, BHAR, t; per window across assets and per group: CAAR with the Patell,
    BMP, Kolari-Pynnonen, crude-dependence, rank and generalised-sign tests; placebo
    p-values and a size check; the rebound to day +60. Formulas: docs/methods.md.

    \b
    Examples:
      stress --offline event-study deepseek-r1 VST CEG TLN NRG
      stress --offline event-study deepseek-r1 --group ai_power --group utilities --json
      stress --offline event-study 2025-01-27 VST --model factor --factors SPY,XLU
      stress --offline event-study --direction up --group nuclear --group ai_power
      stress --offline event-study --pairs configs/pairs/utility_deals.csv
    """
    pooled = bool(event_ids or directions or kinds or pairs_file) or (args and "," in args[0])
    if pooled:
        from stress.cli.pooled import run_pooled_command

        if placebo is not None:
            raise click.UsageError("--placebo applies to a single-event study; a pooled study has no placebo run")

        if not (event_ids or directions or kinds or pairs_file):
            event_ids, args = args[0], args[1:]
        return run_pooled_command(ctx, args, event_ids, directions, kinds, pairs_file, signed, groups,
                                  market, model, factors, estimation, windows, kind, min_estimation,
                                  out_dir, as_json)
    if not args:
        raise click.UsageError("Missing argument 'EVENT' (a catalogue id or a date), or give a pooled "
                               "option (--events, --direction, --kind, --pairs)")
    event, tickers = args[0], args[1:]
    from dataclasses import replace

    from stress.analysis import event_study as study
    from stress.analysis import load_market, recovery
    from stress.data.unknown import group_origins, with_origin
    from stress.errors import UnknownTickers
    from stress.eventstudy.robust_single import robust_for
    from stress.eventstudy.study import resolve_event

    cfg = settings(ctx)
    configs = cfg.configs()
    universe = configs.universe
    group_map = {name: list(universe.group(name).tickers) for name in dict.fromkeys(groups)}
    spec = build_spec(universe, market, model, factors, estimation, windows, kind, min_estimation,
                      placebo=placebo, placebo_pool=placebo_pool, seed=seed)
    wanted = [t.upper() for t in tickers] + [t for m in group_map.values() for t in m]
    if not wanted:
        raise click.UsageError("give tickers or --group NAME (see configs/universe.yaml)")
    if out_dir:  # checked before the work
        from stress.atomic import check_output_dir, check_output_names

        check_output_names(check_output_dir(out_dir), [f"{n}.csv" for n in _CSVS])
    ev = resolve_event(event, configs.events)
    progress = cfg.progress()
    progress.step("loading prices")
    md = load_market(cfg.source(), configs, [*wanted, spec.market, *spec.regressors], warn=warn)
    progress.step(f"event study of {len(set(wanted))} assets with placebo dates")
    try:
        result = study(md, configs, ev, tickers, spec, group_map)
    except UnknownTickers as exc:  # name configs/universe.yaml when the tickers came from it
        raise with_origin(exc, group_origins(universe, groups)) from None
    progress.step("robust tests and their size check")
    extra = robust_for(md.closes, result, ev, tickers, group_map)
    progress.step("recovery to day +250")
    rec = recovery(md, configs, ev, tickers, replace(spec, model="market-adjusted", factors=()),
                   group_map)
    progress.clear()
    for line in result.warnings:
        warn(line)
    if out_dir:
        _write_csvs(result, out_dir, extra, rec)
    if as_json:
        echo_json({**result.to_dict(), **extra.to_dict(), "recovery": rec.to_dict()})
    else:
        _render(result, extra)
        _render_recovery(rec)


def build_spec(universe, market, model, factors, estimation, windows, kind, min_estimation, **extra):
    """The EventStudySpec of the command's options (shared by the single and pooled study)."""
    from stress.eventstudy import EventStudySpec

    factor_list = tuple(f.strip().upper() for f in (factors or "").split(",") if f.strip())
    return EventStudySpec(
        model=model or ("factor" if factor_list else "market"),
        market=(market or universe.market),
        factors=factor_list,
        estimation=parse_window(estimation, "--estimation"),
        windows=tuple(parse_window(w) for w in windows) or EventStudySpec.windows,
        returns=kind,
        min_estimation=min_estimation,
        **extra,
    )


#: CSV name -> the study result's frame kind (``--out``), then the robust and recovery tables
_STUDY_CSVS = {"ar": "ar", "car": "car", "tests": "tests", "placebo": "placebo",
               "placebo_size": "size", "rebound": "rebound", "confounders": "confounders"}
_CSVS = (*_STUDY_CSVS, "tests_adjusted", "robust_tests", "recovery_assets", "recovery_groups")


def _write_csvs(result, out_dir: str, extra, rec) -> None:
    frames = {name: result.to_frame(kind) for name, kind in _STUDY_CSVS.items()}
    frames.update(tests_adjusted=extra.to_frame("adjusted"), robust_tests=extra.to_frame("robust"),
                  recovery_assets=rec.to_frame("assets"), recovery_groups=rec.to_frame("groups"))
    paths = write_frames(out_dir, frames)
    click.echo(f"wrote {', '.join(frames)} CSVs to {paths[0].parent}", err=True)


def _render_recovery(rec) -> None:
    click.echo("")
    click.echo(f"Recovery (was the day-0 move reversed, and how fast?): sessions until the close "
               f"before day 0 was regained (fell) or given back (rose); CAR and BHAR from day 0, "
               f"market-adjusted returns (r - market); data to {rec.data_end}")
    print_table([{"ticker": a.ticker, "ret d0": _pct(a.move0),
                  "back after": None if a.sessions != a.sessions else f"{a.sessions:.0f}",
                  "on": a.date or f"not by {rec.data_end}",
                  **{f"CAR(0,{h})": _pct(a.car.get(h)) for h in rec.horizons},
                  **{f"BHAR(0,{h})": _pct(a.bhar.get(h)) for h in rec.horizons}}
                 for a in rec.assets])
    for g in rec.groups:
        click.echo(f"- {g.sentence}")


def _pct(v) -> str | None:
    return fmt.pct(v, 2, sign=False, missing=None)


def _sp(stat, p) -> str:
    if stat != stat:
        return "-"
    return f"{stat:.2f} ({p:.3f})"


def _padj(frame, scope, window, test) -> str:
    row = frame[(frame.scope == scope) & (frame.window == window) & (frame.test == test)].iloc[0]
    if row.p != row.p:
        return "-"
    return f"{row.p:.3f}; {row.p_holm:.3f}; {row.p_bh:.3f}"


def _render_robust(extra) -> None:
    click.echo("")
    click.echo("Robust tests and multiple testing: stat (p); p-values as raw; Holm; BH (per test over the "
               "scopes x windows shown)")
    adj = extra.adjusted
    print_table([
        {"scope": r.scope, "window": f"[{r.window[0]},{r.window[1]}]", "N": r.n,
         "KP p": _padj(adj, r.scope, f"[{r.window[0]},{r.window[1]}]", "kp"),
         "crude p": _padj(adj, r.scope, f"[{r.window[0]},{r.window[1]}]", "crude"),
         "rank p": _padj(adj, r.scope, f"[{r.window[0]},{r.window[1]}]", "rank"),
         "adj Patell": _sp(*r.tests["adj_patell"]),
         "GRANK": "-" if r.tests["grank"][0] != r.tests["grank"][0] else
                  f"{r.tests['grank'][0]:.2f} ({r.tests['grank'][1]:.3f}; {r.adjusted['grank']['holm']:.3f}; "
                  f"{r.adjusted['grank']['bh']:.3f})"}
        for r in extra.rows()
    ])


def _render(r, extra=None) -> None:
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
    if r.confounders:
        click.echo("")
        click.echo("Other catalogue events inside the windows or the rebound horizon "
                   "(their news is in these CARs too):")
        print_table([{"day": f"{c.day:+d}", "day0": c.day0, "event": c.id, "direction": c.direction,
                      "in windows": " ".join(f"[{a},{b}]" for a, b in c.windows) or "rebound only"}
                     for c in r.confounders])
    if extra is not None:
        _render_robust(extra)
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
                + ("*" if t in w.flagged else "") for t in w.rejection},
             **{t.replace("_", " "): "-" if v != v else f"{v:.1%}" + ("*" if v > p.flag_rate else "")
                for t, v in (extra.size.get(w.window, {}) if extra else {}).items()}}
            for w in p.windows
        ])
    click.echo("")
    hs = r.rebound_assets.horizons
    from stress.eventstudy.confounders import clean_until

    clean = clean_until(r.confounders)
    click.echo("Rebound: CAR from day 0; recovered = 1 - CAR(0,h) / AR(0)"
               + ("" if clean is None else f"; the event's own only up to day +{clean} "
                  f"(* horizons after the first other catalogue event)"))
    rows = []
    for rb in (r.rebound_assets, r.rebound_groups):
        for k, name in enumerate(rb.names):
            row = {"name": name, "AR d0": _pct(rb.path[0, k])}
            for j, h in enumerate(hs):
                star = "*" if clean is not None and h > clean else ""
                row[f"CAR(0,{h}){star}"] = _pct(rb.path[h, k]) if h < rb.path.shape[0] else None
                rec = rb.recovered[j, k]
                row[f"rec {h}"] = None if rec != rec else f"{100 * rec:.0f}%"
            rows.append(row)
    print_table(rows)
