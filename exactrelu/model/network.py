"""A two-layer ReLU network, its exact fit and its exact objective NC (docs/theory.md §1).

Everything here is exact: weights are Fractions, the fit and the objective of a rational network
are computed with integer matrix products (:mod:`exactrelu.exact.products`) over a common
denominator, never with floats.

Conventions
-----------
* A network has ``W1`` (m rows of D = d entries, or d + 1 with a hidden bias, the bias weight
  last), ``w2`` (m entries), an optional unregularized ``output_bias`` and optional ``gates``
  (gated ReLU: neuron j uses the fixed pattern ``1[x̃·g_j >= 0]``).  Width 0 is the zero network.
* ``objective`` is the **sum scale** of docs/theory.md §1:
  ``NC = ½‖f(X) − y‖² + (λ/2) Σ_j (‖W1_j‖² + w2_j²)``; the ``mean`` scale of the authors' code
  (loss divided by n) is the caller's conversion (λ_sum = n·λ_mean, objective_sum = n·obj_mean).
* Balancing (docs/theory.md §5, §9) rescales neurons without changing the fit and never
  increases the penalty.

Networks are read and written by :mod:`exactrelu.model.network_io`, mapped to and from the convex
program by :mod:`exactrelu.model.convex`, and built from exact optima by
:mod:`exactrelu.model.alpha_form`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from exactrelu.data.io import Dataset, as_dataset
from exactrelu.errors import ExactReluInputError
from exactrelu.exact.products import (
    integer_products,
    squared_error,
    squared_norm,
    weighted_row_sums,
)
from exactrelu.exact.rationals import to_fraction
from exactrelu.exact.surds import DEFAULT_SCALE_DIGITS, rational_root

Row = tuple[Fraction, ...]
Matrix = tuple[Row, ...]


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

    def predict(self, X: object, *, exact: bool = True) -> tuple[Fraction, ...] | np.ndarray:
        """The network's output on every row of ``X`` (n × d: array-like, Dataset, lists of
        numbers, Fractions or strings; floats are taken at their exact binary value).

        ``exact=True`` (default): a tuple of exact Fractions (:func:`fit`).  ``exact=False``: a
        float64 numpy array, each entry the correctly rounded float of the exact output (the
        output is computed exactly, then rounded once).
        """
        values = fit(self, X)
        if exact:
            return values
        return rounded_array(values, np.float64)

    def to_arrays(self, dtype: object = np.float64) -> NetworkArrays:
        """A **float copy** of the weights as numpy arrays (:class:`NetworkArrays`): ``W1``
        (m × D, the hidden-bias weight last when ``bias``), ``w2`` (m), ``output_bias`` (a float
        or None), ``gates``; ``.weight`` and ``.hidden_bias`` split ``W1`` as
        ``nn.Linear(d, m)`` does.

        Each entry is the correctly rounded float (``dtype`` float64 or float32) of the exact
        rational, so the copy is in general **not** the exact network: its outputs and objective
        differ by rounding (the exact weights stay in ``W1``, ``w2``, ``output_bias``).
        ``network_from_arrays(a.W1, a.w2, bias=a.bias, output_bias=a.output_bias)`` reads the
        copy back exactly.  Width 0 gives arrays of shape (0, 0) and (0,).
        """
        D = self.input_size or 0
        return NetworkArrays(
            W1=rounded_array(self.W1, dtype, (self.width, D)),
            w2=rounded_array(self.w2, dtype, (self.width,)),
            bias=self.bias,
            output_bias=None
            if self.output_bias is None
            else float(rounded_array([self.output_bias], dtype)[0]),
            gates=None if self.gates is None else rounded_array(self.gates, dtype, (self.width, D)),
        )


class NetworkArrays(NamedTuple):
    """A float copy of a :class:`Network` (:meth:`Network.to_arrays`): numeric, not exact."""

    W1: np.ndarray
    """m × D: input weights, with the hidden-bias weight as the last column when ``bias``."""
    w2: np.ndarray
    """m output weights."""
    bias: bool
    output_bias: float | None
    gates: np.ndarray | None

    @property
    def weight(self) -> np.ndarray:
        """m × d: the input weights without the hidden-bias column (``nn.Linear(d, m).weight``)."""
        return self.W1[:, :-1] if self.bias else self.W1

    @property
    def hidden_bias(self) -> np.ndarray | None:
        """The m hidden biases (``nn.Linear(d, m).bias``), or None without a hidden bias."""
        return self.W1[:, -1] if self.bias else None


FLOAT_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


def rounded_array(values: Iterable, dtype: object = np.float64, shape=None) -> np.ndarray:
    """The correctly rounded floats (round to nearest, ties to even) of exact rationals, nested
    as ``values`` (a vector or a matrix), as a numpy array of ``dtype`` (float64 or float32).

    float64: ``float(Fraction)`` (correctly rounded in CPython); float32: the float64 rounding
    corrected to the nearest float32 (rounding twice could be off by one unit in the last
    place).  Magnitudes beyond the format's range overflow to ±inf.
    """
    dtype = np.dtype(dtype)
    if dtype not in FLOAT_DTYPES:
        raise ExactReluInputError(f"dtype must be float64 or float32, got {dtype}")
    convert = float if dtype == np.float64 else _float32
    rows = [
        [convert(v) for v in item] if isinstance(item, (tuple, list)) else convert(item)
        for item in values
    ]
    out = np.array(rows, dtype=dtype)
    return out.reshape(shape) if shape is not None else out


def _float32(value: Fraction) -> float:
    """The float32 nearest to ``value`` (ties to even), as a Python float."""
    value = Fraction(value)
    top = np.finfo(np.float32).max
    half_ulp = Fraction(2) ** 103  # half the spacing of float32 at its largest binade
    if abs(value) >= Fraction(float(top)) + half_ulp:  # rounds to infinity
        return float("inf") if value > 0 else float("-inf")
    if abs(value) >= Fraction(float(top)):
        return float(top) if value > 0 else -float(top)
    start = np.float32(float(value))
    best, best_error = start, abs(Fraction(float(start)) - value)
    for direction in (-np.inf, np.inf):
        other = np.nextafter(start, np.float32(direction))
        if not np.isfinite(other):
            continue
        error = abs(Fraction(float(other)) - value)
        even = int(np.array(other).view(np.uint32)) % 2 == 0
        if error < best_error or (error == best_error and even):
            best, best_error = other, error
    return float(best)


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
# The data, the target and λ as the evaluation needs them
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


def network_rows(network: Network, X: object) -> Matrix:
    """``X̃`` for this network: the exact rows of ``X``, checked against the network's input
    size and augmented with a 1 when the network has a hidden bias."""
    rows = data_matrix(X)
    check_input_size(network, len(rows[0]))
    return augmented(rows, network.bias)


def target_values(X: object, y: object, n: int) -> tuple[Fraction, ...]:
    """The exact target: ``y``, or the Dataset's own target when ``y`` is None."""
    if y is None:
        if isinstance(X, Dataset) and X.y is not None:
            return X.y
        raise ExactReluInputError("no target y given")
    if isinstance(y, np.ndarray):
        if y.ndim != 1:
            raise ExactReluInputError(f"y must be 1-D, got shape {y.shape}")
        y = y.tolist()
    items = list(y) if not isinstance(y, (list, tuple)) else y  # type: ignore[call-overload]
    values = tuple(to_fraction(v, f"y[{j}]") for j, v in enumerate(items))
    if len(values) != n:
        raise ExactReluInputError(f"y has {len(values)} entries but X has {n} rows")
    return values


