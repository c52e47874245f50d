"""Running books through scenarios: the one place that reads prices for the engine.

:func:`run` reads the closes of every asset of the run from the store (through
:func:`stress.data.provider.load_closes`), values the books, builds the scenario returns
R (N, S) and their uncertainty, and hands arrays to the pure pieces: the grid (one
matrix product), VaR/ES per regime, reverse stress. Sensitivities come from an injected
callable (the CLI passes :func:`stress.sensitivity.sensitivity_table`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from stress.errors import DataError, InputError, StressError
from stress.portfolio.files import PortfolioFile
from stress.portfolio.valuation import value_portfolios
from stress.scenarios.catalogue import ScenarioCatalogue, ScenarioSpec
from stress.scenarios.custom import Propagated, custom_returns, fill_missing
from stress.scenarios.engine import scenario_grid
from stress.scenarios.hypothetical import (
    below_total_loss, check_shock, estimation_cov, residual_cov, shock_returns, shock_uncertainty,
)
from stress.scenarios.replay import window_returns
from stress.scenarios.result import RunResult, ScenarioInfo
from stress.scenarios.reverse import reverse_stress
from stress.scenarios.stressvar import regime_var

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from stress.data.store import PriceStore

#: (tickers, as_of) -> sensitivity table indexed by ticker with b, se, beta_mkt, reason
SensitivityFn = Callable[[list[str], str], "pd.DataFrame"]


@dataclass(frozen=True)
class RunOptions:
    """Settings of a run (defaults in docs/methods.md, Scenarios).

    ``cov_window``: sessions of daily returns up to the valuation date for the covariance
    (propagation, custom shocks, normal-regime VaR, reverse stress); ``min_obs``: fewest
    complete days accepted. ``horizon``: sessions of VaR/ES, custom shocks and the most
    plausible reverse shock. ``band``: two-sided level of P&L bands. ``reverse``: loss as
    a fraction of NAV. ``market_move``: market return added to AI shocks and to the
    reverse AI shock.
    """

    as_of: str | None = None
    nav: float | None = None
    cov_window: int = 504
    min_obs: int = 60
    horizon: int = 1
    band: float = 0.90
    var: bool = False
    n_sims: int = 50_000
    seed: int = 0
    reverse: float | None = None
    market_move: float = 0.0
    top: int = 5


def run(
    store: "PriceStore", files: Sequence[PortfolioFile], specs: Sequence[ScenarioSpec],
    catalogue: ScenarioCatalogue, options: RunOptions = RunOptions(), *, market: str = "SPY",
    reference: Sequence[str] = (), sensitivity: SensitivityFn | None = None,
    offline: bool = True, fetcher: Any = None,
) -> RunResult:
    """Run every book of ``files`` through every scenario of ``specs``.

    ``reference``: tickers (with ``market``) that propagated returns are conditioned on
    (the CLI passes every ticker of configs/universe.yaml), so that a book's numbers do
    not depend on the other books of the run; those without complete prices in the
    covariance window are left out. Empty: condition on every asset of the run.
    """
    _check_options(options)
    if not files:
        raise InputError("no portfolio files given")
    warnings: list[str] = []
    held = list(dict.fromkeys(t for f in files for t in f.tickers))
    extra = [t for s in specs if s.kind == "custom" for t, _ in s.shocks]
    needed = list(dict.fromkeys(held + extra + [market]))
    tickers = list(dict.fromkeys(needed + [t.upper() for t in reference]))
    closes = _closes(store, tickers, market, offline, fetcher, warnings)
    missing_extra = [t for t in dict.fromkeys(extra) if t not in held and not closes[t].notna().any()]
    if missing_extra:
        raise InputError(f"custom shock on {' '.join(missing_extra)}: no prices in the store; run "
                         f"`stress prices fetch {' '.join(missing_extra)}`")
    books = value_portfolios(files, closes, as_of=options.as_of, nav=options.nav)
    as_of = books[0].as_of
    if options.as_of is not None and _day(options.as_of) != as_of:
        warnings.append(f"--as-of {options.as_of} is not a stored session; valued as of {as_of}, "
                        "the last stored session on or before it")

    from stress.returns import to_returns

    rets = to_returns(closes)
    tickers = _usable_reference(rets, as_of, options, tickers, set(needed))
    closes, rets = closes[tickers], rets[tickers]
    ref = np.isin(tickers, [market, *[t.upper() for t in reference]]) if reference else None
    for b in books:
        warnings.extend(b.warnings)
    values = np.zeros((len(books), len(tickers)))
    col = {t: j for j, t in enumerate(tickers)}
    for p, b in enumerate(books):
        values[p, [col[t] for t in b.tickers]] = b.values
    nav = np.array([b.nav for b in books])
    window, mean, cov, shrinkage = _normal_window(rets, as_of, options, warnings)
    mkt = col[market]
    shown = np.isin(tickers, held)  # warnings name held assets only
    sens = _sensitivity(sensitivity, specs, options, tickers, as_of, market, window, cov, ref,
                        shown, warnings)

    infos, cols, srcs, uncs = [], [], [], []
    for spec in specs:
        info, r, src, unc = _scenario(spec, catalogue, closes, cov, sens, tickers, ref, shown,
                                      options, warnings)
        infos.append(info)
        cols.append(r)
        srcs.append(src)
        uncs.append(unc)
    n = len(tickers)
    returns = np.column_stack(cols) if cols else np.zeros((n, 0))
    source = np.column_stack(srcs) if srcs else np.zeros((n, 0), dtype=object)
    unc = np.stack(uncs) if uncs else np.zeros((0, n, n))
    grid = scenario_grid(values, returns, nav, unc, options.band)

    var = ()
    if options.var:
        var = _var(values, rets, window, mean, cov, specs, catalogue, closes, tickers, options,
                   warnings)
    rev = None
    if options.reverse is not None:
        rev = reverse_stress(
            values, nav, options.reverse,
            unit_returns=None if sens is None else sens["b"],
            beta=None if sens is None else sens["beta"], market_move=options.market_move,
            cov=cov, horizon=options.horizon, market_index=mkt,
            no_k_reason="no sensitivity table (the AI-shock size needs sensitivities; see warnings)",
        )
        warnings.extend(_beyond_total_loss(rev, values, sens, options.market_move, tickers, books))
    settings = {
        "market": market, "cov_window": options.cov_window, "cov_start": _d(window.index[0]),
        "cov_end": _d(window.index[-1]), "cov_obs": int(len(window)),
        "cov_shrinkage": shrinkage,
        "horizon": options.horizon, "band": options.band, "n_sims": options.n_sims,
        "seed": options.seed, "reverse": options.reverse, "market_move": options.market_move,
        "regime_sessions": catalogue.regime_sessions,
    }
    return RunResult(as_of, books, tuple(tickers), values, tuple(infos), returns, source, grid,
                     var, rev, settings, tuple(dict.fromkeys(warnings)), options.top)


# ---- pieces --------------------------------------------------------------------------
def _check_options(o: RunOptions) -> None:
    if o.cov_window < 2:
        raise InputError(f"--cov-window {o.cov_window}: need at least 2 sessions")
    if isinstance(o.horizon, bool) or int(o.horizon) != o.horizon or o.horizon < 1:
        raise InputError(f"--horizon {o.horizon}: a whole number of sessions >= 1")
    if not 0 < o.band < 1:
        raise InputError(f"--band {o.band}: a level strictly between 0 and 1, e.g. 0.90")
    if o.reverse is not None and not 0 < o.reverse:
        raise InputError(f"--reverse {o.reverse}: a loss as a positive fraction of NAV, e.g. 0.10")
    if o.n_sims < 100:
        raise InputError(f"--sims {o.n_sims}: at least 100 draws")
    check_shock(None, o.market_move)
    if isinstance(o.top, bool) or int(o.top) != o.top or o.top < 1:
        raise InputError(f"--top {o.top}: a whole number of holdings >= 1")


def _closes(store, tickers, market, offline, fetcher, warnings) -> "pd.DataFrame":
    """All stored closes of ``tickers`` on the market's calendar (its sessions)."""
    from stress.data.provider import load_closes

    try:
        closes = load_closes(store, tickers, offline=offline, fetcher=fetcher, warn=warnings.append)
    except DataError:  # unknown tickers: the valuation names their files and lines
        closes = store.read_closes(tickers)
    sessions = closes[market].dropna().index if market in closes else closes.index[:0]
    if len(sessions) == 0:
        raise DataError(f"no prices for the market index {market} (its sessions are the trading "
                        f"calendar): run `stress prices fetch {market}` or import it")
    off = closes.index.difference(sessions)
    if len(off):
        from stress.data.provider import off_session_rows

        warnings.append(f"{len(off)} day(s) with prices but no {market} session left out: "
                        + off_session_rows(closes.loc[off]))
    return closes.reindex(sessions)


