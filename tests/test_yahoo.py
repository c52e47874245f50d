"""The Yahoo Finance adapter, run through yfinance's own request and parsing code.

No network: yfinance gets a ``requests.Session`` whose mounted adapter (``FakeYahoo``)
answers like Yahoo's v8 chart API from ``market-data/ohlcv/*.csv``, honouring
``period1``/``period2``, plus cookie/crumb endpoints, 404 for unknown symbols, 429
(rate limit) and connection errors. Our adapter is never mocked.
"""

from __future__ import annotations

import csv
import io
import json
import os
import threading
from datetime import date, datetime, time as dtime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

# yfinance reads this once, when yfinance._http is first imported (module level
# ``_DISABLE``): a plain requests.Session is then its native backend. Set before any
# test imports yfinance; the fixture sets it again for clarity.
os.environ.setdefault("YF_DISABLE_CURL_CFFI", "1")

import pytest  # noqa: E402
import requests  # noqa: E402
from requests.adapters import BaseAdapter  # noqa: E402
from requests.structures import CaseInsensitiveDict  # noqa: E402

NY = ZoneInfo("America/New_York")
UNKNOWN = "Yahoo Finance does not know this symbol"  # the reason the adapter gives, spelt out


# ---- a fake Yahoo on the transport ----------------------------------------------------
class FakeYahoo(BaseAdapter):
    """Serves Yahoo's HTTP API from CSV files (Date,Close,High,Low,Open,Volume).

    ``factor``: raw (unadjusted) OHLC = adjusted * factor, adjclose = the CSV close, so
    yfinance's auto_adjust must recover the CSV. ``rate_limit``: ticker -> number of 429
    answers to give its chart requests first. ``down``: every request raises a
    connection error (``down_with(host)`` if set, else requests'). ``unreachable``: tickers whose chart requests raise a connection
    error. ``null_close``: ticker -> dates served with a null close. ``skip``: ticker ->
    dates not served at all. ``zones``: ticker -> its exchange's timezone (default New York).
    """

    def __init__(self, ohlcv_dir: Path, factor: float = 1.0, rate_limit=None, down=False,
                 null_close=None):
        super().__init__()
        self.rows = {}
        for path in sorted(Path(ohlcv_dir).glob("*.csv")):
            with open(path, newline="") as f:
                self.rows[path.stem] = list(csv.DictReader(f))
        self.factor = factor
        self.rate_limit = dict(rate_limit or {})
        self.down = down
        self.unreachable: set[str] = set()
        self.down_with = None  # host -> the exception to raise instead of requests' own
        self.null_close = {t: set(d) for t, d in (null_close or {}).items()}
        self.skip: dict[str, set[str]] = {}
        self.zones: dict[str, str] = {}
        self.log: list[tuple[str, str, dict, int | None]] = []
        self.lock = threading.Lock()

    # what tests inspect
    def history_requests(self, ticker: str | None = None) -> list[tuple[str, str, str]]:
        """(ticker, first day asked, last day asked) of every price-history request."""
        out = []
        for host, path, q, _ in self.log:
            if "/v8/finance/chart/" in path and "period1" in q:
                t = path.rsplit("/", 1)[1]
                first = datetime.fromtimestamp(int(q["period1"]), NY).date()
                last = datetime.fromtimestamp(int(q["period2"]) - 1, NY).date()
                if ticker in (None, t):
                    out.append((t, first.isoformat(), last.isoformat()))
        return out

    def statuses(self, ticker: str) -> list[int | None]:
        return [s for _, p, _, s in self.log if p.endswith(f"/v8/finance/chart/{ticker}")]

    # requests' adapter interface
    def close(self) -> None:
        pass

    def send(self, request, **kwargs):
        u = urlsplit(request.url)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        if self.down or (u.path.startswith("/v8/finance/chart/") and u.path.rsplit("/", 1)[1] in self.unreachable):
            with self.lock:
                self.log.append((u.netloc, u.path, q, None))
            if self.down_with is not None:
                raise self.down_with(u.netloc)
            raise requests.exceptions.ConnectionError(
                f"HTTPSConnectionPool(host='{u.netloc}', port=443): Max retries exceeded with url: "
                f"{u.path} (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection>: "
                "Failed to establish a new connection: [Errno 101] Network is unreachable'))"
            )
        status, body, ctype = self._route(u.path, q)
        with self.lock:
            self.log.append((u.netloc, u.path, q, status))
        return self._response(request, status, body, ctype)

    def _route(self, path: str, q: dict):
        if path.endswith("/v1/test/getcrumb"):
            return 200, "fake-crumb", "text/plain"
        if path.startswith("/v8/finance/chart/"):
            t = path.rsplit("/", 1)[1]
            with self.lock:
                if self.rate_limit.get(t, 0) > 0:
                    self.rate_limit[t] -= 1
                    return 429, "Too Many Requests", "text/plain"
            if t not in self.rows:
                return 404, json.dumps({"chart": {"result": None, "error": {
                    "code": "Not Found", "description": "No data found, symbol may be delisted"}}}), None
            return 200, json.dumps(self._chart(t, q)), None
        if path.startswith("/v10/finance/quoteSummary/"):
            return 404, json.dumps({"quoteSummary": {"result": None, "error": {
                "code": "Not Found", "description": "Quote not found for symbol"}}}), None
        if path.endswith("/v7/finance/quote"):
            return 200, json.dumps({"quoteResponse": {"result": [], "error": None}}), None
        if "/finance/timeseries/" in path:
            return 200, json.dumps({"timeseries": {"result": [], "error": None}}), None
        return 404, "<html><body>Not found</body></html>", "text/html"  # fc.yahoo.com, consent

    def _chart(self, t: str, q: dict) -> dict:
        rows = [r for r in self.rows[t] if r["Date"] not in self.skip.get(t, ())]
        zone = self.zones.get(t, "America/New_York")
        stamps = [int(datetime.combine(date.fromisoformat(r["Date"]), dtime(9, 30), ZoneInfo(zone)).timestamp())
                  for r in rows]
        if "period1" in q:
            p1, p2 = int(q["period1"]), int(q["period2"])
            pick = [i for i, s in enumerate(stamps) if p1 <= s < p2]
        else:  # range=1d: the latest session (yfinance asks this for the timezone)
            pick = [len(rows) - 1]
        f = self.factor
        meta = {
            "currency": "USD", "symbol": t, "exchangeName": "NYQ", "fullExchangeName": "NYSE",
            "instrumentType": "EQUITY", "firstTradeDate": stamps[0], "regularMarketTime": stamps[-1],
            "hasPrePostMarketData": True, "gmtoffset": -18000, "timezone": "EST",
            "exchangeTimezoneName": zone,
            "regularMarketPrice": float(rows[-1]["Close"]) * f,
            "chartPreviousClose": float(rows[pick[0] - 1 if pick and pick[0] else 0]["Close"]) * f,
            "priceHint": 2, "dataGranularity": "1d", "range": "",
            "validRanges": ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"],
        }
        result = {"meta": meta}
        if pick:
            nulls = self.null_close.get(t, set())

            def value(r, col):
                if col in ("Close",) and r["Date"] in nulls:
                    return None
                return float(r[col]) * (1.0 if col == "Volume" else f)

            chosen = [rows[i] for i in pick]
            result["timestamp"] = [stamps[i] for i in pick]
            result["indicators"] = {
                "quote": [{c.lower(): [value(r, c) for r in chosen]
                           for c in ("Open", "High", "Low", "Close", "Volume")}],
                "adjclose": [{"adjclose": [None if r["Date"] in nulls else float(r["Close"])
                                           for r in chosen]}],
            }
        else:
            result["indicators"] = {"quote": [{}], "adjclose": [{}]}
        return {"chart": {"result": [result], "error": None}}

    @staticmethod
    def _response(request, status: int, body: str, ctype: str | None):
        r = requests.Response()
        r.status_code = status
        r._content = body.encode()
        r.headers = CaseInsensitiveDict({"Content-Type": ctype or "application/json;charset=utf-8"})
        r.url = request.url
        r.request = request
        r.encoding = "utf-8"
        r.reason = {200: "OK", 404: "Not Found", 429: "Too Many Requests"}.get(status, "")
        r.raw = io.BytesIO(r._content)
        return r


