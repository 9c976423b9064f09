"""Exact two-layer ReLU networks: evaluation, loaders, convex maps, balancing, α-form."""

from __future__ import annotations

import json
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactrelu.data.io import as_dataset
from exactrelu.errors import ExactReluInputError
from exactrelu.model.networks import (
    AlphaNeuron,
    ConvexBlock,
    Network,
    SqrtSum,
    alpha_form_excess,
    alpha_form_fit,
    alpha_form_from_blocks,
    alpha_form_from_json,
    alpha_form_network,
    alpha_form_objective,
    alpha_form_summary,
    alpha_form_to_json,
    balance,
    convex_fit,
    convex_objective,
    fit,
    from_convex,
    in_cones,
    is_balanced,
    network_from_arrays,
    network_from_json,
    network_from_torch_state_dict,
    network_to_json,
    objective,
    penalty,
    rational_root,
    read_network,
    rounding_excess,
    sqrt_str,
    to_convex,
)

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


# --- the paper's example (docs/theory.md §3)
# ---------------------------------------------------------

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


# --- Hypothesis: convex maps, balancing, JSON ------------------------------------------------

small = st.fractions(min_value=-3, max_value=3, max_denominator=4)


@st.composite
def instances(draw):
    d = draw(st.integers(1, 3))
    n = draw(st.integers(1, 6))
    m = draw(st.integers(0, 4))
    bias = draw(st.booleans())
    gated = draw(st.booleans())
    D = d + bias
    X = [[draw(small) for _ in range(d)] for _ in range(n)]
    y = [draw(small) for _ in range(n)]
    W1 = tuple(tuple(draw(small) for _ in range(D)) for _ in range(m))
    w2 = tuple(draw(small) for _ in range(m))
    gates = tuple(tuple(draw(small) for _ in range(D)) for _ in range(m)) if gated else None
    output_bias = draw(st.none() | small)
    lam = draw(st.fractions(min_value=F(1, 10), max_value=3, max_denominator=10))
    return Network(W1, w2, bias, output_bias, gates), X, y, lam


@settings(max_examples=50, deadline=None)
@given(instances())
def test_exact_evaluation_matches_reference(instance):
    net, X, y, lam = instance
    assert list(fit(net, X)) == reference_fit(net, X)
    assert objective(net, X, y, lam) == reference_objective(net, X, y, lam)


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


@settings(max_examples=50, deadline=None)
@given(instances())
def test_json_round_trip(instance):
    net, X, _, _ = instance
    text = json.dumps(network_to_json(net))
    assert network_from_json(json.loads(text), len(X[0]), net.bias) == net


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


# --- square roots ----------------------------------------------------------------------------


def test_sqrt_sum():
    assert SqrtSum.of(0, [(1, 8), (-2, 2)]) == 0
    assert SqrtSum.of(0, [(1, 2)]) > F(7, 5)
    assert SqrtSum.of(0, [(1, 2)]) < F(142, 100)
    assert SqrtSum.of(1, [(1, F(9, 4))]).value() == F(5, 2)
    assert SqrtSum.of(0, [(1, 2), (1, 3)]) - SqrtSum.of(0, [(1, 3)]) == SqrtSum.of(0, [(1, 2)])
    assert (SqrtSum.of(0, [(1, 2)]) - F(3, 2)).sign() == -1
    assert abs(float(SqrtSum.of(1, [(3, F(1, 2))])) - (1 + 3 * 0.5**0.5)) < 1e-15
    assert SqrtSum.of(F(1, 3)).to_json() == "1/3"
    enclosure = SqrtSum.of(0, [(1, 2)]).to_json()
    assert abs(F(enclosure["mid"]) - F(14142135623730951, 10**16)) < F(1, 10**15)
    assert rational_root(F(16, 81), 4) == F(2, 3)
    assert rational_root(F(2), 2, 5) == F(14142, 10000)  # 5 significant digits, rounded down
    assert rational_root(F(1, 10**9), 2, 3) == F(316, 10**7)
    assert sqrt_str(F(4, 9)) == "2/3" and sqrt_str(F(2)) == "sqrt(2)"