def _usable_reference(rets, as_of, o: RunOptions, tickers, needed) -> list[str]:
    """``tickers`` without the reference-only ones lacking complete returns in the
    covariance window (they would shorten it for everyone)."""
    import pandas as pd

    win = rets.loc[: pd.Timestamp(as_of)].tail(o.cov_window)
    complete = win.notna().all()
    return [t for t in tickers if t in needed or bool(complete.get(t, False))]


def _normal_window(rets, as_of, o: RunOptions, warnings):
    """The ``cov_window`` daily returns up to ``as_of``, complete rows only; mean and
    Ledoit-Wolf covariance."""
    from stress.risk import ledoit_wolf

    import pandas as pd

    win = rets.loc[: pd.Timestamp(as_of)].tail(o.cov_window)
    full = win.dropna()
    if len(full) < o.min_obs:
        counts = win.notna().sum().sort_values()
        short = ", ".join(f"{t} {int(c)}" for t, c in counts.items() if c < o.min_obs)
        raise DataError(f"covariance window ({o.cov_window} sessions to {as_of}): only {len(full)} "
                        f"complete days, fewer than {o.min_obs} (days with prices: {short})")
    if len(full) < len(win):
        counts = win.notna().sum()
        short = ", ".join(f"{t} ({int(c)} days)" for t, c in counts.items() if c < len(win))
        warnings.append(f"covariance window shortened to {len(full)} complete days of {len(win)}: "
                        f"{short}")
    cov, shrinkage = ledoit_wolf(full.to_numpy())
    return full, full.to_numpy().mean(axis=0), cov, float(shrinkage)


