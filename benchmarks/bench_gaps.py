"""The event-study core with missing returns: time against assets, and peak memory.

Rows ``gaps-500``, ``gaps-2000``, ``gaps-5000``: run_batch + aggregates (all six tests)
on a panel with 1% of the returns missing at random (a different asset mask on almost
every day, so the KP r takes every pair over its own common days), timed in rounds
against the same study on the complete panel. ``gaps-exponent``: the slope of log time
against log assets from 500 to 5,000 (1 = linear). ``gaps-memory``: peak memory of the
5,000 assets x 20 events study with gaps, in a fresh process. ``gaps-listings``: the
realistic shared pattern (10% of the assets listed partway through the estimation
windows on one of 4 listing days, no other gap): its exponent from 500 to 5,000 assets
and its time as a multiple of the complete panel's.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np

from benchmarks import synthetic
from benchmarks.harness import Row, interleave

SHARE = 0.01
SIZES = (500, 2000, 5000)
QUICK_SIZES = (20, 40, 80)
EVENTS = 2  # events per timed study (the per-event cost is what scales with assets)
_times: dict[int, float] = {}


def _study(n_assets: int, n_events: int, share: float, seed: int = 7):
    """(returns with ``share`` missing, complete returns, market, day 0s, spec)."""
    from stress.eventstudy import EventStudySpec

    n_days = 330 + 60 * n_events
    day0s = np.linspace(260, n_days - 70, n_events).astype(int)
    p = synthetic.plant_events(synthetic.panel(n_assets, n_days, seed=seed), list(day0s))
    gappy = p.returns.copy()
    gappy[np.random.default_rng(seed).random(gappy.shape) < share] = np.nan
    spec = EventStudySpec(model="market", market="MKT", estimation=(-250, -11),
                          windows=((0, 0), (-1, 1), (0, 5), (0, 20)), min_estimation=60, placebo=0)
    return gappy, p.returns, p.market[:, None], day0s, spec


LISTED = 0.10
LISTING_DAYS = (140, 160, 180, 190)  # inside both events' estimation windows, >= 60 days before them


def _listed(full: np.ndarray, seed: int = 7) -> np.ndarray:
    """The complete panel with ``LISTED`` of the assets listed on one of ``LISTING_DAYS``
    (NaN before)."""
    rng = np.random.default_rng(seed)
    out = full.copy()
    late = rng.random(full.shape[1]) < LISTED
    for i, day in zip(np.flatnonzero(late), rng.choice(LISTING_DAYS, size=int(late.sum()))):
        out[:day, i] = np.nan
    return out


def _core(returns, market, day0s, spec):
    from stress.eventstudy.batch import aggregates, run_batch

    batch = run_batch(returns, market, day0s, spec)
    return aggregates(batch, np.ones(returns.shape[1], dtype=bool))


def _size_row(k: int, quick: bool, repeats: int) -> Row:
    n = (QUICK_SIZES if quick else SIZES)[k]
    gappy, full, market, day0s, spec = _study(n, EVENTS, SHARE)
    row = Row(f"gaps-{SIZES[k]}", f"{n} assets x {EVENTS} events, {SHARE:.0%} missing", judge=not quick)
    t = interleave({"gaps": lambda: _core(gappy, market, day0s, spec),
                    "complete": lambda: _core(full, market, day0s, spec)}, repeats, ours="gaps")
    kp = t["gaps"].result[0].mean_corr
    assert np.isfinite(kp).all() and (np.abs(kp - 0.3) < 0.1).all(), f"KP r {kp} far from the planted 0.3"
    _times[k] = t["gaps"].median
    return row.record(t["gaps"], t["complete"],
                      f"gaps-{SIZES[k]}: ours = run_batch + aggregates with {SHARE:.0%} of returns missing, as a "
                      "multiple of the same on the complete panel (same rounds); the KP r is checked near the "
                      "planted residual correlation 0.3.", multiple=True)


def run_gaps_500(quick: bool, repeats: int) -> Row:
    return _size_row(0, quick, repeats)


def run_gaps_2000(quick: bool, repeats: int) -> Row:
    return _size_row(1, quick, repeats)


def run_gaps_5000(quick: bool, repeats: int) -> Row:
    return _size_row(2, quick, repeats)


def run_gaps_exponent(quick: bool, repeats: int) -> Row:
    sizes = QUICK_SIZES if quick else SIZES
    for k in range(3):
        if k not in _times:
            _size_row(k, quick, repeats)
    slope = math.log(_times[2] / _times[0]) / math.log(sizes[2] / sizes[0])
    mid = math.log(_times[1] / _times[0]) / math.log(sizes[1] / sizes[0])
    row = Row("gaps-exponent", f"{sizes[0]} -> {sizes[2]} assets", judge=not quick,
              stat=slope, stat_name="exponent", max_stat=1.1)
    row.ours, row.agree = _times[2], "ok"
    row.notes.append(
        f"gaps-exponent: b in time ~ assets^b from the median times of gaps-{SIZES[0]} and gaps-{SIZES[2]} "
        f"({_times[0]:.3f} s, {_times[2]:.3f} s; {sizes[0]} -> {sizes[1]}: {mid:.2f}). With 1% missing at "
        "random ~91% of the assets have a mask of their own, and the KP r over pairwise-complete "
        "correlations needs every such pair's own sums: O(L N^2) per event in matrix products (dense "
        "Gram, sparse corrections for the missing cells), O(L N) memory; shared masks: gaps-listings.")
    return row


_PROBE = """
import json, resource, sys, time, tracemalloc
sys.path.insert(0, {root!r})
from benchmarks.bench_gaps import _core, _study
gappy, full, market, day0s, spec = _study({n}, {e}, {share})
del full
panel = {e} * (240 + 21) * {n} * 8
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
tracemalloc.start()
t0 = time.perf_counter()
_core(gappy, market, day0s, spec)
secs = time.perf_counter() - t0
peak = tracemalloc.get_traced_memory()[1]
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(dict(peak=peak, rss=rss, before=before, panel=panel, seconds=secs)))
"""


def run_gaps_memory(quick: bool, repeats: int) -> Row:
    n, e = (80, 3) if quick else (5000, 20)
    code = _PROBE.format(root=str(Path(__file__).resolve().parents[1]), n=n, e=e, share=SHARE)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip()[-400:])
    m = json.loads(done.stdout.strip().splitlines()[-1])
    row = Row("gaps-memory", f"{n} assets x {e} events, {SHARE:.0%} missing", judge=not quick,
              stat=m["peak"] / m["panel"], stat_name="peak/panel", max_stat=2.0)
    row.ours, row.agree = m["seconds"], "ok"
    row.notes.append(
        f"gaps-memory: one run in a fresh process; peak of the arrays allocated by run_batch + aggregates "
        f"(tracemalloc) {m['peak'] / 2**20:.0f} MB = {m['peak'] / m['panel']:.2f}x the event x day x asset "
        f"panel ({m['panel'] / 2**20:.0f} MB); process peak RSS {m['rss'] / 2**30:.2f} GB (target < 2 GB: "
        f"{'YES' if m['rss'] < 2 * 2**30 else 'NO'}; {m['before'] / 2**30:.2f} GB before the study: "
        f"interpreter, libraries, the (T, N) returns); 'ours' is its time in seconds.")
    return row


def run_gaps_listings(quick: bool, repeats: int) -> Row:
    sizes = (QUICK_SIZES[0], QUICK_SIZES[2]) if quick else (SIZES[0], SIZES[2])
    med, ratio = {}, {}
    for n in sizes:
        _, full, market, day0s, spec = _study(n, EVENTS, SHARE)
        listed = _listed(full)
        calls = max(1, sizes[1] // (2 * n))  # several calls per sample at the small size: its time is tens of ms
        t = interleave({"listings": lambda: [_core(listed, market, day0s, spec) for _ in range(calls)][-1],
                        "complete": lambda: [_core(full, market, day0s, spec) for _ in range(calls)][-1]},
                       repeats, ours="listings")
        kp = t["listings"].result[0].mean_corr
        assert np.isfinite(kp).all() and (np.abs(kp - 0.3) < 0.1).all(), f"KP r {kp} far from the planted 0.3"
        med[n] = t["listings"].median / calls
        ratio[n] = t["listings"].median / t["complete"].median
    slope = math.log(med[sizes[1]] / med[sizes[0]]) / math.log(sizes[1] / sizes[0])
    row = Row("gaps-listings", f"{sizes[0]} -> {sizes[1]} assets x {EVENTS} events, {LISTED:.0%} listed late",
              judge=not quick, stat=slope, stat_name="exponent", max_stat=1.1)
    row.ours, row.agree = med[sizes[1]], "ok"
    row.notes.append(
        f"gaps-listings: run_batch + aggregates with {LISTED:.0%} of the assets listed on one of "
        f"{len(LISTING_DAYS)} days inside the estimation windows; b in time ~ assets^b from the medians "
        f"per call ({med[sizes[0]]:.3f} s, {med[sizes[1]]:.3f} s; {max(1, sizes[1] // (2 * sizes[0]))} calls per "
        f"sample at {sizes[0]}); as a multiple of the complete panel (same rounds): "
        f"{ratio[sizes[0]]:.2f}x at {sizes[0]}, {ratio[sizes[1]]:.2f}x at {sizes[1]} assets. The assets sharing "
        "a mask are paired group by group over the groups' common days (O(L N) per pair of groups).")
    return row
