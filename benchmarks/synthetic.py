"""Seeded synthetic inputs at benchmark sizes (the real data has too few tickers).

Returns are fractions; prices are positive; dates are business days (Mon-Fri).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


def tickers(n: int, prefix: str = "T") -> list[str]:
    """``n`` valid ticker symbols: T000, T001, ..."""
    width = max(3, len(str(n - 1)))
    return [f"{prefix}{i:0{width}d}" for i in range(n)]


def business_days(n_days: int, start: str = "2012-01-02") -> pd.DatetimeIndex:
    return pd.bdate_range(start, periods=n_days, name="date")


@dataclass(frozen=True)
class Panel:
    """Daily simple returns of ``n`` assets and a market, market-model generated.

    ``returns`` (T, N), ``market`` (T,), ``alpha``/``beta``/``sigma`` (N,), ``dates`` (T,).
    Residuals share a common factor so their cross-correlation is about ``rho``.
    """

    dates: pd.DatetimeIndex
    tickers: list[str]
    returns: np.ndarray
    market: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    sigma: np.ndarray

    def frame(self, market_name: str = "MKT") -> pd.DataFrame:
        """The panel as one wide frame (T, N + 1): the assets, then the market column."""
        df = pd.DataFrame(self.returns, index=self.dates, columns=self.tickers)
        df[market_name] = self.market
        return df

    def prices(self, market_name: str = "MKT") -> pd.DataFrame:
        """Closes starting at 100 whose simple returns are the panel (first row = 100)."""
        r = self.frame(market_name)
        first = pd.DataFrame(0.0, index=[r.index[0] - pd.offsets.BDay(1)], columns=r.columns)
        p = 100.0 * (1.0 + pd.concat([first, r])).cumprod()
        p.index.name = "date"
        return p


def panel(n_assets: int, n_days: int, seed: int = 0, rho: float = 0.3) -> Panel:
    rng = np.random.default_rng(seed)
    dates = business_days(n_days)
    market = rng.normal(0.0004, 0.011, n_days)
    alpha = rng.normal(0.0, 0.0004, n_assets)
    beta = rng.uniform(0.4, 1.6, n_assets)
    sigma = rng.uniform(0.01, 0.03, n_assets)
    common = rng.standard_normal(n_days)[:, None]
    own = rng.standard_normal((n_days, n_assets))
    eps = (np.sqrt(rho) * common + np.sqrt(1 - rho) * own) * sigma
    returns = alpha + np.outer(market, beta) + eps
    return Panel(dates, tickers(n_assets), returns, market, alpha, beta, sigma)


def plant_events(p: Panel, day0_positions: list[int], effect: float = -0.05, seed: int = 1) -> Panel:
    """A copy of ``p`` with an abnormal return of about ``effect`` (scaled per asset by
    U(0, 2)) added on each day 0."""
    rng = np.random.default_rng(seed)
    r = p.returns.copy()
    for pos in day0_positions:
        r[pos] += effect * rng.uniform(0.0, 2.0, r.shape[1])
    return Panel(p.dates, p.tickers, r, p.market, p.alpha, p.beta, p.sigma)


def write_price_csvs(folder: Path, n_tickers: int, n_days: int, seed: int = 0,
                     gap_share: float = 0.001) -> list[str]:
    """One ``TICKER.csv`` (Date,Close) per ticker in ``folder``; ~``gap_share`` of the
    rows left out (a missing day, as real files have). Returns the tickers."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    dates = business_days(n_days).strftime("%Y-%m-%d")
    names = tickers(n_tickers)
    steps = rng.normal(0.0003, 0.02, (n_days, n_tickers))
    closes = 50.0 * np.exp(np.cumsum(steps, axis=0))
    for j, t in enumerate(names):
        keep = rng.random(n_days) >= gap_share
        keep[0] = True
        frame = pd.DataFrame({"Date": dates[keep], "Close": closes[keep, j]})
        frame.to_csv(folder / f"{t}.csv", index=False)
    return names


@dataclass(frozen=True)
class Book:
    """Scenario-grid inputs: ``values`` (P, N) position values in currency (long and
    short), daily ``mean`` (N,) and ``cov`` (N, N) of returns, and ``scenarios`` (S, N)
    simulated returns."""

    values: np.ndarray
    mean: np.ndarray
    cov: np.ndarray
    scenarios: np.ndarray


def book(n_portfolios: int, n_assets: int, n_scenarios: int, seed: int = 0) -> Book:
    rng = np.random.default_rng(seed)
    k = min(5, n_assets)
    load = rng.normal(0.0, 0.01, (n_assets, k))
    spec = rng.uniform(0.005, 0.02, n_assets)
    cov = load @ load.T + np.diag(spec**2)
    mean = rng.normal(0.0003, 0.0002, n_assets)
    values = rng.normal(10_000.0, 20_000.0, (n_portfolios, n_assets))
    chol = np.linalg.cholesky(cov)
    scenarios = mean + rng.standard_normal((n_scenarios, n_assets)) @ chol.T
    return Book(values, mean, cov, scenarios)