def fake_session(fake: FakeYahoo) -> requests.Session:
    s = requests.Session()
    s.mount("https://", fake)
    s.mount("http://", fake)
    return s


def forget_yfinance_answers() -> None:
    """yfinance memoises, per process, its answers for past date ranges (the adapter
    documents this limit); each test has a new fake Yahoo, so the memo from the previous
    test must go. Test isolation only: the adapter itself uses no yfinance internals."""
    import yfinance as yf

    memo = getattr(getattr(yf.data, "YfData", None), "cache_get", None)
    if hasattr(memo, "cache_clear"):
        memo.cache_clear()


@pytest.fixture
def yahoo(monkeypatch, sample_dir):
    """Installs a FakeYahoo (returned; set its attributes to plant failures) as the
    session factory of stress.data.yahoo, and records the backoff sleeps."""
    import stress.data.yahoo as adapter

    monkeypatch.setenv("YF_DISABLE_CURL_CFFI", "1")
    forget_yfinance_answers()
    fake = FakeYahoo(sample_dir / "ohlcv", factor=1.25)
    fake.sleeps = []
    monkeypatch.setattr(adapter, "SESSION_FACTORY", lambda: fake_session(fake))
    monkeypatch.setattr(adapter, "SLEEP", fake.sleeps.append)
    return fake


