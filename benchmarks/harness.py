"""Timing, result rows and the table the benchmark runner prints.

Times are wall-clock seconds from :func:`time.perf_counter` inside this process (or
around a whole subprocess for the CLI benchmarks): one warm-up call of each path, then
:func:`interleave` alternates the paths (A B A B ..., at least 5 samples each), so a
burst of load on a shared machine hits both sides; a ratio is reported as the median,
min and max of the per-round ratios.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable


class NotAvailable(Exception):
    """The library API a benchmark needs is not there (yet); the row says so."""


@dataclass(frozen=True)
class Timing:
    median: float  # seconds
    runs: tuple[float, ...]
    result: Any  # what the last call returned, for the agreement check


#: set by ``run.py --profile``: profile one more call of every "ours" path (to stderr)
PROFILE = False


def measure(fn: Callable[[], Any], repeats: int = 5, warmup: int = 1,
            budget: float | None = None, ours: bool = False) -> Timing:
    """Median wall-clock seconds of ``fn()`` over ``repeats`` calls after ``warmup`` calls.

    ``budget``: stop repeating once the timed calls took this many seconds in total (at
    least one call is timed); for slow paths of several seconds. ``ours``: the fast path
    (profiled once more with cProfile when :data:`PROFILE` is set)."""
    result = None
    for _ in range(warmup):
        result = fn()
    runs: list[float] = []
    for _ in range(max(repeats, 1)):
        t0 = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t0)
        if budget is not None and sum(runs) >= budget:
            break
    if ours and PROFILE:
        _profile(fn)
    return Timing(statistics.median(runs), tuple(runs), result)


def interleave(fns: dict[str, Callable[[], Any]], samples: int = 5, warmup: int = 1,
               ours: str | None = None) -> dict[str, Timing]:
    """Time every path of ``fns`` {name: fn} ``samples`` times in rounds, each round
    calling every path once in the given order (A B A B ...), after ``warmup`` calls of
    each. Returns {name: Timing}; ``runs[i]`` of two paths are from the same round."""
    results: dict[str, Any] = {}
    for name, fn in fns.items():
        for _ in range(warmup):
            results[name] = fn()
    runs: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(max(samples, 1)):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            results[name] = fn()
            runs[name].append(time.perf_counter() - t0)
    if ours is not None and PROFILE:
        _profile(fns[ours])
    return {name: Timing(statistics.median(r), tuple(r), results[name]) for name, r in runs.items()}


def ratios(num: Timing, den: Timing) -> tuple[float, ...]:
    """Per-round ratios num / den of two paths timed by :func:`interleave`."""
    return tuple(a / b for a, b in zip(num.runs, den.runs) if b > 0)


def _profile(fn: Callable[[], Any], top: int = 18) -> None:
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    prof.runcall(fn)
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    eprint(buf.getvalue())


@dataclass
class Row:
    """One benchmark: sizes, medians of ours and of the slow way, the target, notes.

    ``max_seconds``/``min_ratio``: the target (None = no such part). ``agree``: "ok" once
    the fast and slow numbers were checked equal, "FAIL: ..." if not, "n/a" when nothing
    ran.
    """

    name: str
    size: str
    ours: float | None = None
    slow: float | None = None
    slow_label: str = ""
    max_seconds: float | None = None
    min_ratio: float | None = None
    max_ratio: float | None = None  # target on ours as a multiple of the reference
    per_round: tuple[float, ...] = ()  # per-round ratios (slow/ours, or ours/reference)
    stat: float | None = None  # a figure other than a ratio (e.g. an exponent), with its
    stat_name: str = ""  # name and upper target
    max_stat: float | None = None
    agree: str = "n/a"
    judge: bool = True  # False in --quick mode: sizes are not the target sizes
    notes: list[str] = field(default_factory=list)

    def record(self, fast: Timing, slow: Timing, note: str, multiple: bool = False) -> "Row":
        """The medians of ours (``fast``) and of the slow way (or reference), once their
        results were checked equal (agree "ok"), the per-round ratios (slow/ours, or
        ours/reference if ``multiple``) and the row's ``note``; returns the row."""
        self.ours, self.slow, self.agree = fast.median, slow.median, "ok"
        self.per_round = ratios(fast, slow) if multiple else ratios(slow, fast)
        self.notes.append(note)
        return self

    @property
    def ratio(self) -> float | None:
        if self.per_round:
            return statistics.median(self.per_round)
        if self.ours is None or self.slow is None or self.ours <= 0:
            return None
        if self.max_ratio is not None:
            return self.ours / self.slow
        return self.slow / self.ours

    @property
    def ratio_text(self) -> str:
        if self.stat is not None:
            return f"{self.stat_name} {self.stat:.2f}"
        r = self.ratio
        if r is None:
            return "-"
        if len(self.per_round) > 1:
            return f"{r:.2f}x [{min(self.per_round):.2f}-{max(self.per_round):.2f}]"
        return f"{r:.2f}x"

    @property
    def target(self) -> str:
        parts = []
        if self.max_seconds is not None:
            parts.append(f"< {self.max_seconds:g} s")
        if self.min_ratio is not None:
            parts.append(f">= {self.min_ratio:g}x")
        if self.max_ratio is not None:
            parts.append(f"<= {self.max_ratio:g}x")
        if self.max_stat is not None:
            parts.append(f"{self.stat_name} <= {self.max_stat:g}")
        return ", ".join(parts) or "-"

    @property
    def met(self) -> str:
        if self.ours is None:
            return "not available"
        if not self.agree.startswith("ok"):
            return "no (results differ)"
        if not self.judge:
            return "n/a (quick sizes)"
        if self.target == "-":
            return "-"
        gaps = []
        if self.max_seconds is not None and self.ours >= self.max_seconds:
            gaps.append(f"{self.ours / self.max_seconds:.1f}x over time")
        r = self.ratio
        if self.min_ratio is not None and (r is None or r < self.min_ratio):
            gaps.append(f"ratio {r:.1f} < {self.min_ratio:g}" if r is not None else "no ratio")
        if self.max_stat is not None and (self.stat is None or self.stat > self.max_stat):
            gaps.append(f"{self.stat_name} {self.stat:.2f} > {self.max_stat:g}" if self.stat is not None
                        else f"no {self.stat_name}")
        if self.max_ratio is not None and (r is None or r > self.max_ratio):
            gaps.append(f"ratio {r:.2f} > {self.max_ratio:g}" if r is not None else "no ratio")
        return "YES" if not gaps else "NO: " + "; ".join(gaps)


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.3f}" if x >= 0.01 else f"{x:.2g}"


