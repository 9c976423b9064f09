"""The regularization path (docs/theory.md §8): breakpoints against an independent dense sweep,
certificates of every point and proved interval, the path from data and from a factory."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

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
    # the non-unique stretch of this data: proved with mirror ties (proofs/mirror_ties.md), so
    # its samples are verified, non-unique as networks; the tube proof of an interval does not
    # cover mirror ties, so that interval is sampled
    mirror = [p.lam for p in sweep if p.status == "verified" and p.unique_network is False]
    assert mirror and max(mirror) < Fraction(3, 5)
    assert not [p for p in sweep if p.status == "numeric"]
    assert result.intervals[0].verdict == "sampled"
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
        if point.status == "verified" and point.unique_network is not False:
            assert point.conditions["licq"] is True and point.unique_network
        if point.status == "verified" and point.unique_network is False:  # mirror ties
            assert point.conditions["status"] == "undecided"

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


def test_path_plot_numbers_the_neurons(tmp_path):
    pytest.importorskip("matplotlib")
    grid = [Fraction(1, 2), Fraction(1), Fraction(3, 2)]
    result = path(LINE_X, grid, LINE_Y, bias=True, output_bias=True, max_solves=3)
    png = tmp_path / "path.png"
    neurons = plot_path(result, png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert list(neurons) == list(range(1, len(neurons) + 1)) and neurons
    keys = {key for point in result.samples for key in point.neuron_norms()}
    assert set(neurons.values()) == keys  # every drawn neuron has a number: (sign, rows)
    assert plot_path(result, tmp_path / "linear.png", log_lam=False) == neurons


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


def test_interval_budget_is_spread_over_the_intervals():
    problem = Problem(LINE_X, LINE_Y, 1, bias=True)
    grid = [Fraction(1, 2), Fraction(3, 2), Fraction(3)]
    # enough tests: every interval between decided samples is proved whole
    result = path(problem, grid, rel_width=Fraction(1, 50), interval_tests=200)
    verdicts = [i.verdict for i in result.intervals]
    assert verdicts.count("proved") >= 4
    assert set(verdicts) <= {"proved", "undecided"}
    assert result.interval_tests_used < 200
    # a small budget is shared: every interval to prove gets some of it, not only the first
    small = path(problem, grid, rel_width=Fraction(1, 50), interval_tests=8)
    tried = [i for i in small.intervals if i.verdict != "undecided"]
    assert small.interval_tests_used == 8
    assert sum(i.proved_fraction > 0 for i in tried) >= 3


def test_path_json_round_trip_through_the_checker(tmp_path):
    from exactrelu.cli import main

    data = tmp_path / "line.csv"
    rows = zip(LINE_X, LINE_Y, strict=True)
    data.write_text("x,y\n" + "".join(f"{x[0]},{t}\n" for x, t in rows))
    out = tmp_path / "path.json"
    args = ["path", data, "--lam-min", "1/2", "--lam-max", "3/2", "--points", "2", "--bias"]
    args += ["--rel-width", "1/50", "--interval-tests", "30", "--json", out]
    assert main([str(a) for a in args]) == 0
    document = json.loads(out.read_text())
    assert document["kind"] == "path" and document["data_sha256"]
    assert all("certificate" in p for p in document["points"])
    assert main(["check", str(out), "--data", str(data)]) == 0
    document["points"][0]["objective_upper"] = str(
        Fraction(document["points"][0]["objective_upper"]) + 1
    )
    out.write_text(json.dumps(document))
    assert main(["check", str(out), "--data", str(data)]) == 1
