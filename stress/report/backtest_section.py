"""The backtest page: how far to trust each model of the report, in plain words first.

Draws the results of :func:`stress.analysis.backtest_var` (per book),
:func:`stress.analysis.backtest_sensitivity` and :func:`stress.analysis.backtest_propagation`
(the same calls and defaults as ``stress backtest``); computes nothing itself.
"""

from __future__ import annotations

from functools import partial
from typing import Sequence

import pandas as pd

from stress.fmt import num, pct, pval
from stress.report.doc import Section, Table, Text
from stress.report.tables import Column

TITLE = "Backtests: how far to trust each model"


def backtest_section(var_results: Sequence, sensitivity, propagation) -> Section:
    """One section: the verdicts, then per book the 99% VaR coverage, per group the
    out-of-sample scores of the sensitivity, and the propagation's band coverage."""
    blocks: list = [Text("Each model of this report is tried on the events and days the data "
                         "already hold: the sensitivity b one event left out at a time, VaR/ES "
                         "rolled over each book's history (today's positions held fixed), the "
                         "propagation of custom shocks on every catalogue event.", "note")]
    tables: dict = {}
    if sensitivity is not None:
        blocks += [Text("Sensitivity (leave one event out)", "h2"), Text(sensitivity.summary(), "body")]
        g = sensitivity.to_frame("by_group")
        g = g[g["model"].isin(["event", "factor"])].reset_index(drop=True)
        share = partial(pct, digits=0, sign=False)
        blocks.append(Table(g, [Column("group", "Group", align="left"), Column("model", "Model", align="left"),
                                Column("n", "Asset-events"), Column("oos_r2", "OOS R2", num),
                                Column("corr", "Corr", num), Column("sign_hit", "Sign right", share),
                                Column("coverage", "Band coverage", share),
                                Column("mean_abs_error", "Mean |error|", pct)], font=7, padding=1.2))
        tables["backtest_sensitivity"] = g
    if var_results:
        blocks.append(Text("VaR/ES of each book (rolling, 99%)", "h2"))
        rows = []
        for r in var_results:
            blocks.append(Text(r.summary(), "body"))
            c = r.to_frame("coverage")
            c = c[c["confidence"] == 0.99].assign(book=r.book)
            rows.append(c)
        frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
        if len(frame):
            blocks.append(Table(frame, [
                Column("book", "Book", align="left"), Column("method", "Method", align="left"),
                Column("n", "Days"), Column("hits", "Exceptions"), Column("expected", "Expected", num),
                Column("p_pof", "Kupiec p", pval), Column("p_ind", "Clustering p", pval),
                Column("z2", "ES Z2", num), Column("z2_critical", "Z2 critical", num),
                Column("basel_zone", "Basel (250 d)", align="left")], font=7, padding=1.2))
        tables["backtest_var"] = frame
    if propagation is not None:
        blocks += [Text("Propagation of custom shocks", "h2"), Text(propagation.summary(), "body")]
        e = propagation.to_frame("events").reset_index().rename(columns={"index": "event"})
        if "event" not in e.columns:
            e = e.rename(columns={e.columns[0]: "event"})
        low = e.sort_values("coverage").head(8).reset_index(drop=True)
        blocks.append(Table(low, [Column("event", "Lowest coverage", align="left", wrap=30),
                                  Column("day0", "Day 0", align="left"),
                                  Column("n_assets", "Assets"),
                                  Column("coverage", "Band coverage", partial(pct, digits=0, sign=False)),
                                  Column("mahalanobis", "Distance", num)], font=7, padding=1.2))
        tables["backtest_propagation"] = e
    return Section(TITLE, blocks, subtitle="Out-of-sample checks of the sensitivity, the VaR/ES "
                                           "and the propagation", tables=tables)
