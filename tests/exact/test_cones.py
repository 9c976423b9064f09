"""The exact cone projection of ``exactrelu.exact.cones`` (docs/theory.md §4) against a brute-force
oracle: for a small cone ``K = {u : A u >= 0}`` every linearly independent subset S of rows is
solved exactly (``A_S(c + A_Sᵀμ_S) = 0``) and kept when ``μ_S >= 0`` and ``c + A_Sᵀμ_S`` lies in
K (the KKT conditions).  The projection is unique and, by Carathéodory, has multipliers on an
independent subset of the rows tight at it, so the kept points are all equal to it.
"""

from __future__ import annotations

from fractions import Fraction as F
from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exactrelu.exact.cones import (
    ConeProjection,
    check_multipliers,
    moreau_bound,
    project_onto_cone,
    project_onto_subspace,
)

# -- the oracle: Fractions and Gaussian elimination only ---------------------------------------


def _dot(a, b) -> F:
    return sum((F(x) * F(y) for x, y in zip(a, b, strict=True)), F(0))


def _rank(rows) -> int:
    M = [[F(v) for v in row] for row in rows]
    rank, width = 0, len(M[0]) if M else 0
    for col in range(width):
        pivot = next((i for i in range(rank, len(M)) if M[i][col] != 0), None)
        if pivot is None:
            continue
        M[rank], M[pivot] = M[pivot], M[rank]
        for i in range(len(M)):
            if i != rank and M[i][col] != 0:
                factor = M[i][col] / M[rank][col]
                M[i] = [a - factor * b for a, b in zip(M[i], M[rank], strict=True)]
        rank += 1
    return rank


def _solve(G, b) -> list[F]:
    """The solution of the nonsingular square system ``G x = b`` (Gauss–Jordan)."""
    n = len(G)
    M = [[F(v) for v in row] + [F(t)] for row, t in zip(G, b, strict=True)]
    for col in range(n):
        pivot = next(i for i in range(col, n) if M[i][col] != 0)
        M[col], M[pivot] = M[pivot], M[col]
        M[col] = [v / M[col][col] for v in M[col]]
        for i in range(n):
            if i != col and M[i][col] != 0:
                factor = M[i][col]
                M[i] = [a - factor * p for a, p in zip(M[i], M[col], strict=True)]
    return [M[i][n] for i in range(n)]


def _shift(A, c, mu: dict) -> tuple[F, ...]:
    v = [F(t) for t in c]
    for k, m in mu.items():
        for j in range(len(v)):
            v[j] += m * A[k][j]
    return tuple(v)


def _oracle(A, c) -> tuple[F, ...]:
    """The projection of c onto ``{u : A u >= 0}`` by enumerating every independent face."""
    found = set()
    for size in range(len(c) + 1):
        for S in combinations(range(len(A)), size):
            B = [A[k] for k in S]
            if size and _rank(B) < size:
                continue
            G = [[_dot(a, b) for b in B] for a in B]
            mu = _solve(G, [-_dot(a, c) for a in B]) if size else []
            if any(m < 0 for m in mu):
                continue
            v = _shift(A, c, dict(zip(S, mu, strict=True)))
            if all(_dot(a, v) >= 0 for a in A):
                found.add(v)
    assert len(found) == 1, found  # the projection is unique
    return found.pop()


def _assert_kkt(A, c, result: ConeProjection) -> None:
    """Exact KKT of the result, and its fields consistent with each other."""
    v = result.projection
    assert all(isinstance(t, F) for t in v)
    assert v == _shift(A, c, dict(result.multipliers))
    slacks = [_dot(a, v) for a in A]
    assert all(s >= 0 for s in slacks)
    assert result.active == tuple(k for k, s in enumerate(slacks) if s == 0)
    assert list(result.multipliers) == sorted(result.multipliers)
    assert all(m > 0 and k in result.active for k, m in result.multipliers.items())
    support = [A[k] for k in result.multipliers]
    assert _rank(support) == len(support)  # independent rows: the multipliers are unique
    assert result.norm2 == _dot(v, v)


# -- strategies -------------------------------------------------------------------------------

small = st.integers(-3, 3)
rationals = st.builds(F, st.integers(-6, 6), st.integers(1, 4))


@st.composite
def cones(draw, max_rows: int = 5, max_dim: int = 3):
    D = draw(st.integers(1, max_dim))
    rows = draw(st.lists(st.lists(small, min_size=D, max_size=D), max_size=max_rows))
    if rows and draw(st.booleans()):  # a parallel (or antiparallel) copy of a row
        row = rows[draw(st.integers(0, len(rows) - 1))]
        rows.append([draw(st.sampled_from([2, -1, 1])) * v for v in row])
    c = draw(st.lists(rationals, min_size=D, max_size=D))
    return rows, c


# -- the kernel against the oracle --------------------------------------------------------------


@given(cones())
def test_projection_matches_the_brute_force_oracle(cone) -> None:
    A, c = cone
    result = project_onto_cone(A, c)
    assert result.projection == _oracle(A, c)
    _assert_kkt(A, c, result)


@given(cones(), st.data())
def test_any_guess_gives_the_same_projection(cone, data) -> None:
    """A wrong, dependent or empty guess only sends the kernel to its exact active-set method."""
    A, c = cone
    guess = data.draw(st.sets(st.integers(0, len(A) - 1)) if A else st.just(set()))
    result = project_onto_cone(A, c, guess=guess)
    assert result.projection == project_onto_cone(A, c).projection == _oracle(A, c)
    _assert_kkt(A, c, result)


