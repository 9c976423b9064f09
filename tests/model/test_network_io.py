"""Networks in and out: JSON (round trip, errors, files), numpy arrays and PyTorch state dicts."""

from __future__ import annotations

import json
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from network_instances import instances

from exactrelu.errors import ExactReluInputError
from exactrelu.model.network import fit, objective, rounded_array
from exactrelu.model.network_io import (
    network_from_arrays,
    network_from_json,
    network_from_torch_state_dict,
    network_to_float_json,
    network_to_json,
    network_to_numpy_state_dict,
    network_to_torch_state_dict,
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
    with pytest.raises(ExactReluInputError, match=r"found 1 weights \(0.weight \(2, 2\)\)"):
        network_from_torch_state_dict({"0.weight": state["0.weight"]}, 2)
    with pytest.raises(ExactReluInputError, match="found 3 weights"):
        network_from_torch_state_dict({**state, "4.weight": state["2.weight"]}, 2)
    with pytest.raises(ExactReluInputError, match=r"unexpected keys \['0.running_mean'\]"):
        network_from_torch_state_dict({**state, "0.running_mean": state["0.bias"]}, 2)
    with pytest.raises(ExactReluInputError, match=r"2.weight has shape \(2, 1\)"):
        network_from_torch_state_dict({**state, "2.weight": state["2.weight"].T}, 2)
    with pytest.raises(ExactReluInputError, match="finite"):
        network_from_torch_state_dict({**state, "2.bias": np.array([np.inf])}, 2)


def _state(prefixes=("0", "2"), m=3, d=2, bias=True, output_bias=True, seed=0):
    rng = np.random.default_rng(seed)
    first, second = prefixes
    state = {f"{first}.weight": rng.standard_normal((m, d)).astype(np.float32)}
    if bias:
        state[f"{first}.bias"] = rng.standard_normal(m).astype(np.float32)
    state[f"{second}.weight"] = rng.standard_normal((1, m)).astype(np.float32)
    if output_bias:
        state[f"{second}.bias"] = rng.standard_normal(1).astype(np.float32)
    return state


@pytest.mark.parametrize(
    "prefixes", [("hidden", "out"), ("out", "hidden"), ("net.0", "net.2"), ("fc1", "fc2")]
)
@pytest.mark.parametrize(("bias", "output_bias"), [(True, True), (False, False), (True, False)])
def test_state_dict_any_layer_names(prefixes, bias, output_bias):
    named = _state(prefixes, bias=bias, output_bias=output_bias)
    reference = network_from_torch_state_dict(
        _state(bias=bias, output_bias=output_bias), 2
    )  # the same values under the Sequential names
    assert network_from_torch_state_dict(named, 2) == reference
    assert network_from_torch_state_dict(dict(reversed(named.items())), 2) == reference
    assert network_from_torch_state_dict(named, 2, layers=prefixes) == reference


def test_state_dict_layers_found_by_shape_not_order():
    # second layer listed first; m = 1 and d = 2 tell the layers apart
    state = {"head.weight": np.array([[2.0]]), "body.weight": np.array([[1.0, -1.0]])}
    net = network_from_torch_state_dict(state, 2)
    assert net.W1 == ((F(1), F(-1)),) and net.w2 == (F(2),)


def test_state_dict_ambiguous_and_named_layers():
    state = {"b.weight": np.array([[3.0]]), "a.weight": np.array([[2.0]])}  # m = d = 1
    with pytest.raises(ExactReluInputError, match=r"ambiguous.*layers=\(first, second\)"):
        network_from_torch_state_dict(state, 1)
    assert network_from_torch_state_dict(state, 1, layers=("a", "b")).w2 == (F(3),)
    assert network_from_torch_state_dict(state, 1, layers=("b", "a")).w2 == (F(2),)
    # Sequential indices decide (the lower index is the first layer), as before
    seq = {"2.weight": np.array([[3.0]]), "0.weight": np.array([[2.0]])}
    assert network_from_torch_state_dict(seq, 1).w2 == (F(3),)
    # a bias tells them apart: only the first layer may have an m-vector bias with m = 1 ...
    # ... both have shape (1,), so biases do not help either
    with pytest.raises(ExactReluInputError, match="ambiguous"):
        network_from_torch_state_dict({**state, "a.bias": np.ones(1)}, 1)
    with pytest.raises(ExactReluInputError, match=r"missing \['c.weight'\]"):
        network_from_torch_state_dict(state, 1, layers=("a", "c"))
    with pytest.raises(ExactReluInputError, match=r"unexpected \['b.weight'\]"):
        network_from_torch_state_dict(
            {**state, "c.weight": state["a.weight"]}, 1, layers=("a", "c")
        )
    with pytest.raises(ExactReluInputError, match="two different layer names"):
        network_from_torch_state_dict(state, 1, layers=("a", "a"))
    with pytest.raises(ExactReluInputError, match="found 2 weights and unexpected keys"):
        network_from_torch_state_dict({**state, "scale": np.ones(1)}, 1)


def test_state_dict_shapes_that_fit_no_order():
    state = _state(("enc", "dec"))
    with pytest.raises(ExactReluInputError, match=r"enc.weight has shape \(3, 2\) but the data"):
        network_from_torch_state_dict(state, 4)
    bad = {**state, "dec.weight": np.ones((1, 4), dtype=np.float32)}
    with pytest.raises(
        ExactReluInputError, match=r"dec.weight has shape \(1, 4\), expected \(1, 3\)"
    ):
        network_from_torch_state_dict(bad, 2)


@settings(max_examples=40, deadline=None)
@given(instances())
def test_numpy_state_dict_round_trip(instance):
    net, X, _, _ = instance
    if net.gated:
        with pytest.raises(ExactReluInputError, match="gated"):
            network_to_numpy_state_dict(net, d=len(X[0]))
        return
    d = len(X[0])
    for dtype in (np.float64, np.float32):
        state = network_to_numpy_state_dict(net, dtype=dtype, d=d)
        assert all(value.dtype == dtype for value in state.values())
        back = network_from_torch_state_dict(state, d)
        assert back.width == net.width and back.bias == net.bias
        assert (back.output_bias is None) == (net.output_bias is None)
        if net.width:  # every entry is the correctly rounded float of the exact one
            expected = tuple(
                tuple(F(float(x)) for x in rounded_array(row, dtype)) for row in net.W1
            )
            assert back.W1 == expected
    renamed = network_to_numpy_state_dict(net, layers=("hidden", "out"), d=d)
    assert "hidden.weight" in renamed and "out.weight" in renamed
    assert network_from_torch_state_dict(renamed, d) == network_from_torch_state_dict(
        network_to_numpy_state_dict(net, d=d), d
    )


def test_numpy_state_dict_shapes_and_exact_round_trip():
    net = network_from_json(
        {"W1": [["1/2", -1, "3/4"], [0, 2, "-1/8"]], "w2": [1, "-5/4"], "output_bias": "1/16"},
        d=2,
        bias=True,
    )
    state = network_to_numpy_state_dict(net)
    assert {k: v.shape for k, v in state.items()} == {
        "0.weight": (2, 2),
        "0.bias": (2,),
        "2.weight": (1, 2),
        "2.bias": (1,),
    }
    assert network_from_torch_state_dict(state, 2) == net  # dyadic weights: exact round trip
    zero = network_from_json({"W1": [], "w2": []})
    assert network_to_numpy_state_dict(zero, d=3)["0.weight"].shape == (0, 3)
    with pytest.raises(ExactReluInputError, match="needs d"):
        network_to_numpy_state_dict(zero)
    with pytest.raises(ExactReluInputError, match="float64 or float32"):
        network_to_numpy_state_dict(net, dtype=np.float16)


def test_float32_export_is_correctly_rounded():
    # 1 + 2^-24 + 2^-60 rounds to float64 1 + 2^-24, a float32 tie that rounds down to 1;
    # the nearest float32 is 1 + 2^-23
    value = 1 + F(1, 2**24) + F(1, 2**60)
    assert np.float32(float(value)) == 1.0
    assert rounded_array([value], np.float32)[0] == np.float32(1 + 2**-23)
    assert rounded_array([1 + F(1, 2**24)], np.float32)[0] == np.float32(1.0)  # a tie: even
    assert rounded_array([F(10) ** 50], np.float32)[0] == np.inf


def test_torch_export_without_torch(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "torch", None)
    net = network_from_json({"W1": [[1, 2]], "w2": [3]}, d=2)
    with pytest.raises(ExactReluInputError, match="torch is not installed.*numpy"):
        network_to_torch_state_dict(net)


def test_torch_export_round_trip():
    torch = pytest.importorskip("torch")
    net = network_from_json(
        {"W1": [["1/3", 2, 1]], "w2": ["-1/7"], "output_bias": 1}, d=2, bias=True
    )
    model = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.ReLU(), torch.nn.Linear(1, 1))
    model.load_state_dict(network_to_torch_state_dict(net))
    assert network_from_torch_state_dict(model, 2).W1[0][0] == F(float(np.float32(1 / 3)))
    double = network_to_torch_state_dict(net, dtype=torch.float64)
    assert double["0.weight"].dtype == torch.float64