# --- loaders and their errors ----------------------------------------------------------------


def test_floats_are_converted_exactly():
    net = network_from_json({"W1": [[0.1, "0.1"]], "w2": [1]}, d=2)
    assert net.W1[0][0] == F(0.1) != F(1, 10)
    assert net.W1[0][1] == F(1, 10)
    arrays = network_from_arrays(np.array([[0.1]], dtype=np.float32), np.array([[2.5]]))
    assert arrays.W1[0][0] == F(float(np.float32(0.1))) != F(1, 10)
    assert arrays.w2 == (F(5, 2),)


@pytest.mark.parametrize(
    ("obj", "d", "bias", "message"),
    [
        (
            {"W1": [[1, 2, 3]], "w2": [1]},
            2,
            False,
            r"network W1 rows have 3 entries but the data needs 2 \(d = 2, bias = False\)",
        ),
        (
            {"W1": [[1, 2]], "w2": [1]},
            2,
            True,
            r"network W1 rows have 2 entries but the data needs 3 \(d = 2, bias = True\)",
        ),
        ({"W1": [[1, 2], [1, 2]], "w2": [1]}, 2, None, "W1 has 2 rows but w2 has 1 entries"),
        ({"W1": [[1, 2], [1]], "w2": [1, 1]}, 2, None, "W1 row 1 has 1 entries, row 0 has 2"),
        ({"W1": [[]], "w2": [1]}, None, None, "rows are empty"),
        ({"W1": [[float("nan"), 1]], "w2": [1]}, 2, None, r"W1\[0\]\[0\] must be finite"),
        ({"W1": [[1, 1]], "w2": [float("inf")]}, 2, None, r"w2\[0\] must be finite"),
        ({"W1": [["nan", 1]], "w2": [1]}, 2, None, "not an exact number"),
        ({"W1": [[1, 1]], "w2": [True]}, 2, None, "must be a number"),
        ({"W1": [[1, 1]]}, 2, None, "has no 'w2'"),
        ([[1, 1]], 2, None, "must be a JSON object"),
        ({"W1": [[1, 1]], "w2": [1], "bias": True}, 2, False, "bias = true but the data"),
        ({"W1": [[1, 1]], "w2": [1], "bias": "yes"}, 2, None, "true or false"),
        ({"W1": [[1, 1]], "w2": [1], "gates": [[1, 1], [1, 0]]}, 2, None, "2 gates for 1"),
        ({"W1": [1, 1], "w2": [1]}, 2, None, r"W1\[0\] must be a list"),
    ],
)
def test_json_errors(obj, d, bias, message):
    with pytest.raises(ExactReluInputError, match=message):
        network_from_json(obj, d, bias)


def test_json_nan_literal_and_file(tmp_path):
    with pytest.raises(ExactReluInputError, match="finite"):
        network_from_json(json.loads('{"W1": [[NaN]], "w2": [1]}'), 1)
    path = tmp_path / "net.json"
    path.write_text(json.dumps({"network": {"W1": [["1/3"]], "w2": [2], "bias": True}}))
    assert read_network(path, d=0).W1 == ((F(1, 3),),)
    with pytest.raises(ExactReluInputError, match="not found"):
        read_network(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ExactReluInputError, match="not valid JSON"):
        read_network(tmp_path / "bad.json")


def test_bias_taken_from_json_or_argument():
    assert network_from_json({"W1": [[1, 2]], "w2": [1], "bias": True}, d=1).bias
    assert network_from_json({"W1": [[1, 2]], "w2": [1]}, d=1, bias=True).bias
    assert not network_from_json({"W1": [[1, 2]], "w2": [1]}, d=2).bias


