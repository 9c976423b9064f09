"""The neuron-merged polytope of an exact optimal set, ``{β >= 0 : Σ β_ν f_ν (+ b·1) = ŷ}``
(docs/theory.md §5–§6): its rows, its vertices (the minimal networks, exact with ``cdd.gmp``) and
its min-norm point (Wolfe's algorithm in exact arithmetic)."""

from __future__ import annotations

from fractions import Fraction

import cdd
import cdd.gmp

from exactrelu.exact.rationals import fmpq_matrix, fraction_of


def polytope_rows(neurons, fit, output_bias: bool) -> tuple[list[list[Fraction]], list[Fraction]]:
    """The optimal polytope ``{β >= 0 : Σ_ν β_ν f_ν (+ b) = ŷ}`` (docs/theory.md §5–§6) as rows of
    its equations: ``(F, target)`` with ``F[k][ν] = f_ν[k]`` (the fit of ``neurons[ν]`` at row k)
    and ``target[k] = ŷ_k``, so that the polytope is ``{β >= 0 : F β = target}``.  With an output
    bias the free b is eliminated by centring both sides (every column and the target minus its
    mean over the rows); b is then ``mean(ŷ) − Σ_ν β_ν mean(f_ν)``."""
    n = len(fit)
    F = [[nu.fit[k] for nu in neurons] for k in range(n)]
    target = list(fit)
    if output_bias:
        mean_F = [sum((F[k][j] for k in range(n)), Fraction(0)) / n for j in range(len(neurons))]
        mean_y = sum(target, Fraction(0)) / n
        F = [[F[k][j] - mean_F[j] for j in range(len(neurons))] for k in range(n)]
        target = [t - mean_y for t in target]
    return F, target


def polytope_vertices(neurons, fit, output_bias) -> list[dict[int, Fraction]]:
    """All vertices of ``{β >= 0 : Σ β_ν f_ν = ŷ}`` (exact, cdd.gmp)."""
    F, target = polytope_rows(neurons, fit, output_bias)
    p = len(neurons)
    if all(t == 0 for t in target):
        return [{}]
    rows = [[-t] + F[k] for k, t in enumerate(target)]
    rows += [[0] + [1 if j == i else 0 for j in range(p)] for i in range(p)]
    matrix = cdd.gmp.matrix_from_array(
        rows, lin_set=range(len(target)), rep_type=cdd.RepType.INEQUALITY
    )
    generators = cdd.gmp.copy_generators(cdd.gmp.polyhedron_from_matrix(matrix))
    out = []
    for row in generators.array:
        if row[0] == 1:
            out.append({j: Fraction(v) for j, v in enumerate(row[1:]) if v != 0})
    return sorted(out, key=lambda v: (len(v), sorted(v.items())))


def min_norm_point(vertices: list[dict[int, Fraction]], p: int) -> dict[int, Fraction]:
    """argmin ‖β‖² on the polytope = the min-norm point of the convex hull of its vertices,
    by Wolfe's algorithm (1976) in exact arithmetic: finite, and optimal when
    ``x·x <= x·v`` for every vertex v."""
    points = [[v.get(j, Fraction(0)) for j in range(p)] for v in vertices]

    def dot(a, b):
        return sum((s * t for s, t in zip(a, b, strict=True)), Fraction(0))

    corral = [min(range(len(points)), key=lambda i: dot(points[i], points[i]))]
    weights = [Fraction(1)]
    x = points[corral[0]]
    while True:
        j = min(range(len(points)), key=lambda i: dot(x, points[i]))
        if dot(x, x) <= dot(x, points[j]) or j in corral:
            return {i: v for i, v in enumerate(x) if v != 0}
        corral.append(j)
        weights.append(Fraction(0))
        while True:  # minor cycle: the affine min-norm point of the corral
            mu = _affine_min_norm([points[i] for i in corral])
            if all(m > 0 for m in mu):
                weights = mu
                break
            theta = min(w / (w - m) for w, m in zip(weights, mu, strict=True) if m <= 0)
            weights = [(1 - theta) * w + theta * m for w, m in zip(weights, mu, strict=True)]
            kept = [t for t, w in enumerate(weights) if w > 0]
            corral = [corral[t] for t in kept]
            weights = [weights[t] for t in kept]
        x = [
            sum((w * points[i][k] for w, i in zip(weights, corral, strict=True)), Fraction(0))
            for k in range(p)
        ]


def _affine_min_norm(points: list[list[Fraction]]) -> list[Fraction]:
    """Weights μ (Σμ = 1) of the min-norm point of the affine hull of affinely independent
    points: ``[[PPᵀ, 1], [1ᵀ, 0]] (μ, −ν) = (0, 1)``."""
    q = len(points)
    gram = [
        [
            sum((a * b for a, b in zip(points[i], points[j], strict=True)), Fraction(0))
            for j in range(q)
        ]
        + [Fraction(1)]
        for i in range(q)
    ]
    system = fmpq_matrix(gram + [[Fraction(1)] * q + [Fraction(0)]])
    rhs = fmpq_matrix([[Fraction(0)]] * q + [[Fraction(1)]])
    solution = system.solve(rhs)
    return [fraction_of(solution[i, 0]) for i in range(q)]
