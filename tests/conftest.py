"""Shared fixtures. No test reaches the network: sockets are blocked for every test."""

from __future__ import annotations

import csv
import os
import socket
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Any real socket connection fails loudly."""

    def guard(*args, **kwargs):
        raise RuntimeError("a test tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", guard)
    monkeypatch.setattr(socket.socket, "connect_ex", guard)
    monkeypatch.setattr(socket, "create_connection", guard)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """Every test gets its own empty data directory."""
    monkeypatch.setenv("STRESS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("STRESS_OFFLINE", raising=False)


def _sample_dir() -> Path | None:
    env = os.environ.get("STRESS_SAMPLE_DATA")
    if env and (Path(env) / "daily-close" / "SPY.csv").is_file():
        return Path(env)
    default = Path(__file__).resolve().parents[1].parent / "shared" / "market-data"
    if not env and (default / "daily-close" / "SPY.csv").is_file():
        return default
    return None


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The real market data (STRESS_SAMPLE_DATA). In CI (STRESS_REQUIRE_SAMPLE_DATA=1)
    its absence fails the test; elsewhere it skips with the reason."""
    d = _sample_dir()
    if d is None:
        msg = "real market data not found: set STRESS_SAMPLE_DATA to ../shared/market-data"
        if os.environ.get("STRESS_REQUIRE_SAMPLE_DATA"):
            pytest.fail(msg)
        pytest.skip(msg)
    return d


@pytest.fixture(scope="session")
def sample_store_path(sample_dir, tmp_path_factory) -> Path:
    """A price store with all of daily-close/ imported once per test session (read-only use)."""
    from stress.data.importer import import_csv
    from stress.data.store import PriceStore

    path = tmp_path_factory.mktemp("sample-store") / "prices.sqlite"
    with PriceStore(path) as store:
        import_csv(store, [sample_dir / "daily-close"])
    return path


@pytest.fixture
def sample_store(sample_store_path):
    from stress.data.store import PriceStore

    with PriceStore(sample_store_path) as store:
        yield store


@pytest.fixture
def sample_home(sample_store_path, monkeypatch, tmp_path):
    """STRESS_HOME pointing at a copy of the imported sample store (for CLI tests)."""
    import shutil

    home = tmp_path / "sample-home"
    home.mkdir()
    shutil.copy(sample_store_path, home / "prices.sqlite")
    monkeypatch.setenv("STRESS_HOME", str(home))
    return home


def close_on(sample_dir: Path, ticker: str, day: str) -> float:
    """The close of ``ticker`` on ``day`` read straight from daily-close/TICKER.csv with the
    csv module: an independent source for checks of what the store and the engine give."""
    with open(sample_dir / "daily-close" / f"{ticker}.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["Date"] == day:
                return float(row["Close"])
    raise KeyError(f"{ticker} {day}")


def market_of(store, market: str = "SPY"):
    """MarketData of every ticker in ``store`` (what a command loads once)."""
    from stress.market import market_data

    return market_data(store.read_closes(store.tickers()), market)


def sensitivity_input(b: dict, se=0.01, beta=1.0, reason: dict | None = None, as_of: str = ""):
    """A SensitivityInput from {ticker: b} (se and beta: a number or a dict)."""
    import numpy as np

    from stress.sensitivity import SensitivityInput

    tickers = tuple(b)
    pick = lambda v, t: v[t] if isinstance(v, dict) else v  # noqa: E731
    return SensitivityInput(tickers, np.array([b[t] for t in tickers], float),
                            np.array([pick(se, t) for t in tickers], float),
                            np.array([pick(beta, t) for t in tickers], float),
                            tuple((reason or {}).get(t, "") for t in tickers), as_of)


def estimate(store, spec):
    """The sensitivity estimate on a store's prices with the configs in force (what
    `stress sensitivity` does after loading its market data)."""
    from stress.config import load_events, load_universe
    from stress.sensitivity import estimate_sensitivity

    return estimate_sensitivity(market_of(store), spec, universe=load_universe(), events=load_events())
