"""The numbers a report shows, as plain frames: what the pages draw and the CSVs hold.

:mod:`stress.report.build` fills these from the computations' results (event study,
sensitivity, scenarios); the chart, table and words modules read only these, so they can
be tested with synthetic frames. Returns are fractions; days are trading days relative to
day 0. Every frame here is written to CSV by ``--out-dir`` under the name it has on its
page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: The tests of the tests table, in display order: (key, label, kind).
TESTS: tuple[tuple[str, str, str], ...] = (
    ("patell", "Patell Z", "naive"),
    ("bmp", "BMP t", "naive"),
    ("kp", "KP-adj. BMP t", "robust"),
    ("crude", "Crude dep. t", "robust"),
    ("rank", "Corrado rank", "robust"),
    ("gsign", "Gen. sign", "robust"),
)


@dataclass(frozen=True)
class EventView:
    """An event study's numbers for the report.

    * ``groups``: index group name; columns ``label``, ``n`` (assets with estimates).
      Row order is display order; the colours come from the universe's palette.
    * ``tests``: one row per (group, window): ``group``, ``window`` ("[0,0]"), ``a``,
      ``b``, ``n``, ``caar``, then ``<test>_stat`` and ``<test>_p`` for each test in
      :data:`TESTS`, and ``placebo_p`` (empirical; NaN if no placebo run), ``r`` (mean
      residual correlation used by KP).
    * ``paths``: ``group``, ``day``, ``caar`` (cumulated from the first path day),
      ``lo``, ``hi`` (the band; see docs/methods.md, "Reports").
    * ``assets``: ``ticker``, ``group``, ``raw0`` (raw day-0 return), ``ar0`` (day-0
      abnormal return), ``t0``, ``p0`` (its t-test), ``car`` per window as
      ``car_[a,b]``.
    * ``placebo``: ``group``, ``caar`` (one row per placebo session, main window).
    * ``rebound``: ``group``, ``day``, ``car`` (day 0 to the last horizon);
      ``recovered``: ``group``, ``horizon``, ``share`` (of the day-0 move recovered).
    * ``size`` (optional): ``window``, ``a``, ``b``, ``test``, ``rejection`` (share of
      placebo sessions on which the test rejects at ``level``), ``level``, ``n_dates``.
    * ``sensitivity`` (optional): ``ticker``, ``group``, ``b``, ``b_lo``, ``b_hi``,
      ``n_events``, ``beta_ai``, ``ai_lo``, ``ai_hi``, ``implied_event`` (+ ``_lo``,
      ``_hi``, out of sample), ``implied_factor`` (+ ``_lo``, ``_hi``), ``actual``
      (reference-event abnormal return), ``reason``.
    * ``reference``: the sensitivity's reference event id and day 0 (DeepSeek units).
    """

    event_id: str
    label: str
    event_date: str
    day0: str
    direction: str  # "down", "up" or "" (AI power demand)
    main_window: tuple[int, int]
    groups: "pd.DataFrame"
    tests: "pd.DataFrame"
    paths: "pd.DataFrame"
    assets: "pd.DataFrame"
    placebo: "pd.DataFrame"
    rebound: "pd.DataFrame"
    recovered: "pd.DataFrame"
    size: "pd.DataFrame | None" = None
    sensitivity: "pd.DataFrame | None" = None
    reference: tuple[str, str] = ("deepseek-r1", "2025-01-27")
    band: str = "corr"  # how the CAR band was made (docs/methods.md, "Reports")
    notes: tuple[str, ...] = ()  # e.g. "2025-01-25 is a Saturday: day 0 is 2025-01-27"
    #: the size check of the headline group's assets on their own (the rates `stress
    #: event-study --group NAME` prints): (group, frame like ``size``), or None
    group_size: "tuple[str, pd.DataFrame] | None" = None
    #: other catalogue events whose day 0 falls inside a window or the rebound horizon
    #: (:class:`stress.eventstudy.confounders.Confounder`), ordered by day
    confounders: tuple = ()
    #: warnings of the event study and of the sensitivity estimate, as the CLI prints them
    warnings: tuple[str, ...] = ()
    sensitivity_warnings: tuple[str, ...] = ()

    def main_tests(self) -> "pd.DataFrame":
        """The rows of ``tests`` for ``main_window``, indexed by group (``all`` included)."""
        t = self.tests
        a, b = self.main_window
        return t[(t["a"] == a) & (t["b"] == b)].set_index("group")


@dataclass(frozen=True)
class StressView:
    """Portfolios under the scenarios, for the report.

    * ``holdings``: ``portfolio``, ``ticker``, ``group``, ``value``, ``weight``.
    * ``navs``: ``portfolio``, ``file``, ``as_of``, ``nav``.
    * ``grid``: index scenario id, columns portfolio names, P&L as a fraction of NAV;
      ``scenarios``: ``id``, ``label``, ``kind`` (replay, shock, custom).
    * ``contributions``: ``portfolio``, ``scenario``, ``ticker``, ``pnl`` (currency),
      ``pnl_pct`` (fraction of NAV); the waterfall page shows ``focus`` scenarios.
    * ``var``: ``portfolio``, ``method``, ``level``, ``var_before``, ``es_before``,
      ``var_stress``, ``es_stress`` (positive losses, fractions of NAV), ``horizon``.
    * ``reverse``: ``portfolio``, ``loss`` (fraction of NAV, positive), ``k`` (DeepSeek
      units), ``k_lo``, ``k_hi`` (if an interval exists), ``note``.
    """

    holdings: "pd.DataFrame"
    navs: "pd.DataFrame"
    grid: "pd.DataFrame"
    scenarios: "pd.DataFrame"
    contributions: "pd.DataFrame"
    var: "pd.DataFrame"
    reverse: "pd.DataFrame"
    focus: tuple[str, ...] = ()
    group_labels: "dict[str, str]" = field(default_factory=dict)
    currency: str = ""
    settings: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = ()
    #: one row per (portfolio, scenario): ``pnl_pct``, ``propagated`` (holdings whose
    #: return was filled by conditioning), ``note`` (the CLI's caveat, e.g. returns below
    #: -100%: not attainable), ``attainable``, ``plausibility`` (words)
    cells: "pd.DataFrame | None" = None
    #: one row per portfolio: the executive summary's figures (see stress_view.summary_frame)
    summary: "pd.DataFrame | None" = None
    #: the run's warnings (as the CLI prints them), shown beside the figures they qualify
    warnings: tuple[str, ...] = ()
