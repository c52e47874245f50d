"""Number formats shared by the terminal, words, charts and tables, so a figure reads the
same everywhere (one percent formatter for the CLI and the report).

Plain ASCII hyphen-minus for negatives ("-28.3%"): what a reader would type to search
the PDF.
"""

from __future__ import annotations

import math
from typing import Any


def _bad(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def pct(x: Any, digits: int = 1, sign: bool = True, missing: Any = "n/a") -> Any:
    """A fraction as percent: -0.2834 -> "-28.3%" (``sign``: "+2.1%" for positives);
    ``missing`` for NaN or None."""
    if _bad(x):
        return missing
    v = float(x) * 100
    if round(v, digits) == 0:
        v = 0.0  # no "-0.0%"
    return f"{v:+.{digits}f}%" if sign else f"{v:.{digits}f}%"


def num(x: Any, digits: int = 2, sign: bool = False) -> str:
    """A statistic: -3.214 -> "-3.21"."""
    if _bad(x):
        return "n/a"
    return f"{float(x):+.{digits}f}" if sign else f"{float(x):.{digits}f}"


def pval(p: Any) -> str:
    """A p-value for tables: "0.003", "<0.001"."""
    if _bad(p):
        return "n/a"
    p = float(p)
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def p_phrase(p: Any) -> str:
    """A p-value in a sentence: "p = 0.003", "p < 0.001"."""
    s = pval(p)
    return "p n/a" if s == "n/a" else (f"p {s[0]} {s[1:]}" if s.startswith("<") else f"p = {s}")


def stars(p: Any) -> str:
    """Significance marks: *** p<0.01, ** p<0.05, * p<0.10."""
    if _bad(p):
        return ""
    p = float(p)
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.10 else ""


def money(x: Any, currency: str = "", missing: Any = "n/a") -> Any:
    """Currency with thousands separators: 1234567.8 -> "1,234,568"; ``missing`` for NaN."""
    if _bad(x):
        return missing
    return f"{currency}{float(x):,.0f}"


def window(w: tuple[int, int]) -> str:
    """An event window [a, b] as "[0,+20]"."""
    a, b = w
    f = lambda d: f"{d:+d}" if d else "0"  # noqa: E731
    return f"[{f(a)},{f(b)}]"


def significance_words(p: Any) -> str:
    """"significant at 1%", "... at 5%", "only at 10%", "not significant"."""
    if _bad(p):
        return "untested"
    p = float(p)
    if p < 0.01:
        return "significant at 1%"
    if p < 0.05:
        return "significant at 5%"
    if p < 0.10:
        return "significant only at 10%"
    return "not significant at 10%"
