"""The PDF's creation date: ``--fixed-date`` for reproducible output (the document
itself is laid out by :mod:`stress.report.doc`)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from stress.errors import InputError


def parse_fixed_date(text: str | None) -> datetime | None:
    """``YYYY-MM-DD`` to midnight UTC; None stays None. InputError on a bad date."""
    if not text:
        return None
    try:
        d = date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--fixed-date {text!r}: expected a date YYYY-MM-DD") from None
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)
