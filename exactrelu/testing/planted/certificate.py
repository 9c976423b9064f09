"""The exact certificate of a planted residual (docs/theory.md §4, §5, §7): r is dual feasible
and the blocks at the maximal correlation λ are exactly those whose closed cone contains a planted
direction (with that neuron's sign).

Blocks tied to a planted neuron: ``Π_{K_b}(Z_bᵀr) = v_ν`` exactly, by the KKT conditions of the
projection; every other block whose plain correlation reaches λ: ``‖Z_bᵀr + A_bᵀμ‖ < λ`` exactly
for μ >= 0 proposed by a float projection (or the exact projection of
``exact.cones.project_onto_cone``).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from exactrelu.arrangement.patterns import enumerate_patterns
from exactrelu.exact.cones import moreau_bound, project_many, project_onto_cone
from exactrelu.program.duality import common_integer_rows, exact_pattern_products
from exactrelu.testing.planted.exact import dot as _dot


def certify_planted(X, bias, r, lam, neurons) -> list[tuple[int, ...]] | None:
    """Prove exactly that r is dual feasible and that the blocks at the maximal correlation λ are
    exactly those whose closed cone contains a planted direction (with that neuron's sign).

    ``neurons``: (direction, sign) pairs with ``‖direction‖ = λ``.  Returns, for each neuron, the
    cells whose closed cone contains it (its blocks of E), or None when the proof fails.
    """
    rows = [list(row) + ([Fraction(1)] if bias else []) for row in X]
    n, D = len(rows), len(rows[0])
    cells = enumerate_patterns([list(row) for row in X], bias=bias)
    P = cells.patterns
    lam2 = lam * lam
    # cells containing each planted direction, and the face rows
    tied: dict[tuple[int, int], int] = {}
    containing = []
    for j, (v, s) in enumerate(neurons):
        values = [_dot(row, v) for row in rows]
        sgn = np.array([(t > 0) - (t < 0) for t in values])
        ok = np.all((sgn == 0) | (P == (sgn > 0)), axis=1)
        found = tuple(int(i) for i in np.nonzero(ok)[0])
        if not found:
            return None
        containing.append(found)
        for i in found:
            if (i, s) in tied:
                return None  # two planted neurons in one block: not a valid planted set
            tied[(i, s)] = j
    # exact plain correlations c_C = X̃ᵀ D_C r for the sign +1, as integers over Q
    W, Q = common_integer_rows([[r[k] * x for x in rows[k]] for k in range(n)])
    C = exact_pattern_products(P, W)
    norms2 = (C * C).sum(axis=1)
    limit = lam2 * Q * Q
    need = {i for i in range(len(P)) if Fraction(int(norms2[i])) >= limit}
    need.update(i for i, _ in tied)
    float_blocks = []
    for i in sorted(need):
        c_plus = [Fraction(int(C[i, t]), Q) for t in range(D)]
        for s in (1, -1):
            c = [s * t for t in c_plus]
            if (i, s) in tied:
                v, _ = neurons[tied[(i, s)]]
                if not _is_projection(rows, P[i], cells.facets[i], c, v):
                    return None
            elif Fraction(int(norms2[i])) >= limit:
                float_blocks.append((i, s, c))
    if float_blocks:
        cones = []
        for i, _, _ in float_blocks:
            facet_rows = np.asarray(cells.facets[i], dtype=np.int64)
            cones.append(
                np.array(
                    [[float(x) * (1.0 if P[i, k] else -1.0) for x in rows[k]] for k in facet_rows]
                ).reshape(len(facet_rows), D)
            )
        cf = np.array([[float(t) for t in c] for _, _, c in float_blocks])
        _, mus = project_many(cones, cf)
        for (i, _, c), mu in zip(float_blocks, mus, strict=True):
            facet_rows = np.asarray(cells.facets[i], dtype=np.int64)
            A = [[x * (1 if P[i, k] else -1) for x in rows[k]] for k in facet_rows]
            if not _bounded_below(A, c, mu, lam2):
                return None
    return containing


def _is_projection(rows, pattern, facets, c, v) -> bool:
    """``Π_K(c) = v`` exactly for the cone K of the pattern (its facet rows): the exact projection
    (``exact.cones.project_onto_cone``, docs/theory.md §4), its face guessed as the rows through v.
    """
    A = [[x * (1 if pattern[k] else -1) for x in rows[k]] for k in facets]
    through = [t for t, a in enumerate(A) if _dot(a, v) == 0]
    try:
        return project_onto_cone(A, c, guess=through).projection == tuple(v)
    except ArithmeticError:  # the exact active-set method's safeguard: not proved
        return False


def _bounded_below(A, c, mu, lam2) -> bool:
    """Exact ``‖Π_K(c)‖² < λ²``: the Moreau bound ``‖c + Aᵀμ‖²`` with the float multipliers μ, or
    else the exact projection (its face guessed by them; docs/theory.md §4)."""
    float_mu = {t: Fraction(float(m)) for t, m in enumerate(mu) if m > 0}
    if moreau_bound(A, c, float_mu) < lam2:
        return True
    try:
        return project_onto_cone(A, c, guess=float_mu).norm2 < lam2
    except ArithmeticError:  # the exact active-set method's safeguard: not proved
        return False
