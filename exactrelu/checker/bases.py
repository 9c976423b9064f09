"""Bases of the neuron polytope ``{β >= 0 : Fβ = ŷ}`` for the checker (proofs/optimal_set.md,
O7-O8): independent rows of F, the basic point of a basis, and the pivots out of a basis."""

from __future__ import annotations

from fractions import Fraction

from flint import fmpq, fmpq_mat

from exactrelu.checker.failure import CheckFailure
from exactrelu.checker.fields import matrix


def independent_rows(F) -> list[int]:
    """Indices of a maximal independent set of rows of F (the pivots of rref(Fᵀ))."""
    reduced, rank = matrix(F).transpose().rref()
    pivots, col = [], 0
    for i in range(rank):
        while reduced[i, col] == 0:
            col += 1
        pivots.append(col)
        col += 1
    return pivots


def columns_of(A: fmpq_mat, cols) -> fmpq_mat:
    return fmpq_mat([[A[i, j] for j in cols] for i in range(A.nrows())])


def basis_point(A, b, basis, p) -> dict[int, Fraction]:
    """O7: A_B is nonsingular and β_B = A_B⁻¹ b >= 0; returns β's nonzero entries."""
    if not basis:
        return {}
    AB = columns_of(A, basis)
    if AB.det() == 0:
        raise CheckFailure(f"basis {list(basis)} is singular")
    x = AB.solve(b)
    beta = {j: fraction(x[t, 0]) for t, j in enumerate(basis)}
    if any(v < 0 for v in beta.values()):
        raise CheckFailure(f"basis {list(basis)} is infeasible (a negative β)")
    return {j: v for j, v in beta.items() if v != 0}


def pivots(A, b, basis, p):
    """O8: the bases one simplex pivot away, for every entering j, every tied leaving row."""
    if not basis:
        if p:  # every entering column is an edge without a leaving row
            raise CheckFailure("an empty basis with neurons: unbounded edge")
        return
    inverse = columns_of(A, basis).inv()
    x, D = inverse * b, inverse * A
    for j in range(p):
        if j in basis:
            continue
        ratios = {t: x[t, 0] / D[t, j] for t in range(len(basis)) if D[t, j] > 0}
        if not ratios:
            raise CheckFailure(f"entering neuron {j} at basis {list(basis)}: unbounded edge")
        least = min(ratios.values())
        for t, ratio in ratios.items():
            if ratio == least:
                yield tuple(sorted([k for k in basis if k != basis[t]] + [j]))


def fraction(x: fmpq) -> Fraction:
    """An fmpq as a Fraction."""
    return Fraction(int(x.p), int(x.q))
