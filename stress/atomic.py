"""Writing output files atomically, and checking before the work that they can be written.

:func:`atomic_path` gives a unique temporary name in the target's own folder
(``tempfile.mkstemp``: two runs writing the same target never share it), and on success
renames it over the target with ``os.replace`` (atomic on one file system), so the
target is always either the old file or the complete new one. On any exception, Ctrl-C
or SIGTERM the temporary file is removed. :func:`check_output_dir` and
:func:`check_output_file` try the folder before a long computation, so an unwritable
``--out`` fails in a second, not after the work.

Every failure is one :class:`EnvironmentFault` line naming the path and the cause.
"""

from __future__ import annotations

import errno
import os
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from stress.errors import EnvironmentFault


def fault(path: Path | str, exc: OSError, doing: str = "write") -> EnvironmentFault:
    """An OSError on ``path`` as one line: ``PATH: cannot write: disk full``."""
    if exc.errno == errno.ENOSPC:
        why = "the disk is full"
    elif exc.errno == errno.EROFS:
        why = "read-only file system"
    elif isinstance(exc, IsADirectoryError) or exc.errno == errno.EISDIR:
        why = "a folder is in the way"
    elif isinstance(exc, NotADirectoryError) or isinstance(exc, FileExistsError):
        why = "a file is in the way"
    else:
        why = exc.strerror or str(exc)
    return EnvironmentFault(f"{path}: cannot {doing}: {why}")


def check_output_dir(folder: Path | str) -> Path:
    """Create ``folder`` if needed and check a file can be created in it."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fault(folder, exc, "create the folder") from None
    if not folder.is_dir():
        raise EnvironmentFault(f"{folder}: cannot write: not a folder")
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".stress-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise fault(folder, exc, "write in the folder") from None
    return folder


def check_output_file(path: Path | str) -> Path:
    """Check ``path`` can be written: its folder (created if needed) takes a new file, and
    ``path`` is not a folder."""
    path = Path(path)
    if path.is_dir():
        raise EnvironmentFault(f"{path}: cannot write: a folder is in the way")
    check_output_dir(path.parent)
    return path


def check_output_names(folder: Path | str, names: list[str]) -> None:
    """Check none of ``folder``'s files ``names`` is a folder (they would not be replaced)."""
    for n in names:
        p = Path(folder) / n
        if p.is_dir():
            raise EnvironmentFault(f"{p}: cannot write: a folder is in the way")


@contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a unique temporary path beside ``path``; write it, and on leaving the block
    it replaces ``path``. On an exception, Ctrl-C or SIGTERM it is removed."""
    path = Path(path)
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual mode
        os.close(fd)
    except OSError as exc:
        raise fault(path.parent, exc, "write in the folder") from None
    tmp = Path(name)
    with _sigterm_raises():
        try:
            yield tmp
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise fault(path, exc) from None
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While the block runs (main thread only), SIGTERM raises SystemExit(143) so that
    ``finally`` and ``except`` clauses run and remove temporary files."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous not in (signal.SIG_DFL, None):
        yield  # someone else handles SIGTERM
        return

    def handler(signum, frame):  # noqa: ARG001
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
