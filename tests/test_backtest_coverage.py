"""Coverage tests against their closed forms (written out here) and published tables."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from stress.backtest.coverage import (
    christoffersen_ind, coverage_tests, kupiec_pof, traffic_light, transitions, z2_statistic,
)


def _ll(k, n, q):  # ln[(1-q)^(n-k) q^k] with 0 ln 0 = 0
    a = 0.0 if n - k == 0 else (n - k) * math.log(1 - q)
    b = 0.0 if k == 0 else k * math.log(q)
    return a + b


@pytest.mark.parametrize("x,n,conf", [(10, 250, 0.99), (0, 250, 0.99), (3, 500, 0.95),
                                      (40, 500, 0.95), (250, 250, 0.99)])
def test_kupiec_by_hand(x, n, conf):
    p = 1 - conf
    lr = -2 * (_ll(x, n, p) - _ll(x, n, x / n))
    got, pv = kupiec_pof(x, n, conf)
    assert got == pytest.approx(lr, rel=1e-12, abs=1e-12)
    assert pv == pytest.approx(1 - stats.chi2.cdf(lr, 1), abs=1e-12)


def test_kupiec_zero_hits_is_minus_two_t_log():
    # x = 0: LR = -2 T ln(1 - p)
    assert kupiec_pof(0, 250, 0.99)[0] == pytest.approx(-2 * 250 * math.log(0.99))


@pytest.mark.parametrize("n,lo,hi", [(255, 1, 6), (510, 2, 10), (1000, 5, 16)])
def test_kupiec_nonrejection_regions_of_jorion(n, lo, hi):
    """Jorion, Value at Risk (3rd ed.), Table 6-2 (after Kupiec 1995): at p = 1% and a 5%
    test, the failures not rejected are N < 7 (T=255), 1 < N < 11 (T=510), 4 < N < 17
    (T=1000). At T=255 the table's lower end is 0 failures, but the LR itself rejects 0
    (LR = -2 * 255 ln 0.99 = 5.13 > 3.84): the table reports no lower bound there."""
    accepted = [x for x in range(0, 40) if kupiec_pof(x, n, 0.99)[0] < stats.chi2.ppf(0.95, 1)]
    assert accepted == list(range(lo, hi + 1))


def test_christoffersen_by_hand():
    hits = np.array([0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0], dtype=bool)
    n = {(i, j): 0 for i in (0, 1) for j in (0, 1)}
    for a, b in zip(hits[:-1], hits[1:]):
        n[(int(a), int(b))] += 1
    assert transitions(hits) == (n[0, 0], n[0, 1], n[1, 0], n[1, 1])
    pi01 = n[0, 1] / (n[0, 0] + n[0, 1])
    pi11 = n[1, 1] / (n[1, 0] + n[1, 1])
    pi = (n[0, 1] + n[1, 1]) / sum(n.values())
    l0 = (n[0, 0] + n[1, 0]) * math.log(1 - pi) + (n[0, 1] + n[1, 1]) * math.log(pi)
    l1 = (n[0, 0] * math.log(1 - pi01) + n[0, 1] * math.log(pi01)
          + n[1, 0] * math.log(1 - pi11) + n[1, 1] * math.log(pi11))
    lr, p = christoffersen_ind(hits)
    assert lr == pytest.approx(-2 * (l0 - l1), rel=1e-12)
    assert p == pytest.approx(stats.chi2.sf(-2 * (l0 - l1), 1))
    c = coverage_tests(np.where(hits, 2.0, 0.0), np.ones(hits.size), np.full(hits.size, 3.0), 0.9,
                       basel_days=20)
    assert c.lr_cc == pytest.approx(c.lr_pof + c.lr_ind)
    assert c.p_cc == pytest.approx(stats.chi2.sf(c.lr_pof + c.lr_ind, 2))


def test_christoffersen_no_consecutive_hits():
    # n11 = 0: pi11 = 0 and 0 ln 0 = 0; the formula still holds
    hits = np.zeros(300, dtype=bool)
    hits[[10, 50, 120, 200]] = True
    lr, _ = christoffersen_ind(hits)
    n00, n01, n10, n11 = transitions(hits)
    pi = (n01 + n11) / (n00 + n01 + n10 + n11)
    pi01 = n01 / (n00 + n01)
    l0 = (n00 + n10) * math.log(1 - pi) + (n01 + n11) * math.log(pi)
    l1 = n00 * math.log(1 - pi01) + n01 * math.log(pi01)
    assert lr == pytest.approx(-2 * (l0 - l1))


def test_clustered_hits_are_detected():
    hits = np.zeros(500, dtype=bool)
    hits[100:105] = hits[300:305] = True
    assert christoffersen_ind(hits)[1] < 0.001


def test_basel_zones_from_binomial_cdf():
    def cdf(x, n=250, p=0.01):
        return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(x + 1))

    for x in range(0, 15):
        zone, c = traffic_light(x)
        assert c == pytest.approx(cdf(x), rel=1e-10)
        expected = "green" if x <= 4 else "yellow" if x <= 9 else "red"  # BCBS (1996) Table 2
        assert zone == expected, x
        assert zone == ("green" if cdf(x) < 0.95 else "yellow" if cdf(x) < 0.9999 else "red")


def test_z2_by_hand():
    loss = np.array([0.5, 3.0, -1.0, 2.5, 4.0])
    var = np.array([2.0, 2.0, 2.0, 3.0, 3.0])
    es = np.array([2.5, 2.6, 2.7, 3.5, 3.6])
    conf = 0.9
    terms = [l / e for l, v, e in zip(loss, var, es) if l > v]
    expected = 1 - sum(terms) / (5 * (1 - conf))
    assert z2_statistic(loss, var, es, conf) == pytest.approx(expected)


def test_z2_is_zero_on_average_under_the_null():
    # losses N(0,1) with their true VaR/ES: E[Z2] = 0 (Acerbi-Szekely 2014, Prop. A.2)
    rng = np.random.default_rng(3)
    conf = 0.975
    z = stats.norm.ppf(conf)
    var = np.full(250, z)
    es = np.full(250, stats.norm.pdf(z) / (1 - conf))
    sims = z2_statistic(rng.standard_normal((20000, 250)), var, es, conf)
    assert abs(sims.mean()) < 0.01
    # and the 5% quantile is close to their tabulated -0.70 (section 4: "about -0.7")
    assert np.quantile(sims, 0.05) == pytest.approx(-0.70, abs=0.08)
