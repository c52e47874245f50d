"""What a sensitivity estimate is asked to do: a small frozen specification.

Nothing here reads data; :func:`stress.sensitivity.estimate.estimate_sensitivity` runs it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from stress.errors import InputError

#: the event that defines one "DeepSeek unit" of AI-demand shock (k = -1)
REFERENCE_EVENT = "deepseek-r1"
#: the default reference basket: this group of configs/universe.yaml, equal weight
DEFAULT_BASKET_GROUP = "ai_power"

_TICKER = r"[A-Za-z0-9.^=]+"
_SPEC_RE = re.compile(rf"^\+?{_TICKER}([+-]{_TICKER})*$")


@dataclass(frozen=True)
class FactorSpec:
    """A tradable factor: equal-weight ``long`` minus equal-weight ``short`` returns.

    Syntax: tickers joined by ``+`` (long) and ``-`` (short): ``SMH``; ``VST+CEG-XLU``
    = (r_VST + r_CEG)/2 - r_XLU; ``NVDA-SPY``. At least one long ticker; a ticker that
    contains ``-`` cannot be named (Yahoo's ``BRK-B``).
    """

    long: tuple[str, ...]
    short: tuple[str, ...] = ()

    @property
    def tickers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.long + self.short))

    @property
    def text(self) -> str:
        return "+".join(self.long) + "".join(f"-{t}" for t in self.short)


def parse_factor(text: str) -> FactorSpec:
    """Parse a factor SPEC (see :class:`FactorSpec`); InputError on anything else."""
    s = str(text).replace(" ", "").upper()
    if not s or not _SPEC_RE.match(s):
        raise InputError(
            f"--factor {text!r}: expected tickers joined by + (long) and - (short), "
            "e.g. SMH or VST+CEG-XLU"
        )
    long: list[str] = []
    short: list[str] = []
    for sign, ticker in re.findall(rf"([+-]?)({_TICKER})", s):
        (short if sign == "-" else long).append(ticker)
    if set(long) & set(short):
        both = " ".join(sorted(set(long) & set(short)))
        raise InputError(f"--factor {text!r}: {both} is both long and short")
    return FactorSpec(tuple(dict.fromkeys(long)), tuple(dict.fromkeys(short)))


@dataclass(frozen=True)
class SensitivitySpec:
    """The settings of one sensitivity estimate (defaults in docs/methods.md).

    ``tickers``: the assets. ``events``: catalogue ids (None: every AI-demand event,
    direction up or down). ``basket``: reference basket tickers (None: the ``ai_power``
    group). ``window``: the assets' abnormal-return window [a, b] around day 0 (the shock
    size is always the basket's day-0 abnormal return). ``factor``: factor SPEC.
    ``as_of``: last session of the factor window (None: the last date of the data);
    events whose window ends after it are not used. ``estimation``: the market model's
    estimation window relative to day 0; ``min_estimation``: fewest estimation returns.
    ``factor_window`` sessions for the factor regression, ``rolling_window`` sessions for
    rolling loadings; ``min_events``: fewest usable events for an estimate.
    """

    tickers: tuple[str, ...]
    events: tuple[str, ...] | None = None
    basket: tuple[str, ...] | None = None
    window: tuple[int, int] = (0, 0)
    factor: str = "SMH"
    as_of: str | None = None
    estimation: tuple[int, int] = (-250, -11)
    min_estimation: int = 60
    factor_window: int = 504
    rolling_window: int = 252
    min_events: int = 3
    min_factor_obs: int = 60
    level: float = 0.95
    reference_event: str = REFERENCE_EVENT

    def __post_init__(self) -> None:
        norm = lambda ts: tuple(dict.fromkeys(str(t).strip().upper() for t in ts if str(t).strip()))  # noqa: E731
        object.__setattr__(self, "tickers", norm(self.tickers))
        if self.basket is not None:
            object.__setattr__(self, "basket", norm(self.basket) or None)
        if self.events is not None:
            object.__setattr__(self, "events", tuple(str(e).strip() for e in self.events if str(e).strip()))
        object.__setattr__(self, "window", (int(self.window[0]), int(self.window[1])))
        if not self.tickers:
            raise InputError("no tickers: name tickers or a --group")
        a, b = self.window
        if a > b:
            raise InputError(f"--window {a},{b}: start {a} is after end {b}")
        e1, e2 = self.estimation
        if not e1 < e2 < min(a, 0):
            raise InputError(
                f"estimation window [{e1},{e2}] must end before the event window [{a},{b}]"
            )
        if self.min_events < 2:
            raise InputError("min_events must be at least 2 (n-1 degrees of freedom)")
        parse_factor(self.factor)  # validate early

    @property
    def factor_spec(self) -> FactorSpec:
        return parse_factor(self.factor)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["window"] = list(self.window)
        d["estimation"] = list(self.estimation)
        for key in ("tickers", "events", "basket"):
            if d[key] is not None:
                d[key] = list(d[key])
        return d
