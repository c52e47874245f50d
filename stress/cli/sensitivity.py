"""``stress sensitivity``: AI-shock sensitivity of each asset, event- and factor-based."""

from __future__ import annotations

import click

from stress.cli._common import CliError, echo_json, parse_window, print_table, settings, warn
from stress.tables_out import write_frames


def _csv_list(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    items = tuple(x.strip() for x in text.split(",") if x.strip())
    return items or None


@click.command()
@click.argument("tickers", nargs=-1)
@click.option("--group", "groups", multiple=True, help="Add a group of configs/universe.yaml (repeatable).")
@click.option("--events", "events", help="Catalogue ids, comma-separated (default: every up/down event).")
@click.option("--basket", help="Reference basket tickers, comma-separated (default: the ai_power group).")
@click.option("--factor", default="SMH", show_default=True,
              help="AI factor: a ticker or a long-short basket, e.g. VST+CEG-XLU.")
@click.option("--window", "window", default="0,0", show_default=True,
              help="The assets' abnormal-return window a,b around day 0.")
@click.option("--as-of", "as_of", help="Last session of the factor window, YYYY-MM-DD (default: the last date).")
@click.option("--factors", metavar="G1,G2",
              help="Also a joint event-based model on several basket shocks (groups of "
                   "configs/universe.yaml, each in its own DeepSeek units), e.g. ai_power,nuclear.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--out", type=click.Path(file_okay=False),
              help="Write sensitivity.csv, shocks.csv, comparison.csv and rolling.csv "
                   "(and multi_factor.csv) here.")
@click.pass_context
def sensitivity(ctx, tickers, groups, events, basket, factor, window, as_of, factors, as_json, out) -> None:
    """How much each asset moves per unit of AI-demand shock, two ways.

    Event-based b: WLS slope through the origin of the asset's abnormal returns on the
    events' shock sizes (the basket's day-0 abnormal return, in DeepSeek units: a repeat
    of deepseek-r1 moves the asset by -b). Factor-based beta_ai: daily loading on the AI
    factor (orthogonalised to the market), Newey-West standard errors. The comparison
    shows the DeepSeek move each method implies (event-based without DeepSeek itself)
    next to the actual abnormal return. Formulas: docs/methods.md.

    \b
    Example:
      stress --offline sensitivity --group ai_power --group utilities
      stress --offline sensitivity VST DUK --factor VST+CEG-XLU --json
      stress --offline sensitivity --group nuclear --factors ai_power,nuclear
    """
    from stress.analysis import load_market, sensitivities
    from stress.sensitivity.spec import SensitivitySpec

    s = settings(ctx)
    configs = s.configs()
    from stress.data.unknown import group_origins, with_origin
    from stress.errors import UnknownTickers

    names = [t.strip().upper() for t in tickers if t.strip()]
    origins = {}
    if groups:
        names += list(configs.universe.tickers(list(groups)))
        origins = group_origins(configs.universe, groups)
    if not names:
        raise CliError("name tickers or a --group, e.g. `stress sensitivity --group ai_power`", 2)
    spec = SensitivitySpec(
        tickers=tuple(dict.fromkeys(names)),
        events=_csv_list(events),
        basket=tuple(t.upper() for t in _csv_list(basket)) if basket else None,
        window=parse_window(window),
        factor=factor,
        as_of=as_of,
    )
    if out:  # checked before the work
        from stress.atomic import check_output_dir

        check_output_dir(out)
    progress = s.progress()
    progress.step("loading prices")
    md = load_market(s.source(), configs, [*spec.tickers, *(spec.basket or ()), *spec.factor_spec.tickers],
                     universe=True, warn=warn)
    progress.step(f"sensitivities of {len(spec.tickers)} assets")
    try:
        result = sensitivities(md, configs, spec, rolling=bool(out))
    except UnknownTickers as exc:  # name configs/universe.yaml when the tickers came from it
        raise with_origin(exc, origins) from None
    multi = _multi_factor(md, configs, spec, factors) if factors is not None else None
    progress.clear()
    for line in result.warnings:
        warn(line)
    if out:
        _write(result, out)
        if multi is not None:
            write_frames(out, {"multi_factor": multi}, index=("multi_factor",))
    if as_json:
        payload = result.to_dict()
        if multi is not None:
            payload["multi_factor"] = {"baskets": list(multi.attrs["baskets"]), "assets": [
                {"ticker": t, **{k: (None if v != v else v) for k, v in row.items()}}
                for t, row in multi.iterrows()]}
        echo_json(payload)
    else:
        _render(result)
        if multi is not None:
            _render_multi(multi)


def _multi_factor(md, configs, spec, factors: str):
    """The joint multi-basket event-based estimate (stress.sensitivity.multi)."""
    from stress.backtest.inputs import event_panel
    from stress.sensitivity.multi import multi_factor_table

    baskets = tuple(dict.fromkeys(x.strip() for x in factors.split(",") if x.strip()))
    if len(baskets) < 2:
        raise CliError(f"--factors {factors!r}: name two or more groups, e.g. ai_power,nuclear", 2)
    p = event_panel(md, configs, list(spec.tickers), events=spec.events, baskets=baskets,
                    factor=spec.factor, basket=spec.basket, window=spec.window, as_of=spec.as_of)
    table = multi_factor_table(p.actual, p.var, {g: p.shocks[g] for g in baskets}, p.tickers,
                               min_events=p.spec.min_events, level=p.spec.level)
    one = multi_factor_table(p.actual, p.var, {p.basket: p.shocks[p.basket]}, p.tickers,
                             min_events=p.spec.min_events)
    table["oos_r2_one"] = one["oos_r2"]  # the one-factor model of the main table
    table.attrs["baskets"] = baskets
    return table


def _render_multi(multi) -> None:
    baskets = multi.attrs["baskets"]
    click.echo("")
    click.echo(f"Multi-factor event-based b: joint WLS on the {' + '.join(baskets)} basket shocks, "
               "each in its own DeepSeek units; out-of-sample R2 (leave one event out) beside "
               "the one-factor model's.")
    rows = []
    for t, r in multi.iterrows():
        row = {"ticker": t}
        for g in baskets:
            row[f"b {g}"] = r[f"b_{g}"]
            row[f"95% CI {g}"] = _ci(r[f"ci_lo_{g}"], r[f"ci_hi_{g}"])
        row.update({"n": int(r["n_events"]), "R2": r["r2"], "OOS R2": r["oos_r2"],
                    "OOS R2 one-factor": r["oos_r2_one"]})
        rows.append(row)
    print_table(rows)


def _write(result, out: str) -> None:
    kinds = {"sensitivity": "table", "shocks": "shocks", "comparison": "comparison", "rolling": "rolling"}
    paths = write_frames(out, {name: result.to_frame(kind) for name, kind in kinds.items()},
                         index=("sensitivity", "shocks", "comparison"))
    click.echo(f"wrote {', '.join(p.name for p in paths)} to {paths[0].parent}", err=True)


def _ci(lo, hi) -> str:
    if lo != lo or hi != hi:
        return "-"
    return f"[{lo:+.3f}, {hi:+.3f}]"


def _render(result) -> None:
    st = result.settings
    n_ev = len(st["events_used"])
    click.echo(
        f"Event-based b: abnormal return per DeepSeek unit over window {st['window']}, "
        f"{n_ev} events, basket {'+'.join(st['basket'])} (a repeat of {st['reference']['id']} moves the asset by -b)."
    )
    click.echo(
        f"Factor-based beta_ai: daily loading on {st['factor']} orthogonalised to {st['market']}, "
        f"{st['factor_dates'][0]} to {st['factor_dates'][1]}, Newey-West SEs."
    )
    rows = []
    for t, r in result.table.iterrows():
        rows.append({
            "ticker": t, "group": r["group"], "b": r["b"], "se": r["se"],
            "95% CI": _ci(r["ci_lo"], r["ci_hi"]), "n": r["n_events"], "R2": r["r2"],
            "OOS R2": r["oos_r2"],
            "b_shrunk": r["b_shrunk"], "w": r["w_shrunk"],
            "beta_ai": r["beta_ai"], "se_ai": r["se_ai"], "95% CI ai": _ci(r["ci_ai_lo"], r["ci_ai_hi"]),
            "beta_mkt": r["beta_mkt"], "note": r["reason"] or r["factor_reason"] or "",
        })
    print_table(rows)
    comp = result.comparison
    if len(comp):
        c = st["comparison"]
        click.echo("")
        click.echo(
            f"Implied {c['event']} move vs actual abnormal return (window {c['window']}). "
            f"Event-based: oos = without {c['event']}, in = with it, pre = earlier events "
            f"only. Factor: loadings from {c['factor_window'][0]} to {c['factor_window'][1]}, "
            f"AI factor move {c['ai_factor_move']:+.4f}."
        )
        rows = [
            {
                "ticker": t, "actual AR": r["actual_ar"], "event (oos)": r["event_implied"],
                "95% CI": _ci(r["event_implied_lo"], r["event_implied_hi"]),
                "event (in)": r["event_implied_in"], "event (pre)": r["event_implied_pre"],
                "factor": r["factor_implied"],
                "95% CI f": _ci(r["factor_implied_lo"], r["factor_implied_hi"]),
                "+market part": r["factor_market_part"], "closer": r["closer"],
            }
            for t, r in comp.iterrows()
        ]
        print_table(rows)
