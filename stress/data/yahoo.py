"""Yahoo Finance through yfinance's public API: adjusted daily prices, ticker by ticker.

This module is the only one that talks to Yahoo. :func:`download` asks yfinance for one
date range and a list of tickers (in batches, for progress), one
``yf.Ticker(t, session=...).history(start, end, auto_adjust=True, actions=False,
keepna=True)`` per ticker, with ``yf.config.debug.hide_exceptions = False`` (yfinance's
documented switch: a failed ticker raises its typed exception instead of logging it;
restored afterwards). The exception names the reason:

* :class:`yfinance.exceptions.YFRateLimitError` (Yahoo answered "Too Many Requests"):
  retried with exponential backoff; named after the last retry;
* :class:`~yfinance.exceptions.YFTzMissingError`, or an ``HTTPError`` 4xx from the quote
  lookup yfinance falls back to: Yahoo Finance does not know this symbol;
* :class:`~yfinance.exceptions.YFPricesMissingError` (or an empty frame): no prices in
  the range (with Yahoo's own reason when it gave one);
* a connection-type error (no answer from Yahoo): a network error; when every ticker so
  far failed that way, :class:`NetworkError`.

Limits of the public route (yfinance >= 1.0):

* ``yf.set_tz_cache_location`` is honoured by yfinance only before its caches are first
  used in the process (its documentation says so): the caches go to
  ``STRESS_HOME/yfinance-cache`` of the process's first download. Each command is one
  process, so this only matters to a library caller who changes STRESS_HOME midway.
* yfinance memoises, in process, the answers to requests for date ranges that ended in
  the past (about the last 64), answers that said "no data" included; rate limits and
  network errors are not memoised, so retries do go to Yahoo. A second download of
  exactly the same ticker and range in one process gets yfinance's memo, not a new
  answer. Commands never ask twice; a long-lived library caller who wants Yahoo asked
  again must start a new process. (There is no public switch to clear that memo.)

:func:`fetch_into_store` is the :data:`stress.data.provider.Fetcher` for the store
(incremental: see :mod:`stress.data.fetch`).

Tests inject a ``requests.Session`` through :data:`SESSION_FACTORY`.
"""

from __future__ import annotations

import logging
import re
import socket
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from stress.errors import NetworkError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from stress.data.store import PriceStore

#: Returns the HTTP session handed to yfinance (a curl_cffi or requests Session), or
#: None for yfinance's own. Tests set it to a session serving canned Yahoo responses.
SESSION_FACTORY: Callable[[], Any] | None = None
#: Used between retries when no ``sleep`` is passed (tests replace it).
SLEEP: Callable[[float], None] = time.sleep

BATCH_SIZE = 20  # tickers per progress step
RETRIES = 4  # rate-limit retries per batch: waits of BACKOFF * 2**k seconds, k = 0..3
BACKOFF = 2.0
FIELDS = (("close", "Close"), ("open", "Open"), ("high", "High"), ("low", "Low"), ("volume", "Volume"))
COLUMNS = ("ticker", "date", *(name for name, _ in FIELDS))
SOURCE = "yahoo"
UNKNOWN = "Yahoo Finance does not know this symbol"

_cache_folder: str | None = None  # where this process last pointed yfinance's caches


