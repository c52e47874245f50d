"""Coverage tests of VaR and ES forecasts: pure functions on exception series.

Vocabulary: ``confidence`` is the VaR level (0.99), ``size = 1 - confidence`` the
expected exception rate p. An exception (a "hit") on day t is L_t > VaR_t, with the
loss L_t = -P&L_t and VaR_t the forecast made with data up to t - 1 (positive loss).

* Kupiec (1995) proportion of failures: x hits in T days,
  LR_pof = -2 ln[(1-p)^(T-x) p^x] + 2 ln[(1-x/T)^(T-x) (x/T)^x] ~ chi2(1).
* Christoffersen (1998) independence: transition counts n_ij (state i on day t-1, j on
  day t), pi_01 = n01/(n00+n01), pi_11 = n11/(n10+n11), pi = (n01+n11)/(n00+n01+n10+n11),
  LR_ind = -2 ln[(1-pi)^(n00+n10) pi^(n01+n11)]
           + 2 ln[(1-pi_01)^n00 pi_01^n01 (1-pi_11)^n10 pi_11^n11] ~ chi2(1);
  conditional coverage LR_cc = LR_pof + LR_ind ~ chi2(2).
* Basel traffic light (BCBS 1996): x exceptions in n days at 99%: green while the
  binomial probability P(X <= x) < 95%, yellow while < 99.99%, red from there
  (for n = 250: green 0-4, yellow 5-9, red 10+).
* Acerbi-Szekely (2014) Z2: Z2 = 1 - sum_t L_t I_t / (T (1 - confidence) ES_t),
  I_t = 1{L_t > VaR_t}; E[Z2] = 0 under H0, negative when ES is understated.

0 ln 0 = 0 throughout (scipy's ``xlogy``). Formulas and references: docs/methods.md,
"Backtests".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import bdtr

from stress.distributions import chi2_sf
from scipy.special import xlogy

#: Basel plus factor added to the multiplier 3 by exceptions in 250 days at 99% (BCBS 1996, Table 2)
BASEL_PLUS = {5: 0.40, 6: 0.50, 7: 0.65, 8: 0.75, 9: 0.85}
#: Acerbi-Szekely (2014) Z2 thresholds at 97.5% ES and T = 250 (their section 4): 5% and 0.01% significance
Z2_TABLE = {0.05: -0.70, 0.0001: -1.80}


def _loglik(k, n, q):
    """ln[(1-q)^(n-k) q^k] with 0 ln 0 = 0 (arrays broadcast)."""
    return xlogy(n - k, 1.0 - q) + xlogy(k, q)


def kupiec_pof(hits: int, n: int, confidence: float) -> tuple[float, float]:
    """Kupiec's proportion-of-failures LR and its chi2(1) p-value for ``hits`` in ``n``."""
    if n <= 0:
        return float("nan"), float("nan")
    p = 1.0 - confidence
    lr = -2.0 * (_loglik(hits, n, p) - _loglik(hits, n, hits / n))
    lr = max(float(lr), 0.0)
    return lr, float(chi2_sf(lr, 1))


def transitions(hits) -> tuple[int, int, int, int]:
    """(n00, n01, n10, n11): day-to-day transitions of a 0/1 hit series."""
    h = np.asarray(hits, dtype=bool)
    a, b = h[:-1], h[1:]
    return (int(np.sum(~a & ~b)), int(np.sum(~a & b)), int(np.sum(a & ~b)), int(np.sum(a & b)))


def christoffersen_ind(hits) -> tuple[float, float]:
    """Christoffersen's independence LR (first-order Markov alternative), chi2(1) p-value."""
    n00, n01, n10, n11 = transitions(hits)
    n0, n1 = n00 + n01, n10 + n11
    if n0 + n1 == 0:
        return float("nan"), float("nan")
    pi = (n01 + n11) / (n0 + n1)
    pi01 = n01 / n0 if n0 else 0.0
    pi11 = n11 / n1 if n1 else 0.0
    lr = -2.0 * (_loglik(n01 + n11, n0 + n1, pi) - _loglik(n01, n0, pi01) - _loglik(n11, n1, pi11))
    lr = max(float(lr), 0.0)
    return lr, float(chi2_sf(lr, 1))


