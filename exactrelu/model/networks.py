"""Two-layer ReLU networks, evaluated exactly, and the maps to and from the convex program.

docs/theory.md §1 (the non-convex problem NC), §3 (convex reformulation, α-form), §5 (optimal
neurons are balanced), §9 (stationary points).  Everything here is exact: weights are Fractions, the
fit and the objective of a rational network are computed with integer matrix products (python-flint
``fmpz_mat``) over a common denominator, never with floats.

Conventions
-----------
* A network has ``W1`` (m rows of D = d entries, or d + 1 with a hidden bias, the bias weight
  last), ``w2`` (m entries), an optional unregularized ``output_bias`` and optional ``gates``
  (gated ReLU: neuron j uses the fixed pattern ``1[x̃·g_j >= 0]``).  Width 0 is the zero network.
* ``objective`` is the **sum scale** of docs/theory.md §1:
  ``NC = ½‖f(X) − y‖² + (λ/2) Σ_j (‖W1_j‖² + w2_j²)``; the ``mean`` scale of the authors' code
  (loss divided by n) is the caller's conversion (λ_sum = n·λ_mean, objective_sum = n·obj_mean).
* The boundary (``network_from_json``, ``network_from_arrays``, ``network_from_torch_state_dict``)
  validates and raises :class:`~exactrelu.errors.ExactReluInputError` with one line; floats are
  converted exactly (``0.1`` becomes 3602879701896397/36028797018963968), strings are read as
  written (``"0.1"`` is 1/10, ``"1/3"`` allowed).
* Square roots (of the convex penalty ``λ‖u_b‖``, of the α-form scales) are never rounded
  silently: :class:`SqrtSum` holds ``a + Σ c_i √N_i`` exactly, and a rational network derived from
  convex weights states its exact excess over the convex objective.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

import numpy as np
from flint import fmpz_mat

from exactrelu.data.io import Dataset, as_dataset
from exactrelu.errors import ExactReluInputError
from exactrelu.exact.rationals import rational_str, to_fraction

Row = tuple[Fraction, ...]
Matrix = tuple[Row, ...]

DEFAULT_SCALE_DIGITS = 12
"""Significant decimal digits of a rational square-root scale ``t`` (relative error < 10^-11)."""


# ---------------------------------------------------------------------------------------------
# Exact sums of square roots
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SqrtSum:
    """An exact real ``rational + Σ coef_i · √radicand_i`` (docs/theory.md §3, §7).

    Canonical enough to decide everything: radicands are integers > 1 that are not perfect
    squares and no two of them have a square ratio, so ``{1, √N_1, …}`` are linearly independent
    over Q (Besicovitch) and the value is rational iff ``terms`` is empty.  Hence ``==`` and
    ``sign`` are exact decisions (the sign of an irrational sum is found by refining rigorous
    rational bounds, which terminates because the value is not zero).  Build with :meth:`of`.
    """

    rational: Fraction
    terms: tuple[tuple[Fraction, int], ...] = ()

    @classmethod
    def of(
        cls, rational: Fraction | int = 0, sqrt_terms: Iterable[tuple[Fraction, Fraction]] = ()
    ) -> SqrtSum:
        """``rational + Σ coef·√q`` for rational ``q >= 0`` (perfect squares become rational)."""
        total = Fraction(rational)
        classes: list[list] = []  # [coef, radicand]
        for coef, q in sqrt_terms:
            total += _add_sqrt_term(classes, Fraction(coef), Fraction(q))
        terms = tuple(sorted(((c, n) for c, n in classes if c != 0), key=lambda term: term[1]))
        return cls(total, terms)

    def _pairs(self) -> list[tuple[Fraction, Fraction]]:
        return [(c, Fraction(n)) for c, n in self.terms]

    def __add__(self, other: object) -> SqrtSum:
        other = _as_sqrt_sum(other)
        return SqrtSum.of(self.rational + other.rational, self._pairs() + other._pairs())

    __radd__ = __add__

    def __neg__(self) -> SqrtSum:
        return SqrtSum(-self.rational, tuple((-c, n) for c, n in self.terms))

    def __sub__(self, other: object) -> SqrtSum:
        return self + (-_as_sqrt_sum(other))

    def __rsub__(self, other: object) -> SqrtSum:
        return _as_sqrt_sum(other) - self

    def __mul__(self, scalar: Fraction | int) -> SqrtSum:
        scalar = Fraction(scalar)
        if scalar == 0:
            return SqrtSum(Fraction(0))
        return SqrtSum(self.rational * scalar, tuple((c * scalar, n) for c, n in self.terms))

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        try:
            difference = self - _as_sqrt_sum(other)
        except TypeError:
            return NotImplemented
        return difference.rational == 0 and not difference.terms

    __hash__ = None  # type: ignore[assignment]

    def __lt__(self, other: object) -> bool:
        return (self - _as_sqrt_sum(other)).sign() < 0

    def __le__(self, other: object) -> bool:
        return (self - _as_sqrt_sum(other)).sign() <= 0

    def __gt__(self, other: object) -> bool:
        return (self - _as_sqrt_sum(other)).sign() > 0

    def __ge__(self, other: object) -> bool:
        return (self - _as_sqrt_sum(other)).sign() >= 0

    @property
    def is_rational(self) -> bool:
        return not self.terms

    def value(self) -> Fraction:
        """The exact value when it is rational; ``ValueError`` otherwise."""
        if self.terms:
            raise ValueError(f"{self} is irrational")
        return self.rational

    def bounds(self, bits: int = 128) -> tuple[Fraction, Fraction]:
        """Rigorous rational bounds ``lo < value < hi`` (each root to within 2^-bits)."""
        lo = hi = self.rational
        for coef, radicand in self.terms:
            root = math.isqrt(radicand << (2 * bits))
            below, above = Fraction(root, 1 << bits), Fraction(root + 1, 1 << bits)
            lo += coef * (below if coef > 0 else above)
            hi += coef * (above if coef > 0 else below)
        return lo, hi

    def sign(self) -> int:
        """The exact sign (−1, 0, 1)."""
        if not self.terms:
            return (self.rational > 0) - (self.rational < 0)
        bits = 64
        while bits <= 1 << 22:
            lo, hi = self.bounds(bits)
            if lo > 0:
                return 1
            if hi < 0:
                return -1
            bits *= 4
        raise ArithmeticError(f"cannot decide the sign of {self}")  # pragma: no cover

    def __float__(self) -> float:
        lo, hi = self.bounds(64)
        return float((lo + hi) / 2)

    def __repr__(self) -> str:
        parts = [rational_str(self.rational)]
        parts += [f"{rational_str(c)}*sqrt({n})" for c, n in self.terms]
        return "SqrtSum(" + " + ".join(parts) + ")"

    def to_json(self, bits: int = 128) -> str | dict:
        """A rational string when rational; otherwise the exact terms and an enclosure.

        ``{"rational": "p/q", "sqrt_terms": [{"coef": "p/q", "sqrt": "sqrt(N)"}], "mid", "rad"}``
        (docs/formats.md, "Numbers": ``"sqrt(p/q)"`` is a square root, ``mid``/``rad`` an
        enclosure).
        """
        if not self.terms:
            return rational_str(self.rational)
        lo, hi = self.bounds(bits)
        return {
            "rational": rational_str(self.rational),
            "sqrt_terms": [{"coef": rational_str(c), "sqrt": f"sqrt({n})"} for c, n in self.terms],
            "mid": rational_str((lo + hi) / 2),
            "rad": rational_str((hi - lo) / 2),
        }


def _as_sqrt_sum(value: object) -> SqrtSum:
    if isinstance(value, SqrtSum):
        return value
    if isinstance(value, (int, Fraction)) and not isinstance(value, bool):
        return SqrtSum(Fraction(value))
    raise TypeError(f"cannot combine SqrtSum with {type(value).__name__}")


def _add_sqrt_term(classes: list[list], coef: Fraction, q: Fraction) -> Fraction:
    """Merge ``coef·√q`` into ``classes``; return its rational part (when √q is rational)."""
    if q < 0:
        raise ValueError(f"square root of a negative number {q}")
    if coef == 0 or q == 0:
        return Fraction(0)
    radicand = q.numerator * q.denominator  # √(p/d) = √(p·d) / d
    coef = coef / q.denominator
    root = math.isqrt(radicand)
    if root * root == radicand:
        return coef * root
    for entry in classes:
        product = radicand * entry[1]
        root = math.isqrt(product)
        if root * root == product:  # √N = root / √M = (root / M) √M
            entry[0] += coef * Fraction(root, entry[1])
            return Fraction(0)
    classes.append([coef, radicand])
    return Fraction(0)


def exact_sqrt(q: Fraction) -> Fraction | None:
    """√q when it is rational, else None."""
    if q < 0:
        return None
    num, den = math.isqrt(q.numerator), math.isqrt(q.denominator)
    if num * num == q.numerator and den * den == q.denominator:
        return Fraction(num, den)
    return None


def rational_root(q: Fraction, k: int, digits: int = DEFAULT_SCALE_DIGITS) -> Fraction:
    """``q^(1/k)`` for k in {2, 4}: exact when rational, else rounded down to ``digits`` digits.

    The approximation is ``floor(q^(1/k)·10^e)/10^e`` with e chosen so that the integer has
    about ``digits`` significant digits (integer square roots only, no floats in the result).
    """
    if k not in (2, 4):
        raise ValueError("k must be 2 or 4")
    if q <= 0:
        return Fraction(0)
    exact = exact_sqrt(q)
    if exact is not None and k == 4:
        exact = exact_sqrt(exact)
    if exact is not None:
        return exact
    log10 = math.log10(q.numerator) - math.log10(q.denominator)
    e = digits - math.floor(log10 / k) - 1
    while True:
        scaled = q * Fraction(10) ** (k * e)
        root = math.isqrt(scaled.numerator // scaled.denominator)
        if k == 4:
            root = math.isqrt(root)
        if root >= 10 ** (digits - 1):
            return Fraction(root) / Fraction(10) ** e
        e += 1


def sqrt_str(q: Fraction) -> str:
    """JSON form of √q (docs/formats.md, "Numbers"): a rational string when √q is rational, else
    ``"sqrt(p/q)"``."""
    root = exact_sqrt(q)
    return rational_str(root) if root is not None else f"sqrt({rational_str(q)})"


# ---------------------------------------------------------------------------------------------
# The network
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Network:
    """An exact two-layer (gated) ReLU network (docs/theory.md §1).

    ``f(X) = Σ_j (X̃ W1_j)_+ w2_j (+ output_bias)`` with ``X̃`` the rows ``[x_k, 1]`` when ``bias``;
    gated: ``Σ_j 1[X̃ g_j >= 0]·(X̃ W1_j) w2_j``.  Weight decay applies to ``W1`` (bias weight
    included) and ``w2``; never to ``output_bias``.
    """

    W1: Matrix
    w2: Row
    bias: bool = False
    output_bias: Fraction | None = None
    gates: Matrix | None = None

    def __post_init__(self) -> None:
        _check_shapes(self.W1, self.w2, self.gates, "network")

    @property
    def width(self) -> int:
        return len(self.w2)

    @property
    def input_size(self) -> int | None:
        """D = d (+1 with bias); None for the width-0 network."""
        return len(self.W1[0]) if self.W1 else None

    @property
    def gated(self) -> bool:
        return self.gates is not None


def _check_shapes(W1: Matrix, w2: Row, gates: Matrix | None, what: str) -> None:
    if len(W1) != len(w2):
        raise ExactReluInputError(f"{what} W1 has {len(W1)} rows but w2 has {len(w2)} entries")
    for name, rows in (("W1", W1), ("gates", gates)):
        if rows is None:
            continue
        if name == "gates" and len(rows) != len(W1):
            raise ExactReluInputError(f"{what} has {len(rows)} gates for {len(W1)} neurons")
        for j, row in enumerate(rows):
            if len(row) != len(rows[0]):
                raise ExactReluInputError(
                    f"{what} {name} row {j} has {len(row)} entries, row 0 has {len(rows[0])}"
                )
        if rows and not rows[0]:
            raise ExactReluInputError(f"{what} {name} rows are empty")
    if gates and len(gates[0]) != len(W1[0]):
        raise ExactReluInputError(
            f"{what} gates have {len(gates[0])} entries per row but W1 rows have {len(W1[0])}"
        )


def check_input_size(network: Network, d: int) -> None:
    """Raise unless the network's rows have d entries (d + 1 with bias)."""
    size = network.input_size
    if size is not None and size != d + network.bias:
        raise ExactReluInputError(
            f"network W1 rows have {size} entries but the data needs {d + network.bias} "
            f"(d = {d}, bias = {network.bias})"
        )


