"""The edge of the sensitivity estimate: the universe, the event catalogue, market data.

:func:`resolve` turns a :class:`SensitivitySpec` into concrete tickers and events, given
the universe and catalogue the command read and the loaded :class:`MarketData`;
:func:`load_returns` cuts the market data's session returns at the as-of date. Nothing
here reads a file or the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from stress.errors import DataError, InputError
from stress.sensitivity.spec import DEFAULT_BASKET_GROUP, FactorSpec, SensitivitySpec

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from stress.config import Universe
    from stress.events import Catalogue, Event
    from stress.market import MarketData


@dataclass(frozen=True)
class Resolved:
    """A specification made concrete.

    ``assets``: the tickers asked for that have prices; ``missing``: those without (each
    gets a row with the reason); ``peers``: every member with prices of the assets'
    groups (for the shrinkage group means); ``groups``: ticker -> group name (None when
    in no group); ``events``: the AI-demand events asked for; ``reference``: the event
    defining the shock unit.
    """

    spec: SensitivitySpec
    assets: tuple[str, ...]
    missing: tuple[str, ...]
    peers: tuple[str, ...]
    groups: dict
    basket: tuple[str, ...]
    market: str
    factor: FactorSpec
    events: tuple["Event", ...]
    reference: "Event"

    @property
    def columns(self) -> tuple[str, ...]:
        """Every ticker whose abnormal returns are needed: assets, peers, basket."""
        return tuple(dict.fromkeys(self.assets + self.peers + self.basket))

    @property
    def tickers(self) -> tuple[str, ...]:
        """Every ticker read from the store (for the cache key's data version)."""
        return tuple(dict.fromkeys(self.columns + (self.market,) + self.factor.tickers))


def resolve(
    spec: SensitivitySpec,
    md: "MarketData",
    universe: "Universe",
    catalogue: "Catalogue",
) -> Resolved:
    """Resolve groups, basket, market, factor and events; check ``md`` has prices for
    the basket, the market and the factor (DataError naming the role and tickers)."""
    reference = catalogue.get(spec.reference_event)
    if spec.events is None:
        events = tuple(catalogue.select(directions=("up", "down")))
    else:
        events = tuple(catalogue.get(i) for i in dict.fromkeys(spec.events))
        for e in events:
            if e.ad_hoc:
                raise InputError(
                    f"event {e.id!r} is a date, not a catalogue event: name catalogue ids "
                    "(`stress events list`)"
                )
            if e.direction not in ("up", "down"):
                raise InputError(
                    f"event {e.id!r} is a {e.direction} event, not an AI-demand event "
                    "(direction up or down)"
                )
    if len(events) < spec.min_events:
        raise InputError(
            f"{len(events)} AI-demand event{'s' if len(events) != 1 else ''} given "
            f"({', '.join(e.id for e in events) or 'none'}); the event-based slope needs at "
            f"least {spec.min_events}"
        )
    basket = tuple(spec.basket) if spec.basket else universe.group(DEFAULT_BASKET_GROUP).tickers
    factor = spec.factor_spec
    market = universe.market
    groups = {t: universe.group_of(t) for t in spec.tickers}
    peer_list: list[str] = []
    for g in dict.fromkeys(v for v in groups.values() if v):
        peer_list += [t for t in universe.group(g).tickers if universe.group_of(t) == g]
    groups.update({t: universe.group_of(t) for t in peer_list})

    have = {t for t in (*spec.tickers, *basket, market, *factor.tickers, *peer_list) if md.has(t)}
    from stress.data.unknown import unknown_tickers

    for role, names in (("market", (market,)), ("basket", basket), ("factor", factor.tickers)):
        absent = [t for t in names if t not in have]
        if absent:
            raise unknown_tickers(absent, role=f"{role} ticker")
    assets = tuple(t for t in spec.tickers if t in have)
    missing = tuple(t for t in spec.tickers if t not in have)
    if missing:  # one rule in every command: unknown tickers are an error, all named
        raise unknown_tickers(missing)
    peers = tuple(t for t in peer_list if t in have)
    return Resolved(spec, assets, missing, peers, groups, basket, market, factor, events, reference)


@dataclass(frozen=True)
class Returns:
    """Daily simple returns on the market's trading days up to the as-of date.

    ``returns`` (T, n) every needed ticker; ``as_of`` the last session used;
    ``warnings`` what was dropped on the way.
    """

    returns: "pd.DataFrame"
    as_of: "pd.Timestamp"
    warnings: tuple[str, ...]


def load_returns(md: "MarketData", r: Resolved) -> Returns:
    """The market data's session returns of ``r.tickers``, cut at ``spec.as_of``."""
    import pandas as pd

    if len(md.calendar) < 3:
        raise DataError(f"market {r.market}: fewer than 3 prices in the market data")
    if md.market != r.market:
        raise DataError(f"the market data is on {md.market}'s sessions, the universe's market is {r.market}")
    returns = md.returns.reindex(columns=list(r.tickers))
    warnings: list[str] = []
    as_of = returns.index[-1]
    if r.spec.as_of is not None:
        try:
            wanted = pd.Timestamp(r.spec.as_of)
        except (ValueError, TypeError):
            raise InputError(f"--as-of {r.spec.as_of!r}: not a date YYYY-MM-DD") from None
        if wanted < returns.index[0]:
            raise InputError(
                f"--as-of {wanted:%Y-%m-%d} is before the market data "
                f"({returns.index[0]:%Y-%m-%d} to {as_of:%Y-%m-%d})"
            )
        as_of = returns.index[returns.index.searchsorted(wanted, side="right") - 1]
        returns = returns.loc[:as_of]
    for t in r.factor.tickers:
        if returns[t].isna().all():
            raise DataError(f"factor ticker {t}: no returns up to {as_of:%Y-%m-%d} in the store")
    if returns[list(r.basket)].isna().all().all():
        raise DataError(
            f"basket {' '.join(r.basket)}: no returns up to {as_of:%Y-%m-%d} in the store"
        )
    return Returns(returns, as_of, tuple(warnings))
