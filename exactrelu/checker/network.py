"""Networks for the checker: parsing, exact fits and objectives (proofs/duality.md, D7-D8).

Rows ``x̃_k`` are ``x_k`` or ``[x_k, 1]``.  Everything is exact: products of rows and weights are
Python-int matrix products (numpy object arrays) over common denominators, the rest Fractions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from exactrelu.checker.failure import CheckFailure
from exactrelu.checker.fields import rational, rational_vector

Matrix = list[list[Fraction]]


def integer_matrix(rows: Sequence[Sequence[Fraction]]) -> tuple[list[list[int]], int]:
    """``(B, Q)`` with ``rows = B / Q`` exactly: Q > 0 is the lcm of all denominators."""
    Q = math.lcm(1, *(v.denominator for row in rows for v in row))
    return [[v.numerator * (Q // v.denominator) for v in row] for row in rows], Q


def products(rows: Sequence[Sequence[Fraction]], vectors: Matrix) -> tuple[np.ndarray, list]:
    """``(H, scale)``: ``x̃_k·vectors[j] = H[k, j] / scale[j]`` exactly, H a Python-int array."""
    B, Q = integer_matrix(rows)
    columns, scale = [], []
    for v in vectors:
        integers, q = integer_matrix([v])
        columns.append(integers[0])
        scale.append(Q * q)
    width = len(rows[0]) if rows else 0
    right = np.array(columns, dtype=object).reshape(len(vectors), width).T
    return np.array(B, dtype=object).reshape(len(rows), width) @ right, scale


def patterns_of(rows: Sequence[Sequence[Fraction]], vectors: Matrix) -> list[tuple[str, str]]:
    """For each vector v: its pattern ``1[x̃_k·v >= 0]`` and the string marking ``x̃_k·v = 0``."""
    H, _ = products(rows, vectors)
    found = []
    for column in H.T.tolist():
        pattern = "".join("1" if h >= 0 else "0" for h in column)
        found.append((pattern, "".join("1" if h == 0 else "0" for h in column)))
    return found


@dataclass(frozen=True)
class Network:
    """A two-layer network: neuron j is ``(W1[j], w2[j])``, gated by ``gates[j]`` if any."""

    W1: Matrix
    w2: list[Fraction]
    output_bias: Fraction
    gates: Matrix | None

    @property
    def width(self) -> int:
        return len(self.W1)


def parse_network(
    obj: object, what: str, size: int, bias: bool, output_bias: bool, gated: bool
) -> Network:
    """D7: a network object of the file's shape, bias flag, output-bias option and model."""
    if not isinstance(obj, dict):
        raise CheckFailure(f"{what} must be an object with W1, w2, bias")
    W1, w2 = obj.get("W1"), obj.get("w2")
    if not isinstance(W1, list) or not isinstance(w2, list) or len(W1) != len(w2):
        raise CheckFailure(f"{what}: W1 and w2 must be lists with one entry per neuron")
    if obj.get("bias") is not bias:
        raise CheckFailure(f"{what}: bias flag {obj.get('bias')!r}, the file says {bias}")
    b0 = obj.get("output_bias")
    if b0 is not None and not output_bias:
        raise CheckFailure(f"{what} has an output bias but the file's output_bias is false")
    gates = obj.get("gates")
    if gated != (gates is not None):
        raise CheckFailure(f"{what}: gates are required for model gated and only there")
    if gated and (not isinstance(gates, list) or len(gates) != len(W1)):
        raise CheckFailure(f"{what}: gates must be a list with one gate per neuron")
    return Network(
        [rational_vector(row, size, f"{what} W1 row") for row in W1],
        [rational(v, f"{what} w2 entry") for v in w2],
        Fraction(0) if b0 is None else rational(b0, f"{what} output_bias"),
        [rational_vector(g, size, f"{what} gate") for g in gates] if gated else None,
    )


def fit(rows: Sequence[Sequence[Fraction]], net: Network) -> list[Fraction]:
    """D8: f_k = Σ_j a_kj·w2_j + b0, a_kj = (x̃_k·W1_j)_+ (relu) or 1[x̃_k·g_j >= 0]·x̃_k·W1_j."""
    n = len(rows)
    if not net.width:
        return [net.output_bias] * n
    H, scale = products(rows, net.W1)
    if net.gates is None:
        active = H > 0
    else:
        G, _ = products(rows, net.gates)
        active = G >= 0  # the gate's sign does not depend on the positive scale
    coefficients = [w / s for w, s in zip(net.w2, scale, strict=True)]
    E = math.lcm(*(c.denominator for c in coefficients))
    e = np.array([c.numerator * (E // c.denominator) for c in coefficients], dtype=object)
    sums = np.where(active, H, 0) @ e  # Python ints: f_k - b0 = sums[k] / E
    return [Fraction(int(s), E) + net.output_bias for s in sums.tolist()]


def squared_error(f: Sequence[Fraction], y: Sequence[Fraction]) -> Fraction:
    return sum(((a - b) ** 2 for a, b in zip(f, y, strict=True)), Fraction(0))


def nc_objective(
    rows: Sequence[Sequence[Fraction]], y: Sequence[Fraction], net: Network, lam: Fraction
) -> Fraction:
    """D8 (sum scale): ½‖f − y‖² + (λ/2)·Σ_j (‖W1_j‖² + w2_j²); the output bias is free."""
    penalty = sum((sum(v * v for v in row) for row in net.W1), Fraction(0))
    penalty += sum((w * w for w in net.w2), Fraction(0))
    return squared_error(fit(rows, net), y) / 2 + lam / 2 * penalty
