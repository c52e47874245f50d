"""The report's page list, from the views: titles, drawings and the tables behind them.

Event-study pages (in this order): findings; CAR paths; day-0 abnormal returns; tests
(one or more pages); placebo; rebound; sensitivity (when estimated). Stress pages, when
portfolios are given: holdings and NAV; P&L heatmap; contribution waterfalls (one page per
focus scenario); VaR/ES; reverse stress.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Mapping, Sequence

from stress.report import charts_event as ce
from stress.fmt import window
from stress.report.layout import Page, content_rect
from stress.report.tables import rect_points, split_rows

if TYPE_CHECKING:  # pragma: no cover
    from stress.report.views import EventView, StressView

#: Page titles, also what the tests look for.
TITLES = {
    "findings": "Findings",
    "paths": "Cumulative abnormal returns by group",
    "day0": "Day-0 abnormal return by asset",
    "tests": "Significance tests: naive and clustering-robust",
    "placebo": "Placebo distribution",
    "rebound": "Rebound after the event",
    "sensitivity": "AI-shock sensitivity by asset",
    "holdings": "Portfolios: holdings and NAV",
    "heatmap": "Portfolio P&L by scenario",
    "waterfall": "Contributions to P&L",
    "var": "VaR and expected shortfall: before and under stress",
    "reverse": "Reverse stress",
}


def event_pages(
    view: "EventView",
    colors: Mapping[str, str],
    paragraphs: Sequence[str],
    paper: str = "a4",
) -> list[Page]:
    """The event-study pages for ``view`` (see the module docstring for the order)."""
    w = window(view.main_window)
    band = ("shaded band: +-1.96 standard errors of the CAAR allowing for the assets' mean "
            "residual correlation (the KP r), see docs/methods.md")
    tests = ce.tests_frame(view)
    pages = [
        Page(TITLES["findings"], partial(ce.draw_findings, view=view, paragraphs=paragraphs,
                                         colors=colors),
             subtitle=f"{view.label} ({view.event_id}); day 0 = {view.day0}",
             tables={"findings_summary": ce.summary_frame(view)}),
        Page(TITLES["paths"], partial(ce.draw_car_paths, view=view, colors=colors),
             subtitle=f"Equal-weighted CAAR by group, cumulated from the first path day; {band}.",
             tables={"car_paths": view.paths}),
        Page(TITLES["day0"], partial(ce.draw_day0_bars, view=view, colors=colors),
             subtitle="Abnormal return on day 0 (the market model's forecast error) and the raw "
                      "return, per asset, grouped.",
             tables={"day0_assets": view.assets}),
    ]
    rect = content_rect(paper)
    from stress.report.layout import new_figure

    fig = new_figure(paper)
    wpt, hpt = rect_points(fig, rect)
    chunks = split_rows(tests, ce.tests_columns(), wpt, hpt * 0.88, max_font=8, min_font=6.0)
    for i, chunk in enumerate(chunks):
        more = f" ({i + 1} of {len(chunks)})" if len(chunks) > 1 else ""
        pages.append(Page(TITLES["tests"] + more,
                          partial(_tests_page, frame=chunk.reset_index(drop=True)),
                          subtitle="CAAR per group and event window; statistic and two-sided "
                                   "p-value of each test.",
                          tables={"tests": view.tests} if i == 0 else {}))
    pages += [
        Page(TITLES["placebo"], partial(ce.draw_placebo, view=view, colors=colors),
             subtitle=f"CAAR {w} of the same study on pre-event sessions without an event; the "
                      "vertical line is the event. Empirical p = share of placebo |CAAR| >= event |CAAR|.",
             tables={"placebo": view.placebo}),
        Page(TITLES["rebound"], partial(ce.draw_rebound, view=view, colors=colors),
             subtitle="Average CAR from day 0 to the last horizon, and the share of the day-0 move "
                      "recovered by each horizon.",
             tables={"rebound": view.rebound, "recovered": view.recovered}),
    ]
    if view.sensitivity is not None and len(view.sensitivity):
        from stress.report import charts_sensitivity as cs

        pages.append(Page(TITLES["sensitivity"], partial(cs.draw_sensitivity, view=view, colors=colors),
                          subtitle=cs.SUBTITLE, tables={"sensitivity": view.sensitivity}))
    return pages


def _tests_page(fig, rect, frame) -> None:
    ce.draw_tests_table(fig, rect, frame)


def stress_pages(view: "StressView", colors: Mapping[str, str], paper: str = "a4") -> list[Page]:
    """The stress-test pages (see the module docstring)."""
    from stress.report import charts_stress as cst

    return cst.pages(view, colors, paper)
