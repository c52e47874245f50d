"""The numeric risk core: covariance estimation, conditional shock propagation, VaR/ES,
and reverse stress. Arrays in, arrays (or frozen results) out; no pandas, no I/O.

Sign conventions: P&L negative = loss; VaR and ES are reported as POSITIVE losses;
returns are fractions; ``values`` are position values in currency, shape (P, N) for
P portfolios over N assets, or (N,) for one.
"""

from __future__ import annotations

from stress.risk._checks import RiskInputError
from stress.risk.covariance import ledoit_wolf, sample_cov
from stress.risk.measures import (
    VarEs,
    historical_pnl,
    overlapping_sums,
    portfolio_moments,
    var_es_historical,
    montecarlo_pnl,
    var_es_montecarlo,
    var_es_normal,
)
from stress.risk.propagation import ConditionalShock, conditional_shock
from stress.risk.reverse import PlausibleShock, ReverseAIShock, most_plausible_shock, reverse_ai_shock

__all__ = [
    "ConditionalShock",
    "PlausibleShock",
    "ReverseAIShock",
    "RiskInputError",
    "VarEs",
    "conditional_shock",
    "historical_pnl",
    "ledoit_wolf",
    "most_plausible_shock",
    "overlapping_sums",
    "portfolio_moments",
    "reverse_ai_shock",
    "sample_cov",
    "var_es_historical",
    "montecarlo_pnl",
    "var_es_montecarlo",
    "var_es_normal",
]