def test_array_errors():
    with pytest.raises(ExactReluInputError, match="must be 2-D"):
        network_from_arrays(np.ones(3), np.ones(3))
    with pytest.raises(ExactReluInputError, match="must be 1-D"):
        network_from_arrays(np.ones((2, 2)), np.ones((2, 2)))
    with pytest.raises(ExactReluInputError, match="finite"):
        network_from_arrays(np.array([[np.nan]]), np.ones(1))
    with pytest.raises(ExactReluInputError, match="W1 has 2 rows but w2 has 3"):
        network_from_arrays(np.ones((2, 2)), np.ones(3))
    with pytest.raises(ExactReluInputError, match="numeric"):
        network_from_arrays(np.array([["a"]]), np.ones(1))
    net = network_from_arrays(np.ones((1, 2)), np.ones(1))
    with pytest.raises(ExactReluInputError, match="data needs 3"):
        fit(net, [[1, 2, 3]])
    with pytest.raises(ExactReluInputError, match="y has 1 entries but X has 2"):
        objective(net, [[1, 2], [3, 4]], [1], 1)
    with pytest.raises(ExactReluInputError, match="lam must be >= 0"):
        objective(net, [[1, 2]], [1], -1)


def test_state_dict_with_numpy_values():
    state = {
        "0.weight": np.array([[0.5, -1.0], [0.1, 0.2]], dtype=np.float32),
        "0.bias": np.array([0.25, -0.5], dtype=np.float32),
        "2.weight": np.array([[1.5, -2.0]], dtype=np.float32),
        "2.bias": np.array([0.125], dtype=np.float32),
    }
    net = network_from_torch_state_dict(state, 2)
    assert net.bias and net.width == 2 and net.output_bias == F(1, 8)
    assert net.W1[1] == (F(float(np.float32(0.1))), F(float(np.float32(0.2))), F(-1, 2))
    no_bias = network_from_torch_state_dict({k: state[k] for k in ("0.weight", "2.weight")}, 2)
    assert not no_bias.bias and no_bias.output_bias is None
    with pytest.raises(ExactReluInputError, match="data needs"):
        network_from_torch_state_dict(state, 3)
    with pytest.raises(ExactReluInputError, match=r"missing \['2.weight'\]"):
        network_from_torch_state_dict({"0.weight": state["0.weight"]}, 2)
    with pytest.raises(ExactReluInputError, match=r"unexpected \['4.weight'\]"):
        network_from_torch_state_dict({**state, "4.weight": state["2.weight"]}, 2)
    with pytest.raises(ExactReluInputError, match=r"2.weight has shape \(2, 1\)"):
        network_from_torch_state_dict({**state, "2.weight": state["2.weight"].T}, 2)
    with pytest.raises(ExactReluInputError, match="finite"):
        network_from_torch_state_dict({**state, "2.bias": np.array([np.inf])}, 2)


def test_torch_state_dict():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    net = network_from_torch_state_dict(model, 3)
    assert net.bias and net.width == 4 and net.output_bias is not None
    assert net.W1[0][0] == F(model[0].weight[0, 0].item())
    X = np.random.default_rng(0).standard_normal((20, 3))
    with torch.no_grad():
        expected = model(torch.tensor(X, dtype=torch.float64).to(torch.float32)).double()
    exact = np.array([float(v) for v in fit(net, X.astype(np.float32))])
    np.testing.assert_allclose(exact, expected.numpy().ravel(), rtol=1e-5, atol=1e-5)
    half = {k: v.to(torch.bfloat16) for k, v in model.state_dict().items()}
    assert network_from_torch_state_dict(half, 3).W1[0][0] == F(half["0.weight"][0, 0].item())


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


def test_state_dict_tensors_without_torch(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "torch", None)  # import torch -> ImportError
    state = {"0.weight": object(), "2.weight": np.ones((1, 1))}
    with pytest.raises(ExactReluInputError, match="torch is not installed"):
        network_from_torch_state_dict(state, 1)


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
