"""Data on which one balanced neuron is exactly a stationary point, by construction (for tests;
docs/theory.md §9, proofs/stationary.md, Lemma 2): the residual is chosen first so that both Clarke
conditions hold with a given multiplier on the neuron's face, then the targets are set."""

from __future__ import annotations

from fractions import Fraction

from exactrelu.errors import ExactReluInputError
from exactrelu.exact.rationals import fmpq_matrix, fraction_of, to_fraction
from exactrelu.exact.surds import exact_sqrt
from exactrelu.model.network import Network
from exactrelu.program.problem import Problem
from exactrelu.tasks.stationary.clarke import dot


def planted_stationary(
    points,
    direction,
    *,
    inactive: object = 0,
    face: int | None = None,
    face_residual: object = 0,
    sigma: object = Fraction(1, 2),
    scale: object = 1,
) -> tuple[Problem, Network]:
    """Data on which one balanced neuron is exactly a stationary point (for tests).

    ``direction`` v (with a hidden bias: d + 1 entries) must have a rational norm λ; the
    neuron is ``W1 = q v``, ``w2 = λq`` (q = ``scale``).  The residual is chosen first: on the
    active rows A (``x̃_k·v > 0``) the least-norm solution of
    ``X̃_Aᵀ r_A = v − σ r_f x̃_f``, on the face row f (``x̃_f·v = 0``, optional) ``r_f =
    face_residual``, elsewhere ``inactive``; then ``y = r + λq²(X̃v)_+``, so both Clarke
    conditions hold with multiplier σ on the face (proofs/stationary.md, Lemma 2).  A large
    ``|inactive|`` violates other cells' dual constraints (stationary, not globally optimal);
    ``r_f > 0`` with ``0 < σ < 1`` makes a Clarke point that is not optimal for its own cells.
    """
    v = tuple(to_fraction(t, "direction") for t in direction)
    lam = exact_sqrt(dot(v, v))
    if lam is None or lam == 0:
        raise ExactReluInputError("the direction must have a nonzero rational norm")
    q, sigma = to_fraction(scale, "scale"), to_fraction(sigma, "sigma")
    rows = [[to_fraction(t, "point") for t in point] + [Fraction(1)] for point in points]
    values = [dot(row, v) for row in rows]
    active = [k for k, t in enumerate(values) if t > 0]
    r = [to_fraction(inactive, "inactive")] * len(rows)
    rhs = list(v)
    if face is not None:
        r[face] = to_fraction(face_residual, "face_residual")
        rhs = [a - sigma * r[face] * b for a, b in zip(rhs, rows[face], strict=True)]
    M = fmpq_matrix([rows[k] for k in active])
    solved = M * (M.transpose() * M).solve(fmpq_matrix([[t] for t in rhs]))
    for i, k in enumerate(active):
        r[k] = fraction_of(solved[i, 0])
    y = [r[k] + lam * q * q * max(values[k], Fraction(0)) for k in range(len(rows))]
    problem = Problem([row[:-1] for row in rows], y, lam, bias=True)
    return problem, Network((tuple(q * t for t in v),), (lam * q,), bias=True)
