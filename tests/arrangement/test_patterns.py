"""Exact activation-pattern enumeration: counts, a brute-force LP oracle, witnesses, facets, and
the independent checker against every certificate produced and against tampered ones.

Oracles used here are independent of the engine: Cover's formula, an exact LP per sign vector
(``cdd.gmp``), facets by crossing (proofs/patterns.md, Lemma 5), the rank-3 line formula, and
ranks from python-flint.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import random
from fractions import Fraction
from itertools import combinations, product

import cdd
import cdd.gmp
import numpy as np
import pytest
from flint import fmpq, fmpq_mat
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies_data import (
    generic_integer_rows,
    planar_bias_cell_count,
    planar_grid_points,
    small_data,
)

import exactrelu
from exactrelu.checker import CheckFailure, check_certificate

Rows = list[list[Fraction]]


# -- independent helpers -------------------------------------------------------------------------


def exact_rows(dataset: exactrelu.Dataset, bias: bool) -> Rows:
    """The rows whose hyperplanes form the arrangement: x_k, or [x_k, 1] with a bias."""
    return [list(row) + ([Fraction(1)] if bias else []) for row in dataset.X]


def cover(n: int, d: int) -> int:
    """Cover's count 2 Σ_{k<d} C(n−1, k) (1 for n = 0)."""
    return 1 if n == 0 else 2 * sum(math.comb(n - 1, k) for k in range(d))


def rank(rows: Rows) -> int:
    """Exact rank (python-flint)."""
    if not rows:
        return 0
    entries = [[fmpq(Fraction(v).numerator, Fraction(v).denominator) for v in row] for row in rows]
    return fmpq_mat(entries).rank()


def parallel(a: list[Fraction], b: list[Fraction]) -> bool:
    """Two nonzero vectors span the same line (all 2×2 minors vanish)."""
    return all(a[i] * b[j] == a[j] * b[i] for i in range(len(a)) for j in range(i + 1, len(a)))


def hyperplane_classes(rows: Rows) -> list[int]:
    """For each row, the index of the first row on the same hyperplane; -1 for a zero row."""
    out = []
    for k, row in enumerate(rows):
        if not any(row):
            out.append(-1)
            continue
        out.append(next(j for j in range(k + 1) if any(rows[j]) and parallel(rows[j], row)))
    return out


def rows_in_general_position(rows: Rows) -> bool:
    """Every min(n, D) of the rows are linearly independent (Cover's hypothesis), exactly."""
    size = min(len(rows), len(rows[0]))
    return all(rank(list(subset)) == size for subset in combinations(rows, size))


def lp_max_margin(
    rows: Rows, signs: dict[int, int], equal: tuple[int, ...] = ()
) -> tuple[Fraction, list[Fraction]]:
    """Exact LP (cdd.gmp): max t s.t. s_k row_k·u >= t (k in signs), row_k·u = 0 (k in equal),
    −1 <= u_j <= 1, t <= 1.  Returns the optimum t and an optimal u."""
    D = len(rows[0])
    array: list[list[Fraction]] = []
    for k, s in signs.items():
        array.append([Fraction(0)] + [s * v for v in rows[k]] + [Fraction(-1)])
    for k in equal:
        array.append([Fraction(0)] + list(rows[k]) + [Fraction(0)])
        array.append([Fraction(0)] + [-v for v in rows[k]] + [Fraction(0)])
    for j in range(D):
        unit = [Fraction(int(i == j)) for i in range(D)]
        array.append([Fraction(1)] + [-v for v in unit] + [Fraction(0)])
        array.append([Fraction(1)] + unit + [Fraction(0)])
    array.append([Fraction(1)] + [Fraction(0)] * D + [Fraction(-1)])
    array.append([Fraction(0)] + [Fraction(0)] * D + [Fraction(1)])  # objective: t
    lp = cdd.gmp.linprog_from_array(array, cdd.LPObjType.MAX)
    cdd.gmp.linprog_solve(lp)
    assert lp.status == cdd.LPStatusType.OPTIMAL
    return Fraction(lp.obj_value), [Fraction(v) for v in lp.primal_solution[:D]]


