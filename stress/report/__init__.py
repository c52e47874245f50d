"""PDF reports: the event-study pages and, with portfolios, the stress-test pages.

Flow: :func:`stress.report.build.build_report` runs the computations through their
public APIs (event study, sensitivity, scenario engine) and turns the results into views
(:mod:`~stress.report.views`: plain frames, also written as CSV); the words
(:mod:`~stress.report.words`) and the charts (``charts_*``) read only the views; the
page template (:mod:`~stress.report.layout`) adds the header, the provenance footer and
"page i of n"; :mod:`~stress.report.pdf` writes one PDF with metadata.

API::

    build_report(store, event, ReportOptions(...), offline=True, fetcher=None) -> Report
    write_report(report, path, paper="a4", fixed_date=None) -> Path
    write_tables(report, out_dir) -> list[Path]

See docs/methods.md, section "Reports".
"""
