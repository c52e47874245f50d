"""VaR/ES of a batch of books, every books-by-scenarios product chunk by chunk.

Inputs are arrays (the CLI values the books and reads the window): position values V
(P, N) over ``tickers``, daily returns X (T, N) of the normal window (complete rows),
their mean mu (N,) and covariance C (N, N), and optionally a scenario set (S, K).
Methods, each the empirical estimator of :mod:`stress.risk.measures` or its closed form:

* ``scenarios``: the set's rows as equally likely outcomes. A held ticker that is not a
  column of the set gets the conditional mean given the columns,
  r_u = C_us C_ss^-1 r_s (zero-mean conditioning, as the custom shocks), so the books'
  P&L is linear in the set's columns with weights V_s + V_u C_us C_ss^-1;
* ``historical``: the overlapping h-day sums of X (one scenario per window);
* ``normal``: mu_p = h V mu, sigma_p = sqrt(h V C V'), closed form;
* ``montecarlo``: h-day returns h mu + sqrt(h) L z, z from
  :class:`~stress.scenarios.sets.NormalDraws` (seeded, blockwise: the same draws
  whatever the chunking or engine).

The engine (in process: :func:`stress.risk.chunked.tail_var`; on Dask:
:class:`stress.scale.dask_engine.DaskEngine`) computes exact VaR/ES from per-chunk tails.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from stress.errors import InputError
from stress.risk.chunked import ALPHAS, CHUNK, Exposure, Plan, TailVar, plan, tail_var
from stress.risk.measures import overlapping_sums, portfolio_moments, var_es_normal
from stress.scenarios.sets import BLOCK, NormalDraws, ScenarioMatrix

METHODS = ("scenarios", "historical", "normal", "montecarlo")
Engine = Callable[..., TailVar]


@dataclass(frozen=True)
class BatchVar:
    """VaR/ES (positive losses, currency) per book: ``var[method][alpha]`` (P,) arrays."""

    names: tuple[str, ...]
    nav: np.ndarray
    var: dict
    es: dict
    n: dict
    horizon: int
    confidences: tuple[float, ...]
    notes: tuple[str, ...] = ()
    worst: dict = field(default_factory=dict)

    def to_frame(self):
        """One row per book and method: nav, n, VaR/ES per alpha (currency and % of NAV)."""
        import pandas as pd

        rows = []
        for m in self.var:
            for p, name in enumerate(self.names):
                row = {"book": name, "method": m, "nav": float(self.nav[p]), "n": self.n[m]}
                for a in self.confidences:
                    row[f"var_{a:g}"] = float(self.var[m][a][p])
                    row[f"es_{a:g}"] = float(self.es[m][a][p])
                    row[f"var_{a:g}_pct"] = float(self.var[m][a][p] / self.nav[p])
                    row[f"es_{a:g}_pct"] = float(self.es[m][a][p] / self.nav[p])
                rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        return {
            "horizon": self.horizon, "confidences": list(self.confidences), "n": dict(self.n),
            "notes": list(self.notes),
            "books": [
                {"book": name, "nav": float(self.nav[p]),
                 "var": {m: {str(a): float(self.var[m][a][p]) for a in self.confidences}
                         for m in self.var},
                 "es": {m: {str(a): float(self.es[m][a][p]) for a in self.confidences}
                        for m in self.var},
                 **({"worst_scenario": self.worst["scenario"][p],
                     "worst_loss": float(self.worst["loss"][p])} if self.worst else {})}
                for p, name in enumerate(self.names)
            ],
        }


def set_exposure(values: np.ndarray, tickers: Sequence[str], scenarios: ScenarioMatrix,
                 cov: np.ndarray | None = None) -> tuple[Exposure, tuple[str, ...]]:
    """Books as weights on the set's columns, ``values @ set_asset_map(...)`` (see the
    module doc); and the propagated tickers."""
    amap, missing = set_asset_map(tickers, scenarios, cov)
    return Exposure(values @ amap, np.zeros(values.shape[0]), 1.0), missing


def set_asset_map(tickers: Sequence[str], scenarios: ScenarioMatrix,
                  cov: np.ndarray | None = None) -> tuple[np.ndarray, tuple[str, ...]]:
    """A (N, K) map A with r = A x: the returns of the N held ``tickers`` given a set row x
    over its K columns (a unit row for a column, C_us C_ss^-1 for a propagated ticker).

    ``cov`` (N', N') over ``tickers`` + any set column not held, in that order, as
    returned by :func:`union_tickers`; needed only when a held ticker is not a column."""
    cols = {t: j for j, t in enumerate(scenarios.columns)}
    amap = np.zeros((len(tickers), len(cols)))
    missing = [i for i, t in enumerate(tickers) if t not in cols]
    for i, t in enumerate(tickers):
        if t in cols:
            amap[i, cols[t]] = 1.0
    if missing:
        if cov is None:
            raise InputError("scenario set: held tickers " + " ".join(tickers[i] for i in missing)
                             + " are not columns, and no covariance was given to propagate them")
        from scipy.linalg import cho_factor, cho_solve

        allt = union_tickers(tickers, scenarios.columns)
        pos = {t: i for i, t in enumerate(allt)}
        s = [pos[c] for c in scenarios.columns]
        u = [pos[tickers[i]] for i in missing]
        c_ss = cov[np.ix_(s, s)]
        try:
            amap[missing] = cho_solve(cho_factor(c_ss), cov[np.ix_(s, u)]).T  # C_us C_ss^-1
        except np.linalg.LinAlgError:
            raise InputError("scenario set: the covariance of its columns is singular; drop "
                             "redundant columns or give every held ticker a column") from None
    return amap, tuple(tickers[i] for i in missing)


def set_contributions(values: np.ndarray, tickers: Sequence[str], scenarios: ScenarioMatrix,
                      cov: np.ndarray | None = None, alpha: float = 0.99,
                      chunk: int = CHUNK) -> np.ndarray:
    """ES contributions (P, N) of every position under the scenario set at ``alpha``, in
    currency, positive = adds to the loss; each row sums to the book's ES
    (:func:`stress.risk.chunked.es_contributions`). Two passes over the chunks: the tails,
    then the tail scenarios' returns."""
    from stress.risk.chunked import block_tail, es_contributions, merge_tails, tail_weights

    amap, _ = set_asset_map(tickers, scenarios, cov)
    p = plan(scenarios.n, values.shape[0], (alpha,), chunk)
    out = np.zeros(values.shape)
    for a, b in p.blocks:  # one book block at a time: memory as for VaR/ES
        v = values[a:b]
        expo = Exposure(v @ amap, np.zeros(b - a), 1.0)
        tail = None
        for bounds in p.chunks:
            t = block_tail(scenarios, expo, (0, b - a), bounds, p.m)
            tail = t if tail is None else merge_tails([tail, t], p.m)
        sel, w = tail_weights(*tail, scenarios.n, alpha)
        out[a:b] = es_contributions(scenarios, v, amap, np.zeros(len(tickers)), sel, w, p)
    return out


