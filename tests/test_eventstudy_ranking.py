"""The rank test's ranks (stress.eventstudy.ranking.rank_codes: one value sort with the
day carried in the low mantissa bits, an exact re-rank of rows with ties or near-ties)
against scipy.stats.rankdata per asset, on the cases that could break the bit trick."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from stress.eventstudy.ranking import rank_codes


def _want(v: np.ndarray) -> np.ndarray:
    """Twice the average ranks of each (event, asset) column over the days, -1 where not
    finite, by scipy."""
    out = np.full(v.shape, -1.0)
    for b in range(v.shape[0]):
        for i in range(v.shape[2]):
            col = v[b, :, i]
            ok = np.isfinite(col)
            out[b, ok, i] = 2 * stats.rankdata(col[ok])
    return out


def _cases():
    rng = np.random.default_rng(17)
    shape = (3, 261, 7)  # 261 days: 9 day bits
    yield "continuous", rng.standard_normal(shape) * 0.02
    yield "rounded (many ties)", np.round(rng.standard_normal(shape), 1)
    v = rng.standard_normal(shape)
    v[rng.random(shape) < 0.1] = np.nan
    v[0, :, 0] = np.nan  # an asset without any value
    v[1, 5, 1], v[1, 6, 1], v[1, 0, 2], v[2, 0, 3] = np.inf, -np.inf, -np.inf, np.inf
    yield "gaps and infinities (also on day 0)", v
    v = rng.standard_normal(shape)
    v[rng.random(shape) < 0.3] = 0.0
    v[rng.random(shape) < 0.3] = -0.0
    yield "zeros of both signs", v
    one = 1.0 + rng.integers(-700, 700, shape) * np.spacing(1.0)  # a few units in the last place apart
    yield "near-ties", one * rng.choice([-1.0, 1.0], shape)
    yield "denormals", rng.integers(-2000, 2000, shape) * 5e-324
    v = rng.standard_normal(shape)
    v[:, 100:140, 4] = 0.01  # a run of equal values
    yield "a run of equal values", v
    yield "two days", rng.standard_normal((2, 2, 3))


@pytest.mark.parametrize("name,values", list(_cases()))
def test_rank_codes_equal_scipy_average_ranks(name, values):
    codes, m = rank_codes(values)
    np.testing.assert_array_equal(codes, _want(values), err_msg=name)
    np.testing.assert_array_equal(m, np.isfinite(values).sum(axis=1), err_msg=name)
    # blocks joined along the days rank as their concatenation
    cut = values.shape[1] // 2
    joined, _ = rank_codes((values[:, :cut], values[:, cut:]))
    np.testing.assert_array_equal(joined, codes, err_msg=name)
