"""What every page shares: the provenance of the footer, the chart settings (matplotlib
rc), the group palette. The pages themselves are laid out by :mod:`stress.report.doc`.

Colours: one palette keyed by the universe's group names, so a group has the same colour
on every page (:func:`group_colors`).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Iterable, Mapping

#: (width, height) in inches, portrait.
PAPER: dict[str, tuple[float, float]] = {"a4": (8.27, 11.69), "letter": (8.5, 11.0)}


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


def sub_rect(
    rect: tuple[float, float, float, float], x0: float, y0: float, x1: float, y1: float
) -> tuple[float, float, float, float]:
    """The part of ``rect`` between fractions x0..x1 and y0..y1 of it (0 = left/bottom)."""
    left, bottom, width, height = rect
    return left + x0 * width, bottom + y0 * height, (x1 - x0) * width, (y1 - y0) * height