def lp_cells(rows: Rows) -> set[str]:
    """Brute force: every sign vector with a strictly feasible point (zero rows only allow 1)."""
    n = len(rows)
    zero = {k for k in range(n) if not any(rows[k])}
    found = set()
    for bits in product("01", repeat=n):
        if any(bits[k] == "0" for k in zero):
            continue
        signs = {k: 1 if bits[k] == "1" else -1 for k in range(n) if k not in zero}
        if lp_max_margin(rows, signs)[0] > 0:
            found.add("".join(bits))
    return found


def realises(rows: Rows, pattern: str, witness: list[int]) -> bool:
    """row_k·u > 0 where the pattern is 1 and the row nonzero, < 0 where 0; zero rows are 1."""
    for k, row in enumerate(rows):
        value = sum(a * b for a, b in zip(row, witness, strict=True))
        if not any(row):
            if pattern[k] != "1":
                return False
        elif not (value > 0 if pattern[k] == "1" else value < 0):
            return False
    return True


def flip_facets(rows: Rows, patterns: list[str]) -> list[list[int]]:
    """Facets by crossing (proofs/patterns.md, Lemma 5): row k is a facet of a cell iff flipping
    all rows on its hyperplane gives another listed pattern."""
    classes = hyperplane_classes(rows)
    listed = set(patterns)
    out = []
    for pattern in patterns:
        facets = []
        for k, c in enumerate(classes):
            if c < 0:
                continue
            flipped = "".join(
                ("0" if ch == "1" else "1") if classes[j] == c else ch
                for j, ch in enumerate(pattern)
            )
            if flipped in listed:
                facets.append(k)
        out.append(facets)
    return out


def checker_rows(dataset: exactrelu.Dataset) -> list[list[Fraction]]:
    return [list(row) for row in dataset.X]


# -- counts on generic data ----------------------------------------------------------------------


@pytest.mark.parametrize("d", [1, 2, 3, 4, 5])
@given(data=st.data())
def test_cover_count_without_bias(d: int, data: st.DataObject) -> None:
    X = data.draw(generic_integer_rows(d))
    n = len(X)
    rows = [[Fraction(v) for v in row] for row in X]
    assume(rows_in_general_position(rows))  # fails with negligible probability
    cells = exactrelu.enumerate_patterns(X)
    assert cells.general_position is True
    assert cells.arrangement.m == (1 if d == 1 else n)  # no two rows parallel
    assert cells.count == 2 * sum(math.comb(n - 1, k) for k in range(d))
    assert len(set(cells.pattern_strings())) == cells.count


@pytest.mark.parametrize("d", [1, 2, 3, 4, 5])
@given(data=st.data())
def test_cover_count_with_bias(d: int, data: st.DataObject) -> None:
    X = data.draw(generic_integer_rows(d))
    n = len(X)
    rows = [[Fraction(v) for v in row] + [Fraction(1)] for row in X]
    assume(rows_in_general_position(rows))  # fails with negligible probability
    cells = exactrelu.enumerate_patterns(X, bias=True)
    assert cells.general_position is True  # no d + 1 of the points affinely dependent
    assert cells.arrangement.m == n
    assert cells.count == 2 * sum(math.comb(n - 1, k) for k in range(d + 1))
    assert len(set(cells.pattern_strings())) == cells.count


@pytest.mark.parametrize(
    ("X", "bias"),
    [
        ([[0, 0], [1, 1], [2, 2], [0, 1]], True),  # three collinear points of four
        ([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 1]], False),  # three normals in one plane
        ([[0, 0], [1, 0], [0, 1], [1, 1], [2, 0]], True),  # grid: (0,0), (1,0), (2,0) collinear
        ([[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 0, 0]], False),  # 3 dependent rows of a rank-3 set
    ],
)
def test_general_position_false_on_degenerate_data(X: list, bias: bool) -> None:
    cells = exactrelu.enumerate_patterns(X, bias=bias)
    assert cells.general_position is False
    rows = exact_rows(exactrelu.as_dataset(X), bias)
    assert cells.count < cover(len(X), rank(rows))
    assert set(cells.pattern_strings()) == lp_cells(rows)


