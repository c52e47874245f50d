"""Events: the catalogue of AI-demand shocks and the event-date rule (day 0)."""

from stress.events.catalogue import (
    DIRECTIONS,
    Catalogue,
    Event,
    ad_hoc_event,
    parse_events,
    map_to_session,
    relative_days,
)

__all__ = [
    "DIRECTIONS",
    "Catalogue",
    "Event",
    "ad_hoc_event",
    "parse_events",
    "map_to_session",
    "relative_days",
]
