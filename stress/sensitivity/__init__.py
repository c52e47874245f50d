"""AI-shock sensitivity of every asset, two ways, with its uncertainty.

* event-based (:mod:`stress.sensitivity.event_based`): the WLS slope through the origin
  of an asset's abnormal returns on the AI-demand events' shock sizes, in DeepSeek units;
* factor-based (:mod:`stress.sensitivity.factor_based`): the loading on a tradable AI
  factor (SMH orthogonalised to SPY by default) in a daily regression, Newey-West SEs.

The scenario engine calls :func:`sensitivity_table` (cached in the store).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from stress.data.provider import Fetcher
    from stress.data.store import PriceStore

__all__ = [
    "sensitivity_table",
    "estimate_sensitivity",
    "SensitivitySpec",
    "SensitivityResult",
    "parse_factor",
]


def __getattr__(name: str):  # the numeric modules load on first use
    if name == "estimate_sensitivity":
        from stress.sensitivity.estimate import estimate_sensitivity

        return estimate_sensitivity
    if name == "SensitivitySpec":
        from stress.sensitivity.spec import SensitivitySpec

        return SensitivitySpec
    if name == "parse_factor":
        from stress.sensitivity.spec import parse_factor

        return parse_factor
    if name == "SensitivityResult":
        from stress.sensitivity.result import SensitivityResult

        return SensitivityResult
    raise AttributeError(name)


def sensitivity_table(
    store: "PriceStore",
    tickers: Iterable[str],
    *,
    events: Iterable[str] | None = None,
    basket: Iterable[str] | None = None,
    window: tuple[int, int] = (0, 0),
    factor: str = "SMH",
    as_of: str | None = None,
    offline: bool = True,
    fetcher: "Fetcher | None" = None,
) -> "pd.DataFrame":
    """One row per ticker (index ``ticker``), columns ``b, se, ci_lo, ci_hi, n_events,
    r2, beta_ai, se_ai, beta_mkt, sigma, reason`` (see docs/methods.md, Sensitivity).

    ``b``: abnormal return (fraction) per DeepSeek unit of AI-demand shock (a repeat of
    DeepSeek, k = -1, moves the asset by -b); ``beta_ai``: loading on the daily AI factor
    return; ``sigma``: daily residual sd of the asset's market-model returns. Results are
    cached in the store, keyed by all inputs and the stored data's version.
    """
    from stress.sensitivity.estimate import sensitivity_table as _impl

    return _impl(
        store, tickers, events=events, basket=basket, window=window, factor=factor,
        as_of=as_of, offline=offline, fetcher=fetcher,
    )