def _sensitivity(fn, specs, o, tickers, as_of, market, window, cov, ref, shown,
                 warnings) -> dict | None:
    """b (per DeepSeek unit) and beta for every asset, filled where missing; the
    estimation and residual covariances, the propagation's conditional covariance."""
    shocks = any(s.kind == "shock" for s in specs)
    if not shocks and o.reverse is None:
        return None
    if fn is None:
        if shocks:
            raise InputError("AI-shock scenarios need the sensitivity table, which is not available")
        return None
    try:
        table = fn(list(tickers), as_of)
    except StressError as exc:
        if shocks:
            raise
        warnings.append(f"reverse stress without the AI-shock size: {exc}")
        return None
    missing_cols = [c for c in ("b", "se", "beta_mkt") if c not in table.columns]
    if missing_cols:
        raise DataError(f"sensitivity table lacks column(s) {', '.join(missing_cols)}")
    table = table.reindex(list(tickers))
    b = np.array(table["b"], dtype=float)
    se = np.array(table["se"], dtype=float)
    beta = np.array(table["beta_mkt"], dtype=float)
    x = window.to_numpy()
    j = tickers.index(market)
    resid, ols_beta = residual_cov(x, x[:, j])
    if not np.isfinite(b[j]):  # the market's abnormal return on itself is zero by definition
        b[j], se[j], beta[j] = 0.0, 0.0, 1.0
    nobeta = ~np.isfinite(beta) & np.isfinite(b)
    if nobeta.any():
        warnings.append("no market beta in the sensitivity table for "
                        f"{' '.join(np.asarray(tickers)[nobeta])}: OLS beta of the covariance window used")
        beta[nobeta] = ols_beta[nobeta]
    known = np.isfinite(b)
    cond = np.zeros_like(cov)
    if not known.all():
        reasons = table["reason"] if "reason" in table.columns else None
        for t in np.asarray(tickers)[~known & shown]:
            why = f" ({reasons[t]})" if reasons is not None and isinstance(reasons[t], str) and reasons[t] else ""
            warnings.append(f"{t}: no sensitivity estimate{why}; its AI-shock return is propagated "
                            "from the assets that have one (flagged 'propagated')")
        prop = fill_missing(np.where(known, b, np.nan), cov, 1.0, tickers, ref)
        b, cond = prop.returns, prop.cond_cov
        beta = np.where(np.isfinite(beta), beta, ols_beta)
        se = np.where(known, se, 0.0)
    est = estimation_cov(se, resid)
    mask = np.outer(known, known)
    return {"b": b, "beta": beta, "known": known, "est": est, "resid": resid * mask,
            "cond": cond, "table": table}


