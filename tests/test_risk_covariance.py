"""Covariance estimators against independent computations and the Ledoit-Wolf 2004 formula."""

from __future__ import annotations

import numpy as np
import pytest

from stress.risk import RiskInputError, ledoit_wolf, sample_cov


def lw_loop(x: np.ndarray) -> tuple[np.ndarray, float]:
    """Ledoit-Wolf (2004), Lemma 3.2-3.4 notation, written as plainly as possible:
    ||A||^2 = tr(A A')/N, m = <S, I>, d^2 = ||S - mI||^2, bbar^2 = 1/T^2 sum ||x x' - S||^2,
    b^2 = min(bbar^2, d^2), S* = (b^2/d^2) m I + (1 - b^2/d^2) S."""
    t, n = x.shape
    xc = x - x.mean(axis=0)
    s = np.zeros((n, n))
    for row in xc:
        s += np.outer(row, row)
    s /= t
    ident = np.eye(n)

    def norm2(a):
        return np.trace(a @ a.T) / n

    m = np.trace(s @ ident.T) / n
    d2 = norm2(s - m * ident)
    bbar2 = 0.0
    for row in xc:
        bbar2 += norm2(np.outer(row, row) - s)
    bbar2 /= t * t
    b2 = min(bbar2, d2)
    shrink = b2 / d2
    return shrink * m * ident + (1 - shrink) * s, shrink


def test_sample_cov_matches_numpy():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 5)) * 0.02 + 0.001
    assert np.allclose(sample_cov(x), np.cov(x, rowvar=False))
    assert np.allclose(sample_cov(x, ddof=0), np.cov(x, rowvar=False, bias=True))


@pytest.mark.parametrize("t,n,seed", [(60, 5, 1), (30, 40, 2), (500, 8, 3), (12, 3, 4)])
def test_ledoit_wolf_matches_loop_formula(t, n, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n)) / np.sqrt(n)
    x = rng.standard_normal((t, n)) @ a.T * 0.015 + 0.0005
    cov, shrink = ledoit_wolf(x)
    ref_cov, ref_shrink = lw_loop(x)
    assert shrink == pytest.approx(ref_shrink, rel=1e-10, abs=1e-14)
    assert np.allclose(cov, ref_cov, rtol=1e-10, atol=1e-16)


def test_ledoit_wolf_batch_padded_windows_match_loop_formula():
    """Windows of different lengths padded with junk rows: each equals the loop formula
    on its own first counts[d] rows (the padding never enters a sum)."""
    from stress.risk.covariance import ledoit_wolf_batch

    rng = np.random.default_rng(9)
    counts = np.array([25, 40, 12])
    x = rng.standard_normal((3, 40, 6)) * 0.02 + 0.001
    x[0, 25:] = 1e3  # padding: must be ignored
    x[2, 12:] = -7.0
    cov, shrink = ledoit_wolf_batch(x, counts)
    for d, t in enumerate(counts):
        ref_cov, ref_shrink = lw_loop(x[d, :t])
        assert shrink[d] == pytest.approx(ref_shrink, rel=1e-10, abs=1e-14)
        assert np.allclose(cov[d], ref_cov, rtol=1e-10, atol=1e-16)


def test_ledoit_wolf_properties():
    rng = np.random.default_rng(5)
    # more assets than days: the sample covariance is singular, the shrunk one is not
    x = rng.standard_normal((20, 50)) * 0.01
    cov, shrink = ledoit_wolf(x)
    assert 0.0 <= shrink <= 1.0
    assert np.linalg.matrix_rank(sample_cov(x)) < 50
    assert np.linalg.eigvalsh(cov)[0] > 0
    # the trace is preserved (the target mI has the same trace as S)
    assert np.trace(cov) == pytest.approx(np.trace(sample_cov(x, ddof=0)))
    # invariant to a shift of the returns and equivariant to scale
    cov2, shrink2 = ledoit_wolf(3.0 * x + 0.2)
    assert shrink2 == pytest.approx(shrink)
    assert np.allclose(cov2, 9.0 * cov)


def test_ledoit_wolf_planted_structure():
    rng = np.random.default_rng(6)
    # true covariance a scaled identity: the target is right, shrinkage is heavy
    iid = rng.standard_normal((60, 30))
    assert ledoit_wolf(iid)[1] > 0.7
    # strongly correlated assets and many days: the sample covariance wins, cov ~= S
    true = 0.5 * np.eye(4) + 0.5 + np.diag([0, 1, 3, 8])
    big = rng.multivariate_normal(np.zeros(4), true, size=200_000)
    cov, shrink = ledoit_wolf(big)
    assert shrink < 1e-3
    assert np.allclose(cov, sample_cov(big, ddof=0), rtol=1e-3, atol=1e-3)
    assert np.allclose(cov, true, rtol=0.03, atol=0.03)


def test_bad_inputs_raise_value_errors():
    x = np.ones((10, 3))
    x[4, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ledoit_wolf(x)
    with pytest.raises(RiskInputError, match="NaN"):
        sample_cov(x)
    with pytest.raises(ValueError, match="at least 2"):
        ledoit_wolf(np.ones((1, 3)))
    with pytest.raises(ValueError, match="2-d"):
        ledoit_wolf(np.ones(5))


def test_ledoit_wolf_batch_equals_each_window_by_hand():
    """Windows of different lengths, zero padded, against the plain formula per window."""
    from stress.risk.covariance import ledoit_wolf_batch

    rng = np.random.default_rng(11)
    counts = np.array([5, 40, 23, 40])
    x = rng.standard_normal((4, 40, 3)) * np.array([0.01, 0.02, 0.005])
    padded = x.copy()
    for d, c in enumerate(counts):
        padded[d, c:] = 999.0  # padding: must be ignored
    cov, delta = ledoit_wolf_batch(padded, counts)
    for d, c in enumerate(counts):
        ref, ref_delta = lw_loop(x[d, :c])
        assert cov[d] == pytest.approx(ref, rel=1e-10, abs=1e-18)
        assert delta[d] == pytest.approx(ref_delta, rel=1e-9, abs=1e-12)
    with pytest.raises(RiskInputError):
        ledoit_wolf_batch(padded, [1, 40, 23, 40])