def general_position_oracle(rows: Rows) -> bool:
    """The documented meaning: every min(m, r) of the m distinct hyperplanes are independent."""
    classes = hyperplane_classes(rows)
    normals = [rows[c] for c in sorted({c for c in classes if c >= 0})]
    r = rank(normals)
    return all(rank(list(subset)) == r for subset in combinations(normals, min(len(normals), r)))


@given(data=small_data(max_n=7, max_d=4), bias=st.booleans())
def test_general_position_and_cover_bound(data: tuple, bias: bool) -> None:
    X, _exact = data
    dataset = exactrelu.as_dataset(X)
    rows = exact_rows(dataset, bias)
    cells = exactrelu.enumerate_patterns(dataset, bias=bias)
    m = len({c for c in hyperplane_classes(rows) if c >= 0})
    r = rank(rows)
    assert (cells.arrangement.m, cells.arrangement.rank) == (m, r)
    assert cells.general_position is general_position_oracle(rows)
    # Cover's formula bounds the count of m distinct hyperplanes of rank r, with equality
    # exactly in general position.
    assert cells.count <= cover(m, r)
    assert (cells.count == cover(m, r)) is cells.general_position


# -- the set of patterns equals a brute-force exact LP oracle ------------------------------------


@given(data=small_data(max_n=7, max_d=4), bias=st.booleans())
def test_patterns_equal_lp_oracle(data: tuple, bias: bool) -> None:
    X, exact = data
    dataset = exactrelu.as_dataset(X)
    assert [list(row) for row in dataset.X] == exact  # every representation read exactly
    rows = exact_rows(dataset, bias)
    cells = exactrelu.enumerate_patterns(dataset, bias=bias)
    patterns = cells.pattern_strings()
    assert len(patterns) == cells.count == len(set(patterns))
    assert set(patterns) == lp_cells(rows)
    assert cells.patterns.shape == (cells.count, len(rows))
    assert ["".join("1" if b else "0" for b in row) for row in cells.patterns.tolist()] == patterns


@given(data=small_data(max_n=9, max_d=5), bias=st.booleans())
def test_witnesses_realise_their_patterns(data: tuple, bias: bool) -> None:
    X, _exact = data
    dataset = exactrelu.as_dataset(X)
    rows = exact_rows(dataset, bias)
    cells = exactrelu.enumerate_patterns(dataset, bias=bias)
    assert cells.witnesses.shape == (cells.count, len(rows[0]))
    for pattern, witness in zip(cells.pattern_strings(), cells.witnesses.tolist(), strict=True):
        assert all(isinstance(v, int) for v in witness)
        assert realises(rows, pattern, witness), (pattern, witness)


@given(data=small_data(max_n=7, max_d=4), bias=st.booleans())
def test_facets_are_the_hyperplanes_whose_flip_is_a_cell(data: tuple, bias: bool) -> None:
    X, _exact = data
    dataset = exactrelu.as_dataset(X)
    rows = exact_rows(dataset, bias)
    cells = exactrelu.enumerate_patterns(dataset, bias=bias)
    facets = [cell.tolist() for cell in cells.facets]
    assert facets == flip_facets(rows, cells.pattern_strings())


FIXED = {
    "generic2d": ([[3, 1], [1, 2], [-2, 5], [4, -1], [1, -3]], False),
    "generic3d_bias": ([[3, 1, 4], [1, 5, 9], [2, 6, 5], [3, 5, 8], [9, 7, 9]], True),
    "zero_parallel_rank2": (
        [[1, 2, 0], [2, 4, 0], [-1, -2, 0], [0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]],
        False,
    ),
    "grid_bias": ([[0, 0], [1, 0], [2, 0], [0, 1], [1, 1], [2, 1], [1, 1]], True),
    "line_bias": ([[0], [1], [2], [2], ["1/2"]], True),
    "rank3_lines": (
        [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 1, 1], [0, 1, 1], [-1, -1, 0]],
        False,
    ),
    "d1_positive": ([[2], [0], [-1], ["3/2"]], False),
}


