"""Networks in and out: JSON, numpy arrays and PyTorch state dicts (docs/formats.md, "Networks").

This is the validated boundary of :class:`~exactrelu.model.network.Network`: the loaders
(:func:`network_from_json`, :func:`read_network`, :func:`network_from_arrays`,
:func:`network_from_torch_state_dict`) validate and raise
:class:`~exactrelu.errors.ExactReluInputError` with one line; floats are converted exactly
(``0.1`` becomes 3602879701896397/36028797018963968), strings are read as written (``"0.1"`` is
1/10, ``"1/3"`` allowed).  :func:`network_to_json` writes rational strings, read back exactly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path

import numpy as np

from exactrelu.errors import ExactReluInputError
from exactrelu.exact.rationals import rational_str, to_fraction
from exactrelu.model.network import Matrix, Network, Row, check_input_size

# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------


def network_from_json(obj: object, d: int | None = None, bias: bool | None = None) -> Network:
    """A network from the network JSON of docs/formats.md ``{"W1": [[...]], "w2": [...], "bias":
    false}``.

    Optional keys ``"output_bias"`` and ``"gates"``; other keys are ignored.  Numbers: JSON
    numbers (floats converted exactly) or strings ``"p/q"``/decimals (read exactly).  ``bias``
    (the data's setting, e.g. ``--bias``) must agree with the JSON's ``"bias"`` when both are
    given; when ``bias`` is None the JSON decides (default false).  With ``d`` the row length is
    checked against the data.
    """
    if not isinstance(obj, Mapping):
        raise ExactReluInputError(
            f"a network must be a JSON object with keys W1 and w2, got {type(obj).__name__}"
        )
    for key in ("W1", "w2"):
        if key not in obj:
            raise ExactReluInputError(f"the network JSON has no {key!r}")
    stated = obj.get("bias")
    if stated is not None and not isinstance(stated, bool):
        raise ExactReluInputError(f"network 'bias' must be true or false, got {stated!r}")
    if bias is None:
        bias = bool(stated)
    elif stated is not None and stated != bias:
        raise ExactReluInputError(
            f"the network has bias = {str(stated).lower()} but the data has "
            f"bias = {str(bias).lower()} (use --bias for a network with a hidden bias)"
        )
    output_bias = obj.get("output_bias")
    gates = obj.get("gates")
    return _build_network(
        parse_matrix(obj["W1"], "network W1"),
        parse_vector(obj["w2"], "network w2"),
        bias=bias,
        output_bias=None
        if output_bias is None
        else to_fraction(output_bias, "network output_bias"),
        gates=None if gates is None else parse_matrix(gates, "network gates"),
        d=d,
    )


def read_network(path: str | Path, d: int | None = None, bias: bool | None = None) -> Network:
    """Read a network JSON file (:func:`network_from_json`)."""
    path = Path(path)
    if not path.is_file():
        raise ExactReluInputError(f"network file not found: {path}")
    try:
        obj = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ExactReluInputError(f"{path}: not valid JSON ({exc})") from None
    if isinstance(obj, Mapping) and "W1" not in obj and isinstance(obj.get("network"), Mapping):
        obj = obj["network"]  # an output file of solve / prune
    return network_from_json(obj, d, bias)


def network_to_json(network: Network) -> dict:
    """The network JSON of docs/formats.md with rational strings (exact; parsed back by
    :func:`network_from_json`)."""
    out: dict = {
        "W1": [[rational_str(v) for v in row] for row in network.W1],
        "w2": [rational_str(v) for v in network.w2],
        "bias": network.bias,
    }
    if network.output_bias is not None:
        out["output_bias"] = rational_str(network.output_bias)
    if network.gates is not None:
        out["gates"] = [[rational_str(v) for v in row] for row in network.gates]
    return out


def parse_matrix(value: object, what: str) -> Matrix:
    """Exact rows from a JSON list of lists of numbers (``what`` names it in errors)."""
    if not isinstance(value, (list, tuple)):
        raise ExactReluInputError(f"{what} must be a list of rows, got {type(value).__name__}")
    rows = []
    for i, row in enumerate(value):
        if not isinstance(row, (list, tuple)):
            raise ExactReluInputError(f"{what}[{i}] must be a list of numbers, got {row!r}")
        rows.append(tuple(to_fraction(v, f"{what}[{i}][{j}]") for j, v in enumerate(row)))
    return tuple(rows)


def parse_vector(value: object, what: str) -> Row:
    """An exact vector from a JSON list of numbers (``what`` names it in errors)."""
    if not isinstance(value, (list, tuple)):
        raise ExactReluInputError(f"{what} must be a list of numbers, got {type(value).__name__}")
    return tuple(to_fraction(v, f"{what}[{j}]") for j, v in enumerate(value))


def _build_network(
    W1: Matrix,
    w2: Row,
    *,
    bias: bool,
    output_bias: Fraction | None,
    gates: Matrix | None,
    d: int | None,
) -> Network:
    network = Network(W1=W1, w2=w2, bias=bias, output_bias=output_bias, gates=gates)
    if d is not None:
        check_input_size(network, d)
    return network


# ---------------------------------------------------------------------------------------------
# numpy arrays
# ---------------------------------------------------------------------------------------------


def network_from_arrays(
    W1: object,
    w2: object,
    *,
    bias: bool = False,
    output_bias: object = None,
    gates: object = None,
    d: int | None = None,
) -> Network:
    """A network from array-likes: ``W1`` (m × D), ``w2`` (m, or 1 × m / m × 1).

    Float arrays (any float dtype) are converted exactly; lists may hold Fractions or strings.
    """
    return _build_network(
        parse_matrix(_array_rows(W1, "network W1", 2), "network W1"),
        parse_vector(_array_rows(w2, "network w2", 1), "network w2"),
        bias=bias,
        output_bias=None
        if output_bias is None
        else to_fraction(_scalar(output_bias), "network output_bias"),
        gates=None
        if gates is None
        else parse_matrix(_array_rows(gates, "network gates", 2), "network gates"),
        d=d,
    )


def _array_rows(value: object, what: str, ndim: int) -> list:
    if not isinstance(value, np.ndarray):
        return list(value) if isinstance(value, (list, tuple)) else value  # type: ignore[return-value]
    if value.dtype.kind not in "iufO":
        raise ExactReluInputError(f"{what} must be numeric, got dtype {value.dtype}")
    if ndim == 1 and value.ndim == 2 and 1 in value.shape:
        value = value.reshape(-1)
    if value.ndim != ndim:
        raise ExactReluInputError(f"{what} must be {ndim}-D, got shape {value.shape}")
    if ndim == 2 and value.shape[0] > 0 and value.shape[1] == 0:
        raise ExactReluInputError(f"{what} rows are empty")
    return value.tolist()


def _scalar(value: object) -> object:
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise ExactReluInputError(f"the output bias must be a scalar, got shape {value.shape}")
        return value.reshape(-1).tolist()[0]
    return value


# ---------------------------------------------------------------------------------------------
# PyTorch state dicts
# ---------------------------------------------------------------------------------------------


def network_from_torch_state_dict(state: object, d: int) -> Network:
    """A network from the state dict of ``Sequential(Linear(d, m), ReLU(), Linear(m, 1))``.

    Keys ``0.weight`` (m × d), optional ``0.bias`` (m; present ⇒ ``bias = True``, the bias
    weight becomes the last entry of each W1 row), ``2.weight`` (1 × m) and optional ``2.bias``
    (1; the output bias, absent with ``Linear(m, 1, bias=False)``).  A module with
    ``state_dict()`` is accepted too.  Tensors of any float dtype are converted exactly
    (float16/bfloat16/float32 widen exactly to float64); values may also be numpy arrays.  torch
    is imported only when a value is a tensor.
    """
    if callable(getattr(state, "state_dict", None)):
        state = state.state_dict()  # type: ignore[union-attr]
    if not isinstance(state, Mapping):
        raise ExactReluInputError(f"a state dict must be a mapping, got {type(state).__name__}")
    keys = set(state)
    missing = {"0.weight", "2.weight"} - keys
    extra = keys - {"0.weight", "0.bias", "2.weight", "2.bias"}
    if missing or extra:
        raise ExactReluInputError(
            "expected the state dict of Linear(d, m) -> ReLU -> Linear(m, 1): "
            f"missing {sorted(missing)}, unexpected {sorted(extra)}"
        )
    arrays = {key: _tensor_array(value, key) for key, value in state.items()}
    weight = arrays["0.weight"]
    if weight.ndim != 2 or weight.shape[1] != d:
        raise ExactReluInputError(
            f"state dict 0.weight has shape {tuple(weight.shape)} but the data needs (m, {d})"
        )
    m = weight.shape[0]
    _expect_shape(arrays, "2.weight", (1, m))
    _expect_shape(arrays, "0.bias", (m,))
    _expect_shape(arrays, "2.bias", (1,))
    has_bias = "0.bias" in arrays
    W1 = np.hstack([weight, arrays["0.bias"].reshape(m, 1)]) if has_bias else weight
    out = arrays.get("2.bias")
    return network_from_arrays(
        W1, arrays["2.weight"], bias=has_bias, output_bias=None if out is None else out[0], d=d
    )


def _tensor_array(value: object, key: str) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    try:
        import torch
    except ImportError:
        raise ExactReluInputError(
            f"state dict entry {key} is a {type(value).__name__}, not a numpy array, and "
            "torch is not installed"
        ) from None
    if not isinstance(value, torch.Tensor):
        raise ExactReluInputError(f"state dict entry {key} is not a tensor: {type(value).__name__}")
    tensor = value.detach().cpu()
    if tensor.is_complex():
        raise ExactReluInputError(f"state dict entry {key} is complex")
    if tensor.is_floating_point():
        tensor = tensor.to(torch.float64)  # exact widening
    return tensor.numpy()


def _expect_shape(arrays: dict[str, np.ndarray], key: str, shape: tuple[int, ...]) -> None:
    if key in arrays and tuple(arrays[key].shape) != shape:
        raise ExactReluInputError(
            f"state dict {key} has shape {tuple(arrays[key].shape)}, expected {shape}"
        )
