"""Tables drawn on a page that never overlap: text is measured, wrapped and shrunk to fit.

matplotlib's own ``table`` sizes cells by guesswork, so long labels spill into their
neighbours. Here each cell's text is measured with the font (``TextToPath``, in points,
independent of the output device), text columns are wrapped, the font shrinks from
``max_font`` to ``min_font`` until the widths fit, and rows that do not fit the height
are left for the next page (:func:`split_rows`).
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from stress.report.layout import INK, RULE
from stress.report.text import measure as _measure

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

LINESPACING = 1.25
PAD_X = 4.0  # points each side of a cell
PAD_Y = 2.5  # points above and below a cell's text
ZEBRA = "#f3f3f3"


@dataclass(frozen=True)
class Column:
    """How one column is shown: ``key`` in the frame, header ``label``, formatter
    (a callable or a ``str.format`` spec such as ``"{:+.1%}"``), alignment, and for text
    columns the wrap width in characters (None: never wrap)."""

    key: str
    label: str | None = None
    fmt: Callable[[Any], str] | str | None = None
    align: str = "right"
    wrap: int | None = None

    def text(self, value: Any) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "-"
        if callable(self.fmt):
            return self.fmt(value)
        if isinstance(self.fmt, str):
            try:
                return self.fmt.format(value)
            except (ValueError, TypeError):
                return str(value)
        if isinstance(value, float):
            return f"{value:.3g}"
        return str(value)


@dataclass(frozen=True)
class TableFit:
    font: float
    widths: tuple[float, ...]  # points per column
    header: tuple[str, ...]  # wrapped header texts
    cells: tuple[tuple[str, ...], ...]  # wrapped cell texts, rows x columns
    heights: tuple[float, ...]  # points per row, header first
    rows_fit: int  # body rows that fit the height


def _wrap(text: str, width: int | None) -> str:
    if width is None or len(text) <= width:
        return text
    return "\n".join(textwrap.wrap(text, width, break_long_words=False)) or text


def fit_table(
    frame: "pd.DataFrame",
    columns: Sequence[Column],
    width_pt: float,
    height_pt: float,
    *,
    max_font: float = 8.5,
    min_font: float = 6.0,
) -> TableFit:
    """Choose the font size, wrapping and column widths so the table fits ``width_pt``;
    count how many rows fit ``height_pt``. Shrinks the font first, then narrows the
    wrap of text columns; if it still does not fit, the widths are scaled down (text is
    then clipped by nothing: the caller should give fewer columns)."""
    raw = [[c.text(v) for c, v in zip(columns, row)]
           for row in frame[[c.key for c in columns]].itertuples(index=False, name=None)]
    wraps = [c.wrap for c in columns]
    labels = [c.label if c.label is not None else c.key for c in columns]
    font = max_font
    while True:
        header = [_wrap(lb, max(12, w or 12)) for lb, w in zip(labels, wraps)]
        cells = [[_wrap(t, w) for t, w in zip(r, wraps)] for r in raw]
        widths = []
        for j in range(len(columns)):
            wmax = _measure(header[j], font, bold=True)[0]
            for r in cells:
                wmax = max(wmax, _measure(r[j], font)[0])
            widths.append(wmax + 2 * PAD_X)
        total = sum(widths)
        if total <= width_pt:
            break
        if font - 0.25 >= min_font:
            font -= 0.25
            continue
        # narrow the widest wrappable text column, if any can still shrink
        shrinkable = [j for j, w in enumerate(wraps) if w is not None and w > 8]
        if not shrinkable:
            widths = [w * width_pt / total for w in widths]
            break
        j = max(shrinkable, key=lambda k: widths[k])
        wraps[j] = max(8, int(wraps[j] * 0.85))
    line_h = font * LINESPACING
    heights = [max(len(h.split("\n")) for h in header) * line_h + 2 * PAD_Y]
    heights += [max(len(t.split("\n")) for t in r) * line_h + 2 * PAD_Y for r in cells]
    used, fit = heights[0], 0
    for hgt in heights[1:]:
        if used + hgt > height_pt + 1e-6:
            break
        used += hgt
        fit += 1
    return TableFit(font, tuple(widths), tuple(header), tuple(tuple(r) for r in cells),
                    tuple(heights), fit)


def split_rows(
    frame: "pd.DataFrame",
    columns: Sequence[Column],
    width_pt: float,
    height_pt: float,
    **kw: Any,
) -> list["pd.DataFrame"]:
    """The frame cut into chunks that each fit one table area (at least one row each)."""
    chunks = []
    rest = frame
    while len(rest):
        fit = fit_table(rest, columns, width_pt, height_pt, **kw)
        n = max(1, fit.rows_fit)
        chunks.append(rest.iloc[:n])
        rest = rest.iloc[n:]
    return chunks or [frame]


def block_rules(keys: Sequence[Any]) -> list[int]:
    """Row positions after which ``keys`` changes: where a rule separates two blocks
    (``rules_after`` of :func:`draw_table`)."""
    keys = list(keys)
    return [i for i in range(len(keys) - 1) if keys[i] != keys[i + 1]]


def once_per_block(values: Sequence[Any], keys: Sequence[Any]) -> list[Any]:
    """``values`` with "" on every row whose key repeats the row above's: a block's
    label shown on its first row only."""
    keys = list(keys)
    return [v if i == 0 or keys[i - 1] != keys[i] else "" for i, v in enumerate(values)]


def rect_points(fig: "Figure", rect: tuple[float, float, float, float]) -> tuple[float, float]:
    """Width and height of a figure-fraction rect, in points."""
    w, h = fig.get_size_inches()
    return rect[2] * w * 72, rect[3] * h * 72


def draw_table(
    fig: "Figure",
    rect: tuple[float, float, float, float],
    frame: "pd.DataFrame",
    columns: Sequence[Column] | None = None,
    *,
    max_font: float = 8.5,
    min_font: float = 6.0,
    cell_colors: Mapping[tuple[int, str], str] | None = None,
    text_colors: Mapping[tuple[int, str], str] | None = None,
    bold_rows: Sequence[int] = (),
    rules_after: Sequence[int] = (),
    stretch: bool = False,
) -> TableFit:
    """Draw ``frame`` at the top of ``rect`` (figure fraction); returns the fit.

    ``cell_colors`` / ``text_colors``: (row position, column key) -> colour.
    ``rules_after``: row positions after which a thin rule separates blocks.
    ``stretch``: spread spare width over the columns. Rows beyond the height are not
    drawn: split the frame first with :func:`split_rows`.
    """
    from matplotlib.patches import Rectangle

    columns = list(columns) if columns is not None else [Column(str(c)) for c in frame.columns]
    width_pt, height_pt = rect_points(fig, rect)
    fit = fit_table(frame, columns, width_pt, height_pt, max_font=max_font, min_font=min_font)
    widths = list(fit.widths)
    if stretch and sum(widths) < width_pt:
        extra = (width_pt - sum(widths)) / len(widths)
        widths = [w + extra for w in widths]
    fw, fh = (d * 72 for d in fig.get_size_inches())
    x0 = rect[0] * fw
    top = (rect[1] + rect[3]) * fh
    xs = [x0]
    for w in widths:
        xs.append(xs[-1] + w)

    def put(text: str, j: int, y_mid: float, bold: bool, color: str) -> None:
        al = columns[j].align
        if al == "left":
            x = xs[j] + PAD_X
        elif al == "center":
            x = (xs[j] + xs[j + 1]) / 2
        else:
            x = xs[j + 1] - PAD_X
        fig.text(x / fw, y_mid / fh, text, ha=al, va="center", fontsize=fit.font,
                 weight="bold" if bold else "normal", color=color,
                 linespacing=LINESPACING, multialignment=al)

    y = top
    hh = fit.heights[0]
    for j, text in enumerate(fit.header):
        put(text, j, y - hh / 2, True, INK)
    y -= hh
    _rule(fig, xs[0], xs[-1], y, fw, fh, 0.8, INK)
    for i in range(fit.rows_fit):
        rh = fit.heights[i + 1]
        if i % 2 == 1:
            fig.add_artist(Rectangle((xs[0] / fw, (y - rh) / fh), (xs[-1] - xs[0]) / fw, rh / fh,
                                     transform=fig.transFigure, color=ZEBRA, lw=0, zorder=0))
        for j, text in enumerate(fit.cells[i]):
            key = (i, columns[j].key)
            if cell_colors and key in cell_colors:
                fig.add_artist(Rectangle((xs[j] / fw, (y - rh) / fh), widths[j] / fw, rh / fh,
                                         transform=fig.transFigure, color=cell_colors[key],
                                         lw=0, zorder=0.5))
            color = text_colors.get(key, INK) if text_colors else INK
            put(text, j, y - rh / 2, i in bold_rows, color)
        y -= rh
        if i in rules_after and i < fit.rows_fit - 1:
            _rule(fig, xs[0], xs[-1], y, fw, fh, 0.5, RULE)
    _rule(fig, xs[0], xs[-1], y, fw, fh, 0.8, INK)
    return fit


def _rule(fig, x0: float, x1: float, y: float, fw: float, fh: float, lw: float, color: str) -> None:
    from matplotlib.lines import Line2D

    fig.add_artist(Line2D([x0 / fw, x1 / fw], [y / fh, y / fh], transform=fig.transFigure,
                          color=color, linewidth=lw))


def table_height(fit: TableFit) -> float:
    """Points used by the drawn rows (header included)."""
    return sum(fit.heights[: fit.rows_fit + 1])
