"""λ_max exactly (docs/theory.md §8): against a brute-force float maximum over the blocks, and the
zero solution above it."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from exactrelu.exact.cones import project_many
from exactrelu.program.problem import Problem
from exactrelu.tasks.lam_max import lam_max

LINE_X = [[0], [1], [2], [3], [4]]
LINE_Y = [3, 0, 2, -1, 4]


def brute_lam_max(problem: Problem) -> float:
    """max over every block of the float projection norm of Z_bᵀ y (y centred with a bias)."""
    X, y = problem.rows_float, problem.y_float
    if problem.output_bias:
        y = y - y.mean()
    blocks = problem.blocks
    best = 0.0
    for i, pattern in enumerate(blocks.patterns):
        c = X.T @ (pattern * y)
        rows = np.asarray(blocks.cone_rows[i])
        A = X[rows] * np.where(pattern[rows], 1.0, -1.0)[:, None]
        for s in blocks.signs:
            (v,), _ = project_many([A], (s * c)[None, :])
            best = max(best, float(np.linalg.norm(v)))
    return best / problem.n if problem.scale == "mean" else best


def test_lam_max_rational_case():
    problem = Problem([[3, 4]], [10], 1)
    top = lam_max(problem)
    assert top.exact and top.squared == 2500 and top.value == 50  # ‖Xᵀy‖ = ‖(30, 40)‖
    assert top.to_json()["value"] == "50"


@pytest.mark.parametrize(
    ("X", "y", "bias", "output_bias", "scale"),
    [
        (LINE_X, LINE_Y, True, True, "sum"),
        (LINE_X, LINE_Y, True, False, "mean"),
        ([[1, 2], [-1, 1], [2, -1], [0, 1], [1, 1]], [1, -2, 3, 1, 0], False, False, "sum"),
        ([[1, 2], [-1, 1], [2, -1], [0, 1]], [2, -1, 1, 3], True, True, "sum"),
    ],
)
def test_lam_max_matches_brute_force_and_zeroes_the_solution(X, y, bias, output_bias, scale):
    problem = Problem(X, y, 1, bias=bias, output_bias=output_bias, scale=scale)
    top = lam_max(problem)
    assert top.exact
    lo, hi = top.bracket()
    assert lo * lo <= top.squared <= hi * hi
    expected = brute_lam_max(problem)
    assert abs(float(hi) - expected) <= 1e-12 * expected
    above = problem.with_lam(hi * Fraction(1001, 1000)).solve()
    assert above.network.width == 0 and above.gap == 0
    ys = [Fraction(v) for v in y]
    if output_bias:
        ys = [v - sum(ys) / len(ys) for v in ys]
    assert above.optimum == problem.to_scale(sum(v * v for v in ys) / 2)
    below = problem.with_lam(lo * Fraction(99, 100)).solve()
    assert below.network.width > 0
    assert below.objective_upper < problem.to_scale(sum(v * v for v in ys) / 2)