@pytest.mark.parametrize("name", sorted(FIXED))
def test_facets_equal_lp_facets(name: str) -> None:
    """A row is a facet of a cell iff its hyperplane meets the closed cell in a relatively open
    set of dimension D − 1: an exact LP with that hyperplane as an equality (all rows of the
    hyperplane are then zero) and strict signs on every other nonzero row."""
    X, bias = FIXED[name]
    dataset = exactrelu.as_dataset(X)
    rows = exact_rows(dataset, bias)
    classes = hyperplane_classes(rows)
    cells = exactrelu.enumerate_patterns(dataset, bias=bias)
    for pattern, listed in zip(cells.pattern_strings(), cells.facets, strict=True):
        expected = []
        for k, c in enumerate(classes):
            if c < 0:
                continue
            signs = {
                j: 1 if pattern[j] == "1" else -1
                for j in range(len(rows))
                if classes[j] >= 0 and classes[j] != c
            }
            if lp_max_margin(rows, signs, equal=(k,))[0] > 0:
                expected.append(k)
        assert listed.tolist() == expected, pattern


def test_lower_dimensional_faces_are_not_returned() -> None:
    X = [[1, 0], [-1, 0]]
    cells = exactrelu.enumerate_patterns(X)
    assert cells.count == 2
    assert sorted(cells.pattern_strings()) == ["01", "10"]
    u = (0, 1)  # on the hyperplane of both rows
    face = "".join("1" if row[0] * u[0] + row[1] * u[1] >= 0 else "0" for row in X)
    assert face == "11"
    assert face not in cells.pattern_strings()


def test_negatively_parallel_rows_have_opposite_signs_in_every_cell() -> None:
    X = [[1, 2], [-2, -4], [0, 1], [3, 6]]
    cells = exactrelu.enumerate_patterns(X)
    assert cells.count == 4
    for pattern in cells.pattern_strings():
        assert pattern[0] != pattern[1] and pattern[0] == pattern[3]
    assert {"1" + "0" + "1" + "1", "0" + "1" + "1" + "0"} <= set(cells.pattern_strings())


@given(
    xs=st.lists(st.fractions(min_value=-5, max_value=5, max_denominator=3), min_size=1, max_size=12)
)
def test_points_on_a_line_with_bias(xs: list[Fraction]) -> None:
    """d = 1 with a bias: m distinct points give 2m cells (docs/theory.md §2)."""
    X = [[x] for x in xs]
    cells = exactrelu.enumerate_patterns(X, bias=True)
    assert cells.count == 2 * len(set(xs))


@given(points=planar_grid_points())
def test_planar_grid_with_bias_matches_line_formula(points: list[list[int]]) -> None:
    cells = exactrelu.enumerate_patterns(points, bias=True)
    assert cells.count == planar_bias_cell_count([[Fraction(v) for v in p] for p in points])


def test_zero_and_rank_deficient_data() -> None:
    assert exactrelu.enumerate_patterns([[0, 0], [0, 0]]).pattern_strings() == ["11"]
    # Rank 1 in R^3: the lineality space is 2-dimensional; witnesses lift to R^3.
    cells = exactrelu.enumerate_patterns([[1, 2, 3], [2, 4, 6], [0, 0, 0]])
    assert sorted(cells.pattern_strings()) == ["001", "111"]
    rows = exact_rows(exactrelu.as_dataset([[1, 2, 3], [2, 4, 6], [0, 0, 0]]), False)
    for pattern, witness in zip(cells.pattern_strings(), cells.witnesses.tolist(), strict=True):
        assert realises(rows, pattern, witness)


def test_rank_one_with_negative_first_row() -> None:
    """The class normal is its first row's own primitive vector, which may start negative."""
    assert exactrelu.enumerate_patterns([[1]]).count == 2
    for X, bias, expected in [
        ([[-1]], False, {"0", "1"}),
        ([[0, -2]], False, {"0", "1"}),
        ([[-1], [2]], False, {"01", "10"}),
        ([[-1]], True, {"0", "1"}),
        ([[-3], [-3]], True, {"00", "11"}),
        ([[0, 0], [0, -2], [0, 5]], False, {"110", "101"}),
    ]:
        dataset = exactrelu.as_dataset(X)
        cells = exactrelu.enumerate_patterns(dataset, bias=bias)
        assert set(cells.pattern_strings()) == expected
        rows = exact_rows(dataset, bias)
        for pattern, witness in zip(cells.pattern_strings(), cells.witnesses.tolist(), strict=True):
            assert realises(rows, pattern, witness)
        cert = json.loads(json.dumps(cells.to_json(dataset)))
        check_certificate(cert, checker_rows(dataset), None)