@dataclass(frozen=True)
class Download:
    """What Yahoo gave for one date range.

    ``rows``: long frame, columns ticker, date (ISO text), close, open, high, low, volume
    (prices auto-adjusted for splits and dividends; only days with a close).
    ``failed``: ticker -> reason, for tickers without a single close.
    ``gaps``: ticker -> days without a close between its first and last close (not
    stored): days Yahoo listed for it with no close, and days another ticker of the same
    download on the same exchange timezone has but it lacks.
    """

    rows: "pd.DataFrame"
    failed: dict[str, str] = field(default_factory=dict)
    gaps: dict[str, int] = field(default_factory=dict)


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
    ``STRESS_HOME/yfinance-cache``; see the module's limits). ``on_batch(n)``: called
    after each batch with the number of tickers it held. Raises :class:`NetworkError`
    when Yahoo cannot be reached.
    """
    from yfinance.exceptions import YFRateLimitError

    tickers = list(dict.fromkeys(t.upper() for t in tickers))
    sleep = sleep or SLEEP
    _use_cache_folder(cache_dir)
    if session is None and SESSION_FACTORY is not None:
        session = SESSION_FACTORY()
    got: dict[str, "pd.DataFrame"] = {}
    failed: dict[str, str] = {}
    answered, unreachable = False, None  # any answer from Yahoo; the last connection error
    for i in range(0, len(tickers), batch_size):
        batch = tickers[i : i + batch_size]
        todo, attempt = list(batch), 0
        while todo:
            limited = []
            for t in todo:
                frame, error = _history(t, start, end, session)
                network = _connection_error(error)
                if network is not None:
                    unreachable = network
                    failed[t] = f"network error: {_short(network)}"
                    continue
                answered = True
                if isinstance(error, YFRateLimitError):
                    limited.append(t)
                elif error is not None:
                    failed[t] = _reason(t, error, start, end)
                elif frame["close"].notna().any():
                    got[t] = frame
                else:
                    failed[t] = f"Yahoo Finance returned no prices between {start} and {end}"
            if not answered and unreachable is not None:
                raise NetworkError(f"cannot reach Yahoo Finance ({_short(unreachable)})")
            if limited and attempt < retries:
                sleep(backoff * 2**attempt)
                attempt += 1
                todo = limited
                continue
            for t in limited:
                failed[t] = f"rate limited by Yahoo Finance (Too Many Requests), gave up after {attempt} retries"
            todo = []
        if on_batch is not None:
            on_batch(len(batch))
    rows, gaps = _to_long(got)
    return Download(rows=rows, failed=failed, gaps=gaps)


def fetch_into_store(store: "PriceStore", tickers: list[str], start: str, end: str) -> dict[str, str]:
    """The store's Fetcher: fetch what the store lacks of ``tickers`` in [start, end],
    write it, and return {ticker: reason} for the tickers that failed."""
    from stress.data.fetch import refresh

    return refresh(store, tickers, start, end).failed


# ---- yfinance ------------------------------------------------------------------------
def _history(
    ticker: str, start: str, end: str, session: Any
) -> tuple["pd.DataFrame | None", BaseException | None]:
    """One ticker's history as (frame, None), or (None, the exception yfinance raised).

    The frame: columns date (ISO, exchange-local day), tz (the exchange's timezone),
    close, open, high, low, volume; rows from ``start`` to ``end``, null closes kept."""
    import yfinance as yf

    try:
        with _raising_quietly():
            frame = yf.Ticker(ticker, session=session).history(
                start=start, end=_next_day(end), interval="1d", auto_adjust=True,
                actions=False, keepna=True, repair=False,
            )
    except Exception as exc:  # every per-ticker failure is named, never raised
        return None, exc
    return _frame(frame, start, end), None


@contextmanager
def _raising_quietly() -> Iterator[None]:
    """yfinance raises its typed exceptions (``yf.config.debug.hide_exceptions = False``)
    and prints nothing: its warnings are ignored and its log records find a handler that
    drops them (Python's last-resort handler would print them on stderr); the caller's
    own handlers on the "yfinance" logger still get them. Restored on exit."""
    import yfinance as yf

    debug = yf.config.debug
    hide = debug.hide_exceptions
    log = logging.getLogger("yfinance")
    drop = logging.NullHandler()
    log.addHandler(drop)
    debug.hide_exceptions = False
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"yfinance(\.|$)")
            yield
    finally:
        debug.hide_exceptions = hide
        log.removeHandler(drop)


def _frame(frame: "pd.DataFrame", start: str, end: str) -> "pd.DataFrame":
    import numpy as np
    import pandas as pd

    index = pd.DatetimeIndex(frame.index)
    tz = str(index.tz) if index.tz is not None else ""
    if index.tz is not None:
        index = index.tz_localize(None)  # the exchange's own calendar day
    days = index.strftime("%Y-%m-%d").to_numpy()
    keep = (days >= start) & (days <= end)
    out = pd.DataFrame({"date": days[keep], "tz": tz})
    for name, label in FIELDS:
        out[name] = (frame[label].to_numpy(dtype=float)[keep] if label in frame.columns
                     else np.full(int(keep.sum()), np.nan))
    return out


def _to_long(got: dict[str, "pd.DataFrame"]) -> tuple["pd.DataFrame", dict[str, int]]:
    """Per-ticker frames to long rows with a close, and per ticker the count of days
    without a close between its first and last close, on the union of the days of the
    tickers sharing its exchange timezone."""
    import pandas as pd

    if not got:
        return pd.DataFrame(columns=list(COLUMNS)), {}
    long = pd.concat([f.assign(ticker=t) for t, f in got.items()], ignore_index=True)
    gaps: dict[str, int] = {}
    for _, group in long.groupby("tz", sort=False):
        close = group.pivot_table(index="date", columns="ticker", values="close",
                                  aggfunc="first", dropna=False).sort_index()
        valid = close.notna().to_numpy()
        n = len(close)
        first = valid.argmax(axis=0)
        last = n - 1 - valid[::-1].argmax(axis=0)
        inner = last - first + 1 - valid.sum(axis=0)
        gaps.update({t: int(g) for t, g in zip(close.columns, inner) if g})
    rows = long[long["close"].notna()].reset_index(drop=True)
    return rows[list(COLUMNS)], gaps


def _use_cache_folder(cache_dir: Path | str | None) -> None:
    """Point yfinance's timezone/cookie/ISIN caches at ``cache_dir`` (default
    ``STRESS_HOME/yfinance-cache``) with ``yf.set_tz_cache_location``."""
    global _cache_folder
    import yfinance as yf

    if cache_dir is None:
        from stress.paths import stress_home

        cache_dir = stress_home() / "yfinance-cache"
    folder = Path(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    if _cache_folder != str(folder):
        yf.set_tz_cache_location(str(folder))
        _cache_folder = str(folder)


# ---- reasons ---------------------------------------------------------------------------
def _reason(ticker: str, exc: BaseException, start: str, end: str) -> str:
    """One short line for a ticker yfinance raised on (rate limits and network errors
    are handled by the caller)."""
    from yfinance.exceptions import YFException, YFPricesMissingError, YFTzMissingError

    if isinstance(exc, YFTzMissingError):
        return UNKNOWN  # the chart API told yfinance it has no such symbol
    if isinstance(exc, YFPricesMissingError):
        said = getattr(exc, "yahoo_reason", None)
        return f"Yahoo Finance returned no prices between {start} and {end}" + (f" ({said})" if said else "")
    status = _status(exc)
    if status is not None:
        # yfinance raises HTTPError only from the quote lookup it tries after the chart
        # API gave no timezone for the symbol: a 4xx there is an unknown symbol too.
        return UNKNOWN if 400 <= status < 500 else f"Yahoo Finance answered HTTP {status}"
    if isinstance(exc, YFException):
        return f"yfinance: {_clean(ticker, str(exc))}"
    return f"yfinance failed: {type(exc).__name__}: {_clean(ticker, str(exc))}"


def _connection_types() -> tuple[type[BaseException], ...]:
    """Errors meaning no answer came back: Python's, requests' and curl_cffi's."""
    types: list[type[BaseException]] = [ConnectionError, TimeoutError, socket.gaierror]
    try:
        from requests import exceptions as rx

        types += [rx.ConnectionError, rx.Timeout]
    except ImportError:  # pragma: no cover - a yfinance dependency
        pass
    try:
        from curl_cffi.requests import exceptions as cx  # yfinance's default backend

        types += [cx.ConnectionError, cx.Timeout, cx.ProxyError]
    except ImportError:
        pass
    return tuple(types)


def _connection_error(exc: BaseException | None) -> BaseException | None:
    """The connection-type error (no answer) in ``exc``'s chain, else None. The chain
    matters: yfinance can fail while handling one (e.g. yfinance 1.7 with plain requests
    raises an AttributeError in the ``except`` clause meant for curl_cffi's DNSError)."""
    kinds = _connection_types()
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, kinds) and _status(exc) is None:
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def _status(exc: BaseException) -> int | None:
    """The HTTP status an exception carries, if an answer came back (curl_cffi's
    connection errors carry an empty response with status 0)."""
    status = getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) and status > 0 else None


def _clean(ticker: str, text: str) -> str:
    """An error message to one short line, without ``$TICKER: `` or query strings."""
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
