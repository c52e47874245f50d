"""Drawing helpers every page uses: margins for axes, percent axes, wrapped notes and
paragraphs. Coordinates are figure fractions; sizes in points."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from stress.report.layout import MUTED
from stress.report.tables import rect_points
from stress.report.text import wrap

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Rect = tuple[float, float, float, float]


def inset(fig: "Figure", rect: Rect, left: float = 48, bottom: float = 34, right: float = 8,
          top: float = 18) -> Rect:
    """``rect`` shrunk by margins in points (room for tick labels and axis labels)."""
    w, h = (d * 72 for d in fig.get_size_inches())
    return (rect[0] + left / w, rect[1] + bottom / h, rect[2] - (left + right) / w,
            rect[3] - (bottom + top) / h)


def percent_axis(ax: "Axes", which: str = "y", nbins: int | None = None) -> None:
    """Percent tick labels (data are fractions) with as many decimals as the tick step
    needs. ``nbins`` caps the number of ticks (narrow panels)."""
    from matplotlib.ticker import MaxNLocator

    axis = ax.yaxis if which == "y" else ax.xaxis
    if nbins:
        axis.set_major_locator(MaxNLocator(nbins=nbins))
    axis.set_major_formatter(_percent_formatter())


def _percent_formatter():
    """A tick formatter: fractions as percent, the decimals set once per axis draw from
    the tick step (matplotlib hands the tick locations to ``set_locs`` first)."""
    from matplotlib.ticker import Formatter

    class Percent(Formatter):
        digits = 0

        def set_locs(self, locs):
            step = abs(locs[1] - locs[0]) * 100 if len(locs) > 1 else 1.0
            self.digits = next((d for d in range(4)
                                if abs(round(step, d) - step) < 1e-6 * max(step, 1)), 4)

        def __call__(self, v, pos=None):
            d = self.digits
            return f"{v * 100:.{d}f}%" if round(v * 100, d) else "0%"

    return Percent()


def note(fig: "Figure", x: float, y: float, text: str, width_frac: float, *, size: float = 7,
         color: str = MUTED, va: str = "top", ha: str = "left") -> float:
    """A footnote wrapped to ``width_frac`` of the figure width; returns its height
    (figure fraction)."""
    w, h = (d * 72 for d in fig.get_size_inches())
    lines = wrap(text, width_frac * w, size)
    fig.text(x, y, "\n".join(lines), fontsize=size, color=color, va=va, ha=ha, linespacing=1.3)
    return len(lines) * size * 1.3 / h


def draw_paragraphs(fig: "Figure", rect: Rect, paragraphs: Sequence[str], *, font: float = 9.5,
                    min_font: float = 7.0, bullet: str = "\u2022") -> float:
    """Wrapped paragraphs from the top of ``rect``; the font shrinks until they fit.
    Returns the height used (figure fraction)."""
    width_pt, height_pt = rect_points(fig, rect)
    fw, fh = (d * 72 for d in fig.get_size_inches())
    size = font
    while True:
        blocks = [wrap(p, width_pt - 14, size) for p in paragraphs]
        line_h = size * 1.35
        need = sum(len(b) * line_h + 0.6 * line_h for b in blocks)
        if need <= height_pt or size <= min_font:
            break
        size -= 0.25
    y = rect[1] + rect[3]
    x = rect[0]
    for lines in blocks:
        if bullet:
            fig.text(x, y, bullet, ha="left", va="top", fontsize=size, color=MUTED)
        fig.text(x + 12 / fw, y, "\n".join(lines), ha="left", va="top", fontsize=size,
                 linespacing=1.35)
        y -= (len(lines) * line_h + 0.6 * line_h) / fh
    return rect[1] + rect[3] - y
