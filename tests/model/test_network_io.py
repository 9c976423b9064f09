"""Networks in and out: JSON (round trip, errors, files), numpy arrays and PyTorch state dicts."""

from __future__ import annotations

import json
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from network_instances import instances

from exactrelu.errors import ExactReluInputError
from exactrelu.model.network import fit, objective
from exactrelu.model.network_io import (
    network_from_arrays,
    network_from_json,
    network_from_torch_state_dict,
    network_to_json,
    read_network,
)

# --- JSON ------------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(instances())
def test_json_round_trip(instance):
    net, X, _, _ = instance
    text = json.dumps(network_to_json(net))
    assert network_from_json(json.loads(text), len(X[0]), net.bias) == net


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


# --- numpy arrays ----------------------------------------------------------------------------


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


# --- PyTorch state dicts ---------------------------------------------------------------------


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


def test_state_dict_tensors_without_torch(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "torch", None)  # import torch -> ImportError
    state = {"0.weight": object(), "2.weight": np.ones((1, 1))}
    with pytest.raises(ExactReluInputError, match="torch is not installed"):
        network_from_torch_state_dict(state, 1)
