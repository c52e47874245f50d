"""The store's SQLite file as the environment sees it: a read-only connection, and one
line for every way SQLite can fail (locked, full, corrupt, unopenable)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection. A WAL store in a folder this process may not write has no
    shared-memory file to open; then read it as immutable (nobody can write it either)."""
    uri = path.resolve().as_uri()
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None)
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.Error:
        conn = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None)
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return conn


def store_fault(path: Path, exc: BaseException, doing: str, timeout: float) -> str:
    """One line for an SQLite failure on the store at ``path``: what and why."""
    text = str(exc)
    low = text.lower()
    if "locked" in low or "busy" in low:
        why = (f"the store is locked by another process writing to it (waited {timeout:g} s); "
               "try again when it has finished")
    elif "full" in low:
        why = "the disk is full (free some space and retry; nothing was written)"
    elif "malformed" in low or "not a database" in low or "corrupt" in low:
        why = (f"the store is corrupt ({text}); move it aside and import the prices again")
    elif "readonly" in low or "read-only" in low:
        why = "the store is read-only for this process"
    elif "unable to open" in low:
        why = f"cannot open the file ({text}): check that the folder exists and is accessible"
    else:
        why = text
    return f"{path}: cannot {doing} the price store: {why}"