def traffic_light(hits: int, n: int = 250, confidence: float = 0.99) -> tuple[str, float]:
    """Basel zone of ``hits`` exceptions in ``n`` days and the binomial P(X <= hits)."""
    cdf = float(bdtr(hits, n, 1.0 - confidence))
    zone = "green" if cdf < 0.95 else "yellow" if cdf < 0.9999 else "red"
    return zone, cdf


def z2_statistic(loss, var, es, confidence: float) -> np.ndarray | float:
    """Acerbi-Szekely Z2 of losses ``loss`` (..., T) against forecasts ``var``, ``es`` (T,).

    Z2 = 1 - sum_t L_t 1{L_t > VaR_t} / (T (1 - confidence) ES_t). Leading axes of
    ``loss`` (e.g. simulations) are kept.
    """
    loss = np.asarray(loss, dtype=float)
    t = loss.shape[-1]
    es = np.asarray(es, dtype=float)
    hit = loss > np.asarray(var, dtype=float)
    if loss.ndim == 1:
        total = np.sum(loss[hit] / es[hit])
    else:  # many simulated series: only the (few) exceptions are divided and summed
        lead = loss.shape[:-1]
        flat, flat_hit = loss.reshape(-1, t), hit.reshape(-1, t)
        r, c = np.nonzero(flat_hit)
        total = np.bincount(r, weights=flat[r, c] / es[c], minlength=flat.shape[0]).reshape(lead)
    return 1.0 - total / (t * (1.0 - confidence))


@dataclass(frozen=True)
class Coverage:
    """The coverage tests of one forecast series (one method and confidence)."""

    confidence: float
    n: int
    hits: int
    expected: float
    rate: float
    lr_pof: float
    p_pof: float
    lr_ind: float
    p_ind: float
    lr_cc: float
    p_cc: float
    z2: float
    z2_critical: float
    z2_p: float
    basel_n: int
    basel_hits: int
    basel_zone: str
    basel_cdf: float

    def to_dict(self) -> dict:
        return asdict(self)


def coverage_tests(loss, var, es, confidence: float, *, z2_null: np.ndarray | None = None,
                   size: float = 0.05, basel_days: int = 250) -> Coverage:
    """Every test on one series: losses ``loss`` (T,) against ``var``, ``es`` (T,).

    ``z2_null`` (M,): Z2 simulated under H0 (the forecast distribution is the true one);
    the critical value is its ``size`` quantile and the p-value the share of simulated
    values at or below the observed Z2. None: the critical value is Acerbi-Szekely's
    tabulated -0.70 (5%) and no p-value. The Basel zone uses the last ``basel_days`` days
    (fewer when the series is shorter) and is computed at any confidence, but is the
    regulatory zone only at 99%.
    """
    loss = np.asarray(loss, dtype=float)
    hit = loss > np.asarray(var, dtype=float)
    n, x = hit.size, int(hit.sum())
    lr_pof, p_pof = kupiec_pof(x, n, confidence)
    lr_ind, p_ind = christoffersen_ind(hit)
    lr_cc = lr_pof + lr_ind
    p_cc = float(chi2_sf(lr_cc, 2)) if np.isfinite(lr_cc) else float("nan")
    z2 = float(z2_statistic(loss, var, es, confidence)) if n else float("nan")
    if z2_null is not None and np.size(z2_null):
        null = np.asarray(z2_null, dtype=float)
        crit = float(np.quantile(null, size))
        z2_p = float(np.mean(null <= z2))
    else:
        crit = Z2_TABLE[0.05] if size == 0.05 else float("nan")
        z2_p = float("nan")
    last = hit[-basel_days:]
    zone, cdf = traffic_light(int(last.sum()), last.size, confidence)
    return Coverage(confidence, n, x, n * (1 - confidence), x / n if n else float("nan"),
                    lr_pof, p_pof, lr_ind, p_ind, lr_cc, p_cc, z2, crit, z2_p,
                    int(last.size), int(last.sum()), zone, cdf)
