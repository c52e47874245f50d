"""Recovery: was the day-0 move reversed, and how fast? (the Jevons question).

After DeepSeek (2025-01-27) analysts argued the sell-off was overdone: cheaper AI means
more AI and more power. The prices answer it. Per asset: the sessions until its close
came back to the close before day 0 (for an asset that fell; for one that rose, the
sessions until it fell back to it: the gain given back), or "not by the data's end".
Per group: how many regained, how fast (median, first, last), and the CAAR and mean
BHAR over [0,+60], [0,+120], [0,+250] against the study's model, with the other
catalogue events inside those horizons named (a long CAR is not the event's alone).

:func:`sessions_to_regain` is pure numpy; :func:`build_recovery` turns an event study
run over the long windows and the closes into a frozen :class:`Recovery`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

HORIZONS = (60, 120, 250)


def sessions_to_regain(closes: np.ndarray, pos: int) -> tuple[np.ndarray, np.ndarray]:
    """Per column of ``closes`` (T, N): the day-0 move close[pos] / close[pos - 1] - 1 and
    the first number of sessions s >= 1 after day 0 at which the close is back at (or
    beyond) the pre-event close close[pos - 1]: at or above it for an asset that fell on
    day 0, at or below it for one that rose. NaN when it never happens in the data (or
    the pre-event or day-0 close is missing). A missing close is never counted as a hit."""
    x = np.asarray(closes, dtype=float)
    pre, day0 = x[pos - 1], x[pos]
    with np.errstate(invalid="ignore", divide="ignore"):
        move = day0 / pre - 1.0
    after = x[pos + 1:]
    fell = move < 0
    with np.errstate(invalid="ignore"):
        hit = np.where(fell, after >= pre, after <= pre) & np.isfinite(after)
    any_hit = hit.any(axis=0)
    first = hit.argmax(axis=0) + 1.0
    sessions = np.where(any_hit & np.isfinite(move) & (move != 0), first, np.nan)
    return move, sessions


@dataclass(frozen=True)
class AssetRecovery:
    """One asset: ``move0`` its day-0 return; ``sessions`` until the pre-event close was
    regained (fell) or given back (rose), NaN if not by the data's end; ``date`` of that
    session; ``car``/``bhar``: {horizon: value} from day 0."""

    ticker: str
    groups: tuple[str, ...]
    move0: float
    sessions: float
    date: str | None
    car: dict
    bhar: dict

    @property
    def fell(self) -> bool:
        return self.move0 < 0


@dataclass(frozen=True)
class GroupRecovery:
    """One group (or "all"): day-0 CAAR, how many members regained their pre-event close
    (or gave the gain back) and how fast, CAAR and mean BHAR per horizon, one sentence."""

    name: str
    label: str
    n: int
    caar0: float
    n_back: int
    median_sessions: float
    first: tuple[str, str] | None
    last: tuple[str, str] | None
    caar: dict
    bhar: dict
    sentence: str


@dataclass(frozen=True)
class Recovery:
    """The recovery read of one event: assets, groups, the horizons, the data's last
    session and the catalogue events inside [0, +max horizon] (``confounders``)."""

    event_id: str
    direction: str
    day0: str
    data_end: str
    horizons: tuple[int, ...]
    assets: tuple[AssetRecovery, ...]
    groups: tuple[GroupRecovery, ...]
    confounders: tuple = ()

    def to_frame(self, kind: str = "assets") -> pd.DataFrame:
        """``assets`` (one row per asset) or ``groups`` (one row per group)."""
        if kind == "assets":
            return pd.DataFrame([{
                "ticker": a.ticker, "groups": " ".join(a.groups), "move0": a.move0,
                "sessions": a.sessions, "date": a.date,
                "status": _status(a, self.data_end),
                **{f"car_0_{h}": a.car.get(h) for h in self.horizons},
                **{f"bhar_0_{h}": a.bhar.get(h) for h in self.horizons}} for a in self.assets])
        if kind == "groups":
            return pd.DataFrame([{
                "group": g.name, "label": g.label, "n": g.n, "caar0": g.caar0, "n_back": g.n_back,
                "median_sessions": g.median_sessions,
                "first": None if g.first is None else f"{g.first[0]} {g.first[1]}",
                "last": None if g.last is None else f"{g.last[0]} {g.last[1]}",
                **{f"caar_0_{h}": g.caar.get(h) for h in self.horizons},
                **{f"bhar_0_{h}": g.bhar.get(h) for h in self.horizons},
                "sentence": g.sentence} for g in self.groups])
        raise ValueError(f"kind must be assets or groups, not {kind!r}")

    def to_dict(self) -> dict:
        def clean(v):
            return None if isinstance(v, float) and v != v else v

        return {
            "event": self.event_id, "direction": self.direction, "day0": self.day0,
            "data_end": self.data_end, "horizons": list(self.horizons),
            "assets": [{k: clean(v) for k, v in r.items()} for r in self.to_frame("assets").to_dict("records")],
            "groups": [{k: clean(v) for k, v in r.items()} for r in self.to_frame("groups").to_dict("records")],
            "confounders": [c.to_dict() for c in self.confounders],
        }

    def summary(self) -> str:
        return "\n".join(g.sentence for g in self.groups)


def _status(a: AssetRecovery, data_end: str) -> str:
    if a.sessions == a.sessions:
        return (f"regained after {a.sessions:.0f} sessions" if a.fell
                else f"gave the gain back after {a.sessions:.0f} sessions")
    return (f"not regained by {data_end}" if a.fell else f"gain kept through {data_end}")


def build_recovery(result: Any, closes: pd.DataFrame, *, labels: Mapping[str, str] | None = None,
                   horizons: Sequence[int] = HORIZONS) -> Recovery:
    """The :class:`Recovery` of an event study ``result`` run with windows (0, h) for
    ``horizons`` (its assets, groups and confounders) and the ``closes`` on the market's
    sessions (holding the result's tickers)."""
    labels = dict(labels or {})
    day0 = pd.Timestamp(result.event.day0)
    pos = int(closes.index.get_loc(day0))
    tickers = list(result.tickers)
    move, sessions = sessions_to_regain(closes[tickers].to_numpy(dtype=float), pos)
    index = closes.index
    assets = []
    for j, a in enumerate(result.assets):
        s = sessions[j]
        win = {w.window[1]: w for w in a.windows if w.window[0] == 0}
        assets.append(AssetRecovery(
            a.ticker, a.groups, float(move[j]), float(s),
            None if s != s else f"{index[pos + int(s)]:%Y-%m-%d}",
            {h: float(win[h].car) for h in horizons if h in win},
            {h: float(win[h].bhar) for h in horizons if h in win}))
    ar0 = {t: float(v) for t, v in zip(tickers, result.ar[list(result.days).index(0)])}
    data_end = f"{index[-1]:%Y-%m-%d}"
    scopes = [("all", "All assets", tickers)] + [
        (g.name, labels.get(g.name, g.name), [t for t in g.included]) for g in result.groups]
    groups = []
    by = {a.ticker: a for a in assets}
    for name, label, members in scopes:
        rows = [by[t] for t in members if t in by]
        if not rows:
            continue
        caar0 = float(np.mean([ar0[a.ticker] for a in rows]))
        back = [a for a in rows if a.sessions == a.sessions]
        order = sorted(back, key=lambda a: a.sessions)
        caar = {h: result.window((0, h), name).caar for h in horizons if _has(result, (0, h), name)}
        bhar = {h: float(np.nanmean([a.bhar[h] for a in rows if h in a.bhar])) if any(
            h in a.bhar and a.bhar[h] == a.bhar[h] for a in rows) else float("nan") for h in horizons}
        g = GroupRecovery(
            name, label, len(rows), caar0, len(back),
            float(np.median([a.sessions for a in back])) if back else float("nan"),
            (order[0].ticker, order[0].date) if order else None,
            (order[-1].ticker, order[-1].date) if order else None, caar, bhar, "")
        groups.append(_with_sentence(g, rows, data_end, result.confounders, horizons))
    return Recovery(result.event.id, result.event.direction, result.event.day0, data_end,
                    tuple(horizons), tuple(assets), tuple(groups), tuple(result.confounders))


def _has(result, window, scope) -> bool:
    try:
        result.window(window, scope)
    except KeyError:
        return False
    return True


def _with_sentence(g: GroupRecovery, rows, data_end: str, confounders, horizons) -> GroupRecovery:
    from dataclasses import replace

    from stress import fmt

    fell = g.caar0 < 0
    verb = "fell" if fell else "rose"
    back_word = "regained their pre-event close" if fell else "gave the gain back to the pre-event close"
    parts = [f"{g.label} {verb} {fmt.pct(abs(g.caar0), sign=False)} on day 0 (mean market-adjusted return)"]
    same = [a for a in rows if a.fell == fell]
    n_same = len(same)
    back = sorted((a for a in same if a.sessions == a.sessions), key=lambda a: a.sessions)
    if back:
        first, last = back[0], back[-1]
        median = float(np.median([a.sessions for a in back]))
        speed = (f"after a median of {median:.0f} sessions (first {first.ticker} on {first.date}"
                 + (f", last {last.ticker} on {last.date})" if len(back) > 1 else ")"))
        parts.append(f"{len(back)} of the {n_same} that {verb} {back_word} {speed}")
    elif n_same:
        parts.append(f"none of the {n_same} that {verb} {back_word} by {data_end}")
    missing = [a.ticker for a in same if a.sessions != a.sessions]
    if back and missing:
        parts.append(f"{', '.join(missing)} had not by {data_end}")
    longest = max((h for h in horizons if g.caar.get(h, float("nan")) == g.caar.get(h, float("nan"))),
                  default=None)
    if longest is not None:
        cars = ", ".join(f"[0,+{h}] {fmt.pct(g.caar[h])}" for h in horizons if h in g.caar
                         and g.caar[h] == g.caar[h])
        parts.append(f"market-adjusted CAAR {cars}: {_verdict(g.caar0, g.caar[longest], longest)}")
    later = [c for c in confounders if 0 < c.day <= (longest or max(horizons))]
    if later:
        parts.append(f"{len(later)} other catalogue event{'s' if len(later) > 1 else ''} fall "
                     f"inside that horizon (first {later[0].id} on day +{later[0].day}), so the "
                     "longer CARs are not this event's alone")
    return replace(g, sentence="; ".join(parts) + ".")


#: the verdict's words by the sign of the day-0 move (fell?) and the share q = CAR / AR(0):
#: q <= 0, q < 1/2, q < 1, q >= 1
_WORDS = {
    True: ("the fall was fully reversed", "most of the fall was reversed",
           "part of the fall was reversed", "the fall had extended"),
    False: ("the gain was fully given back", "most of the gain was given back",
            "part of the gain was kept", "the gain was kept and extended"),
}


def _verdict(ar0: float, car: float, h: int) -> str:
    """Words for CAR(0, h) against the day-0 move AR(0), following their signs."""
    if not (ar0 == ar0 and car == car) or ar0 == 0:
        return "no verdict"
    q = car / ar0
    i = 0 if q <= 0 else 1 if q < 0.5 else 2 if q < 1 else 3
    return f"by day +{h} {_WORDS[ar0 < 0][i]}"
