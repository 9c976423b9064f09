"""The block bounds (docs/theory.md §4, §7): a block left untied by a dropped neuron is caught;
gated and sampled programs."""

from __future__ import annotations

from verified_problems import random_problem

from exactrelu.optimum.verified import verify_neurons, verify_structure


def test_dropped_neuron_is_not_verified(random_case) -> None:
    problem, solution = random_case
    found = solution.numeric
    keep = list(range(1, len(found.neurons)))
    verification = verify_neurons(
        problem, [found.neurons[i] for i in keep], found.residual, found.alpha[keep]
    )
    assert verification.status == "undecided" and verification.structure is None
    assert any("block" in failure for failure in verification.failures)


def test_gated_and_sampled_programs() -> None:
    # gated ReLU: unconstrained blocks, one per sampled gate pattern (no cones, no faces)
    gated = random_problem(20, 2, 1, seed=0, model="gated", patterns=("sample", 30, 0))
    solution = gated.solve()
    structure = verify_structure(gated, solution)
    assert structure is not None and structure.certificate["model"] == "gated"
    assert len(structure.neurons) == len(solution.numeric.neurons)
    assert all(len(nu.cells) == 1 and nu.face == () for nu in structure.neurons)
    # a sampled ReLU program: a face side with no sampled cell is not part of the program
    sampled = random_problem(20, 2, 1, seed=0, patterns=("sample", 30, 0))
    structure = verify_structure(sampled, sampled.solve())
    assert structure is not None
    assert structure.certificate["block_multipliers"] is not None
