"""3. The scenario grid: P&L of P portfolios under S scenarios over N assets, and VaR/ES
per portfolio, against a loop over portfolios.

``scenario-grid``: given scenario returns (S, N), ours is one matrix product
(stress.risk.measures.historical_pnl) and the vectorised empirical VaR/ES
(var_es_historical on the (S, P) P&L); the slow way loops over portfolios.
``montecarlo-var``: stress.risk.measures.var_es_montecarlo end to end (draws, grid,
VaR/ES); the slow way rebuilds the same draws once and loops over portfolios.
"""

from __future__ import annotations

import numpy as np

from benchmarks import slow, synthetic
from benchmarks.harness import NotAvailable, Row, interleave

ALPHA = 0.99
SEED = 3


def _setup(name: str, quick: bool, draws: str = "scen") -> tuple[Row, synthetic.Book]:
    """The grid sizes (1,000 portfolios x 10,000 scenarios x 100 assets; --quick 20 x 200 x
    10): the row and the seeded book."""
    n_p, n_s, n_a = (20, 200, 10) if quick else (1000, 10_000, 100)  # P, S, N
    row = Row(name, f"{n_p} portf x {n_s} {draws} x {n_a} assets", max_seconds=1.0, judge=not quick)
    return row, synthetic.book(n_p, n_a, n_s, seed=SEED)


def _risk():
    try:
        from stress.risk import measures
    except ImportError as exc:
        raise NotAvailable(f"stress.risk.measures cannot be imported ({exc})") from None
    return measures


def run_scenario_grid(quick: bool, repeats: int) -> Row:
    measures = _risk()
    row, bk = _setup("scenario-grid", quick)

    def ours():
        pnl = measures.historical_pnl(bk.scenarios, bk.values)  # (S, P)
        var, es = measures.var_es_historical(pnl, ALPHA)
        return pnl, var, es

    t = interleave({"ours": ours, "slow": lambda: slow.grid_loop(bk.values, bk.scenarios, ALPHA)}, repeats, ours="ours")
    fast, ref = t["ours"], t["slow"]
    pnl, var, es = fast.result
    pnl_s, var_s, es_s = ref.result
    np.testing.assert_allclose(pnl.T, pnl_s, rtol=1e-9, atol=1e-6, err_msg="P&L grid")
    np.testing.assert_allclose(var, var_s, rtol=1e-9, atol=1e-6, err_msg="VaR")
    np.testing.assert_allclose(es, es_s, rtol=1e-9, atol=1e-6, err_msg="ES")
    return row.record(fast, ref, "scenario-grid: ours = historical_pnl (scenarios @ values.T) + "
                      f"var_es_historical at {ALPHA:.0%} on all portfolios at once; slow = a loop over "
                      "portfolios (matvec, sort, VaR/ES); P&L grid, VaR and ES checked equal.")


def run_montecarlo_var(quick: bool, repeats: int) -> Row:
    measures = _risk()
    from stress.risk._checks import psd_factor

    row, bk = _setup("montecarlo-var", quick, draws="sims")
    n_s, n_a = bk.scenarios.shape

    def ours():
        return measures.var_es_montecarlo(bk.values, bk.mean, bk.cov, n_sims=n_s, confidence=ALPHA, seed=SEED)

    def reference():
        # the documented draws: R = mean + Z L' with Z ~ default_rng(seed), L L' = cov
        z = np.random.default_rng(SEED).standard_normal((n_s, n_a))
        draws = bk.mean + z @ psd_factor(bk.cov).T
        _, var, es = slow.grid_loop(bk.values, draws, ALPHA)
        return var, es

    t = interleave({"ours": ours, "slow": reference}, repeats, ours="ours")
    fast, ref = t["ours"], t["slow"]
    np.testing.assert_allclose(fast.result[0], ref.result[0], rtol=1e-9, atol=1e-6, err_msg="MC VaR")
    np.testing.assert_allclose(fast.result[1], ref.result[1], rtol=1e-9, atol=1e-6, err_msg="MC ES")
    return row.record(fast, ref, "montecarlo-var: ours = var_es_montecarlo (draws + grid + VaR/ES); "
                      "slow = the same documented draws, then a loop over portfolios; VaR and ES "
                      "checked equal.")


def run_scenario_engine(quick: bool, repeats: int) -> Row:
    """stress.scenarios.engine.scenario_grid at full size: P&L = V @ R and P&L / NAV; the
    per-position contributions are computed per book on demand (checked for a few books)."""
    try:
        from stress.scenarios.engine import scenario_grid
    except ImportError as exc:
        raise NotAvailable(f"stress.scenarios.engine.scenario_grid: {exc}") from None
    row, bk = _setup("scenario-engine", quick)
    n_p = bk.values.shape[0]
    nav = np.abs(bk.values).sum(axis=1) + 1e5
    returns = np.ascontiguousarray(bk.scenarios.T)  # (N, S)
    t = interleave({"ours": lambda: scenario_grid(bk.values, returns, nav),
                    "slow": lambda: slow.engine_loop(bk.values, returns, nav, with_contributions=False)},
                   repeats, ours="ours")
    fast, ref = t["ours"], t["slow"]
    g = fast.result
    pnl, pct, _ = ref.result
    np.testing.assert_allclose(g.pnl, pnl, rtol=1e-9, atol=1e-6, err_msg="engine P&L")
    np.testing.assert_allclose(g.pnl_pct, pct, rtol=1e-9, atol=1e-12, err_msg="engine P&L %")
    for p in (0, n_p // 2, n_p - 1):
        np.testing.assert_allclose(g.contribution(p), bk.values[p][:, None] * returns,
                                   rtol=1e-12, atol=0, err_msg="contributions")
        np.testing.assert_allclose(g.contribution(p).sum(axis=0), pnl[p], rtol=1e-9, atol=1e-6)
    return row.record(
        fast, ref,
        "scenario-engine: ours = stress.scenarios.engine.scenario_grid (P&L = V @ R and P&L / NAV; "
        "position contributions per book on demand, checked for three books); slow = a loop over "
        "books; P&L and P&L % checked equal.")
