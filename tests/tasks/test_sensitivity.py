"""Sensitivities (docs/theory.md §7–§8) against central finite differences of independent solves, by
hand, and exact against verified: λ, y and X (patterns held fixed), exact and verified optima."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from exactrelu import Problem
from exactrelu.cli import main
from exactrelu.errors import ExactReluInputError
from exactrelu.exact.balls import Ball
from exactrelu.optimum.optimal_set import VerifiedOptimalSet, optimal_set
from exactrelu.optimum.verified import verify, verify_structure
from exactrelu.tasks.sensitivity import Surd, sensitivity
from exactrelu.testing.planted import planted

H = Fraction(1, 10**6)


def _dot(a, b) -> Fraction:
    return sum((x * y for x, y in zip(a, b, strict=True)), Fraction(0))


def _state(problem):
    """(r, [(sign, v, α, W1, w2)], β, structure) in floats, from an exact or a verified optimum;
    the structure is the sorted (sign, face, active rows) of the neurons, decided exactly."""
    solution = problem.solve()
    exact = solution.exact_optimum
    lam = float(problem.lam_sum)
    if exact is not None:
        kept = [nu for nu in exact.neurons if nu.alpha > 0]
        neurons = [
            (
                nu.sign,
                np.array([float(v) for v in nu.direction]),
                float(nu.alpha),
                np.sqrt(float(nu.alpha) / lam) * np.array([float(v) for v in nu.direction]),
                nu.sign * np.sqrt(float(nu.alpha) * lam),
            )
            for nu in kept
        ]
        structure = []
        for nu in kept:
            values = [_dot(row, nu.direction) for row in problem.rows]
            face = tuple(k for k, t in enumerate(values) if t == 0 and any(problem.rows[k]))
            active = tuple(k for k, t in enumerate(values) if t > 0)
            structure.append((nu.sign, face, active))
        bias = None if exact.output_bias is None else float(exact.output_bias)
        residual = np.array([float(v) for v in exact.residual])
        return residual, neurons, bias, sorted(structure)
    verified = verify_structure(problem, solution)
    assert verified is not None
    neurons = [
        (
            nu.sign,
            np.array([float(b) for b in nu.direction]),
            float(nu.alpha),
            np.array([float(b) for b in nu.W1]),
            float(nu.w2),
        )
        for nu in verified.neurons
    ]
    structure = sorted((nu.sign, nu.face, nu.active) for nu in verified.neurons)
    bias = None if verified.output_bias is None else float(verified.output_bias)
    return np.array([float(b) for b in verified.residual]), neurons, bias, structure


def _match(neurons, sign, direction):
    candidates = [nu for nu in neurons if nu[0] == sign]
    return min(candidates, key=lambda nu: np.linalg.norm(nu[1] - direction))


def _floats(value) -> list[float]:
    """A derivative (Fractions, Balls, a Surd, a tuple of Balls) as floats."""
    if isinstance(value, Surd):
        return value.floats()
    return [float(v) for v in (value if isinstance(value, tuple) else (value,))]


def _compare_fd(instance_problem, make, sens, h=H):
    """Central differences of independent solves of make(+h), make(−h) vs ``sens``; the
    perturbed optima must have the structure (neurons, faces, patterns) of the original."""
    os_ = optimal_set(instance_problem)
    *_, structure = _state(instance_problem)
    r_plus, n_plus, b_plus, s_plus = _state(make(h))
    r_minus, n_minus, b_minus, s_minus = _state(make(-h))
    assert s_plus == s_minus == structure  # patterns held fixed
    scale = float(2 * h)
    tol = 1e-6
    np.testing.assert_allclose((r_plus - r_minus) / scale, _floats(sens.residual), atol=tol)
    assert len(n_plus) == len(n_minus) == len(os_.neurons)
    for i, nu in enumerate(os_.neurons):
        v = np.array([float(t) for t in nu.direction])
        plus, minus = _match(n_plus, nu.sign, v), _match(n_minus, nu.sign, v)
        assert abs((plus[2] - minus[2]) / scale - float(sens.alpha[i])) < tol
        np.testing.assert_allclose(
            (plus[1] - minus[1]) / scale, _floats(sens.directions[i]), atol=tol
        )
        np.testing.assert_allclose((plus[3] - minus[3]) / scale, _floats(sens.W1[i]), atol=tol)
        assert abs((plus[4] - minus[4]) / scale - _floats(sens.w2[i])[0]) < tol
    if sens.output_bias is not None:
        assert abs((b_plus - b_minus) / scale - float(sens.output_bias)) < tol


def _moved(X, direction, h):
    return [
        [a + h * b for a, b in zip(row, drow, strict=True)]
        for row, drow in zip(X, direction, strict=True)
    ]


def test_single_point_by_hand():
    """X = [[3, 4]], y = [10], λ = 1: r = λ/5, α = y/(5λ) − 1/25 (docs/theory.md §8)."""
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


def test_single_point_by_hand_wrt_X():
    """r = λ/‖x‖, α = y/(λ‖x‖) − 1/‖x‖², v = λx/‖x‖, f = λ‖x‖; δx = (1, 0) moves ‖x‖ by
    x·δx/‖x‖ = 3/5: ṙ = −3/125, α̇ = (−y/(λ‖x‖²) + 2/‖x‖³)·3/5 = −144/625,
    v̇ = λ(δx/‖x‖ − x (x·δx)/‖x‖³) = (16/125, −12/125), ḟ = 3/5, ŷ̇ = −ṙ."""
    s = sensitivity(optimal_set(Problem([[3, 4]], [10], 1)), "X", [[1, 0]])
    assert s.status == "exact" and s.direction == ((1, 0),)
    assert s.residual == (Fraction(-3, 125),)
    assert s.alpha == (Fraction(-144, 625),)
    assert s.directions == ((Fraction(16, 125), Fraction(-12, 125)),)
    assert s.neuron_fits == ((Fraction(3, 5),),)
    assert s.fit == (Fraction(3, 125),)


def test_single_point_fd():
    problem = Problem([[3, 4]], [10], 1)
    os_ = optimal_set(problem)
    _compare_fd(problem, lambda h: Problem([[3, 4]], [10], 1 + h), sensitivity(os_))
    _compare_fd(problem, lambda h: Problem([[3, 4]], [10 + h], 1), sensitivity(os_, "y", [1]))
    _compare_fd(
        problem, lambda h: Problem([[3 + h, 4 - 2 * h]], [10], 1), sensitivity(os_, "X", [[1, -2]])
    )


@pytest.mark.parametrize(
    "options",
    [
        {"seed": 0},
        {"seed": 1, "faces": 1},
        {"seed": 2, "output_bias": True},
        {"seed": 3, "bias": True, "d": 1, "n": 6},
    ],
)
def test_planted_fd(options):
    inst = planted(**options)
    problem = inst.problem()
    os_ = optimal_set(problem)
    assert os_.status == "exact"

    def at(lam=inst.lam, y=inst.y, X=inst.X):
        return Problem(
            [list(x) for x in X], list(y), lam, bias=inst.bias, output_bias=inst.output_bias
        )

    _compare_fd(problem, lambda h: at(lam=inst.lam + h), sensitivity(os_, "lam"))
    rng = np.random.default_rng(5)
    dy = [Fraction(int(t), 4) for t in rng.integers(-4, 5, size=inst.n)]
    _compare_fd(
        problem,
        lambda h: at(y=[a + h * b for a, b in zip(inst.y, dy, strict=True)]),
        sensitivity(os_, "y", dy),
    )
    dX = [[Fraction(int(t), 4) for t in row] for row in rng.integers(-4, 5, size=(inst.n, inst.d))]
    _compare_fd(problem, lambda h: at(X=_moved(inst.X, dX, h)), sensitivity(os_, "X", dX))


def test_face_row_moves_with_the_neuron():
    """A planted neuron on a row's hyperplane: moving only that row moves the face (Ṗ ≠ 0);
    the neuron stays on it (v̇·x̃_k + v·δx̃_k = 0) and the finite differences agree."""
    inst = planted(seed=1, faces=1)
    problem = inst.problem()
    os_ = optimal_set(problem)
    i, nu = next((i, nu) for i, nu in enumerate(os_.neurons) if nu.face)
    (k,) = nu.face
    dX = [[Fraction(0)] * inst.d for _ in range(inst.n)]
    dX[k] = [Fraction(1), Fraction(-2)]
    s = sensitivity(os_, "X", dX)
    row, drow = problem.rows[k], dX[k]
    assert _dot(s.directions[i], row) + _dot(nu.direction, drow) == 0
    at = [list(x) for x in inst.X]
    _compare_fd(problem, lambda h: Problem(_moved(at, dX, h), list(inst.y), inst.lam), s)


def test_mean_scale_direction():
    """With scale="mean" the sum-scale λ = nλ moves n times as fast."""
    inst = planted(seed=0)
    os_sum = optimal_set(inst.problem())
    mean = Problem([list(x) for x in inst.X], list(inst.y), inst.lam / inst.n, scale="mean")
    os_mean = optimal_set(mean)
    a = sensitivity(os_sum, "lam", inst.n)
    b = sensitivity(os_mean, "lam", 1)
    assert a.residual == b.residual and a.alpha == b.alpha


# ---------------------------------------------------------------------------------------------
# Verified optima: certified enclosures
# ---------------------------------------------------------------------------------------------


def _square_encloses(ball: Ball, value_squared: Fraction, sign: int) -> bool:
    """``ball`` contains ``sign·√value_squared`` (compared through squares, exactly)."""
    lo, hi = (ball.lower, ball.upper) if sign > 0 else (-ball.upper, -ball.lower)
    return hi >= 0 and hi * hi >= value_squared and (lo <= 0 or lo * lo <= value_squared)


def _surd_enclosed(balls, surd: Surd) -> bool:
    return all(
        _square_encloses(b, surd.radicand * c * c, 1 if c >= 0 else -1)
        for b, c in zip(balls, surd.coefficients, strict=True)
    )


def test_verified_single_point_closed_form():
    """X = [[1, 1]], y = [5], λ = 1 (irrational: r = 1/√2): the enclosures contain the closed
    forms ṙ = 1/‖x‖ and α̇ = −y/(λ²‖x‖) for λ, ṙ = −λ x·δx/‖x‖³ for X, α̇ = 1/(λ‖x‖) for y."""
    os_ = optimal_set(Problem([[1, 1]], [5], 1))
    assert os_.status == "verified"
    s = sensitivity(os_)
    assert s.status == "verified" and all(isinstance(b, Ball) for b in s.residual + s.alpha)
    assert _square_encloses(s.residual[0], Fraction(1, 2), 1)
    assert _square_encloses(s.alpha[0], Fraction(25, 2), -1)
    assert s.residual[0].rad < Fraction(1, 10**30)
    s_y = sensitivity(os_, "y", [1])
    assert s_y.residual[0].contains(Fraction(0)) and s_y.fit[0].contains(Fraction(1))
    assert _square_encloses(s_y.alpha[0], Fraction(1, 2), 1)
    s_x = sensitivity(os_, "X", [[1, 0]])  # x·δx = 1, ‖x‖³ = 2√2
    assert _square_encloses(s_x.residual[0], Fraction(1, 8), -1)
    document = s_x.to_json()
    assert document["status"] == "verified" and set(document["residual"][0]) == {"mid", "rad"}
    assert all(label == "verified" for label in document["claims"].values())
    json.dumps(document)


@pytest.mark.parametrize("options", [{"seed": 1, "faces": 1}, {"seed": 2, "output_bias": True}])
def test_verified_encloses_the_exact_derivatives(options):
    """A rational optimum proved both ways: every verified enclosure contains the exact value."""
    problem = planted(**options).problem()
    solution = problem.solve()
    exact = optimal_set(problem, solution)
    verified = VerifiedOptimalSet(problem, solution, verify(problem, solution))
    assert exact.status == "exact" and verified.status == "verified"
    order = [
        next(j for j, nu in enumerate(verified.neurons) if nu.cells == e.cells)
        for e in exact.neurons
    ]
    rng = np.random.default_rng(3)
    dy = [Fraction(int(t), 3) for t in rng.integers(-3, 4, size=problem.n)]
    dX = [[Fraction(int(t), 3) for t in row] for row in rng.integers(-3, 4, size=(problem.n, 2))]
    for wrt, direction in (("lam", None), ("y", dy), ("X", dX)):
        e = sensitivity(exact, wrt, direction)
        v = sensitivity(verified, wrt, direction)
        assert (e.status, v.status) == ("exact", "verified")
        for ball, value in zip(v.residual + v.fit, e.residual + e.fit, strict=True):
            assert ball.contains(value)
        if e.output_bias is not None:
            assert v.output_bias.contains(e.output_bias)
        for i, j in enumerate(order):
            assert v.alpha[j].contains(e.alpha[i])
            for ball, value in zip(v.directions[j], e.directions[i], strict=True):
                assert ball.contains(value)
            for ball, value in zip(v.neuron_fits[j], e.neuron_fits[i], strict=True):
                assert ball.contains(value)
            assert _surd_enclosed(v.W1[j], e.W1[i])
            assert _surd_enclosed((v.w2[j],), e.w2[i])


def test_verified_fd():
    """An irrational optimum with a neuron on a face (a planted instance with y moved): the
    enclosures agree with central differences of independent solves, patterns unchanged."""
    inst = planted(seed=1, faces=1)
    X = [list(x) for x in inst.X]
    y = [v + Fraction(k % 3, 7) for k, v in enumerate(inst.y)]
    problem = Problem(X, y, inst.lam)
    os_ = optimal_set(problem)
    assert os_.status == "verified" and any(nu.face for nu in os_.neurons)
    _compare_fd(problem, lambda h: Problem(X, y, inst.lam + h), sensitivity(os_, "lam"))
    rng = np.random.default_rng(7)
    dy = [Fraction(int(t), 4) for t in rng.integers(-4, 5, size=inst.n)]
    _compare_fd(
        problem,
        lambda h: Problem(X, [a + h * b for a, b in zip(y, dy, strict=True)], inst.lam),
        sensitivity(os_, "y", dy),
    )
    dX = [[Fraction(int(t), 4) for t in row] for row in rng.integers(-4, 5, size=(inst.n, 2))]
    _compare_fd(
        problem, lambda h: Problem(_moved(X, dX, h), y, inst.lam), sensitivity(os_, "X", dX)
    )


# ---------------------------------------------------------------------------------------------
# Refusals and the command line
# ---------------------------------------------------------------------------------------------


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


def test_refuses_an_undecided_optimal_set():
    """A face multiplier exactly 0 at a rational optimum: the ball test cannot decide it."""
    rng = np.random.default_rng(25)
    problem = Problem(rng.integers(-3, 4, size=(6, 2)).tolist(), rng.integers(-5, 6, size=6), 2)
    solution = problem.solve()
    undecided = VerifiedOptimalSet(problem, solution, verify(problem, solution))
    with pytest.raises(ExactReluInputError, match="exact or verified.*multipliers"):
        sensitivity(undecided)


def test_refuses_moves_that_change_the_patterns():
    # parallel face rows 0, 1, 2 (x̃_1 = 2 x̃_0, x̃_2 = −x̃_0) merged into one hyperplane, with
    # multipliers −r_2 = 1/10 and −(r_0 + 2 r_1) = 3/10 (SCS holds)
    rows = [[1, 0, 0], [2, 0, 0], [-1, 0, 0], [0, 0, 1]]
    os_ = optimal_set(Problem(rows, ["-1/10", "-1/10", "-1/10", 2], 1))
    kept = [[1, 1, 0], [2, 2, 0], [-1, -1, 0], [0, 0, 0]]
    assert sensitivity(os_, "X", kept).status == "exact"
    split = [[1, 1, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]]
    with pytest.raises(ExactReluInputError, match="parallel.*2·δx̃_0"):
        sensitivity(os_, "X", split)
    zero_row = Problem([[3, 4], [0, 0]], [10, 1], 1)
    with pytest.raises(ExactReluInputError, match="row 1 is zero"):
        sensitivity(optimal_set(zero_row), "X", [[0, 0], [1, 0]])


def test_refuses_bad_arguments():
    os_ = optimal_set(Problem([[3, 4]], [10], 1))
    with pytest.raises(ExactReluInputError, match="wrt must be"):
        sensitivity(os_, "w")
    with pytest.raises(ExactReluInputError, match="direction"):
        sensitivity(os_, "y")
    with pytest.raises(ExactReluInputError, match="1 rows of d = 2"):
        sensitivity(os_, "X")
    with pytest.raises(ExactReluInputError, match="1 rows of d = 2"):
        sensitivity(os_, "X", [[1, 0, 0]])
    with pytest.raises(ExactReluInputError, match="direction"):
        sensitivity(os_, "X", [["a", 0]])


def test_exact_json():
    s = sensitivity(optimal_set(Problem([[3, 4]], [10], 1)), "X", [[1, "1/2"]])
    document = json.loads(json.dumps(s.to_json()))
    assert document["kind"] == "sensitivity" and document["status"] == "exact"
    assert document["direction"] == [["1", "1/2"]] and document["lam"] == "1"
    assert document["output_bias"] is False and document["output_bias_value"] is None
    assert document["conditions"]["licq"] is True and document["conditions"]["scs"] is True
    assert document["W1"][0]["radicand"] == "49/25" and len(document["data_sha256"]) == 64


def test_cli(capsys, tmp_path: Path):
    data = tmp_path / "one.csv"
    data.write_text("3,4,10\n")
    delta = tmp_path / "dx.csv"
    delta.write_text("1,0\n")
    out = tmp_path / "out.json"
    args = [str(data), "--lam", "1", "--wrt", "X", "--direction", str(delta), "--json", str(out)]
    assert main(["sensitivity", *args]) == 0
    document = json.loads(out.read_text())
    assert document["residual"] == ["-3/125"] and document["alpha"] == ["-144/625"]
    assert "status exact" in capsys.readouterr().out
    assert main(["sensitivity", str(data), "--lam", "1", "--direction", "2", "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["residual"] == ["2/5"]
    assert main(["sensitivity", str(data), "--lam", "1", "--wrt", "y"]) == 2
    assert "--direction FILE" in capsys.readouterr().err
    at_lam_max = tmp_path / "max.csv"
    at_lam_max.write_text("3,4,1/5\n")
    assert main(["sensitivity", str(at_lam_max), "--lam", "1"]) == 2
    err = capsys.readouterr().err
    assert "needs SCS" in err and len(err.strip().splitlines()) == 1
