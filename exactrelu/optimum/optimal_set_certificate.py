"""The certificate of an optimal-set file (engine side; checked by ``checker/optimal_set.py``).

``proofs/optimal_set.md`` and ``proofs/minimality.md`` say why its pieces prove the file's claims.
It holds, beside the fields of a solve certificate's core (the nested cells certificate and the
dual point ``z = r`` with ``θ = 1``):

* ``dual.mu`` (empty for gated ReLU, whose blocks are unconstrained): for every block at the
  dual bound λ, the *exact* multipliers of the projection of
  ``c = Z_bᵀ r`` onto the block's cone (KKT: ``v = c + A_bᵀμ``, ``A_b v >= 0``,
  ``μ_k (A_b v)_k = 0``; ``exact.cones.project_onto_cone``, docs/theory.md §4), so that the
  checker decides E from them alone: blocks with ``‖v‖ < λ`` are outside E, blocks at λ with
  exact KKT are in E with direction v;
* ``alpha_form``: the solve's exact α-form solution (zero gap: it proves ``D(r)`` is the optimum);
* ``rank`` and ``bases``: feasible bases of the neuron polytope ``{β >= 0 : F β = ŷ}``
  (centred rows with an output bias): the closure of one basis (containing a cdd vertex's
  support) under simplex pivots with every tied leaving choice, by breadth-first search.  A
  closed list contains a basis of every vertex (proofs/minimality.md, M4);
* ``min_norm_w``: the KKT multiplier ``w`` of ``min ‖β‖²`` on the polytope
  (``β = Fᵀw`` on the support, ``Fᵀw <= 0`` off it).

All arithmetic here is exact (Fractions, python-flint ``fmpq_mat``); floats only propose a face.
"""

from __future__ import annotations

from collections import deque
from fractions import Fraction
from typing import TYPE_CHECKING

from flint import fmpq_mat

from exactrelu.exact.cones import check_multipliers, moreau_bound, project_onto_cone
from exactrelu.exact.rationals import fmpq_matrix, fraction_of, independent_rows, rational_str
from exactrelu.program.duality import (
    DualBound,
    MuEntry,
    common_integer_rows,
    exact_pattern_products,
)

if TYPE_CHECKING:
    from exactrelu.optimum.optimal_set import OptimalSet

MAX_BASES = 20_000  # beyond this many feasible bases the closure certificate is not written


def optimal_set_certificate(optimal: OptimalSet, max_bases: int = MAX_BASES) -> dict:
    """The ``certificate`` section of an optimal-set file (format: proofs/optimal_set.md)."""
    problem, solution = optimal.problem, optimal.solution
    exact = solution.exact_optimum
    if problem.model == "gated":  # unconstrained blocks: no multipliers, E is ‖c‖² = λ²
        dual = exact.dual
    else:
        dual = _equicorrelation_dual(problem, exact.dual, list(optimal.residual), optimal)
    alpha_form = dict(solution.alpha_form_json())
    if problem.output_bias:
        alpha_form["output_bias"] = rational_str(exact.output_bias or 0)
    cert: dict[str, object] = {
        **problem.certificate_core(dual),
        "alpha_form": alpha_form,
        "rank": None,
        "bases": None,
        "min_norm_w": None,
    }
    if optimal.undecided_blocks:
        return cert  # E is not known: nothing about the polytope is certified
    F, target = polytope_rows(optimal)
    rank, bases = feasible_bases(F, target, optimal.vertices, max_bases)
    cert["rank"] = rank
    cert["bases"] = None if bases is None else [list(b) for b in bases]
    w = min_norm_multiplier(F, target, optimal.min_norm)
    cert["min_norm_w"] = None if w is None else [rational_str(v) for v in w]
    return cert


# ---------------------------------------------------------------------------------------------
# E: exact projection multipliers for the blocks at the dual bound


