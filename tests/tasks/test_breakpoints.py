"""Breakpoints of the regularization path (docs/theory.md §8): the verdict rule on hand-built
samples, and a planted non-unique breakpoint the min-norm network passes continuously."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from exactrelu.tasks.breakpoints import breakpoint_verdict, network_distance
from exactrelu.tasks.path import path
from exactrelu.tasks.path_samples import PathNeuron, PathPoint, solve_point
from exactrelu.testing.planted import planted


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
    jump = breakpoint_verdict(samples[1], samples[2], samples, width)
    assert jump.verdict == "jump" and abs(jump.jump - 2.0) < 1e-12
    smooth = [point(0, [1.0, 0.0]), point(1, [1.0, 0.1]), other(1 + width, [1.0, 0.1 + 1e-5]),
              other(2, [1.0, 0.2])]  # fmt: skip
    assert breakpoint_verdict(smooth[1], smooth[2], smooth, width).verdict == "continuous"
    numeric = [point(1, [1.0, 0.1], "numeric"), other(1 + width, [3.0, 0.1])]
    assert breakpoint_verdict(numeric[0], numeric[1], numeric, width).verdict == "undetermined"
