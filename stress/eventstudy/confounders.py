"""Confounders: the other catalogue events whose day 0 falls inside an event's windows or
its rebound and recovery horizons.

An abnormal return over [0, +20] that holds another AI-demand event is not the first
event's effect alone; the study names every such event beside the window it falls in, so
the reader (and the rebound) can stop at the first one. Pure: a calendar, a day-0 row
and the catalogue's events in, frozen records out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

Window = tuple[int, int]


@dataclass(frozen=True)
class Confounder:
    """Another catalogue event near the studied one: its ``id``, ``title``, ``direction``,
    ``day0`` (ISO), ``day`` (its day 0 in trading days relative to the studied event's
    day 0) and the studied ``windows`` that contain that day."""

    id: str
    title: str
    direction: str
    day0: str
    day: int
    windows: tuple[Window, ...]

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "direction": self.direction,
                "day0": self.day0, "day": self.day, "windows": [list(w) for w in self.windows]}


def find_confounders(calendar: pd.DatetimeIndex, pos: int, events: Iterable, own_id: str,
                     windows: Sequence[Window], horizon: int = 0) -> tuple[Confounder, ...]:
    """Catalogue ``events`` (other than ``own_id``) whose day 0 (the first session of
    ``calendar`` on or after the event date) lies within any of ``windows`` or within
    [0, ``horizon``] of the session at row ``pos``; ordered by day. A confounder on the
    studied day 0 itself (day 0) is included: it shares the whole window."""
    lo = min([w[0] for w in windows] + [0])
    hi = max([w[1] for w in windows] + [horizon])
    dates = np.asarray(calendar.values)
    out = []
    for e in events:
        if e.id == own_id:
            continue
        i = int(np.searchsorted(dates, np.datetime64(pd.Timestamp(e.date))))
        if i >= len(dates):
            continue
        day = i - pos
        if not lo <= day <= hi:
            continue
        inside = tuple(tuple(w) for w in windows if w[0] <= day <= w[1])
        out.append(Confounder(e.id, getattr(e, "title", ""), getattr(e, "direction", ""),
                              f"{calendar[i]:%Y-%m-%d}", day, inside))
    return tuple(sorted(out, key=lambda c: (c.day, c.id)))


def clean_until(confounders: Sequence[Confounder]) -> int | None:
    """The last day after day 0 before the first later confounder (the rebound is the
    event's own up to that day), or None when no confounder follows day 0."""
    later = [c.day for c in confounders if c.day > 0]
    return min(later) - 1 if later else None
