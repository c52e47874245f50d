"""Sensitivity results cached in the price store, keyed by every input.

The key is the SHA-256 of a canonical JSON of: a format version, the specification, the
resolved inputs (events with their dates, basket, market, factor, groups) and
``store.data_version(tickers)`` of every ticker read -- so new prices, a changed
catalogue or universe, or any changed option gives a new key. Rolling loadings are not
cached (they are recomputed from the prices when asked for).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

import pandas as pd

from stress.sensitivity.result import SensitivityResult

if TYPE_CHECKING:  # pragma: no cover
    from stress.data.store import PriceStore
    from stress.sensitivity.inputs import Resolved

#: bump when the estimator or the payload changes, so old entries are not reused
CACHE_VERSION = "sensitivity-3"


def cache_key(store: "PriceStore", r: "Resolved") -> str:
    """The cache key of a resolved specification on the store's current data."""
    inputs = {
        "version": CACHE_VERSION,
        "spec": r.spec.to_dict(),
        "assets": list(r.assets),
        "missing": list(r.missing),
        "peers": list(r.peers),
        "groups": {k: r.groups[k] for k in sorted(r.groups)},
        "basket": list(r.basket),
        "market": r.market,
        "factor": [list(r.factor.long), list(r.factor.short)],
        "events": [[e.id, e.date.isoformat(), e.direction] for e in r.events],
        "reference": [r.reference.id, r.reference.date.isoformat()],
        "data": store.data_version(r.tickers),
    }
    text = json.dumps(inputs, sort_keys=True, separators=(",", ":"), default=str)
    return "sensitivity:" + hashlib.sha256(text.encode()).hexdigest()


def _frame_out(frame: pd.DataFrame) -> dict:
    return {
        "index_name": frame.index.name,
        "index": [str(i) for i in frame.index],
        "columns": {c: frame[c].tolist() for c in frame.columns},
    }


def _frame_in(d: dict) -> pd.DataFrame:
    frame = pd.DataFrame(d["columns"], index=pd.Index(d["index"], name=d["index_name"]))
    return frame


def to_payload(result: SensitivityResult) -> dict:
    """A JSON-able payload of ``result`` (without rolling loadings)."""
    return {
        "table": _frame_out(result.table),
        "shocks": _frame_out(result.shocks),
        "comparison": _frame_out(result.comparison),
        "excluded": result.excluded,
        "settings": result.settings,
        "warnings": list(result.warnings),
    }


def from_payload(payload: dict) -> SensitivityResult:
    return SensitivityResult(
        table=_frame_in(payload["table"]),
        shocks=_frame_in(payload["shocks"]),
        comparison=_frame_in(payload["comparison"]),
        excluded=payload["excluded"],
        settings=payload["settings"],
        warnings=tuple(payload["warnings"]),
    )


def cache_get(store: "PriceStore", key: str) -> SensitivityResult | None:
    payload = store.cache_get(key)
    return from_payload(payload) if payload is not None else None


def cache_put(store: "PriceStore", key: str, result: SensitivityResult) -> None:
    store.cache_put(key, to_payload(result))
