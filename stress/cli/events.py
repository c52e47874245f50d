"""``stress events``: list and show the event catalogue (configs/events.yaml)."""

from __future__ import annotations

import click

from stress.cli._common import echo_json, print_table, settings

_FILE = click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Another catalogue file (default: configs/events.yaml).",
)


@click.group()
def events() -> None:
    """The catalogue of AI-power-demand shocks and control events.

    Each event's date is the first US session that could react (news after the close
    belongs to the next session).

    \b
    Example:
      stress events list --direction down
      stress events show deepseek-r1
    """


@events.command("list")
@click.option(
    "--direction",
    type=click.Choice(["up", "down", "control"]),
    multiple=True,
    help="Only events of this direction (repeatable).",
)
@click.option("--kind", "kinds", multiple=True, metavar="KIND",
              help="Only events of this kind, e.g. nuclear-deal (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON with all fields.")
@_FILE
def list_(direction: tuple[str, ...], kinds: tuple[str, ...], as_json: bool, path: str | None) -> None:
    """List the events: id, date, weekday, direction, kind, title.

    \b
    Example:
      stress events list --direction up --json
    """
    from stress.config import load_events

    full = load_events(path)
    catalogue = full.select(directions=direction or None)
    known = {e.kind for e in full}
    bad = sorted(set(kinds) - known)
    if bad:
        from stress.errors import InputError

        raise InputError(f"unknown event kind {bad[0]!r} (known: {', '.join(sorted(known))})")
    rows = [e.to_dict() for e in catalogue if not kinds or e.kind in kinds]
    if as_json:
        echo_json({"file": str(catalogue.path), "events": rows})
    elif not rows:
        click.echo(f"no events with direction {', '.join(direction)} in {catalogue.path}", err=True)
    else:
        print_table(rows, ["id", "date", "weekday", "direction", "kind", "title"])


@events.command("show")
@click.argument("event")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_FILE
@click.pass_context
def show(ctx: click.Context, event: str, as_json: bool, path: str | None) -> None:
    """Show every field of one event (an id, or a date YYYY-MM-DD), and where its day 0
    falls on the market calendar of the local store.

    \b
    Example:
      stress events show microsoft-constellation-crane
      stress events show 2024-09-21
    """
    from stress.config import load_events

    found = load_events(path).get(event)
    fields = found.to_dict()
    order = ["id", "date", "weekday"] + [k for k in fields if k not in ("id", "date", "weekday")]
    payload = {k: fields[k] for k in order}
    payload["day0"] = _day0(ctx, found.date)
    if as_json:
        echo_json(payload)
        return
    if found.ad_hoc:
        click.echo(f"{event} is not in the catalogue: an ad-hoc event on that date", err=True)
    width = max(len(k) for k in payload)
    for key, value in payload.items():
        if key == "day0":
            value = value["note"]
        elif isinstance(value, bool):
            value = "true" if value else "false"
        click.echo(f"{key.ljust(width)}  {value if value not in (None, '') else '-'}")


def _day0(ctx: click.Context, day) -> dict:
    """Day 0 on the store's market calendar, or why it is unknown (never fails)."""
    from stress.config import load_universe
    from stress.errors import StressError
    from stress.events import map_to_session

    market = load_universe().market
    closes = settings(ctx).store().read_closes([market])
    if closes.empty or market not in closes.columns or closes[market].isna().all():
        note = f"unknown: no {market} prices in the store (run `stress prices import PATH`)"
        return {"date": None, "shifted": None, "note": note, "market": market}
    try:
        day0, shifted, note = map_to_session(day, closes[market].dropna().index)
    except StressError as exc:
        return {"date": None, "shifted": None, "note": f"unknown: {exc}", "market": market}
    return {"date": day0.strftime("%Y-%m-%d"), "shifted": shifted, "note": note, "market": market}


@events.command("fingerprint")
@click.option("--group", "groups", multiple=True, metavar="NAME",
              help="A group of configs/universe.yaml (repeatable; default every group but 'market').")
@click.option("--direction", "directions", multiple=True, type=click.Choice(["up", "down", "control"]),
              help="Only events of this direction (repeatable).")
@click.option("--kind", "kinds", multiple=True, metavar="KIND", help="Only events of this kind (repeatable).")
@click.option("--window", default="0,0", show_default=True, metavar="A,B", help="The event window.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Write fingerprint.csv (one row per event x group).")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
@click.pass_context
def fingerprint(ctx, groups, directions, kinds, window, out_dir, as_json) -> None:
    """Day-0 CAAR of each group on each catalogue event, with the Kolari-Pynnonen
    adjusted BMP test: * p < 0.10, ** p < 0.05, *** p < 0.01 (raw p; Holm and BH
    adjusted p over the whole table in --json and --out).

    \b
    Example:
      stress --offline events fingerprint --group ai_power --group utilities --direction down
    """
    from stress.analysis import fingerprint as event_fingerprint
    from stress.analysis import load_market
    from stress.cli._common import parse_window, warn

    cfg = settings(ctx)
    configs = cfg.configs()
    universe = configs.universe
    names = list(dict.fromkeys(groups)) or [g.name for g in universe.groups if g.name != "market"]
    group_map = {n: list(universe.group(n).tickers) for n in names}
    progress = cfg.progress()
    progress.step("loading prices")
    md = load_market(cfg.source(), configs, [t for m in group_map.values() for t in m], warn=warn)
    progress.step("event studies of the catalogue events")
    fp = event_fingerprint(md, configs, group_map, parse_window(window), directions or None, kinds or None)
    progress.clear()
    if out_dir:
        from stress.tables_out import write_frames

        paths = write_frames(out_dir, {"fingerprint": fp.to_frame()})
        click.echo(f"wrote fingerprint CSV to {paths[0].parent}", err=True)
    if as_json:
        echo_json(fp.to_dict())
        return
    click.echo(f"Fingerprint: CAAR[{fp.window[0]},{fp.window[1]}] by event and group, market model; "
               f"KP-adjusted BMP: * p<0.10 ** p<0.05 *** p<0.01 (raw p)")
    rows = []
    for ev in fp.events:
        c0 = fp.cell(ev, fp.groups[0])
        row = {"event": ev, "day0": c0.day0, "dir": c0.direction}
        for g in fp.groups:
            c = fp.cell(ev, g)
            stars = "" if c.p != c.p else "***" if c.p < 0.01 else "**" if c.p < 0.05 else "*" if c.p < 0.1 else ""
            row[g] = None if c.caar != c.caar else f"{100 * c.caar:+.2f}%{stars}"
        rows.append(row)
    print_table(rows)
