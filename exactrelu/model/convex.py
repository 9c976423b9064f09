"""The reduction of a network to the convex program and back (docs/theory.md §3).

The convex program P has one block per (activation pattern D, sign s) with weights ``u_b`` in the
closed cone ``{u : (2D − I) X̃ u >= 0}``; its fit is ``Σ_b s_b D_b X̃ u_b`` and its objective
``P(u) = ½‖fit − y‖² + λ Σ_b ‖u_b‖``.  In the spirit of a reduction (cvxpy's
``Reduction.apply``/``Reduction.invert``), the two directions come as a pair, each with an exact
statement of what it keeps:

* **apply**, :func:`to_convex` (NC → convex): neurons merged into blocks.  The fit is kept
  exactly and ``NC(network) >= P(u)``, with equality iff the neurons are balanced and the merged
  ones positively collinear.
* **invert**, :func:`from_convex` (convex → NC): one neuron per block with a rational scale
  ``t ≈ √‖u_b‖``.  The fit is kept exactly and ``NC = P(u) + rounding_excess(blocks, λ)``, the
  excess exact and >= 0 (zero when every ``‖u_b‖`` is a rational square).

:func:`convex_fit`, :func:`in_cones` and :func:`convex_objective` evaluate the convex side
exactly, so that both statements can be checked.  Exact optimal networks with irrational weights
are the α-form of :mod:`exactrelu.model.alpha_form`.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import NamedTuple

import numpy as np

from exactrelu.errors import ExactReluInputError
from exactrelu.exact.products import integer_products, squared_error, weighted_row_sums
from exactrelu.exact.surds import DEFAULT_SCALE_DIGITS, SqrtSum, rational_root
from exactrelu.model.network import (
    Matrix,
    Network,
    Row,
    augmented,
    data_matrix,
    lam_value,
    network_rows,
    target_values,
)

# ---------------------------------------------------------------------------------------------
# The convex program: blocks, their fit, cones and objective P (docs/theory.md §3)
# ---------------------------------------------------------------------------------------------


class ConvexBlock(NamedTuple):
    """One block of the convex program: pattern ``D`` (``pattern[k]`` = row k active), sign
    ``s``, weights ``u``; the block's fit is ``s·D X̃ u``.  For gated networks ``gate`` is a gate
    vector realizing the pattern (and ``u`` is unconstrained)."""

    pattern: tuple[bool, ...]
    sign: int
    u: Row
    gate: Row | None = None


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
    pre, a_dens, b_dens = integer_products(rows, [b.u for b in blocks])
    values = [pre[k * m + i] if b.pattern[k] else 0 for k in range(n) for i, b in enumerate(blocks)]
    return tuple(weighted_row_sums(values, [Fraction(b.sign) for b in blocks], a_dens, b_dens))


def in_cones(blocks: Sequence[ConvexBlock], X: object) -> bool:
    """Whether every ReLU block satisfies its cone constraint ``(2D − I) X̃ u >= 0`` (gated
    blocks, with a ``gate``, are unconstrained)."""
    rows, _ = _block_rows(blocks, X)
    relu = [b for b in blocks if b.gate is None]
    if not relu:
        return True
    pre, _, _ = integer_products(rows, [b.u for b in relu])
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
    target = target_values(X, y, len(rows))
    offset = output_bias or Fraction(0)
    prediction = [v + offset for v in convex_fit(blocks, X)]
    lam = lam_value(lam)
    norms = [(lam, sum((v * v for v in b.u), Fraction(0))) for b in blocks]
    return SqrtSum.of(squared_error(prediction, target) / 2, norms)


# ---------------------------------------------------------------------------------------------
# apply: non-convex -> convex, neurons merged into blocks
# ---------------------------------------------------------------------------------------------


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
    rows = network_rows(network, X)
    n, m = len(rows), network.width
    if m == 0:
        return []
    table = _cell_table(cells, n, network)
    pre, _, _ = integer_products(rows, network.gates if network.gates is not None else network.W1)
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


# ---------------------------------------------------------------------------------------------
# invert: convex -> non-convex, one neuron per block with a rational scale
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
    lam = lam_value(lam)
    rational, roots = Fraction(0), []
    for block in blocks:
        q = sum((v * v for v in block.u), Fraction(0))
        if q == 0:
            continue
        t = convex_scale(block.u, scale_digits)
        rational += lam / 2 * (q / (t * t) + t * t)
        roots.append((-lam, q))
    return SqrtSum.of(rational, roots)
