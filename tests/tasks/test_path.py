"""The regularization path: λ_max exactly, breakpoints against an independent dense sweep."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from exactrelu.checker import check_certificate
from exactrelu.exact.cones import project_many
from exactrelu.optimum.verified import verify_interval
from exactrelu.program.problem import Problem
from exactrelu.tasks.path import (
    PathNeuron,
    PathPoint,
    _verdict,
    lam_max,
    network_distance,
    path,
    plot_path,
    solve_point,
)
from exactrelu.testing.planted import planted

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
    sweep = [
        solve_point(Problem(LINE_X, LINE_Y, lam, bias=True, output_bias=True)) for lam in dense
    ]
    # a change between two undecided samples (float structures of a non-unique optimal set) is
    # not a breakpoint: the path reports that stretch as "undecided"
    changes = [
        (dense[i], dense[i + 1])
        for i in range(len(dense) - 1)
        if sweep[i].structure != sweep[i + 1].structure
        and not sweep[i].status == sweep[i + 1].status == "numeric"
    ]
    undecided = [p.lam for p in sweep if p.status == "numeric"]
    assert undecided and max(undecided) < Fraction(3, 5)  # the non-unique stretch of this data
    assert result.intervals[0].verdict == "undecided"
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
    assert all(i.verdict in ("proved", "sampled") for i in result.intervals[1:-1])
    assert any(i.verdict == "proved" for i in result.intervals)
    # every sample inside a proved stretch has the structure of the stretch
    for interval in result.intervals[:-1]:
        inside = [p for p in result.samples if interval.lam_lo <= p.lam <= interval.lam_hi]
        if interval.verdict == "proved":
            assert len({p.structure for p in inside}) == 1

    out = result.to_json()
    for key in ("lam_max", "points", "breakpoints", "intervals", "solves_used"):
        assert key in out
    for point in out["points"]:
        for key in ("lam", "objective_upper", "objective_lower", "neurons", "E", "S", "status"):
            assert key in point
    assert {"lam_lo", "lam_hi", "verdict", "min_norm_change"} <= set(out["breakpoints"][0])
    assert {"lam_lo", "lam_hi", "verdict"} <= set(out["intervals"][0])
    json.dumps(out)
    for point in result.points:
        assert Fraction(point.to_json()["objective_lower"]) <= point.objective_upper
        if point.status == "exact":
            assert point.solution.optimum is not None
        if point.status == "verified":
            assert point.conditions["licq"] is True and point.unique_network

    rows = [[Fraction(v) for v in row] for row in LINE_X]
    ys = [Fraction(v) for v in LINE_Y]
    # every proved piece of an interval carries a certificate the checker accepts
    assert result.interval_proofs
    for proof in result.interval_proofs[:5]:
        document = json.loads(json.dumps(proof.certificate))
        assert check_certificate(document, rows, ys).startswith("valid")
    # every grid point's certificate is accepted by the independent checker
    for point in result.points:
        assert check_certificate(json.loads(json.dumps(point.certificate())), rows, ys).startswith(
            "valid"
        )

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


def test_interval_proof_holds_inside_and_fails_across_a_breakpoint():
    """verify_interval proves a structure on a whole λ interval only where it is the optimum's:
    never across the breakpoint near λ = 1.096 of the line data (found by the sweep above)."""
    problem = Problem(LINE_X, LINE_Y, 1, bias=True, output_bias=True)
    left = solve_point(problem.with_lam(Fraction(4, 5)))
    right = solve_point(problem.with_lam(Fraction(6, 5)))
    assert left.status == right.status == "verified" and left.structure != right.structure

    def proved(point, lo, hi):
        s = point.state
        outcome = verify_interval(
            problem.with_lam((lo + hi) / 2), s.neurons, s.residual, s.alpha, s.output_bias, lo, hi
        )
        return outcome.status == "verified"

    assert proved(left, Fraction(4, 5), Fraction(201, 250))
    assert proved(right, Fraction(6, 5), Fraction(1201, 1000))
    for point in (left, right):  # [1.09, 1.10] holds the breakpoint: neither side is proved
        assert not proved(point, Fraction(109, 100), Fraction(11, 10))
    assert not proved(right, Fraction(4, 5), Fraction(201, 250))  # the wrong structure
    # fresh solves inside the proved interval have its structure
    for lam in (Fraction(4, 5), Fraction(2011, 2500), Fraction(201, 250)):
        assert solve_point(problem.with_lam(lam)).structure == left.structure


def _min_norm_weights(point) -> dict[tuple, np.ndarray]:
    return {nu.key[:3]: np.array(nu.weight) for nu in point.neurons}


def test_path_through_a_planted_non_unique_breakpoint_is_continuous():
    """A planted instance with dependent fits: the optimal set is an exact, non-unique polytope
    for every λ; at λ = 15 a neuron of E leaves S and then E.  The min-norm network moves
    continuously through it: the path says so, and independent exact optimal sets at 15 ± δ
    approach the one at 15 linearly in δ."""
    problem = planted(n=6, d=3, neurons=3, dependent=True, seed=1).problem()
    result = path(problem, [14, 16], max_solves=60, interval_tests=0)
    around = [b for b in result.breakpoints if b.lam_lo <= 15 <= b.lam_hi]
    assert around and all(b.resolved and b.verdict == "continuous" for b in around)
    assert all(b.unique_ends == (False, False) for b in result.breakpoints)
    assert all(p.status == "exact" for p in result.samples)
    at = solve_point(problem.with_lam(15))
    assert at.status == "exact" and at.unique_network is False
    gaps = []
    for delta in (Fraction(1, 100), Fraction(1, 1000)):
        for lam in (15 - delta, 15 + delta):
            near = solve_point(problem.with_lam(lam))
            assert near.status == "exact"
            gaps.append(network_distance(near, at) / float(delta))
    assert max(gaps) < 10 * min(gaps)  # bounded rate: no jump


def test_breakpoint_verdict_reports_a_jump():
    """The verdict rule on samples built by hand: a change far above the side rates is a jump,
    one explained by them is continuous; without a known min-norm network it is undetermined."""

    def point(lam, weight, status="verified"):
        neuron = PathNeuron(1, (0,), (), True, tuple(weight))
        return PathPoint(Fraction(lam), status, "solve", Fraction(0), Fraction(0), (neuron,),
                         True, 0.0)  # fmt: skip

    def other(lam, weight):
        neuron = PathNeuron(1, (0, 1), (), True, tuple(weight))
        return PathPoint(Fraction(lam), "verified", "solve", Fraction(0), Fraction(0), (neuron,),
                         True, 0.0)  # fmt: skip

    width = Fraction(1, 10**4)
    samples = [point(0, [1.0, 0.0]), point(1, [1.0, 0.1]), other(1 + width, [3.0, 0.1]),
               other(2, [3.0, 0.2])]  # fmt: skip
    jump = _verdict(samples[1], samples[2], samples, width)
    assert jump.verdict == "jump" and abs(jump.jump - 2.0) < 1e-12
    smooth = [point(0, [1.0, 0.0]), point(1, [1.0, 0.1]), other(1 + width, [1.0, 0.1 + 1e-5]),
              other(2, [1.0, 0.2])]  # fmt: skip
    assert _verdict(smooth[1], smooth[2], smooth, width).verdict == "continuous"
    numeric = [point(1, [1.0, 0.1], "numeric"), other(1 + width, [3.0, 0.1])]
    assert _verdict(numeric[0], numeric[1], numeric, width).verdict == "undetermined"