@given(cones(), st.data())
def test_multipliers_are_checked_and_bound_the_norm(cone, data) -> None:
    A, c = cone
    result = project_onto_cone(A, c)
    assert check_multipliers(A, c, result.multipliers) == result
    assert moreau_bound(A, c, result.multipliers) == result.norm2
    other = {}
    if A:
        indices = st.integers(0, len(A) - 1)
        other = data.draw(st.dictionaries(indices, rationals.map(abs), max_size=3))
    assert moreau_bound(A, c, other) >= result.norm2  # any μ >= 0 bounds ‖Π‖ (Moreau)
    checked = check_multipliers(A, c, other)
    assert checked is None or checked.projection == result.projection


@given(cones(max_rows=4))
def test_subspace_projection_is_orthogonal(cone) -> None:
    A, c = cone
    v, nu = project_onto_subspace(A, c)
    assert all(_dot(a, v) == 0 for a in A)  # in L = {u : A u = 0}
    assert v == _shift(A, c, nu)  # c − v in the row space: the orthogonal projection
    assert _rank([A[k] for k in nu]) == len(nu) == _rank(A)  # a basis of the row space


# -- degenerate cases ------------------------------------------------------------------------


def test_c_already_in_the_cone_is_its_own_projection() -> None:
    A = [[1, 0], [1, 1]]
    result = project_onto_cone(A, [F(1), F(-1)])
    assert result == ConeProjection((F(1), F(-1)), {}, (1,), F(2))


def test_c_in_the_polar_cone_projects_to_the_apex() -> None:
    A = [[1, 0], [0, 1], [1, 1]]
    c = [F(-3), F(-1, 2)]  # −(3, 1/2) = −Σ μ_k a_k with μ >= 0: in the polar cone
    result = project_onto_cone(A, c)
    assert result.projection == (0, 0) and result.norm2 == 0
    assert result.active == (0, 1, 2)
    _assert_kkt(A, c, result)


def test_parallel_rows_singular_float_face() -> None:
    """K = {u1 >= 0, u2 >= 0} with row 0 doubled: the float face is singular, the exact method
    decides, with multipliers on independent rows."""
    A = [[F(1), F(0)], [F(2), F(0)], [F(0), F(1)]]
    result = project_onto_cone(A, [F(-1), F(-1)])
    assert result.projection == (0, 0)
    mu = result.multipliers
    assert mu.get(0, 0) + 2 * mu.get(1, 0) == 1 and mu[2] == 1 and len(mu) == 2
    result = project_onto_cone(A, [F(3), F(-2)], guess=[0, 1, 2])
    assert result.projection == (3, 0) and dict(result.multipliers) == {2: F(2)}
    _assert_kkt(A, [F(3), F(-2)], result)


def test_antiparallel_rows_make_a_subspace() -> None:
    A = [[1, 1, 0], [-1, -1, 0]]  # K = {u1 + u2 = 0}
    c = [F(1), F(0), F(5)]
    result = project_onto_cone(A, c)
    assert result.projection == (F(1, 2), F(-1, 2), F(5)) == _oracle(A, c)
    assert result.active == (0, 1) and len(result.multipliers) == 1


def test_rank_deficient_rows_and_zero_rows() -> None:
    A = [[1, 0], [0, 0], [1, 1], [2, 1], [3, 2]]  # 5 rows in the plane, one zero
    for c in ([F(-1), F(-1)], [F(-2), F(1)], [F(1), F(-5)], [F(0), F(0)], [F(7), F(-3, 2)]):
        result = project_onto_cone(A, c)
        assert result.projection == _oracle(A, c)
        assert 1 in result.active and 1 not in result.multipliers  # a zero row never helps
        _assert_kkt(A, c, result)


def test_no_rows_is_the_whole_space() -> None:
    result = project_onto_cone([], [F(1, 3), F(-2)])
    assert result == ConeProjection((F(1, 3), F(-2)), {}, (), F(37, 9))
    assert check_multipliers([], [F(1)], {}) == ConeProjection((F(1),), {}, (), F(1))
    assert moreau_bound([], [F(3), F(4)], {}) == 25
    assert project_onto_subspace([], [F(1), F(2)]) == ((F(1), F(2)), {})
    assert project_onto_subspace([[0, 0]], [F(1), F(2)]) == ((F(1), F(2)), {})


def test_rows_beyond_float_range_use_the_exact_method() -> None:
    big = 10**400  # float() overflows: no float guess, the exact active-set method decides
    A = [[big, 0], [0, 1]]
    result = project_onto_cone(A, [F(-1), F(-1)])
    assert result.projection == (0, 0)
    assert result.multipliers == {0: F(1, big), 1: F(1)}


def test_rejected_multipliers() -> None:
    A = [[1, 0], [0, 1]]
    c = [F(-1), F(2)]
    assert check_multipliers(A, c, {0: F(1)}).projection == (0, 2)
    assert check_multipliers(A, c, {0: F(1, 2)}) is None  # not in K
    assert check_multipliers(A, c, {0: F(2)}) is None  # μ_0 > 0 on a row that is not tight
    assert check_multipliers(A, c, {0: F(1), 1: F(0)}) is not None  # zeros are ignored
    assert check_multipliers(A, c, {0: F(1), 1: F(-1)}) is None  # negative
    with pytest.raises(ValueError):
        moreau_bound(A, c, {1: F(-1)})