def csv_rows(sample_dir: Path, ticker: str, start: str, end: str) -> list[dict]:
    with open(sample_dir / "ohlcv" / f"{ticker}.csv", newline="") as f:
        return [r for r in csv.DictReader(f) if start <= r["Date"] <= end]


# ---- the adapter --------------------------------------------------------------------
def test_download_returns_the_adjusted_prices_yahoo_serves(yahoo, sample_dir):
    from stress.data.yahoo import download

    got = download(["VST", "CEG", "SPY"], "2025-01-02", "2025-01-27")
    assert got.failed == {} and got.gaps == {}
    for t in ("VST", "CEG", "SPY"):
        want = csv_rows(sample_dir, t, "2025-01-02", "2025-01-27")
        mine = got.rows[got.rows["ticker"] == t].sort_values("date")
        assert list(mine["date"]) == [r["Date"] for r in want]  # end day included
        assert list(mine["close"]) == [float(r["Close"]) for r in want]  # adjclose, exactly
        # raw OHLC were served 1.25x the adjusted ones: auto_adjust scales them back
        for col in ("open", "high", "low"):
            expect = [float(r[col.capitalize()]) for r in want]
            assert mine[col].tolist() == pytest.approx(expect, rel=1e-12)
        assert list(mine["volume"]) == [float(r["Volume"]) for r in want]
    # the DeepSeek day as the README reports it (close to close, this export)
    vst = got.rows[got.rows["ticker"] == "VST"].set_index("date")["close"]
    assert vst["2025-01-27"] / vst["2025-01-24"] - 1 == pytest.approx(-0.283, abs=0.003)


def test_each_failed_ticker_is_named_with_its_reason(yahoo):
    from stress.data.yahoo import download

    got = download(["VST", "NOPE", "ZZZZ"], "2025-01-02", "2025-01-10")
    assert set(got.failed) == {"NOPE", "ZZZZ"}  # Yahoo answered 404 for both
    assert got.failed == {"NOPE": UNKNOWN, "ZZZZ": UNKNOWN}
    assert set(got.rows["ticker"]) == {"VST"} and len(got.rows) == 6


def test_rate_limited_ticker_is_retried_after_a_backoff(yahoo, sample_dir):
    from stress.data.yahoo import download

    yahoo.rate_limit = {"VST": 2}  # yfinance retries once itself, so its first attempt fails
    got = download(["VST", "CEG"], "2025-01-02", "2025-01-10")
    assert got.failed == {}
    assert yahoo.sleeps == [2.0]
    assert yahoo.statuses("VST").count(429) == 2
    want = [float(r["Close"]) for r in csv_rows(sample_dir, "VST", "2025-01-02", "2025-01-10")]
    assert got.rows.loc[got.rows["ticker"] == "VST", "close"].tolist() == want
    assert len(yahoo.history_requests("CEG")) == 1  # only the rate-limited ticker is asked again


