"""The library's errors. The CLI turns each into one line on stderr and an exit code."""

from __future__ import annotations


class StressError(Exception):
    """A failure the user can act on. ``exit_code`` 1: the run failed."""

    exit_code = 1


class InputError(StressError):
    """Bad input or usage (a file, a ticker, a date, an option). Exit code 2.

    The message says what is wrong and where: file and line, ticker, date.
    """

    exit_code = 2


class DataError(StressError):
    """Data that should be there is not (no prices, a failed download). Exit code 1."""

    exit_code = 1


class NetworkError(DataError):
    """The network could not be reached or refused the request."""


class StoreConflict(InputError):
    """A write would change prices already in the store and was not allowed to.

    ``lines``: one line per ticker saying how many stored days would change and the
    largest relative change. Nothing was written. Exit code 2.
    """

    def __init__(self, message: str, lines: tuple[str, ...] = ()):
        super().__init__(message)
        self.lines = tuple(lines)


class EnvironmentFault(StressError):
    """The environment failed: a corrupt or locked store, a full disk, a path that cannot
    be written. The message names the path and the cause. Exit code 1."""

    exit_code = 1


class UnknownTickers(InputError, DataError):
    """Tickers with no prices at all in the store (misspelt, never fetched or imported).
    Bad input, exit code 2 (also a :class:`DataError`: data that is not there).
    ``tickers``: all of them; the message names them, capped with "and N more"."""

    def __init__(self, message: str, tickers: tuple[str, ...] = ()):
        super().__init__(message)
        self.tickers = tuple(tickers)