def union_tickers(tickers: Sequence[str], columns: Sequence[str]) -> tuple[str, ...]:
    """``tickers`` then the columns not among them: the order ``cov`` is expected in."""
    return tuple(dict.fromkeys([*tickers, *columns]))


def mc_exposure(values: np.ndarray, mean: np.ndarray, cov: np.ndarray,
                horizon: float) -> Exposure:
    """Books on standard normals z: pnl = h V mu + sqrt(h) (V L) z, L L' = cov."""
    from stress.risk._checks import psd_factor

    factor = psd_factor(np.asarray(cov, dtype=float))
    return Exposure(values @ factor, horizon * (values @ mean), math.sqrt(horizon))


def batch_var(
    values: np.ndarray, tickers: Sequence[str], nav: np.ndarray, names: Sequence[str], *,
    window: np.ndarray, mean: np.ndarray, cov: np.ndarray,
    scenarios: ScenarioMatrix | None = None, set_cov: np.ndarray | None = None,
    methods: Sequence[str] = METHODS, confidences: Sequence[float] = ALPHAS, horizon: int = 1,
    n_sims: int = 50_000, seed: int = 0, chunk: int = CHUNK, engine: Engine = tail_var,
    check: Callable[[Plan, int, int], object] | None = None,
) -> BatchVar:
    """VaR/ES of every book by every method (see the module doc).

    values (P, N); window (T, N) daily returns; mean (N,), cov (N, N) of the window;
    scenarios (S, K) and ``set_cov`` over :func:`union_tickers` (for propagation);
    ``engine(source, exposure, plan, confidences)``; ``check(plan, K, rows_in_memory)`` runs
    before every chunked method (the size check)."""
    confidences = tuple(float(a) for a in confidences)
    var: dict = {}
    es: dict = {}
    n: dict = {}
    notes: list[str] = []
    worst: dict = {}
    n_books = values.shape[0]

    def run(method: str, source, expo: Exposure, align: int, held: int) -> TailVar:
        p = plan(source.n, n_books, confidences, chunk, align)
        if check is not None:
            check(p, expo.weights.shape[1], held)
        t = engine(source, expo, p, confidences)
        var[method], es[method], n[method] = t.var, t.es, source.n
        return t

    for method in methods:
        if method == "scenarios" and scenarios is not None:
            expo, propagated = set_exposure(values, tickers, scenarios, set_cov)
            if propagated:
                notes.append(f"scenario set: {len(propagated)} held ticker(s) not in the set, "
                             f"propagated from its columns: {' '.join(propagated)}")
            t = run("scenarios", scenarios, expo, 1, scenarios.n * len(scenarios.columns))
            worst = {"loss": t.worst,
                     "scenario": [scenarios.ids[i] if scenarios.ids else str(i + 1)
                                  for i in t.worst_index]}
        elif method == "historical":
            if window.shape[0] < horizon:
                raise InputError(f"--horizon {horizon}: longer than the {window.shape[0]} days "
                                 "of the window")
            sums = ScenarioMatrix(np.ascontiguousarray(overlapping_sums(window, horizon)),
                                  tuple(tickers))
            run("historical", sums, Exposure(values, np.zeros(n_books), 1.0), 1, sums.n * len(tickers))
        elif method == "normal":
            mu, sigma = portfolio_moments(values, mean, cov, horizon)
            var["normal"], es["normal"], n["normal"] = {}, {}, 0
            for a in confidences:
                var["normal"][a], es["normal"][a] = var_es_normal(mu, sigma, a)
        elif method == "montecarlo":
            if n_sims < 2:
                raise InputError(f"--sims {n_sims}: at least 2 draws")
            draws = NormalDraws(int(n_sims), len(tickers), int(seed))
            run("montecarlo", draws, mc_exposure(values, mean, cov, horizon), BLOCK, 0)
    return BatchVar(tuple(names), np.asarray(nav, dtype=float), var, es, n, int(horizon), confidences,
                    tuple(notes), worst)
