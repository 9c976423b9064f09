"""Exact lower bounds on the optimum from a dual point (docs/theory.md §4).

Weak duality: for every network W, ``NC(W) >= D(z) = zᵀy − ½‖z‖²`` when z is dual feasible:
``‖Π_{K_b}(Z_bᵀ z)‖ <= λ`` for every block b of the complete pattern list (and ``1ᵀz = 0`` with
an output bias).  No exact projection is needed: for any ``μ >= 0``,
``‖Π_{K_b}(c)‖ <= ‖c + A_bᵀ μ‖`` with ``A_b = (2D_C − I) X̃`` (Moreau).  A float residual
proposes z (rounded to a dyadic rational) and μ (from the float projection, on the cone's rows);
the norms are then checked exactly, and z is scaled by the largest rational ``θ <= 1`` (of the
form ``m/2^60``) that makes every block feasible.  ``proofs/duality.md`` proves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import isqrt

import numpy as np

from exactrelu.exact.cones import project_many, project_onto_cone
from exactrelu.exact.rationals import rational_str
from exactrelu.program.blocks import BlockSet

Z_BITS = 52  # significant bits kept when rounding the float residual to a dyadic rational
THETA_BITS = 60
LIMB_BITS = 30


@dataclass(frozen=True)
class MuEntry:
    """Multipliers ``μ_k >= 0`` on cone rows k of block (pattern, sign)."""

    pattern: int
    sign: int
    rows: tuple[int, ...]
    values: tuple[Fraction, ...]


@dataclass(frozen=True)
class DualBound:
    """A dual-feasible point ``θz``, its multipliers and the exact bound ``D(θz)`` (sum scale)."""

    z: tuple[Fraction, ...]
    theta: Fraction
    mu: tuple[MuEntry, ...]
    lower: Fraction
    bounded: dict = field(default_factory=dict, repr=False)
    """For each block (pattern, sign) given multipliers: the exact vector ``Z_bᵀz + A_bᵀμ``."""

    def to_json(self) -> dict[str, object]:
        return {
            "z": [rational_str(v) for v in self.z],
            "theta": rational_str(self.theta),
            "mu": [
                {
                    "pattern": e.pattern,
                    "sign": e.sign,
                    "rows": list(e.rows),
                    "values": [rational_str(v) for v in e.values],
                }
                for e in self.mu
            ],
        }


def common_integer_rows(rows: list[list[Fraction]]) -> tuple[list[list[int]], int]:
    """Rows scaled by one common positive denominator: ``rows = ints / Q``."""
    from math import lcm

    Q = 1
    for row in rows:
        for v in row:
            Q = lcm(Q, v.denominator)
    return [[int(v * Q) for v in row] for row in rows], Q


def exact_pattern_products(patterns: np.ndarray, W: list[list[int]]) -> np.ndarray:
    """``patterns @ W`` exactly for a 0/1 matrix and Python-int W, as an object array.

    W is split into signed 30-bit limbs so that every partial product fits in int64 (a sum of at
    most n < 2^32 terms below 2^30 in absolute value); the limbs are recombined in Python ints.
    """
    P = patterns.astype(np.int64)
    flat = [v for row in W for v in row]
    bits = max((abs(v).bit_length() for v in flat), default=0)
    rows, cols = len(W), len(W[0]) if W else 0
    signs = np.array([1 if v >= 0 else -1 for v in flat], dtype=np.int64).reshape(rows, cols)
    magnitude = [abs(v) for v in flat]
    total = np.zeros((P.shape[0], cols), dtype=object)
    mask = (1 << LIMB_BITS) - 1
    for limb in range(0, max(bits, 1), LIMB_BITS):
        part = np.array([(v >> limb) & mask for v in magnitude], dtype=np.int64).reshape(rows, cols)
        total = total + (P @ (signs * part)).astype(object) * (1 << limb)
    return total


def dual_bound(
    rows: list[list[Fraction]],
    y: list[Fraction],
    lam: Fraction,
    blocks: BlockSet,
    z: list[Fraction],
    exact_tight: bool = False,
) -> DualBound:
    """Certify the dual point z exactly (sum scale ``lam``): multipliers, θ and ``D(θz)``.

    Blocks whose plain correlation ``‖Z_bᵀz‖`` exceeds λ get multipliers from the float
    projection, rounded to dyadic rationals; with ``exact_tight`` the blocks that sit at λ get
    the exact multipliers of their face instead (needed for an exact zero gap).
    """
    X_int, Q_x = common_integer_rows(rows)
    z_int, Q_z = common_integer_rows([list(z)])
    z_int = z_int[0]
    n, D = len(rows), len(rows[0])
    W = [[z_int[k] * X_int[k][j] for j in range(D)] for k in range(n)]
    C = exact_pattern_products(blocks.patterns, W)  # c_C = C / (Q_z Q_x) for the sign +1
    limit = lam * lam * (Q_x * Q_z) ** 2  # ‖c‖² <= λ² iff ‖C‖² <= limit
    norms2 = (C * C).sum(axis=1)
    # Blocks whose plain correlation exceeds λ get multipliers (ReLU cones only); the others
    # use μ = 0, and then both signs of a pattern have the same norm.
    gated = len(blocks.signs) == 1
    over = [] if gated else [i for i in range(len(C)) if norms2[i] > limit]
    context = _Context(rows, X_int, Q_x, Q_z, blocks, C, float(lam), exact_tight)
    mu_entries, worst, bounded = _multipliers(context, over, z)
    plain = np.delete(norms2, over)
    worst = max(worst, Fraction(int(plain.max())) if len(plain) else Fraction(0))
    theta = _theta(worst / limit)
    lower = theta * sum((a * b for a, b in zip(z, y, strict=True)), Fraction(0))
    lower -= theta * theta * sum((a * a for a in z), Fraction(0)) / 2
    return DualBound(tuple(z), theta, tuple(mu_entries), lower, bounded)


def dyadic_point(residual: np.ndarray, output_bias: bool) -> list[Fraction]:
    """A dyadic rational ``z_int / 2^K`` close to the float residual (``Σ z = 0`` with an output
    bias), keeping ``Z_BITS`` significant bits."""
    top = float(np.abs(residual).max(initial=0.0))
    K = Z_BITS - (int(np.frexp(top)[1]) if top > 0 else 0)
    z_int = [int(v) for v in np.rint(np.ldexp(residual, K))]
    if output_bias and z_int:
        z_int[int(np.argmax(np.abs(residual)))] -= sum(z_int)
    return [Fraction(v) / (1 << K) if K >= 0 else Fraction(v << -K) for v in z_int]


@dataclass(frozen=True)
class _Context:
    """The data shared by the multiplier computations of one dual point."""

    rows: list
    X_int: list
    Q_x: int
    Q_z: int
    blocks: BlockSet
    C: np.ndarray
    lam: float
    exact_tight: bool


def _multipliers(ctx: _Context, over, z):
    """μ for the blocks whose plain correlation exceeds λ; returns the entries, the worst
    ``‖c + Aᵀμ‖²`` in the integer units of C (denominator ``Q = Q_x·Q_z``) and, with
    ``exact_tight``, the vectors ``c + Aᵀμ`` of those blocks (for the optimal set).

    Float multipliers become dyadic ``m/2^K`` with one K, so that ``(c + Aᵀμ)·Q·2^K`` is the
    integer vector ``s·C·2^K + Σ m_k (±X_int_k) Q_z``: the norms are compared as integers.
    """
    bounded: dict[tuple[int, int], tuple[Fraction, ...]] = {}
    if not over:
        return [], Fraction(0), bounded
    blocks, Q = ctx.blocks, ctx.Q_x * ctx.Q_z
    X = np.array([[float(v) for v in row] for row in ctx.rows])
    zf = np.array([float(v) for v in z])
    c_float = blocks.patterns[over].astype(np.float64) @ (X * zf[:, None])
    cones = [
        X[r] * np.where(blocks.patterns[i, r], 1.0, -1.0)[:, None]
        for i, r in ((i, blocks.cone_rows[i]) for i in over)
    ]
    entries, worst_exact, worst_int = [], Fraction(0), 0
    for sign in blocks.signs:
        projected, mus = project_many(cones, sign * c_float)
        tight = np.linalg.norm(projected, axis=1) >= ctx.lam * (1 - 1e-9)
        top = max((float(m.max()) for m in mus if len(m)), default=0.0)
        K = Z_BITS - (int(np.frexp(top)[1]) if top > 0 else 0)
        for j, (i, mu) in enumerate(zip(over, mus, strict=True)):
            if ctx.exact_tight and tight[j]:
                kept, norm2 = _exact_tight_block(ctx, i, sign, np.nonzero(mu > 0)[0], bounded)
                worst_exact = max(worst_exact, norm2 * Q * Q)
            else:
                used = np.asarray(blocks.cone_rows[i])[mu > 0]
                orient = [1 if blocks.patterns[i, k] else -1 for k in used]
                m_int = [int(v) for v in np.rint(np.ldexp(mu[mu > 0], K))]
                V = [sign * int(c) << K if K >= 0 else sign * int(c) >> -K for c in ctx.C[i]]
                for m, a, k in zip(m_int, orient, used, strict=True):
                    for t in range(len(V)):
                        V[t] += m * a * ctx.X_int[k][t] * ctx.Q_z
                worst_int = max(worst_int, sum(v * v for v in V))
                values = [Fraction(m, 1 << K) if K >= 0 else Fraction(m << -K) for m in m_int]
                if ctx.exact_tight:
                    denominator = Q * (1 << K) if K >= 0 else Fraction(Q, 1 << -K)
                    bounded[(int(i), sign)] = tuple(Fraction(v) / denominator for v in V)
                kept = [(int(k), m) for k, m in zip(used, values, strict=True) if m != 0]
            if kept:
                entries.append(
                    MuEntry(int(i), sign, tuple(k for k, _ in kept), tuple(m for _, m in kept))
                )
        if worst_int:
            worst_exact = max(
                worst_exact,
                Fraction(worst_int, 1 << (2 * K)) if K >= 0 else Fraction(worst_int << (-2 * K)),
            )
            worst_int = 0
    return entries, worst_exact, bounded


def _exact_tight_block(ctx: _Context, i, sign, face, bounded):
    """The exact projection ``Π = c + Aᵀμ`` of a block at λ onto its cone (docs/theory.md §4;
    ``face``: the positions in the cone rows of the float multipliers, the guess of its face):
    the multipliers ``(row, μ > 0)`` and ``‖Π‖²``; Π is stored in ``bounded``."""
    c = [Fraction(sign * int(v), ctx.Q_x * ctx.Q_z) for v in ctx.C[i]]
    found = project_onto_cone(ctx.blocks.cone(i, ctx.rows), c, guess=face)
    bounded[(int(i), sign)] = found.projection
    cone = ctx.blocks.cone_rows[i]
    return [(int(cone[t]), m) for t, m in found.multipliers.items()], found.norm2


def _dyadic(value: float) -> Fraction:
    """A float multiplier as an exact rational (>= 0)."""
    return Fraction(max(float(value), 0.0))


def _theta(ratio: Fraction) -> Fraction:
    """The largest ``θ = m/2^60 <= 1`` with ``θ²·ratio <= 1`` (θ = 1 when ratio <= 1)."""
    if ratio <= 1:
        return Fraction(1)
    m = isqrt((ratio.denominator << (2 * THETA_BITS)) // ratio.numerator)
    return Fraction(m, 1 << THETA_BITS)
