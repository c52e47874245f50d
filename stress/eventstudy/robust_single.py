"""The robust tests (KP-adjusted Patell and BMP, GRANK) and Holm/BH p-values for a
single-event study, and their placebo size check.

Both run the pooled engine (:func:`pooled.run_pooled_study`) on the study's own assets:
a pool of one event is the single study (same fits, CAARs, Patell and BMP; tested), so
the robust statistics come from one implementation. The size check pools the assets on
each placebo date of the study and reads each date's own tests (only those rows and
tests are formed: :func:`pooled.event_robust_tests`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from stress.eventstudy.multiple import adjust
from stress.eventstudy.pairs import FirmEvent, from_catalogue
from stress.eventstudy.pooled import event_robust_tests, run_pooled_study
from stress.eventstudy.spec import EventStudySpec

#: The tests robust to event-induced volatility or cross-correlation, added to a single study.
ROBUST = ("adj_patell", "adj_bmp", "grank")


def single_robust(closes: pd.DataFrame, event: Any, tickers: Sequence[str], spec: EventStudySpec,
                  groups: Mapping[str, Sequence[str]] | None = None):
    """The pooled result of one catalogue ``event`` on ``tickers`` and the ``groups``'
    members: its ``all`` and group rows carry the robust tests of the single study."""
    groups = dict(groups or {})
    members = list(dict.fromkeys([str(t).upper() for t in tickers] + [t for m in groups.values() for t in m]))
    return run_pooled_study(closes, from_catalogue([event], members), replace(spec, placebo=0), groups)


def adjusted_single_tests(result) -> pd.DataFrame:
    """Holm and BH adjusted p-values of every test of a single study
    (:class:`EventStudyResult`), one family per test over its scopes x windows:
    columns scope, window, test, stat, p, p_holm, p_bh."""
    rows = [
        {"scope": scope, "window": f"[{a.window[0]},{a.window[1]}]", "test": t, "stat": s, "p": p}
        for scope, aggs in [("all", result.aggregate)] + [(g.name, g.aggregate) for g in result.groups]
        for a in aggs for t, (s, p) in a.tests.items()
    ]
    frame = pd.DataFrame(rows)
    for method in ("holm", "bh"):
        frame[f"p_{method}"] = np.nan
    for test, idx in frame.groupby("test").groups.items():
        adj = adjust(frame.loc[idx, "p"].to_numpy())
        frame.loc[idx, "p_holm"], frame.loc[idx, "p_bh"] = adj["holm"], adj["bh"]
    return frame


def robust_size(closes: pd.DataFrame, tickers: Sequence[str], placebo_dates: Sequence[str],
                spec: EventStudySpec) -> dict[tuple[int, int], dict[str, float]]:
    """Share of ``placebo_dates`` on which each robust test rejects at ``spec.level``,
    per window: {window: {test: rate}} (NaN-p dates are left out of the share)."""
    if not placebo_dates or not tickers:
        return {}
    fes = [FirmEvent(t, pd.Timestamp(d).date(), str(d)) for d in placebo_dates for t in tickers]
    per_date = event_robust_tests(closes, fes, replace(spec, placebo=0))  # the pooled study's event rows
    out: dict[tuple[int, int], dict[str, float]] = {}
    for w in spec.windows:
        rows = per_date[tuple(w)]
        out[tuple(w)] = {}
        for t in ROBUST:
            p = np.array([r[t][1] for r in rows])
            p = p[np.isfinite(p)]
            out[tuple(w)][t] = float((p < spec.level).mean()) if p.size else float("nan")
    return out


@dataclass(frozen=True)
class SingleRobust:
    """The additions to a single study: ``pooled`` (its ``all`` and group rows carry the
    robust tests), ``adjusted`` (Holm/BH of the study's own tests, a frame) and ``size``
    {window: {robust test: placebo rejection rate}}."""

    pooled: Any
    adjusted: pd.DataFrame
    size: dict

    def rows(self):
        return [r for r in self.pooled.rows if r.scope_kind in ("all", "group")]

    def to_frame(self, kind: str = "robust") -> pd.DataFrame:
        """``robust``: scope, window, test, stat, p, p_holm, p_bh of the robust tests;
        ``adjusted``: the study's own tests with Holm/BH."""
        if kind == "adjusted":
            return self.adjusted
        if kind == "robust":
            return pd.DataFrame([
                {"scope": r.scope, "window": f"[{r.window[0]},{r.window[1]}]", "test": t,
                 "stat": r.tests[t][0], "p": r.tests[t][1], "p_holm": r.adjusted[t]["holm"],
                 "p_bh": r.adjusted[t]["bh"], "placebo_rejection": self.size.get(r.window, {}).get(t)}
                for r in self.rows() for t in ROBUST
            ])
        raise ValueError(f"unknown frame {kind!r}; expected robust or adjusted")

    def to_dict(self) -> dict[str, Any]:
        return {"robust_tests": self.to_frame("robust").to_dict(orient="records"),
                "multiple_testing": self.adjusted.to_dict(orient="records")}


def robust_for(closes: pd.DataFrame, result, event: Any, tickers: Sequence[str],
               groups: Mapping[str, Sequence[str]] | None = None) -> SingleRobust:
    """:class:`SingleRobust` of a single study ``result`` of ``event`` on ``tickers`` and
    ``groups`` (the same arguments as the study); the size check uses its placebo dates."""
    spec = result.spec
    pooled = single_robust(closes, event, tickers, spec, groups)
    size = robust_size(closes, [a.ticker for a in result.assets], list(result.placebo_dates), spec)
    return SingleRobust(pooled, adjusted_single_tests(result), size)