def test_persistent_rate_limit_backs_off_exponentially_then_names_the_ticker(yahoo):
    from stress.data.yahoo import download

    yahoo.rate_limit = {"VST": 10**6}
    sleeps = []
    got = download(["VST", "CEG"], "2025-01-02", "2025-01-10", sleep=sleeps.append, retries=3, backoff=0.5)
    assert sleeps == [0.5, 1.0, 2.0]
    assert list(got.failed) == ["VST"] and "rate limited" in got.failed["VST"]
    assert "after 3 retries" in got.failed["VST"]
    assert set(got.rows["ticker"]) == {"CEG"}


def test_network_down_is_a_network_error(yahoo):
    from stress.data.yahoo import download
    from stress.errors import NetworkError

    yahoo.down = True
    with pytest.raises(NetworkError, match="cannot reach Yahoo Finance"):
        download(["VST", "CEG"], "2025-01-02", "2025-01-10")
    assert yahoo.log  # it did try


def test_one_unreachable_ticker_is_named_and_the_others_kept(yahoo):
    from stress.data.yahoo import download

    yahoo.unreachable = {"CEG"}
    got = download(["VST", "CEG", "NOPE"], "2025-01-02", "2025-01-10")
    assert set(got.failed) == {"CEG", "NOPE"}
    assert got.failed["CEG"].startswith("network error: ConnectionError")
    assert "Network is unreachable" in got.failed["CEG"] and got.failed["NOPE"] == UNKNOWN
    assert set(got.rows["ticker"]) == {"VST"}


def test_known_symbol_without_prices_in_the_range(yahoo):
    from stress.data.yahoo import download

    got = download(["VST", "CEG"], "2023-01-02", "2023-01-10")  # the export starts in 2024
    assert got.failed == {t: "Yahoo Finance returned no prices between 2023-01-02 and 2023-01-10"
                          for t in ("VST", "CEG")}
    assert got.rows.empty and list(got.rows.columns) == [
        "ticker", "date", "close", "open", "high", "low", "volume"]


def test_yfinance_settings_are_restored(yahoo):
    import logging

    import yfinance as yf

    from stress.data.yahoo import download

    yahoo.unreachable = {"CEG"}
    before = (yf.config.debug.hide_exceptions, list(logging.getLogger("yfinance").handlers))
    got = download(["VST", "CEG", "NOPE"], "2025-01-02", "2025-01-10")
    assert set(got.failed) == {"CEG", "NOPE"}
    assert (yf.config.debug.hide_exceptions, list(logging.getLogger("yfinance").handlers)) == before
    yf.config.debug.hide_exceptions = False  # a caller's own setting is kept too
    try:
        download(["VST"], "2025-01-02", "2025-01-10")
        assert yf.config.debug.hide_exceptions is False
    finally:
        yf.config.debug.hide_exceptions = before[0]


def test_network_down_as_curl_cffi_reports_it(yahoo):
    """yfinance's default backend, curl_cffi, raises a DNSError that carries an empty
    response (status 0): still no answer from Yahoo, so a NetworkError, not "HTTP 0"."""
    cx = pytest.importorskip("curl_cffi.requests.exceptions")
    from curl_cffi.requests import Response

    from stress.data.yahoo import download
    from stress.errors import NetworkError

    def dns_error(host):
        empty = Response()
        empty.status_code = 0  # what curl_cffi attaches when nothing came back
        return cx.DNSError(f"Failed to perform, curl: (6) Could not resolve host: {host} (Domain name "
                           "not found). See https://curl.se/libcurl/c/libcurl-errors.html first for "
                           "more details.", 6, empty)

    yahoo.down, yahoo.down_with = True, dns_error
    with pytest.raises(NetworkError, match=r"cannot reach Yahoo Finance \(DNSError: curl: \(6\) Could "
                                           r"not resolve host: \S*yahoo.com"):
        download(["VST", "CEG"], "2025-01-02", "2025-01-10")


