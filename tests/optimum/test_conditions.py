"""LICQ and SCS per neuron and for the solution (docs/theory.md §8): exact, verified, undecided."""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction

import numpy as np
import pytest

from exactrelu import Problem
from exactrelu.errors import ExactReluInputError
from exactrelu.exact.balls import Ball
from exactrelu.optimum.conditions import check_conditions, face_multipliers, licq, positive, scs
from exactrelu.optimum.optimal_set import VerifiedOptimalSet, optimal_set
from exactrelu.optimum.verified import verify
from exactrelu.testing.planted import planted


def test_single_point_holds():
    os_ = optimal_set(Problem([[3, 4]], [10], 1))
    c = check_conditions(os_)
    assert c.status == "exact" and c.licq and c.scs and c.holds
    assert c.alpha == (Fraction(49, 25),) and c.in_use == (0,)
    assert licq(os_, 0).holds and scs(os_, 0).holds  # no face: nothing to check
    assert c.failures == ()
    assert c.to_json()["scs"] is True


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_with_face_holds(seed):
    """Planted neurons moved onto a row's hyperplane: LICQ and SCS hold, multipliers > 0."""
    os_ = optimal_set(planted(seed=seed, faces=1).problem())
    c = check_conditions(os_)
    assert c.holds, c.failures
    faced = [i for i, nu in enumerate(os_.neurons) if nu.face]
    assert faced
    for i in faced:
        multipliers = face_multipliers(os_, i)
        assert multipliers and all(m.negative > 0 and m.positive > 0 for m in multipliers)
        nu = os_.neurons[i]
        for m in multipliers:  # single row: 0 < γ_k < −s r_k
            if len(m.rows) == 1:
                k = m.representative
                assert 0 < m.gamma < -nu.sign * os_.residual[k]
            assert set(m.negative_cells) | set(m.positive_cells) == set(nu.cells)
            assert m.negative_cells and m.positive_cells


def test_zero_multiplier_fails_scs():
    """X = I, y = (2, 0), λ = 1: v = (1, 0) lies on row 1's hyperplane with γ = 0 = −s r_1."""
    os_ = optimal_set(Problem([[1, 0], [0, 1]], [2, 0], 1))
    assert licq(os_, 0).holds
    result = scs(os_, 0)
    assert result.holds is False
    (m,) = result.multipliers
    assert m.rows == (1,) and m.gamma == 0 and m.negative == 0 and m.positive == 0
    assert len(result.reasons) == 2 and "is 0" in result.reasons[0]
    assert "cells" in result.reasons[0]
    c = check_conditions(os_)
    assert c.licq and not c.scs


def test_unused_neuron_at_lambda_fails_scs():
    """λ = λ_max: the neuron reaches λ with α = 0 (zero network): its block is untied at λ."""
    os_ = optimal_set(Problem([[3, 4]], ["1/5"], 1))
    c = check_conditions(os_)
    assert c.licq and not c.scs and c.alpha == (0,) and c.in_use == ()
    assert any("α = 0" in f for f in c.failures)
    assert any("not tied to an active neuron" in f for f in c.failures)


def test_dependent_face_rows_fail_licq():
    """Three pairwise non-parallel rows on the face of v = e3 in R^3: rank 2 < 3."""
    rows = [[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1]]
    os_ = optimal_set(Problem(rows, [0, 0, 0, 2], 1))
    assert os_.status == "exact"
    result = licq(os_, 0)
    assert result.holds is False
    assert "rank 2" in result.reasons[0] and "x̃_2" in result.reasons[0]
    assert scs(os_, 0).holds is None and face_multipliers(os_, 0) is None
    c = check_conditions(os_)
    assert not c.licq and not c.scs


def test_parallel_rows_merge():
    """Parallel face rows form one hyperplane: LICQ holds, the merged multipliers are used."""
    rows = [[1, 0, 0], [2, 0, 0], [-1, 0, 0], [0, 0, 1]]
    os_ = optimal_set(Problem(rows, [0, 0, 0, 2], 1))
    assert licq(os_, 0).holds
    (m,) = face_multipliers(os_, 0)
    assert set(m.rows) == {0, 1, 2}


