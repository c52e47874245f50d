"""Placebo inference: the same study on random non-event sessions before the event.

All placebo dates are computed at once (a batch axis M): the fits solve M x N masked
normal equations together, so 1,000 dates x 25 assets take well under two seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from stress.eventstudy.batch import aggregates, event_period, run_batch
from stress.eventstudy.significance import TESTS, usable
from stress.eventstudy.spec import EventStudySpec, Window


@dataclass(frozen=True)
class PlaceboWindow:
    """One window's placebo distribution and the size check of every test.

    ``p_empirical`` = (1 + #{|CAAR_placebo| >= |CAAR|}) / (M + 1), two-sided;
    ``rejection`` {test: share of placebo dates with p < level}; ``flagged`` the tests
    whose share exceeds ``flag_rate``.
    """

    window: Window
    caar: float
    p_empirical: float
    n_dates: int
    placebo_mean: float
    placebo_sd: float
    placebo_q025: float
    placebo_q975: float
    rejection: dict = field(default_factory=dict)
    flagged: tuple[str, ...] = ()
    group_p: dict = field(default_factory=dict)  # {group: empirical p of the group CAAR}


@dataclass(frozen=True)
class PlaceboResult:
    """The placebo run. ``requested``: the count asked (None: every qualifying session,
    up to ``PLACEBO_MAX``); ``used`` = M dates drawn of the ``candidates`` qualifying
    sessions among the ``pool`` before day 0. Arrays are (M, n_windows), rows in date
    order: ``caar`` and ``n`` over all assets of the study, ``pvalues[test]`` its tests;
    ``group_caar[name]`` / ``group_n[name]`` the same CAAR and asset count per group
    (the distribution behind each group's empirical p-value)."""

    requested: int | None
    used: int
    candidates: int
    seed: int
    seconds: float
    level: float
    flag_rate: float
    positions: np.ndarray  # (M,) rows of the placebo day 0s
    windows: tuple[PlaceboWindow, ...]
    caar: np.ndarray  # (M, n_windows) placebo CAARs of all assets
    n: np.ndarray  # (M, n_windows) assets in each placebo aggregate
    pvalues: dict  # {test: (M, n_windows) p-values}
    group_caar: dict = field(default_factory=dict)  # {group: (M, n_windows) placebo CAARs}
    group_n: dict = field(default_factory=dict)  # {group: (M, n_windows) assets averaged}
    pool: int = 0  # sessions before day 0 the dates come from


def candidate_positions(
    day0: int, spec: EventStudySpec, blocked: Sequence[int] = ()
) -> np.ndarray:
    """Rows that may serve as placebo day 0: within ``spec.placebo_pool`` sessions before
    day 0, with every placebo window ending before the first event-window day, and no
    window touching a ``blocked`` row (another event's day 0)."""
    first, last = event_period(spec.windows)
    hi = day0 + first - last - 1
    lo = max(day0 - spec.placebo_pool, 0)
    pos = np.arange(lo, hi + 1)
    if len(blocked) and len(pos):
        b = np.asarray(list(blocked))
        hit = ((b[None, :] >= pos[:, None] + first) & (b[None, :] <= pos[:, None] + last)).any(axis=1)
        pos = pos[~hit]
    return pos


def run_placebo(
    returns: np.ndarray,
    regressors: np.ndarray,
    day0: int,
    spec: EventStudySpec,
    include: np.ndarray,
    actual_caar: Sequence[float],
    groups: Mapping[str, tuple[np.ndarray, Sequence[float]]] | None = None,
    blocked: Sequence[int] = (),
) -> PlaceboResult | None:
    """Run the study on placebo dates drawn from the qualifying sessions, seeded.

    M = min(``spec.placebo_target``, qualifying sessions): every qualifying session when
    fewer qualify, else M drawn without replacement. ``include`` (N,) the assets of the
    actual study; ``actual_caar`` per window; ``groups`` {name: (member mask (N,),
    actual group CAAR per window)}. Returns None when ``spec.placebo`` is 0.
    """
    if spec.placebo == 0:
        return None
    t0 = time.perf_counter()
    cand = candidate_positions(day0, spec, blocked)
    rng = np.random.default_rng(spec.seed)
    target = spec.placebo_target
    if len(cand) > target:
        pos = np.sort(rng.choice(cand, size=target, replace=False))
    else:
        pos = cand
    nw = len(spec.windows)
    groups = groups or {}
    if len(pos) == 0:
        empty = np.empty((0, nw))
        return PlaceboResult(spec.placebo, 0, 0, spec.seed, 0.0, spec.level, spec.flag_rate,
                             pos, (), empty, empty, {}, {g: empty for g in groups},
                             {g: empty for g in groups}, spec.placebo_pool)
    batch = run_batch(returns, regressors, pos, spec)
    aggs = aggregates(batch, include)
    caar = np.stack([a.caar for a in aggs], axis=1)
    n = np.stack([a.n for a in aggs], axis=1)
    pvals = {t: np.stack([a.tests[t][1] for a in aggs], axis=1) for t in TESTS}
    group_caar, group_n = {}, {}
    for name, (mask, _) in groups.items():
        cols, counts = [], []
        for wb in batch.windows:
            used = usable(mask[None, :] & include[None, :], wb.car, wb.var_car)  # (M, N)
            cnt = used.sum(axis=1)
            total = np.where(used, wb.car, 0.0).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                cols.append(np.where(cnt > 0, total / cnt, np.nan))
            counts.append(cnt)
        group_caar[name] = np.stack(cols, axis=1)
        group_n[name] = np.stack(counts, axis=1)
    windows = []
    for j, w in enumerate(spec.windows):
        c = caar[:, j]
        ok = np.isfinite(c)
        rej = {}
        for t in TESTS:
            pv = pvals[t][:, j]
            good = np.isfinite(pv)
            rej[t] = float((pv[good] < spec.level).mean()) if good.any() else float("nan")
        gp = {
            name: _empirical_p(group_caar[name][:, j], actual[j])
            for name, (_, actual) in groups.items()
        }
        windows.append(
            PlaceboWindow(
                window=w,
                caar=float(actual_caar[j]),
                p_empirical=_empirical_p(c, actual_caar[j]),
                n_dates=int(ok.sum()),
                placebo_mean=float(c[ok].mean()) if ok.any() else float("nan"),
                placebo_sd=float(c[ok].std(ddof=1)) if ok.sum() > 1 else float("nan"),
                placebo_q025=float(np.quantile(c[ok], 0.025)) if ok.any() else float("nan"),
                placebo_q975=float(np.quantile(c[ok], 0.975)) if ok.any() else float("nan"),
                rejection=rej,
                flagged=tuple(t for t in TESTS if rej[t] == rej[t] and rej[t] > spec.flag_rate),
                group_p=gp,
            )
        )
    return PlaceboResult(
        requested=spec.placebo,
        used=len(pos),
        candidates=len(cand),
        seed=spec.seed,
        seconds=time.perf_counter() - t0,
        level=spec.level,
        flag_rate=spec.flag_rate,
        positions=pos,
        windows=tuple(windows),
        caar=caar,
        n=n,
        pvalues=pvals,
        group_caar=group_caar,
        group_n=group_n,
        pool=spec.placebo_pool,
    )


def _empirical_p(placebo: np.ndarray, actual: float) -> float:
    """(1 + #{|placebo| >= |actual|}) / (M + 1) over the finite placebo values."""
    ok = placebo[np.isfinite(placebo)]
    if not ok.size or actual != actual:
        return float("nan")
    return float((1 + (np.abs(ok) >= abs(actual)).sum()) / (ok.size + 1))


def placebo_warnings(p: PlaceboResult, spec: EventStudySpec, n_blocked: int) -> list[str]:
    """The placebo run's warnings: too few qualifying sessions (only when a count was
    asked, or none qualifies) and ONE line for the size check listing, per window, the
    tests that reject on more than ``flag_rate`` of the placebo dates (the full table
    stays in the result). ``n_blocked``: other events' day 0s near the pool."""
    out = []
    first = event_period(spec.windows)[0]
    why = (f"windows must end before day {first} and avoid the days of {n_blocked} other "
           f"catalogue event(s)")
    if p.used == 0:
        out.append(f"placebo: no session qualifies in the {p.pool} before day 0 ({why}); "
                   f"no placebo inference (widen it with --placebo-pool)")
    elif p.requested is not None and p.used < p.requested:
        out.append(f"placebo: {p.requested} dates asked, {p.candidates} sessions qualify in the "
                   f"{p.pool} before day 0 ({why}); all {p.used} used (a larger --placebo-pool "
                   f"gives more)")
    flagged = [w for w in p.windows if w.flagged]
    if flagged:
        counts = {w.n_dates for w in p.windows}
        same = len(counts) == 1
        parts = []
        for w in flagged:
            label = f"[{w.window[0]},{w.window[1]}]" + ("" if same else f" ({w.n_dates} dates)")
            parts.append(label + " " + " ".join(f"{t} {w.rejection[t]:.1%}" for t in w.flagged))
        dates = f"{counts.pop()} placebo dates" if same else "the placebo dates"
        out.append(f"placebo size check: at {spec.level:.0%}, these tests reject on more than "
                   f"{spec.flag_rate:.0%} of {dates} (no event): " + "; ".join(parts)
                   + " (full table in the output)")
    return out
