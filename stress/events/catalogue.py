"""The event catalogue (``configs/events.yaml``) and the event-date rule.

An event's ``date`` is the first US session that could react to the news (news after the
4 p.m. ET close belongs to the next session). :func:`map_to_session` turns any date into
day 0 of a market calendar: the first session on or after it. :func:`relative_days`
numbers the calendar in trading days relative to day 0.

Parsing raises :class:`InputError` naming the file, the line and the event on anything
malformed; pandas and numpy are imported only by the two calendar functions, so listing
the catalogue stays fast.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from stress.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

DIRECTIONS = ("up", "down", "control")
REQUIRED = ("id", "date", "direction", "kind", "title", "description", "source")
OPTIONAL = ("timing", "notes", "reaction_check", "contradicts")
AD_HOC_KIND = "ad-hoc"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_URL = re.compile(r"^https?://\S+\.\S+$")


@dataclass(frozen=True)
class Event:
    """One event. ``date`` is the first session that could react (see module doc).

    ``direction``: ``up`` (AI power demand up), ``down``, ``control`` (non-AI shock), or
    ``unknown`` for an ad-hoc event made from a bare date. ``contradicts`` is True when
    the catalogue's reaction check measured a basket move against ``direction``.
    """

    id: str
    date: date
    direction: str
    kind: str
    title: str
    description: str
    source: str
    timing: str = ""
    notes: str = ""
    reaction_check: str = ""
    contradicts: bool = False

    @property
    def ad_hoc(self) -> bool:
        """True for an event made from a date that is not in the catalogue."""
        return self.kind == AD_HOC_KIND

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.date.weekday()]

    def to_dict(self) -> dict[str, Any]:
        """All fields, JSON-ready (``date`` as YYYY-MM-DD), plus ``weekday``."""
        d = asdict(self)
        d["date"] = self.date.isoformat()
        d["weekday"] = self.weekday
        return d


def ad_hoc_event(day: date) -> Event:
    """An event for a date that is not in the catalogue; its id is the ISO date."""
    iso = day.isoformat()
    return Event(
        id=iso,
        date=day,
        direction="unknown",
        kind=AD_HOC_KIND,
        title=f"ad-hoc event on {iso}",
        description="A date given on the command line, not an entry of the catalogue.",
        source="",
    )


@dataclass(frozen=True)
class Catalogue:
    """The events of one file, in file order."""

    events: tuple[Event, ...]
    path: Path

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.events)

    def get(self, key: str) -> Event:
        """The event with id ``key``; or, for an ISO date ``YYYY-MM-DD``, the catalogue
        event on that date, else an ad-hoc event (id = the date). An unknown id is an
        InputError listing close matches."""
        text = str(key).strip()
        for e in self.events:
            if e.id == text.lower():
                return e
        if _ISO.match(text):
            day = _parse_iso(text, f"event date {text!r}")
            on_day = [e for e in self.events if e.date == day]
            if len(on_day) > 1:
                ids = ", ".join(e.id for e in on_day)
                raise InputError(f"{text} matches several events in {self.path} ({ids}); give the id")
            return on_day[0] if on_day else ad_hoc_event(day)
        close = difflib.get_close_matches(text.lower(), self.ids, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InputError(
            f"unknown event {text!r} in {self.path}{hint} "
            f"(`stress events list` shows the ids; a date YYYY-MM-DD also works)"
        )

    def select(
        self, ids: Iterable[str] | None = None, directions: Iterable[str] | None = None
    ) -> "Catalogue":
        """The events with the given ids (in that order; each must exist) and/or
        directions (``up``, ``down``, ``control``)."""
        chosen = list(self.events) if ids is None else [self.get(i) for i in ids]
        if directions is not None:
            wanted = set(directions)
            bad = sorted(wanted - set(DIRECTIONS))
            if bad:
                raise InputError(f"unknown direction {bad[0]!r} (known: {', '.join(DIRECTIONS)})")
            chosen = [e for e in chosen if e.direction in wanted]
        return replace(self, events=tuple(chosen))


def parse_events(text: str, path: Path | str) -> Catalogue:
    """Validate the text of ``configs/events.yaml`` read from ``path`` (named in errors).

    The file holds a list of events, or a mapping with an ``events:`` list. Checks:
    known fields, the required ones present, kebab-case unique ids, valid dates
    (YYYY-MM-DD), direction in up/down/control, an http(s) source URL, one-line text.
    Reading the file is the caller's (:func:`stress.config.load_events`).
    """
    path = Path(path)
    data = _parse_yaml(text, path)
    entries = data.get("events") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{path}: expected a non-empty list of events (or 'events:' with one)")
    where = _Where(path, text)
    events: list[Event] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        event = _parse_entry(entry, index, where)
        if event.id in seen:
            raise InputError(
                f"{where(index)}: duplicate event id {event.id!r} "
                f"(first used by event #{seen[event.id] + 1})"
            )
        seen[event.id] = index
        events.append(event)
    return Catalogue(events=tuple(events), path=path)


def _parse_entry(entry: Any, index: int, where: "_Where") -> Event:
    # the line number costs a second parse of the text: only look it up for an error
    if not isinstance(entry, dict):
        raise InputError(f"{where(index)}: event #{index + 1} must be a mapping of fields")
    raw_id = entry.get("id")
    label = f"event {raw_id!r}" if raw_id is not None else f"event #{index + 1}"

    def fail(problem: str) -> InputError:
        return InputError(f"{where(index)}: {label}: {problem}")

    unknown = sorted(str(k) for k in entry if k not in REQUIRED + OPTIONAL)
    if unknown:
        raise fail(f"unknown field {unknown[0]!r} (known: {', '.join(REQUIRED + OPTIONAL)})")
    missing = [k for k in REQUIRED if entry.get(k) in (None, "")]
    if missing:
        raise fail(f"missing {', '.join(missing)}")
    if not isinstance(raw_id, str) or not _ID.match(raw_id):
        raise fail("id must be kebab-case: lower-case letters and digits joined by '-'")
    day = _as_date(entry["date"], fail)
    direction = str(entry["direction"]).strip()
    if direction not in DIRECTIONS:
        raise fail(f"direction {direction!r} is not one of {', '.join(DIRECTIONS)}")
    source = str(entry["source"]).strip()
    if not _URL.match(source):
        raise fail(f"source {source!r} is not an http(s) URL")
    text = {}
    for k in ("kind", "title", "description", "timing", "notes", "reaction_check"):
        value = entry.get(k, "")
        if not isinstance(value, (str, int, float)):
            raise fail(f"{k} must be text")
        text[k] = " ".join(str(value).split())  # folded YAML text becomes one line
    contradicts = entry.get("contradicts", False)
    if not isinstance(contradicts, bool):
        raise fail("contradicts must be true or false")
    return Event(
        id=raw_id, date=day, direction=direction, source=source, contradicts=contradicts, **text
    )


def _parse_yaml(text: str, path: Path) -> Any:
    """Parse keeping dates as text (so a bad date is reported with its event, not as a
    parser crash); a syntax error is one InputError line."""
    import yaml

    from stress.config import parse_yaml

    class _TextDates(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser when built
        pass

    _TextDates.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return parse_yaml(text, path, loader=_TextDates)


def _as_date(value: Any, fail) -> date:
    if isinstance(value, datetime):
        raise fail(f"date {value} has a time; give the session date YYYY-MM-DD")
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}[ tT]\d", text):
        raise fail(f"date {text!r} has a time; give the session date YYYY-MM-DD")
    if not _ISO.match(text):
        raise fail(f"date {text!r} is not YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"date {text!r} is not a valid calendar date") from None


def _parse_iso(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{what} is not a valid calendar date") from None


@dataclass(frozen=True)
class _Where:
    """``path, line N`` of the index-th event (line numbers when the text allows)."""

    path: Path
    text: str

    def __call__(self, index: int) -> str:
        line = self._line(index)
        return f"{self.path}, line {line}" if line else str(self.path)

    def _line(self, index: int) -> int | None:
        import yaml

        try:
            node = yaml.compose(self.text)
        except yaml.YAMLError:
            return None
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if getattr(k, "value", None) == "events"), None)
        if isinstance(node, yaml.SequenceNode) and index < len(node.value):
            return node.value[index].start_mark.line + 1
        return None


# -- the event-date rule --------------------------------------------------------------


def map_to_session(
    event_date: date | str | "pd.Timestamp", calendar: "pd.DatetimeIndex"
) -> tuple["pd.Timestamp", bool, str]:
    """Day 0 of an event: the first session of ``calendar`` on or after ``event_date``.

    ``calendar``: the market's trading days, sorted ascending. Returns ``(day0, shifted,
    note)``; ``shifted`` is True when the date is not a session (weekend, holiday), and
    ``note`` says in words where day 0 is. A date before the first session or after the
    last one is an InputError naming the date and the data range.
    """
    import pandas as pd

    if len(calendar) == 0:
        raise InputError("the market calendar is empty: no market prices in the store")
    if not calendar.is_monotonic_increasing:
        raise ValueError("calendar must be sorted ascending")
    day = pd.Timestamp(event_date).normalize()
    if calendar.tz is not None and day.tz is None:
        day = day.tz_localize(calendar.tz)
    first, last = calendar[0], calendar[-1]
    if day < first.normalize() or day > last.normalize():
        raise InputError(
            f"event date {_iso(day)} is outside the market data "
            f"({_iso(first)} to {_iso(last)})"
        )
    day0 = calendar[calendar.searchsorted(day, side="left")]
    shifted = day0.normalize() != day
    if not shifted:
        return day0, False, f"day 0 is {_iso(day0)} ({_wd(day0)}), the event date"
    gap = (day0.normalize() - day).days
    note = (
        f"{_iso(day)} ({_wd(day)}) is not a trading day; day 0 moves to the next session, "
        f"{_iso(day0)} ({_wd(day0)})"
    )
    if gap > 4:
        note += f", {gap} calendar days later (a gap in the market data?)"
    return day0, True, note


def relative_days(calendar: "pd.DatetimeIndex", day0: "pd.Timestamp") -> "np.ndarray":
    """Trading-day offset of every session of ``calendar`` from ``day0`` (ints, shape
    (len(calendar),)): 0 at day 0, -1 the session before, +1 the one after."""
    import numpy as np

    pos = calendar.get_indexer([day0])[0]
    if pos < 0:
        raise InputError(f"day 0 {_iso(day0)} is not a session of the market calendar")
    return np.arange(len(calendar), dtype=np.int64) - pos


def _iso(ts: "pd.Timestamp") -> str:
    return ts.strftime("%Y-%m-%d")


def _wd(ts: "pd.Timestamp") -> str:
    return WEEKDAYS[ts.weekday()]
