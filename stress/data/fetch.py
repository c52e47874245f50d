"""Incremental refresh of the store from Yahoo Finance, and `stress prices fetch`.

:func:`refresh` asks the source only for what the store lacks: per ticker, the date
ranges never requested before (``store.missing_ranges``), each widened by one stored
day (the *anchor*) so the adjusted close Yahoo serves today can be compared with the
stored one. Yahoo re-adjusts a ticker's whole history after every dividend and split;
if the anchor differs by more than ``tolerance``, appending would put a false jump into
the series, so the ticker's whole stored span is fetched again and replaced instead.

Ranges that hold no weekday are recorded as covered without a request. Days after the
last completed session (New York date; today counts from 18:00 New York time) are
never requested, so a live intraday price is never stored as a close.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable

from stress.data import yahoo
from stress.data.csvfiles import option_date
from stress.errors import DataError, InputError, NetworkError

if TYPE_CHECKING:  # pragma: no cover
    from stress.data.store import PriceStore

TOLERANCE = 1e-5  # relative difference of the anchor close that means "re-adjusted"
_TICKER = re.compile(r"^\^?[A-Z0-9][A-Z0-9.\-=]{0,19}$")


@dataclass(frozen=True)
class Refresh:
    """What a refresh did. ``failed``: ticker -> reason (nothing written for it);
    ``written``: ticker -> rows written; ``warnings``: one line each."""

    failed: dict[str, str] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class FetchReport:
    """``rows``: one dict per asked ticker the store holds (ticker, rows, first, last,
    source, fetched_at, new); ``error``: set when some asked tickers have no price at
    all (the command fails after showing the rest)."""

    rows: list[dict] = field(default_factory=list)
    warnings: tuple[str, ...] = ()
    error: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def fetch_command(
    store: "PriceStore",
    tickers: list[str],
    start: str,
    end: str | None,
    *,
    offline: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    session: Any = None,
    sleep: Callable[[float], None] | None = None,
) -> FetchReport:
    """`stress prices fetch`: bring ``tickers`` up to date in the store for [start, end]
    (``end`` None: the last completed session) and report what the store holds.

    Offline, or when Yahoo cannot be reached, the store is used as it is (with a
    warning); asked tickers it has no price for are a :class:`DataError`.
    """
    tickers = [_ticker(t) for t in dict.fromkeys(t.strip().upper() for t in tickers)]
    start = option_date(start, "--start")
    last = complete_through()
    notes: list[str] = []
    if end is None:
        end = last
    else:
        end = option_date(end, "--end")
        if end > last and not offline:
            notes.append(f"--end {end} is after the last completed session; fetching to {last}")
            end = last
    if start > end:
        raise InputError(f"--start {start} is after --end {end}")
    if offline:
        absent = _absent(store, tickers)
        if absent:
            raise DataError(
                f"offline (--offline or STRESS_OFFLINE=1): no prices for {' '.join(absent)} in the "
                "store; load CSV files with `stress prices import PATH`, or fetch them online"
            )
        notes.append("offline: the network was not used; this is what the store holds")
        return FetchReport(rows=_rows(store, tickers, {}), warnings=tuple(notes))
    context = None
    try:
        result = refresh(store, tickers, start, end, session=session, sleep=sleep,
                         on_progress=on_progress)
    except NetworkError as exc:
        context = str(exc)
        result = Refresh()
    absent = _absent(store, tickers)
    message = _absent_message(absent, result.failed, context) if absent else None
    if len(absent) == len(tickers):
        raise DataError(message)
    if context:
        notes.append(f"{context}; using the prices already in the store")
    notes += list(result.warnings)
    notes += [f"{t}: {why}; the stored prices were kept" for t, why in result.failed.items()
              if t not in absent]
    return FetchReport(rows=_rows(store, tickers, result.written), warnings=tuple(notes), error=message)


def refresh(
    store: "PriceStore",
    tickers: list[str],
    start: str,
    end: str,
    *,
    session: Any = None,
    sleep: Callable[[float], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    tolerance: float = TOLERANCE,
) -> Refresh:
    """Fetch from Yahoo what the store lacks of ``tickers`` in [start, end] (ISO dates,
    capped at :func:`complete_through`) and write it, source ``"yahoo"``.

    ``on_progress(done, total)`` counts ticker requests. Raises :class:`NetworkError`
    when Yahoo cannot be reached at all (batches already written stay written).
    """
    tickers = list(dict.fromkeys(t.upper() for t in tickers))
    end = min(end, complete_through())
    info = {i.ticker: i for i in store.info_for(tickers) if i.rows}
    plan: dict[tuple[str, str], list[str]] = defaultdict(list)
    wanted: dict[tuple[str, str, str], tuple[str, str]] = {}  # (ticker, req) -> missing range
    anchors: dict[tuple[str, str, str], tuple[str, float]] = {}
    quiet: dict[str, list[tuple[str, str]]] = defaultdict(list)  # weekend-only ranges
    failed: dict[str, str] = {}
    for t in tickers if start <= end else []:
        for s, e in store.missing_ranges(t, start, end):
            if not _has_weekday(s, e):
                quiet[t].append((s, e))
                continue
            anchor = _anchor(store, t, s, e) if t in info else None
            req = (min(s, anchor[0]), max(e, anchor[0])) if anchor else (s, e)
            plan[req].append(t)
            wanted[(t, *req)] = (s, e)
            if anchor:
                anchors[(t, *req)] = anchor
    planned = {t for group in plan.values() for t in group}
    for t, ranges in quiet.items():
        if t in info:  # a known ticker: nothing to ask for on a weekend
            for s, e in ranges:
                store.write(_empty_rows(), source=info[t].source, covered={t: (s, e)})
        elif t not in planned:
            failed[t] = f"no weekday between {start} and {end}"

    total = sum(len(v) for v in plan.values())
    done = 0
    written: dict[str, int] = defaultdict(int)
    notes: list[str] = []
    stale: dict[str, tuple[str, float, float]] = {}  # ticker -> (anchor date, stored, yahoo)
    span: dict[str, tuple[str, str]] = {}  # ticker -> the whole range to fetch again

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if on_progress:
            on_progress(done, total)

    for (rs, re_), group in sorted(plan.items()):
        got = yahoo.download(group, rs, re_, session=session, sleep=sleep, on_batch=tick)
        rows = got.rows
        keep, covered = [], {}
        for t in group:
            s, e = wanted[(t, rs, re_)]
            mine = rows[rows["ticker"] == t]
            if t in got.failed:  # not recorded as covered: asked again next time
                failed[t] = f"{failed[t]}; {got.failed[t]}" if t in failed else got.failed[t]
                continue
            anchor = anchors.get((t, rs, re_))
            if anchor:
                now = mine.loc[mine["date"] == anchor[0], "close"]
                if len(now) and abs(float(now.iloc[0]) / anchor[1] - 1) > tolerance:
                    stale[t] = (anchor[0], anchor[1], float(now.iloc[0]))
                    first = min([s, info[t].first, *(a for a, _ in store.coverage(t))])
                    last, prev = max(e, info[t].last), span.get(t)
                    span[t] = (min(first, prev[0]), max(last, prev[1])) if prev else (first, last)
                    continue
                if not len(now):
                    notes.append(
                        f"{t}: Yahoo has no close on {anchor[0]} (the last stored day) to check "
                        "that its adjustment matches the stored prices"
                    )
            mine = mine[(mine["date"] >= s) & (mine["date"] <= e)]
            if got.gaps.get(t):
                notes.append(f"{t}: {got.gaps[t]} day(s) without a close from Yahoo between "
                             f"{s} and {e}, left as gaps")
            keep.append(mine)
            covered[t] = (s, e)
            written[t] += len(mine)
        if covered:
            import pandas as pd

            frame = pd.concat(keep, ignore_index=True) if keep else _empty_rows()
            store.write(frame, source=yahoo.SOURCE, covered=covered, on_change="replace")

    if stale:
        _refetch(store, stale, span, failed, written, notes, session, sleep)
    return Refresh(failed=failed, written=dict(written), warnings=tuple(notes))


def _refetch(store, stale, span, failed, written, notes, session, sleep) -> None:
    """Fetch the whole stored span of re-adjusted tickers again and replace it."""
    spans: dict[tuple[str, str], list[str]] = defaultdict(list)
    for t in stale:
        spans[span[t]].append(t)
    for (s, e), group in sorted(spans.items()):
        got = yahoo.download(group, s, e, session=session, sleep=sleep)
        for t in group:
            day, old, new = stale[t]
            why = (f"Yahoo re-adjusted {t} since it was stored (close on {day}: stored "
                   f"{old:.6g}, Yahoo now {new:.6g}, {new / old - 1:+.4%})")
            if t in got.failed:
                failed[t] = f"{why}; the re-fetch of {s} to {e} failed: {got.failed[t]}"
                continue
            mine = got.rows[got.rows["ticker"] == t]
            yahoo_first = mine["date"].min()
            before = store.read_closes([t], end=_shift(yahoo_first, -1))[t].notna().sum()
            store.write(mine, source=yahoo.SOURCE, covered={t: (s, e)}, replace={t: (yahoo_first, e)},
                        on_change="replace")
            written[t] = len(mine)
            note = (f"{why}: fetched {yahoo_first} to {e} again and replaced the stored rows "
                    f"(old closes kept: `stress prices history {t}`)")
            if before:
                note += (f"; {before} stored rows before {yahoo_first} (which Yahoo did not "
                         "return) keep the older adjustment: re-import them or expect a jump there")
            notes.append(note)


# ---- helpers ---------------------------------------------------------------------------
def complete_through(now: datetime | None = None) -> str:
    """The last day whose session is complete: today (New York) from 18:00 New York time,
    else yesterday."""
    from zoneinfo import ZoneInfo

    ny = (now or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo("America/New_York"))
    day = ny.date() if ny.hour >= 18 else ny.date() - timedelta(days=1)
    return day.isoformat()


def _anchor(store: "PriceStore", t: str, s: str, e: str) -> tuple[str, float] | None:
    """The stored day next to the missing range [s, e] (the last before it, else the first
    after it) and its close."""
    before = store.read_closes([t], end=_shift(s, -1))[t].dropna()
    if len(before):
        return before.index[-1].strftime("%Y-%m-%d"), float(before.iloc[-1])
    after = store.read_closes([t], start=_shift(e, 1))[t].dropna()
    if len(after):
        return after.index[0].strftime("%Y-%m-%d"), float(after.iloc[0])
    return None


def _has_weekday(s: str, e: str) -> bool:
    a, b = date.fromisoformat(s), date.fromisoformat(e)
    return (b - a).days >= 2 or any((a + timedelta(days=i)).weekday() < 5 for i in range((b - a).days + 1))


def _rows(store: "PriceStore", tickers: list[str], written: dict[str, int]) -> list[dict]:
    order = {t: i for i, t in enumerate(tickers)}
    infos = sorted((i for i in store.info_for(tickers) if i.rows), key=lambda i: order[i.ticker])
    return [{**asdict(i), "new": written.get(i.ticker, 0)} for i in infos]


def _absent(store: "PriceStore", tickers: list[str]) -> list[str]:
    """The tickers the store has no price for."""
    have = {i.ticker for i in store.info_for(tickers) if i.rows}
    return [t for t in tickers if t not in have]


def _absent_message(absent: list[str], failed: dict[str, str], context: str | None) -> str:
    names = " ".join(absent)
    reasons = "; ".join(f"{t}: {failed[t]}" for t in absent if t in failed)
    head = f"{context}; " if context else ""
    tail = f" ({reasons})" if reasons else ""
    return (f"{head}no prices for {names} in the store{tail}; load CSV files with "
            f"`stress prices import PATH`")


def _empty_rows():
    import pandas as pd

    return pd.DataFrame(columns=["ticker", "date", "close"])


def _shift(day: str, n: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=n)).isoformat()


def _ticker(t: str) -> str:
    if not _TICKER.match(t):
        raise InputError(
            f"bad ticker {t!r}: use letters, digits, '.', '-', '=' or a leading '^' (e.g. VST, BRK-B, ^GSPC)"
        )
    return t
