"""Running one book through scenarios on loaded market data.

:func:`value_book` values a parsed portfolio file on :class:`~stress.market.MarketData`
(its own valuation date); :func:`run_book` builds that book's scenario returns R (N, S)
and their uncertainty over the book's holdings and the reference tickers, and hands
arrays to the pure pieces: the grid (one matrix product), VaR/ES per regime, reverse
stress. Sensitivities come in as a typed :class:`~stress.sensitivity.SensitivityInput`.

A book's figures depend on that book, the market data, the reference tickers, the
settings and the seed, never on the other books of a run: :func:`stress.analysis.stress_books`
runs each book on its own and collects them in a :class:`RunResult`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from stress.errors import DataError, InputError
from stress.portfolio.files import PortfolioFile
from stress.portfolio.valuation import Portfolio, value_portfolios
from stress.scenarios.catalogue import ScenarioCatalogue, ScenarioSpec
from stress.scenarios.custom import Propagated, custom_returns, fill_missing
from stress.scenarios.engine import scenario_grid
from stress.scenarios.hypothetical import (
    below_total_loss, check_shock, estimation_cov, residual_cov, shock_returns, shock_uncertainty,
)
from stress.scenarios.replay import window_returns
from stress.scenarios.result import BookRun, RunResult, ScenarioInfo
from stress.scenarios.reverse import reverse_stress
from stress.scenarios.stressvar import regime_var

if TYPE_CHECKING:  # pragma: no cover
    from stress.market import MarketData
    from stress.sensitivity.result import SensitivityInput


@dataclass(frozen=True)
class RunOptions:
    """Settings of a run (defaults in docs/methods.md, Scenarios).

    ``cov_window``: sessions of daily returns up to the valuation date for the covariance
    (propagation, custom shocks, normal-regime VaR, reverse stress); ``min_obs``: fewest
    complete days accepted. ``horizon``: sessions of VaR/ES, custom shocks and the most
    plausible reverse shock. ``band``: two-sided level of P&L bands. ``reverse``: loss as
    a fraction of NAV. ``market_move``: market return added to AI shocks and to the
    reverse AI shock. ``n_sims``: Monte Carlo draws of VaR/ES (the same default for the
    CLI and the report).
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


def needs_sensitivity(specs: Sequence[ScenarioSpec], options: RunOptions) -> bool:
    """Whether a run needs sensitivities: AI-shock scenarios or a reverse stress."""
    return options.reverse is not None or any(s.kind == "shock" for s in specs)


def value_book(md: "MarketData", file: PortfolioFile, options: RunOptions = RunOptions()) -> Portfolio:
    """Value one book on its own valuation date (``options.as_of``, else the last session
    on which every holding has a price); a date that is not a session is said in the
    book's warnings."""
    book = value_portfolios([file], md.frame(file.tickers), as_of=options.as_of, nav=options.nav)[0]
    if options.as_of is not None and _day(options.as_of) != book.as_of:
        from dataclasses import replace

        book = replace(book, warnings=book.warnings + (
            f"--as-of {options.as_of} is not a stored session; valued as of {book.as_of}, "
            "the last stored session on or before it",))
    return book


def run_book(
    md: "MarketData", book: Portfolio, specs: Sequence[ScenarioSpec],
    catalogue: ScenarioCatalogue, options: RunOptions = RunOptions(), *,
    reference: Sequence[str] = (), sensitivity: "SensitivityInput | None" = None,
    sensitivity_error: str = "",
) -> BookRun:
    """Run the valued ``book`` through every scenario of ``specs``.

    ``reference``: tickers (with the market) that propagated returns are conditioned on
    and that enter the covariance beside the book's holdings (the commands pass every
    ticker of configs/universe.yaml); those without complete returns in the covariance
    window are left out. Empty: condition on the book's own assets.
    ``sensitivity``: the estimate at the book's valuation date, needed by AI-shock
    scenarios and the reverse AI shock (``sensitivity_error`` says why it is missing).
    """
    _check_options(options)
    warnings: list[str] = list(book.warnings)
    market = md.market
    reference = [t.upper() for t in reference]
    held = list(book.tickers)
    extra = [t for s in specs if s.kind == "custom" for t, _ in s.shocks]
    needed = list(dict.fromkeys(held + extra + [market]))
    missing_extra = [t for t in dict.fromkeys(extra) if t not in held and not md.has(t)]
    if missing_extra:
        raise InputError(f"custom shock on {' '.join(missing_extra)}: no prices in the store; run "
                         f"`stress prices fetch {' '.join(missing_extra)}`")
    tickers = list(dict.fromkeys(needed + reference))
    as_of = book.as_of
    rets = md.returns.reindex(columns=tickers)
    tickers = _usable_reference(rets, as_of, options, tickers, set(needed))
    closes, rets = md.frame(tickers), rets[tickers]
    ref = np.isin(tickers, [market, *reference]) if reference else None
    col = {t: j for j, t in enumerate(tickers)}
    values = np.zeros((1, len(tickers)))
    values[0, [col[t] for t in book.tickers]] = book.values
    nav = np.array([book.nav])
    window, mean, cov, shrinkage = _normal_window(rets, as_of, options, warnings)
    mkt = col[market]
    shown = np.isin(tickers, held)  # warnings name held assets only
    sens = _sensitivity(sensitivity, sensitivity_error, specs, options, tickers, market, window,
                        cov, ref, shown, warnings)

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
            no_k_reason="no sensitivity estimate (the AI-shock size needs sensitivities; see warnings)",
        )
        warnings.extend(_beyond_total_loss(rev, values, sens, options.market_move, tickers, book))
    settings = {
        "market": market, "cov_window": options.cov_window, "cov_start": _d(window.index[0]),
        "cov_end": _d(window.index[-1]), "cov_obs": int(len(window)),
        "cov_shrinkage": shrinkage, "cov_assets": len(tickers),
        "horizon": options.horizon, "band": options.band, "n_sims": options.n_sims,
        "seed": options.seed, "reverse": options.reverse, "market_move": options.market_move,
        "regime_sessions": catalogue.regime_sessions,
    }
    return BookRun(as_of, book, tuple(tickers), values, tuple(infos), returns, source, grid,
                   var, rev, settings, tuple(dict.fromkeys(warnings)), options.top)


