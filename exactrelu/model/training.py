"""A small non-convex trainer for two-layer ReLU networks (docs/theory.md §1, §9), in float64.

This is the ``numeric`` side of the project: it produces networks to certify (docs/theory.md §9:
every Clarke stationary point has balanced neurons and is optimal for the sub-sampled convex program
of its own patterns).  The result is returned as an exact :class:`~exactrelu.model.network.Network`
(floats converted exactly), so everything computed from it afterwards is exact *for those
weights*; the training itself is plain floating point.

Objective (sum scale, as :func:`exactrelu.model.network.objective`):
``½‖f(X) − y‖² + (λ/2)(‖W1‖² + ‖w2‖²)``, the output bias (if any) unregularized.  The ReLU
subgradient at 0 is taken as 0.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from scipy.optimize import minimize

from exactrelu.data.io import Dataset, as_dataset
from exactrelu.errors import ExactReluInputError
from exactrelu.exact.rationals import to_fraction
from exactrelu.model.network import Network
from exactrelu.model.network_io import network_from_arrays

METHODS = ("lbfgs", "gd")


class TrainingObjective:
    """The float training objective: the data, the packing of ``(W1, w2, b)`` into one vector,
    the objective's value and gradient, and a seeded initial point."""

    def __init__(
        self, X: np.ndarray, y: np.ndarray, lam: float, width: int, bias: bool, output_bias: bool
    ) -> None:
        self.Xt = np.hstack([X, np.ones((len(X), 1))]) if bias else X
        self.y, self.lam, self.m, self.output_bias = y, lam, width, output_bias
        self.D = self.Xt.shape[1]

    def unpack(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        md = self.m * self.D
        W1 = theta[:md].reshape(self.m, self.D)
        w2 = theta[md : md + self.m]
        b = float(theta[-1]) if self.output_bias else 0.0
        return W1, w2, b

    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        W1, w2, b = self.unpack(theta)
        Z = self.Xt @ W1.T
        active = Z > 0  # subgradient of ReLU at 0 taken as 0
        A = np.where(active, Z, 0.0)
        r = A @ w2 + b - self.y
        value = 0.5 * r @ r + 0.5 * self.lam * (np.sum(W1 * W1) + w2 @ w2)
        grad_W1 = ((r[:, None] * active) * w2[None, :]).T @ self.Xt + self.lam * W1
        grad_w2 = A.T @ r + self.lam * w2
        parts = [grad_W1.ravel(), grad_w2]
        if self.output_bias:
            parts.append(np.array([r.sum()]))
        return float(value), np.concatenate(parts)

    def initial(self, seed: int) -> np.ndarray:
        """He-like initialization: ``W1 ~ N(0, 2/D)``, ``w2 ~ N(0, 1/m)``, output bias mean(y)."""
        rng = np.random.default_rng(seed)
        W1 = rng.standard_normal((self.m, self.D)) * np.sqrt(2.0 / self.D)
        w2 = rng.standard_normal(self.m) * np.sqrt(1.0 / self.m)
        parts = [W1.ravel(), w2]
        if self.output_bias:
            parts.append(np.array([self.y.mean()]))
        return np.concatenate(parts)


def _float_data(X: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    """Validated float64 copies of X (n × d) and y (n); exact inputs are rounded to float."""
    if isinstance(X, Dataset):
        if y is None:
            y = X.y
        X = X.X
    if y is None:
        raise ExactReluInputError("no target y given")
    if isinstance(X, np.ndarray) and X.dtype.kind in "iuf" and isinstance(y, np.ndarray):
        Xf, yf = X.astype(np.float64), y.astype(np.float64)
        if Xf.ndim != 2 or yf.ndim != 1 or len(Xf) != len(yf) or Xf.size == 0:
            raise ExactReluInputError(f"X must be n×d and y of length n, got {X.shape}, {y.shape}")
    else:
        data = as_dataset(X, y)
        Xf = np.array([[float(v) for v in row] for row in data.X])
        yf = np.array([float(v) for v in data.y])  # type: ignore[union-attr]
    if not (np.all(np.isfinite(Xf)) and np.all(np.isfinite(yf))):
        raise ExactReluInputError("the data has non-finite values")
    return Xf, yf


def _check_options(lam: object, width: int, steps: int, method: str) -> float:
    lam_value = to_fraction(lam, "lam")
    if lam_value < 0:
        raise ExactReluInputError(f"lam must be >= 0, got {lam}")
    if not isinstance(width, int) or width < 1:
        raise ExactReluInputError(f"width must be a positive integer, got {width!r}")
    if steps < 0:
        raise ExactReluInputError(f"steps must be >= 0, got {steps}")
    if method not in METHODS:
        raise ExactReluInputError(f"method must be one of {METHODS}, got {method!r}")
    return float(lam_value)


def _gradient_descent(problem: TrainingObjective, theta: np.ndarray, steps: int) -> np.ndarray:
    """Full-batch gradient descent with Armijo backtracking (monotone, deterministic)."""
    step = 1.0
    value, grad = problem.value_and_grad(theta)
    for _ in range(steps):
        norm2 = grad @ grad
        if norm2 == 0.0:
            break
        while step > 1e-20:
            candidate = theta - step * grad
            new_value, new_grad = problem.value_and_grad(candidate)
            if new_value <= value - 0.5 * step * norm2:
                theta, value, grad = candidate, new_value, new_grad
                step *= 2.0
                break
            step *= 0.5
        else:
            break
    return theta


def train(
    X: object,
    y: object,
    lam: object,
    width: int,
    *,
    bias: bool = False,
    output_bias: bool = False,
    seed: int = 0,
    steps: int = 1000,
    method: str = "lbfgs",
) -> Network:
    """Train a width-``width`` ReLU network from a seeded random start; return it exactly.

    ``method="lbfgs"``: scipy's L-BFGS-B on the flattened weights, at most ``steps`` iterations;
    ``method="gd"``: ``steps`` iterations of gradient descent with backtracking.  ``steps=0``
    returns the initial network.  Deterministic given the seed.  ``lam`` is on the sum scale.
    """
    lam_f = _check_options(lam, width, steps, method)
    Xf, yf = _float_data(X, y)
    problem = TrainingObjective(Xf, yf, lam_f, width, bias, output_bias)
    theta = problem.initial(seed)
    if steps > 0 and method == "lbfgs":
        result = minimize(
            problem.value_and_grad,
            theta,
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": steps, "maxfun": 2 * steps, "ftol": 1e-12, "gtol": 1e-9},
        )
        theta = result.x
    elif steps > 0:
        theta = _gradient_descent(problem, theta, steps)
    W1, w2, b = problem.unpack(theta)
    return network_from_arrays(W1, w2, bias=bias, output_bias=b if output_bias else None)


def train_many(
    X: object, y: object, lam: object, width: int, *, seeds: Iterable[int] = range(5), **options
) -> list[Network]:
    """:func:`train` from several seeds (same options), in the order of ``seeds``."""
    return [train(X, y, lam, width, seed=seed, **options) for seed in seeds]
