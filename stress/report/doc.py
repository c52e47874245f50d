"""The page engine: a report as sections of blocks, laid out by ReportLab's Platypus.

Why Platypus: text, tables and page breaks are laid out by a library made for documents
(paragraphs wrap by the font's metrics, tables split across pages and repeat their
header, a contents page links to the sections, the PDF gets bookmarks), and it is fast:
text is written as text, not drawn glyph by glyph. Charts are still matplotlib figures:
each is rendered to a one-page PDF in memory and placed as a Form XObject (pdfrw; see
:mod:`stress.report.chart_forms`), so the chart stays vector and its text stays
selectable.

A report is a list of :class:`Section` (one or more pages each, with a title in the
contents and the bookmarks) holding blocks: :class:`Text`, :class:`Table`,
:class:`Chart`. Nothing here knows about events or books; :mod:`stress.report.sections`
turns the views into sections.

Reproducible output: with ``created`` given, ReportLab's invariant mode is on (no clock,
no random file id) and the creation and modification dates are ``created``, so two runs
give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence
from xml.sax.saxutils import escape

from stress.errors import InputError
from stress.report.chart_forms import all_forms, chart_flowable
from stress.report.layout import INK, MUTED, RULE, Provenance

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

    from stress.report.tables import Column

#: (width, height) in points, portrait.
PAPER_PT: dict[str, tuple[float, float]] = {"a4": (595.2756, 841.8898), "letter": (612.0, 792.0)}
MARGIN = 0.6 * 72
HEADER = 0.45 * 72
FOOTER = 0.75 * 72
FONT, BOLD, ITALIC = "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"
ZEBRA = "#f3f3f3"
CAVEAT = "#8a4b00"  # caveats: dark amber, readable in print and on screen


# ---- blocks ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Text:
    """A paragraph. ``style``: ``body``, ``lead`` (larger), ``bullet``, ``note`` (small,
    muted), ``caveat`` (a warning beside a figure), ``h2`` (a sub-heading), ``mono``.
    ``markup``: the text already holds ReportLab markup (``<b>``...) and is not escaped."""

    text: str
    style: str = "body"
    markup: bool = False


@dataclass(frozen=True)
class Table:
    """A table of ``frame``'s ``columns`` (see :class:`stress.report.tables.Column`). It
    splits across pages and repeats its header. ``cell_colors``/``text_colors``: (row
    position, column key) -> colour; ``bold_rows``; ``rules_after``: row positions after
    which a thin rule separates blocks; ``font``: point size."""

    frame: "pd.DataFrame"
    columns: Sequence["Column"]
    cell_colors: Mapping[tuple[int, str], str] = field(default_factory=dict)
    text_colors: Mapping[tuple[int, str], str] = field(default_factory=dict)
    bold_rows: Sequence[int] = ()
    rules_after: Sequence[int] = ()
    font: float = 7.5
    widths: Sequence[float] | None = None  # relative widths; default: by content
    padding: float = 2.0  # points above and below each row's text


@dataclass(frozen=True)
class Chart:
    """A matplotlib drawing: ``draw(fig)`` draws on a figure ``height`` inches tall and
    the text width wide (``width``: inches, default the text width)."""

    draw: Callable[["Figure"], None]
    height: float
    width: float | None = None


@dataclass(frozen=True)
class Section:
    """A titled part of the report: starts a new page, appears in the contents and the
    bookmarks (``level`` 0 or 1), holds ``blocks``; ``tables``: the CSVs behind it."""

    title: str
    blocks: Sequence[Any]
    subtitle: str = ""
    tables: Mapping[str, Any] = field(default_factory=dict)
    level: int = 0
    new_page: bool = True
    contents: bool = True


@dataclass(frozen=True)
class DocInfo:
    """Document metadata. ``created``: the CreationDate and ModDate (UTC); given, the
    output is reproducible byte for byte."""

    title: str
    subject: str
    author: str = "stress"
    keywords: str = ""
    created: datetime | None = None


# ---- styles ----------------------------------------------------------------------------
def _styles():
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle

    ink, muted = HexColor(INK), HexColor(MUTED)
    body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5, textColor=ink,
                          spaceAfter=5, allowWidows=0)  # no paragraph's last line alone on a page
    return {
        "body": body,
        "lead": ParagraphStyle("lead", parent=body, fontSize=11, leading=14.5, spaceAfter=7),
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=11, bulletIndent=0,
                                 spaceAfter=4),
        "note": ParagraphStyle("note", parent=body, fontSize=7.5, leading=9.5, textColor=muted,
                               spaceAfter=4),
        "caveat": ParagraphStyle("caveat", parent=body, fontSize=8, leading=10,
                                 textColor=HexColor(CAVEAT), spaceAfter=4),
        "h1": ParagraphStyle("h1", parent=body, fontName=BOLD, fontSize=15, leading=18,
                             spaceAfter=3),
        "sub": ParagraphStyle("sub", parent=body, fontSize=8.5, leading=11, textColor=muted,
                              spaceAfter=8),
        "h2": ParagraphStyle("h2", parent=body, fontName=BOLD, fontSize=10.5, leading=13,
                             spaceBefore=6, spaceAfter=4, keepWithNext=1),
        "mono": ParagraphStyle("mono", parent=body, fontName="Courier", fontSize=8, leading=10.5,
                               leftIndent=11, spaceAfter=4),
        "cell": ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9, spaceAfter=0),
        "toc0": ParagraphStyle("toc0", parent=body, fontSize=10, leading=15, spaceAfter=0),
        "toc1": ParagraphStyle("toc1", parent=body, fontSize=9, leading=13, leftIndent=14,
                               textColor=muted, spaceAfter=0),
    }


def para(text: str, style, markup: bool = False):
    from reportlab.platypus import Paragraph

    t = text if markup else escape(text)
    return Paragraph(t.replace("\n", "<br/>"), style)


# ---- charts ---------------------------------------------------------------------------
def chart_width(paper: str) -> float:
    """The charts' width on ``paper``: the text width, inches."""
    return (PAPER_PT[paper][0] - 2 * MARGIN) / 72