def test_dependent_planted_alpha_from_barycentre():
    """Non-unique set: α is read at the barycentre of the vertices (> 0 for used neurons)."""
    os_ = optimal_set(planted(seed=1, dependent=True).problem())
    c = check_conditions(os_)
    assert set(c.in_use) == set(os_.used_neurons)
    assert all(c.alpha[i] > 0 for i in os_.used_neurons)


def test_rejects_bad_input():
    os_ = optimal_set(Problem([[3, 4]], [10], 1))
    with pytest.raises(ExactReluInputError, match="out of range"):
        licq(os_, 3)
    gated = optimal_set(Problem([[3, 4]], [10], 1, model="gated"))
    with pytest.raises(ExactReluInputError):
        check_conditions(gated)


# ---------------------------------------------------------------------------------------------
# Verified (irrational) optima: LICQ exact, SCS from the verification's enclosures
# ---------------------------------------------------------------------------------------------


def _irrational_with_faces():
    """A planted instance with a neuron on a face, y moved: an irrational, verified optimum."""
    inst = planted(seed=1, faces=1)
    y = [v + Fraction(k % 3, 7) for k, v in enumerate(inst.y)]
    return optimal_set(Problem([list(x) for x in inst.X], y, inst.lam))


def test_positive_is_three_valued():
    assert positive(Fraction(1, 3)) is True and positive(Fraction(0)) is False
    assert positive(Ball(Fraction(1), Fraction(1, 2))) is True
    assert positive(Ball(Fraction(0), Fraction(0))) is False
    assert positive(Ball(Fraction(-1), Fraction(1))) is False  # [−2, 0]: proved <= 0
    assert positive(Ball(Fraction(0), Fraction(1, 10**40))) is None


def test_verified_single_point():
    """X = [[1, 1]], y = [5], λ = 1: r = 1/√2, no face: LICQ exact, SCS verified by α > 0."""
    os_ = optimal_set(Problem([[1, 1]], [5], 1))
    assert os_.status == "verified"
    c = check_conditions(os_)
    assert c.holds is True and c.status == "verified"
    assert c.claims == {"licq": "exact", "scs": "verified"}
    assert c.alpha == (os_.neurons[0].alpha,) and c.in_use == (0,)
    assert c.licq_neurons[0].status == "exact" and c.scs_neurons[0].status == "verified"


def test_verified_with_face_reuses_the_enclosures():
    os_ = _irrational_with_faces()
    assert os_.status == "verified"
    c = check_conditions(os_)
    assert c.holds is True and c.status == "verified" and c.failures == ()
    assert c.in_use == tuple(range(len(os_.neurons)))
    faced = [i for i, nu in enumerate(os_.neurons) if nu.face]
    assert faced
    certificate = os_.structure.certificate["neurons"]
    for i in faced:
        multipliers = face_multipliers(os_, i)
        # the balls the verification computed, in the order of its hyperplanes
        assert [(m.negative, m.positive) for m in multipliers] == list(os_.neurons[i].multipliers)
        assert [m.representative for m in multipliers] == [
            h["representative"] for h in certificate[i]["hyperplanes"]
        ]
        for m in multipliers:
            assert m.gamma is None and m.negative.lower > 0 and m.positive.lower > 0
            assert m.negative_cells and m.positive_cells
        assert scs(os_, i).status == "verified" and licq(os_, i).status == "exact"
    document = json.loads(json.dumps(c.to_json()))
    assert document["status"] == "verified" and set(document["alpha"][0]) == {"mid", "rad"}
    entry = document["neurons"]["scs"][faced[0]]["multipliers"][0]
    assert entry["gamma"] is None and set(entry["negative"]) == {"mid", "rad"}


