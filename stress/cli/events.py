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
@click.option("--json", "as_json", is_flag=True, help="Print JSON with all fields.")
@_FILE
def list_(direction: tuple[str, ...], as_json: bool, path: str | None) -> None:
    """List the events: id, date, weekday, direction, kind, title.

    \b
    Example:
      stress events list --direction up --json
    """
    from stress.config import load_events

    catalogue = load_events(path).select(directions=direction or None)
    rows = [e.to_dict() for e in catalogue]
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