# ---------------------------------------------------------------------------------------------
# Loaders (the validated boundary) and JSON
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
        _matrix(obj["W1"], "network W1"),
        _vector(obj["w2"], "network w2"),
        bias=bias,
        output_bias=None
        if output_bias is None
        else to_fraction(output_bias, "network output_bias"),
        gates=None if gates is None else _matrix(gates, "network gates"),
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
        _matrix(_array_rows(W1, "network W1", 2), "network W1"),
        _vector(_array_rows(w2, "network w2", 1), "network w2"),
        bias=bias,
        output_bias=None
        if output_bias is None
        else to_fraction(_scalar(output_bias), "network output_bias"),
        gates=None
        if gates is None
        else _matrix(_array_rows(gates, "network gates", 2), "network gates"),
        d=d,
    )


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


def _matrix(value: object, what: str) -> Matrix:
    if not isinstance(value, (list, tuple)):
        raise ExactReluInputError(f"{what} must be a list of rows, got {type(value).__name__}")
    rows = []
    for i, row in enumerate(value):
        if not isinstance(row, (list, tuple)):
            raise ExactReluInputError(f"{what}[{i}] must be a list of numbers, got {row!r}")
        rows.append(tuple(to_fraction(v, f"{what}[{i}][{j}]") for j, v in enumerate(row)))
    return tuple(rows)


