"""Reading the YAML files users edit in ``configs/``: the universe and its groups, the
event catalogue and the scenario catalogue.

The one place that reads configuration files: a command (or a library caller) calls
:func:`load_configs` once and passes the frozen objects down; no numeric module reads a
file. Each loader raises :class:`InputError` naming the file (and the entry) on anything
malformed. Files are found by :func:`stress.paths.config_file` (``$STRESS_CONFIG_DIR``,
``./configs``, then the shipped defaults).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stress.errors import InputError
from stress.paths import config_file

if TYPE_CHECKING:  # pragma: no cover
    from stress.events.catalogue import Catalogue
    from stress.scenarios.catalogue import ScenarioCatalogue


def load_yaml(path: Path, loader: Any = None) -> Any:
    """Read and parse a YAML file; a missing file or a syntax error becomes one InputError
    line. ``loader``: a ``yaml.SafeLoader`` subclass (default SafeLoader)."""
    return parse_yaml(read_text(path), path, loader)


def yaml12_loader() -> Any:
    """A ``yaml.SafeLoader`` subclass whose booleans are YAML 1.2's: only true/false.
    YAML 1.1 (PyYAML's default) also reads yes/no/on/off/y/n as booleans, so a ticker
    ``ON`` (ON Semiconductor) or ``Y`` would become True."""
    import re

    import yaml

    class Yaml12Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser when built
        pass

    bool_tag = "tag:yaml.org,2002:bool"
    Yaml12Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != bool_tag]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Yaml12Loader.add_implicit_resolver(
        bool_tag, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    return Yaml12Loader


def parse_yaml(text: str, path: Path, loader: Any = None) -> Any:
    """Parse YAML ``text`` read from ``path``; a syntax error is one InputError line naming
    the file and line. ``loader``: a ``yaml.SafeLoader`` subclass (default
    :func:`yaml12_loader`: only true/false are booleans)."""
    import yaml

    try:
        return yaml.load(text, Loader=loader or yaml12_loader())  # noqa: S506 - SafeLoader family
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{path}{where}: invalid YAML: {problem}") from None


@dataclass(frozen=True)
class Group:
    name: str
    label: str
    tickers: tuple[str, ...]


@dataclass(frozen=True)
class Universe:
    market: str
    groups: tuple[Group, ...]
    path: Path

    def group(self, name: str) -> Group:
        for g in self.groups:
            if g.name == name:
                return g
        known = ", ".join(g.name for g in self.groups)
        raise InputError(f"unknown group {name!r} in {self.path} (known: {known})")

    def tickers(self, groups: tuple[str, ...] | list[str] | None = None) -> tuple[str, ...]:
        """Tickers of the named groups (all groups if None), in order, without repeats."""
        chosen = self.groups if not groups else tuple(self.group(n) for n in groups)
        seen: dict[str, None] = {}
        for g in chosen:
            for t in g.tickers:
                seen.setdefault(t, None)
        return tuple(seen)

    def group_of(self, ticker: str) -> str | None:
        """The first group a ticker belongs to, or None."""
        for g in self.groups:
            if ticker in g.tickers:
                return g.name
        return None


def load_universe(path: Path | None = None) -> Universe:
    """Load ``configs/universe.yaml`` (or ``path``)."""
    path = Path(path) if path else config_file("universe.yaml")
    data = load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("groups"), dict):
        raise InputError(f"{path}: expected a mapping with 'groups:'")
    groups = []
    for name, spec in data["groups"].items():
        if isinstance(spec, list):
            spec = {"tickers": spec}
        if not isinstance(spec, dict) or not isinstance(spec.get("tickers"), list):
            raise InputError(f"{path}: group {name!r} needs a list of 'tickers'")
        if not spec["tickers"]:
            raise InputError(f"{path}: group {name!r} is empty")
        tickers = tuple(str(t).strip().upper() for t in spec["tickers"])
        groups.append(Group(str(name), str(spec.get("label", name)), tickers))
    market = str(data.get("market", "SPY")).upper()
    return Universe(market=market, groups=tuple(groups), path=path)


def read_text(path: Path | str) -> str:
    """A config file's text; an unreadable file is one InputError line naming it."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def load_events(path: Path | str | None = None) -> "Catalogue":
    """Load and validate ``configs/events.yaml`` (or ``path``); see
    :func:`stress.events.catalogue.parse_events`."""
    from stress.events.catalogue import parse_events

    path = Path(path) if path else config_file("events.yaml")
    return parse_events(read_text(path), path)


def load_scenarios(path: Path | str | None = None, events: "Catalogue | None" = None) -> "ScenarioCatalogue":
    """Load ``configs/scenarios.yaml`` (or ``path``) with the event catalogue ``events``
    (default :func:`load_events`); see :func:`stress.scenarios.catalogue.parse_scenarios`."""
    from stress.scenarios.catalogue import parse_scenarios

    events = events if events is not None else load_events()
    path = Path(path) if path else config_file("scenarios.yaml")
    return parse_scenarios(load_yaml(path), path, events)


@dataclass(frozen=True)
class Configs:
    """Everything a command reads from ``configs/``, read once at the top."""

    universe: Universe
    events: "Catalogue"
    scenarios: "ScenarioCatalogue"


def load_configs() -> Configs:
    """The universe, the event catalogue and the scenario catalogue (each file read once)."""
    universe = load_universe()
    events = load_events()
    return Configs(universe, events, load_scenarios(events=events))


def read_pairs(path: Path | str, catalogue: "Catalogue | None" = None):
    """Firm-event pairs from a CSV file (``ticker,date[,event]``); see
    :func:`stress.eventstudy.pairs.parse_pairs`."""
    from stress.eventstudy.pairs import parse_pairs

    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read pairs file {path}: {exc.strerror or exc}") from None
    return parse_pairs(text, path, catalogue)
