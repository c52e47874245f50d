"""``stress backtest``: how well the sensitivity, VaR/ES and propagation models did.

The commands parse, read the data through :mod:`stress.backtest.inputs` (the one
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
@click.option("--horizon", type=int, default=1, show_default=True, metavar="H",
              help="Sessions per test period (H > 1: non-overlapping H-day periods).")
@click.option("--sims", type=int, default=10_000, show_default=True, help="Monte Carlo draws per day.")
@click.option("--null-sims", type=int, default=2000, show_default=True,
              help="Simulations of the Z2 statistic under the null.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--nav", type=float, default=None, help="Notional NAV of weight books [default: 1,000,000].")
@_JSON
@_out("<book>_coverage.csv, <book>_exceptions.csv and <book>_forecasts.csv (<book>: the file name)")
@click.pass_context
def var(ctx, portfolios, window, min_obs, confidences, horizon, sims, null_sims, seed, nav, as_json,
        out) -> None:
    """Rolling one-day (or H-day) VaR/ES of each book, its exceptions and coverage tests.

    Today's positions are held fixed over the book's history; each test day's VaR/ES
    (historical, normal, Monte Carlo) uses the WINDOW sessions before it. Kupiec,
    Christoffersen, the Basel traffic light (last 250 days at 99%) and the
    Acerbi-Szekely Z2 test of ES. Formulas: docs/methods.md, Backtests.

    \b
    Example:
      stress --offline backtest var configs/portfolios/ai_power.csv --json
    """
    if window < 2 or min_obs < 2 or min_obs > window:
        raise CliError(f"--window {window} --min-obs {min_obs}: need 2 <= min-obs <= window", 2)
    confidences = tuple(confidences) or (0.95, 0.99)
    bad = [c for c in confidences if not 0 < c < 1]
    if bad:
        raise CliError(f"--confidence {bad[0]}: a level strictly between 0 and 1, e.g. 0.99", 2)
    if horizon < 1 or horizon > min_obs:
        raise CliError(f"--horizon {horizon}: a whole number of sessions from 1 to --min-obs", 2)
    if sims < 100:
        raise CliError(f"--sims {sims}: at least 100 draws", 2)
    if null_sims < 0:
        raise CliError(f"--null-sims {null_sims}: 0 (use the tabulated Z2 threshold) or more", 2)
    from stress.analysis import backtest_var, load_market
    from stress.portfolio.files import read_portfolio

    st = settings(ctx)
    configs = st.configs()
    files = [read_portfolio(p) for p in portfolios]
    md = load_market(st.source(), configs, [t for f in files for t in f.tickers], warn=warn)
    results, warnings = backtest_var(md, configs, files, nav=nav, window=window, min_obs=min_obs,
                                     confidences=confidences, horizon=horizon, n_sims=sims,
                                     null_sims=null_sims, seed=seed)
    stems = [_stem(f.path) for f in files]
    for line in warnings:
        warn(line)
    if out:
        if len(set(stems)) < len(stems):
            raise CliError("--out: two books have the same file name; run them separately", 2)
        frames = {}
        for stem, r in zip(stems, results):
            for kind in ("coverage", "exceptions", "forecasts"):
                frames[f"{stem}_{kind}"] = r.to_frame(kind)
        _write(out, frames, index=[f"{stem}_forecasts" for stem in stems])
    if as_json:
        echo_json({"books": [r.to_dict() for r in results]})
        return
    for r in results:
        _render_var(r)


def _stem(path: str) -> str:
    import re
    from pathlib import Path

    return re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(path).stem)


def _render_var(r) -> None:
    st = r.settings
    what = "test days" if st["horizon"] == 1 else f"non-overlapping {st['horizon']}-day periods from"
    click.echo(f"{r.book}: NAV {r.nav:,.0f}; {st['n_test']} {what} {st['first_test']} to "
               f"{st['last_test']}; window {st['window']} sessions before each day (at least "
               f"{st['min_obs']} complete); positions fixed at today's values")
    rows = [{
        "method": c["method"], "conf": f"{c['confidence']:.1%}", "n": c["n"],
        "exceptions": c["hits"], "expected": f"{c['expected']:.1f}", "rate": f"{c['rate']:.2%}",
        "LR_pof": c["lr_pof"], "p_pof": c["p_pof"], "LR_ind": c["lr_ind"], "p_ind": c["p_ind"],
        "LR_cc": c["lr_cc"], "p_cc": c["p_cc"], "Z2": c["z2"], "Z2 crit": c["z2_critical"],
        "p_Z2": c["z2_p"],
        "Basel": f"{c['basel_zone']} {c['basel_hits']}/{c['basel_n']}" if st["horizon"] == 1 else "-",
    } for _, c in r.coverage.iterrows()]
    print_table(rows)
    exc = r.exceptions
    top = max(st["confidences"])
    hi = exc[exc["confidence"] == top]
    if len(hi):
        click.echo(f"\nExceptions at {top:.0%} (loss and VaR in % of NAV; methods that were broken):")
        rows = []
        for date, g in hi.groupby("date", sort=True):
            rows.append({"date": date, **({"end": g["end"].iloc[0]} if st["horizon"] > 1 else {}),
                         "loss %": f"{g['loss_pct'].iloc[0]:.2%}",
                         **{m: (f"{g.loc[g['method'] == m, 'var_pct'].iloc[0]:.2%}"
                                if (g["method"] == m).any() else "")
                            for m in st["methods"]},
                         "event": g["event"].iloc[0]})
        print_table(rows)
    click.echo("\n" + r.summary() + "\n")


# ---- sensitivity ----------------------------------------------------------------------------
@backtest.command("sensitivity")
@click.argument("tickers", nargs=-1)
@click.option("--group", "groups", multiple=True,
              help="Add a group of configs/universe.yaml (repeatable) [default: every group but "
                   "the basket's and the market's].")
@click.option("--events", help="Catalogue ids, comma-separated (default: every up/down event).")
@click.option("--factors", metavar="G1,G2",
              help="Baskets (groups of configs/universe.yaml) of a joint multi-factor model, "
                   "e.g. ai_power,nuclear; scored beside the one-factor model.")
@click.option("--factor", default="SMH", show_default=True, help="AI factor of beta_ai (see `stress sensitivity`).")
@click.option("--band", type=float, default=0.90, show_default=True, help="Level of the prediction bands.")
@_JSON
@_out("by_group.csv, by_asset.csv, by_event.csv and predictions.csv")
@click.pass_context
def sensitivity(ctx, tickers, groups, events, factors, factor, band, as_json, out) -> None:
    """Leave one event out: predict each event's day-0 abnormal returns without it.

    For every AI-demand event and asset: b from the other events, the predicted AR
    b x s with its band, against the actual AR; beta_ai x AI move with loadings up to
    the day before the event. Scores per asset and group: out-of-sample R^2,
    correlation, sign hit rate, band coverage, mean error; per event the groups the
    one-factor model missed. Formulas: docs/methods.md, Backtests.

    \b
    Example:
      stress --offline backtest sensitivity --group nuclear --group grid --group utilities
      stress --offline backtest sensitivity --group nuclear --factors ai_power,nuclear
    """
    from stress.analysis import backtest_sensitivity, default_backtest_names, load_market
    from stress.sensitivity.spec import parse_factor

    if not 0 < band < 1:
        raise CliError(f"--band {band}: a level strictly between 0 and 1, e.g. 0.90", 2)
    baskets = tuple(x.strip() for x in (factors or "").split(",") if x.strip())
    if factors is not None and len(baskets) < 2:
        raise CliError(f"--factors {factors!r}: name two or more groups, e.g. ai_power,nuclear", 2)
    st = settings(ctx)
    configs = st.configs()
    universe = configs.universe
    names = [t.strip().upper() for t in tickers if t.strip()]
    if groups:
        names += list(universe.tickers(list(groups)))
    if not names:  # every asset outside the basket and the market group
        names = default_backtest_names(configs)
    md = load_market(st.source(), configs, [*names, *parse_factor(factor).tickers], universe=True,
                     warn=warn)
    result = backtest_sensitivity(md, configs, names, events=_csv(events), baskets=baskets,
                                  factor=factor, band=band)
    for line in result.warnings:
        warn(line)
    if out:
        _write(out, {k: result.to_frame(k) for k in ("by_group", "by_asset", "by_event", "predictions")})
    if as_json:
        echo_json(result.to_dict())
    else:
        _render_sensitivity(result)


_SCORE_COLS = ["n", "oos_r2", "corr", "sign_hit", "sign_hit_big", "coverage", "mean_error"]


def _score_rows(frame, key):
    rows = []
    for _, r in frame.iterrows():
        rows.append({key: r[key], "model": r["model"], "n": r["n"], "OOS R2": r["oos_r2"],
                     "corr": r["corr"], "sign hit": _share(r["sign_hit"]),
                     "sign |pred|>1%": _share(r["sign_hit_big"]), "coverage": _share(r["coverage"]),
                     "mean error": _pctf(r["mean_error"]), "mean |error|": _pctf(r["mean_abs_error"])})
    return rows


def _share(x) -> str:
    return "-" if x != x else f"{x:.0%}"


def _pctf(x) -> str:
    return "-" if x != x else f"{x:+.2%}"


def _render_sensitivity(r) -> None:
    st = r.settings
    click.echo(f"Leave-one-event-out backtest over {len(st['events'])} events; basket "
               f"{'+'.join(st['basket'])}; {st['band']:.0%} prediction bands; models: "
               + ", ".join(st["model_text"][m] for m in st["models"]))
    click.echo("\nBy group (pooled asset-events; R2 = 1 - SSE / sum of squared actual ARs):")
    print_table(_score_rows(r.by_group.sort_values(["group", "model"], key=_all_last), "group"))
    click.echo("\nBy asset:")
    print_table(_score_rows(r.by_asset, "ticker"))
    ev = r.by_event
    missed = ev[ev["missed"]]
    if len(missed):
        click.echo("\nMissed (half or more of a group's assets outside the band, or a 5%+ group "
                   "move 3x the prediction or against it): mean actual vs predicted AR")
        print_table([{"event": m.event, "group": m.group, "model": m.model, "n": m.n,
                      "actual": _pctf(m.actual), "predicted": _pctf(m.predicted),
                      "actual/predicted": "-" if m.ratio != m.ratio else f"{m.ratio:.1f}x",
                      "outside": _share(m.outside)} for m in missed.itertuples()])
    click.echo("\n" + r.summary() + "\n")


def _all_last(col):
    return col.map(lambda g: "~" if g == "all" else g) if col.name == "group" else col


# ---- propagation ----------------------------------------------------------------------------
@backtest.command("propagation")
@click.option("--condition", metavar="T1,T2",
              help="Tickers whose day-0 returns are imposed [default: the market and the ai_power basket].")
@click.option("--events", help="Catalogue ids, comma-separated (default: every catalogue event).")
@click.option("--cov-window", type=int, default=504, show_default=True, metavar="N",
              help="Sessions before day 0 for the covariance.")
@click.option("--band", type=float, default=0.90, show_default=True, help="Level of the conditional bands.")
@_JSON
@_out("events.csv and assets.csv")
@click.pass_context
def propagation(ctx, condition, events, cov_window, band, as_json, out) -> None:
    """Propagate each event's observed day-0 moves and compare with what happened.

    For every catalogue event: impose the day-0 returns of the conditioning tickers,
    propagate them to every other ticker of configs/universe.yaml (the custom-scenario
    method, covariance of the COV_WINDOW sessions before day 0), and report how often
    the conditional bands held the actual returns and how extreme the event was
    (Mahalanobis percentile). Formulas: docs/methods.md, Backtests.

    \b
    Example:
      stress --offline backtest propagation
      stress --offline backtest propagation --condition VST,CEG,SPY --events deepseek-r1 --json
    """
    if not 0 < band < 1:
        raise CliError(f"--band {band}: a level strictly between 0 and 1, e.g. 0.90", 2)
    if cov_window < 10:
        raise CliError(f"--cov-window {cov_window}: at least 10 sessions", 2)
    from stress.analysis import backtest_propagation, load_market

    st = settings(ctx)
    configs = st.configs()
    cond = [t.upper() for t in _csv(condition) or ()]
    md = load_market(st.source(), configs, cond, universe=True, warn=warn)
    result, warnings = backtest_propagation(md, configs, cond, _csv(events), cov_window=cov_window,
                                            band=band)
    for line in warnings + list(result.warnings):
        warn(line)
    if out:
        _write(out, {"events": result.to_frame("events"), "assets": result.to_frame("assets")},
               index=["events"])
    if as_json:
        echo_json(result.to_dict())
    else:
        _render_propagation(result)


def _render_propagation(r) -> None:
    st = r.settings
    click.echo(f"Conditioning on the day-0 returns of {' '.join(st['condition'])}; "
               f"{st['method']} ({st['cov_window']} sessions); {st['band']:.0%} bands.")
    rows = [{"event": i, "day0": e["day0"], "assets": e["n_assets"], "coverage": _share(e["coverage"]),
             "mean |z|": e["mean_abs_z"], "mean |error|": f"{e['mean_abs_error']:.2%}",
             "d (given)": e["mahalanobis"], "P(farther) given": f"{e['tail']:.2g}",
             "d (rest)": e["joint_d"], "P(farther) rest": f"{e['joint_tail']:.2g}",
             "left out": e["left_out"]}
            for i, e in r.events.iterrows()]
    print_table(rows)
    a = r.assets
    if len(a):
        click.echo("\nCoverage by group over all events:")
        g = a.groupby("group", sort=False)["inside"].agg(["size", "mean"])
        print_table([{"group": k, "asset-events": int(v["size"]), "coverage": _share(v["mean"])}
                     for k, v in g.iterrows()]
                    + [{"group": "all", "asset-events": len(a), "coverage": _share(a["inside"].mean())}])
    click.echo("\n" + r.summary() + "\n")


def _csv(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [x.strip() for x in text.split(",") if x.strip()] or None


def _write(out: str, frames: dict, index=()) -> None:
    paths = write_frames(out, frames, index=index)
    click.echo(f"wrote {', '.join(p.name for p in paths)} to {paths[0].parent}", err=True)
