"""The exact certificate of a planted residual (docs/theory.md §4, §5, §7): accepted only with
all its neurons at the maximal correlation."""

from __future__ import annotations

from exactrelu.testing.planted import certify_planted, planted


def test_residual_is_certified_only_with_all_its_neurons():
    inst = planted(seed=5, neurons=3)
    neurons = [(nu.direction, nu.sign) for nu in inst.neurons]
    args = (inst.X, inst.bias, inst.residual, inst.lam)
    assert certify_planted(*args, neurons) is not None
    # a neuron left out reaches λ without being planted: rejected
    assert certify_planted(*args, neurons[1:]) is None
    # a larger residual is not dual feasible: rejected
    assert (
        certify_planted(inst.X, inst.bias, [3 * t / 2 for t in inst.residual], inst.lam, neurons)
        is None
    )
    # a larger λ leaves the planted neurons below λ (their blocks are not at the maximum)
    bigger = inst.lam * 2
    scaled = [tuple(2 * t for t in v) for v, _ in neurons]
    assert (
        certify_planted(
            *args[:3], bigger, [(v, s) for v, (_, s) in zip(scaled, neurons, strict=True)]
        )
        is None
    )