def _vector(value: object, what: str) -> Row:
    if not isinstance(value, (list, tuple)):
        raise ExactReluInputError(f"{what} must be a list of numbers, got {type(value).__name__}")
    return tuple(to_fraction(v, f"{what}[{j}]") for j, v in enumerate(value))


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


# ---------------------------------------------------------------------------------------------
# Exact evaluation (integer arithmetic over a common denominator)
# ---------------------------------------------------------------------------------------------


def data_matrix(X: object) -> Matrix:
    """The exact rows of ``X`` (a Dataset, numpy array, lists of numbers/Fractions/strings)."""
    if isinstance(X, Dataset):
        return X.X
    return as_dataset(X).X


def augmented(X: Matrix, bias: bool) -> Matrix:
    """``X̃``: the rows ``[x_k, 1]`` with a bias, else ``X`` itself."""
    if not bias:
        return X
    one = (Fraction(1),)
    return tuple(row + one for row in X)


def _scaled(rows: Sequence[Sequence[Fraction]]) -> tuple[list[int], int]:
    """Row-major integers and the common denominator L with ``rows = ints / L``."""
    den = 1
    for row in rows:
        for v in row:
            den = math.lcm(den, v.denominator)
    return [v.numerator * (den // v.denominator) for row in rows for v in row], den


def _row_scaled(rows: Sequence[Sequence[Fraction]]) -> tuple[list[int], list[int]]:
    """Row-major integers and one denominator per row (row i = ints_i / dens[i]).

    Per-row denominators keep the integers small when rows have unrelated denominators (e.g.
    neurons ``u_b / t_b`` of :func:`from_convex`); positive row scales preserve every sign.
    """
    ints: list[int] = []
    dens = []
    for row in rows:
        row_ints, den = _scaled([row])
        ints += row_ints
        dens.append(den)
    return ints, dens


def _products(
    A: Sequence[Sequence[Fraction]], B: Sequence[Sequence[Fraction]]
) -> tuple[list, list[int], list[int]]:
    """``A @ B.T`` as a row-major list of integers (fmpz) with row denominators of A and B:
    ``(A @ B.T)[k, j] = entries[k·m + j] / (a_dens[k]·b_dens[j])``."""
    a_ints, a_dens = _row_scaled(A)
    b_ints, b_dens = _row_scaled(B)
    cols = len(A[0])
    product = fmpz_mat(len(A), cols, a_ints) * fmpz_mat(len(B), cols, b_ints).transpose()
    return product.entries(), a_dens, b_dens


def _rows_with(network: Network, X: object) -> Matrix:
    rows = data_matrix(X)
    check_input_size(network, len(rows[0]))
    return augmented(rows, network.bias)


def _activations(network: Network, rows: Matrix) -> tuple[list, list[int], list[int]]:
    """Row-major ``n × m`` activations ``(X̃ W1_j)_+`` (gated: masked by the gates), scaled as
    in :func:`_products`."""
    pre, a_dens, b_dens = _products(rows, network.W1)
    if network.gates is None:
        return [v if v > 0 else 0 for v in pre], a_dens, b_dens
    gate, _, _ = _products(rows, network.gates)
    return [v if g >= 0 else 0 for v, g in zip(pre, gate, strict=True)], a_dens, b_dens


def _combine(
    values: list, weights: Sequence[Fraction], a_dens: list[int], b_dens: list[int]
) -> list[Fraction]:
    """``Σ_j values[k, j] / (a_dens[k]·b_dens[j]) · weights[j]`` for every k, exactly."""
    n, m = len(a_dens), len(b_dens)
    w_ints, w_den = _scaled([[w / den for w, den in zip(weights, b_dens, strict=True)]])
    column = fmpz_mat(n, m, values) * fmpz_mat(m, 1, w_ints)
    return [Fraction(int(v), w_den * den) for v, den in zip(column.entries(), a_dens, strict=True)]


def fit(network: Network, X: object) -> tuple[Fraction, ...]:
    """The exact output ``f(X)`` of the network on every row of ``X`` (docs/theory.md §1)."""
    rows = _rows_with(network, X)
    return _fit_rows(network, rows)


def _fit_rows(network: Network, rows: Matrix) -> tuple[Fraction, ...]:
    offset = network.output_bias or Fraction(0)
    if network.width == 0:
        return (offset,) * len(rows)
    values, a_dens, b_dens = _activations(network, rows)
    return tuple(v + offset for v in _combine(values, network.w2, a_dens, b_dens))


def penalty(network: Network) -> Fraction:
    """``Σ_j (‖W1_j‖² + w2_j²)`` exactly (multiply by λ/2 for the weight decay)."""
    total = Fraction(0)
    for row in (*network.W1, network.w2):
        ints, den = _scaled([row])
        total += Fraction(sum(v * v for v in ints), den * den)
    return total


def squared_error(prediction: Sequence[Fraction], y: Sequence[Fraction]) -> Fraction:
    """``‖prediction − y‖²`` exactly (integer arithmetic over a common denominator)."""
    diffs = [p - t for p, t in zip(prediction, y, strict=True)]
    ints, den = _scaled([diffs])
    return Fraction(sum(v * v for v in ints), den * den)


def _target(X: object, y: object, n: int) -> tuple[Fraction, ...]:
    """The exact target: ``y``, or the Dataset's own target when ``y`` is None."""
    if y is None:
        if isinstance(X, Dataset) and X.y is not None:
            return X.y
        raise ExactReluInputError("no target y given")
    if isinstance(y, np.ndarray):
        if y.ndim != 1:
            raise ExactReluInputError(f"y must be 1-D, got shape {y.shape}")
        y = y.tolist()
    values = _vector(list(y) if not isinstance(y, (list, tuple)) else y, "y")  # type: ignore[call-overload]
    if len(values) != n:
        raise ExactReluInputError(f"y has {len(values)} entries but X has {n} rows")
    return values


def _lam(lam: object, positive: bool = False) -> Fraction:
    value = to_fraction(lam, "lam")
    if value < 0 or (positive and value == 0):
        raise ExactReluInputError(f"lam must be {'> 0' if positive else '>= 0'}, got {lam}")
    return value


def objective(network: Network, X: object, y: object, lam: object) -> Fraction:
    """The exact NC objective ``½‖f(X) − y‖² + (λ/2) Σ_j (‖W1_j‖² + w2_j²)`` (sum scale, §1).

    ``y`` may be None when ``X`` is a Dataset with a target.
    """
    rows = _rows_with(network, X)
    target = _target(X, y, len(rows))
    return squared_error(_fit_rows(network, rows), target) / 2 + _lam(lam) / 2 * penalty(network)


# ---------------------------------------------------------------------------------------------
# Non-convex -> convex (docs/theory.md §3)
# ---------------------------------------------------------------------------------------------


class ConvexBlock(NamedTuple):
    """One block of the convex program: pattern ``D`` (``pattern[k]`` = row k active), sign
    ``s``, weights ``u``; the block's fit is ``s·D X̃ u``.  For gated networks ``gate`` is a gate
    vector realizing the pattern (and ``u`` is unconstrained)."""

    pattern: tuple[bool, ...]
    sign: int
    u: Row
    gate: Row | None = None


def to_convex(network: Network, X: object, cells: object = None) -> list[ConvexBlock]:
    """The convex weights of a network (docs/theory.md §3, NC → convex), exactly.

    Each neuron j with ``w2_j ≠ 0`` and ``W1_j ≠ 0`` goes to a block with sign
    ``s = sign(w2_j)``, adding ``|w2_j|·W1_j`` to its ``u``; neurons with the same
    (pattern, sign) are merged by summing.  Neurons with zero weights are dropped (they
    contribute nothing to the fit).  The pattern is

    * without ``cells``: ``1[X̃ W1_j >= 0]`` as computed (gated: ``1[X̃ g_j >= 0]``).  When
      ``W1_j`` lies on hyperplanes of the data this is the pattern of a *face*, which need not be
      the pattern of any cell (``x_2 = −x_1``, docs/theory.md §2);
    * with ``cells`` (a bool array count × n of cell patterns, e.g.
      ``enumerate_patterns(...).patterns``): the first listed cell whose closure contains
      ``W1_j`` (its pattern agrees with ``X̃ W1_j`` on every row where that is nonzero).  A neuron
      in no listed closure raises (the list is incomplete).  ReLU networks only.

    Either way ``W1_j`` lies in the closed cone ``{u : (2D − I) X̃ u >= 0}`` of its pattern, where
    ``(X̃ u)_+ = D X̃ u``; the cone is convex, so the merged ``u`` stays in it and the convex fit
    equals the network's fit.  Then ``NC(network) >= P(u)`` (:func:`convex_objective`), with
    equality iff the neurons are balanced and the merged ones positively collinear.
    """
    rows = _rows_with(network, X)
    n, m = len(rows), network.width
    if m == 0:
        return []
    table = _cell_table(cells, n, network)
    pre, _, _ = _products(rows, network.gates if network.gates is not None else network.W1)
    merged: dict[tuple[tuple[bool, ...], int], ConvexBlock] = {}
    for j, (weights, out) in enumerate(zip(network.W1, network.w2, strict=True)):
        if out == 0 or not any(weights):
            continue
        signs = [pre[k * m + j] for k in range(n)]
        pattern = tuple(v >= 0 for v in signs) if table is None else _cell_of(table, signs, j)
        sign = 1 if out > 0 else -1
        scaled = tuple(abs(out) * v for v in weights)
        key = (pattern, sign)
        if key in merged:
            old = merged[key]
            scaled = tuple(a + b for a, b in zip(old.u, scaled, strict=True))
            merged[key] = old._replace(u=scaled)
        else:
            gate = None if network.gates is None else network.gates[j]
            merged[key] = ConvexBlock(pattern, sign, scaled, gate)
    return list(merged.values())


def _cell_table(cells: object, n: int, network: Network) -> np.ndarray | None:
    if cells is None:
        return None
    if network.gates is not None:
        raise ExactReluInputError("cells apply to ReLU networks; a gated network has its gates")
    table = np.asarray(cells, dtype=bool)
    if table.ndim != 2 or table.shape[1] != n:
        raise ExactReluInputError(f"cells must be a bool array (count × {n}), got {table.shape}")
    return table


def _cell_of(table: np.ndarray, values: list, j: int) -> tuple[bool, ...]:
    """The first cell pattern that agrees with ``values >= 0`` wherever ``values ≠ 0``."""
    strict = np.array([v != 0 for v in values], dtype=bool)
    positive = np.array([v > 0 for v in values], dtype=bool)
    match = np.all(table[:, strict] == positive[strict], axis=1)
    hits = np.flatnonzero(match)
    if not len(hits):
        raise ExactReluInputError(
            f"neuron {j} lies in the closure of no listed cell: the cell list is incomplete"
        )
    return tuple(bool(v) for v in table[hits[0]])


def _block_rows(blocks: Sequence[ConvexBlock], X: object) -> tuple[Matrix, bool]:
    """Data rows augmented as the blocks need (u of length d: no bias; d + 1: bias)."""
    rows = data_matrix(X)
    d = len(rows[0])
    sizes = {len(b.u) for b in blocks}
    if not sizes <= {d} and not sizes <= {d + 1}:
        raise ExactReluInputError(
            f"convex weights have sizes {sorted(sizes)}; the data has d = {d}"
        )
    for b in blocks:
        if len(b.pattern) != len(rows):
            raise ExactReluInputError(
                f"a pattern has {len(b.pattern)} entries, the data {len(rows)}"
            )
    bias = sizes == {d + 1}
    return augmented(rows, bias), bias


def convex_fit(blocks: Sequence[ConvexBlock], X: object) -> tuple[Fraction, ...]:
    """``Σ_b s_b D_b X̃ u_b`` exactly (bias inferred from the length of ``u``)."""
    rows, _ = _block_rows(blocks, X)
    n, m = len(rows), len(blocks)
    if m == 0:
        return (Fraction(0),) * n
    pre, a_dens, b_dens = _products(rows, [b.u for b in blocks])
    values = [pre[k * m + i] if b.pattern[k] else 0 for k in range(n) for i, b in enumerate(blocks)]
    return tuple(_combine(values, [Fraction(b.sign) for b in blocks], a_dens, b_dens))


def in_cones(blocks: Sequence[ConvexBlock], X: object) -> bool:
    """Whether every ReLU block satisfies its cone constraint ``(2D − I) X̃ u >= 0`` (gated
    blocks, with a ``gate``, are unconstrained)."""
    rows, _ = _block_rows(blocks, X)
    relu = [b for b in blocks if b.gate is None]
    if not relu:
        return True
    pre, _, _ = _products(rows, [b.u for b in relu])
    m = len(relu)
    return all(
        (pre[k * m + i] >= 0) if b.pattern[k] else (pre[k * m + i] <= 0)
        for k in range(len(rows))
        for i, b in enumerate(relu)
    )


def convex_objective(
    blocks: Sequence[ConvexBlock],
    X: object,
    y: object,
    lam: object,
    output_bias: Fraction | None = None,
) -> SqrtSum:
    """``P(u) = ½‖Σ_b s_b D_b X̃ u_b (+ output bias) − y‖² + λ Σ_b ‖u_b‖`` exactly (docs/theory.md
    §3).

    Irrational in general (the group norms); exact as a :class:`SqrtSum`.
    """
    rows = data_matrix(X)
    target = _target(X, y, len(rows))
    offset = output_bias or Fraction(0)
    prediction = [v + offset for v in convex_fit(blocks, X)]
    lam = _lam(lam)
    norms = [(lam, sum((v * v for v in b.u), Fraction(0))) for b in blocks]
    return SqrtSum.of(squared_error(prediction, target) / 2, norms)


# ---------------------------------------------------------------------------------------------
# Convex -> non-convex with rational scales (docs/theory.md §3)
# ---------------------------------------------------------------------------------------------


def convex_scale(u: Sequence[Fraction], scale_digits: int = DEFAULT_SCALE_DIGITS) -> Fraction:
    """A rational ``t ≈ √‖u‖`` (exact when ``‖u‖²`` is a rational fourth power)."""
    return rational_root(sum((v * v for v in u), Fraction(0)), 4, scale_digits)


def from_convex(
    blocks: Sequence[ConvexBlock],
    *,
    bias: bool = False,
    output_bias: Fraction | None = None,
    scale_digits: int = DEFAULT_SCALE_DIGITS,
) -> Network:
    """The rational network of convex weights (docs/theory.md §3, convex → NC), one neuron per
    block.

    ``t = convex_scale(u_b)``, ``W1 = u_b / t``, ``w2 = s_b t``; blocks with ``u_b = 0`` are
    dropped.  ``u_b/t`` lies in the same closed cone as ``u_b`` (t > 0), so the fit is exactly the
    convex fit; only the penalty changes: ``NC = P(u) + rounding_excess(blocks, λ)`` exactly, with
    the excess ``Σ_b (λ/2)(‖u_b‖²/t² + t²) − λ‖u_b‖ = Σ_b (λ/2t²)(‖u_b‖ − t²)² >= 0``, zero iff
    every ``t² = ‖u_b‖``.  Gated blocks (with a ``gate``) give a gated network.
    """
    kept = [b for b in blocks if any(b.u)]
    gated = {b.gate is not None for b in kept}
    if len(gated) > 1:
        raise ExactReluInputError("cannot mix gated and ReLU blocks in one network")
    W1, w2 = [], []
    for block in kept:
        t = convex_scale(block.u, scale_digits)
        W1.append(tuple(v / t for v in block.u))
        w2.append(block.sign * t)
    gates = tuple(b.gate for b in kept) if gated == {True} else None
    return Network(tuple(W1), tuple(w2), bias, output_bias, gates)  # type: ignore[arg-type]


def rounding_excess(
    blocks: Sequence[ConvexBlock], lam: object, *, scale_digits: int = DEFAULT_SCALE_DIGITS
) -> SqrtSum:
    """The exact excess ``NC(from_convex(blocks)) − P(u)`` (see :func:`from_convex`), >= 0."""
    lam = _lam(lam)
    rational, roots = Fraction(0), []
    for block in blocks:
        q = sum((v * v for v in block.u), Fraction(0))
        if q == 0:
            continue
        t = convex_scale(block.u, scale_digits)
        rational += lam / 2 * (q / (t * t) + t * t)
        roots.append((-lam, q))
    return SqrtSum.of(rational, roots)


# ---------------------------------------------------------------------------------------------
# Balancing (docs/theory.md §5, §9)
# ---------------------------------------------------------------------------------------------


def balance(network: Network, *, scale_digits: int = DEFAULT_SCALE_DIGITS) -> Network:
    """Rescale each neuron ``(W1_j, w2_j) -> (W1_j / c, c·w2_j)``, c > 0, towards
    ``‖W1_j‖ = |w2_j|``.

    ``c = (‖W1_j‖/|w2_j|)^(1/2)`` exactly when that is rational (the neuron becomes balanced),
    otherwise a rational approximation, kept only if it lowers the neuron's penalty.  Positive
    homogeneity keeps every neuron's output (gates are unchanged); neurons with ``w2_j = 0`` or
    ``W1_j = 0`` become zero (the limit of rescaling).  The fit never changes, the penalty never
    increases (exact comparison).
    """
    W1, w2 = [], []
    for weights, out in zip(network.W1, network.w2, strict=True):
        a = sum((v * v for v in weights), Fraction(0))
        b = out * out
        if a == 0 or b == 0:
            W1.append(tuple(Fraction(0) for _ in weights))
            w2.append(Fraction(0))
            continue
        c = rational_root(a / b, 4, scale_digits)
        if a / (c * c) + b * c * c > a + b:
            c = Fraction(1)
        W1.append(tuple(v / c for v in weights))
        w2.append(out * c)
    return Network(tuple(W1), tuple(w2), network.bias, network.output_bias, network.gates)


def is_balanced(network: Network) -> bool:
    """Whether ``‖W1_j‖ = |w2_j|`` for every neuron, exactly."""
    return all(
        sum((v * v for v in weights), Fraction(0)) == out * out
        for weights, out in zip(network.W1, network.w2, strict=True)
    )


# ---------------------------------------------------------------------------------------------
# α-form: exact optimal networks with irrational weights (docs/theory.md §3, §5)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlphaNeuron:
    """A neuron in α-form: rational direction ``v`` with ``‖v‖ = λ``, sign s, rational α >= 0.

    It means ``u = α v`` (so ``‖u‖ = λα``), ``W1 = √(α/λ) v``, ``w2 = s √(αλ)``: a balanced
    neuron with output ``α s (X̃ v)_+`` and penalty ``(λ/2)(‖W1‖² + w2²) = λ²α``.
    """

    direction: Row
    sign: int
    alpha: Fraction


def check_alpha_form(neurons: Sequence[AlphaNeuron], lam: object) -> Fraction:
    """Validate (‖v‖² = λ² exactly, s = ±1, α >= 0, equal lengths); return λ as a Fraction."""
    lam = _lam(lam, positive=True)
    for i, neuron in enumerate(neurons):
        norm2 = sum((v * v for v in neuron.direction), Fraction(0))
        if norm2 != lam * lam:
            raise ExactReluInputError(
                f"alpha-form neuron {i}: ‖direction‖² = {rational_str(norm2)}, "
                f"must equal λ² = {rational_str(lam * lam)}"
            )
        if neuron.sign not in (1, -1):
            raise ExactReluInputError(f"alpha-form neuron {i}: sign must be 1 or -1")
        if neuron.alpha < 0:
            raise ExactReluInputError(f"alpha-form neuron {i}: alpha must be >= 0")
        if len(neuron.direction) != len(neurons[0].direction):
            raise ExactReluInputError(f"alpha-form neuron {i}: direction length differs")
    return lam


def _alpha_linear_network(
    neurons: Sequence[AlphaNeuron], bias: bool, output_bias: Fraction | None
) -> Network:
    """A rational network with the α-form's fit: ``W1 = v``, ``w2 = α s`` (not its penalty)."""
    return Network(
        tuple(nu.direction for nu in neurons),
        tuple(nu.alpha * nu.sign for nu in neurons),
        bias,
        output_bias,
    )


def alpha_form_fit(
    neurons: Sequence[AlphaNeuron],
    X: object,
    *,
    bias: bool = False,
    output_bias: Fraction | None = None,
) -> tuple[Fraction, ...]:
    """``Σ_ν α_ν s_ν (X̃ v_ν)_+ (+ output bias)`` exactly."""
    return fit(_alpha_linear_network(neurons, bias, output_bias), X)


def alpha_form_objective(
    neurons: Sequence[AlphaNeuron],
    X: object,
    y: object,
    lam: object,
    *,
    bias: bool = False,
    output_bias: Fraction | None = None,
) -> Fraction:
    """The exact objective ``½‖Σ α_ν s_ν (X̃ v_ν)_+ − y‖² + λ² Σ α_ν`` of the α-form network
    (= its convex objective P(u) and its NC objective with the irrational weights; rational)."""
    lam = check_alpha_form(neurons, lam)
    network = _alpha_linear_network(neurons, bias, output_bias)
    rows = _rows_with(network, X)
    loss = squared_error(_fit_rows(network, rows), _target(X, y, len(rows))) / 2
    return loss + lam * lam * sum((nu.alpha for nu in neurons), Fraction(0))


def alpha_form_network(
    neurons: Sequence[AlphaNeuron],
    lam: object,
    *,
    bias: bool = False,
    output_bias: Fraction | None = None,
    scale_digits: int = DEFAULT_SCALE_DIGITS,
) -> Network:
    """The rational network of an α-form: ``t ≈ √(αλ)`` rational (exact when rational),
    ``W1 = α v / t``, ``w2 = s t``; neurons with α = 0 are dropped.  Same fit as the α-form;
    objective larger by :func:`alpha_form_excess` exactly."""
    lam = check_alpha_form(neurons, lam)
    W1, w2 = [], []
    for nu in neurons:
        if nu.alpha == 0:
            continue
        t = rational_root(nu.alpha * lam, 2, scale_digits)
        W1.append(tuple(nu.alpha * v / t for v in nu.direction))
        w2.append(nu.sign * t)
    return Network(tuple(W1), tuple(w2), bias, output_bias)


def alpha_form_excess(
    neurons: Sequence[AlphaNeuron], lam: object, *, scale_digits: int = DEFAULT_SCALE_DIGITS
) -> Fraction:
    """``NC(alpha_form_network) − alpha_form_objective`` exactly: with ``‖u‖ = αλ`` rational,
    ``Σ_ν (λ/2)(‖u‖²/t² + t²) − λ‖u‖ = Σ_ν (λ/2t²)(αλ − t²)² >= 0``."""
    lam = check_alpha_form(neurons, lam)
    total = Fraction(0)
    for nu in neurons:
        if nu.alpha == 0:
            continue
        norm = nu.alpha * lam
        t = rational_root(norm, 2, scale_digits)
        total += lam / 2 * (norm * norm / (t * t) + t * t) - lam * norm
    return total


def alpha_form_to_json(neurons: Sequence[AlphaNeuron], lam: object) -> list[dict]:
    """The ``alpha_form`` list of docs/formats.md list: ``{"alpha", "direction", "sign"}`` as
    rational strings, plus ``"W1_scale"`` = √(α/λ) (``W1 = W1_scale · direction``) and ``"w2_abs"``
    = √(αλ) (``w2 = sign · w2_abs``) as ``"sqrt(p/q)"`` strings (rational strings when rational)."""
    lam = check_alpha_form(neurons, lam)
    return [
        {
            "alpha": rational_str(nu.alpha),
            "direction": [rational_str(v) for v in nu.direction],
            "sign": nu.sign,
            "W1_scale": sqrt_str(nu.alpha / lam),
            "w2_abs": sqrt_str(nu.alpha * lam),
        }
        for nu in neurons
    ]


def alpha_form_from_json(items: object, lam: object) -> list[AlphaNeuron]:
    """Parse an ``alpha_form`` list (extra keys ignored) and validate it against λ."""
    if not isinstance(items, (list, tuple)):
        raise ExactReluInputError("alpha_form must be a list of neurons")
    neurons = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or not {"alpha", "direction", "sign"} <= set(item):
            raise ExactReluInputError(f"alpha_form[{i}] needs keys alpha, direction, sign")
        neurons.append(
            AlphaNeuron(
                _vector(item["direction"], f"alpha_form[{i}].direction"),
                int(to_fraction(item["sign"], f"alpha_form[{i}].sign")),
                to_fraction(item["alpha"], f"alpha_form[{i}].alpha"),
            )
        )
    check_alpha_form(neurons, lam)
    return neurons


def alpha_form_from_blocks(blocks: Sequence[ConvexBlock], lam: object) -> list[AlphaNeuron] | None:
    """The α-form of convex weights when every ``‖u_b‖`` is rational (``v = λ u/‖u‖``,
    ``α = ‖u‖/λ``), else None.  Zero blocks are dropped."""
    lam = _lam(lam, positive=True)
    neurons = []
    for block in blocks:
        norm = exact_sqrt(sum((v * v for v in block.u), Fraction(0)))
        if norm is None:
            return None
        if norm:
            neurons.append(
                AlphaNeuron(tuple(lam * v / norm for v in block.u), block.sign, norm / lam)
            )
    return neurons


def alpha_form_summary(
    neurons: Sequence[AlphaNeuron],
    X: object,
    y: object,
    lam: object,
    *,
    bias: bool = False,
    output_bias: Fraction | None = None,
    scale_digits: int = DEFAULT_SCALE_DIGITS,
) -> dict:
    """JSON for an exact network in α-form beside its rational network (docs/formats.md, "Numbers"):
    ``alpha_form``, ``objective`` (exact, of the α-form), ``network``, ``network_objective``
    (exact NC value of the rational network) and ``network_excess`` (their difference, >= 0)."""
    network = alpha_form_network(
        neurons, lam, bias=bias, output_bias=output_bias, scale_digits=scale_digits
    )
    exact = alpha_form_objective(neurons, X, y, lam, bias=bias, output_bias=output_bias)
    rational = objective(network, X, y, lam)
    return {
        "alpha_form": alpha_form_to_json(neurons, lam),
        "objective": rational_str(exact),
        "network": network_to_json(network),
        "network_objective": rational_str(rational),
        "network_excess": rational_str(rational - exact),
    }
