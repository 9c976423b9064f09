"""The dual constraints of every cell at a residual, decided by exact projections
(docs/theory.md §4, pricing; proofs/stationary.md, Lemma 5).

For each block ``(C, s)``: ``‖Π_{K_b}(Z_bᵀz)‖ <= λ`` is proved by KKT multipliers of the exact
projection, or the block is listed as violated with its exact projection ``v``, ``‖v‖²`` and the
decrease rate of a neuron in its direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from exactrelu.exact.cones import project_onto_cone
from exactrelu.program.duality import MuEntry, common_integer_rows, exact_pattern_products
from exactrelu.program.problem import Problem
from exactrelu.tasks.stationary.result import Vector, ViolatedConstraint


@dataclass(frozen=True)
class BlockAnalysis:
    """The dual constraints of a set of blocks at one point: the KKT multipliers ``mu`` of the
    feasible blocks that need them, the violated blocks, and the undecided ones."""

    mu: tuple[MuEntry, ...]
    violated: tuple[ViolatedConstraint, ...]
    undecided: tuple[str, ...]


def block_analysis(problem: Problem, blocks, z: Vector, own: set[str]) -> BlockAnalysis:
    """Decide ``‖Π_{K_b}(Z_bᵀz)‖ <= λ`` exactly for every block: multipliers for the feasible
    blocks whose plain correlation exceeds λ, the violated blocks with their exact projection,
    and the blocks the exact projection could not decide."""
    rows, lam = problem.rows, problem.lam_sum
    X_int, Q_x = common_integer_rows(rows)
    z_int, Q_z = common_integer_rows([list(z)])
    W = [[z_int[0][k] * X_int[k][j] for j in range(len(rows[0]))] for k in range(len(rows))]
    C = exact_pattern_products(blocks.patterns, W)  # Σ_{k in pattern} z_k x̃_k = C / (Q_x Q_z)
    Q = Q_x * Q_z
    divisor = problem.n if problem.scale == "mean" else 1
    mu, violated, undecided = [], [], []
    for i, pattern in enumerate(blocks.patterns):
        if Fraction(sum(int(v) * int(v) for v in C[i]), Q * Q) <= lam * lam:
            continue  # μ = 0 proves both signs
        cone = [int(k) for k in blocks.cone_rows[i]]
        A = blocks.cone(i, rows)
        text = "".join("1" if p else "0" for p in pattern)
        for sign in blocks.signs:
            c = [Fraction(sign * int(v), Q) for v in C[i]]
            try:
                found = project_onto_cone(A, c)
            except ArithmeticError as exc:
                undecided.append(f"block ({text}, {sign}): {exc}")
                continue
            kept = tuple((cone[t], m) for t, m in found.multipliers.items())
            v, norm2 = found.projection, found.norm2
            if norm2 <= lam * lam:
                mu.append(MuEntry(i, sign, tuple(k for k, _ in kept), tuple(m for _, m in kept)))
                continue
            rate = lam / 2 * (lam * lam - norm2) / divisor
            violated.append(ViolatedConstraint(i, text, sign, v, kept, norm2, rate, text in own))
    return BlockAnalysis(tuple(mu), tuple(violated), tuple(undecided))


def pricing_point(r: Vector, output_bias: bool) -> Vector:
    """The residual, centred with an output bias (the residual of the best output bias)."""
    if not output_bias:
        return r
    mean = sum(r, Fraction(0)) / len(r)
    return tuple(v - mean for v in r)


def dual_value(z: Vector, y) -> Fraction:
    """``D(z) = zᵀy − ½‖z‖²`` (sum scale)."""
    return (
        sum((a * b for a, b in zip(z, y, strict=True)), Fraction(0))
        - sum((a * a for a in z), Fraction(0)) / 2
    )
