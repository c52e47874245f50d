"""An :class:`~stress.report.views.EventView` from the event study's and the sensitivity's
results. Reads their numbers; the only arithmetic here is for display: the group CAAR
path (the mean of the members' daily ARs, cumulated) and its band.

Band (docs/methods.md, "Reports"): for a group of N assets with residual sds sigma_i and
mean residual correlation r (the KP r of the study), the CAAR cumulated over L days has
variance  L / N^2 * (sum sigma_i^2 + r * ((sum sigma_i)^2 - sum sigma_i^2)),  and the band
is CAAR +- 1.96 sd. It allows for the cross-correlation of a common event date (with
r = 0 it is the usual independent-assets band); the estimation error of the model's
parameters is left out (it adds about L/L1 of a day's variance).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np
import pandas as pd

from stress.report.views import EventView

if TYPE_CHECKING:  # pragma: no cover
    from stress.eventstudy.result import EventStudyResult
    from stress.sensitivity.result import SensitivityResult

ALL = "all"


def event_view(
    result: "EventStudyResult",
    groups: Sequence[str],
    labels: Mapping[str, str],
    sensitivity: "SensitivityResult | None" = None,
    main_window: tuple[int, int] | None = None,
    path_days: tuple[int, int] | None = None,
) -> EventView:
    """The report's numbers from an event-study result (and a sensitivity result).

    ``groups``: the groups to show, in order (each must be a group of the study);
    ``labels``: display names; ``main_window``: the window of the headline (default
    [0,0] if studied, else the first window); ``path_days``: first and last day of the
    CAR-path chart (default: the widest event window, within the study's days).
    """
    spec = result.spec
    windows = list(spec.windows)
    main = tuple(main_window) if main_window else ((0, 0) if (0, 0) in windows else windows[0])
    member = _membership(result, groups)
    gframe = pd.DataFrame({"label": [labels.get(g, g) for g in groups],
                           "n": [int(member[g].sum()) for g in groups]}, index=list(groups))
    ev = result.event
    rebound, recovered = _rebound(result, groups)
    return EventView(
        event_id=ev.id, label=ev.title or ev.id, event_date=ev.date, day0=ev.day0,
        direction=ev.direction, main_window=main, groups=gframe,
        tests=_tests(result, groups), paths=_paths(result, groups, member, main, path_days),
        assets=_assets(result, groups, windows), placebo=_placebo(result, groups, main),
        rebound=rebound, recovered=recovered,
        size=_size(result), sensitivity=_sensitivity(sensitivity, result, groups),
        reference=_reference(sensitivity),
        notes=tuple([ev.note] if ev.shifted else []),
        confounders=tuple(getattr(result, "confounders", ())),
    )


def _membership(result: "EventStudyResult", groups: Sequence[str]) -> dict[str, np.ndarray]:
    """Per group, (N,) bool over ``result.tickers``: the included members."""
    out = {}
    for g in groups:
        gr = next((x for x in result.groups if x.name == g), None)
        inc = set(gr.included) if gr is not None else set()
        out[g] = np.array([t in inc for t in result.tickers], dtype=bool)
    return out


def _agg_rows(scope: str, aggs) -> list[dict]:
    rows = []
    for a in aggs:
        row = {"group": scope, "a": a.window[0], "b": a.window[1], "n": a.n, "caar": a.caar,
               "r": a.mean_corr, "placebo_p": np.nan if a.placebo_p is None else a.placebo_p}
        for name, (stat, p) in a.tests.items():
            row[f"{name}_stat"], row[f"{name}_p"] = stat, p
        rows.append(row)
    return rows


def _tests(result: "EventStudyResult", groups: Sequence[str]) -> pd.DataFrame:
    rows = _agg_rows(ALL, result.aggregate)
    for g in groups:
        gr = next(x for x in result.groups if x.name == g)
        rows += _agg_rows(g, gr.aggregate)
    frame = pd.DataFrame(rows)
    frame.insert(1, "window", [f"[{a},{b}]" for a, b in zip(frame["a"], frame["b"])])
    return frame


def _paths(result, groups, member, main, path_days) -> pd.DataFrame:
    days = np.asarray(result.days)
    windows = result.spec.windows
    lo, hi = path_days or (min(w[0] for w in windows), max(w[1] for w in windows))
    lo, hi = max(lo, int(days.min())), min(hi, int(days.max()))
    rows_sel = (days >= lo) & (days <= hi)
    sigma = np.array([a.sigma for a in result.assets], dtype=float)
    out = []
    for g in groups:
        m = member[g]
        if not m.any():
            continue
        ar = result.ar[rows_sel][:, m]
        with np.errstate(invalid="ignore"):
            aar = np.nanmean(np.where(np.isfinite(ar), ar, np.nan), axis=1) if ar.size else ar
        caar = np.cumsum(aar)
        r = result.window(main, g).mean_corr
        r = 0.0 if r != r else r
        s = sigma[m]
        n = m.sum()
        var_day = (np.sum(s**2) + r * (np.sum(s) ** 2 - np.sum(s**2))) / n**2
        length = np.arange(1, len(caar) + 1)
        sd = np.sqrt(np.maximum(var_day, 0) * length)
        for d, c, e in zip(days[rows_sel], caar, sd):
            out.append({"group": g, "day": int(d), "caar": c, "lo": c - 1.96 * e, "hi": c + 1.96 * e,
                        "sd": e})
    return pd.DataFrame(out, columns=["group", "day", "caar", "lo", "hi", "sd"])


def _assets(result, groups, windows) -> pd.DataFrame:
    rows = []
    shown = set(groups)
    for a in result.assets:
        g = next((x for x in a.groups if x in shown), a.groups[0] if a.groups else None)
        w0 = next((w for w in a.windows if w.window == (0, 0)), None)
        row = {"ticker": a.ticker, "group": g, "raw0": a.return_day0, "ar0": a.ar_day0,
               "t0": w0.t if w0 else np.nan, "p0": w0.p if w0 else np.nan,
               "n_estimation": a.n_estimation, "intercept": a.intercept, "beta": a.beta, "sigma": a.sigma}
        for w in a.windows:
            row[f"car_[{w.window[0]},{w.window[1]}]"] = w.car
        rows.append(row)
    for t, why in result.excluded:
        rows.append({"ticker": t, "group": None, "raw0": np.nan, "ar0": np.nan, "t0": np.nan,
                     "p0": np.nan, "excluded": why})
    return pd.DataFrame(rows)


def _placebo(result, groups, main) -> pd.DataFrame:
    """Placebo CAARs of the main window: per group when the study kept them
    (``PlaceboResult.group_caar``), else of all assets (group ``all``)."""
    p = result.placebo
    if p is None or p.used == 0:
        return pd.DataFrame(columns=["group", "caar"])
    j = list(result.spec.windows).index(main)
    per_group = getattr(p, "group_caar", None)
    if per_group:
        parts = [pd.DataFrame({"group": g, "caar": np.asarray(per_group[g])[:, j]})
                 for g in groups if g in per_group]
        if parts:
            return pd.concat(parts, ignore_index=True)
    return pd.DataFrame({"group": ALL, "caar": p.caar[:, j]})


def _rebound(result, groups) -> tuple[pd.DataFrame, pd.DataFrame]:
    rb = result.rebound_groups
    path_rows, rec_rows = [], []
    for k, name in enumerate(rb.names):
        if name not in groups:
            continue
        for h in range(rb.path.shape[0]):
            path_rows.append({"group": name, "day": h, "car": float(rb.path[h, k])})
        shown = _day0_significant(result, name)
        for j, h in enumerate(rb.horizons):
            share = float(rb.recovered[j, k]) if shown else float("nan")
            rec_rows.append({"group": name, "horizon": int(h), "share": share})
    return (pd.DataFrame(path_rows, columns=["group", "day", "car"]),
            pd.DataFrame(rec_rows, columns=["group", "horizon", "share"]))


def _day0_significant(result, group: str, level: float = 0.05) -> bool:
    """Whether the group's day-0 CAAR is significant by the clustering-robust KP test: a
    share of a move that is not told apart from noise is not a recovery (for a +0.8%
    day-0 move, "1 - CAR/AR(0)" reads as -256%). True when [0,0] was not studied."""
    try:
        p = result.window((0, 0), group).tests["kp"][1]
    except KeyError:
        return True
    return bool(p == p and p < level)


def size_frame(result) -> pd.DataFrame | None:
    """The size check of a study (rejection rate of each test on the placebo sessions)."""
    return _size(result)


def _size(result) -> pd.DataFrame | None:
    p = result.placebo
    if p is None or not p.windows:
        return None
    rows = [{"window": f"[{w.window[0]},{w.window[1]}]", "a": w.window[0], "b": w.window[1],
             "test": t, "rejection": r, "level": p.level, "n_dates": w.n_dates}
            for w in p.windows for t, r in w.rejection.items()]
    return pd.DataFrame(rows)


def _sensitivity(sens, result, groups) -> pd.DataFrame | None:
    if sens is None or sens.table is None or sens.table.empty:
        return None
    t = sens.table
    c = sens.comparison if sens.comparison is not None else pd.DataFrame(index=t.index)
    shown = set(groups)
    group_of = {a.ticker: next((x for x in a.groups if x in shown), None) for a in result.assets}
    get = lambda frame, col: frame[col].reindex(t.index) if col in frame else np.nan  # noqa: E731
    out = pd.DataFrame({
        "ticker": t.index, "group": [group_of.get(x) or t.loc[x, "group"] for x in t.index],
        "b": t["b"], "b_lo": t["ci_lo"], "b_hi": t["ci_hi"], "n_events": t["n_events"],
        "beta_ai": t["beta_ai"], "ai_lo": t["ci_ai_lo"], "ai_hi": t["ci_ai_hi"],
        "implied_event": get(c, "event_implied"), "implied_event_lo": get(c, "event_implied_lo"),
        "implied_event_hi": get(c, "event_implied_hi"), "implied_factor": get(c, "factor_implied"),
        "implied_factor_lo": get(c, "factor_implied_lo"),
        "implied_factor_hi": get(c, "factor_implied_hi"), "actual": get(c, "actual_ar"),
        "reason": t["reason"].fillna("") if "reason" in t else "",
    })
    return out.reset_index(drop=True)


def _reference(sens) -> tuple[str, str]:
    ref = (sens.settings or {}).get("reference", {}) if sens is not None else {}
    return str(ref.get("id", "deepseek-r1")), str(ref.get("day0", ""))