def _equicorrelation_dual(problem, dual: DualBound, r: list[Fraction], optimal) -> DualBound:
    """The dual point r with, for every block at λ that the engine decided, exact KKT
    multipliers of its projection (other blocks keep their multipliers)."""
    rows, blocks = problem.rows, problem.blocks
    lam2 = problem.lam_sum**2
    undecided = {tuple(b) for b in optimal.undecided_blocks}
    X_int, Q_x = common_integer_rows(rows)
    r_int, Q_r = common_integer_rows([list(r)])
    W = [[r_int[0][k] * X_int[k][j] for j in range(len(rows[0]))] for k in range(len(rows))]
    C = exact_pattern_products(blocks.patterns, W)  # Σ_{k in pattern} r_k x̃_k = C / (Q_x Q_r)
    Q = Q_x * Q_r
    entries = {(e.pattern, e.sign): e for e in dual.mu}
    for i in range(len(blocks.patterns)):
        plain = None
        for sign in blocks.signs:
            entry = entries.get((i, sign))
            if entry is None:
                if plain is None:
                    plain = sum(int(v) * int(v) for v in C[i])
                if Fraction(plain, Q * Q) < lam2:
                    continue
            if (i, sign) in undecided:
                continue
            c = [Fraction(sign * int(v), Q) for v in C[i]]
            cone = [int(k) for k in blocks.cone_rows[i]]
            A = blocks.cone(i, rows)
            position = {k: t for t, k in enumerate(cone)}
            current = {}
            if entry is not None:
                current = {position[k]: m for k, m in zip(entry.rows, entry.values, strict=True)}
            if moreau_bound(A, c, current) < lam2 or check_multipliers(A, c, current) is not None:
                continue  # excluded by the Moreau bound, or in E with exact KKT already
            mu = project_onto_cone(A, c).multipliers
            if mu:
                entries[i, sign] = MuEntry(i, sign, tuple(cone[t] for t in mu), tuple(mu.values()))
            else:
                entries.pop((i, sign), None)
    mu_entries = tuple(entries[key] for key in sorted(entries))
    return DualBound(dual.z, dual.theta, mu_entries, dual.lower)


# ---------------------------------------------------------------------------------------------
# The neuron polytope: feasible bases, min-norm multiplier


def polytope_rows(optimal) -> tuple[list[list[Fraction]], list[Fraction]]:
    """``(F, ŷ)`` of ``{β >= 0 : F β = ŷ}``: neuron fits as columns, centred (``I − 11ᵀ/n``
    applied to both sides) when the problem has an output bias."""
    n, p = len(optimal.fit), len(optimal.neurons)
    F = [[nu.fit[k] for nu in optimal.neurons] for k in range(n)]
    target = list(optimal.fit)
    if optimal.problem.output_bias:
        means = [sum((F[k][j] for k in range(n)), Fraction(0)) / n for j in range(p)]
        mean_y = sum(target, Fraction(0)) / n
        F = [[F[k][j] - means[j] for j in range(p)] for k in range(n)]
        target = [t - mean_y for t in target]
    return F, target


def feasible_bases(F, target, vertices, max_bases: int = MAX_BASES):
    """``(rank, bases)``: all feasible bases of ``{β >= 0 : Fβ = ŷ}`` by BFS over pivots with
    every tied leaving choice (None when more than ``max_bases``)."""
    p = len(F[0]) if F else 0
    R = independent_rows(F) if p else []
    m = len(R)
    if m == 0:
        return 0, [()]
    A = fmpq_matrix([F[k] for k in R])
    b = fmpq_matrix([[target[k]] for k in R])
    start = _extend_to_basis(A, sorted(vertices[0]) if vertices else [], p, m)
    seen = {start}
    queue = deque([start])
    while queue:
        basis = queue.popleft()
        for new in pivots(A, b, basis, p):
            if new not in seen:
                if len(seen) >= max_bases:
                    return m, None
                seen.add(new)
                queue.append(new)
    return m, sorted(seen)


def _columns(A: fmpq_mat, cols) -> fmpq_mat:
    return fmpq_mat([[A[i, j] for j in cols] for i in range(A.nrows())])


