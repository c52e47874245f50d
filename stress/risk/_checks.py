"""Input checks shared by the risk modules: one clear line per problem.

:class:`RiskInputError` is both a :class:`stress.errors.InputError` (the CLI prints it as
one line, exit 2) and a :class:`ValueError` (what numeric callers expect).
"""

from __future__ import annotations

import numpy as np

from stress.errors import InputError


class RiskInputError(InputError, ValueError):
    """Bad numeric input to a risk function (NaN, wrong shape, singular or non-PSD matrix)."""


def as_finite(x, name: str, ndim: tuple[int, ...]) -> np.ndarray:
    """``x`` as a float array with one of the allowed numbers of dimensions, all finite."""
    a = np.asarray(x, dtype=float)
    if a.ndim not in ndim:
        raise RiskInputError(f"{name}: expected {' or '.join(f'{d}-d' for d in ndim)} array, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        bad = np.argwhere(~np.isfinite(a))[0]
        raise RiskInputError(f"{name}: NaN or infinite value at index {tuple(int(i) for i in bad)} "
                             "(pass complete rows)")
    return a


def check_confidence(confidence: float) -> float:
    a = float(confidence)
    if not 0.0 < a < 1.0:
        raise RiskInputError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    return a


def check_horizon(horizon: float) -> float:
    h = float(horizon)
    if not (np.isfinite(h) and h > 0):
        raise RiskInputError(f"horizon must be a positive number of trading days, got {horizon!r}")
    return h


def as_cov(cov, name: str = "cov", n: int | None = None) -> np.ndarray:
    """A finite, square, symmetric (to 1e-8 relative) matrix, returned exactly symmetrised."""
    c = as_finite(cov, name, (2,))
    if c.shape[0] != c.shape[1]:
        raise RiskInputError(f"{name}: must be square, got shape {c.shape}")
    if n is not None and c.shape[0] != n:
        raise RiskInputError(f"{name}: expected shape ({n}, {n}), got {c.shape}")
    scale = max(float(np.max(np.abs(c))) if c.size else 0.0, np.finfo(float).tiny)
    if np.max(np.abs(c - c.T), initial=0.0) > 1e-8 * scale:
        raise RiskInputError(f"{name}: not symmetric")
    if np.any(np.diag(c) < 0):
        raise RiskInputError(f"{name}: negative variance on the diagonal at index {int(np.argmin(np.diag(c)))}")
    return (c + c.T) / 2.0


def psd_factor(cov: np.ndarray, name: str = "cov", tol: float = 1e-10) -> np.ndarray:
    """A factor L with L @ L.T == cov, shape (N, N).

    Cholesky when cov is positive definite; otherwise the eigen-decomposition with
    eigenvalues in [-tol * max_eig, 0) clipped to 0 (numerical noise of a PSD matrix).
    A clearly negative eigenvalue is an error, never silently clipped.
    """
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        pass
    w, q = np.linalg.eigh(cov)
    top = max(float(w[-1]), 0.0) if w.size else 0.0
    if w.size and w[0] < -tol * max(top, np.finfo(float).tiny):
        raise RiskInputError(f"{name}: not positive semi-definite (smallest eigenvalue {w[0]:.3g}, "
                             f"largest {top:.3g})")
    return q * np.sqrt(np.clip(w, 0.0, None))