# ---- tables ----------------------------------------------------------------------------
def _table_flowable(block: Table, avail: float, styles):
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph
    from reportlab.platypus import Table as RLTable
    from reportlab.platypus import TableStyle

    cols = list(block.columns)
    frame = block.frame
    size = block.font
    cell = ParagraphStyle("c", parent=styles["cell"], fontSize=size, leading=size * 1.2)
    head = ParagraphStyle("h", parent=cell, fontName=BOLD)
    aligns = {"left": 0, "center": 1, "right": 2}

    head_styles = {a: ParagraphStyle(f"h{a}", parent=head, alignment=aligns[a]) for a in aligns}
    cell_styles = {a: ParagraphStyle(f"c{a}", parent=cell, alignment=aligns[a]) for a in aligns}
    data = [[Paragraph(escape(c.label if c.label is not None else c.key).replace("\n", "<br/>"),
                       head_styles[c.align]) for c in cols]]
    raw = frame[[c.key for c in cols]].itertuples(index=False, name=None)
    from reportlab.pdfbase.pdfmetrics import stringWidth

    widths = [stringWidth(str(c.label or c.key).split("\n")[0], BOLD, size) + 8 for c in cols]
    texts = []
    for row in raw:
        line = []
        for j, (c, v) in enumerate(zip(cols, row)):
            text = c.text(v)
            full = max(stringWidth(t, FONT, size) for t in text.split("\n"))
            w = min(full, c.wrap * size * 0.5) if c.wrap is not None else full
            widths[j] = max(widths[j], w + 8)
            line.append((text, full))
        texts.append(line)
    if block.widths is not None:
        total = sum(block.widths)
        col_w = [avail * w / total for w in block.widths]
    else:
        total = sum(widths)
        if total <= avail:
            col_w = [w + (avail - total) / len(widths) for w in widths]
        else:  # narrower in proportion, but no column below its longest word
            col_w = _fit_widths(widths, _word_widths(cols, texts, size), avail)
    # a cell is a Paragraph (wrapped to its column) only when its text is wider than the
    # column: plain strings are far cheaper to lay out
    for i, line in enumerate(texts):
        out = []
        for j, (c, (text, full)) in enumerate(zip(cols, line)):
            if c.wrap is not None and full + 6 > col_w[j]:
                st = cell_styles[c.align]
                color = block.text_colors.get((i, c.key))
                if color:
                    st = ParagraphStyle("t", parent=st, textColor=HexColor(readable(color)))
                out.append(Paragraph(escape(text).replace("\n", "<br/>"), st))
            else:
                out.append(text)
        data.append(out)
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, size, size * 1.2),
        ("TEXTCOLOR", (0, 0), (-1, -1), HexColor(INK)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, HexColor(INK)),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, HexColor(INK)),
        ("TOPPADDING", (0, 0), (-1, -1), block.padding),
        ("BOTTOMPADDING", (0, 0), (-1, -1), block.padding),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for j, c in enumerate(cols):
        style.append(("ALIGN", (j, 0), (j, -1), c.align.upper() if c.align != "center" else "CENTER"))
    for i in range(1, len(data)):
        if i % 2 == 0:
            style.append(("BACKGROUND", (0, i), (-1, i), HexColor(ZEBRA)))
    idx = {c.key: j for j, c in enumerate(cols)}
    for (i, key), color in block.cell_colors.items():
        if key in idx:
            style.append(("BACKGROUND", (idx[key], i + 1), (idx[key], i + 1), HexColor(color)))
    for (i, key), color in block.text_colors.items():
        if key in idx:
            style.append(("TEXTCOLOR", (idx[key], i + 1), (idx[key], i + 1), HexColor(readable(color))))
    for i in block.bold_rows:
        style.append(("FONT", (0, i + 1), (-1, i + 1), BOLD, size, size * 1.2))
    for i in block.rules_after:
        if i < len(data) - 2:
            style.append(("LINEBELOW", (0, i + 1), (-1, i + 1), 0.5, HexColor(RULE)))
    t = RLTable(data, colWidths=col_w, repeatRows=1, hAlign="LEFT")
    t.setStyle(TableStyle(style))
    return t


