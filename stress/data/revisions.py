"""What a write would change in the store, and the record of what it changed.

A write never replaces a stored close silently: :func:`diff` compares the incoming rows
with the stored ones, :func:`summarise` says per ticker how many stored days would change
and by how much at most, and the store refuses the write unless it is told to replace
(``stress prices import --replace``). Replaced values go to the ``revisions`` table
(ticker, date, old close, new close, old source, new source, replaced at), so nothing
is lost: ``stress prices history TICKER`` shows them.

A close "changes" when its relative difference exceeds :data:`REL_TOL` (SQLite stores
IEEE doubles, so the same CSV text re-imported gives the same value exactly; the
tolerance only absorbs representation noise). A stored day that a replacing write
deletes without a new value (a source's re-fetch that no longer has the day) is a change
to "none".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

REL_TOL = 1e-12

REVISIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS revisions (
    ticker      TEXT NOT NULL,
    date        TEXT NOT NULL,
    old_close   REAL NOT NULL,
    new_close   REAL,
    old_source  TEXT,
    new_source  TEXT NOT NULL,
    replaced_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS revisions_ticker ON revisions (ticker, date);
"""

REVISION_COLUMNS = ("ticker", "date", "old_close", "new_close", "old_source", "new_source", "replaced_at")


@dataclass(frozen=True)
class TickerChange:
    """Per ticker: stored days a write changes, and its largest relative change
    (``new / old - 1``; -1.0 for a deleted day) on ``date``."""

    ticker: str
    days: int
    largest: float
    date: str
    old: float
    new: float | None

    def line(self, replaced: bool = False) -> str:
        new = "none (deleted)" if self.new is None else f"{self.new:.6g}"
        verb = "were replaced" if replaced else "would change"
        return (f"{self.ticker}: {self.days} stored day(s) {verb}, largest change "
                f"{self.largest:+.2%} on {self.date} ({self.old:.6g} -> {new})")


def diff(incoming: "pd.DataFrame", stored: "pd.DataFrame", deleted: "pd.DataFrame | None" = None) -> "pd.DataFrame":
    """The stored closes a write changes.

    ``incoming``: columns ticker, date (ISO text), close, source (the rows written).
    ``stored``: columns ticker, date, close, source (the stored rows on those tickers and
    dates, and on ``deleted``'s). ``deleted``: columns ticker, date: stored days the write
    deletes first (a replaced range); those without an incoming row become new_close None.
    Returns one row per changed day with :data:`REVISION_COLUMNS` but ``replaced_at``.
    """
    import numpy as np
    import pandas as pd

    old = stored.rename(columns={"close": "old_close", "source": "old_source"})
    new = incoming[["ticker", "date", "close", "source"]].rename(
        columns={"close": "new_close", "source": "new_source"})
    both = old.merge(new, on=["ticker", "date"], how="inner")
    rel = np.abs(both["new_close"].to_numpy(float) / both["old_close"].to_numpy(float) - 1.0)
    changed = both[rel > REL_TOL]
    parts = [changed]
    if deleted is not None and len(deleted):
        gone = old.merge(deleted[["ticker", "date"]], on=["ticker", "date"])
        gone = gone.merge(new[["ticker", "date"]], on=["ticker", "date"], how="left", indicator=True)
        gone = gone[gone["_merge"] == "left_only"].drop(columns="_merge")
        if len(gone):
            src = incoming.groupby("ticker")["source"].first()
            gone = gone.assign(new_close=np.nan, new_source=gone["ticker"].map(src).fillna("(deleted)"))
            parts.append(gone)
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else changed
    cols = ["ticker", "date", "old_close", "new_close", "old_source", "new_source"]
    return out[cols].sort_values(["ticker", "date"]).reset_index(drop=True)


def plan_write(incoming: "pd.DataFrame", stored: "pd.DataFrame",
               replace: dict[str, tuple[str, str]]) -> tuple["pd.DataFrame", "pd.DataFrame"]:
    """What a write changes, and the rows to write.

    ``incoming``: the rows (ticker, date, close, ..., source); ``stored``: the stored
    rows (ticker, date, close, source) on their tickers and dates and in ``replace``'s
    ranges (per ticker, ISO (start, end) deleted before the write). Returns the
    :func:`diff` of the changed days and ``incoming`` with each unchanged stored day
    keeping the source it came from (re-importing a value does not re-attribute it)."""
    import pandas as pd

    deleted = None
    if replace:
        parts = [stored[(stored["ticker"] == t) & (stored["date"] >= s) & (stored["date"] <= e)]
                 for t, (s, e) in replace.items()]
        deleted = pd.concat(parts)[["ticker", "date"]]
    changes = diff(incoming, stored, deleted)
    keep = stored.merge(incoming[["ticker", "date"]], on=["ticker", "date"])
    if len(changes):
        keep = keep.merge(changes[["ticker", "date"]], on=["ticker", "date"], how="left", indicator=True)
        keep = keep[keep["_merge"] == "left_only"]
    if len(keep):
        old_src = keep.set_index(["ticker", "date"])["source"]
        mapped = old_src.reindex(pd.MultiIndex.from_frame(incoming[["ticker", "date"]])).to_numpy()
        incoming = incoming.assign(source=[o if isinstance(o, str) else n
                                           for o, n in zip(mapped, incoming["source"])])
    return changes, incoming


def summarise(changes: "pd.DataFrame") -> list[TickerChange]:
    """Per ticker (sorted): number of changed days and the largest relative change."""
    import numpy as np

    out = []
    for t, g in changes.groupby("ticker", sort=True):
        new = g["new_close"].to_numpy(float)
        rel = np.where(np.isnan(new), -1.0, new / g["old_close"].to_numpy(float) - 1.0)
        i = int(np.argmax(np.abs(rel)))
        row = g.iloc[i]
        out.append(TickerChange(
            str(t), len(g), float(rel[i]), str(row["date"]), float(row["old_close"]),
            None if np.isnan(new[i]) else float(new[i])))
    return out


def combine(a: TickerChange | None, b: TickerChange) -> TickerChange:
    """Two summaries of one ticker (two chunks of one import) as one: days added, the
    larger relative change kept."""
    if a is None:
        return b
    big = a if abs(a.largest) >= abs(b.largest) else b
    return TickerChange(a.ticker, a.days + b.days, big.largest, big.date, big.old, big.new)


def conflict_message(summary: list[TickerChange], cap: int = 5) -> str:
    """The one error line for a refused write."""
    n_days = sum(c.days for c in summary)
    names = ", ".join(f"{c.ticker} ({c.days})" for c in summary[:cap])
    if len(summary) > cap:
        names += f" and {len(summary) - cap} more"
    return (f"the import would change {n_days} stored close(s) of {len(summary)} ticker(s): "
            f"{names}; nothing was written. Rerun with --replace to replace them (the old "
            "values are kept: `stress prices history TICKER`)")
