"""The whole estimate on a simulated store with planted sensitivities: its own universe
and event catalogue (STRESS_CONFIG_DIR), events with known shock sizes, assets with known
event and factor loadings, and a late listing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stress.data.store import PriceStore
from stress.errors import DataError, InputError
from conftest import estimate
from stress.sensitivity.spec import SensitivitySpec

T = 1400
K_REF = -1.0
B_EVENT = {"X1": 0.10, "X2": -0.03, "X3": 0.0, "X4": 0.05}  # AR per DeepSeek unit
G_BASKET = {"B1": 1.2, "B2": 1.0, "B3": 0.9, "B4": 0.9}  # x 0.2 AR per unit
BETA = {"X1": (0.8, 0.6), "X2": (0.3, -0.2), "X3": (1.0, 0.0), "X4": (1.0, 0.3)}  # (mkt, ai)


def _world(tmp_path, seed=11):
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2019-01-02", periods=T)
    m = rng.normal(0.0003, 0.01, T)
    ai = rng.normal(0, 0.01, T)
    r = {"SPY": m, "SMH": 1.5 * m + ai}
    event_pos = np.arange(300, T - 30, 75)[:14]
    k = rng.uniform(-0.5, 0.8, event_pos.size)
    ref = 9
    k[ref] = K_REF
    for t, g in G_BASKET.items():
        x = 1.0 * m + rng.normal(0, 0.004, T)
        x[event_pos] += 0.2 * g * k
        r[t] = x
    for t, b in B_EVENT.items():
        bm, ba = BETA[t]
        x = bm * m + ba * ai + rng.normal(0, 0.012, T)
        x[event_pos] += b * k
        r[t] = x
    prices = {t: 50 * np.cumprod(1 + v) for t, v in r.items()}
    prices["X4"][: event_pos[12] - 100] = np.nan  # listed late: only 2 usable events
    rows = [
        pd.DataFrame({"ticker": t, "date": days, "close": p}).dropna() for t, p in prices.items()
    ]
    store = PriceStore(tmp_path / "prices.sqlite")
    store.write(pd.concat(rows), source="sim")
    cfg = tmp_path / "configs"
    cfg.mkdir()
    (cfg / "universe.yaml").write_text(
        "market: SPY\ngroups:\n  ai_power: {tickers: [B1, B2, B3, B4]}\n"
        "  others: {tickers: [X1, X2, X3, X4]}\n"
    )
    lines = ["events:"]
    for i, p in enumerate(event_pos):
        eid = "deepseek-r1" if i == ref else f"ev-{i}"
        lines += [
            f"  - id: {eid}", f"    date: {days[p]:%Y-%m-%d}",
            f"    direction: {'down' if k[i] < 0 else 'up'}", "    kind: test",
            f"    title: t{i}", "    description: simulated", "    source: https://example.org/x",
        ]
    lines += [  # a control event is never used by default
        "  - id: ctrl", f"    date: {days[event_pos[3] + 5]:%Y-%m-%d}", "    direction: control",
        "    kind: control", "    title: c", "    description: c", "    source: https://example.org/c",
    ]
    (cfg / "events.yaml").write_text("\n".join(lines) + "\n")
    return store, cfg, k


@pytest.fixture
def world(tmp_path, monkeypatch):
    store, cfg, k = _world(tmp_path)
    monkeypatch.setenv("STRESS_CONFIG_DIR", str(cfg))
    yield store, k
    store.close()


def test_planted_sensitivities_recovered(world):
    store, k = world
    res = estimate(store, SensitivitySpec(tickers=("X1", "X2", "X3", "X4", "B1")))
    tab = res.table
    for t in ("X1", "X2", "X3"):
        row = tab.loc[t]
        assert row["n_events"] == 14
        assert row["ci_lo"] <= B_EVENT[t] <= row["ci_hi"], t
        assert abs(row["b"] - B_EVENT[t]) < 4 * row["se"]
        bm, ba = BETA[t]
        assert row["ci_ai_lo"] <= ba <= row["ci_ai_hi"], t
        assert abs(row["beta_mkt"] - bm) < 4 * row["se_mkt"]
        assert row["sigma"] == pytest.approx(np.sqrt(ba**2 * 1e-4 + 0.012**2), rel=0.15)
    # a basket member is measured against the basket without itself, whose shock sizes
    # are again k (scaled by its own DeepSeek move): b = 0.2 g
    assert tab.loc["B1", "b"] == pytest.approx(0.2 * G_BASKET["B1"], rel=0.05)
    np.testing.assert_allclose(res.shocks["s_without_B1"], k, atol=0.05)
    # the shock sizes are the planted k (basket noise is small)
    s = res.shocks["s"].to_numpy()
    np.testing.assert_allclose(s, k, atol=0.05)
    assert res.shocks.loc["deepseek-r1", "s"] == -1.0
    assert "ctrl" not in res.shocks.index
    # the late listing: 2 usable events, no estimate, a reason naming the counts
    x4 = tab.loc["X4"]
    assert x4["n_events"] == 2 and np.isnan(x4["b"])
    assert "2 usable events (< 3)" in x4["reason"] and "no price" in x4["reason"]
    assert len(res.excluded["X4"]["no_price"]) == 11
    assert res.excluded["X4"]["short_estimation"] == ["ev-11"]
    assert x4["n_excluded"] == 12
    # comparison: out of sample is -b without deepseek; in sample is -b
    comp = res.comparison
    assert comp.loc["X1", "event_implied_in"] == pytest.approx(-tab.loc["X1", "b"])
    assert comp.loc["X1", "n_events_oos"] == 13
    assert comp.loc["X1", "n_events_pre"] == 9  # the events before deepseek-r1
    assert comp.loc["X1", "event_implied"] != comp.loc["X1", "event_implied_in"]
    assert comp.loc["X1", "event_implied_lo"] <= -B_EVENT["X1"] <= comp.loc["X1", "event_implied_hi"]


def test_the_market_itself_gets_no_event_estimate(world):
    store, _ = world
    res = estimate(store, SensitivitySpec(tickers=("SPY", "X1")))
    assert np.isnan(res.table.loc["SPY", "b"]) and "market index" in res.table.loc["SPY", "reason"]
    assert res.table.loc["SPY", "beta_mkt"] == pytest.approx(1.0)
    assert np.isfinite(res.table.loc["X1", "b"])


def test_bad_inputs(world):
    store, _ = world
    with pytest.raises(InputError, match="unknown event 'no-such-event'"):
        estimate(store, SensitivitySpec(tickers=("X1",), events=("ev-0", "no-such-event", "ev-1")))
    with pytest.raises(InputError, match="at least 3"):
        estimate(store, SensitivitySpec(tickers=("X1",), events=("ev-0", "ev-1")))
    with pytest.raises(InputError, match="control event"):
        estimate(store, SensitivitySpec(tickers=("X1",), events=("ev-0", "ev-1", "ctrl")))
    with pytest.raises(DataError, match="no prices for basket ticker ZZZ in the store"):
        estimate(store, SensitivitySpec(tickers=("X1",), basket=("B1", "ZZZ")))
    with pytest.raises(DataError, match="factor ticker QQQ"):
        estimate(store, SensitivitySpec(tickers=("X1",), factor="SMH-QQQ"))
    with pytest.raises(InputError, match="before the market data"):
        estimate(store, SensitivitySpec(tickers=("X1",), as_of="2001-01-01"))
    with pytest.raises(InputError, match="deepseek-r1.*shock unit"):
        estimate(store, SensitivitySpec(tickers=("X1",), as_of="2020-06-01"))
    with pytest.raises(DataError, match="no prices for NOPE in the store"):
        estimate(store, SensitivitySpec(tickers=("NOPE",)))
    with pytest.raises(InputError, match="--window"):
        SensitivitySpec(tickers=("X1",), window=(2, 1))
