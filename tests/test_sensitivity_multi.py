"""Multi-basket event-based sensitivity (--factors): the joint WLS against lstsq, and on
the real catalogue."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from stress.sensitivity.multi import multi_factor_table


def test_joint_fit_by_hand():
    rng = np.random.default_rng(21)
    E, N = 14, 3
    s1 = rng.normal(size=(E, N))
    s2 = rng.normal(size=(E, N))
    v = rng.uniform(0.5, 2.0, (E, N))
    y = 0.4 * s1 - 0.2 * s2 + rng.normal(size=(E, N)) * np.sqrt(v)
    y[4, 2] = np.nan
    t = multi_factor_table(y, v, {"a": s1, "b": s2}, ["X", "Y", "Z"])
    for j, name in enumerate("XYZ"):
        ok = np.isfinite(y[:, j])
        X = np.column_stack([s1[ok, j], s2[ok, j]])
        sw = 1 / np.sqrt(v[ok, j])
        b, *_ = np.linalg.lstsq(X * sw[:, None], y[ok, j] * sw, rcond=None)
        e = (y[ok, j] - X @ b) * sw
        n = ok.sum()
        cov = (e @ e / (n - 2)) * np.linalg.inv((X * sw[:, None] ** 2).T @ X)
        row = t.loc[name]
        assert [row["b_a"], row["b_b"]] == pytest.approx(b, rel=1e-10)
        assert row["se_b"] == pytest.approx(np.sqrt(cov[1, 1]), rel=1e-9)
        assert row["ci_hi_a"] - row["b_a"] == pytest.approx(stats.t.ppf(0.975, n - 2) * np.sqrt(cov[0, 0]))
        assert row["r2"] == pytest.approx(1 - (e @ e) / np.sum(y[ok, j] ** 2 / v[ok, j]))
        assert row["n_events"] == n


@pytest.mark.sample_data
def test_nuclear_names_gain_from_a_nuclear_basket(sample_home):
    from stress.cli import cli

    res = CliRunner().invoke(cli, ["--offline", "sensitivity", "--group", "nuclear",
                                   "--factors", "ai_power,nuclear", "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    multi = {a["ticker"]: a for a in out["multi_factor"]["assets"]}
    single = {a["ticker"]: a["event"]["oos_r2"] for a in out["assets"]}
    for t in ("CCJ", "SMR", "LEU"):
        assert multi[t]["oos_r2_one"] == pytest.approx(single[t], rel=1e-9)
    gain = np.mean([multi[t]["oos_r2"] - multi[t]["oos_r2_one"] for t in multi])
    assert gain > 0.1  # nuclear news moved these names beyond the AI-power shock
    assert out["multi_factor"]["baskets"] == ["ai_power", "nuclear"]
