"""Exact signs of integer dot products, fast.

A float may propose, an exact check disposes: products of integer matrices are evaluated in int64
when bit lengths prove that no overflow can happen, otherwise in float64 with a rigorous error
bound (a semi-static filter: |fl(a·b) − a·b| <= FILTER·(|a|·|b|)), and the entries the filter
cannot decide are recomputed with Python integers.
"""

from __future__ import annotations

import math

import numpy as np

# Relative error bound of a float64 dot product of length <= 64 of integers converted to float
# (conversion, products and sums, any summation order): gamma_{n+2} < 2^-46 with a wide margin.
FILTER = 2.0**-46


def to_float(values: np.ndarray) -> np.ndarray:
    """``values`` (int64 or object ints) as float64; entries beyond the float range become ±inf.

    Never raises OverflowError.  A float filter fed an infinite entry gets an infinite or NaN
    value or bound, which it leaves undecided, so the exact fallback decides those entries.
    """
    try:
        return values.astype(np.float64)
    except OverflowError:
        flat = [_float_or_inf(v) for v in values.flat]
        return np.array(flat, dtype=np.float64).reshape(values.shape)


def _float_or_inf(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:
        return math.inf if value > 0 else -math.inf  # type: ignore[operator]


def max_bits(values: np.ndarray) -> int:
    """Bit length of the largest absolute value of an integer (int64 or object) array."""
    if values.size == 0:
        return 0
    if values.dtype == object:
        return max(abs(int(v)).bit_length() for v in values.flat)
    return int(np.abs(values.astype(np.int64)).max()).bit_length()


def fits_int64(a_bits: int, b_bits: int, length: int) -> bool:
    """True when every dot product of length ``length`` fits in int64 (|Σ a_i b_i| < 2^63)."""
    return a_bits + b_bits + max(length, 1).bit_length() <= 62


def product_signs(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Exact ``sign(A @ B.T)`` for integer matrices A (p × r) and B (q × r), as int8."""
    a_bits, b_bits = max_bits(A), max_bits(B)
    if fits_int64(a_bits, b_bits, A.shape[1]):
        return np.sign(A.astype(np.int64) @ B.astype(np.int64).T).astype(np.int8)
    Af, Bf = to_float(A), to_float(B)
    with np.errstate(invalid="ignore", over="ignore"):  # inf/NaN from huge entries: undecided
        approx = Af @ Bf.T
        bound = FILTER * (np.abs(Af) @ np.abs(Bf).T)
        undecided = ~(np.abs(approx) > bound)
        signs = np.sign(approx).astype(np.int8)  # undecided entries are overwritten below
    for i, j in zip(*np.nonzero(undecided), strict=True):
        exact = sum(int(a) * int(b) for a, b in zip(A[i], B[j], strict=True))
        signs[i, j] = (exact > 0) - (exact < 0)
    return signs
