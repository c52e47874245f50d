"""Measuring and wrapping text by its real width in points (font metrics, no renderer).

Widths are the sum of the glyphs' unhinted advance widths in the report font (DejaVu
Sans), which matplotlib's PDF output uses too; kerning is ignored, which errs on the
wide side (lines are never longer than measured by more than a fraction of a point).
"""

from __future__ import annotations

import functools

FAMILY = "DejaVu Sans"


@functools.lru_cache(maxsize=2)
def _font(bold: bool):
    from matplotlib.font_manager import FontProperties, findfont, get_font

    font = get_font(findfont(FontProperties(family=FAMILY, weight="bold" if bold else "normal")))
    font.set_size(100, 72)
    return font


@functools.lru_cache(maxsize=4096)
def _advance(char: str, bold: bool) -> float:
    """Advance width of one character at 1 pt."""
    from matplotlib.ft2font import LoadFlags

    glyph = _font(bold).load_char(ord(char), flags=LoadFlags.NO_HINTING)
    return glyph.linearHoriAdvance / 65536 / 100


def line_width(line: str, size: float, bold: bool = False) -> float:
    """Width in points of one line of text in the report font at ``size`` points."""
    return sum(_advance(c, bold) for c in (line or " ")) * size


def measure(text: str, size: float, bold: bool = False) -> tuple[float, int]:
    """Width in points of the widest line of ``text``, and its number of lines."""
    lines = text.split("\n")
    return max(line_width(ln, size, bold) for ln in lines), len(lines)


def wrap(text: str, width_pt: float, size: float, bold: bool = False) -> list[str]:
    """Greedy word wrap so that every line is at most ``width_pt`` wide (a single word
    longer than the width gets its own line)."""
    lines: list[str] = []
    for para in text.split("\n"):
        cur = ""
        for w in para.split():
            trial = f"{cur} {w}" if cur else w
            if cur and line_width(trial, size, bold) > width_pt:
                lines.append(cur)
                cur = w
            else:
                cur = trial
        lines.append(cur)
    return lines
