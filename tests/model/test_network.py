"""The exact fit and NC objective of a network against a plain-Fraction reference; balancing."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
from hypothesis import given, settings
from network_instances import instances

from exactrelu.data.io import as_dataset
from exactrelu.model.convex import from_convex, in_cones, to_convex
from exactrelu.model.network import Network, balance, fit, is_balanced, objective, penalty
from exactrelu.model.network_io import network_from_arrays, network_from_json

# --- reference implementation (plain Fractions, no tricks) -----------------------------------


def reference_fit(net: Network, X) -> list[F]:
    out = []
    for row in X:
        x = [F(v) for v in row] + ([F(1)] if net.bias else [])
        total = net.output_bias or F(0)
        for j, (w, a) in enumerate(zip(net.W1, net.w2, strict=True)):
            pre = sum((xi * wi for xi, wi in zip(x, w, strict=True)), F(0))
            if net.gates is None:
                total += max(pre, F(0)) * a
            else:
                g = sum((xi * gi for xi, gi in zip(x, net.gates[j], strict=True)), F(0))
                total += (pre if g >= 0 else 0) * a
        out.append(total)
    return out


def reference_objective(net: Network, X, y, lam) -> F:
    loss = sum(((f - F(t)) ** 2 for f, t in zip(reference_fit(net, X), y, strict=True)), F(0))
    pen = sum(v * v for row in net.W1 for v in row) + sum(v * v for v in net.w2)
    return loss / 2 + F(lam) / 2 * pen


# --- exact evaluation ------------------------------------------------------------------------


def test_fit_and_objective_small():
    net = Network(
        W1=((F(1), F(-1), F(0)), (F(0), F(1), F(1, 2))),
        w2=(F(2), F(-1)),
        bias=True,
        output_bias=F(1, 3),
    )
    X = [[1, 0], [0, 1], ["1/2", "-1/2"]]
    assert fit(net, X) == (F(2) + F(1, 3) - F(1, 2), -F(3, 2) + F(1, 3), F(2) + F(1, 3))
    assert objective(net, X, [0, 0, 0], F(1, 2)) == reference_objective(net, X, [0, 0, 0], F(1, 2))
    assert penalty(net) == 2 + 1 + F(1, 4) + 4 + 1


def test_gated_fit():
    net = Network(W1=((F(1), F(1)),), w2=(F(1),), gates=((F(1), F(0)),))
    # gate active iff x_1 >= 0; then the output is linear (may be negative)
    assert fit(net, [[1, -3], [-1, 5], [0, -1]]) == (F(-2), F(0), F(-1))


def test_zero_width_network():
    net = network_from_json({"W1": [], "w2": [], "output_bias": "1/2"}, d=3)
    assert net.width == 0 and net.input_size is None
    assert fit(net, [[1, 2, 3], [4, 5, 6]]) == (F(1, 2), F(1, 2))
    assert objective(net, [[1, 2, 3]], [1], 5) == F(1, 8)
    assert to_convex(net, [[1, 2, 3]]) == []
    assert from_convex([]).width == 0


def test_objective_uses_dataset_target():
    data = as_dataset([[3, 4]], [10])
    net = network_from_json({"W1": [["21/25", "28/25"]], "w2": ["7/5"]})
    assert objective(net, data, None, 1) == F(99, 50)


def test_larger_fit_matches_floats():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 10))
    W1 = rng.standard_normal((50, 11)).astype(np.float32)
    w2 = rng.standard_normal(50)
    net = network_from_arrays(W1, w2, bias=True, output_bias=0.25)
    exact = np.array([float(v) for v in fit(net, X)])
    approx = np.maximum(np.hstack([X, np.ones((300, 1))]) @ W1.astype(float).T, 0) @ w2 + 0.25
    np.testing.assert_allclose(exact, approx, rtol=1e-12, atol=1e-12)
    blocks = to_convex(net, X)
    assert in_cones(blocks, X)
    assert fit(from_convex(blocks, bias=True, output_bias=net.output_bias), X) == fit(net, X)


@settings(max_examples=50, deadline=None)
@given(instances())
def test_exact_evaluation_matches_reference(instance):
    net, X, y, lam = instance
    assert list(fit(net, X)) == reference_fit(net, X)
    assert objective(net, X, y, lam) == reference_objective(net, X, y, lam)


# --- balancing -------------------------------------------------------------------------------


def test_balance_exact_and_approximate():
    exact = balance(network_from_json({"W1": [[8, 0]], "w2": ["1/2"]}))
    assert exact.W1 == ((F(2), F(0)),) and exact.w2 == (F(2),) and is_balanced(exact)
    net = network_from_json({"W1": [[3, 4], [1, 1], [0, 0]], "w2": [1, 0, 5]})
    out = balance(net)
    assert not is_balanced(out)  # ‖W1‖ = |w2| = √5 is irrational
    assert out.W1[1:] == ((F(0), F(0)), (F(0), F(0))) and out.w2[1:] == (F(0), F(0))
    assert penalty(out) < penalty(net)
    X = [[1, 2], [-3, 1]]
    assert fit(out, X) == fit(net, X)