def _scenario(spec: ScenarioSpec, cat: ScenarioCatalogue, closes, cov, sens, tickers, ref,
              shown, o: RunOptions, warnings):
    if spec.kind == "replay":
        from stress.events.catalogue import map_to_session

        event = cat.events.get(spec.event)
        day0, shifted, note = map_to_session(event.date, closes.index)
        d0 = closes.index.get_loc(day0)
        wr = window_returns(closes.to_numpy(), d0, spec.window, label=f"scenario {spec.id}")
        prop = fill_missing(wr.returns, cov, wr.sessions, tickers, ref)
        src = np.where(prop.given, "observed", "propagated").astype(object)
        notes = (note,) if shifted else ()
        if (prop.propagated & shown).any():
            names = " ".join(np.asarray(tickers)[prop.propagated & shown])
            warnings.append(f"{spec.id}: no prices at the event for {names}: propagated from the "
                            "assets that have them (flagged 'propagated')")
        info = ScenarioInfo(spec, wr.sessions, _d(day0), _d(closes.index[wr.t0]),
                            _d(closes.index[wr.t1]), notes=notes)
        return info, prop.returns, src, prop.cond_cov
    if spec.kind == "shock":
        k, m = float(spec.k), float(spec.market_move or 0.0)
        r = shock_returns(sens["b"], sens["beta"], [k], [m])[:, 0]
        src = np.where(sens["known"], "estimate", "propagated").astype(object)
        unc = shock_uncertainty(np.array([k]), sens["est"], sens["resid"])[0] + sens["cond"]
        worst = below_total_loss(r, np.asarray(tickers), shown)
        if worst:
            warnings.append(f"{spec.id}: the linear extrapolation gives returns below -100% for "
                            + ", ".join(f"{t} {x:.1%}" for t, x in worst)
                            + "; no real move loses more than a holding, so these P&Ls overstate the loss")
        return ScenarioInfo(spec, 1), r, src, unc
    prop: Propagated = custom_returns(cov, tickers, spec.shocks, o.horizon)
    src = np.where(prop.given, "shocked", "conditional").astype(object)
    info = ScenarioInfo(spec, o.horizon, mahalanobis=float(prop.mahalanobis),
                        percentile=float(prop.percentile), df=int(prop.df))
    return info, prop.returns, src, prop.cond_cov


def _var(values, rets, window, mean, cov, specs, cat: ScenarioCatalogue, closes, tickers,
         o: RunOptions, warnings):
    """VaR/ES in the normal regime and in every regime the scenarios name."""
    from stress.events.catalogue import map_to_session

    out = [regime_var(values, window.to_numpy(), regime="normal", start=_d(window.index[0]),
                      end=_d(window.index[-1]), tickers=tickers, horizon=o.horizon,
                      n_sims=o.n_sims, seed=o.seed, mean=mean, cov=cov)]
    regimes = list(dict.fromkeys(s.regime or cat.default_regime for s in specs)) or [cat.default_regime]
    for rid in regimes:
        day0, _, _ = map_to_session(cat.events.get(rid).date, closes.index)
        x = rets.loc[day0:].head(cat.regime_sessions)
        if len(x) < cat.regime_sessions:
            warnings.append(f"stressed regime {rid}: only {len(x)} of {cat.regime_sessions} sessions "
                            "after day 0 are stored")
        rv = regime_var(values, x.to_numpy(), regime=f"stressed:{rid}", start=_d(x.index[0]),
                        end=_d(x.index[-1]), tickers=tickers, horizon=o.horizon,
                        n_sims=o.n_sims, seed=o.seed)
        out.append(rv)
    return tuple(out)


def _beyond_total_loss(rev, values, sens, market_move, tickers, books) -> list[str]:
    """Warnings for reverse-stress answers that need a holding to lose more than 100%
    (a linear solution no real price move can give, e.g. a loss above a long book's NAV)."""
    out = []
    names = np.asarray(tickers)
    if sens is not None:  # (N, P): each book's reverse AI shock applied forward
        ai = shock_returns(sens["b"], sens["beta"], rev.k, np.full(len(books), market_move))
    for p, book in enumerate(books):
        held = values[p] != 0
        answers = [("most plausible shock", rev.returns[p])]
        if sens is not None and np.isfinite(rev.k[p]):
            answers.insert(0, (f"AI shock k = {rev.k[p]:.2f}", ai[:, p]))
        for label, r in answers:
            bad = held & (r < -1.0)
            if bad.any():
                worst = ", ".join(f"{t} {x:.1%}" for t, x in zip(names[bad], r[bad]))
                out.append(f"{book.name}: reverse {rev.loss:.0%} of NAV: the {label} needs returns "
                           f"below -100% ({worst}); no real move loses that much, the linear "
                           "answer is not attainable")
    return out


def _d(ts) -> str:
    return f"{ts:%Y-%m-%d}"


def _day(text: str) -> str:
    """A date as the user wrote it (already checked by the valuation) in ISO form."""
    import pandas as pd

    return f"{pd.Timestamp(text):%Y-%m-%d}"
