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
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--out", type=click.Path(file_okay=False),
              help="Write sensitivity.csv, shocks.csv, comparison.csv and rolling.csv here.")
@click.option("--no-cache", is_flag=True, help="Re-estimate even if a cached result exists.")
@click.pass_context
def sensitivity(ctx, tickers, groups, events, basket, factor, window, as_of, as_json, out, no_cache) -> None:
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
    """
    from stress.config import load_universe
    from stress.sensitivity.estimate import estimate_sensitivity
    from stress.sensitivity.spec import SensitivitySpec

    from stress.data.unknown import group_origins, with_origin
    from stress.errors import UnknownTickers

    names = [t.strip().upper() for t in tickers if t.strip()]
    origins = {}
    if groups:
        universe = load_universe()
        names += list(universe.tickers(list(groups)))
        origins = group_origins(universe, groups)
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
    s = settings(ctx)
    try:
        result = estimate_sensitivity(
            s.store(), spec, offline=s.offline, fetcher=s.fetcher(), rolling=bool(out),
            use_cache=not no_cache,
        )
    except UnknownTickers as exc:  # name configs/universe.yaml when the tickers came from it
        raise with_origin(exc, origins) from None
    for line in result.warnings:
        warn(line)
    if out:
        _write(result, out)
    if as_json:
        echo_json(result.to_dict())
    else:
        _render(result)


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
