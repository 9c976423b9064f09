"""The regularization path: λ_max exactly, breakpoints against an independent dense sweep."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from exactrelu.cones import project_many
from exactrelu.path import lam_max, path, plot_path, structure_of, with_lam
from exactrelu.problem import Problem

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
    above = with_lam(problem, hi * Fraction(1001, 1000)).solve()
    assert above.network.width == 0 and above.gap == 0
    ys = [Fraction(v) for v in y]
    if output_bias:
        ys = [v - sum(ys) / len(ys) for v in ys]
    assert above.optimum == problem.to_scale(sum(v * v for v in ys) / 2)
    below = with_lam(problem, lo * Fraction(99, 100)).solve()
    assert below.network.width > 0
    assert below.objective_upper < problem.to_scale(sum(v * v for v in ys) / 2)


def test_path_breakpoints_match_dense_sweep(tmp_path):
    problem = Problem(LINE_X, LINE_Y, 1, bias=True, output_bias=True)
    grid = [Fraction(k, 5) for k in range(1, 10)]
    result = path(problem, grid, max_solves=150)
    assert result.solves_used <= 150
    brackets = [(b.lam_lo, b.lam_hi) for b in result.breakpoints]
    assert brackets and all(b.resolved for b in result.breakpoints)
    for lo, hi in brackets:
        assert hi - lo <= Fraction(1, 10**4) * hi
    # independent dense sweep: fresh problems, plain solves
    dense = [Fraction(k, 100) for k in range(20, 181)]
    structures = [
        structure_of(Problem(LINE_X, LINE_Y, lam, bias=True, output_bias=True).solve())
        for lam in dense
    ]
    changes = [
        (dense[i], dense[i + 1])
        for i in range(len(dense) - 1)
        if structures[i] != structures[i + 1]
    ]
    inside = [(lo, hi) for lo, hi in brackets if dense[0] <= lo and hi <= dense[-1]]
    # every dense change contains a bracket and every bracket lies in a dense change
    for a, b in changes:
        assert any(a <= lo and hi <= b for lo, hi in inside), (a, b)
    for lo, hi in inside:
        assert any(a <= lo and hi <= b for a, b in changes), (lo, hi)
    assert len(changes) == len(inside)
    # λ_max is a breakpoint, and the solution is zero above it
    top = lam_max(problem)
    assert any(lo * lo <= top.squared <= hi * hi for lo, hi in brackets)
    assert result.intervals[-1].verdict == "zero"
    assert all(i.verdict == "sampled" for i in result.intervals[:-1])

    out = result.to_json()
    for key in ("lam_max", "points", "breakpoints", "intervals", "solves_used"):
        assert key in out
    for point in out["points"]:
        for key in ("lam", "objective_upper", "objective_lower", "active_neurons", "status"):
            assert key in point
    assert {"lam_lo", "lam_hi"} <= set(out["breakpoints"][0])
    assert {"lam_lo", "lam_hi", "verdict"} <= set(out["intervals"][0])
    json.dumps(out)
    for point in result.points:
        assert Fraction(point.to_json()["objective_lower"]) <= point.objective_upper
        if point.status == "exact":
            assert point.solution.optimum is not None

    png = tmp_path / "path.png"
    plot_path(result, png)
    assert png.stat().st_size > 0


def test_path_from_data_and_factory_agree():
    grid = [Fraction(1, 2), Fraction(1), Fraction(3, 2)]
    from_data = path(LINE_X, grid, LINE_Y, bias=True, output_bias=True, max_solves=3)
    from_factory = path(
        lambda lam: Problem(LINE_X, LINE_Y, lam, bias=True, output_bias=True), grid, max_solves=3
    )
    assert from_data.solves_used == from_factory.solves_used == 3
    assert [p.structure for p in from_data.points] == [p.structure for p in from_factory.points]
    assert from_data.breakpoints
    assert not any(b.resolved for b in from_data.breakpoints)  # budget exhausted: unresolved
