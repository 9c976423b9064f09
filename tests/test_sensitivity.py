"""Exact sensitivities (THEORY §8) against central finite differences of independent solves."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from exactrelu import Problem
from exactrelu.errors import ExactReluInputError
from exactrelu.optimal_set import optimal_set
from exactrelu.planted import planted
from exactrelu.sensitivity import sensitivity
from exactrelu.verified import verify_structure

H = Fraction(1, 10**6)


def _state(problem):
    """(r, [(sign, v, α, W1, w2)]) in floats, from an exact or a verified optimum."""
    solution = problem.solve()
    exact = solution.exact_optimum
    lam = float(problem.lam_sum)
    if exact is not None:
        neurons = [
            (
                nu.sign,
                np.array([float(v) for v in nu.direction]),
                float(nu.alpha),
                np.sqrt(float(nu.alpha) / lam) * np.array([float(v) for v in nu.direction]),
                nu.sign * np.sqrt(float(nu.alpha) * lam),
            )
            for nu in exact.neurons
            if nu.alpha > 0
        ]
        bias = None if exact.output_bias is None else float(exact.output_bias)
        return np.array([float(v) for v in exact.residual]), neurons, bias
    structure = verify_structure(problem, solution)
    assert structure is not None
    neurons = [
        (
            nu.sign,
            np.array([float(b) for b in nu.direction]),
            float(nu.alpha),
            np.array([float(b) for b in nu.W1]),
            float(nu.w2),
        )
        for nu in structure.neurons
    ]
    bias = None if structure.output_bias is None else float(structure.output_bias)
    return np.array([float(b) for b in structure.residual]), neurons, bias


def _match(neurons, sign, direction):
    candidates = [nu for nu in neurons if nu[0] == sign]
    return min(candidates, key=lambda nu: np.linalg.norm(nu[1] - direction))


def _compare_fd(instance_problem, make, sens, h=H):
    """Central differences of independent solves of make(+h), make(−h) vs the exact ``sens``."""
    os_ = optimal_set(instance_problem)
    r_plus, n_plus, b_plus = _state(make(h))
    r_minus, n_minus, b_minus = _state(make(-h))
    scale = float(2 * h)
    tol = 1e-6
    np.testing.assert_allclose(
        (r_plus - r_minus) / scale, [float(v) for v in sens.residual], atol=tol
    )
    assert len(n_plus) == len(n_minus) == len(os_.neurons)
    for i, nu in enumerate(os_.neurons):
        v = np.array([float(t) for t in nu.direction])
        plus, minus = _match(n_plus, nu.sign, v), _match(n_minus, nu.sign, v)
        assert abs((plus[2] - minus[2]) / scale - float(sens.alpha[i])) < tol
        np.testing.assert_allclose(
            (plus[1] - minus[1]) / scale, [float(t) for t in sens.directions[i]], atol=tol
        )
        np.testing.assert_allclose((plus[3] - minus[3]) / scale, sens.W1[i].floats(), atol=tol)
        assert abs((plus[4] - minus[4]) / scale - sens.w2[i].floats()[0]) < tol
    if sens.output_bias is not None:
        assert abs((b_plus - b_minus) / scale - float(sens.output_bias)) < tol


def test_single_point_by_hand():
    """X = [[3, 4]], y = [10], λ = 1: r = λ/5, α = y/(5λ) − 1/25 (THEORY §8)."""
    os_ = optimal_set(Problem([[3, 4]], [10], 1))
    s = sensitivity(os_)
    assert s.status == "exact"
    assert s.residual == (Fraction(1, 5),)
    assert s.alpha == (Fraction(-2),)  # −y/(5λ²)
    assert s.fit == (Fraction(-1, 5),)
    assert s.directions == ((Fraction(3, 5), Fraction(4, 5)),)
    # W1 = √(α/λ) v, α/λ = 2/λ² − 1/(25λ): d(α/λ)/dλ = −4 + 1/25 = −99/25 at λ = 1.
    w1 = s.W1[0]
    assert w1.radicand == Fraction(49, 25)
    # d√q/dλ = q'/(2√q) = √q · q'/(2q): the coefficient of v is q'/(2q) = −99/98.
    assert w1.coefficients == tuple(
        Fraction(-99, 98) * v + v for v in (Fraction(3, 5), Fraction(4, 5))
    )
    s_y = sensitivity(os_, "y", [1])
    assert s_y.residual == (Fraction(0),)
    assert s_y.alpha == (Fraction(1, 5),)  # dα/dy = 1/(5λ)
    assert s_y.fit == (Fraction(1),)
    assert s_y.w2[0].radicand == Fraction(49, 25)
    assert s_y.w2[0].coefficients == (Fraction(1, 2) * Fraction(1, 5) / Fraction(49, 25),)


def test_single_point_fd():
    problem = Problem([[3, 4]], [10], 1)
    os_ = optimal_set(problem)
    _compare_fd(problem, lambda h: Problem([[3, 4]], [10], 1 + h), sensitivity(os_))
    _compare_fd(problem, lambda h: Problem([[3, 4]], [10 + h], 1), sensitivity(os_, "y", [1]))


@pytest.mark.parametrize(
    "options",
    [
        {"seed": 0},
        {"seed": 1, "faces": 1},
        {"seed": 2, "output_bias": True},
        {"seed": 3, "bias": True, "d": 1, "n": 6},
    ],
)
def test_planted_lam_and_y_fd(options):
    inst = planted(**options)
    problem = inst.problem()
    os_ = optimal_set(problem)
    assert os_.status == "exact"

    def at(lam=inst.lam, y=inst.y):
        return Problem(
            [list(x) for x in inst.X], list(y), lam, bias=inst.bias, output_bias=inst.output_bias
        )

    _compare_fd(problem, lambda h: at(lam=inst.lam + h), sensitivity(os_, "lam"))
    rng = np.random.default_rng(5)
    dy = [Fraction(int(t), 4) for t in rng.integers(-4, 5, size=inst.n)]
    _compare_fd(
        problem,
        lambda h: at(y=[a + h * b for a, b in zip(inst.y, dy, strict=True)]),
        sensitivity(os_, "y", dy),
    )


def test_mean_scale_direction():
    """With scale="mean" the sum-scale λ = nλ moves n times as fast."""
    inst = planted(seed=0)
    os_sum = optimal_set(inst.problem())
    mean = Problem([list(x) for x in inst.X], list(inst.y), inst.lam / inst.n, scale="mean")
    os_mean = optimal_set(mean)
    a = sensitivity(os_sum, "lam", inst.n)
    b = sensitivity(os_mean, "lam", 1)
    assert a.residual == b.residual and a.alpha == b.alpha


def test_refuses_failed_conditions():
    with pytest.raises(ExactReluInputError, match="SCS"):
        sensitivity(optimal_set(Problem([[3, 4]], ["1/5"], 1)))
    with pytest.raises(ExactReluInputError, match="SCS"):
        sensitivity(optimal_set(Problem([[1, 0], [0, 1]], [2, 0], 1)))
    licq = Problem([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1]], [0, 0, 0, 2], 1)
    with pytest.raises(ExactReluInputError, match="LICQ"):
        sensitivity(optimal_set(licq))
    with pytest.raises(ExactReluInputError, match="independent"):
        sensitivity(optimal_set(planted(seed=1, dependent=True).problem()))
    os_ = optimal_set(Problem([[3, 4]], [10], 1))
    with pytest.raises(ExactReluInputError, match="wrt"):
        sensitivity(os_, "X")
    with pytest.raises(ExactReluInputError, match="direction"):
        sensitivity(os_, "y")
