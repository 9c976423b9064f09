"""The regularization path (docs/theory.md §8): breakpoints against an independent dense sweep,
certificates of every point and proved interval, the path from data and from a factory."""

from __future__ import annotations

import json
from fractions import Fraction

from exactrelu.checker import check_certificate
from exactrelu.program.problem import Problem
from exactrelu.tasks.path import lam_max, path, plot_path, solve_point  # the public path API

LINE_X = [[0], [1], [2], [3], [4]]
LINE_Y = [3, 0, 2, -1, 4]


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
