"""One rule for tickers the store has no prices for, in every command.

One line naming every such ticker (capped: "A B C ... and 4,990 more"), where they came
from when that was a file (a portfolio, ``configs/universe.yaml``), and what to do; exit
code 2 (:class:`~stress.errors.UnknownTickers`).
"""

from __future__ import annotations

from typing import Iterable, Mapping

from stress.errors import UnknownTickers

#: tickers named in one line before "and N more"
CAP = 20


def capped(names: Iterable[str], cap: int = CAP, sep: str = " ") -> str:
    """``names`` joined, the first ``cap`` of them, then "and N more"."""
    names = list(names)
    shown = sep.join(names[:cap])
    return shown + (f" and {len(names) - cap:,} more" if len(names) > cap else "")


def fetch_hint(names: list[str], cap: int = 10) -> str:
    """The ``stress prices fetch`` command for ``names`` (``TICKER...`` when too many)."""
    return "stress prices fetch " + (" ".join(names) if len(names) <= cap else "TICKER...")


def unknown_tickers(tickers: Iterable[str], where: str = "", role: str = "",
                    note: str = "") -> UnknownTickers:
    """The error for ``tickers`` without any price in the store. ``where``: the file they
    came from (prefixed); ``role``: e.g. "basket ticker"; ``note``: appended in parentheses."""
    names = list(dict.fromkeys(tickers))
    what = f"{role}{'s' if role and len(names) > 1 else ''} " if role else ""
    msg = (f"{where + ': ' if where else ''}no prices for {what}{capped(names)} in the store; "
           f"check the spelling, or run `{fetch_hint(names)}` online, or "
           "`stress prices import PATH` to load CSV files")
    if note:
        msg += f" ({note})"
    return UnknownTickers(msg, tuple(names))


def group_origins(universe, groups) -> dict[str, str]:
    """ticker -> "PATH (group NAME)" for the tickers of the named groups of ``universe``
    (a :class:`stress.config.Universe`), so an error can name the file they came from."""
    out: dict[str, str] = {}
    for g in dict.fromkeys(groups):
        for t in universe.group(g).tickers:
            out.setdefault(t, f"{universe.path} (group {g})")
    return out


def with_origin(exc: UnknownTickers, origins: Mapping[str, str]) -> UnknownTickers:
    """``exc`` again, prefixed with the file(s) its tickers came from (``origins``:
    ticker -> e.g. "configs/universe.yaml (group ai_power)"); unchanged when none did."""
    where = list(dict.fromkeys(origins[t] for t in exc.tickers if t in origins))
    if not where:
        return exc
    return UnknownTickers(f"{'; '.join(where)}: {exc}", exc.tickers)
