"""The event fingerprint: day-0 (or any window's) CAAR of each group on each catalogue
event, with the Kolari-Pynnonen adjusted BMP test (robust to the cross-correlation of
the group's members on the shared date) and Holm/BH p-values over the whole table.

One batched event study per call (:func:`run_event_studies`); the frozen result has
``to_frame()`` (long: one row per event x group), ``pivot()`` (events x groups) and
``to_dict()``, for the terminal, JSON/CSV and the report's fingerprint page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from stress.eventstudy.multiple import adjust
from stress.eventstudy.spec import EventStudySpec, Window

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: The robust test the fingerprint reports (a name of the single study's tests).
TEST = "kp"


@dataclass(frozen=True)
class FingerprintCell:
    event: str
    day0: str
    direction: str
    kind: str
    group: str
    n: int
    caar: float
    stat: float
    p: float
    p_holm: float
    p_bh: float


@dataclass(frozen=True)
class Fingerprint:
    """CAAR of ``groups`` (columns) on ``events`` (rows) over ``window``, tested with
    ``test``; ``cells`` in event-major order; ``warnings`` from the studies."""

    window: Window
    test: str
    events: tuple[str, ...]
    groups: tuple[str, ...]
    cells: tuple[FingerprintCell, ...]
    warnings: tuple[str, ...]

    def cell(self, event: str, group: str) -> FingerprintCell:
        for c in self.cells:
            if c.event == event and c.group == group:
                return c
        raise KeyError((event, group))

    def to_frame(self) -> "pd.DataFrame":
        import pandas as pd

        return pd.DataFrame([c.__dict__ for c in self.cells])

    def pivot(self, value: str = "caar") -> "pd.DataFrame":
        """Events x groups table of ``value`` (caar, stat, p, p_holm, p_bh, n)."""
        return self.to_frame().pivot(index="event", columns="group", values=value).loc[
            list(self.events), list(self.groups)]

    def to_dict(self) -> dict[str, Any]:
        return {"window": list(self.window), "test": self.test, "events": list(self.events),
                "groups": list(self.groups), "cells": [c.__dict__ for c in self.cells],
                "warnings": list(self.warnings)}


def event_fingerprint(
    closes: "pd.DataFrame",
    events: Sequence[Any],
    groups: Mapping[str, Sequence[str]],
    spec: EventStudySpec | None = None,
    window: Window = (0, 0),
) -> Fingerprint:
    """The fingerprint of ``events`` (catalogue events) on ``groups`` ({name: tickers})
    from adjusted ``closes``. ``spec``'s windows are replaced by ``window``; placebo
    inference is skipped (the test is analytic)."""
    from stress.eventstudy.study import run_event_studies

    spec = replace(spec or EventStudySpec(), windows=(tuple(window),), placebo=0)
    results = run_event_studies(closes, events, (), spec, groups, placebo_exclude=())
    cells, warnings = [], []
    for ev, res in zip(events, results):
        warnings += [f"{ev.id}: {w}" for w in res.warnings]
        for g in res.groups:
            agg = g.aggregate[0]
            stat, p = agg.tests[TEST]
            cells.append(FingerprintCell(ev.id, res.event.day0, ev.direction, ev.kind, g.name, agg.n,
                                         agg.caar, stat, p, float("nan"), float("nan")))
    adj = adjust(np.array([c.p for c in cells]))
    cells = [replace(c, p_holm=float(adj["holm"][i]), p_bh=float(adj["bh"][i])) for i, c in enumerate(cells)]
    return Fingerprint(tuple(spec.windows[0]), TEST, tuple(e.id for e in events), tuple(groups),
                       tuple(cells), tuple(warnings))
