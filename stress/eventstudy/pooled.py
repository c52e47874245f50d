"""Pooled event studies: many firm-events, each with its own day 0 and estimation window.

A firm-event is one ticker on one event date (:mod:`pairs`). Each is fitted and
evaluated by the single-event machinery (:func:`batch.run_batch` over the distinct
day-0 sessions, the same rules: day 0 the first session on or after the date,
estimation window and minimum observations of the spec). The pool is then tested per
window over all firm-events, per event and per group, with tests that survive shared
dates and repeated firms (:mod:`robust`). Formulas: docs/methods.md, "Pooled event
studies".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from stress.errors import DataError, InputError
from stress.eventstudy import robust
from stress.eventstudy.align import align, locate
from stress.eventstudy.batch import event_period, run_batch
from stress.eventstudy.multiple import adjust
from stress.eventstudy.pairs import FirmEvent
from stress.eventstudy.pooled_result import POOLED_TESTS, FirmEventRow, PooledResult, PooledRow
from stress.eventstudy.correlation import residual_correlation
from stress.eventstudy.spec import EventStudySpec

#: Below this many firms or dates in the pool, the clustered test is flagged unreliable.
FEW_CLUSTERS = 10
#: Distinct day-0 sessions fitted per batch (bounds memory for large pairs files).
DATES_PER_BATCH = 64


def run_pooled_study(
    closes: pd.DataFrame,
    firm_events: Sequence[FirmEvent],
    spec: EventStudySpec | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    signed: bool = False,
) -> PooledResult:
    """Pooled event study of ``firm_events`` on adjusted ``closes`` (n_days, n_tickers).

    ``groups``: {name: tickers}; a firm-event belongs to a group when its ticker does.
    ``signed``: multiply the abnormal returns of ``down`` events by -1 so that "AI demand
    up" is positive across the pool (control and unknown directions are not flipped).
    """
    spec = spec or EventStudySpec()
    groups = {str(k): [str(t).strip().upper() for t in v] for k, v in (groups or {}).items()}
    pool = _pool(closes, firm_events, spec, signed)
    panel, pos, b_of, sign, fits, keep, sar_est, warnings = (
        pool.panel, pool.pos, pool.b_of, pool.sign, pool.fits, pool.keep, pool.sar_est, pool.warnings)
    days0 = [f"{d:%Y-%m-%d}" for d in panel.index[pos]]
    labels = np.array([fe.event for fe in firm_events])
    scopes: list[tuple[str, str, np.ndarray]] = [("all", "all", np.ones(len(firm_events), dtype=bool))]
    for ev in dict.fromkeys(labels.tolist()):
        scopes.append(("event", ev, labels == ev))
    for name, members in groups.items():
        scopes.append(("group", name, np.array([fe.ticker in set(members) for fe in firm_events])))

    rows: list[PooledRow] = []
    per_window = []
    for window, (car_w, var, bhar_w) in zip(spec.windows, fits.windows):
        car, bhar = sign * car_w, sign * bhar_w
        ok = keep & np.isfinite(car) & (var > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            scar = car / np.sqrt(var)
        per_window.append((window, car, bhar, scar, ok))
        for n_gap in np.flatnonzero(keep & ~np.isfinite(car)):
            fe = firm_events[n_gap]
            warnings.append(f"{fe.ticker} on {days0[n_gap]}: window [{window[0]},{window[1]}] has missing "
                            f"returns or runs past the data: left out of that window")
        for kind, name, member in scopes:
            m = ok & member
            rows.append(_row(kind, name, window, m, car, bhar, scar, fits.dof, sar_est,
                             b_of, sign, fits.corr, [fe.ticker for fe in firm_events]))
    rows = _with_adjusted(rows)
    fe_rows = tuple(
        FirmEventRow(fe.ticker, fe.event, fe.date.isoformat(), days0[k], fe.direction, float(sign[k]),
                     bool(keep[k]), tuple((w, float(c[k]), float(bh[k]), float(s[k])) for w, c, bh, s, _ in per_window))
        for k, fe in enumerate(firm_events)
    )
    notes = []
    top = rows[0]
    if min(top.firms, top.dates) < FEW_CLUSTERS:
        notes.append(f"only {top.firms} firms and {top.dates} dates: two-way clustered standard errors need many "
                     f"clusters (fewer than {FEW_CLUSTERS} in one dimension make the clustered test unreliable; "
                     f"read the date-portfolio, adjusted and GRANK tests beside it)")
    if signed:
        n_down = int(((sign < 0) & keep).sum())
        notes.append(f"signed: abnormal returns of the {n_down} firm-events of down events are multiplied by -1 "
                     f"(AI demand up is positive across the pool)")
    return PooledResult(spec=spec, signed=signed, firm_events=fe_rows, rows=tuple(rows),
                        groups=tuple(groups), notes=tuple(notes), warnings=tuple(dict.fromkeys(warnings)))


@dataclass(frozen=True)
class _Pooled:
    """The firm-events fitted and screened: ``panel``; per firm-event k ``pos`` (row of
    day 0), ``b_of`` (its distinct day-0 row), ``sign``, ``keep`` (not excluded) and
    ``sar_est`` (K, L1) signed standardised estimation residuals; ``fits``; the
    ``warnings`` so far (a list the caller extends)."""

    panel: Any
    pos: np.ndarray
    b_of: np.ndarray
    sign: np.ndarray
    fits: Any
    keep: np.ndarray
    sar_est: np.ndarray
    warnings: list


def _pool(closes: pd.DataFrame, firm_events: Sequence[FirmEvent], spec: EventStudySpec,
          signed: bool) -> _Pooled:
    """Align, locate day 0, fit and screen ``firm_events`` (the first stage of
    :func:`run_pooled_study`)."""
    if not firm_events:
        raise InputError("no firm-events to study")
    tickers = list(dict.fromkeys(fe.ticker for fe in firm_events))
    have = {str(c).upper() for c in closes.columns[closes.notna().any().to_numpy()]}
    for fe in firm_events:
        if fe.ticker not in have:
            raise DataError(f"{fe.where}: no prices for {fe.ticker}")
    panel, _ = align(closes, tickers, spec)
    col = {t: j for j, t in enumerate(panel.tickers)}
    warnings = list(panel.warnings)

    # day 0 of each firm-event (same rule as a single study), one batch row per session
    pos, seen, located = [], {}, {}
    for fe in firm_events:
        try:
            loc = located.get(fe.date) or located.setdefault(fe.date, locate(fe.date, panel.calendar))
        except InputError as exc:
            raise InputError(f"{fe.where}: {fe.ticker}: {exc}") from None
        day0 = loc.day0
        key = (fe.ticker, day0)
        if key in seen:
            raise InputError(f"{fe.where}: {fe.ticker} on day 0 {day0:%Y-%m-%d} twice (also {seen[key]})")
        seen[key] = fe.where
        if loc.shifted:
            warnings.append(f"{fe.where}: {fe.ticker}: {loc.note}")
        pos.append(loc.pos)
    pos = np.array(pos)
    upos, b_of = np.unique(pos, return_inverse=True)
    j_of = np.array([col[fe.ticker] for fe in firm_events])
    sign = np.array([-1.0 if signed and fe.direction == "down" else 1.0 for fe in firm_events])
    fits = _fits(panel, spec, upos, b_of, j_of)

    # exclusions (same rules as a single study)
    n_est, sigma = fits.n_est, fits.sigma
    keep = np.ones(len(firm_events), dtype=bool)
    a, b = spec.estimation
    for k, fe in enumerate(firm_events):
        why = None
        if fe.ticker in spec.regressors:
            why = f"it is a regressor of the {spec.model} model (abnormal return identically 0)"
        elif n_est[k] < spec.min_estimation:
            why = f"{int(n_est[k])} estimation returns in [{a},{b}], fewer than the minimum {spec.min_estimation}"
        elif not sigma[k] > 0:
            why = "zero residual variance in the estimation window"
        if why:
            keep[k] = False
            warnings.append(f"{fe.where}: {fe.ticker} on {fe.date} excluded: {why}")
    if not keep.any():
        raise InputError("no firm-event left to study: " + "; ".join(w for w in warnings if "excluded" in w)[:400])
    with np.errstate(invalid="ignore", divide="ignore"):
        sar_est = sign[:, None] * fits.resid / sigma[:, None]  # (K, L1)
    return _Pooled(panel, pos, b_of, sign, fits, keep, sar_est, warnings)


def event_robust_tests(closes: pd.DataFrame, firm_events: Sequence[FirmEvent],
                       spec: EventStudySpec) -> dict[tuple[int, int], list[dict[str, tuple[float, float]]]]:
    """Per window, per event label (in order of first appearance), the KP-adjusted
    Patell and BMP and GRANK of that event's firm-events alone: the robust tests of the
    ``event`` rows of :func:`run_pooled_study` (the same functions on the same inputs),
    without its other scopes, tests and adjusted p-values (the placebo size check of a
    single study needs only these)."""
    pool = _pool(closes, firm_events, spec, signed=False)
    labels = np.array([fe.event for fe in firm_events])
    members = [labels == ev for ev in dict.fromkeys(labels.tolist())]
    out, samples, corr = {}, [], {}
    for window, (car, var, _) in zip(spec.windows, pool.fits.windows):
        ok = pool.keep & np.isfinite(car) & (var > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            scar = car / np.sqrt(var)
        rows = []
        for member in members:
            idx = np.flatnonzero(ok & member)
            s = scar[idx]
            key = idx.tobytes()  # the same firm-events in every window, as a rule
            if key not in corr:
                corr[key] = _same_date_correlation(idx, pool.b_of, pool.sign, pool.fits.corr)
            r, pairs = corr[key]
            rows.append(robust.kp_adjusted(s, pool.fits.dof[idx].astype(float), r, pairs))
            samples.append((rows[-1], idx, s))
        out[tuple(window)] = rows
    for n in {idx.size for _, idx, _ in samples}:  # GRANK of the samples of each size at once
        same = [x for x in samples if x[1].size == n]
        t, p = robust.grank_many(np.stack([pool.sar_est[idx] for _, idx, _ in same]).reshape(len(same), n, -1),
                                 np.stack([s for _, _, s in same]).reshape(len(same), n))
        for (tests, _, _), t_k, p_k in zip(same, t, p):
            tests["grank"] = (float(t_k), float(p_k))
    return out


def _row(kind: str, name: str, window, m: np.ndarray, car, bhar, scar, dof, sar_est, b_of, sign,
         corr: dict, tickers: list[str]) -> PooledRow:
    idx = np.flatnonzero(m)
    n = idx.size
    firms = np.array([tickers[i] for i in idx])
    dates = b_of[idx]
    s = scar[idx]
    tests: dict[str, tuple[float, float]] = {}
    tests["patell"] = robust.patell(s, dof[idx].astype(float))
    tests["bmp"] = robust.bmp(s)
    r, pairs = _same_date_correlation(idx, b_of, sign, corr)
    tests.update(robust.kp_adjusted(s, dof[idx].astype(float), r, pairs))
    tests["grank"] = robust.grank(sar_est[idx], s)
    tests["clustered"] = robust.clustered(s, firms, dates)
    tests["date_portfolio"] = robust.date_portfolio(s, dates)
    return PooledRow(
        scope_kind=kind, scope=name, window=tuple(window), n=int(n),
        firms=int(np.unique(firms).size), dates=int(np.unique(dates).size),
        caar=float(car[idx].mean()) if n else float("nan"),
        mean_bhar=float(bhar[idx].mean()) if n else float("nan"),
        mean_corr=float(r), shared_pairs=int(pairs), tests=tests, adjusted={},
    )


def _same_date_correlation(idx, b_of, sign, corr: dict) -> tuple[float, int]:
    """Mean estimation-residual correlation over the ordered pairs of firm-events in
    ``idx`` that share a day 0 (signs applied), and the number P of such pairs.
    ``corr`` {date row b: (firm-event indices, their correlation matrix)}."""
    total, count = 0.0, 0
    chosen = set(idx.tolist())
    for b in np.unique(b_of[idx]):
        members, c = corr[int(b)]
        use = np.array([k in chosen for k in members])
        if use.sum() < 2:
            continue
        sub = c[np.ix_(use, use)] * np.outer(sign[members[use]], sign[members[use]])
        off = ~np.eye(int(use.sum()), dtype=bool) & np.isfinite(sub)
        total += float(sub[off].sum())
        count += int(off.sum())
    return (total / count if count else float("nan")), count


@dataclass(frozen=True)
class _Fits:
    """Per firm-event k (arrays (K,) unless said): ``n_est``, ``sigma``, ``dof``; ``resid``
    (K, L1) estimation residuals; ``windows`` per window (CAR, Var(CAR), BHAR);
    ``corr`` {date row b: (indices k on that date, (m, m) residual correlations)}."""

    n_est: np.ndarray
    sigma: np.ndarray
    dof: np.ndarray
    resid: np.ndarray
    windows: list
    corr: dict


def _fits(panel, spec: EventStudySpec, upos: np.ndarray, b_of: np.ndarray, j_of: np.ndarray) -> _Fits:
    """Fit every firm-event with :func:`batch.run_batch`: the distinct day-0 sessions in
    chunks of :data:`DATES_PER_BATCH` dates, each chunk on the columns of its own firm-events only (so
    memory grows with the firm-events, not dates x every ticker)."""
    k_all = b_of.size
    l1 = spec.estimation[1] - spec.estimation[0] + 1
    out = {name: np.full(k_all, np.nan) for name in ("n_est", "sigma", "dof")}
    resid = np.full((k_all, l1), np.nan)
    wins = [tuple(np.full(k_all, np.nan) for _ in range(3)) for _ in spec.windows]
    corr: dict = {}
    chunk = DATES_PER_BATCH
    for start in range(0, upos.size, chunk):
        rows_b = np.arange(start, min(start + chunk, upos.size))
        ks = np.flatnonzero((b_of >= rows_b[0]) & (b_of <= rows_b[-1]))
        cols, j_local = np.unique(j_of[ks], return_inverse=True)
        b_local = b_of[ks] - start
        batch = run_batch(panel.y[:, cols], panel.x, upos[rows_b], spec, span=event_period(spec.windows))
        fit = batch.fit
        out["n_est"][ks] = fit.n_est[b_local, j_local]
        out["sigma"][ks] = fit.sigma[b_local, j_local]
        out["dof"][ks] = fit.dof[b_local, j_local]
        resid[ks] = fit.resid[b_local, :, j_local]
        for (car, var, bhar), wb in zip(wins, batch.windows):
            car[ks], var[ks], bhar[ks] = (wb.car[b_local, j_local], wb.var_car[b_local, j_local],
                                          wb.bhar[b_local, j_local])
        c_all = residual_correlation(fit.resid)  # (chunk, n_cols, n_cols)
        for bl in np.unique(b_local):
            members = ks[b_local == bl]
            jl = j_local[b_local == bl]
            corr[int(bl + start)] = (members, c_all[bl][np.ix_(jl, jl)])
    return _Fits(out["n_est"], out["sigma"], out["dof"], resid, wins, corr)


def _with_adjusted(rows: list[PooledRow]) -> list[PooledRow]:
    """Holm and BH p-values per test over every scope x window row of the study."""
    from dataclasses import replace

    adj = {t: adjust([r.tests[t][1] for r in rows]) for t in POOLED_TESTS}
    return [
        replace(r, adjusted={t: {m: float(adj[t][m][i]) for m in ("holm", "bh")} for t in POOLED_TESTS})
        for i, r in enumerate(rows)
    ]


def select_events(catalogue, ids: Iterable[str] | None = None, directions: Iterable[str] | None = None,
                  kinds: Iterable[str] | None = None) -> tuple[Any, ...]:
    """Catalogue events by ids, directions and kinds (all given filters apply)."""
    cat = catalogue.select(ids=list(ids) if ids else None, directions=list(directions) if directions else None)
    events = tuple(cat)
    if kinds:
        wanted = set(kinds)
        known = {e.kind for e in catalogue}
        bad = sorted(wanted - known)
        if bad:
            raise InputError(f"unknown event kind {bad[0]!r} (known: {', '.join(sorted(known))})")
        events = tuple(e for e in events if e.kind in wanted)
    if not events:
        raise InputError("no catalogue event matches the filters")
    return events