def test_interior_null_closes_are_gaps_not_rows(yahoo, sample_dir):
    from stress.data.yahoo import download

    yahoo.null_close = {"VST": {"2025-01-08", "2025-01-24"}}
    got = download(["VST", "CEG"], "2025-01-02", "2025-01-31")
    assert got.gaps == {"VST": 2}
    vst = got.rows[got.rows["ticker"] == "VST"]
    want = [r["Date"] for r in csv_rows(sample_dir, "VST", "2025-01-02", "2025-01-31")]
    assert list(vst["date"]) == [d for d in want if d not in ("2025-01-08", "2025-01-24")]


def test_batches_report_progress(yahoo):
    from stress.data.yahoo import download

    batches = []
    got = download(["VST", "CEG", "NRG"], "2025-01-02", "2025-01-06", batch_size=2, on_batch=batches.append)
    assert batches == [2, 1] and set(got.rows["ticker"]) == {"VST", "CEG", "NRG"}


def test_a_day_missing_for_one_ticker_is_a_gap_on_its_exchange_only(yahoo):
    """VST lacks 2025-01-08 (not served at all): a gap next to CEG (same exchange timezone),
    none next to a ticker on another exchange's calendar."""
    from stress.data.yahoo import download

    yahoo.skip = {"VST": {"2025-01-08"}}
    got = download(["VST", "CEG"], "2025-01-02", "2025-01-10", batch_size=1)
    assert got.gaps == {"VST": 1} and got.failed == {}
    assert "2025-01-08" not in set(got.rows.loc[got.rows["ticker"] == "VST", "date"])
    yahoo.zones = {"EXC": "Europe/London"}  # EXC's rows, served as a London listing
    got = download(["VST", "EXC"], "2025-01-02", "2025-01-10")
    assert got.gaps == {} and got.failed == {}
    london = got.rows[got.rows["ticker"] == "EXC"]
    assert "2025-01-08" in set(london["date"]) and len(london) == 6  # its own days, tz stripped


def test_fresh_process_caches_under_stress_home_and_prints_nothing(sample_dir, tmp_path):
    """In a fresh process (as every command runs), yfinance's timezone cache is created in
    STRESS_HOME/yfinance-cache, holds what the fake Yahoo said, nothing goes to the
    platform's cache folder, and yfinance prints nothing (no log line, no warning; pytest's
    own log and warning capture would hide that in-process)."""
    import sqlite3
    import subprocess
    import sys

    home, xdg = tmp_path / "home", tmp_path / "xdg-cache"
    script = f"""
import os, socket, sys
from pathlib import Path
def guard(*a, **k):
    raise RuntimeError("network")
socket.socket.connect = guard
socket.create_connection = guard
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_yahoo import FakeYahoo, fake_session
from stress.data.yahoo import download
fake = FakeYahoo(Path({str(sample_dir / "ohlcv")!r}))
fake.unreachable = {{"CEG"}}
got = download(["VST", "CEG", "NOPE"], "2025-01-02", "2025-01-06", session=fake_session(fake))
assert set(got.failed) == {{"CEG", "NOPE"}} and len(got.rows) == 3, got
"""
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "STRESS_HOME": str(home), "XDG_CACHE_HOME": str(xdg), "HOME": str(tmp_path),
           "YF_DISABLE_CURL_CFFI": "1",
           "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "" and run.stderr == ""
    db = home / "yfinance-cache" / "tkr-tz.db"
    assert db.is_file()
    with sqlite3.connect(db) as con:
        assert con.execute("select value from _tz_kv where key = 'VST'").fetchall() == [("America/New_York",)]
    assert not list(xdg.rglob("*")) and not (tmp_path / ".cache").exists()


# ---- refresh against the store -------------------------------------------------------
def test_refresh_asks_only_for_missing_dates(yahoo, sample_dir, tmp_path):
    from stress.data.fetch import refresh
    from stress.data.store import PriceStore

    with PriceStore(tmp_path / "p.sqlite") as store:
        first = refresh(store, ["VST", "CEG"], "2025-01-02", "2025-01-31")
        assert first.failed == {} and first.written == {"VST": 20, "CEG": 20}
        assert sorted(yahoo.history_requests()) == [
            ("CEG", "2025-01-02", "2025-01-31"), ("VST", "2025-01-02", "2025-01-31")]

        yahoo.log.clear()
        second = refresh(store, ["VST", "CEG"], "2025-01-02", "2025-02-14")
        # only February, from the last stored day (kept to check Yahoo's adjustment)
        assert sorted(yahoo.history_requests()) == [
            ("CEG", "2025-01-31", "2025-02-14"), ("VST", "2025-01-31", "2025-02-14")]
        assert second.written == {"VST": 10, "CEG": 10} and second.warnings == ()
        closes = store.read_closes(["VST"], "2025-01-02", "2025-02-14")["VST"]
        want = csv_rows(sample_dir, "VST", "2025-01-02", "2025-02-14")
        assert closes.tolist() == [float(r["Close"]) for r in want]

        yahoo.log.clear()
        third = refresh(store, ["VST", "CEG"], "2025-01-10", "2025-02-14")
        assert yahoo.log == [] and third.written == {}


