"""The frozen result of a pooled event study, with ``to_dict()``, ``to_frame(kind)``
and ``summary()``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stress.eventstudy.spec import EventStudySpec, Window

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: The pooled tests, in the order they are reported. Naive (assume independent
#: firm-events): patell, bmp. Robust: the rest (docs/methods.md).
POOLED_TESTS = ("patell", "bmp", "adj_patell", "adj_bmp", "grank", "clustered", "date_portfolio")
FRAMES = ("tests", "firm_events")


@dataclass(frozen=True)
class PooledRow:
    """One scope (``all``, an event, a group) over one window: ``n`` firm-events of
    ``firms`` distinct tickers on ``dates`` distinct day-0 sessions; CAAR, mean BHAR;
    ``mean_corr`` the residual correlation of the ``shared_pairs`` ordered pairs that
    share a day 0; ``tests`` {name: (stat, p)}; ``adjusted`` {name: {holm, bh}}."""

    scope_kind: str
    scope: str
    window: Window
    n: int
    firms: int
    dates: int
    caar: float
    mean_bhar: float
    mean_corr: float
    shared_pairs: int
    tests: dict
    adjusted: dict

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope_kind": self.scope_kind, "scope": self.scope, "window": list(self.window),
            "n": self.n, "firms": self.firms, "dates": self.dates, "caar": self.caar,
            "mean_bhar": self.mean_bhar, "mean_corr": self.mean_corr, "shared_pairs": self.shared_pairs,
            "tests": {t: {"stat": s, "p": p, "p_holm": self.adjusted.get(t, {}).get("holm"),
                          "p_bh": self.adjusted.get(t, {}).get("bh")}
                      for t, (s, p) in self.tests.items()},
        }


@dataclass(frozen=True)
class FirmEventRow:
    """One firm-event: ``sign`` -1 when flipped (signed pooling); ``included`` False when
    excluded (too few estimation returns, a regressor); ``windows`` (window, CAR, BHAR,
    SCAR) after the sign."""

    ticker: str
    event: str
    date: str
    day0: str
    direction: str
    sign: float
    included: bool
    windows: tuple


@dataclass(frozen=True)
class PooledResult:
    spec: EventStudySpec
    signed: bool
    firm_events: tuple[FirmEventRow, ...]
    rows: tuple[PooledRow, ...]
    groups: tuple[str, ...]
    notes: tuple[str, ...]
    warnings: tuple[str, ...]

    def row(self, window: Window, scope: str = "all") -> PooledRow:
        for r in self.rows:
            if r.window == tuple(window) and r.scope == scope:
                return r
        raise KeyError(f"no pooled row for scope {scope!r} window {window}")

    def summary(self) -> str:
        """One line: the pool's size and the day-0 (first window) CAAR with the clustered test."""
        r = self.rows[0]
        t, p = r.tests["clustered"]
        return (f"{r.n} firm-events ({r.firms} firms, {r.dates} dates): CAAR[{r.window[0]},{r.window[1]}] "
                f"{100 * r.caar:+.2f}%, clustered t {t:.2f} (p {p:.3f})")

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec.to_dict(), "signed": self.signed, "notes": list(self.notes),
            "warnings": list(self.warnings),
            "firm_events": [
                {"ticker": f.ticker, "event": f.event, "date": f.date, "day0": f.day0,
                 "direction": f.direction, "sign": f.sign, "included": f.included,
                 "windows": [{"window": list(w), "car": c, "bhar": b, "scar": s} for w, c, b, s in f.windows]}
                for f in self.firm_events
            ],
            "aggregates": [r.to_dict() for r in self.rows],
        }

    def to_frame(self, kind: str = "tests") -> "pd.DataFrame":
        """``tests``: one row per scope x window x test (stat, p, p_holm, p_bh and the
        pool's counts); ``firm_events``: one row per firm-event x window."""
        import pandas as pd

        if kind == "tests":
            return pd.DataFrame([
                {"scope_kind": r.scope_kind, "scope": r.scope, "window": f"[{r.window[0]},{r.window[1]}]",
                 "n": r.n, "firms": r.firms, "dates": r.dates, "caar": r.caar, "mean_bhar": r.mean_bhar,
                 "test": t, "stat": s, "p": p, "p_holm": r.adjusted[t]["holm"], "p_bh": r.adjusted[t]["bh"]}
                for r in self.rows for t, (s, p) in r.tests.items()
            ])
        if kind == "firm_events":
            return pd.DataFrame([
                {"ticker": f.ticker, "event": f.event, "date": f.date, "day0": f.day0,
                 "direction": f.direction, "sign": f.sign, "included": f.included,
                 "window": f"[{w[0]},{w[1]}]", "car": c, "bhar": b, "scar": s}
                for f in self.firm_events for w, c, b, s in f.windows
            ])
        raise ValueError(f"unknown frame {kind!r}; expected one of {', '.join(FRAMES)}")
