"""Charts as vector forms: matplotlib figures rendered into one in-memory PDF per batch
(core fonts, no clock in it) and read back as pdfrw Form XObjects that the page engine
(:mod:`stress.report.doc`) places like images, so a chart stays vector and its text
stays selectable. The batches are fixed (:func:`chart_batches`), so the report's bytes
do not depend on whether :mod:`stress.report.parallel` rendered them in workers."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from stress.report.doc import Chart

#: Charts use the PDF core font Helvetica, like the text: nothing to embed or subset
#: (matplotlib's font subsetting cost most of the old report's time), and the chart's
#: text stays extractable.
CHART_RC = {"pdf.use14corefonts": True, "font.family": "sans-serif",
            "font.sans-serif": ["Helvetica"], "pdf.compression": 6,
            "axes.titley": 1.0}  # a fixed title position: no tight-bbox search per axes


def charts_pdf(charts: Sequence["Chart"], width_in: float) -> bytes:
    """Every chart as one page of a single matplotlib PDF (bytes, no clock in it): the
    fonts and the file are written once for all charts, not once per chart."""
    import logging

    buf = io.BytesIO()
    log = logging.getLogger("matplotlib.font_manager")
    level = log.level
    log.setLevel(logging.ERROR)  # "weight normal for Helvetica, using medium": the core font's AFM
    try:
        _render(charts, width_in, buf)
    finally:
        log.setLevel(level)
    return buf.getvalue()


def _render(charts, width_in, buf) -> None:
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    from stress.report.layout import RC

    with matplotlib.rc_context({**RC, **CHART_RC}):
        with PdfPages(buf, metadata={"CreationDate": None, "ModDate": None, "Producer": None,
                                     "Creator": None}) as pdf:
            for c in charts:
                fig = Figure(figsize=(c.width or width_in, c.height))
                c.draw(fig)
                pdf.savefig(fig)


#: The charts are rendered in this many contiguous batches, each one matplotlib PDF (in
#: parallel when :mod:`stress.report.parallel` can fork workers, else one after the
#: other): the same batches either way, so the report's bytes do not depend on the cores.
CHART_BATCHES = 2


def chart_batches(charts: Sequence["Chart"]) -> list[tuple["Chart", ...]]:
    """``charts`` in :data:`CHART_BATCHES` contiguous batches as even as can be."""
    n, k = len(charts), min(CHART_BATCHES, len(charts))
    cuts = [round(i * n / k) for i in range(k + 1)]
    return [tuple(charts[cuts[i]:cuts[i + 1]]) for i in range(k)]


def all_forms(charts: Sequence["Chart"], width_in: float, rendered: Sequence = ()) -> list[Any]:
    """Every chart as a Form XObject, batch by batch (:func:`chart_batches`): a batch
    from the job of ``rendered`` (:class:`stress.report.parallel.ChartJob`) that holds
    exactly its charts at this width, else rendered here. Unused jobs are stopped."""
    jobs = list(rendered)
    forms: list[Any] = []
    for batch in chart_batches(charts):
        job = next((j for j in jobs if j.width_in == width_in and len(j.charts) == len(batch)
                    and all(a is b for a, b in zip(j.charts, batch))), None)
        pdf = None
        if job is not None:
            jobs.remove(job)
            pdf = job.pdf()
        forms += chart_forms(pdf if pdf is not None else charts_pdf(batch, width_in))
    for job in jobs:
        job.close()
    return forms


def chart_forms(pdf: bytes) -> list[Any]:
    """The pages of ``pdf`` as pdfrw Form XObjects."""
    from pdfrw import PdfReader
    from pdfrw.buildxobj import pagexobj

    forms = [pagexobj(page) for page in PdfReader(fdata=pdf).pages]
    seen: set = set()
    for f in forms:
        ascii_strings(f, seen)
    return forms


def chart_flowable(forms: Mapping[int, Any], key: int, width: float, height: float):
    """A chart placed ``width`` x ``height`` points: its form, ``forms[key]``, is looked
    up when drawn (so the story can be built while the charts are still rendering)."""
    from pdfrw.toreportlab import makerl
    from reportlab.platypus import Flowable

    class _Form(Flowable):
        def wrap(self, aw, ah):
            return width, height

        def draw(self):
            page = forms[key]
            canv = self.canv
            canv.saveState()
            canv.scale(width / float(page.BBox[2]), height / float(page.BBox[3]))
            canv.doForm(makerl(canv, page))
            canv.restoreState()

    return _Form()


def _binary(text: str) -> bool:
    return any(not 32 <= ord(c) <= 126 for c in text)


def ascii_strings(obj, seen: set) -> None:
    """Rewrite, in place, every PDF string of a pdfrw object tree that holds bytes
    outside printable ASCII (e.g. a font's name table, a chart's glyph codes) as a hex
    string: ReportLab writes strings through its PDFDocEncoding codec, which has no
    mapping for such bytes."""
    from pdfrw import PdfArray, PdfDict
    from pdfrw.objects.pdfstring import PdfString

    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, PdfDict):
        slots = list(obj.iteritems())
    elif isinstance(obj, PdfArray):
        slots = list(enumerate(obj))
    else:
        return
    for k, v in slots:
        if isinstance(v, PdfString) and _binary(v):
            obj[k] = PdfString.from_bytes(v.to_bytes(), bytes_encoding="hex")
        else:
            ascii_strings(v, seen)