def test_weekend_range_makes_no_request(yahoo, tmp_path):
    from stress.data.fetch import refresh
    from stress.data.store import PriceStore

    with PriceStore(tmp_path / "p.sqlite") as store:
        refresh(store, ["VST"], "2025-01-02", "2025-01-24")  # Friday
        yahoo.log.clear()
        result = refresh(store, ["VST"], "2025-01-02", "2025-01-26")  # + Sat, Sun
        assert yahoo.log == [] and result.failed == {}
        assert store.missing_ranges("VST", "2025-01-02", "2025-01-26") == []


def test_readjusted_history_is_fetched_again_not_spliced(yahoo, sample_dir, tmp_path):
    """Stored closes from an older adjustment (2% higher): appending Yahoo's new rows
    would fake a -2% day; the refresh must notice and replace the stored span."""
    import pandas as pd

    from stress.data.fetch import refresh
    from stress.data.store import PriceStore

    jan = csv_rows(sample_dir, "VST", "2025-01-02", "2025-01-31")
    old = pd.DataFrame({"ticker": "VST", "date": [r["Date"] for r in jan] + ["2025-01-04"],
                        "close": [float(r["Close"]) * 1.02 for r in jan] + [1.0]})  # + a bogus Saturday
    with PriceStore(tmp_path / "p.sqlite") as store:
        store.write(old, source="csv:old.csv")
        result = refresh(store, ["VST"], "2025-01-02", "2025-02-14")
        assert result.failed == {}
        assert any("re-adjusted VST" in w and "-1.96" in w for w in result.warnings)
        closes = store.read_closes(["VST"], "2025-01-02", "2025-02-14")["VST"]
        want = csv_rows(sample_dir, "VST", "2025-01-02", "2025-02-14")
        assert list(closes.index.strftime("%Y-%m-%d")) == [r["Date"] for r in want]  # Saturday gone
        assert closes.tolist() == [float(r["Close"]) for r in want]
        assert yahoo.history_requests("VST")[-1][1:] == ("2025-01-02", "2025-02-14")
        # the replaced closes are kept as revisions: each January day, and the Saturday deleted
        hist = store.history("VST")
        assert list(hist["date"]) == sorted([r["Date"] for r in jan] + ["2025-01-04"])
        days = hist[hist["date"] != "2025-01-04"]
        assert days["old_close"].tolist() == [float(r["Close"]) * 1.02 for r in jan]
        assert days["new_close"].tolist() == [float(r["Close"]) for r in jan]
        assert hist.loc[hist["date"] == "2025-01-04", "new_close"].isna().all()
        assert set(hist["old_source"]) == {"csv:old.csv"} and set(hist["new_source"]) == {"yahoo"}


def test_provider_fetches_absent_tickers_online(yahoo, sample_dir, tmp_path):
    from stress.data.provider import load_closes
    from stress.data.store import PriceStore
    from stress.data.yahoo import fetch_into_store

    with PriceStore(tmp_path / "p.sqlite") as store:
        said = []
        closes = load_closes(store, ["NVDA"], "2025-01-21", "2025-01-28",
                             offline=False, fetcher=fetch_into_store, warn=said.append)
        assert said == []
        want = csv_rows(sample_dir, "NVDA", "2025-01-21", "2025-01-28")
        assert closes["NVDA"].tolist() == [float(r["Close"]) for r in want]
        assert fetch_into_store(store, ["NOPE"], "2025-01-21", "2025-01-28") == {"NOPE": UNKNOWN}
