"""Yahoo Finance through yfinance: batched downloads of adjusted daily prices.

This module is the only one that talks to Yahoo. :func:`download` asks yfinance for one
date range and a list of tickers (in batches), retries the tickers Yahoo rate-limited
(HTTP 429) with exponential backoff, and returns long rows plus, for every ticker it
could not get, the reason. ``yf.download`` never raises for a failed ticker (it logs and
returns all-NaN columns): a ticker is failed when its Close column has no value, and the
reason comes from what reached the wire (404, 429, a connection error) or from
yfinance's own error log. If no request reached Yahoo at all, :class:`NetworkError`.

:func:`fetch_into_store` is the :data:`stress.data.provider.Fetcher` for the store
(incremental: see :mod:`stress.data.fetch`).

Tests inject a ``requests.Session`` through :data:`SESSION_FACTORY`.
"""

from __future__ import annotations

import ast
import logging
import re
import time
import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable
from urllib.parse import unquote

from stress.errors import NetworkError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from stress.data.store import PriceStore

#: Returns the HTTP session handed to yfinance (a curl_cffi or requests Session), or
#: None for yfinance's own. Tests set it to a session serving canned Yahoo responses.
SESSION_FACTORY: Callable[[], Any] | None = None
#: Used between retries when no ``sleep`` is passed (tests replace it).
SLEEP: Callable[[float], None] = time.sleep

BATCH_SIZE = 20  # tickers per yf.download call
RETRIES = 4  # rate-limit retries per batch: waits of BACKOFF * 2**k seconds, k = 0..3
BACKOFF = 2.0
FIELDS = (("close", "Close"), ("open", "Open"), ("high", "High"), ("low", "Low"), ("volume", "Volume"))
SOURCE = "yahoo"

_CHART = re.compile(r"/v8/finance/chart/([^/?#]+)")


