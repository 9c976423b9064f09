"""The reduction NC → convex (neurons merged into blocks) and its inverse convex → NC."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from network_instances import instances

from exactrelu.errors import ExactReluInputError
from exactrelu.model.convex import (
    convex_fit,
    convex_objective,
    from_convex,
    in_cones,
    rounding_excess,
    to_convex,
)
from exactrelu.model.network import balance, fit, objective
from exactrelu.model.network_io import network_from_json


@settings(max_examples=50, deadline=None)
@given(instances())
def test_convex_round_trip(instance):
    net, X, y, lam = instance
    balanced = balance(net)
    assert fit(balanced, X) == fit(net, X)
    assert objective(balanced, X, y, lam) <= objective(net, X, y, lam)
    blocks = to_convex(net, X)
    assert in_cones(blocks, X) or net.gated
    offset = net.output_bias or F(0)
    assert tuple(v + offset for v in convex_fit(blocks, X)) == fit(net, X)
    back = from_convex(blocks, bias=net.bias, output_bias=net.output_bias)
    assert fit(back, X) == fit(balanced, X)
    # NC(net) >= P(u) = NC(back) - excess, with the excess exact and >= 0
    convex = convex_objective(blocks, X, y, lam, output_bias=net.output_bias)
    excess = rounding_excess(blocks, lam)
    assert excess >= 0
    assert convex <= objective(net, X, y, lam)
    assert objective(back, X, y, lam) == convex + excess
    # merging never increases the objective of a balanced network beyond the rounding excess
    assert objective(back, X, y, lam) <= objective(balanced, X, y, lam) + excess


def test_merged_collinear_neurons_and_face_patterns():
    # two balanced, collinear neurons: NC = P(u) exactly; one merged neuron needs t = √2
    net = network_from_json({"W1": [[1, 0], [1, 0]], "w2": [1, 1]})
    X, y, lam = [[1, 0], [0, 1]], [1, 0], F(1, 2)
    (block,) = to_convex(net, X)
    assert block.u == (F(2), F(0))
    assert convex_objective([block], X, y, lam) == objective(net, X, y, lam)
    back = from_convex([block])
    assert back.width == 1 and fit(back, X) == fit(net, X)
    assert rounding_excess([block], lam) > 0
    assert objective(back, X, y, lam) > objective(net, X, y, lam)  # by the rounding excess only
    # a neuron on the hyperplane shared by x_1 and x_2 = -x_1: the face pattern (1, 1) is not the
    # pattern of any cell, and it is reported as computed
    face = network_from_json({"W1": [[1, -1]], "w2": [-2]})
    (block,) = to_convex(face, [[1, 1], [-1, -1]])
    assert block.pattern == (True, True) and block.sign == -1 and block.u == (F(2), F(-2))
    assert convex_fit([block], [[1, 1], [-1, -1]]) == (0, 0)


def test_to_convex_with_enumerated_cells():
    from exactrelu.arrangement.patterns import enumerate_patterns

    X = [[1, 1], [-1, -1], [1, 0]]
    cells = enumerate_patterns(X, bias=False).patterns
    face = network_from_json({"W1": [[1, -1], [2, -1]], "w2": [-2, 3]})
    blocks = to_convex(face, X, cells=cells)
    patterns = {tuple(bool(v) for v in row) for row in cells}
    assert all(block.pattern in patterns for block in blocks)
    assert in_cones(blocks, X)
    assert convex_fit(blocks, X) == fit(face, X)
    with pytest.raises(ExactReluInputError, match="incomplete"):
        to_convex(face, X, cells=cells[:1])