def readable(color: str, ratio: float = 4.5) -> str:
    """``color`` (#rrggbb) as text on white: darkened (towards black, hue kept) until its
    contrast with white is at least ``ratio`` (WCAG 2: 4.5 for small text); a group's
    orange or teal stays recognisable and becomes legible at 7 pt."""
    def lum(rgb):
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    h = color.lstrip("#")
    if len(h) != 6:
        return color
    rgb = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    k = 1.0
    while 1.05 / (lum([c * k for c in rgb]) + 0.05) < ratio and k > 0:
        k -= 0.02
    return "#" + "".join(f"{round(c * max(k, 0) * 255):02x}" for c in rgb)


def _word_widths(cols, texts, size: float) -> list[float]:
    """Per column, the width of its longest word (header in bold, cells): narrower, a
    word such as "Window" or a date would be broken inside."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    out = []
    for j, c in enumerate(cols):
        words = str(c.label if c.label is not None else c.key).split()
        w = max((stringWidth(x, BOLD, size) for x in words), default=0.0)
        for line in texts:
            w = max(w, max((stringWidth(x, FONT, size) for x in line[j][0].split()), default=0.0))
        out.append(w + 7)
    return out


def _fit_widths(widths: Sequence[float], mins: Sequence[float], avail: float) -> list[float]:
    """Column widths scaled to ``avail``, each at least its ``mins`` (the room it needs
    comes from the other columns in proportion); plain scaling when even the minimums do
    not fit."""
    if sum(mins) >= avail:
        total = sum(widths)
        return [w * avail / total for w in widths]
    fixed = [False] * len(widths)
    while True:
        room = avail - sum(m for m, f in zip(mins, fixed) if f)
        free = sum(w for w, f in zip(widths, fixed) if not f)
        k = room / free if free else 0.0
        out = [m if f else w * k for w, m, f in zip(widths, mins, fixed)]
        short = [j for j, (o, m, f) in enumerate(zip(out, mins, fixed)) if not f and o < m]
        if not short:
            return out
        for j in short:
            fixed[j] = True


# ---- the document ----------------------------------------------------------------------
def write_document(
    sections: Sequence[Section],
    path: Path | str,
    *,
    info: DocInfo,
    provenance: Provenance,
    paper: str = "a4",
    front: Sequence[Any] = (),
    rendered: Sequence[Any] = (),
) -> tuple[Path, int]:
    """Lay out ``sections`` into a PDF at ``path``: the first section, a contents page,
    then the rest. Header (report title, section title), footer (provenance, "page i of
    n"), bookmarks per section. Returns the path and the number of pages.

    Written to a unique temporary name beside ``path`` and renamed
    (:func:`stress.atomic.atomic_path`), so a failed, interrupted or concurrent run never
    leaves half a PDF under the final name.

    ``rendered``: :class:`stress.report.parallel.ChartJob` already rendering batches of
    the charts (:func:`stress.report.chart_forms.chart_batches`) at this paper's text width; the others are
    rendered here."""
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import (
        BaseDocTemplate, CondPageBreak, Frame, PageBreak, PageTemplate, Spacer,
    )
    from reportlab.platypus.tableofcontents import TableOfContents

    from stress.atomic import atomic_path, check_output_file

    if paper not in PAPER_PT:
        raise InputError(f"--paper {paper!r}: expected one of {', '.join(PAPER_PT)}")
    path = check_output_file(path)
    pw, ph = PAPER_PT[paper]
    styles = _styles()
    text_w = pw - 2 * MARGIN
    fixed = info.created is not None
    created = info.created or datetime.now(timezone.utc).replace(microsecond=0)
    foot_lines = _footer_lines(provenance, text_w - 60)

    class Doc(BaseDocTemplate):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self._total = 0
            self._count = 0
            self._section = ""

        def beforeDocument(self):
            self._total = self._count
            cv = self.canv
            stamp = created.astimezone(timezone.utc)
            cv.setDateFormatter(lambda *a: f"D:{stamp:%Y%m%d%H%M%S}+00'00'")
            cv.setCreator("stress (ReportLab)")
            cv.setProducer("stress (ReportLab)")

        def afterPage(self):
            self._count = self.page

        def afterFlowable(self, flowable):
            key = getattr(flowable, "_bookmark", None)
            if key is None:
                return
            title, level, contents = flowable._entry
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(title, key, level=level, closed=False)
            self._section = title
            if contents:
                self.notify("TOCEntry", (level, escape(title), self.page, key))

    def on_page(canv, doc):
        canv.saveState()
        canv.setFont(FONT, 7.5)
        canv.setFillColor(HexColor(MUTED))
        canv.drawString(MARGIN, ph - MARGIN + 8, info.title)
        canv.setStrokeColor(HexColor(RULE))
        canv.setLineWidth(0.6)
        y = MARGIN + FOOTER - 10
        canv.line(MARGIN, y, pw - MARGIN, y)
        canv.setFont(FONT, 6.5)
        for i, line in enumerate(foot_lines):
            canv.drawString(MARGIN, y - 10 - i * 8.5, line)
        canv.setFont(FONT, 7.5)
        total = doc._total or doc.page
        canv.drawRightString(pw - MARGIN, y - 10, f"page {doc.page} of {total}")
        canv.restoreState()

    body_h = ph - 2 * MARGIN - FOOTER - HEADER + 20
    frame = Frame(MARGIN, MARGIN + FOOTER, text_w, body_h,
                  id="body", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc = Doc("", pagesize=(pw, ph), leftMargin=MARGIN, rightMargin=MARGIN,
              topMargin=MARGIN, bottomMargin=MARGIN, title=info.title, author=info.author,
              subject=info.subject, keywords=info.keywords, creator="stress (ReportLab)",
              invariant=1 if fixed else 0, pageCompression=1)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])
    toc = TableOfContents(levelStyles=[styles["toc0"], styles["toc1"]], dotsMinLevel=0)
    charts = charts_of(sections)
    forms: dict[int, Any] = {}  # filled once the story is built: workers may still be rendering
    story: list[Any] = list(front)
    for n, sec in enumerate(sections):
        if n == 1:
            if story:
                story.append(PageBreak())
            story.append(_heading("Contents", "contents", 0, styles, contents=False))
            story.append(toc)
            story.append(PageBreak())
        elif n > 1 and sec.new_page:
            story.append(PageBreak())
        elif n > 1:
            story.append(CondPageBreak(2.5 * 72))
        story.append(_heading(sec.title, f"s{n}", min(sec.level, 1), styles, sec.contents))
        if sec.subtitle:
            story.append(para(sec.subtitle, styles["sub"]))
        story.extend(_section_flow(sec.blocks, text_w, body_h, styles, forms))
    if len(sections) == 1:
        pass
    story.append(Spacer(1, 1))
    forms.update(zip(map(id, charts), all_forms(charts, text_w / 72, rendered or ())))
    with atomic_path(path) as tmp:
        doc.filename = str(tmp)
        doc.multiBuild(story)
    return path, doc._count


def _heading(title: str, key: str, level: int, styles, contents: bool = True):
    p = para(title, styles["h1"] if level == 0 else styles["h2"])
    p._bookmark = key
    p._entry = (title, level, contents)
    return p


def charts_of(sections: Sequence[Section]) -> list["Chart"]:
    """Every chart of ``sections``, in the order they are laid out."""
    return [c for sec in sections for c in _charts(sec.blocks)]


def _charts(blocks) -> list["Chart"]:
    out = []
    for b in blocks:
        if isinstance(b, Chart):
            out.append(b)
        elif isinstance(b, (list, tuple)):
            out += _charts(b)
    return out


#: Room kept above a chart capped to the page: a section title or a sub-heading.
HEADROOM = 60.0


def _section_flow(blocks, text_w: float, body_h: float, styles, forms) -> list[Any]:
    """A section's blocks as flowables. A sub-heading (``h2``) stays with what follows:
    with a chart or a group of blocks it is kept together (one unit that moves to the
    next page when it does not fit); before a table or text it asks for room for the
    heading and a few lines (:class:`CondPageBreak`), since those split across pages."""
    from reportlab.platypus import CondPageBreak, KeepTogether

    out: list[Any] = []
    blocks = list(blocks)
    i = 0
    while i < len(blocks):
        b = blocks[i]
        if isinstance(b, Text) and b.style == "h2" and i + 1 < len(blocks):
            head = _flow(b, text_w, styles, forms, body_h)
            nxt = blocks[i + 1]
            if isinstance(nxt, (Chart, list, tuple)):
                body = [f for x in _flow(nxt, text_w, styles, forms, body_h)
                        for f in (x._content if isinstance(x, KeepTogether) else [x])]
                out.append(KeepTogether(head + body))
            else:
                out += [CondPageBreak(1.2 * 72), *head, *_flow(nxt, text_w, styles, forms, body_h)]
            i += 2
            continue
        out += _flow(b, text_w, styles, forms, body_h)
        i += 1
    return out


def _flow(block: Any, text_w: float, styles, forms: Mapping[int, Any],
          body_h: float | None = None) -> list[Any]:
    from reportlab.platypus import KeepTogether, Spacer

    if isinstance(block, Text):
        st = styles.get(block.style, styles["body"])
        p = para(block.text, st, block.markup)
        if block.style == "bullet":
            from reportlab.platypus import Paragraph

            t = block.text if block.markup else escape(block.text)
            p = Paragraph(t, st, bulletText="\u2022")
        return [p]
    if isinstance(block, Table):
        if block.frame is None or len(block.frame) == 0:
            return []
        return [_table_flowable(block, text_w, styles), Spacer(1, 6)]
    if isinstance(block, Chart):
        w, h = (block.width or text_w / 72) * 72, block.height * 72
        if body_h is not None and h > body_h - HEADROOM:  # never taller than the page: scaled
            w, h = w * (body_h - HEADROOM) / h, body_h - HEADROOM  # down, its shape kept
        return [chart_flowable(forms, id(block), w, h), Spacer(1, 4)]
    if isinstance(block, (list, tuple)):
        return [KeepTogether([f for b in block for f in _flow(b, text_w, styles, forms, body_h)])]
    return [block]  # a ReportLab flowable


def _footer_lines(provenance: Provenance, width_pt: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    out: list[str] = []
    for part in provenance.lines(width=10_000):
        cur = ""
        for w in part.split():
            trial = f"{cur} {w}" if cur else w
            if cur and stringWidth(trial, FONT, 6.5) > width_pt:
                out.append(cur)
                cur = w
            else:
                cur = trial
        out.append(cur)
    return out[:5]
