"""The JSON of a stationarity result (docs/formats.md, kind ``stationary``; proofs/stationary.md):
tampered certificates are rejected by the checker."""

from __future__ import annotations

import copy
from fractions import Fraction as F

import pytest
from stationary_cases import POINTS, V, checked, constructed

from exactrelu.checker import CheckFailure, check_certificate
from exactrelu.model.network import Network
from exactrelu.tasks.stationary import stationary


def _tamper(document, edit):
    tampered = copy.deepcopy(document)
    edit(tampered)
    return tampered


TAMPERINGS = {
    "verdict": lambda d: d.update(stationary=not d["stationary"]),
    "subprogram_optimal": lambda d: d.update(subprogram_optimal=not d["subprogram_optimal"]),
    "globally_optimal": lambda d: d.update(globally_optimal=True),
    "dropped violation": lambda d: d["violated"].pop(),
    "norm2": lambda d: d["violated"][0].update(norm2="9"),
    "rate": lambda d: d["violated"][0].update(rate="-1"),
    "in_subprogram": lambda d: d["violated"][0].update(in_subprogram=True),
    "residual": lambda d: d["residual"].__setitem__(0, "0"),
    "objective": lambda d: d.update(objective="1"),
    "weights": lambda d: d["neurons"][0].update(weights=["1/2"]),
    "face": lambda d: d["neurons"][0].update(face=[0]),
    "missing cell": lambda d: d["neurons"][0]["cells"].append("000000"),
    "w2 gradient": lambda d: d["neurons"][0].update(w2_gradient="1"),
    "improving objective": lambda d: d.update(improving_objective="0"),
    "network weight": lambda d: d["network"]["w2"].__setitem__(0, "4"),
    "subprogram gap": lambda d: d["subprogram"].update(gap="1"),
    "claims": lambda d: d["claims"].update(optimum="exact"),
}


@pytest.mark.parametrize("name", sorted(TAMPERINGS))
def test_tampered_certificates_are_rejected(name):
    problem, network = constructed(POINTS, inactive=10)
    document = checked(stationary(problem, network), problem)
    tampered = _tamper(document, TAMPERINGS[name])
    with pytest.raises(CheckFailure):
        check_certificate(tampered, problem.dataset.X, problem.dataset.y)


def test_tampered_non_stationary_direction_is_rejected():
    problem, network = constructed(POINTS, inactive=0)
    moved = Network(((V[0] + F(1, 100), V[1], V[2]),), network.w2, bias=True)
    document = checked(stationary(problem, moved), problem)
    neuron = document["neurons"][0]
    assert neuron["direction"] is not None
    reversed_direction = _tamper(
        document,
        lambda d: d["neurons"][0].update(direction=[f"-({v})" for v in neuron["direction"]]),
    )
    flipped = [str(-F(v)) for v in neuron["direction"]]
    opposite = _tamper(document, lambda d: d["neurons"][0].update(direction=flipped))
    for tampered in (reversed_direction, opposite):
        with pytest.raises(CheckFailure):
            check_certificate(tampered, problem.dataset.X, problem.dataset.y)
