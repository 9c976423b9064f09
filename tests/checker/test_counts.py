"""The checker's exact counts against independent oracles, and its verdicts on small certificates.

Oracles: Cover's formula, the rank-3 formula 2 + 2·Σ_lines (m_L - 1), all r-subsets' ranks (flint),
and brute force: every sign vector tested for a strictly feasible point by an exact LP (cdd.gmp).
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import cdd
import cdd.gmp
import numpy as np
import pytest
from flint import fmpz_mat
from hypothesis import given, settings
from hypothesis import strategies as st

import exactrelu.checker.arrangement as arrangement_module
from exactrelu.checker import CheckFailure, check_certificate, check_file, data_sha256, read_data
from exactrelu.checker.arrangement import (
    MODULUS,
    Arrangement,
    cover_count,
    general_position_restriction_count,
    in_general_position,
    integer_row,
    region_count,
    restrict,
)

# ---------------------------------------------------------------------------------------------
# Oracles (independent of the checker's code)


def rank(vectors: list[list[int]]) -> int:
    return fmpz_mat([list(v) for v in vectors]).rank() if vectors else 0


def parallel(g: list[int], h: list[int]) -> bool:
    return rank([g, h]) == 1


def strict_point(strict: list[list[int]], equal: list[list[int]], size: int) -> list | None:
    """A u with g·u > 0 (g in strict) and e·u = 0 (e in equal), by the exact LP max t s.t.
    g·u >= t, e·u = 0, -1 <= u_j <= 1, t <= 1; None when the optimum is not positive."""
    zeros = [0] * size
    rows = [[0, *g, -1] for g in strict]
    rows += [[0, *e, 0] for e in equal] + [[0, *(-v for v in e), 0] for e in equal]
    for j in range(size):
        unit = [1 if i == j else 0 for i in range(size)]
        rows += [[1, *(-v for v in unit), 0], [1, *unit, 0]]
    rows += [[1, *zeros, -1], [0, *zeros, 1]]  # t <= 1; objective: maximize t
    lp = cdd.gmp.linprog_from_array(rows, cdd.LPObjType.MAX)
    cdd.gmp.linprog_solve(lp)
    assert lp.status == cdd.LPStatusType.OPTIMAL
    return list(lp.primal_solution[:size]) if lp.obj_value > 0 else None


def brute_cells(rows: list[list[int]], equal: list[list[int]] = ()) -> dict[tuple, list]:
    """All strict sign vectors over the nonzero rows realised (within ``equal``), with a point."""
    size = len(rows[0])
    nonzero = [r for r in rows if any(r)]
    found: dict[tuple, list] = {}

    def extend(signs: tuple) -> None:
        strict = [[s * v for v in r] for s, r in zip(signs, nonzero, strict=False)]
        point = strict_point(strict, list(equal), size)
        if point is None:
            return
        if len(signs) == len(nonzero):
            found[signs] = point
            return
        extend((*signs, 1))
        extend((*signs, -1))

    extend(())
    return found


def brute_general_position(vectors: list[list[int]], r: int) -> bool:
    return all(rank(list(s)) == r for s in itertools.combinations(vectors, r))


def lines_formula(vectors: list[tuple[int, ...]]) -> int:
    """2 + 2·Σ_L (m_L - 1) over the lines where >= 2 of the planes (in R^3, rank 3) meet."""
    lines = set()
    for g, h in itertools.combinations(vectors, 2):
        line = (g[1] * h[2] - g[2] * h[1], g[2] * h[0] - g[0] * h[2], g[0] * h[1] - g[1] * h[0])
        divisor = math.gcd(*line) * (1 if next(v for v in line if v) > 0 else -1)
        lines.add(tuple(v // divisor for v in line))
    through = [
        sum(1 for h in vectors if sum(a * b for a, b in zip(h, line, strict=True)) == 0)
        for line in lines
    ]
    return 2 + 2 * sum(m - 1 for m in through)


# ---------------------------------------------------------------------------------------------
# The checker's counts


def checker_count(rows: list[list[int]]) -> int:
    arrangement = Arrangement.from_rows([integer_row([Fraction(v) for v in r]) for r in rows])
    essential, m, r = list(arrangement.essential), len(arrangement.classes), arrangement.rank
    if m == 0:
        return 1
    by_deletion = region_count(essential)
    if in_general_position(essential, r):
        assert by_deletion == cover_count(m, r)
    return by_deletion


def checker_restriction_counts(rows: list[list[int]]) -> dict[tuple, int]:
    """For each hyperplane class (keyed by its canonical vector): regions of its restriction."""
    arrangement = Arrangement.from_rows(rows)
    essential = arrangement.essential
    return {
        vector: region_count(restrict(essential[:c] + essential[c + 1 :], essential[c]))
        for c, vector in enumerate(arrangement.classes)
    }


def with_bias(points: list[list[int]]) -> list[list[int]]:
    return [[*p, 1] for p in points]


small_rows = st.integers(1, 4).flatmap(
    lambda size: st.lists(
        st.lists(st.integers(-2, 2), min_size=size, max_size=size), min_size=1, max_size=6
    )
)


@st.composite
def degenerate_rows(draw: st.DrawFn) -> list[list[int]]:
    """Small integer rows with zero rows, duplicates, negatives and rank deficiency mixed in."""
    rows = draw(small_rows)
    size = len(rows[0])
    if draw(st.booleans()) and size > 1:  # rank deficiency: rows in a smaller subspace
        basis = draw(
            st.lists(
                st.lists(st.integers(-2, 2), min_size=size, max_size=size),
                min_size=1,
                max_size=size - 1,
            )
        )
        rows = [
            [sum(c * b[j] for c, b in zip(coeffs, basis, strict=False)) for j in range(size)]
            for coeffs in draw(
                st.lists(
                    st.lists(st.integers(-2, 2), min_size=len(basis), max_size=len(basis)),
                    min_size=1,
                    max_size=6,
                )
            )
        ]
    extra = []
    for row in rows[:2]:
        extra += [[3 * v for v in row], [-v for v in row]][: draw(st.integers(0, 2))]
    if draw(st.booleans()):
        extra.append([0] * size)
    return (rows + extra)[:7]


# ---------------------------------------------------------------------------------------------
# Counts


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda size: st.lists(
            st.lists(st.integers(-1000, 1000), min_size=size, max_size=size), min_size=1, max_size=9
        )
    )
)
def test_cover_formula_on_generic_data(rows: list[list[int]]) -> None:
    arrangement = Arrangement.from_rows(rows)
    essential, m, r = list(arrangement.essential), len(arrangement.classes), arrangement.rank
    if m == 0:
        return
    assert r == rank(rows)
    general = in_general_position(essential, r)
    assert general == brute_general_position([list(v) for v in arrangement.classes], r)
    if general:
        assert region_count(essential) == cover_count(m, r)
        assert checker_restriction_counts(rows) == dict.fromkeys(
            arrangement.classes, general_position_restriction_count(m, r)
        )


@settings(max_examples=100, deadline=None)
@given(
    st.integers(2, 5).flatmap(
        lambda size: st.lists(
            st.lists(st.integers(-2, 2), min_size=size, max_size=size), min_size=1, max_size=9
        )
    )
)
def test_general_position_matches_all_minors(rows: list[list[int]]) -> None:
    arrangement = Arrangement.from_rows(rows)
    r = arrangement.rank
    expected = brute_general_position([list(v) for v in arrangement.classes], r)
    assert in_general_position(list(arrangement.essential), r) == expected


def test_minor_divisible_by_the_modulus_is_decided_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    exact_checks = []
    original = arrangement_module.pivot_columns

    def counting(vectors: list) -> list[int]:
        exact_checks.append(vectors)
        return original(vectors)

    monkeypatch.setattr(arrangement_module, "pivot_columns", counting)
    # det((1, 0), (1, p)) = p: zero modulo p, but not zero.
    assert in_general_position([(1, 0), (1, MODULUS), (0, 1)], 2)
    assert len(exact_checks) == 1
    # Rank 3: the minor of the first three is p, the others are 3, 3 - 2p and p - 3.
    assert in_general_position([(1, 0, 0), (0, 1, 0), (1, 1, MODULUS), (1, 2, 3)], 3)
    assert len(exact_checks) == 2
    # A minor that is truly zero (the first three lie in a plane).
    assert not in_general_position([(1, 0, 0), (0, 1, 0), (1, 1, 0), (0, 0, 1)], 3)


@st.composite
def rank3_rows(draw: st.DrawFn) -> list[list[int]]:
    if draw(st.booleans()):  # points of a small integer grid, with bias
        grid = list(itertools.product(range(4), range(4)))
        points = draw(st.lists(st.sampled_from(grid), min_size=3, max_size=16, unique=True))
        return with_bias([list(p) for p in points])
    return draw(
        st.lists(st.lists(st.integers(-2, 2), min_size=3, max_size=3), min_size=3, max_size=12)
    )


@settings(max_examples=100, deadline=None)
@given(rank3_rows())
def test_rank3_lines_formula_on_degenerate_data(rows: list[list[int]]) -> None:
    arrangement = Arrangement.from_rows(rows)
    if arrangement.rank != 3:
        return
    assert checker_count(rows) == lines_formula(list(arrangement.classes))


@settings(max_examples=80, deadline=None)
@given(degenerate_rows())
def test_counts_match_brute_force(rows: list[list[int]]) -> None:
    assert checker_count(rows) == len(brute_cells(rows))
    for vector, count in checker_restriction_counts(rows).items():
        others = [r for r in rows if any(r) and not parallel(r, list(vector))]
        assert count == len(brute_cells(others or [[0] * len(vector)], [list(vector)]))


@pytest.mark.parametrize(
    ("rows", "cells"),
    [
        ([[0, 0]], 1),
        ([[0, 0], [1, 2], [2, 4], [-1, -2]], 2),  # zero, duplicate, negative multiples
        ([[1, 0, 0], [0, 1, 0], [1, 1, 0]], 6),  # rank 2 in R^3
        ([[3], [-2], [0]], 2),  # d = 1
        (with_bias([[3], [-2], [0], [5]]), 8),  # d = 1 with bias: 4 distinct points
        (with_bias([[t, 2 * t + 1] for t in range(7)]), 14),  # 7 points on a line: 2n cells
        (with_bias([[i, j] for i in range(3) for j in range(3)]), None),
        ([[1, 2, 3], [2, 4, 6], [0, 0, 0], [1, 0, 1], [-1, 0, -1], [0, 1, 1], [1, 1, 2]], None),
    ],
)
def test_degenerate_examples(rows: list[list[int]], cells: int | None) -> None:
    expected = len(brute_cells(rows))
    assert cells is None or cells == expected
    assert checker_count(rows) == expected


def test_grid_count_matches_lines_formula() -> None:
    rows = with_bias([[i, j] for i in range(8) for j in range(8)])
    assert checker_count(rows) == lines_formula([tuple(r) for r in rows])


# ---------------------------------------------------------------------------------------------
# Certificates


def rational_text(value: Fraction) -> str:
    value = Fraction(value)
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


def build_certificate(X: list[list[int]], bias: bool) -> dict:
    """A patterns certificate made by brute force (LP per sign vector and per facet)."""
    rows = with_bias(X) if bias else [list(x) for x in X]
    size = len(rows[0])
    nonzero = [k for k, r in enumerate(rows) if any(r)]
    cells = brute_cells(rows)
    classes: list[list[int]] = []
    for k in nonzero:
        if not any(parallel(rows[k], rows[c[0]]) for c in classes):
            classes.append([k])
        else:
            next(c for c in classes if parallel(rows[k], rows[c[0]])).append(k)
    r = rank([rows[c[0]] for c in classes])
    general = brute_general_position([rows[c[0]] for c in classes], r) if classes else True
    patterns, witnesses, facets = [], [], []
    for signs, point in cells.items():
        char = dict.fromkeys(range(len(rows)), "1")
        for k, s in zip(nonzero, signs, strict=True):
            char[k] = "1" if s > 0 else "0"
        patterns.append("".join(char[k] for k in range(len(rows))))
        witnesses.append([rational_text(v) for v in point])
        facet_rows = []
        for k in nonzero:
            strict = [
                [s * v for v in rows[j]]
                for j, s in zip(nonzero, signs, strict=True)
                if not parallel(rows[j], rows[k])
            ]
            if not strict or strict_point(strict, [rows[k]], size) is not None:
                facet_rows.append(k)
        facets.append(facet_rows)
    X_exact = [[Fraction(v) for v in x] for x in X]
    return {
        "kind": "patterns",
        "version": 1,
        "n": len(X),
        "d": len(X[0]),
        "bias": bias,
        "data_sha256": data_sha256(X_exact, None),
        "input": {"target": "none", "round": None},
        "count": len(patterns),
        "patterns": patterns,
        "witnesses": witnesses,
        "facets": facets,
        "status": "exact",
        "claims": dict.fromkeys(["count", "complete", "patterns", "witnesses", "facets"], "exact"),
        "certificate": {
            "kind": "cell_count",
            "hyperplanes": len(classes),
            "rank": r,
            "general_position": general,
            "count_method": "cover" if general else "deletion_restriction",
        },
    }


def exact(X: list[list[int]]) -> list[list[Fraction]]:
    return [[Fraction(v) for v in x] for x in X]


SQUARE = [[1, 0], [0, 1]]
SQUARE_CERT = {
    "kind": "patterns",
    "version": 1,
    "n": 2,
    "d": 2,
    "bias": False,
    "data_sha256": data_sha256(exact(SQUARE), None),
    "input": {"target": "none", "round": None},
    "count": 4,
    "patterns": ["11", "10", "01", "00"],
    "witnesses": [["1", "1"], ["1", "-1"], ["-1", "1"], ["-1/2", "-3"]],
    "facets": [[0, 1], [0, 1], [0, 1], [0, 1]],
    "status": "exact",
    "claims": dict.fromkeys(["count", "complete", "patterns", "witnesses", "facets"], "exact"),
    "certificate": {
        "kind": "cell_count",
        "hyperplanes": 2,
        "rank": 2,
        "general_position": True,
        "count_method": "cover",
    },
}
# Without bias: a zero row (1), rows 0, 2, 3 on one hyperplane (2·row 0, -row 0), rank 2.
# With bias: points 0-3 on one line and 4, 5 on another: not in general position.
DEGENERATE = [[1, 1], [0, 0], [2, 2], [-1, -1], [0, 1], [2, 3]]


def test_square_certificate_accepted() -> None:
    summary = check_certificate(SQUARE_CERT, exact(SQUARE), None)
    assert summary == (
        "valid: patterns (no bias, target 'none', data as given): "
        "4 cells of 2 rows (rank 2, general position, Cover's formula)"
    )


@pytest.mark.parametrize("bias", [False, True])
def test_brute_force_certificates_accepted(bias: bool) -> None:
    for X in (DEGENERATE, [[1], [-2], [0], [3]], [[1, 0, 0], [0, 1, 0], [1, 1, 0]]):
        assert check_certificate(build_certificate(X, bias), exact(X), None).startswith("valid")


def tampered(cert: dict, change: Callable[[dict], object]) -> dict:
    cert = copy.deepcopy(cert)
    change(cert)
    return cert


def drop_cell(cert: dict) -> None:
    for key in ("patterns", "witnesses", "facets"):
        del cert[key][-1]
    cert["count"] -= 1


def duplicate_cell(cert: dict) -> None:
    for key in ("patterns", "witnesses", "facets"):
        cert[key].append(cert[key][0])
    cert["count"] += 1


def flip_sign(cert: dict) -> None:
    pattern = cert["patterns"][0]
    cert["patterns"][0] = ("0" if pattern[0] == "1" else "1") + pattern[1:]


def false_facet(cert: dict) -> None:
    """Claim, for cell 0, the first row that is not a facet of it (nor a zero row)."""
    k = next(k for k in (0, 2, 3, 4, 5) if k not in cert["facets"][0])
    cert["facets"][0] = sorted([*cert["facets"][0], k])


SQUARE_TAMPERS = {
    "cell dropped": drop_cell,
    "duplicate added": duplicate_cell,
    "sign flipped": flip_sign,
    "witness on a hyperplane": lambda c: c["witnesses"].__setitem__(0, ["0", "1"]),
    "witness in another cell": lambda c: c["witnesses"].__setitem__(0, ["1", "-1"]),
    "facet claim removed": lambda c: c["facets"][0].pop(),
    "wrong hash": lambda c: c.__setitem__("data_sha256", "0" * 64),
    "count edited": lambda c: c.__setitem__("count", 5),
    "claim not exact": lambda c: c["claims"].__setitem__("facets", "verified"),
    "claim missing": lambda c: c["claims"].pop("complete"),
    "status": lambda c: c.__setitem__("status", "verified"),
    "general position denied": lambda c: c["certificate"].__setitem__("general_position", False),
    "rank edited": lambda c: c["certificate"].__setitem__("rank", 1),
    "wrong n": lambda c: c.__setitem__("n", 3),
    "bias claimed": lambda c: c.__setitem__("bias", True),
    "decimal witness": lambda c: c["witnesses"].__setitem__(0, ["0.5", "1"]),
    "facets unsorted": lambda c: c["facets"].__setitem__(0, [1, 0]),
    "facet out of range": lambda c: c["facets"].__setitem__(0, [0, 1, 2]),
    "bad character": lambda c: c["patterns"].__setitem__(0, "1x"),
    "unknown kind": lambda c: c.__setitem__("kind", "solve"),
}


@pytest.mark.parametrize("name", list(SQUARE_TAMPERS))
def test_square_tampering_rejected(name: str) -> None:
    with pytest.raises(CheckFailure):
        check_certificate(tampered(SQUARE_CERT, SQUARE_TAMPERS[name]), exact(SQUARE), None)


def claim_one_of_parallel(cert: dict) -> None:
    i = next(i for i, f in enumerate(cert["facets"]) if 0 in f)
    cert["facets"][i].remove(2)


def zero_row_char(cert: dict) -> None:
    cert["patterns"][0] = cert["patterns"][0][0] + "0" + cert["patterns"][0][2:]


def claims_cover(cert: dict) -> None:
    cert["certificate"].update(general_position=True, count_method="cover")


@pytest.mark.parametrize(
    ("bias", "change"),
    [(b, f) for b in (False, True) for f in (drop_cell, duplicate_cell, flip_sign, false_facet)]
    + [(False, claim_one_of_parallel), (False, zero_row_char), (True, claims_cover)],
)
def test_degenerate_tampering_rejected(bias: bool, change: Callable[[dict], None]) -> None:
    cert = build_certificate(DEGENERATE, bias)
    summary = check_certificate(cert, exact(DEGENERATE), None)
    assert summary.endswith("deletion-restriction)" if bias else "Cover's formula)")
    with pytest.raises(CheckFailure):
        check_certificate(tampered(cert, change), exact(DEGENERATE), None)


@settings(max_examples=25, deadline=None)
@given(degenerate_rows(), st.booleans(), st.data())
def test_brute_force_certificates_and_tampering(
    rows: list[list[int]], bias: bool, data: st.DataObject
) -> None:
    cert = build_certificate(rows, bias)
    assert check_certificate(cert, exact(rows), None).startswith("valid")
    i = data.draw(st.integers(0, cert["count"] - 1))
    k = data.draw(st.integers(0, len(rows) - 1))
    flipped = tampered(
        cert,
        lambda c: c["patterns"].__setitem__(
            i, c["patterns"][i][:k] + "10"[int(c["patterns"][i][k])] + c["patterns"][i][k + 1 :]
        ),
    )
    with pytest.raises(CheckFailure):
        check_certificate(flipped, exact(rows), None)
    if cert["facets"][i]:
        with pytest.raises(CheckFailure):
            check_certificate(tampered(cert, lambda c: c["facets"][i].pop()), exact(rows), None)


def test_huge_witnesses_use_exact_integers() -> None:
    # Entries of 2**70 leave the int64 range: the products are formed with Python ints.
    cert = tampered(
        SQUARE_CERT,
        lambda c: c.__setitem__(
            "witnesses", [[str(int(Fraction(v) * 2**70)) for v in w] for w in c["witnesses"]]
        ),
    )
    assert check_certificate(cert, exact(SQUARE), None).startswith("valid")
    # 2**64 + 1 wraps to 1 in int64; the exact sign of row 0 at this witness is still negative.
    X = [[1, 2**64], [0, 1]]
    cert = build_certificate(X, bias=False)
    cert["witnesses"] = [
        ["-1", "0"] if p == "01" else w
        for p, w in zip(cert["patterns"], cert["witnesses"], strict=True)
    ]
    with pytest.raises(CheckFailure):
        check_certificate(cert, exact(X), None)


def test_check_file_reads_the_data_as_recorded(tmp_path: Path) -> None:
    X = DEGENERATE
    cert = build_certificate(X, bias=True)
    data = tmp_path / "data.csv"
    data.write_text("a,b\n" + "\n".join(f"{a},{b}" for a, b in X) + "\n")
    cert_path = tmp_path / "cert.json"
    cert_path.write_text(json.dumps(cert))
    assert check_file(cert_path, data).startswith("valid")
    data.write_text("a,b\n" + "\n".join(f"{a},{b + 1}" for a, b in X) + "\n")
    with pytest.raises(CheckFailure, match="data_sha256"):
        check_file(cert_path, data)


# ---------------------------------------------------------------------------------------------
# Data


def test_csv_parsing_and_canonical_text(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("a, b ,y\n0.1, 3/4, 1e-3\n\n , ,\n-2,6/4,5\n")
    X, y = read_data(path)
    assert X == [[Fraction(1, 10), Fraction(3, 4)], [Fraction(-2), Fraction(3, 2)]]
    assert y == [Fraction(1, 1000), Fraction(5)]
    text = "exactrelu-data-v1\n2 2 1\n1/10 3/4 | 1/1000\n-2 3/2 | 5\n"
    assert data_sha256(X, y) == hashlib.sha256(text.encode()).hexdigest()
    assert read_data(path, "a") == (
        [[Fraction(3, 4), Fraction(1, 1000)], [Fraction(3, 2), Fraction(5)]],
        [Fraction(1, 10), Fraction(-2)],
    )
    assert read_data(path, "b") == read_data(path, "1") == read_data(path, "-2")
    assert read_data(path, "NONE")[1] is None and len(read_data(path, "none")[0][0]) == 3
    assert read_data(path, None, 0) == ([[0, 1], [-2, 2]], [0, 5])  # half to even: 3/2 -> 2
    for bad in ("1,nan\n", "1,2\n3\n", "1,inf\n", "x\n"):
        path.write_text(bad)
        with pytest.raises(CheckFailure):
            read_data(path)
    path.write_text("1,2\n")
    with pytest.raises(CheckFailure):
        read_data(path, "c")


def test_npz_floats_are_exact(tmp_path: Path) -> None:
    path = tmp_path / "d.npz"
    np.savez(path, X=np.array([0.1, -2.5]), y=np.array([3, 4], dtype=np.int32))
    X, y = read_data(path)
    assert X == [[Fraction(0.1)], [Fraction(-5, 2)]] and y == [3, 4]
    np.savez(path, X=np.array([[np.inf]]))
    with pytest.raises(CheckFailure):
        read_data(path)


def test_hash_agrees_with_the_engine() -> None:
    io = pytest.importorskip("exactrelu.data.io")
    X = [[Fraction(1, 3), Fraction(-2)], [Fraction(0), Fraction(7, 2)]]
    y = [Fraction(1), Fraction(-1, 9)]
    assert data_sha256(X, y) == io.data_sha256(tuple(map(tuple, X)), tuple(y))
    assert data_sha256(X, None) == io.data_sha256(tuple(map(tuple, X)), None)


def test_reader_agrees_with_the_engine(tmp_path: Path) -> None:
    io = pytest.importorskip("exactrelu.data.io")
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n0.15,-3/4,1e-3\n\n2.5,0.25,-7\n")
    for target, digits in [(None, None), ("a", 1), ("-2", None), ("none", 0), ("0", 2)]:
        ours = data_sha256(*read_data(path, target, digits))
        assert ours == io.read_data(path, target, digits).sha256()
    npz = tmp_path / "d.npz"
    np.savez(npz, X=np.array([[0.1, 2], [3, -0.7]]), y=np.array([1.5, 2]))
    assert data_sha256(*read_data(npz)) == io.read_data(npz).sha256()