def _extend_to_basis(A: fmpq_mat, support: list[int], p: int, m: int) -> tuple[int, ...]:
    chosen = list(support)
    for j in range(p):
        if len(chosen) == m:
            break
        if j not in chosen and _columns(A, chosen + [j]).rank() == len(chosen) + 1:
            chosen.append(j)
    return tuple(sorted(chosen))


def pivots(A: fmpq_mat, b: fmpq_mat, basis: tuple[int, ...], p: int):
    """The bases reached from a feasible basis by one pivot: every entering column, every
    leaving column tied in the ratio test."""
    inverse = _columns(A, basis).inv()
    x = inverse * b
    D = inverse * A
    m = len(basis)
    for j in range(p):
        if j in basis:
            continue
        positive = [t for t in range(m) if D[t, j] > 0]
        if not positive:
            raise ArithmeticError("unbounded edge: the neuron polytope is not bounded")
        ratios = {t: x[t, 0] / D[t, j] for t in positive}
        least = min(ratios.values())
        for t, ratio in ratios.items():
            if ratio == least:
                yield tuple(sorted([k for k in basis if k != basis[t]] + [j]))


def min_norm_multiplier(F, target, beta: dict[int, Fraction]) -> list[Fraction] | None:
    """w with ``(Fᵀw)_ν = β_ν`` on the support of β and ``(Fᵀw)_ν <= 0`` off it."""
    n, p = len(F), len(F[0]) if F else 0
    support = sorted(beta)
    if n == 0:
        return []
    FT = fmpq_matrix([[row[j] for j in support] for row in F]) if support else None
    if FT is not None:
        w = _consistent_solution(FT * FT.transpose(), fmpq_matrix([[t] for t in target]))
    else:
        w = [Fraction(0)] * n
    if w is not None and _kkt_multiplier(F, w, beta, p):
        return w
    return _multiplier_lp(F, beta, p)


def _kkt_multiplier(F, w, beta, p) -> bool:
    for j in range(p):
        value = sum((F[k][j] * w[k] for k in range(len(F))), Fraction(0))
        if (j in beta and value != beta[j]) or (j not in beta and value > 0):
            return False
    return True


def _consistent_solution(G: fmpq_mat, rhs: fmpq_mat) -> list[Fraction] | None:
    n = G.nrows()
    augmented = fmpq_mat([[G[i, j] for j in range(n)] + [rhs[i, 0]] for i in range(n)])
    reduced, rank = augmented.rref()
    w = [Fraction(0)] * n
    for i in range(rank):
        pivot = next(j for j in range(n + 1) if reduced[i, j] != 0)
        if pivot == n:
            return None
        w[pivot] = fraction_of(reduced[i, n])
    return w


def _multiplier_lp(F, beta, p) -> list[Fraction] | None:
    """An exact feasible w of the KKT system, by cdd's exact LP (a fallback)."""
    import cdd
    import cdd.gmp

    n = len(F)
    rows, lin = [], []
    for j in range(p):
        column = [F[k][j] for k in range(n)]
        if j in beta:  # β_j − F_jᵀ w = 0
            lin.append(len(rows))
            rows.append([beta[j]] + [-v for v in column])
        else:  # −F_jᵀ w >= 0
            rows.append([Fraction(0)] + [-v for v in column])
    matrix = cdd.gmp.matrix_from_array(rows, lin_set=lin, rep_type=cdd.RepType.INEQUALITY)
    matrix.obj_type = cdd.LPObjType.MAX
    matrix.obj_func = [Fraction(0)] * (n + 1)
    lp = cdd.gmp.linprog_from_matrix(matrix)
    cdd.gmp.linprog_solve(lp)
    if lp.status != cdd.LPStatusType.OPTIMAL:
        return None
    w = [Fraction(v) for v in lp.primal_solution]
    return w if _kkt_multiplier(F, w, beta, p) else None