@dataclass(frozen=True)
class Download:
    """What Yahoo gave for one date range.

    ``rows``: long frame, columns ticker, date (ISO text), close, open, high, low, volume
    (prices auto-adjusted for splits and dividends; only days with a close).
    ``failed``: ticker -> reason, for tickers without a single close.
    ``gaps``: ticker -> days without a close between its first and last close (not stored).
    ``warnings``: other messages (yfinance errors for tickers that still returned data).
    """

    rows: "pd.DataFrame"
    failed: dict[str, str] = field(default_factory=dict)
    gaps: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def download(
    tickers: Iterable[str],
    start: str,
    end: str,
    *,
    session: Any = None,
    sleep: Callable[[float], None] | None = None,
    batch_size: int = BATCH_SIZE,
    retries: int = RETRIES,
    backoff: float = BACKOFF,
    cache_dir: Path | str | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> Download:
    """Adjusted daily prices of ``tickers`` from ``start`` to ``end`` (ISO dates, both
    included) from Yahoo Finance.

    ``session``: the HTTP session for yfinance (default :data:`SESSION_FACTORY` or
    yfinance's own). ``sleep``: called with the backoff in seconds before each retry of
    rate-limited tickers. ``cache_dir``: where yfinance keeps its caches (default
    ``STRESS_HOME/yfinance-cache``). ``on_batch(n)``: called after each batch with the
    number of tickers it held. Raises :class:`NetworkError` when Yahoo cannot be reached.
    """
    import pandas as pd

    tickers = list(dict.fromkeys(t.upper() for t in tickers))
    sleep = sleep or SLEEP
    _redirect_caches(cache_dir)
    wire = _Wire(session if session is not None else _new_session())
    parts: list[pd.DataFrame] = []
    failed: dict[str, str] = {}
    gaps: dict[str, int] = {}
    notes: list[str] = []
    for i in range(0, len(tickers), batch_size):
        batch = tickers[i : i + batch_size]
        todo, attempt = list(batch), 0
        while todo:
            frame, logged = _yf_download(todo, start, end, wire.session)
            rows, got_gaps = _to_long(frame, todo, start, end)
            got = set(rows["ticker"])
            parts.append(rows)
            gaps.update({t: n for t, n in got_gaps.items() if n})
            missing = [t for t in todo if t not in got]
            notes += [f"{t}: yfinance: {logged[t]}" for t in todo if t in got and t in logged]
            if wire.responses == 0 and wire.errors:
                raise NetworkError(f"cannot reach Yahoo Finance ({_short(wire.errors[-1][1])})")
            limited = [t for t in missing if wire.status.get(t) == 429 or _is_rate_limit(logged.get(t))]
            for t in missing:
                if t in limited:
                    continue
                if wire.status.get(t) == 200 and t not in wire.failed:
                    failed[t] = f"Yahoo Finance returned no prices between {start} and {end}"
                else:
                    failed[t] = _reason(t, wire, logged.get(t))
            if limited and attempt < retries:
                sleep(backoff * 2**attempt)
                attempt += 1
                todo = limited
                continue
            for t in limited:
                failed[t] = f"rate limited by Yahoo Finance (HTTP 429), gave up after {attempt} retries"
            todo = []
        if on_batch is not None:
            on_batch(len(batch))
    columns = ["ticker", "date", *(name for name, _ in FIELDS)]
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    return Download(
        rows=rows[columns], failed=failed, gaps=gaps, warnings=tuple(notes)
    )


def fetch_into_store(store: "PriceStore", tickers: list[str], start: str, end: str) -> dict[str, str]:
    """The store's Fetcher: fetch what the store lacks of ``tickers`` in [start, end],
    write it, and return {ticker: reason} for the tickers that failed."""
    from stress.data.fetch import refresh

    return refresh(store, tickers, start, end).failed


# ---- yfinance ------------------------------------------------------------------------
def _yf_download(
    tickers: list[str], start: str, end: str, session: Any
) -> tuple["pd.DataFrame", dict[str, str]]:
    """One ``yf.download`` call; returns its frame and the per-ticker errors it logged."""
    import yfinance as yf

    clear = getattr(getattr(yf.data.YfData, "cache_get", None), "cache_clear", None)
    if clear is not None:  # yfinance memoises past-dated responses in-process; the store is our cache
        clear()
    shared_errors = getattr(getattr(yf, "shared", None), "_ERRORS", None)  # yfinance < 1.0
    if isinstance(shared_errors, dict):
        shared_errors.clear()
    config = getattr(getattr(yf, "config", None), "debug", None)
    hide = getattr(config, "hide_exceptions", None)
    log = logging.getLogger("yfinance")
    catcher = _Catcher()
    propagate = log.propagate
    log.addHandler(catcher)
    log.propagate = False  # the library never prints: yfinance's messages come back as reasons
    # threads=False: yfinance's threads race on its own SQLite timezone cache ("database is
    # locked"), failing tickers at random; one batch is at most BATCH_SIZE tickers anyway.
    try:
        if config is not None:
            config.hide_exceptions = False  # a failed ticker records the real exception
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"yfinance(\.|$)")
            frame = yf.download(
                tickers, start=start, end=_next_day(end), auto_adjust=True, actions=False,
                progress=False, threads=False, group_by="column",
                multi_level_index=True, session=session,
            )
    finally:
        log.removeHandler(catcher)
        log.propagate = propagate
        if config is not None:
            config.hide_exceptions = hide
    logged = dict(catcher.errors)
    if isinstance(shared_errors, dict):
        logged.update({str(k).upper(): str(v) for k, v in shared_errors.items()})
    return frame, {t: _clean(t, r) for t, r in logged.items()}


def _to_long(
    frame: "pd.DataFrame", tickers: list[str], start: str, end: str
) -> tuple["pd.DataFrame", dict[str, int]]:
    """yf.download's (date x (field, ticker)) frame to long rows with a close, and per
    ticker the count of days without a close between its first and last close."""
    import numpy as np
    import pandas as pd

    columns = ["ticker", "date", *(name for name, _ in FIELDS)]
    if frame is None or frame.empty or "Close" not in frame.columns.get_level_values(0):
        return pd.DataFrame(columns=columns), {}
    index = pd.DatetimeIndex(frame.index)
    if index.tz is not None:
        index = index.tz_localize(None)
    days = index.strftime("%Y-%m-%d").to_numpy()
    keep = (days >= start) & (days <= end)
    days = days[keep]
    if len(days) == 0:
        return pd.DataFrame(columns=columns), {}
    values = {}
    for name, label in FIELDS:
        if label in frame.columns.get_level_values(0):
            block = frame[label].reindex(columns=tickers).to_numpy(dtype=float)[keep]
        else:
            block = np.full((len(days), len(tickers)), np.nan)
        values[name] = block
    close = values["close"]  # (n_days, n_tickers)
    valid = ~np.isnan(close)
    n = len(days)
    first = valid.argmax(axis=0)
    last = n - 1 - valid[::-1].argmax(axis=0)
    has = valid.any(axis=0)
    inner = np.where(has, last - first + 1 - valid.sum(axis=0), 0)
    gaps = {t: int(g) for t, g in zip(tickers, inner)}
    long = pd.DataFrame(
        {
            "ticker": np.repeat(np.asarray(tickers, dtype=object), n),
            "date": np.tile(days, len(tickers)),
            **{name: block.ravel(order="F") for name, block in values.items()},
        }
    )
    return long[valid.ravel(order="F")].reset_index(drop=True), gaps


