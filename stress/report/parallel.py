"""The report on two cores: work that nothing else waits for runs in forked worker
processes while the parent goes on. :mod:`stress.report.build` forks the backtests
(they need only the market data, the configs and the books) before the event study,
and the matplotlib charts of the evidence pages, in two batches
(:func:`stress.report.chart_forms.chart_batches`), before it joins the backtests; the layout
then waits for them.

A worker runs the very same function on the same objects (inherited by the fork, never
pickled on the way in) and sends back its pickled result, so the report is byte for byte
what a serial run writes. With no safe ``fork`` start method, one usable core, or
``$STRESS_THREADS=1`` nothing is started and the work runs in the parent as before; a
worker that fails sends nothing and the caller does the work itself, so any error
surfaces there with its usual message.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence


def can_fork() -> bool:
    """Workers are worth starting: the ``fork`` start method exists (and is safe: not on
    macOS, whose system frameworks may not survive a fork) and
    :func:`stress.eventstudy.batch.default_threads` (``$STRESS_THREADS``, else
    min(2, usable cores)) allows two."""
    import multiprocessing
    import sys

    from stress.eventstudy.batch import default_threads

    return (sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods()
            and default_threads() >= 2)


class Forked:
    """``fn(*args)`` running in a forked worker; :meth:`result` waits for it."""

    def __init__(self, fn: Callable[..., Any], *args: Any, name: str = "stress-report-worker"):
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_work, args=(send, fn, args), daemon=True, name=name)
        self._proc.start()
        send.close()
        self._value: tuple | None = None
        self._done = False

    def result(self) -> tuple | None:
        """Wait for the worker: ``(value,)``, or None if it failed."""
        if not self._done:
            import pickle

            self._done = True
            try:
                data = self._recv.recv_bytes()
            except (EOFError, OSError):
                data = b""
            self._recv.close()
            self._proc.join()
            if data and self._proc.exitcode == 0:
                try:
                    self._value = (pickle.loads(data),)
                except Exception:
                    self._value = None
        return self._value

    def close(self) -> None:
        """Stop a worker whose result is no longer wanted."""
        if not self._done:
            self._done = True
            self._proc.terminate()
            self._proc.join()
            self._recv.close()

    def __del__(self):  # a report built but never written: no worker left behind
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass


class ChartJob(Forked):
    """:func:`stress.report.chart_forms.charts_pdf` of exactly these ``charts`` (the same
    objects, in order) at ``width_in`` inches, in a worker: :meth:`pdf` gives its bytes
    or None."""

    def __init__(self, charts: Sequence, width_in: float):
        from stress.report.chart_forms import charts_pdf

        self.charts = tuple(charts)
        self.width_in = width_in
        super().__init__(charts_pdf, self.charts, width_in, name="stress-report-charts")

    def pdf(self) -> bytes | None:
        got = self.result()
        return got[0] if got else None


def start(fn: Callable[..., Any], *args: Any) -> Forked | None:
    """``fn(*args)`` in a forked worker, or None when :func:`can_fork` says no."""
    return Forked(fn, *args) if can_fork() else None


def start_charts(charts: Sequence, width_in: float) -> ChartJob | None:
    """Start rendering ``charts`` (``width_in`` inches wide) in a forked worker, or None
    when there are none or :func:`can_fork` says no. matplotlib is imported here first,
    once, so the workers inherit it instead of each importing it again."""
    if not charts or not can_fork():
        return None
    import matplotlib.backends.backend_pdf  # noqa: F401
    import matplotlib.figure  # noqa: F401

    return ChartJob(charts, width_in)


def _work(send, fn, args) -> None:
    import pickle

    try:
        data = pickle.dumps(fn(*args), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:  # the parent does the work again and reports the error itself
        data = b""
    send.send_bytes(data)
    send.close()
