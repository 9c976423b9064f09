"""The α-form: exact optimal networks with irrational weights, their rational networks and JSON."""

from __future__ import annotations

import json
from fractions import Fraction as F

import pytest

from exactrelu.errors import ExactReluInputError
from exactrelu.model.alpha_form import (
    AlphaNeuron,
    alpha_form_excess,
    alpha_form_fit,
    alpha_form_from_blocks,
    alpha_form_from_json,
    alpha_form_network,
    alpha_form_objective,
    alpha_form_summary,
    alpha_form_to_json,
)
from exactrelu.model.convex import ConvexBlock, convex_objective, rounding_excess, to_convex
from exactrelu.model.network import fit, is_balanced, objective
from exactrelu.model.network_io import network_from_json

# --- the paper's example (docs/theory.md §3) -------------------------------------------------

X1 = [[3, 4]]
V = (F(3, 5), F(4, 5))  # ‖v‖ = 1 = λ


def test_paper_example_y10_rational_optimum():
    net = network_from_json({"W1": [["21/25", "28/25"]], "w2": ["7/5"], "bias": False}, d=2)
    assert objective(net, X1, [10], 1) == F(99, 50)
    assert is_balanced(net)
    # the α-form with α = 49/25 rounds to exactly this network, with zero excess
    neurons = [AlphaNeuron(V, 1, F(49, 25))]
    assert alpha_form_objective(neurons, X1, [10], 1) == F(99, 50)
    assert alpha_form_network(neurons, 1) == net
    assert alpha_form_excess(neurons, 1) == 0
    assert alpha_form_to_json(neurons, 1)[0]["w2_abs"] == "7/5"


def test_paper_example_y11_alpha_form():
    neurons = [AlphaNeuron(V, 1, F(54, 25))]
    assert alpha_form_objective(neurons, X1, [11], 1) == F(109, 50)
    assert alpha_form_fit(neurons, X1) == (F(54, 5),)  # residual r = 1/5
    item = alpha_form_to_json(neurons, 1)[0]
    assert item == {
        "alpha": "54/25",
        "direction": ["3/5", "4/5"],
        "sign": 1,
        "W1_scale": "sqrt(54/25)",
        "w2_abs": "sqrt(54/25)",  # = 3√6/5
    }
    assert F(54, 25) == (F(3, 5)) ** 2 * 6
    net = alpha_form_network(neurons, 1)
    excess = alpha_form_excess(neurons, 1)
    assert excess > 0
    assert objective(net, X1, [11], 1) == F(109, 50) + excess
    assert excess < F(1, 10**20)
    # the rational network has exactly the α-form's fit and convex weights u = α v, ‖u‖ = 54/25
    assert fit(net, X1) == (F(54, 5),)
    (block,) = to_convex(net, X1)
    assert block.u == tuple(F(54, 25) * v for v in V)
    assert sum(v * v for v in block.u) == F(54, 25) ** 2
    summary = alpha_form_summary(neurons, X1, [11], 1)
    assert summary["objective"] == "109/50"
    assert F(summary["network_excess"]) == excess
    assert F(summary["network_objective"]) == F(109, 50) + excess
    # the convex objective of the blocks is exactly the α-form objective (‖u‖ rational here)
    assert convex_objective([block], X1, [11], 1) == F(109, 50)
    assert rounding_excess([block], 1) == excess


def test_alpha_form_validation_and_json():
    with pytest.raises(ExactReluInputError, match="must equal λ²"):
        alpha_form_objective([AlphaNeuron((F(1), F(1)), 1, F(1))], X1, [1], 1)
    with pytest.raises(ExactReluInputError, match="alpha must be >= 0"):
        alpha_form_network([AlphaNeuron(V, 1, F(-1))], 1)
    with pytest.raises(ExactReluInputError, match="sign"):
        alpha_form_network([AlphaNeuron(V, 0, F(1))], 1)
    neurons = [AlphaNeuron(V, 1, F(54, 25)), AlphaNeuron((F(-1), F(0)), -1, F(1, 3))]
    assert (
        alpha_form_from_json(json.loads(json.dumps(alpha_form_to_json(neurons, 1))), 1) == neurons
    )
    # λ = 2: directions of norm 2
    neurons2 = [AlphaNeuron((F(6, 5), F(8, 5)), -1, F(1, 2))]
    assert alpha_form_to_json(neurons2, 2)[0]["W1_scale"] == "1/2"
    assert alpha_form_to_json(neurons2, 2)[0]["w2_abs"] == "1"
    assert alpha_form_excess(neurons2, 2) == 0


def test_alpha_form_from_blocks():
    blocks = [ConvexBlock((True,), 1, (F(3), F(4))), ConvexBlock((False,), -1, (F(0), F(0)))]
    (neuron,) = alpha_form_from_blocks(blocks, 2)
    assert neuron == AlphaNeuron((F(6, 5), F(8, 5)), 1, F(5, 2))
    assert alpha_form_from_blocks([ConvexBlock((True,), 1, (F(1), F(1)))], 1) is None
