"""Check a certificate of kind ``"patterns"``: the listed activation patterns are exactly the cells.

Each check is marked with the item V1-V7 of ``proofs/patterns.md`` ("What the checker verifies")
that it implements; the proof there says why the items together establish the claims.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from exactrelu.checker.arrangement import (
    Arrangement,
    cover_count,
    general_position_restriction_count,
    in_general_position,
    integer_row,
    primitive,
    region_count,
    restrict,
)
from exactrelu.checker.data import input_options, require_data_hash
from exactrelu.checker.failure import CheckFailure
from exactrelu.checker.fields import (
    check_float_copies,
    field,
    parse_integers,
    parse_rational,
    summary,
)

_ONE = ord("1")
_BLOCK = 1 << 22  # products per numpy block (32 MiB of int64)
_CLAIMS = ("count", "complete", "patterns", "witnesses", "facets")


def check_patterns(
    cert: dict, X: Sequence[Sequence[Fraction]], y: Sequence[Fraction] | None
) -> str:
    """Verify a ``patterns`` certificate against the exact data; return a one-line summary.

    Raises CheckFailure naming the first cell, row or field that fails.
    """
    n, d, bias = _check_header(cert, X, y)
    rows = [integer_row([*x, Fraction(1)] if bias else list(x)) for x in X]
    count = field(cert, "count", int)
    patterns = field(cert, "patterns", list)
    witnesses = field(cert, "witnesses", list)
    facets = field(cert, "facets", list)
    # V2: one pattern, one witness and one facet list per claimed cell.
    if not count == len(patterns) == len(witnesses) == len(facets):
        raise CheckFailure(
            f"count {count} but {len(patterns)} patterns, {len(witnesses)} witnesses, "
            f"{len(facets)} facet lists"
        )
    signs = _pattern_array(patterns, n)
    points = _integer_witnesses(witnesses, d + 1 if bias else d)
    for i, facet_rows in enumerate(facets):
        _check_facet_list(facet_rows, n, i)
    _check_distinct(patterns)
    _check_witnesses(signs, points, rows)
    arrangement = Arrangement.from_rows(rows)
    general = _check_count(cert, arrangement, count)
    _check_facets(patterns, facets, arrangement, general)
    _check_claims(cert)
    check_float_copies(cert)  # V8
    if not arrangement.classes:
        how = "no hyperplanes"
    elif general:
        how = "general position, Cover's formula"
    else:
        how = "degenerate, deletion-restriction"
    return summary(cert, "patterns", f"{count} cells of {n} rows (rank {arrangement.rank}, {how})")


def _check_header(
    cert: dict, X: Sequence[Sequence[Fraction]], y: Sequence[Fraction] | None
) -> tuple[int, int, bool]:
    # V1: kind and version; n, d, bias and input describe the data; data_sha256 is its hash.
    if cert.get("kind") != "patterns" or cert.get("version") != 1:
        raise CheckFailure(
            f"expected kind 'patterns' version 1, got {cert.get('kind')!r} "
            f"version {cert.get('version')!r}"
        )
    n, d, bias = field(cert, "n", int), field(cert, "d", int), field(cert, "bias", bool)
    if (n, d) != (len(X), len(X[0]) if X else 0):
        raise CheckFailure(
            f"certificate is for n={n}, d={d}; the data has n={len(X)}, d={len(X[0]) if X else 0}"
        )
    input_options(cert)  # well formed; check_file has read the data with these options
    require_data_hash(cert, X, y)
    return n, d, bias


def _pattern_array(patterns: list, n: int) -> np.ndarray:
    """V2: the patterns are strings of n characters '0'/'1'; returned as an N×n uint8 array."""
    for i, pattern in enumerate(patterns):
        if not isinstance(pattern, str) or len(pattern) != n:
            raise CheckFailure(f"cell {i}: pattern is not a string of {n} characters")
    text = "".join(patterns).encode("ascii", errors="replace")
    if text.translate(None, b"01"):  # some character is not '0' or '1'
        i = next(i for i, pattern in enumerate(patterns) if pattern.strip("01"))
        raise CheckFailure(f"cell {i}: pattern has a character other than '0' and '1'")
    return np.frombuffer(text, dtype=np.uint8).reshape(len(patterns), n)


def _integer_witnesses(witnesses: list, size: int) -> list[list[int]]:
    """V2: each witness is D rationals "p" or "p/q"; returned as a positive integer multiple."""
    for i, witness in enumerate(witnesses):
        if not isinstance(witness, list) or len(witness) != size:
            raise CheckFailure(f"cell {i}: witness is not a list of {size} rationals")
    integers = parse_integers([text for witness in witnesses for text in witness])
    if integers is not None:  # the common case: integer witnesses, parsed in one pass
        return [integers[i : i + size] for i in range(0, len(integers), size)]
    points = []
    for i, witness in enumerate(witnesses):
        values = [parse_rational(text, f"cell {i} witness entry") for text in witness]
        scale = math.lcm(*(q for _, q in values))  # > 0: a positive multiple keeps every sign
        points.append(primitive([p * (scale // q) for p, q in values]))
    return points


def _check_facet_list(facet_rows: object, n: int, i: int) -> None:
    # V2: a facet list is a strictly ascending list of row indices in [0, n).
    if not isinstance(facet_rows, list) or not all(
        type(k) is int and 0 <= k < n for k in facet_rows
    ):
        raise CheckFailure(f"cell {i}: facets must be a list of row indices in [0, {n})")
    if any(a >= b for a, b in itertools.pairwise(facet_rows)):
        raise CheckFailure(f"cell {i}: facet list is not strictly ascending")


def _check_distinct(patterns: list[str]) -> None:
    # V3: the listed patterns are pairwise distinct.
    first: dict[str, int] = {}
    for i, pattern in enumerate(patterns):
        if pattern in first:
            raise CheckFailure(f"cells {first[pattern]} and {i} have the same pattern")
        first[pattern] = i


def _check_witnesses(signs: np.ndarray, points: list[list[int]], rows: list[list[int]]) -> None:
    """V4: every witness lies strictly inside the cone of its pattern."""
    n = len(rows)
    zero = [k for k in range(n) if not any(rows[k])]
    nonzero = [k for k in range(n) if any(rows[k])]
    # V4a: a zero row has no hyperplane; its character is '1' (0 >= 0) in every pattern.
    if zero and (signs[:, zero] != _ONE).any():
        i, a = np.argwhere(signs[:, zero] != _ONE)[0]
        raise CheckFailure(f"cell {int(i)}: row {zero[int(a)]} is zero but its character is '0'")
    if not nonzero or not points:
        return
    row_bits = [max(abs(v) for v in row).bit_length() for row in rows]
    size_bits = len(rows[0]).bit_length()  # D < 2**size_bits
    point_bits = [max(abs(v) for v in point).bit_length() for point in points]
    order = sorted(range(len(points)), key=point_bits.__getitem__)  # similar sizes per block
    step = max(1, _BLOCK // n)
    for start in range(0, len(order), step):
        cells = order[start : start + step]
        bits = point_bits[cells[-1]]  # the largest in this block
        # Arithmetic (proofs/patterns.md): |row·u| <= D·max|row|·max|u| < 2**(c + a + b) <= 2**63,
        # so int64 is exact for these rows; the others are multiplied as Python ints.
        fast = [k for k in nonzero if size_bits + row_bits[k] + bits <= 63]
        slow = [k for k in nonzero if size_bits + row_bits[k] + bits > 63]
        for selected, dtype in ((fast, np.int64), (slow, object)):
            if not selected:
                continue
            left = np.array([points[i] for i in cells], dtype=dtype)
            products = left @ np.array([rows[k] for k in selected], dtype=dtype).T
            block = signs[cells]
            expected = (block if len(selected) == n else block[:, selected]) == _ONE
            # V4b: row·u != 0 for each nonzero row, and row·u > 0 exactly where the char is '1'.
            bad = np.asarray(products == 0, dtype=bool) | (
                np.asarray(products > 0, dtype=bool) != expected
            )
            if bad.any():
                i, a = np.argwhere(bad)[0]
                raise CheckFailure(
                    f"cell {cells[int(i)]}: witness does not realise the pattern strictly "
                    f"at row {selected[int(a)]}"
                )


def _check_count(cert: dict, arrangement: Arrangement, count: int) -> bool:
    """V5: ``count`` is the number of cells.  Returns whether the arrangement is in general
    position (every r of the m hyperplane normals linearly independent)."""
    section = field(cert, "certificate", dict)
    m, r = len(arrangement.classes), arrangement.rank
    # V5d: the certificate section names the hyperplane count m and the rank r of the data.
    if section.get("kind") != "cell_count":
        raise CheckFailure(f"certificate kind must be 'cell_count', got {section.get('kind')!r}")
    if section.get("hyperplanes") != m or section.get("rank") != r:
        raise CheckFailure(
            f"the rows give {m} distinct hyperplanes of rank {r}, the certificate "
            f"says {section.get('hyperplanes')!r} of rank {section.get('rank')!r}"
        )
    essential = list(arrangement.essential)
    if m == 0:
        # V5a: no hyperplane: the whole space is the one cell (vacuously in general position).
        if count != 1:
            raise CheckFailure(f"all rows are zero, so there is 1 cell, not {count}")
        general = True
    # V5b: in general position (decided exactly, Lemma 2) the number of cells is Cover's.
    elif count == cover_count(m, r) and in_general_position(essential, r):
        general = True
    else:
        # V5c: otherwise count by deletion-restriction (Lemma 3).  When it equals count, the
        # arrangement is not in general position: either a zero minor was found, or count differs
        # from Cover's number, which general position would force (Lemma 4).
        cells = region_count(essential)
        if count != cells:
            raise CheckFailure(f"count {count} but the arrangement has {cells} cells")
        general = False
    # V5d: the certificate states general position and the matching method truthfully.
    method = "cover" if general else "deletion_restriction"
    if section.get("general_position") is not general or section.get("count_method") != method:
        raise CheckFailure(
            f"certificate says general_position={section.get('general_position')!r}, "
            f"count_method={section.get('count_method')!r}; it is {general}, {method!r}"
        )
    return general


def _check_facets(
    patterns: list[str], facets: list[list[int]], arrangement: Arrangement, general: bool
) -> None:
    """V6: every claimed facet is one (flip test), and none is missing (incidence total)."""
    n, sizes = len(arrangement.row_class), arrangement.sizes
    # A pattern read as a binary number has row k's character at bit n-1-k; crossing the
    # hyperplane of class c flips the characters of all rows of c: XOR with flip[c].
    flip = [0] * len(sizes)
    for k, c in enumerate(arrangement.row_class):
        if c >= 0:
            flip[c] |= 1 << (n - 1 - k)
    row_flip = [flip[c] if c >= 0 else 0 for c in arrangement.row_class]
    values = [int(pattern, 2) if n else 0 for pattern in patterns]
    listed = set(values)
    grouped = any(size > 1 for size in sizes)
    claimed = 0
    for i, facet_rows in enumerate(facets):
        for k in facet_rows:
            if row_flip[k] == 0:
                raise CheckFailure(f"cell {i}: row {k} is zero and cannot be a facet")
            # V6b: crossing the hyperplane gives a listed cell, so it is a genuine facet (Lemma 5).
            if values[i] ^ row_flip[k] not in listed:
                raise CheckFailure(
                    f"cell {i}: row {k} is claimed as a facet but crossing it gives no listed cell"
                )
        # V6a: rows on one hyperplane are claimed together (the lists hold no repeats, by V2).
        if grouped:
            classes = [arrangement.row_class[k] for k in facet_rows]
            for c in set(classes):
                if classes.count(c) != sizes[c]:
                    raise CheckFailure(
                        f"cell {i}: claims {classes.count(c)} of the {sizes[c]} rows on the "
                        f"hyperplane of row {arrangement.row_class.index(c)}; they are facets "
                        f"together"
                    )
        claimed += len(facet_rows)
    # V6c: the claimed incidences number Σ_c |c|·2·r(A^{H_c}), so all are claimed (Lemma 6).
    if general:
        regions = [general_position_restriction_count(len(sizes), arrangement.rank)] * len(sizes)
    else:
        essential = arrangement.essential
        regions = [
            region_count(restrict(essential[:c] + essential[c + 1 :], h))
            for c, h in enumerate(essential)
        ]
    total = sum(2 * size * count for size, count in zip(sizes, regions, strict=True))
    if claimed != total:
        raise CheckFailure(f"{claimed} facet incidences claimed, the arrangement has {total}")


def _check_claims(cert: dict) -> None:
    # V7: the output calls itself exact, and so does each of its claims, all of them known.
    claims = field(cert, "claims", dict)
    if cert.get("status") != "exact":
        raise CheckFailure(f"status must be 'exact', got {cert.get('status')!r}")
    missing = [name for name in _CLAIMS if name not in claims]
    if missing:
        raise CheckFailure(f"claims lack {', '.join(missing)}")
    for name, label in claims.items():
        if name not in _CLAIMS:
            raise CheckFailure(f"claim {name!r} is not a claim of a patterns file")
        if label != "exact":
            raise CheckFailure(f"claim {name!r} is labelled {label!r}, not 'exact'")