def test_network_to_arrays_and_predict():
    net = network_from_json(
        {"W1": [["1/3", 2, 1], [-1, 0, "1/2"]], "w2": ["-1/7", 3], "output_bias": "1/10"},
        d=2,
        bias=True,
    )
    arrays = net.to_arrays()
    assert arrays.W1.dtype == np.float64 and arrays.W1.shape == (2, 3)
    assert arrays.W1[0, 0] == 1 / 3 and arrays.w2[0] == -1 / 7 and arrays.output_bias == 0.1
    assert arrays.weight.shape == (2, 2) and list(arrays.hidden_bias) == [1.0, 0.5]
    assert net.to_arrays(np.float32).W1.dtype == np.float32
    back = network_from_arrays(
        arrays.W1, arrays.w2, bias=arrays.bias, output_bias=arrays.output_bias
    )
    assert back.W1[0][0] == F(1 / 3) != net.W1[0][0]  # a float copy, read back exactly
    X = [[1, 2], ["1/2", -1]]
    exact = net.predict(X)
    assert exact == fit(net, X) and all(isinstance(v, F) for v in exact)
    floats = net.predict(X, exact=False)
    assert floats.dtype == np.float64 and list(floats) == [float(v) for v in exact]
    plain = network_from_json({"W1": [[1]], "w2": [2]}, d=1)
    assert plain.to_arrays().hidden_bias is None and plain.to_arrays().output_bias is None
    assert plain.predict([[3], [-1]]) == (F(6), F(0))


def test_float_json_mirrors_exact_json():
    net = network_from_json(
        {"W1": [["1/3", 2]], "w2": ["-1/7"], "output_bias": "1/10", "gates": [[1, "1/3"]]}, d=2
    )
    exact, floats = network_to_json(net), network_to_float_json(net)
    assert floats == {
        "W1": [[1 / 3, 2.0]],
        "w2": [-1 / 7],
        "bias": False,
        "output_bias": 0.1,
        "gates": [[1.0, 1 / 3]],
    }
    assert set(floats) == set(exact)


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