def test_verified_multiplier_balls_decide_three_ways():
    """Balls straddling 0 leave SCS undecided (with the reason), balls <= 0 prove it false."""
    os_ = _irrational_with_faces()
    i = next(i for i, nu in enumerate(os_.neurons) if nu.face)
    structure = os_.structure

    def tampered(**changes):
        neurons = list(structure.neurons)
        neurons[i] = dataclasses.replace(neurons[i], **changes)
        verification = dataclasses.replace(
            os_.verification, structure=dataclasses.replace(structure, neurons=tuple(neurons))
        )
        return dataclasses.replace(os_, verification=verification)

    def with_negative_side(ball: Ball):
        (_, pos), *rest = structure.neurons[i].multipliers
        return tampered(multipliers=((ball, pos), *rest))

    straddling = with_negative_side(Ball(Fraction(0), Fraction(1, 10**30)))
    result = scs(straddling, i)
    assert result.holds is None and result.status == "undecided"
    assert "undecided, the enclosure contains 0" in result.reasons[0]
    c = check_conditions(straddling)
    assert c.scs is None and c.holds is None and c.licq is True
    assert c.status == "undecided" and c.claims == {"licq": "exact", "scs": "undecided"}
    negative = with_negative_side(Ball(Fraction(-1, 10), Fraction(1, 10**30)))
    result = scs(negative, i)
    assert result.holds is False and result.status == "verified"
    assert check_conditions(negative).scs is False
    c = check_conditions(tampered(alpha=Ball(Fraction(0), Fraction(1, 10**30))))
    assert c.scs is None and i not in c.in_use
    assert any(f.startswith(f"neuron {i}: α > 0 not proved") for f in c.failures)


def test_verified_dependent_face_rows():
    """Collinear points with a bias: three planes through one ray, LICQ fails exactly; SCS is
    not defined, and the reason says what the verification proved instead."""
    rng = np.random.default_rng(6)
    X, y = rng.integers(-2, 3, size=(14, 2)).tolist(), rng.integers(-5, 6, size=14).tolist()
    os_ = optimal_set(Problem(X, y, "1/2", bias=True))
    assert os_.status == "verified"
    c = check_conditions(os_)
    assert c.licq is False and c.scs is False and c.holds is False
    (i,) = [i for i, cond in enumerate(c.licq_neurons) if not cond.holds]
    assert "rank 2" in c.licq_neurons[i].reasons[0]
    assert c.scs_neurons[i].holds is None and c.scs_neurons[i].status == "verified"
    assert "per tied cell" in c.scs_neurons[i].reasons[0]
    assert face_multipliers(os_, i) is None


def test_undecided_optimal_set():
    """A face multiplier exactly 0 at a rational optimum: the ball test leaves the verified path
    undecided (with the reason); the exact path decides that SCS fails."""
    rng = np.random.default_rng(25)
    problem = Problem(rng.integers(-3, 4, size=(6, 2)).tolist(), rng.integers(-5, 6, size=6), 2)
    solution = problem.solve()
    undecided = VerifiedOptimalSet(problem, solution, verify(problem, solution))
    c = check_conditions(undecided)
    assert c.status == "undecided" and c.licq is None and c.scs is None and c.holds is None
    assert any("multipliers" in f and "not proved > 0" in f for f in c.failures)
    with pytest.raises(ExactReluInputError, match="exact or verified"):
        scs(undecided, 0)
    exact = check_conditions(optimal_set(problem, solution))
    assert exact.status == "exact" and exact.licq is True and exact.scs is False
    assert any("is 0" in f for f in exact.failures)


def test_sampled_program_skips_sides_without_cells():
    """A sampled program: a face side whose cells are not in the program is no constraint (its
    multiplier is negative here), so SCS of the program holds."""
    rng = np.random.default_rng(0)
    X = [[Fraction(int(v), 100) for v in row] for row in rng.integers(-300, 300, size=(20, 2))]
    w = rng.standard_normal(2)
    signal = np.maximum(np.array(X, dtype=float) @ w, 0) + 0.3 * rng.standard_normal(20)
    y = [Fraction(int(v), 100) for v in np.rint(100 * signal)]
    os_ = optimal_set(Problem(X, y, 1, patterns=("sample", 10, 0)))
    assert os_.status == "verified"
    c = check_conditions(os_)
    assert c.holds is True
    lone = [
        (m.negative, m.negative_cells) if not m.negative_cells else (m.positive, m.positive_cells)
        for cond in c.scs_neurons
        for m in cond.multipliers
        if not (m.negative_cells and m.positive_cells)
    ]
    assert lone and all(value.upper < 0 for value, _ in lone)