@given(rows=st.lists(st.integers(-9, 9).filter(bool), min_size=1, max_size=6), d=st.integers(1, 3))
def test_rank_one_data_of_any_sign(rows: list[int], d: int) -> None:
    """Multiples of one vector (first entry of any sign): two cells, realised and checked."""
    direction = [-2, 3, 1][:d]
    X = [[a * v for v in direction] for a in rows]
    dataset = exactrelu.as_dataset(X)
    cells = exactrelu.enumerate_patterns(dataset)
    assert cells.count == 2
    for pattern, witness in zip(cells.pattern_strings(), cells.witnesses.tolist(), strict=True):
        assert realises(exact_rows(dataset, False), pattern, witness)
    check_certificate(cells.to_json(dataset), checker_rows(dataset), None)


def test_huge_integer_rows() -> None:
    for X, count in [([[10**400, 1], [1, 2]], 4), ([[1e300, 5e-324], [0.0, 1.0]], 4)]:
        dataset = exactrelu.as_dataset(X)
        cells = exactrelu.enumerate_patterns(dataset)
        assert cells.count == count
        check_certificate(cells.to_json(dataset), checker_rows(dataset), None)


@pytest.mark.parametrize(
    ("X", "bias"),
    [
        ([[10**400, 1], [1, 2], [3, -(10**350)]], True),
        ([[-(10**400)]], True),
        ([[1e300, 5e-324]], False),
        ([[10**320, 1, 0], [0, 10**330, 1], [1, 0, -(10**310)], [1, 1, 1], [2, -1, 3]], False),
        ([[10**400, 10**400 + 1], [10**400 + 1, 10**400 + 2], [1, 0]], True),  # nearly parallel
    ],
)
def test_rows_beyond_the_float_range(X: list, bias: bool) -> None:
    """Entries beyond the float range are left to the exact fallback: counts match the LP
    oracle, witnesses (then exact integer rays) realise their patterns, the checker agrees."""
    dataset = exactrelu.as_dataset(X)
    rows = exact_rows(dataset, bias)
    cells = exactrelu.enumerate_patterns(dataset, bias=bias)
    assert set(cells.pattern_strings()) == lp_cells(rows)
    for pattern, witness in zip(cells.pattern_strings(), cells.witnesses.tolist(), strict=True):
        assert realises(rows, pattern, witness)
    cert = json.loads(json.dumps(cells.to_json(dataset)))
    check_certificate(cert, checker_rows(dataset), None)


@given(seed=st.integers(0, 2**32 - 1), bits=st.sampled_from([30, 40, 52, 80]))
def test_thin_cells_of_large_data_with_bias(seed: int, bits: int) -> None:
    """Large entries beside a bias column of 1 make thin cells: the rounded witnesses need a
    finer scale or the exact fallback; every witness still realises its pattern."""
    rng = random.Random(seed)
    X = [[rng.randint(-(2**bits), 2**bits) for _ in range(3)] for _ in range(6)]
    dataset = exactrelu.as_dataset(X)
    rows = exact_rows(dataset, True)
    cells = exactrelu.enumerate_patterns(dataset, bias=True)
    if cells.general_position:
        assert cells.count == cover(6, 4)
    for pattern, witness in zip(cells.pattern_strings(), cells.witnesses.tolist(), strict=True):
        assert realises(rows, pattern, witness)
    check_certificate(cells.to_json(dataset), checker_rows(dataset), None)


def test_input_forms_agree() -> None:
    X = [[1, 2], [3, -1], [0, 1], [2, 4]]
    reference = exactrelu.enumerate_patterns(X, bias=True).pattern_strings()
    for form in (
        np.array(X),
        np.array(X, dtype=float),
        [[str(v) for v in row] for row in X],
        exactrelu.as_dataset(X),
        [[Fraction(v) for v in row] for row in X],
    ):
        assert exactrelu.enumerate_patterns(form, bias=True).pattern_strings() == reference


