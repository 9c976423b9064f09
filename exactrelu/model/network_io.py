"""Networks in and out: JSON, numpy arrays and PyTorch state dicts (docs/formats.md, "Networks").

This is the validated boundary of :class:`~exactrelu.model.network.Network`: the loaders
(:func:`network_from_json`, :func:`read_network`, :func:`network_from_arrays`,
:func:`network_from_torch_state_dict`) validate and raise
:class:`~exactrelu.errors.ExactReluInputError` with one line; floats are converted exactly
(``0.1`` becomes 3602879701896397/36028797018963968), strings are read as written (``"0.1"`` is
1/10, ``"1/3"`` allowed).  :func:`network_to_json` writes rational strings, read back exactly;
:func:`network_to_float_json`, :func:`network_to_numpy_state_dict` and
:func:`network_to_torch_state_dict` write float copies (correctly rounded, numeric).
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


def network_to_float_json(network: Network) -> dict:
    """A **numeric** float copy of :func:`network_to_json` (the ``*_float`` fields of
    docs/formats.md): the same object with every rational string replaced by its correctly
    rounded float64 (``float(Fraction)``); ``bias`` stays a boolean."""
    out: dict = {
        "W1": [[float(v) for v in row] for row in network.W1],
        "w2": [float(v) for v in network.w2],
        "bias": network.bias,
    }
    if network.output_bias is not None:
        out["output_bias"] = float(network.output_bias)
    if network.gates is not None:
        out["gates"] = [[float(v) for v in row] for row in network.gates]
    return out


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


SEQUENTIAL_LAYERS = ("0", "2")
"""The layer names of ``nn.Sequential(nn.Linear(d, m), nn.ReLU(), nn.Linear(m, 1))``."""


def network_from_torch_state_dict(
    state: object, d: int, *, layers: tuple[str, str] | None = None
) -> Network:
    """A network from the state dict of a ``Linear(d, m) → ReLU → Linear(m, 1)`` model.

    The two Linear layers may have any names (``0``/``2`` of ``nn.Sequential``, ``hidden``/
    ``out`` of a custom module, ``net.0``/``net.2`` when nested): each key must be
    ``<layer>.weight`` or ``<layer>.bias`` of exactly two layers, which are told apart by their
    shapes: the first has weight (m, d) and optional bias (m,), the second weight (1, m) and
    optional bias (1,).  When both orders fit (m = d = 1) the layers must be named by
    Sequential indices (``net.0``, ``net.2``: the lower index is first) or by ``layers``;
    ``layers=(first, second)`` names the two prefixes explicitly (then no shape search).

    A present first bias sets ``bias = True`` (the bias weight becomes the last entry of each
    W1 row); a present second bias becomes the output bias.  A module with ``state_dict()`` is
    accepted too.  Tensors of any float dtype are converted exactly (float16/bfloat16/float32
    widen exactly to float64); values may also be numpy arrays.  torch is imported only when a
    value is a tensor.  The inverse is :func:`network_to_torch_state_dict`.
    """
    if callable(getattr(state, "state_dict", None)):
        state = state.state_dict()  # type: ignore[union-attr]
    if not isinstance(state, Mapping):
        raise ExactReluInputError(f"a state dict must be a mapping, got {type(state).__name__}")
    arrays = {str(key): _tensor_array(value, str(key)) for key, value in state.items()}
    first, second = _linear_layers(arrays, d) if layers is None else _named_layers(arrays, layers)
    return _network_of_layers(arrays, first, second, d)


def _layer_names(layers: object) -> tuple[str, str]:
    if (
        not isinstance(layers, (tuple, list))
        or len(layers) != 2
        or not all(isinstance(name, str) and name for name in layers)
        or layers[0] == layers[1]
    ):
        raise ExactReluInputError(
            f"layers must be two different layer names (first, second), got {layers!r}"
        )
    return layers[0], layers[1]


def _named_layers(arrays: dict[str, np.ndarray], layers: object) -> tuple[str, str]:
    first, second = _layer_names(layers)
    allowed = {f"{name}.{leaf}" for name in (first, second) for leaf in ("weight", "bias")}
    missing = [f"{name}.weight" for name in (first, second) if f"{name}.weight" not in arrays]
    extra = sorted(set(arrays) - allowed)
    if missing or extra:
        raise ExactReluInputError(
            f"expected the state dict of Linear(d, m) -> ReLU -> Linear(m, 1) with layers "
            f"{first!r} and {second!r}: missing {missing}, unexpected {extra}"
        )
    return first, second


def _linear_layers(arrays: dict[str, np.ndarray], d: int) -> tuple[str, str]:
    """The names of the two Linear layers, found by their shapes (see
    :func:`network_from_torch_state_dict`)."""
    groups: dict[str, set[str]] = {}
    unexpected = []
    for key in arrays:
        prefix, dot, leaf = key.rpartition(".")
        if not dot or leaf not in ("weight", "bias"):
            unexpected.append(key)
        else:
            groups.setdefault(prefix, set()).add(leaf)
    names = [name for name, leaves in groups.items() if "weight" in leaves]
    unexpected += [f"{name}.bias" for name, leaves in groups.items() if "weight" not in leaves]
    if len(names) != 2 or unexpected:
        found = ", ".join(f"{key} {tuple(arrays[key].shape)}" for key in arrays) or "nothing"
        raise ExactReluInputError(
            "expected the state dict of Linear(d, m) -> ReLU -> Linear(m, 1): two layers with "
            f"keys <layer>.weight and optional <layer>.bias, found {len(names)} weights"
            + (f" and unexpected keys {sorted(unexpected)}" if unexpected else "")
            + f" ({found})"
        )
    fitting = [(a, b) for a, b in (names, names[::-1]) if _layers_fit(arrays, a, b, d)]
    if len(fitting) == 1:
        return fitting[0]
    ordered = _sequential_order(names)
    if len(fitting) == 2:
        if ordered is None:
            raise ExactReluInputError(
                f"ambiguous state dict: both {names[0]!r} and {names[1]!r} have the shapes of "
                f"either layer (m = d = 1); name them with layers=(first, second)"
            )
        return ordered
    # neither order fits: report the shapes against the likelier order
    return ordered or (names[0], names[1])


def _sequential_order(names: list[str]) -> tuple[str, str] | None:
    """The two layers ordered by their ``nn.Sequential`` indices (``net.0`` before ``net.2``),
    when both names end in an index after the same parent."""
    parts = [name.rpartition(".") for name in names]
    if parts[0][0] != parts[1][0] or not all(p[2].isdigit() for p in parts):
        return None
    a, b = sorted(names, key=lambda name: int(name.rpartition(".")[2]))
    return a, b


def _layers_fit(arrays: dict[str, np.ndarray], first: str, second: str, d: int) -> bool:
    weight = arrays[f"{first}.weight"]
    if weight.ndim != 2 or weight.shape[1] != d:
        return False
    m = weight.shape[0]
    expected = {f"{first}.bias": (m,), f"{second}.weight": (1, m), f"{second}.bias": (1,)}
    return all(
        tuple(arrays[key].shape) == shape for key, shape in expected.items() if key in arrays
    )


def _network_of_layers(arrays: dict[str, np.ndarray], first: str, second: str, d: int) -> Network:
    weight = arrays[f"{first}.weight"]
    if weight.ndim != 2 or weight.shape[1] != d:
        raise ExactReluInputError(
            f"state dict {first}.weight has shape {tuple(weight.shape)} but the data needs (m, {d})"
        )
    m = weight.shape[0]
    _expect_shape(arrays, f"{second}.weight", (1, m))
    _expect_shape(arrays, f"{first}.bias", (m,))
    _expect_shape(arrays, f"{second}.bias", (1,))
    hidden = arrays.get(f"{first}.bias")
    W1 = weight if hidden is None else np.hstack([weight, hidden.reshape(m, 1)])
    out = arrays.get(f"{second}.bias")
    return network_from_arrays(
        W1,
        arrays[f"{second}.weight"],
        bias=hidden is not None,
        output_bias=None if out is None else out[0],
        d=d,
    )


def network_to_numpy_state_dict(
    network: Network,
    *,
    layers: tuple[str, str] = SEQUENTIAL_LAYERS,
    dtype: object = np.float64,
    d: int | None = None,
) -> dict[str, np.ndarray]:
    """The state dict of ``nn.Sequential(nn.Linear(d, m), nn.ReLU(), nn.Linear(m, 1))`` as numpy
    arrays (no torch needed): ``0.weight`` (m × d), ``0.bias`` (m, with a hidden bias),
    ``2.weight`` (1 × m), ``2.bias`` (1, with an output bias); ``layers`` renames ``0``/``2``.

    A **float copy** (numeric): each entry is the correctly rounded float of the exact weight
    (``dtype`` float64 or float32; see :meth:`Network.to_arrays`).  Read back exactly by
    :func:`network_from_torch_state_dict`.  ``d`` is needed only for the width-0 network.
    Gated networks have no Linear → ReLU → Linear form and are refused.
    """
    if network.gated:
        raise ExactReluInputError("a gated network is not Linear -> ReLU -> Linear")
    first, second = _layer_names(layers)
    arrays = network.to_arrays(dtype)
    m = network.width
    if network.input_size is None:
        if d is None:
            raise ExactReluInputError("the width-0 network needs d (its input dimension)")
        weight = np.zeros((0, d), dtype=arrays.W1.dtype)
    else:
        if d is not None:
            check_input_size(network, d)
        weight = np.ascontiguousarray(arrays.weight)
    out = {f"{first}.weight": weight}
    if network.bias:
        hidden = arrays.hidden_bias
        out[f"{first}.bias"] = (
            np.zeros(0, dtype=weight.dtype) if hidden is None else np.ascontiguousarray(hidden)
        )
    out[f"{second}.weight"] = arrays.w2.reshape(1, m).copy()
    if arrays.output_bias is not None:
        out[f"{second}.bias"] = np.array([arrays.output_bias], dtype=weight.dtype)
    return out


def network_to_torch_state_dict(
    network: Network,
    *,
    layers: tuple[str, str] = SEQUENTIAL_LAYERS,
    dtype: object = None,
    d: int | None = None,
) -> dict[str, object]:
    """:func:`network_to_numpy_state_dict` as torch tensors, for ``model.load_state_dict``.

    ``dtype``: ``torch.float32`` or ``torch.float64`` (default ``torch.get_default_dtype()``,
    float32 unless changed); every entry is the correctly rounded float of the exact weight, so
    export in the model's own dtype (``load_state_dict`` would round float64 to float32 a
    second time).  Raises :class:`~exactrelu.errors.ExactReluInputError` when torch is not
    installed (use :func:`network_to_numpy_state_dict` then).
    """
    try:
        import torch
    except ImportError:
        raise ExactReluInputError(
            "torch is not installed: network_to_numpy_state_dict gives the same state dict "
            "as numpy arrays"
        ) from None
    dtype = torch.get_default_dtype() if dtype is None else dtype
    names = {torch.float64: np.float64, torch.float32: np.float32}
    if dtype not in names:
        raise ExactReluInputError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
    arrays = network_to_numpy_state_dict(network, layers=layers, dtype=names[dtype], d=d)
    return {key: torch.from_numpy(value) for key, value in arrays.items()}


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
