"""The strict checks of a proposed structure (docs/theory.md §7, §8 SCS): wrong faces and signs
are never verified, dependent face rows get a basis per cell, a zero multiplier is undecided."""

from __future__ import annotations

import dataclasses

import numpy as np

from exactrelu import Problem
from exactrelu.optimum.verified import verify, verify_neurons, verify_structure
from exactrelu.program.reduced_kkt import Neuron


def test_flipped_face_is_not_verified(random_case) -> None:
    problem, solution = random_case
    found = solution.numeric
    i = next(i for i, nu in enumerate(found.neurons) if len(nu.face) > 0)
    neuron = found.neurons[i]
    k = int(neuron.face[0])
    flipped = neuron.face[1:]
    for active in (True, False):  # the face row moved to either side
        pattern = neuron.active.copy()
        pattern[k] = active
        wrong = list(found.neurons)
        wrong[i] = Neuron(neuron.sign, pattern, flipped)
        verification = verify_neurons(problem, wrong, found.residual, found.alpha)
        assert verification.status == "undecided", active
    # a row that is not on the face put on it
    j = next(j for j, nu in enumerate(found.neurons) if len(nu.face) == 0)
    other = found.neurons[j]
    row = int(np.nonzero(other.active)[0][0])
    pattern = other.active.copy()
    pattern[row] = False
    wrong = list(found.neurons)
    wrong[j] = Neuron(other.sign, pattern, np.array([row]))
    assert verify_neurons(problem, wrong, found.residual, found.alpha).status == "undecided"


def test_flipped_sign_is_not_verified(random_case) -> None:
    problem, solution = random_case
    found = solution.numeric
    wrong = list(found.neurons)
    wrong[0] = dataclasses.replace(wrong[0], sign=-wrong[0].sign)
    assert verify_neurons(problem, wrong, found.residual, found.alpha).status != "verified"


def grid_problem(seed: int, n: int, lam: str, **options) -> Problem:
    """Small integer points on a grid: many coincident and collinear points (degenerate)."""
    rng = np.random.default_rng(seed)
    X = rng.integers(-2, 3, size=(n, 2)).tolist()
    y = rng.integers(-5, 6, size=n).tolist()
    return Problem(X, y, lam, **options)


def test_dependent_face_rows_verified_per_cell() -> None:
    # with a bias, collinear points give three or more hyperplanes through one ray (LICQ fails):
    # each of the neuron's cells gets its own basis of positive face multipliers
    problem = grid_problem(6, 14, "1/2", bias=True)
    solution = problem.solve()
    assert solution.exact_optimum is None
    structure = verify_structure(problem, solution)
    assert structure is not None
    degenerate = [nu for nu in structure.neurons if nu.cell_multipliers]
    assert degenerate
    for neuron in degenerate:
        assert {cell for cell, _, _ in neuron.cell_multipliers} == set(neuron.cells)
        for _, rows, values in neuron.cell_multipliers:
            assert set(rows) <= set(neuron.face) and all(v.lower > 0 for v in values)
        entry = structure.certificate["neurons"][structure.neurons.index(neuron)]
        assert "cell_bases" in entry
        # h planes through a line of R^3 (hidden bias, d = 2) make 2h cells around it
        assert len(neuron.cells) == 2 * len(entry["hyperplanes"]) < 2 ** len(entry["hyperplanes"])


def test_zero_multiplier_is_undecided() -> None:
    # a rational optimum whose face multiplier is exactly 0 (SCS fails): no enclosure decides
    # it, so the verified path says undecided (the exact path decides it)
    rng = np.random.default_rng(25)
    problem = Problem(rng.integers(-3, 4, size=(6, 2)).tolist(), rng.integers(-5, 6, size=6), 2)
    verification = verify(problem, problem.solve())
    assert verification.status == "undecided"
    assert any("multipliers" in failure for failure in verification.failures)
