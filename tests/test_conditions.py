"""LICQ and SCS per neuron and for the solution, exactly (THEORY §8)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from exactrelu import Problem
from exactrelu.conditions import check_conditions, face_multipliers, licq, scs
from exactrelu.errors import ExactReluInputError
from exactrelu.optimal_set import optimal_set
from exactrelu.planted import planted


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
