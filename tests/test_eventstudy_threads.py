"""The batch split across threads gives exactly the one-thread results; ranks with ties
and gaps against scipy; the thread count from STRESS_THREADS."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats

from stress.errors import InputError
from stress.eventstudy.batch import aggregates, default_threads, run_batch
from stress.eventstudy.significance import centred_ranks, ranks
from stress.eventstudy.spec import EventStudySpec

SPEC = EventStudySpec(model="market", market="MKT", estimation=(-120, -11), windows=((0, 0), (-1, 1), (0, 5)),
                      min_estimation=60, placebo=0)


def _gappy(n_assets=12, n_days=400, seed=5):
    """Market-model returns with gaps (a missing stretch, scattered days, an asset too
    short to fit, a missing market day) and ties (zero returns, repeated values)."""
    rng = np.random.default_rng(seed)
    mkt = rng.normal(0.0003, 0.01, n_days)
    r = 0.0002 + np.outer(mkt, np.linspace(0.5, 1.5, n_assets)) + rng.normal(0, 0.015, (n_days, n_assets))
    r[150:175, 1] = np.nan
    r[rng.random(r.shape) < 0.03] = np.nan
    r[:, 2] = np.where(np.arange(n_days) < n_days - 60, np.nan, r[:, 2])  # too short to fit
    r[rng.random(r.shape) < 0.05] = 0.0  # unchanged closes: tied returns
    r[200:230, 3] = 0.01  # a run of equal returns
    mkt[210] = np.nan
    return r, mkt


def _assert_same(a, b, path="batch"):
    """Every array in two (nested) result objects equal, NaN where NaN."""
    if dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            _assert_same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, np.ndarray):
        assert a.shape == b.shape, path
        np.testing.assert_array_equal(a, b, err_msg=path)
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{path}[{i}]")
    else:
        assert a == b, path


@pytest.mark.parametrize("threads", [2, 3, 50])
def test_threaded_batch_equals_one_thread(threads):
    r, mkt = _gappy()
    day0 = np.arange(140, 340, 29)  # 7 dates: uneven chunks; 50 threads -> one per date
    include = np.ones(r.shape[1], dtype=bool)
    include[5] = False
    one = run_batch(r, mkt[:, None], day0, SPEC, threads=1)
    many = run_batch(r, mkt[:, None], day0, SPEC, threads=threads, min_parallel=0)
    _assert_same(one, many)
    assert np.isnan(one.fit.sigma[:, 2]).all() and np.isfinite(one.fit.sigma[:, 0]).all()
    assert np.isnan(one.u).any()  # the gaps reach the rank test
    _assert_same(aggregates(one, include, threads=1), aggregates(one, include, threads=threads, min_parallel=0))
    per_date = (include[None, :] & (np.arange(r.shape[1]) % 2 == np.arange(len(day0))[:, None] % 2))
    _assert_same(aggregates(one, per_date, threads=1), aggregates(many, per_date, threads=threads, min_parallel=0))
    # and each chunk is what a batch of its dates alone gives
    _assert_same(aggregates(run_batch(r, mkt[:, None], day0[3:4], SPEC, threads=1), include)[0].tests,
                 {t: tuple(x[3:4] for x in v) for t, v in aggregates(many, include)[0].tests.items()})


@pytest.mark.parametrize("threads", [1, 2])
def test_event_chunks_equal_one_batch(threads):
    """Chunks of one or two dates (bounded memory) give the one-batch numbers exactly,
    and the batch keeps its ranks as small integers decoding to the float ranks."""
    r, mkt = _gappy()
    day0 = np.arange(140, 340, 29)
    include = np.ones(r.shape[1], dtype=bool)
    one = run_batch(r, mkt[:, None], day0, SPEC, threads=1)
    per_date = r.shape[1] * (SPEC.estimation[1] - SPEC.estimation[0] + 1 + 7) * 8
    for chunk in (1, 2 * per_date):
        many = run_batch(r, mkt[:, None], day0, SPEC, threads=threads, min_parallel=0, chunk_bytes=chunk)
        _assert_same(one, many)
        _assert_same(aggregates(one, include, threads=1),
                     aggregates(many, include, threads=threads, min_parallel=0, chunk_bytes=chunk))
    assert one.rank2.dtype == np.int16
    np.testing.assert_array_equal(one.u, centred_ranks((one.fit.resid, one.ar_span)))


def test_small_batch_stays_on_one_thread(monkeypatch):
    import stress.eventstudy.batch as batch

    def no_pool(*a, **k):
        raise AssertionError("a small batch started threads")

    monkeypatch.setattr(batch, "ThreadPoolExecutor", no_pool)
    r, mkt = _gappy()
    b = run_batch(r, mkt[:, None], np.array([200, 260]), SPEC, threads=2)  # 2 x 117 x 12 values
    aggregates(b, np.ones(r.shape[1], dtype=bool), threads=2)
    with pytest.raises(AssertionError, match="started threads"):
        run_batch(r, mkt[:, None], np.array([200, 260]), SPEC, threads=2, min_parallel=0)


def test_ranks_with_ties_and_gaps_match_scipy():
    rng = np.random.default_rng(3)
    v = np.round(rng.normal(0, 1, (4, 40, 9)), 1)  # many ties
    v[rng.random(v.shape) < 0.15] = np.nan
    v[0, :, 0] = np.nan
    v[1, :, 1] = 0.25  # all tied
    v[2, 5, 2], v[2, 6, 2] = np.inf, -np.inf  # non-finite counts as missing
    clean = np.where(np.isfinite(v), v, np.nan)
    want = np.full(v.shape, np.nan)
    for b in range(v.shape[0]):
        for i in range(v.shape[2]):
            ok = np.isfinite(clean[b, :, i])
            want[b, ok, i] = stats.rankdata(clean[b, ok, i])  # average ranks of ties
    np.testing.assert_array_equal(ranks(v), want)
    m = np.isfinite(clean).sum(axis=1, keepdims=True)
    np.testing.assert_array_equal(centred_ranks((v[:, :15], v[:, 15:])), want / (m + 1.0) - 0.5)
    assert want[1, 0, 1] == 20.5  # 40 equal values share the middle rank


def test_threads_from_environment(monkeypatch):
    monkeypatch.setenv("STRESS_THREADS", "1")
    assert default_threads() == 1
    monkeypatch.setenv("STRESS_THREADS", "3")
    assert default_threads() == 3
    monkeypatch.delenv("STRESS_THREADS")
    assert 1 <= default_threads() <= 2
    monkeypatch.setenv("STRESS_THREADS", "two")
    with pytest.raises(InputError, match="STRESS_THREADS"):
        default_threads()
