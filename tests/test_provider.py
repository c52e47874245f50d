"""load_closes: the store first, the network only when allowed, failures said once."""

from __future__ import annotations

import pandas as pd
import pytest

from stress.data.provider import load_closes
from stress.data.store import PriceStore
from stress.errors import DataError, NetworkError


def _store(tmp_path):
    store = PriceStore(tmp_path / "p.sqlite")
    store.write(pd.DataFrame({"ticker": "SPY", "date": ["2025-01-24", "2025-01-27"], "close": [600.0, 591.5]}),
                source="t")
    return store


def test_offline_never_calls_the_fetcher(tmp_path):
    def fetcher(*args):
        raise AssertionError("fetcher called offline")

    with pytest.raises(DataError, match=r"no prices for VST in the store"):
        load_closes(_store(tmp_path), ["SPY", "VST"], offline=True, fetcher=fetcher)


def test_online_fetches_only_absent_tickers(tmp_path):
    asked = []

    def fetcher(store, tickers, start, end):
        asked.append(tickers)
        store.write(pd.DataFrame({"ticker": "VST", "date": ["2025-01-27"], "close": [135.96]}), source="f")
        return {}

    closes = load_closes(_store(tmp_path), ["SPY", "VST"], offline=False, fetcher=fetcher)
    assert asked == [["VST"]]
    assert closes.loc["2025-01-27", "VST"] == 135.96 and pd.isna(closes.loc["2025-01-24", "VST"])


def test_network_down_warns_and_the_error_says_why(tmp_path):
    warnings = []

    def fetcher(*args):
        raise NetworkError("cannot reach Yahoo Finance (DNS)")

    store = _store(tmp_path)
    assert load_closes(store, ["SPY"], offline=False, fetcher=fetcher, warn=warnings.append).shape == (2, 1)
    assert warnings == []  # nothing absent: no fetch, no warning
    with pytest.raises(DataError) as exc:
        load_closes(store, ["SPY", "VST"], offline=False, fetcher=fetcher, warn=warnings.append)
    assert "no prices for VST" in str(exc.value) and "the fetch failed: cannot reach Yahoo Finance" in str(exc.value)
    assert warnings == ["network unavailable (cannot reach Yahoo Finance (DNS)); using the store"]


def test_stored_ticker_outside_the_range_names_the_stored_span(tmp_path):
    with pytest.raises(DataError, match=r"no prices between 2030-01-01 and the end for SPY \(SPY has 2025-01-24 to 2025-01-27\)"):
        load_closes(_store(tmp_path), ["SPY"], start="2030-01-01")