def lam_value(lam: object, positive: bool = False) -> Fraction:
    """λ as a Fraction, >= 0 (> 0 when ``positive``)."""
    value = to_fraction(lam, "lam")
    if value < 0 or (positive and value == 0):
        raise ExactReluInputError(f"lam must be {'> 0' if positive else '>= 0'}, got {lam}")
    return value


# ---------------------------------------------------------------------------------------------
# Exact evaluation (integer arithmetic over a common denominator)
# ---------------------------------------------------------------------------------------------


def _activations(network: Network, rows: Matrix) -> tuple[list, list[int], list[int]]:
    """Row-major ``n × m`` activations ``(X̃ W1_j)_+`` (gated: masked by the gates), scaled as
    in :func:`~exactrelu.exact.products.integer_products`."""
    pre, a_dens, b_dens = integer_products(rows, network.W1)
    if network.gates is None:
        return [v if v > 0 else 0 for v in pre], a_dens, b_dens
    gate, _, _ = integer_products(rows, network.gates)
    return [v if g >= 0 else 0 for v, g in zip(pre, gate, strict=True)], a_dens, b_dens


def fit(network: Network, X: object) -> tuple[Fraction, ...]:
    """The exact output ``f(X)`` of the network on every row of ``X`` (docs/theory.md §1)."""
    rows = network_rows(network, X)
    return fit_rows(network, rows)


def fit_rows(network: Network, rows: Matrix) -> tuple[Fraction, ...]:
    """:func:`fit` on rows that are already ``X̃`` (see :func:`network_rows`)."""
    offset = network.output_bias or Fraction(0)
    if network.width == 0:
        return (offset,) * len(rows)
    values, a_dens, b_dens = _activations(network, rows)
    return tuple(v + offset for v in weighted_row_sums(values, network.w2, a_dens, b_dens))


def penalty(network: Network) -> Fraction:
    """``Σ_j (‖W1_j‖² + w2_j²)`` exactly (multiply by λ/2 for the weight decay)."""
    total = Fraction(0)
    for row in (*network.W1, network.w2):
        total += squared_norm(row)
    return total


def objective(network: Network, X: object, y: object, lam: object) -> Fraction:
    """The exact NC objective ``½‖f(X) − y‖² + (λ/2) Σ_j (‖W1_j‖² + w2_j²)`` (sum scale, §1).

    ``y`` may be None when ``X`` is a Dataset with a target.
    """
    rows = network_rows(network, X)
    target = target_values(X, y, len(rows))
    error = squared_error(fit_rows(network, rows), target)
    return error / 2 + lam_value(lam) / 2 * penalty(network)


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
