"""AI-shock sensitivity of every asset, two ways, with its uncertainty.

* event-based (:mod:`stress.sensitivity.event_based`): the WLS slope through the origin
  of an asset's abnormal returns on the AI-demand events' shock sizes, in DeepSeek units;
* factor-based (:mod:`stress.sensitivity.factor_based`): the loading on a tradable AI
  factor (SMH orthogonalised to SPY by default) in a daily regression, Newey-West SEs.

:func:`estimate_sensitivity` returns a :class:`SensitivityResult` whose ``table`` has one
row per ticker (index ``ticker``), columns ``b, se, ci_lo, ci_hi, n_events, r2, beta_ai,
se_ai, beta_mkt, sigma, reason`` (see docs/methods.md, Sensitivity); the scenario engine
reads its :meth:`~SensitivityResult.scenario_input`, a :class:`SensitivityInput`. ``b``: abnormal return
(fraction) per DeepSeek unit of AI-demand shock (a repeat of DeepSeek, k = -1, moves the
asset by -b); ``beta_ai``: loading on the daily AI factor return; ``sigma``: daily
residual sd of the asset's market-model returns.
"""

from stress.sensitivity.estimate import estimate_sensitivity
from stress.sensitivity.result import SensitivityInput, SensitivityResult
from stress.sensitivity.spec import SensitivitySpec, parse_factor

__all__ = [
    "SensitivityInput",
    "estimate_sensitivity",
    "SensitivitySpec",
    "SensitivityResult",
    "parse_factor",
]
