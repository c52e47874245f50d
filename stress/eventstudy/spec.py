"""The specification of an event study: a small frozen object, checked on creation."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from stress.errors import InputError

#: Models of normal returns, by name (see docs/methods.md).
MODELS = ("market", "market-adjusted", "constant-mean", "factor")

Window = tuple[int, int]

#: Most placebo dates drawn when no count is given (``placebo=None``).
PLACEBO_MAX = 1000


@dataclass(frozen=True)
class EventStudySpec:
    """How to run an event study. Days are trading days relative to day 0.

    ``model``: ``market`` (OLS on [1, r_m], default), ``market-adjusted`` (AR = r - r_m),
    ``constant-mean`` (AR = r - mean), ``factor`` (OLS on [1, f_1..f_K], ``factors``).
    ``estimation``: the estimation window [a, b] (default [-250, -11]);
    ``windows``: event windows; ``returns``: ``simple`` or ``log``;
    ``min_estimation``: fewest non-missing estimation returns an asset needs;
    ``placebo``: number of placebo sessions drawn (without replacement, with ``seed``)
    from the qualifying sessions among the ``placebo_pool`` before the event; None (the
    default) takes every qualifying session, up to :data:`PLACEBO_MAX` (1,000); 0 skips;
    ``rebound_horizons``: days h for the share of the day-0 move recovered by day h;
    ``level``: test level of the placebo size check; ``flag_rate``: a test whose placebo
    rejection rate exceeds it is flagged.
    """

    model: str = "market"
    market: str = "SPY"
    factors: tuple[str, ...] = ()
    estimation: Window = (-250, -11)
    windows: tuple[Window, ...] = ((0, 0), (-1, 1), (0, 5), (0, 20))
    returns: str = "simple"
    min_estimation: int = 60
    placebo: int | None = None
    placebo_pool: int = 250
    seed: int = 20250127
    rebound_horizons: tuple[int, ...] = (5, 20, 60)
    level: float = 0.05
    flag_rate: float = 0.10

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "market", str(self.market).strip().upper())
        set_(self, "factors", tuple(str(f).strip().upper() for f in self.factors if str(f).strip()))
        set_(self, "estimation", _pair(self.estimation, "estimation"))
        set_(self, "windows", tuple(_pair(w, "window") for w in self.windows))
        set_(self, "rebound_horizons", tuple(int(h) for h in self.rebound_horizons))
        if self.placebo is not None:
            try:
                set_(self, "placebo", int(self.placebo))
            except (TypeError, ValueError):
                raise InputError(f"placebo {self.placebo!r}: expected a count of sessions or None") from None
        if self.model not in MODELS:
            raise InputError(f"model {self.model!r}: expected one of {', '.join(MODELS)}")
        if self.model == "factor" and not self.factors:
            raise InputError("model 'factor' needs factor tickers, e.g. --factors SPY,XLU")
        if self.model != "factor" and self.factors:
            raise InputError(f"factors {','.join(self.factors)} given with model {self.model!r}; use --model factor")
        if len(set(self.factors)) != len(self.factors):
            raise InputError(f"factors {','.join(self.factors)}: a factor is repeated")
        if self.returns not in ("simple", "log"):
            raise InputError(f"returns {self.returns!r}: expected 'simple' or 'log'")
        if not self.windows:
            raise InputError("no event window given")
        a, b = self.estimation
        first = min(w[0] for w in self.windows)
        if b >= first:
            raise InputError(
                f"estimation window [{a},{b}] must end before the first event-window day {first}"
            )
        if self.min_estimation < self.k + 3:
            raise InputError(
                f"min_estimation {self.min_estimation}: needs at least k + 3 = {self.k + 3} "
                f"returns for model {self.model!r} (Patell's variance (L1-k)/(L1-k-2))"
            )
        if self.min_estimation > b - a + 1:
            raise InputError(
                f"min_estimation {self.min_estimation} exceeds the estimation window's "
                f"{b - a + 1} days [{a},{b}]"
            )
        if (self.placebo is not None and self.placebo < 0) or self.placebo_pool < 1:
            raise InputError("placebo count must be >= 0 and placebo_pool >= 1")
        if any(h < 0 for h in self.rebound_horizons):
            raise InputError("rebound horizons must be >= 0 days")
        if not 0 < self.level < 1 or not 0 < self.flag_rate < 1:
            raise InputError("level and flag_rate must be in (0, 1)")

    @property
    def regressors(self) -> tuple[str, ...]:
        """Tickers whose returns enter the model of normal returns."""
        if self.model in ("market", "market-adjusted"):
            return (self.market,)
        return self.factors

    @property
    def k(self) -> int:
        """Number of estimated parameters (0 market-adjusted, 1 constant-mean, 2 market)."""
        return {"market": 2, "market-adjusted": 0, "constant-mean": 1}.get(
            self.model, 1 + len(self.factors)
        )

    @property
    def placebo_target(self) -> int:
        """Most placebo dates to draw: ``placebo``, or :data:`PLACEBO_MAX` when None."""
        return PLACEBO_MAX if self.placebo is None else self.placebo

    def to_dict(self) -> dict:
        d = asdict(self)
        d["estimation"] = list(self.estimation)
        d["windows"] = [list(w) for w in self.windows]
        d["factors"] = list(self.factors)
        d["rebound_horizons"] = list(self.rebound_horizons)
        d["k"] = self.k
        return d


def _pair(value, what: str) -> Window:
    try:
        a, b = (int(x) for x in value)
    except (TypeError, ValueError):
        raise InputError(f"{what} {value!r}: expected two integers (a, b)") from None
    if a > b:
        raise InputError(f"{what} [{a},{b}]: start is after end")
    return a, b
