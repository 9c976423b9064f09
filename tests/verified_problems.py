"""Problems of the verified path's tests (tests/optimum): rational data whose optimum is
irrational in general."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from exactrelu import Problem


def random_problem(n: int, d: int, lam, seed: int, **options) -> Problem:
    """Rational data (two decimals) with a noisy ReLU target: irrational optimum in general."""
    rng = np.random.default_rng(seed)
    X = [[Fraction(int(v), 100) for v in row] for row in rng.integers(-300, 300, size=(n, d))]
    w = rng.standard_normal(d)
    signal = np.maximum(np.array(X, dtype=float) @ w, 0) + 0.3 * rng.standard_normal(n)
    y = [Fraction(int(v), 100) for v in np.rint(100 * signal)]
    return Problem(X, y, lam, **options)
