"""Scenario specifications: the catalogue (``configs/scenarios.yaml``), the events of
``configs/events.yaml`` as replays, and scenarios made from command-line flags.

Three kinds, each a frozen :class:`ScenarioSpec`:

* ``replay``: an event's buy-and-hold returns over a window [a, b] of trading days
  around its day 0 (every catalogue event is a replay under its own id, window [0, 0]);
* ``shock``: a hypothetical AI-demand shock of ``k`` DeepSeek units (k = -1 repeats
  DeepSeek), plus an optional market move ``market_move`` (a return of the market index);
* ``custom``: returns imposed on named tickers (``shocks``), propagated to the rest.

``regime`` names the event whose post-event sessions give the stressed VaR regime.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from stress.errors import InputError

Kind = Literal["replay", "shock", "custom"]
KINDS = ("replay", "shock", "custom")
#: the event whose after-math is the stressed regime of shock and custom scenarios
DEFAULT_REGIME = "deepseek-r1"
#: sessions of a stressed regime: day 0 .. day 0 + 59
DEFAULT_REGIME_SESSIONS = 60
_ID = re.compile(r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$")
_FIELDS = ("id", "kind", "title", "event", "window", "k", "market_move", "shocks", "regime")


@dataclass(frozen=True)
class ScenarioSpec:
    """One scenario. Returns and moves are fractions; ``window`` counts trading days
    relative to day 0, both ends included; ``k`` is in DeepSeek units."""

    id: str
    kind: Kind
    title: str = ""
    event: str | None = None
    window: tuple[int, int] = (0, 0)
    k: float | None = None
    market_move: float = 0.0
    shocks: tuple[tuple[str, float], ...] = ()
    regime: str | None = None
    origin: str = "cli"  # "events", "catalogue" or "cli"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "kind": self.kind, "title": self.title}
        if self.kind == "replay":
            d.update(event=self.event, window=list(self.window))
        elif self.kind == "shock":
            d.update(k=self.k, market_move=self.market_move)
        else:
            d.update(shocks=dict(self.shocks))
        d["regime"] = self.regime
        return d


@dataclass(frozen=True)
class ScenarioCatalogue:
    """Replays of every event (in the events file's order), then the named scenarios."""

    scenarios: tuple[ScenarioSpec, ...]
    path: Path | None = None
    regime_sessions: int = DEFAULT_REGIME_SESSIONS
    default_regime: str = DEFAULT_REGIME
    events: Any = field(default=None, repr=False, compare=False)  # stress.events Catalogue

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.scenarios)

    def get(self, key: str) -> ScenarioSpec:
        """The scenario with id ``key``; an unknown id is an InputError with close matches."""
        import difflib

        for s in self.scenarios:
            if s.id == key.strip().lower():
                return s
        close = difflib.get_close_matches(key.lower(), self.ids, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InputError(f"unknown scenario {key!r}{hint} (`stress run --list-scenarios` "
                         f"shows the ids of {self.path} and the events)")


def parse_scenarios(data: Any, path: Path | str, events: Any) -> ScenarioCatalogue:
    """Validate the parsed ``configs/scenarios.yaml`` (read from ``path``, named in
    errors) with the events catalogue ``events``; reading the file is the caller's
    (:func:`stress.config.load_scenarios`).

    File shape: ``defaults: {regime: ID, regime_sessions: 60}`` and ``scenarios:`` a list
    of mappings with ``id``, ``kind`` and the kind's fields. Errors name the file and id.
    """
    path = Path(path)
    data = data or {}
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping with 'scenarios:'")
    defaults = data.get("defaults") or {}
    regime = str(defaults.get("regime", DEFAULT_REGIME))
    sessions = defaults.get("regime_sessions", DEFAULT_REGIME_SESSIONS)
    if isinstance(sessions, bool) or not isinstance(sessions, int) or sessions < 2:
        raise InputError(f"{path}: defaults.regime_sessions must be a whole number >= 2")
    if regime not in events.ids:
        raise InputError(f"{path}: defaults.regime {regime!r} is not an event of {events.path}")
    specs = [ScenarioSpec(id=e.id, kind="replay", title=e.title, event=e.id, regime=e.id,
                          origin="events") for e in events]
    seen = {s.id: str(events.path) for s in specs}
    entries = data.get("scenarios") or []
    if not isinstance(entries, list):
        raise InputError(f"{path}: 'scenarios' must be a list of mappings")
    for i, entry in enumerate(entries):
        spec = _parse_entry(path, i, entry, events, regime)
        if spec.id in seen:
            raise InputError(f"{path}: scenario {spec.id!r} is defined twice (also in {seen[spec.id]})")
        seen[spec.id] = str(path)
        specs.append(spec)
    return ScenarioCatalogue(tuple(specs), path, sessions, regime, events)


def _parse_entry(path: Path, i: int, entry: Any, events: Any, regime: str) -> ScenarioSpec:
    if not isinstance(entry, dict):
        raise InputError(f"{path}: scenario #{i + 1} must be a mapping")
    sid = str(entry.get("id", "")).strip()
    label = f"{path}: scenario {sid or '#' + str(i + 1)!r}"
    if not _ID.match(sid):
        raise InputError(f"{label}: id must be lower-case letters and digits joined by '-'")
    unknown = [k for k in entry if k not in _FIELDS]
    if unknown:
        raise InputError(f"{label}: unknown field {unknown[0]!r} (known: {', '.join(_FIELDS)})")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise InputError(f"{label}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    title = " ".join(str(entry.get("title", "")).split())
    own_regime = entry.get("regime")
    if own_regime is not None and str(own_regime) not in events.ids:
        raise InputError(f"{label}: regime {own_regime!r} is not an event of {events.path}")
    try:
        if kind == "replay":
            event = str(entry.get("event", ""))
            if event not in events.ids:
                raise InputError(f"event {event!r} is not in {events.path}")
            window = entry.get("window", [0, 0])
            if not (isinstance(window, list) and len(window) == 2
                    and all(isinstance(x, int) and not isinstance(x, bool) for x in window)
                    and window[0] <= window[1]):
                raise InputError(f"window must be [a, b], two integers with a <= b, not {window!r}")
            return ScenarioSpec(sid, "replay", title, event=event, window=(window[0], window[1]),
                                regime=str(own_regime or event), origin="catalogue")
        if kind == "shock":
            k = _finite(entry.get("k"), "k")
            m = _finite(entry.get("market_move", 0.0), "market_move")
            from stress.scenarios.hypothetical import check_shock

            check_shock(k, m, where="k", move_name="market_move")
            return ScenarioSpec(sid, "shock", title, k=k, market_move=m,
                                regime=str(own_regime or regime), origin="catalogue")
        shocks = entry.get("shocks")
        if not isinstance(shocks, dict) or not shocks:
            raise InputError("shocks must be a mapping TICKER: return, e.g. {VST: -0.30}")
        pairs = tuple((str(t).strip().upper(), _finite(v, f"shocks.{t}")) for t, v in shocks.items())
        return ScenarioSpec(sid, "custom", title, shocks=pairs,
                            regime=str(own_regime or regime), origin="catalogue")
    except InputError as exc:
        raise InputError(f"{label}: {exc}") from None


def _finite(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{name} must be a number, not {value!r}")
    return float(value)


# ---- scenarios from command-line flags -------------------------------------------------
def replay_spec(base: ScenarioSpec, window: tuple[int, int]) -> ScenarioSpec:
    """An event replay over another window; its id gets the window, e.g. deepseek-r1[0,4]."""
    from dataclasses import replace

    if base.kind != "replay":
        raise InputError(f"--window applies to event replays; {base.id!r} is a {base.kind} scenario")
    if tuple(window) == (0, 0):
        return base
    return replace(base, id=f"{base.id}[{window[0]},{window[1]}]", window=tuple(window),
                   origin="cli")


def shock_spec(k: float, market_move: float = 0.0, regime: str = DEFAULT_REGIME) -> ScenarioSpec:
    """``--shock k`` (with ``--market-move m``): id ``shock(k=-1.5)`` or ``shock(k=-1,m=-0.02)``."""
    from stress.scenarios.hypothetical import check_shock

    check_shock(k, market_move)
    sid = f"shock(k={k:g}" + (f",m={market_move:g})" if market_move else ")")
    return ScenarioSpec(sid, "shock", f"AI-demand shock of {k:g} DeepSeek units", k=float(k),
                        market_move=float(market_move), regime=regime)


def parse_custom(text: str) -> tuple[tuple[str, float], ...]:
    """``"VST=-0.30,SPY=-0.02"`` (or ``VST=-30%``) to ((ticker, return), ...)."""
    pairs: dict[str, float] = {}
    for part in str(text).replace(";", ",").split(","):
        if not part.strip():
            continue
        name, sep, raw = part.partition("=")
        ticker = name.strip().upper()
        raw = raw.strip()
        scale = 0.01 if raw.endswith("%") else 1.0
        try:
            value = float(raw.rstrip("%")) * scale
        except ValueError:
            value = float("nan")
        if not sep or not ticker or not math.isfinite(value):
            raise InputError(f"--custom {text!r}: {part.strip()!r} is not TICKER=RETURN "
                             "(e.g. VST=-0.30 or VST=-30%)")
        if value <= -1:
            raise InputError(f"--custom {text!r}: {ticker} {value:+.0%} would lose more than the "
                             "whole position; returns are fractions (-0.30 = -30%)")
        if ticker in pairs:
            raise InputError(f"--custom {text!r}: {ticker} is shocked twice")
        pairs[ticker] = value
    if not pairs:
        raise InputError(f"--custom {text!r}: no shocks; expected e.g. VST=-0.30,SPY=-0.02")
    return tuple(pairs.items())


def custom_spec(text: str, regime: str = DEFAULT_REGIME) -> ScenarioSpec:
    """``--custom "VST=-0.30,SPY=-0.02"``: id ``custom(VST=-0.3,SPY=-0.02)``."""
    pairs = parse_custom(text)
    sid = "custom(" + ",".join(f"{t}={v:g}" for t, v in pairs) + ")"
    return ScenarioSpec(sid, "custom", "custom shock " + ", ".join(f"{t} {v:+.1%}" for t, v in pairs),
                        shocks=pairs, regime=regime)
