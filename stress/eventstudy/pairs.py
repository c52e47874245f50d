"""Firm-events for a pooled event study: catalogue events x tickers, or a pairs file.

A pairs file is a CSV with a header ``ticker,date`` and an optional ``event`` column:
one firm-event per line, each with its own date (the firm's own news). Every problem is
one InputError naming the file and the line.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterable

from stress.errors import InputError

COLUMNS = ("ticker", "date", "event")


@dataclass(frozen=True)
class FirmEvent:
    """One firm on one event date. ``event`` labels it (a catalogue id or the date);
    ``direction`` is the catalogue's (up/down/control) or ``unknown``; ``where`` says
    where it came from (file and line) for error messages."""

    ticker: str
    date: date
    event: str
    direction: str = "unknown"
    kind: str = ""
    where: str = ""


def from_catalogue(events: Iterable, tickers: Iterable[str]) -> tuple[FirmEvent, ...]:
    """Every ticker on every event (catalogue ``Event`` objects), events outermost."""
    tickers = list(dict.fromkeys(str(t).strip().upper() for t in tickers if str(t).strip()))
    return tuple(
        FirmEvent(t, ev.date, ev.id, ev.direction, ev.kind, f"event {ev.id}")
        for ev in events for t in tickers
    )


def parse_pairs(text: str, path: Path | str, catalogue=None) -> tuple[FirmEvent, ...]:
    """Parse the text of a pairs CSV (``ticker,date[,event]``) read from ``path`` (named
    in errors; reading it is :func:`stress.config.read_pairs`'s). An ``event`` that is a
    catalogue id takes the catalogue's direction and kind; without one the label is the
    date. Errors (one line, file and line): missing columns, an empty ticker, a date that
    is not YYYY-MM-DD, a repeated (ticker, date) pair, no rows."""
    path = Path(path)
    rows = csv.reader(text.lstrip("\ufeff").splitlines())
    header = next(rows, None)
    names = [h.strip().lower() for h in header] if header else []
    if "ticker" not in names or "date" not in names:
        raise InputError(f"{path}, line 1: expected a header with columns ticker,date[,event], got {','.join(names) or 'nothing'}")
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise InputError(f"{path}, line 1: unknown column {unknown[0]!r} (known: {', '.join(COLUMNS)})")
    col = {n: names.index(n) for n in names}
    known = {e.id: e for e in catalogue} if catalogue is not None else {}
    out: list[FirmEvent] = []
    seen: dict[tuple[str, date], int] = {}
    for line, row in enumerate(rows, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        where = f"{path}, line {line}"
        if len(row) != len(names):
            raise InputError(f"{where}: expected {len(names)} fields ({','.join(names)}), got {len(row)}")
        ticker = row[col["ticker"]].strip().upper()
        if not ticker:
            raise InputError(f"{where}: empty ticker")
        raw = row[col["date"]].strip()
        try:
            day = date.fromisoformat(raw)
            if len(raw) != 10:
                raise ValueError
        except ValueError:
            raise InputError(f"{where}: date {raw!r} is not a valid date YYYY-MM-DD") from None
        if (ticker, day) in seen:
            raise InputError(f"{where}: duplicate pair {ticker} {raw} (first on line {seen[(ticker, day)]})")
        seen[(ticker, day)] = line
        label = row[col["event"]].strip() if "event" in col else ""
        ev = known.get(label.lower())
        out.append(FirmEvent(ticker, day, ev.id if ev else (label or raw),
                             ev.direction if ev else "unknown", ev.kind if ev else "", where))
    if not out:
        raise InputError(f"{path}: no firm-event rows after the header")
    return tuple(out)
