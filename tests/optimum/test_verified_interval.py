"""λ intervals proved (docs/theory.md §8, proofs/verified.md "λ intervals"): ``verify_interval``
holds inside a structure's interval and fails across a breakpoint."""

from __future__ import annotations

from fractions import Fraction

from exactrelu.optimum.verified_interval import verify_interval
from exactrelu.program.problem import Problem
from exactrelu.tasks.path_samples import solve_point

LINE_X = [[0], [1], [2], [3], [4]]
LINE_Y = [3, 0, 2, -1, 4]


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