def test_max_cells_refuses_before_enumerating() -> None:
    X = [[1, 0], [0, 1], [1, 1], [1, -1], [2, 1]]  # 5 lines in the plane: Cover count 10
    with pytest.raises(exactrelu.ProblemTooLargeError) as info:
        exactrelu.enumerate_patterns(X, max_cells=9)
    assert isinstance(info.value, exactrelu.ExactReluInputError)
    assert "10" in str(info.value) and "max_cells" in str(info.value)
    assert exactrelu.enumerate_patterns(X, max_cells=10).count == 10


# -- floats are converted exactly ----------------------------------------------------------------


def test_float_and_decimal_string_are_different_data() -> None:
    as_float = exactrelu.as_dataset([[0.1, 1], [1, 0.3]])
    as_text = exactrelu.as_dataset([["0.1", 1], [1, "0.3"]])
    assert as_float.X[0][0] == Fraction(3602879701896397, 36028797018963968) == Fraction(0.1)
    assert as_text.X[0][0] == Fraction(1, 10)
    assert as_float.X != as_text.X
    assert as_float.sha256() != as_text.sha256()
    assert as_text.sha256() == exactrelu.as_dataset([[Fraction(1, 10), 1], [1, "3/10"]]).sha256()
    assert as_float.sha256() == exactrelu.as_dataset(np.array([[0.1, 1], [1, 0.3]])).sha256()
    for dataset, other in ((as_float, as_text), (as_text, as_float)):
        cert = exactrelu.enumerate_patterns(dataset, bias=True).to_json(dataset)
        check_certificate(cert, checker_rows(dataset), None)
        with pytest.raises(CheckFailure):
            check_certificate(cert, checker_rows(other), None)


# -- the checker accepts every certificate produced ----------------------------------------------


@given(data=small_data(max_n=7, max_d=4), bias=st.booleans())
def test_checker_accepts_degenerate_certificates(data: tuple, bias: bool) -> None:
    X, _exact = data
    dataset = exactrelu.as_dataset(X)
    cert = exactrelu.enumerate_patterns(dataset, bias=bias).to_json(dataset)
    cert = json.loads(json.dumps(cert))  # what a file holds
    assert isinstance(check_certificate(cert, checker_rows(dataset), None), str)


@given(data=st.data(), d=st.integers(1, 5), bias=st.booleans())
def test_checker_accepts_generic_certificates(data: st.DataObject, d: int, bias: bool) -> None:
    X = data.draw(generic_integer_rows(d, max_n=9))
    dataset = exactrelu.as_dataset(X)
    cert = json.loads(json.dumps(exactrelu.enumerate_patterns(dataset, bias=bias).to_json(dataset)))
    assert isinstance(check_certificate(cert, checker_rows(dataset), None), str)


# -- the checker rejects tampered certificates ---------------------------------------------------


def _drop_last(cert: dict, decrement: bool) -> None:
    for key in ("patterns", "witnesses", "facets"):
        cert[key].pop()
    if decrement:
        cert["count"] -= 1


def _flip_sign(cert: dict) -> None:
    pattern = cert["patterns"][0]
    cert["patterns"][0] = ("0" if pattern[0] == "1" else "1") + pattern[1:]


def _witness_on_facet(cert: dict, rows: Rows) -> None:
    """Replace the witness of cell 0 by an exact point in the relative interior of one of its
    facets (strictly inside every other half-space of the cell, on the facet's hyperplane)."""
    pattern, k = cert["patterns"][0], cert["facets"][0][0]
    classes = hyperplane_classes(rows)
    signs = {
        j: 1 if pattern[j] == "1" else -1
        for j in range(len(rows))
        if classes[j] >= 0 and classes[j] != classes[k]
    }
    margin, point = lp_max_margin(rows, signs, equal=(k,))
    assert margin > 0  # the claimed facet is a genuine facet
    scale = math.lcm(*(v.denominator for v in point))
    integer = [int(v * scale) for v in point]
    assert sum(a * b for a, b in zip(rows[k], integer, strict=True)) == 0
    cert["witnesses"][0] = [str(v) for v in integer]


def _remove_facet_claim(cert: dict) -> None:
    cert["facets"][0] = cert["facets"][0][1:]