def run(
    md: "MarketData", files: Sequence[PortfolioFile], specs: Sequence[ScenarioSpec],
    catalogue: ScenarioCatalogue, options: RunOptions = RunOptions(), *,
    reference: Sequence[str] = (), sensitivity: "SensitivityInput | None" = None,
) -> RunResult:
    """Every book of ``files`` through ``specs``, each valued and run on its own (see
    :func:`run_book`), with the given ``sensitivity`` (or none). The commands go through
    :func:`stress.analysis.stress_books`, which estimates the sensitivities."""
    if not files:
        raise InputError("no portfolio files given")
    return RunResult(tuple(
        run_book(md, value_book(md, f, options), specs, catalogue, options, reference=reference,
                 sensitivity=sensitivity) for f in files))


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


def _sensitivity(sens_in, error, specs, o, tickers, market, window, cov, ref, shown,
                 warnings) -> dict | None:
    """b (per DeepSeek unit) and beta for every asset, filled where missing; the
    estimation and residual covariances, the propagation's conditional covariance."""
    shocks = any(s.kind == "shock" for s in specs)
    if not shocks and o.reverse is None:
        return None
    if sens_in is None:
        why = error or "no sensitivity estimate was given"
        if shocks:
            raise InputError(f"AI-shock scenarios need sensitivities: {why}")
        warnings.append(f"reverse stress without the AI-shock size: {why}")
        return None
    b, se, beta, reasons = sens_in.take(tickers)
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
        for j in np.flatnonzero(~known & shown):
            t = tickers[j]
            why = f" ({reasons[j]})" if reasons[j] else ""
            warnings.append(f"{t}: no sensitivity estimate{why}; its AI-shock return is propagated "
                            "from the assets that have one (flagged 'propagated')")
        prop = fill_missing(np.where(known, b, np.nan), cov, 1.0, tickers, ref)
        b, cond = prop.returns, prop.cond_cov
        beta = np.where(np.isfinite(beta), beta, ols_beta)
        se = np.where(known, se, 0.0)
    est = estimation_cov(se, resid)
    mask = np.outer(known, known)
    return {"b": b, "beta": beta, "known": known, "est": est, "resid": resid * mask,
            "cond": cond}


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
    """VaR/ES in three kinds of regime: ``current`` (the covariance window up to the
    valuation date), and for every event regime the scenarios name, ``before:<id>`` (the
    same number of sessions ending the session before its day 0: calm by construction,
    it holds no day of the event) and ``stressed:<id>`` (day 0 and the sessions after)."""
    from stress.events.catalogue import map_to_session

    out = [regime_var(values, window.to_numpy(), regime="current", start=_d(window.index[0]),
                      end=_d(window.index[-1]), tickers=tickers, horizon=o.horizon,
                      n_sims=o.n_sims, seed=o.seed, mean=mean, cov=cov)]
    regimes = list(dict.fromkeys(s.regime or cat.default_regime for s in specs)) or [cat.default_regime]
    for rid in regimes:
        day0, _, _ = map_to_session(cat.events.get(rid).date, closes.index)
        before = rets.loc[:day0].iloc[:-1].tail(o.cov_window)
        held = values[0] != 0
        full = before.loc[before.loc[:, held].notna().all(axis=1).to_numpy()]  # complete days
        if len(full) < o.min_obs:
            warnings.append(f"before:{rid}: only {len(full)} days with prices of every holding in "
                            f"the {o.cov_window} sessions before day 0 (< {o.min_obs}): no VaR/ES "
                            "before the event")
        else:
            if len(full) < len(before):
                warnings.append(f"before:{rid}: window shortened to {len(full)} complete days of "
                                f"{len(before)} (a holding has no earlier prices)")
            out.append(regime_var(values, full.to_numpy(),
                                  regime=f"before:{rid}", start=_d(full.index[0]),
                                  end=_d(full.index[-1]), tickers=tickers, horizon=o.horizon,
                                  n_sims=o.n_sims, seed=o.seed))
        x = rets.loc[day0:].head(cat.regime_sessions)
        if len(x) < cat.regime_sessions:
            warnings.append(f"stressed regime {rid}: only {len(x)} of {cat.regime_sessions} sessions "
                            "after day 0 are stored")
        rv = regime_var(values, x.to_numpy(), regime=f"stressed:{rid}", start=_d(x.index[0]),
                        end=_d(x.index[-1]), tickers=tickers, horizon=o.horizon,
                        n_sims=o.n_sims, seed=o.seed)
        out.append(rv)
    return tuple(out)


def _beyond_total_loss(rev, values, sens, market_move, tickers, book) -> list[str]:
    """Warnings for reverse-stress answers that need a holding to lose more than 100%
    (a linear solution no real price move can give, e.g. a loss above a long book's NAV)."""
    out = []
    names = np.asarray(tickers)
    held = values[0] != 0
    answers = [("most plausible shock", rev.returns[0])]
    if sens is not None and np.isfinite(rev.k[0]):
        ai = shock_returns(sens["b"], sens["beta"], rev.k, np.array([market_move]))[:, 0]
        answers.insert(0, (f"AI shock k = {rev.k[0]:.2f}", ai))
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
