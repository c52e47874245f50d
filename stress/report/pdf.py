"""Writing pages to one PDF with matplotlib's PdfPages, with metadata and reproducibility.

Why PdfPages: it ships with matplotlib (already a dependency), writes vector pages
headless, embeds TrueType subsets (text stays selectable and searchable), and takes a
metadata dictionary. With ``fixed_date`` the output is reproducible: the creation and
modification dates are that date, the compression level and SVG hash salt are fixed, and
nothing else in the file depends on the clock, so two runs give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Sequence

from stress.errors import InputError
from stress.report.layout import RC, Page, Provenance, content_rect, new_figure, stamp


@dataclass(frozen=True)
class PdfInfo:
    """Document metadata. ``created``: the CreationDate and ModDate (UTC)."""

    title: str
    subject: str
    author: str = "stress"
    keywords: str = ""
    created: datetime | None = None


def parse_fixed_date(text: str | None) -> datetime | None:
    """``YYYY-MM-DD`` to midnight UTC; None stays None. InputError on a bad date."""
    if not text:
        return None
    try:
        d = date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--fixed-date {text!r}: expected a date YYYY-MM-DD") from None
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)


def write_pdf(
    pages: Sequence[Page],
    path: Path | str,
    *,
    info: PdfInfo,
    provenance: Provenance,
    paper: str = "a4",
) -> Path:
    """Draw every page (header, content, footer with "page i of n") into ``path``.

    The parent folder is created. The file is written to a unique temporary name in the
    same folder first and renamed (:func:`stress.atomic.atomic_path`), so a failed,
    interrupted or concurrent run never leaves half a PDF under the final name.
    """
    import matplotlib

    from stress.atomic import atomic_path, check_output_file

    path = check_output_file(path)
    created = info.created or datetime.now(timezone.utc).replace(microsecond=0)
    meta = {
        "Title": info.title,
        "Subject": info.subject,
        "Author": info.author,
        "Creator": "stress (matplotlib)",
        "Producer": "stress (matplotlib)",
        "Keywords": info.keywords,
        "CreationDate": created,
        "ModDate": created,
    }
    with matplotlib.rc_context(RC):
        from matplotlib.backends.backend_pdf import PdfPages

        with atomic_path(path) as tmp, PdfPages(tmp, metadata=meta) as pdf:
            n = len(pages)
            for i, page in enumerate(pages, start=1):
                fig = new_figure(paper)
                page.draw(fig, content_rect(paper))
                stamp(fig, report_title=info.title, title=page.title,
                      subtitle=page.subtitle, page=i, pages=n, provenance=provenance)
                pdf.savefig(fig)
    return path