def _add_facet_claim(cert: dict, rows: Rows) -> None:
    """Claim a nonzero row that is not a facet of cell i (all its hyperplane's rows)."""
    classes = hyperplane_classes(rows)
    for i, facets in enumerate(cert["facets"]):
        for k, c in enumerate(classes):
            if c >= 0 and k not in facets:
                members = [j for j in range(len(rows)) if classes[j] == c]
                cert["facets"][i] = sorted(facets + members)
                return
    zero = [k for k, c in enumerate(classes) if c < 0]
    assert zero, "every hyperplane is a facet of every cell: nothing to add"
    cert["facets"][0] = sorted(cert["facets"][0] + zero[:1])  # a zero row is never a facet


def _duplicate(cert: dict) -> None:
    for key in ("patterns", "witnesses", "facets"):
        cert[key].append(copy.deepcopy(cert[key][0]))
    cert["count"] += 1


TAMPERS = {
    "drop_cell_and_decrement_count": lambda cert, rows: _drop_last(cert, True),
    "drop_cell_keep_count": lambda cert, rows: _drop_last(cert, False),
    "flip_a_sign": lambda cert, rows: _flip_sign(cert),
    "witness_on_facet_hyperplane": _witness_on_facet,
    "remove_a_facet_claim": lambda cert, rows: _remove_facet_claim(cert),
    "add_a_facet_claim": _add_facet_claim,
    "duplicate_a_cell": lambda cert, rows: _duplicate(cert),
    "count_plus_one": lambda cert, rows: cert.update(count=cert["count"] + 1),
    "count_minus_one": lambda cert, rows: cert.update(count=cert["count"] - 1),
    "data_sha256": lambda cert, rows: cert.update(data_sha256=hashlib.sha256(b"other").hexdigest()),
    "status": lambda cert, rows: cert.update(status="verified"),
    "claim_label": lambda cert, rows: cert["claims"].update(count="numeric"),
    "claim_missing": lambda cert, rows: cert["claims"].pop("complete"),
    "general_position_flag": lambda cert, rows: cert["certificate"].update(
        general_position=not cert["certificate"]["general_position"]
    ),
    "hyperplane_count": lambda cert, rows: cert["certificate"].update(
        hyperplanes=cert["certificate"]["hyperplanes"] + 1
    ),
    "bias_flag": lambda cert, rows: cert.update(bias=not cert["bias"]),
    "kind": lambda cert, rows: cert.update(kind="optimal_set"),
}


@pytest.mark.parametrize("tamper", sorted(TAMPERS))
@pytest.mark.parametrize("name", sorted(FIXED))
def test_checker_rejects_tampered_certificate(name: str, tamper: str) -> None:
    X, bias = FIXED[name]
    dataset = exactrelu.as_dataset(X)
    rows = exact_rows(dataset, bias)
    cert = json.loads(json.dumps(exactrelu.enumerate_patterns(dataset, bias=bias).to_json(dataset)))
    check_certificate(copy.deepcopy(cert), checker_rows(dataset), None)
    TAMPERS[tamper](cert, rows)
    with pytest.raises(CheckFailure) as info:
        check_certificate(cert, checker_rows(dataset), None)
    assert str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("name", sorted(FIXED))
def test_checker_rejects_changed_data(name: str) -> None:
    X, bias = FIXED[name]
    dataset = exactrelu.as_dataset(X)
    cert = exactrelu.enumerate_patterns(dataset, bias=bias).to_json(dataset)
    changed = checker_rows(dataset)
    changed[0][0] += Fraction(1, 7)
    with pytest.raises(CheckFailure):
        check_certificate(cert, changed, None)
    with pytest.raises(CheckFailure):  # the data now has a target the certificate did not hash
        check_certificate(cert, checker_rows(dataset), [Fraction(0)] * dataset.n)


def test_checker_rejects_a_lower_dimensional_face_added_as_a_cell() -> None:
    dataset = exactrelu.as_dataset([[1, 0], [-1, 0]])
    cert = exactrelu.enumerate_patterns(dataset).to_json(dataset)
    cert["patterns"].append("11")
    cert["witnesses"].append(["0", "1"])  # u = (0, 1) on the hyperplane
    cert["facets"].append([])
    cert["count"] += 1
    with pytest.raises(CheckFailure):
        check_certificate(cert, checker_rows(dataset), None)
