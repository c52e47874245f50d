"""What every command shares: settings, the store, one-line errors, warnings, output."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import click

from stress.errors import StressError


class CliError(click.ClickException):
    """One line on stderr, ``error: ...``, and the given exit code."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:  # noqa: D401
        click.echo(f"error: {self.format_message()}", err=True)


class Progress:
    """Progress of long work on stderr: one line rewritten in place, shown only when
    stderr is a terminal and ``--quiet`` is off; silent otherwise (pipes, CI, files)."""

    def __init__(self, enabled: bool):
        import time

        self.enabled = enabled
        self._t0 = time.monotonic()
        self._shown = False

    def step(self, text: str) -> None:
        """A stage of the work, e.g. "event study: 45 assets"."""
        if self.enabled:
            import time

            click.echo(f"\r\033[K{text} ({time.monotonic() - self._t0:.1f} s)", err=True, nl=False)
            self._shown = True

    def count(self, label: str) -> Callable[[int, int], None]:
        """A callback ``(done, total)`` that shows "label done/total"."""
        return lambda done, total: self.step(f"{label} {done}/{total}")

    def clear(self) -> None:
        """Erase the progress line before the command's output and warnings."""
        if self._shown:
            click.echo("\r\033[K", err=True, nl=False)
            self._shown = False


@dataclass
class Settings:
    offline: bool = False
    debug: bool = False
    quiet: bool = False
    _store: Any = field(default=None, repr=False)
    _configs: Any = field(default=None, repr=False)
    _progress: Any = field(default=None, repr=False)

    def progress(self) -> Progress:
        """The command's progress line (stderr, terminals only, off with --quiet)."""
        if self._progress is None:
            self._progress = Progress(not self.quiet and _is_terminal(sys.stderr))
        return self._progress

    def store(self):
        """The price store in the data directory, opened once per command."""
        if self._store is None:
            from stress.data.store import PriceStore
            from stress.paths import store_path

            self._store = PriceStore(store_path())
        return self._store

    def fetcher(self):
        """The network fetcher, or None when offline."""
        if self.offline:
            return None
        from stress.data.yahoo import fetch_into_store

        return fetch_into_store

    def source(self):
        """The one prices source of the command: the store, and the fetcher when online."""
        from stress.market import PriceSource

        return PriceSource(self.store(), self.offline, self.fetcher())

    def configs(self):
        """The universe, event and scenario catalogues, read once per command."""
        if self._configs is None:
            from stress.config import load_configs

            self._configs = load_configs()
        return self._configs


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no stream, or a closed one
        return False


def run_guarded(ctx: click.Context, call: Callable[[], Any]) -> Any:
    """Run a command; turn library errors into one-line CLI errors (unless --debug)."""
    try:
        return call()
    except click.exceptions.NoArgsIsHelpError:
        raise
    except click.UsageError as exc:  # click's usage errors: one line too, exit 2
        raise usage_line(exc) from None
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise
    except StressError as exc:
        if _debug(ctx):
            raise
        raise CliError(str(exc), exc.exit_code) from None
    except KeyboardInterrupt:
        raise click.Abort() from None
    except BrokenPipeError:  # output piped into `head`: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise click.exceptions.Exit(0) from None
    except OSError as exc:  # the environment: a full disk, stdout to /dev/full, a bad path
        if _debug(ctx):
            raise
        raise CliError(os_error_line(exc), 1) from None
    except Exception as exc:  # an internal error: still one line, unless --debug
        if _debug(ctx):
            raise
        raise CliError(
            f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
            1,
        ) from None


def os_error_line(exc: OSError) -> str:
    """An OSError the library did not catch as one line naming the path (standard output
    when it has none: e.g. stdout redirected to /dev/full) and the cause."""
    import os

    from stress.atomic import fault

    where = exc.filename or "standard output"
    if exc.filename is None:  # output failed: later flushes at exit would fail again
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
    return str(fault(where, exc))


def usage_line(exc: click.UsageError) -> CliError:
    """A click usage error (bad option, missing argument, bad value) as one line, exit 2,
    pointing to the command's help."""
    msg = " ".join(exc.format_message().split()).rstrip(".")
    where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
    return CliError(f"{msg}{where}", 2)


def _debug(ctx: click.Context) -> bool:
    obj = ctx.find_root().obj
    return bool(getattr(obj, "debug", False))


def settings(ctx: click.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings()


def warn(message: str) -> None:
    """A warning: one line on stderr (after erasing a progress line)."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    if isinstance(obj, Settings) and obj._progress is not None:
        obj._progress.clear()
    click.echo(f"warning: {message}", err=True)


def echo_json(payload: Any) -> None:
    """Print JSON to stdout (NaN becomes null: JSON has no NaN)."""
    click.echo(json.dumps(_clean(payload), indent=2, allow_nan=False))


def _clean(obj: Any) -> Any:
    if isinstance(obj, float):
        return None if obj != obj or obj in (float("inf"), float("-inf")) else obj
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalars
        return _clean(obj.item())
    return obj


def parse_window(text: str, option: str = "--window") -> tuple[int, int]:
    """``"a,b"`` (trading days relative to day 0) to a pair of ints, a <= b."""
    try:
        a, b = (int(x) for x in text.replace(" ", "").split(","))
    except ValueError:
        raise CliError(f"{option} {text!r}: expected two integers 'a,b', e.g. -1,1", 2) from None
    if a > b:
        raise CliError(f"{option} {text!r}: start {a} is after end {b}", 2)
    return a, b


def print_table(rows: list[dict[str, Any]], columns: list[str] | None = None, file=None) -> None:
    """A plain aligned text table."""
    if not rows:
        return
    columns = columns or list(rows[0])
    cells = [[_fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    out = file or sys.stdout
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths))
    click.echo(line.rstrip(), file=out)
    for row in cells:
        click.echo(
            "  ".join(v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(row, widths)).rstrip(),
            file=out,
        )


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return "-" if v != v else f"{v:.4g}" if abs(v) >= 1e4 or (v != 0 and abs(v) < 1e-3) else f"{v:.4f}"
    return str(v)


def _numeric(s: str) -> bool:
    try:
        float(s.rstrip("%"))
        return True
    except ValueError:
        return False
