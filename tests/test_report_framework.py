"""The report framework on synthetic frames: layout, tables that fit, words from numbers,
PDF metadata and reproducibility. No price data needed."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from stress import fmt
from stress.report.layout import GROUP_COLOURS, PAPER, Provenance, group_colors
from stress.report.views import TESTS, EventView

GROUPS = [("ai_power", "AI-power producers", ["VST", "CEG", "TLN", "NRG"]),
          ("utilities", "Regulated utilities", ["DUK", "SO", "D", "AEP"]),
          ("brand_new", "A group the palette does not know", ["AAA", "BBB"])]


def synthetic_view(seed: int = 1, placebo: int = 200, sensitivity: bool = True) -> EventView:
    """A plausible event view with planted numbers (AI power falls ~20%, utilities rise)."""
    rng = np.random.default_rng(seed)
    groups = pd.DataFrame({"label": [g[1] for g in GROUPS], "n": [len(g[2]) for g in GROUPS]},
                          index=[g[0] for g in GROUPS])
    drop = {"ai_power": -0.20, "utilities": 0.025, "brand_new": -0.01}
    assets, tests, paths, pl, reb, rec, sens = [], [], [], [], [], [], []
    for g, _, tickers in GROUPS:
        for t in tickers:
            ar0 = drop[g] + rng.normal(0, 0.03)
            assets.append({"ticker": t, "group": g, "raw0": ar0 - 0.015, "ar0": ar0,
                           "t0": ar0 / 0.02, "p0": 0.001 if abs(ar0) > 0.05 else 0.3})
            b = -drop[g] + rng.normal(0, 0.02)
            sens.append({"ticker": t, "group": g, "b": b, "b_lo": b - 0.08, "b_hi": b + 0.08,
                         "n_events": 8, "beta_ai": 5 * b, "ai_lo": 5 * b - 0.3, "ai_hi": 5 * b + 0.3,
                         "implied_event": -b, "implied_factor": -0.9 * b, "actual": ar0, "reason": ""})
        for a, b in [(0, 0), (-1, 1), (0, 5), (0, 20)]:
            row = {"group": g, "window": fmt.window((a, b)), "a": a, "b": b, "n": len(tickers),
                   "caar": drop[g] * (1 + 0.01 * b), "placebo_p": 0.005, "r": 0.55}
            for key, _, kind in TESTS:
                row[f"{key}_stat"] = -8.1234 if kind == "naive" else -2.5
                row[f"{key}_p"] = 1e-5 if kind == "naive" else 0.0124
            tests.append(row)
        for d in range(-5, 21):
            c = drop[g] * (d >= 0) * (1 - 0.01 * max(d, 0))
            paths.append({"group": g, "day": d, "caar": c, "lo": c - 0.03, "hi": c + 0.03})
        for d in range(0, 61):
            reb.append({"group": g, "day": d, "car": drop[g] * (1 - d / 120)})
        for h in (5, 20, 60):
            rec.append({"group": g, "horizon": h, "share": h / 120})
        for v in rng.normal(0, 0.02, placebo):
            pl.append({"group": g, "caar": v})
    return EventView(
        event_id="deepseek-r1", label="DeepSeek R1 sell-off", event_date="2025-01-27",
        day0="2025-01-27", direction="down", main_window=(0, 0), groups=groups,
        tests=pd.DataFrame(tests), paths=pd.DataFrame(paths), assets=pd.DataFrame(assets),
        placebo=pd.DataFrame(pl), rebound=pd.DataFrame(reb), recovered=pd.DataFrame(rec),
        sensitivity=pd.DataFrame(sens) if sensitivity else None,
    )


PROV = Provenance("csv import", "2026-08-03", "2026-08-04T10:00:00Z",
                  (("model", "market"), ("market", "SPY"), ("estimation", "[-250,-11]")))


def test_formats_are_plain_ascii_and_signed():
    assert fmt.pct(-0.28345) == "-28.3%"
    assert fmt.pct(0.021) == "+2.1%"
    assert fmt.pct(-0.00001) == "+0.0%"  # never "-0.0%"
    assert fmt.pval(0.0004) == "<0.001" and fmt.p_phrase(0.03) == "p = 0.030"
    assert fmt.window((0, 20)) == "[0,+20]" and fmt.window((-1, 1)) == "[-1,+1]"
    assert fmt.stars(0.004) == "***" and fmt.stars(0.04) == "**" and fmt.stars(0.2) == ""


def test_palette_is_stable_and_distinct():
    a = group_colors(["utilities", "new_a", "ai_power", "new_b"])
    b = group_colors(["new_a", "new_b", "ai_power", "utilities"])
    assert a["ai_power"] == b["ai_power"] == GROUP_COLOURS["ai_power"]
    assert a["utilities"] == GROUP_COLOURS["utilities"]
    assert len(set(a.values())) == 4  # unknown groups never reuse a known group's colour
    assert not set(a[n] for n in ("new_a", "new_b")) & set(GROUP_COLOURS.values())


def test_table_fit_shrinks_wraps_and_splits():
    from stress.report.tables import Column, _measure, fit_table, split_rows

    frame = pd.DataFrame({"name": ["a very long group label that must wrap somewhere"] * 40,
                          "x": np.linspace(-1, 1, 40)})
    cols = [Column("name", "Name", align="left", wrap=30), Column("x", "Value", "{:+.3f}")]
    fit = fit_table(frame, cols, width_pt=200, height_pt=300)
    assert sum(fit.widths) <= 200 + 1e-6
    # every wrapped cell's measured width fits its column
    for row in fit.cells:
        for text, w in zip(row, fit.widths):
            assert _measure(text, fit.font)[0] <= w
    assert 0 < fit.rows_fit < 40
    assert sum(fit.heights[: fit.rows_fit + 1]) <= 300
    chunks = split_rows(frame, cols, 200, 300)
    assert sum(len(c) for c in chunks) == 40 and len(chunks) >= 2
    wide = fit_table(frame, cols, width_pt=2000, height_pt=3000)
    assert wide.font == 8.5 and wide.rows_fit == 40  # no shrinking when there is room


def test_words_follow_the_numbers():
    from stress.report.words import event_findings, headline_group

    view = synthetic_view()
    assert headline_group(view) == "ai_power"
    text = " ".join(event_findings(view))
    assert "AI-power producers fell most" in text
    assert "-20.0%" in text  # the planted CAAR
    assert "BMP t = -8.12" in text and "-2.50" in text  # naive then KP
    assert "significant at 5%" in text
    assert "r = 0.55" in text
    # placebo p = (1 + count) / (M + 1) with M = 200 and p = 0.005: count = 0
    assert "at least as large in absolute value 0 times: empirical p = 0.005" in text
    # recovered share by +20 is 20/120
    assert "kept 83% (gave back 17%) of its day-0 move" in text
    # flip the signs: the biggest riser is named instead
    t = view.tests.copy()
    t["caar"] = t["caar"].abs()
    up = EventView(**{**view.__dict__, "tests": t})
    assert "rose most" in " ".join(event_findings(up))


def _pdf(tmp_path, name="r.pdf", fixed=None, paper="a4", view=None):
    from stress.report.doc import DocInfo, write_document
    from stress.report.layout import group_colors
    from stress.report.sections import event_sections
    from stress.report.summary import summary_section
    from stress.report.words import event_findings

    view = view or synthetic_view()
    colors = group_colors(view.groups.index)
    sections = [summary_section(view, None, report_date="2025-02-01", cutoff="2026-08-03",
                                sources="csv")]
    sections += event_sections(view, colors, event_findings(view))
    out, n = write_document(sections, tmp_path / name, paper=paper, provenance=PROV,
                            info=DocInfo("Test report", "synthetic", created=fixed))
    return out, n


def test_pdf_pages_metadata_footer_contents_and_bookmarks(tmp_path):
    """(Byte-identical reruns are tested end to end in test_report_real.py.)"""
    from pypdf import PdfReader

    fixed = datetime(2025, 2, 1, tzinfo=timezone.utc)
    path, n = _pdf(tmp_path, "a.pdf", fixed=fixed)
    again, _ = _pdf(tmp_path, "b.pdf", fixed=fixed)
    assert path.read_bytes() == again.read_bytes()
    reader = PdfReader(path)
    assert len(reader.pages) == n >= 9
    meta = reader.metadata
    assert meta.title == "Test report" and meta.subject == "synthetic"
    assert meta.creation_date.date().isoformat() == "2025-02-01"
    assert meta.modification_date.date().isoformat() == "2025-02-01"
    w, h = (float(x) for x in reader.pages[0].mediabox.upper_right)
    assert (round(w / 72, 2), round(h / 72, 2)) == PAPER["a4"]
    for i, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"page {i} of {n}" in text
        assert "2026-08-03" in text and "model market" in text  # provenance and settings
    first = reader.pages[0].extract_text().replace("\n", " ")
    assert "Executive summary" in first and "AI-power producers fell most" in first
    assert "Report date 2025-02-01" in first and "prices to 2026-08-03" in first
    assert "Contents" in reader.pages[1].extract_text()
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert titles[:3] == ["Executive summary", "Contents", "Findings of the event study"]
    # the contents page links to the sections
    annots = reader.pages[1].get("/Annots") or []
    assert len(annots) >= len(titles) - 2


def test_bad_fixed_date_is_one_clear_error():
    from stress.errors import InputError
    from stress.report.pdf import parse_fixed_date

    with pytest.raises(InputError, match="--fixed-date '2025-13-01'"):
        parse_fixed_date("2025-13-01")


def synthetic_stress(n_scen: int = 6) -> "StressView":
    from stress.report.views import StressView

    books = {"AI power book": [("VST", "ai_power", 0.4), ("CEG", "ai_power", 0.3), ("DUK", "utilities", 0.2)],
             "Long-short nuclear vs renewables": [("CEG", "ai_power", 0.6), ("FSLR", "renewables", -0.3),
                                                  ("ICLN", "renewables", -0.2), ("AAA", "brand_new", 0.1)]}
    hold, navs, contrib = [], [], []
    scen = [f"scen-{i}" for i in range(n_scen)]
    rng = np.random.default_rng(3)
    for p, rows in books.items():
        nav = 1_000_000.0
        navs.append({"portfolio": p, "file": f"configs/portfolios/{p[:5]}.csv", "as_of": "2026-08-03", "nav": nav})
        for t, g, w in rows:
            hold.append({"portfolio": p, "ticker": t, "group": g, "value": w * nav, "weight": w})
            for s in scen:
                r = rng.normal(-0.05, 0.1)
                contrib.append({"portfolio": p, "scenario": s, "ticker": t, "pnl": w * nav * r, "pnl_pct": w * r})
    contrib = pd.DataFrame(contrib)
    grid = contrib.pivot_table(index="scenario", columns="portfolio", values="pnl_pct", aggfunc="sum")
    grid = grid.reindex(scen)[list(books)]
    var = [{"portfolio": p, "method": m, "level": lv, "var_before": 0.02 * lv, "es_before": 0.025 * lv,
            "var_stress": 0.05 * lv, "es_stress": 0.07 * lv, "horizon": 1}
           for p in books for m in ("historical", "normal", "montecarlo") for lv in (0.95, 0.99)]
    rev = [{"portfolio": p, "loss": 0.10, "k": -0.4 if i == 0 else 1.3,
            "pnl_per_unit": 0.25 if i == 0 else -0.08, "plausible": "VST -12%, CEG -9% (d = 2.1, 40th pct)"}
           for i, p in enumerate(books)]
    return StressView(
        holdings=pd.DataFrame(hold), navs=pd.DataFrame(navs), grid=grid,
        scenarios=pd.DataFrame({"id": scen, "label": [f"Scenario number {i} with a long label" for i in range(n_scen)],
                                "kind": "replay"}),
        contributions=contrib, var=pd.DataFrame(var), reverse=pd.DataFrame(rev),
        focus=("scen-0",), group_labels={"ai_power": "AI-power producers"},
    )


def test_stress_pages_render_on_letter(tmp_path):
    from pypdf import PdfReader

    from stress.report.doc import DocInfo, write_document
    from stress.report.layout import group_colors
    from stress.report.sections_stress import stress_sections

    view = synthetic_stress()
    sections = stress_sections(view, group_colors(["ai_power", "utilities", "renewables", "brand_new"]))
    out, n = write_document(sections, tmp_path / "s.pdf", provenance=PROV,
                            info=DocInfo("Stress", "synthetic"), paper="letter")
    reader = PdfReader(out)
    w, h = (float(x) for x in reader.pages[0].mediabox.upper_right)
    assert (w, h) == (612, 792)
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) == n
    flat = text.replace("\n", " ")
    assert "A shock of -0.40 DeepSeek units (40% of a DeepSeek repeat) costs AI power book 10% of NAV" in flat
    # the heatmap shows each cell of the grid as on the page
    cell = view.grid.loc["scen-2", "AI power book"]
    assert fmt.pct(cell) in text


def test_chart_strings_outside_printable_ascii_become_hex():
    """A chart's PDF strings with control or non-ASCII bytes (a font name table, glyph
    codes) are rewritten as hex strings holding the same bytes: ReportLab's codec cannot
    write them (a report once failed on '\\x1f')."""
    from pdfrw import PdfArray, PdfDict
    from pdfrw.objects.pdfstring import PdfString

    from stress.report.chart_forms import ascii_strings

    raw = b"ab\x1fc\x80"
    d = PdfDict(A=PdfString.from_bytes(raw, bytes_encoding="literal"),
                B=PdfArray([PdfString.from_bytes(b"plain")]))
    ascii_strings(d, set())
    assert d.A.startswith("<") and d.A.to_bytes() == raw
    assert d.B[0] == "(plain)"
