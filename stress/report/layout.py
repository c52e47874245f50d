"""The page template: paper sizes, header, footer with provenance, the group palette.

Every page of a report is one matplotlib figure the size of the paper (portrait). The
header holds the report title and the page title; the footer holds the provenance
(data source, as-of date, fetched-at time), the key settings and "page i of n". Page
contents go inside :func:`content_rect`, in figure-fraction coordinates, so the same
page code fits A4 and Letter.

Colours: one palette keyed by the universe's group names, so a group has the same colour
on every page (:func:`group_colors`).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

#: (width, height) in inches, portrait.
PAPER: dict[str, tuple[float, float]] = {"a4": (8.27, 11.69), "letter": (8.5, 11.0)}

MARGIN_IN = 0.6  # left/right/top margin, inches
HEADER_IN = 0.95  # header band below the top margin, inches
FOOTER_IN = 0.95  # footer band above the bottom margin, inches
BOTTOM_IN = 0.45

#: Colours of the default universe's groups (colour-blind-safe Okabe-Ito / Tableau tones).
GROUP_COLOURS: dict[str, str] = {
    "ai_power": "#c0392b",
    "nuclear": "#7b3294",
    "grid": "#e08214",
    "utilities": "#2166ac",
    "renewables": "#1b9e77",
    "ai_compute": "#8c510a",
    "market": "#636363",
}
#: Colours for groups not listed above, handed out in the order the groups are named.
EXTRA_COLOURS: tuple[str, ...] = (
    "#17becf", "#bcbd22", "#e377c2", "#9467bd", "#8c564b", "#ff7f0e", "#2ca02c",
    "#1f77b4", "#d62728", "#7f7f7f",
)
OTHER_COLOUR = "#8c8c8c"  # assets in no group (readable as text on white)

INK = "#222222"
MUTED = "#666666"
RULE = "#bbbbbb"

#: matplotlib settings of every report page (readable at 100%; text extractable).
RC: dict[str, object] = {
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.titlesize": 9.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 8.5,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 7.5,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.unicode_minus": False,  # "-28.3%" as typed: searchable in the PDF's text
    "axes.grid": True,
    "grid.color": "#e3e3e3",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "pdf.fonttype": 42,  # TrueType: text stays extractable (pypdf, pdftotext)
    "pdf.compression": 6,
    "svg.hashsalt": "stress-report",
    "text.color": INK,
    "axes.labelcolor": INK,
}


@dataclass(frozen=True)
class Provenance:
    """What every page's footer says about the data and the settings.

    ``source``: where the prices came from (e.g. "yahoo", "csv"), ``as_of``: the last
    price date used (ISO), ``fetched_at``: when the prices were fetched or imported
    (ISO timestamp, or a range "first .. last"), ``settings``: key settings in display
    order (e.g. model, market, estimation window, event windows, placebo draws).
    """

    source: str
    as_of: str
    fetched_at: str
    settings: tuple[tuple[str, str], ...] = ()

    def lines(self, width: int = 130) -> list[str]:
        data = f"Data: {self.source}; prices to {self.as_of}; fetched {self.fetched_at}."
        sets = "; ".join(f"{k} {v}" for k, v in self.settings)
        out = textwrap.wrap(data, width)
        if sets:
            out += textwrap.wrap(f"Settings: {sets}.", width)
        return out


def group_colors(names: Iterable[str]) -> dict[str, str]:
    """A colour for each group name: the fixed colour of a known group, else the next
    unused colour of :data:`EXTRA_COLOURS` in the order given (deterministic)."""
    out: dict[str, str] = {}
    used = set(GROUP_COLOURS.values())
    spare = [c for c in EXTRA_COLOURS if c not in used]
    i = 0
    for name in names:
        if name in out:
            continue
        if name in GROUP_COLOURS:
            out[name] = GROUP_COLOURS[name]
        else:
            out[name] = spare[i % len(spare)]
            i += 1
    return out


def color_of(group: str | None, colors: Mapping[str, str]) -> str:
    return colors.get(group, OTHER_COLOUR) if group else OTHER_COLOUR


@dataclass(frozen=True)
class Page:
    """One page to be drawn: its title, a drawing function, the tables behind it.

    ``draw(fig, rect)`` draws the content inside ``rect`` = (left, bottom, width,
    height) in figure fraction. ``tables`` maps a CSV name (without ``.csv``) to the
    frame shown on the page, written out with ``--out-dir``.
    """

    title: str
    draw: Callable[["Figure", tuple[float, float, float, float]], None]
    subtitle: str = ""
    tables: Mapping[str, object] = field(default_factory=dict)


def content_rect(paper: str) -> tuple[float, float, float, float]:
    """(left, bottom, width, height) of the content area, figure fraction."""
    w, h = PAPER[paper]
    left = MARGIN_IN / w
    bottom = (BOTTOM_IN + FOOTER_IN) / h
    top = 1 - (MARGIN_IN + HEADER_IN) / h
    return left, bottom, 1 - 2 * left, top - bottom


def new_figure(paper: str) -> "Figure":
    """An empty page-sized figure (not attached to pyplot: no global state)."""
    from matplotlib.figure import Figure

    if paper not in PAPER:
        from stress.errors import InputError

        raise InputError(f"--paper {paper!r}: expected one of {', '.join(PAPER)}")
    return Figure(figsize=PAPER[paper])


def stamp(
    fig: "Figure",
    *,
    report_title: str,
    title: str,
    subtitle: str,
    page: int,
    pages: int,
    provenance: Provenance,
) -> None:
    """Draw the header (report title, page title, subtitle) and the footer (provenance,
    settings, "page i of n") on ``fig``."""
    w, h = fig.get_size_inches()
    left, right = MARGIN_IN / w, 1 - MARGIN_IN / w
    top = 1 - MARGIN_IN / h
    fig.text(left, top, report_title, ha="left", va="top", fontsize=8, color=MUTED)
    from stress.report.text import line_width

    size = 14.0
    while size > 10 and line_width(title, size, bold=True) > (right - left) * w * 72:
        size -= 0.5
    fig.text(left, top - 0.22 / h, title, ha="left", va="top", fontsize=size, weight="bold")
    if subtitle:
        from stress.report.text import wrap

        width_pt = (right - left) * w * 72
        size = 8.5
        lines = wrap(subtitle, width_pt, size)
        while len(lines) > 2 and size > 7:
            size -= 0.5
            lines = wrap(subtitle, width_pt, size)
        fig.text(left, top - 0.5 / h, "\n".join(lines), ha="left", va="top", fontsize=size,
                 color=MUTED, linespacing=1.25)
    rule_y = (BOTTOM_IN + FOOTER_IN - 0.12) / h
    fig.add_artist(
        _hline(fig, left, right, rule_y)
    )
    from stress.report.text import wrap

    lines = [ln for part in provenance.lines(width=10_000)
             for ln in wrap(part, (right - left) * w * 72 - 70, 6.5)]  # room for the page no.
    fig.text(left, rule_y - 0.08 / h, "\n".join(lines), ha="left", va="top", fontsize=6.5,
             color=MUTED, linespacing=1.35)
    fig.text(right, rule_y - 0.08 / h, f"page {page} of {pages}", ha="right", va="top",
             fontsize=7.5, color=MUTED)


def _hline(fig: "Figure", x0: float, x1: float, y: float):
    from matplotlib.lines import Line2D

    return Line2D([x0, x1], [y, y], transform=fig.transFigure, color=RULE, linewidth=0.6)


def sub_rect(
    rect: tuple[float, float, float, float], x0: float, y0: float, x1: float, y1: float
) -> tuple[float, float, float, float]:
    """The part of ``rect`` between fractions x0..x1 and y0..y1 of it (0 = left/bottom)."""
    left, bottom, width, height = rect
    return left + x0 * width, bottom + y0 * height, (x1 - x0) * width, (y1 - y0) * height