def _redirect_caches(cache_dir: Path | str | None) -> None:
    """Point yfinance's timezone/cookie/ISIN caches at ``cache_dir`` (default
    ``STRESS_HOME/yfinance-cache``) before any request."""
    import yfinance as yf

    if cache_dir is None:
        from stress.paths import stress_home

        cache_dir = stress_home() / "yfinance-cache"
    folder = Path(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    cache = yf.cache
    manager = getattr(cache, "_TzDBManager", None)
    if manager is not None and getattr(manager, "get_location", lambda: None)() == str(folder):
        return
    yf.set_tz_cache_location(str(folder))  # in yfinance 1.x this moves all its caches
    # yfinance binds each cache on first use; forget them so the new folder is used.
    for name, attr in (("_TzCacheManager", "_tz_cache"), ("_CookieCacheManager", "_Cookie_cache"),
                       ("_ISINCacheManager", "_isin_cache")):
        holder = getattr(cache, name, None)
        if holder is not None and hasattr(holder, attr):
            setattr(holder, attr, None)


def _new_session() -> Any:
    if SESSION_FACTORY is not None:
        return SESSION_FACTORY()
    try:
        from yfinance._http import new_session  # curl_cffi with browser impersonation
    except ImportError:  # pragma: no cover - older yfinance
        return None
    return new_session()


class _Wire:
    """Watches the session's requests: responses received, the last chart status per
    ticker, and transport errors (a connection that never reached Yahoo)."""

    def __init__(self, session: Any):
        self.session = session
        self.responses = 0
        self.status: dict[str, int] = {}
        self.failed: dict[str, BaseException] = {}
        self.errors: list[tuple[str | None, BaseException]] = []
        if session is None:
            return
        inner = session.request

        def request(*args: Any, **kwargs: Any) -> Any:
            url = str(kwargs.get("url", args[1] if len(args) > 1 else ""))
            match = _CHART.search(url)
            ticker = unquote(match.group(1)).upper() if match else None
            try:
                response = inner(*args, **kwargs)
            except Exception as exc:
                self.errors.append((ticker, exc))
                if ticker:
                    self.failed[ticker] = exc
                raise
            self.responses += 1
            if ticker:
                self.status[ticker] = response.status_code
                self.failed.pop(ticker, None)
            return response

        session.request = request


class _Catcher(logging.Handler):
    """Collects yfinance's per-ticker error lines (``['VST', 'CEG']: reason``)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage().strip()
        except Exception:  # pragma: no cover
            return
        m = re.match(r"^(\[[^\]]*\]): (.*)$", text, re.S)
        if m:
            try:
                names = ast.literal_eval(m.group(1))
            except (ValueError, SyntaxError):
                return
            for t in names:
                self.errors[str(t).upper()] = m.group(2)
            return
        m = re.match(r"^Failed to get ticker '([^']+)' reason: (.*)$", text, re.S)
        if m:
            self.errors.setdefault(m.group(1).upper(), m.group(2))


def _reason(ticker: str, wire: _Wire, logged: str | None) -> str:
    if ticker in wire.failed:
        return f"network error: {_short(wire.failed[ticker])}"
    if wire.status.get(ticker) == 404:
        return "Yahoo Finance does not know this symbol (HTTP 404)"
    return logged or "Yahoo Finance returned no prices (yfinance gave no reason)"


def _is_rate_limit(text: str | None) -> bool:
    return bool(text) and bool(re.search(r"RateLimit|Too Many Requests|\b429\b", text))


def _clean(ticker: str, text: str) -> str:
    """A yfinance error repr to one short line: ``YFPricesMissingError('$VST: x')`` -> ``x``."""
    m = re.match(r"^(\w+)\((['\"])(.*)\2\)$", text.strip(), re.S)
    if m:
        kind, text = m.group(1), m.group(3)
        if not kind.startswith("YF"):
            text = f"{kind}: {text}"
    text = text.replace(f"${ticker}: ", "")
    text = re.sub(r"\?[^\s'\")]*", "", text)  # query strings (crumbs) out of URLs
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:197] + "..."


def _short(exc: BaseException) -> str:
    """``ConnectionError: [Errno 101] Network is unreachable``, not a page of urllib3."""
    text = str(exc)
    m = re.search(r"\[Errno [^\]]+\] [^'\")\]]+|curl: \(\d+\) .*?(?=\. [A-Z]|$)", text)
    return f"{type(exc).__name__}: {m.group(0).strip() if m else _clean('', text)[:120]}"


def _next_day(day: str) -> str:
    """yfinance's ``end`` is exclusive; ours is inclusive."""
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()
