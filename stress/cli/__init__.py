"""The ``stress`` command line: a thin click layer over the library.

Subcommands live in their own modules and are imported only when used, so that
``stress --help`` does not import pandas or matplotlib. Every library error
(:class:`stress.errors.StressError`) becomes one line on stderr with its exit code
(2 bad input or usage, 1 other failures); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from stress import __version__
from stress.cli._common import Settings, run_guarded, usage_line

# name -> "module:attribute", loaded on first use
COMMANDS = {
    "prices": "stress.cli.prices:prices",
    "events": "stress.cli.events:events",
    "event-study": "stress.cli.eventstudy:event_study",
    "sensitivity": "stress.cli.sensitivity:sensitivity",
    "run": "stress.cli.run:run",
    "report": "stress.cli.report:report",
    "backtest": "stress.cli.backtest:backtest",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported when first needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [n for n in COMMANDS if self._load(n) is not None]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._load(name)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as exc:
            if exc.name == module:  # command not built yet
                return None
            raise

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as exc:  # e.g. `stress --bogus`: one line, exit 2
            raise usage_line(exc) from None

    def invoke(self, ctx: click.Context):
        return run_guarded(ctx, lambda: super(LazyGroup, self).invoke(ctx))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--offline",
    is_flag=True,
    default=lambda: os.environ.get("STRESS_OFFLINE", "") not in ("", "0"),
    help="Never touch the network; use the local store only (also STRESS_OFFLINE=1).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.option("--quiet", "-q", is_flag=True,
              help="No progress line on stderr for long work (shown only on a terminal anyway).")
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    default=None,
    help="Data directory holding the price store (default $STRESS_HOME or the user data dir).",
)
@click.version_option(__version__, prog_name="stress")
@click.pass_context
def cli(ctx: click.Context, offline: bool, debug: bool, quiet: bool, home: str | None) -> None:
    """Stress-test portfolios against AI-demand shocks.

    \b
    Start offline from CSV files:
      stress prices import ../shared/market-data/daily-close
      stress --offline event-study deepseek-r1 VST CEG TLN NRG
    """
    if home is not None:
        if not home.strip():
            from stress.cli._common import CliError

            raise CliError("--home '': empty path; name the data directory or leave the option out", 2)
        os.environ["STRESS_HOME"] = home
    ctx.obj = Settings(offline=offline, debug=debug, quiet=quiet)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    if sys.stdout is None:  # started with stdout closed (`stress ... >&-`): say so, exit 1
        sys.stderr.write("error: standard output is closed: nothing can be printed (redirect it "
                         "to a file or /dev/null)\n")
        raise SystemExit(1)
    single_threaded_blas()
    cli.main(args=argv if argv is not None else sys.argv[1:], prog_name="stress")


#: BLAS thread settings the command sets when the user has not (see single_threaded_blas).
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def single_threaded_blas() -> None:
    """One BLAS thread unless the user set a number: the commands multiply many small
    matrices (tens of assets), where BLAS threads add nothing and, on a machine whose
    cores are busy, spin: the report's rolling VaR backtest ran 5x slower per product on
    a loaded 2-core machine. Read by the BLAS library when numpy is first imported,
    which no command has done before this point."""
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")