def table(rows: list[Row]) -> str:
    """A Markdown table (readable on a terminal as is), then numbered notes."""
    head = ["benchmark", "size", "ours (s)", "reference (s)", "ratio median [min-max]", "target", "met?",
            "agree"]
    body = []
    notes: list[str] = []
    for r in rows:
        marks = []
        for n in r.notes:
            notes.append(n)
            marks.append(f"[{len(notes)}]")
        ratio = r.ratio_text
        body.append([r.name + (" " + "".join(marks) if marks else ""), r.size, _fmt_s(r.ours), _fmt_s(r.slow),
                     ratio, r.target, r.met, r.agree])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"

    out = [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(b) for b in body]
    if notes:
        out.append("")
        out += [f"[{i}] {n}" for i, n in enumerate(notes, 1)]
    return "\n".join(out)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for ln in fh:
                if ln.startswith("model name"):
                    return ln.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    """One line describing where the numbers were measured."""
    from importlib.metadata import PackageNotFoundError, version

    def ver(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:  # pragma: no cover
            return "?"

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count()
    return (f"machine: {usable} usable cores (nproc), CPU {cpu_model()}, "
            f"Python {platform.python_version()}, numpy {ver('numpy')}, pandas {ver('pandas')}, "
            f"statsmodels {ver('statsmodels')}, "
            f"{platform.system()} {platform.release()}")


def eprint(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)
