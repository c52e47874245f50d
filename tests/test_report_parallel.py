"""The report's forked workers (stress/report/parallel.py): a worker's result is the
function's own, a failed worker gives None (the caller redoes the work), one thread asked
means no worker, and charts rendered by a worker give the same PDF bytes as charts
rendered in the parent."""

from __future__ import annotations

import multiprocessing
import sys
from datetime import datetime, timezone

import pytest

from stress.report import parallel

needs_fork = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods()
                                or sys.platform == "darwin",
                                reason="no safe fork start method on this platform")


def _boom():
    raise ValueError("planted failure")


@needs_fork
def test_a_worker_returns_the_function_result_and_none_when_it_fails():
    import numpy as np

    x = np.arange(10.0)
    assert parallel.Forked(np.cumsum, x).result()[0].tolist() == np.cumsum(x).tolist()
    assert parallel.Forked(_boom).result() is None


def test_one_thread_asked_means_no_worker(monkeypatch):
    monkeypatch.setenv("STRESS_THREADS", "1")
    assert parallel.can_fork() is False
    assert parallel.start(sum, [1, 2]) is None
    assert parallel.start_charts([object()], 7.0) is None


@needs_fork
@pytest.mark.parametrize("width_delta", [0.0, 0.5])
def test_charts_from_a_worker_give_the_same_pdf(tmp_path, monkeypatch, width_delta):
    """The workers' charts, batch by batch, or (at another width: unusable jobs) the
    parent's own."""
    from test_report_framework import PROV, synthetic_view

    from stress.report.chart_forms import chart_batches
    from stress.report.doc import DocInfo, chart_width, charts_of, write_document
    from stress.report.layout import group_colors
    from stress.report.sections import event_sections
    from stress.report.words import event_findings

    monkeypatch.setenv("STRESS_THREADS", "2")
    view = synthetic_view()
    sections = event_sections(view, group_colors(view.groups.index), event_findings(view))
    charts = charts_of(sections)
    assert len(charts) >= 3
    info = DocInfo("Test report", "synthetic", created=datetime(2025, 2, 1, tzinfo=timezone.utc))
    serial, _ = write_document(sections, tmp_path / "serial.pdf", provenance=PROV, info=info)
    batches = chart_batches(charts)
    assert len(batches) == 2 and sum(batches, ()) == tuple(charts)
    jobs = [parallel.start_charts(b, chart_width("a4") + width_delta) for b in batches]
    assert None not in jobs
    forked, _ = write_document(sections, tmp_path / "forked.pdf", provenance=PROV, info=info,
                               rendered=jobs)
    assert forked.read_bytes() == serial.read_bytes()
