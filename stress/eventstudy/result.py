"""The frozen result of an event study, with ``to_dict()`` (JSON) and ``to_frame(kind)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from stress.eventstudy.placebo import PlaceboResult
from stress.eventstudy.rebound import Rebound, recovered_share
from stress.eventstudy.significance import TESTS
from stress.eventstudy.spec import EventStudySpec, Window

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

FRAMES = ("ar", "car", "tests", "placebo", "size", "rebound")

#: tests built on the cross-section of assets (a dispersion, count or rank sum over N)
CROSS_SECTIONAL = ("bmp", "kp", "rank", "gsign")
#: with fewer assets than this the output says so beside those tests
MIN_CROSS_SECTION = 5


def small_sample_note(n: int) -> str | None:
    """The note set beside the cross-sectional tests of an aggregate of ``n`` assets, or
    None when ``n`` >= :data:`MIN_CROSS_SECTION`."""
    if n >= MIN_CROSS_SECTION:
        return None
    return (f"small sample: N = {n} < {MIN_CROSS_SECTION} assets; the cross-sectional tests "
            "(BMP, KP, rank, generalised sign) rest on the spread across so few assets and "
            "are unreliable (extreme statistics are common)")


@dataclass(frozen=True)
class EventInfo:
    """The event and its day 0 (ISO dates); ``note`` says where day 0 is and why."""

    id: str
    date: str
    day0: str
    shifted: bool
    note: str
    title: str = ""
    direction: str = ""
    market_return_day0: float = float("nan")


@dataclass(frozen=True)
class AssetWindow:
    """One asset over one window: CAR, BHAR, Var(CAR), t = CAR / sqrt(Var(CAR)) and its
    two-sided p (Student t, L1 - k df); ``missing`` days without a return (CAR NaN)."""

    window: Window
    car: float
    bhar: float
    var_car: float
    t: float
    p: float
    missing: int


@dataclass(frozen=True)
class AssetResult:
    """One asset's fit and windows. ``betas`` {regressor: coefficient}; ``beta`` the
    coefficient on the market when the model has one (1 imposed for market-adjusted)."""

    ticker: str
    groups: tuple[str, ...]
    n_estimation: int
    intercept: float
    beta: float | None
    betas: dict
    sigma: float
    return_day0: float
    ar_day0: float
    windows: tuple[AssetWindow, ...]


@dataclass(frozen=True)
class WindowAggregate:
    """Across the assets of ``scope`` ("all" or a group) over one window: N, CAAR,
    ``tests`` {name: (stat, p)}, ``mean_corr`` (r of the KP adjustment) and the
    placebo p-value of the CAAR."""

    scope: str
    window: Window
    n: int
    caar: float
    tests: dict
    mean_corr: float
    placebo_p: float | None

    @property
    def small_sample(self) -> str | None:
        """The small-sample note of the cross-sectional tests (None with N >= 5)."""
        return small_sample_note(self.n)


@dataclass(frozen=True)
class GroupResult:
    name: str
    tickers: tuple[str, ...]
    included: tuple[str, ...]
    aggregate: tuple[WindowAggregate, ...]


@dataclass(frozen=True)
class EventStudyResult:
    """Everything an event study produced. ``ar`` (n_days, n_assets) daily abnormal
    returns and ``returns`` the raw returns on relative days ``days`` (dates ``dates``,
    None past the data); ``placebo`` None when skipped."""

    event: EventInfo
    spec: EventStudySpec
    assets: Sequence[AssetResult]  # an AssetTable from the study: built when first read
    excluded: tuple[tuple[str, str], ...]
    aggregate: tuple[WindowAggregate, ...]
    groups: tuple[GroupResult, ...]
    days: tuple[int, ...]
    dates: tuple[str | None, ...]
    ar: np.ndarray
    returns: np.ndarray
    placebo: PlaceboResult | None
    placebo_dates: tuple[str, ...]
    rebound_assets: Rebound
    rebound_groups: Rebound
    warnings: tuple[str, ...]
    confounders: tuple = ()  # other catalogue events inside the windows / rebound horizon

    @property
    def tickers(self) -> tuple[str, ...]:
        known = getattr(self.assets, "tickers", None)
        return tuple(known) if known is not None else tuple(a.ticker for a in self.assets)

    def asset(self, ticker: str) -> AssetResult:
        for a in self.assets:
            if a.ticker == ticker.upper():
                return a
        raise KeyError(ticker)

    def window(self, window: Window, scope: str = "all") -> WindowAggregate:
        rows = self.aggregate if scope == "all" else next(g.aggregate for g in self.groups if g.name == scope)
        for a in rows:
            if a.window == tuple(window):
                return a
        raise KeyError(window)

    # -- output -----------------------------------------------------------------------

    def summary(self) -> str:
        """A few lines: the event, day 0, and per window the CAAR of every asset with the
        clustering-robust KP test (and the placebo p where computed)."""
        from stress import fmt

        ev = self.event
        lines = [f"{ev.id}: day 0 {ev.day0}" + (f" ({ev.note})" if ev.shifted else "")
                 + f", {self.spec.model} model, {len(self.assets)} assets"]
        for agg in self.aggregate:
            kp, p = agg.tests.get("kp", (float("nan"), float("nan")))
            placebo = "" if agg.placebo_p is None else f", placebo p {fmt.pval(agg.placebo_p)}"
            lines.append(f"  CAAR{fmt.window(agg.window)} {fmt.pct(agg.caar, 2)} (N {agg.n}; KP "
                         f"{fmt.num(kp)}, {fmt.p_phrase(p)}{placebo})")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: event, settings, assets, excluded, aggregate, groups, placebo,
        rebound, warnings (NaN stays float NaN; the CLI writes it as null)."""
        return {
            "event": vars(self.event).copy(),
            "settings": self.spec.to_dict(),
            "assets": [_asset_dict(a) for a in self.assets],
            "excluded": [{"ticker": t, "reason": r} for t, r in self.excluded],
            "aggregate": [_agg_dict(a) for a in self.aggregate],
            "groups": [
                {"name": g.name, "tickers": list(g.tickers), "included": list(g.included),
                 "aggregate": [_agg_dict(a) for a in g.aggregate]}
                for g in self.groups
            ],
            "placebo": self._placebo_dict(),
            "rebound": self._rebound_dict(),
            "confounders": [c.to_dict() for c in self.confounders],
            "warnings": list(self.warnings),
        }

    def _placebo_dict(self) -> dict | None:
        p = self.placebo
        if p is None:
            return None
        series = [("all", p.caar)] + list(p.group_caar.items())
        return {
            "n": p.used, "pool": p.pool, "requested": p.requested, "used": p.used,
            "candidates": p.candidates, "seed": p.seed,
            "seconds": round(p.seconds, 3), "level": p.level, "flag_rate": p.flag_rate,
            "first_date": self.placebo_dates[0] if self.placebo_dates else None,
            "last_date": self.placebo_dates[-1] if self.placebo_dates else None,
            "dates": list(self.placebo_dates),
            "caar": [
                {"group": g, "window": list(w), "caar": [float(v) for v in arr[:, j]]}
                for g, arr in series for j, w in enumerate(self.spec.windows)
            ],
            "windows": [
                {"window": list(w.window), "caar": w.caar, "p_empirical": w.p_empirical,
                 "n_dates": w.n_dates, "placebo_mean": w.placebo_mean, "placebo_sd": w.placebo_sd,
                 "placebo_q025": w.placebo_q025, "placebo_q975": w.placebo_q975,
                 "rejection_rate": dict(w.rejection), "flagged": list(w.flagged),
                 "groups_p_empirical": dict(w.group_p)}
                for w in p.windows
            ],
        }

    def _rebound_dict(self) -> dict:
        def rows(rb: Rebound) -> list[dict]:
            return [
                {"name": name, "ar0": float(rb.path[0, k]),
                 "recovered": {str(h): float(rb.recovered[j, k]) for j, h in enumerate(rb.horizons)},
                 "car_path": [float(v) for v in rb.path[:, k]]}
                for k, name in enumerate(rb.names)
            ]

        from stress.eventstudy.confounders import clean_until

        return {"horizons": list(self.rebound_assets.horizons), "assets": rows(self.rebound_assets),
                "groups": rows(self.rebound_groups),
                "clean_until": clean_until(self.confounders)}

    def to_frame(self, kind: str = "car") -> "pd.DataFrame":
        """Tidy frames: ``ar`` (ticker, day, date, return, ar), ``car`` (per asset and
        window), ``tests`` (per scope, window and test), ``placebo`` (per scope ``group``
        ("all" or a group), placebo date and window: n, CAAR, and the tests' p-values for
        "all", NaN for a group), ``size`` (placebo rejection rate per window and test), ``rebound``
        (per asset/group and day: CAR(0, h), recovered share)."""
        import pandas as pd

        if kind == "ar":
            rows = [
                {"ticker": t, "day": d, "date": dt, "return": float(self.returns[i, j]), "ar": float(self.ar[i, j])}
                for j, t in enumerate(self.tickers) for i, (d, dt) in enumerate(zip(self.days, self.dates))
            ]
        elif kind == "car":
            rows = [
                {"ticker": a.ticker, "window_start": w.window[0], "window_end": w.window[1],
                 "car": w.car, "bhar": w.bhar, "var_car": w.var_car, "t": w.t, "p": w.p,
                 "missing_days": w.missing, "n_estimation": a.n_estimation, "intercept": a.intercept,
                 **{f"beta_{k}": v for k, v in a.betas.items()}, "sigma": a.sigma}
                for a in self.assets for w in a.windows
            ]
        elif kind == "tests":
            rows = [
                {"scope": g.scope, "window_start": g.window[0], "window_end": g.window[1], "n": g.n,
                 "caar": g.caar, "test": name, "stat": g.tests[name][0], "p": g.tests[name][1],
                 "mean_corr": g.mean_corr, "placebo_p": g.placebo_p,
                 "note": g.small_sample if name in CROSS_SECTIONAL else None}
                for g in self.aggregate + tuple(a for gr in self.groups for a in gr.aggregate)
                for name in TESTS
            ]
        elif kind == "placebo":
            p = self.placebo
            rows = [] if p is None else [
                {"group": "all", "date": self.placebo_dates[i], "window_start": w[0], "window_end": w[1],
                 "n": int(p.n[i, j]), "caar": float(p.caar[i, j]),
                 **{f"p_{t}": float(p.pvalues[t][i, j]) for t in TESTS}}
                for i in range(p.used) for j, w in enumerate(self.spec.windows)
            ] + [
                {"group": g, "date": self.placebo_dates[i], "window_start": w[0], "window_end": w[1],
                 "n": int(p.group_n[g][i, j]), "caar": float(arr[i, j]),
                 **{f"p_{t}": float("nan") for t in TESTS}}
                for g, arr in p.group_caar.items()
                for i in range(p.used) for j, w in enumerate(self.spec.windows)
            ]
        elif kind == "size":
            p = self.placebo
            rows = [] if p is None else [
                {"window_start": w.window[0], "window_end": w.window[1], "test": t,
                 "rejection_rate": w.rejection[t], "level": p.level, "flagged": t in w.flagged,
                 "n_dates": w.n_dates}
                for w in p.windows for t in TESTS
            ]
        elif kind == "confounders":
            rows = [{**c.to_dict(), "windows": " ".join(f"[{a},{b}]" for a, b in c.windows)}
                    for c in self.confounders]
        elif kind == "rebound":
            rows = []
            for kind_, rb in (("asset", self.rebound_assets), ("group", self.rebound_groups)):
                days = range(rb.path.shape[0])
                rec = recovered_share(rb.path, days)
                rows += [{"name": name, "kind": kind_, "day": h, "car": float(rb.path[h, k]),
                          "recovered": float(rec[h, k])} for k, name in enumerate(rb.names) for h in days]
        else:
            raise ValueError(f"unknown frame {kind!r}; expected one of {', '.join(FRAMES)}")
        return pd.DataFrame(rows)


def _asset_dict(a: AssetResult) -> dict:
    return {
        "ticker": a.ticker, "groups": list(a.groups), "n_estimation": a.n_estimation, "intercept": a.intercept,
        "beta": a.beta, "betas": dict(a.betas), "sigma": a.sigma, "return_day0": a.return_day0,
        "ar_day0": a.ar_day0,
        "windows": [
            {"window": list(w.window), "car": w.car, "bhar": w.bhar, "var_car": w.var_car,
             "t": w.t, "p": w.p, "missing_days": w.missing}
            for w in a.windows
        ],
    }


def _agg_dict(a: WindowAggregate) -> dict:
    return {
        "window": list(a.window), "n": a.n, "caar": a.caar, "mean_corr": a.mean_corr,
        "placebo_p": a.placebo_p,
        "tests": {name: {"stat": s, "p": p} for name, (s, p) in a.tests.items()},
        "small_sample": a.small_sample,
        "small_sample_tests": list(CROSS_SECTIONAL) if a.small_sample else [],
    }
