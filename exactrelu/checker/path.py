"""Check ``path`` files: the regularization path (docs/theory.md §8) with a certificate embedded
for every claim.

Each check is marked with the item R1-R8 of ``proofs/path.md``.  The path file is a container:
every sample (grid point, end of a breakpoint's bracket) embeds its own certificate (kind
``optimal_set``, or ``solve`` where the optimal set is undecided), every proved piece of an
interval its ``verified_interval`` certificate; each is checked by its kind's checker, and the
path's own fields must be exactly the values those certificates prove.  What is left to this
module is λ_max (its Moreau multipliers and a witness of the maximizing block) and the
combinatorics of the path: structures that differ at the ends of a bracket, pieces that cover an
interval, the labels.  Floats and ``numeric`` fields are not claims and are not read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from exactrelu.checker.duality import (
    Program,
    check_solve,
    parse_multipliers,
    pattern_sums,
    read_header,
    with_patterns,
)
from exactrelu.checker.failure import CheckFailure
from exactrelu.checker.fields import field, rational, rational_vector, short
from exactrelu.checker.interval import check_verified_interval
from exactrelu.checker.network import integer_matrix
from exactrelu.checker.optimal_set import check_optimal_set

_HEADER = ("n", "d", "bias", "output_bias", "scale", "model", "patterns", "data_sha256", "input")
_ORDER = ("exact", "verified", "numeric")
_SIGNS = {"relu": (1, -1), "gated": (1,)}
_VERDICTS = {"proved": "verified", "zero": "exact", "sampled": "numeric", "undecided": "numeric"}


def check_path(cert: dict, X: Sequence[Sequence[Fraction]], y: Sequence[Fraction] | None) -> str:
    """Verify a ``path`` file; return a one-line summary."""
    program = _header(cert, X, y)  # R1-R2
    lower2, upper2 = _lam_max(cert, program)  # R3
    rel_width = rational(cert.get("rel_width"), "rel_width")
    if rel_width <= 0:
        raise CheckFailure("rel_width must be > 0")
    points = field(cert, "points", list)
    if not points:
        raise CheckFailure("a path has at least one grid point")
    statuses = [_point(cert, p, f"point {i}", X, y)[0] for i, p in enumerate(points)]  # R4
    lams = [rational(p["lam"], "lam") for p in points]
    if any(a >= b for a, b in zip(lams, lams[1:], strict=False)):
        raise CheckFailure("the grid points must be in strictly increasing order of λ")
    brackets = [
        _breakpoint(cert, b, i, rel_width, X, y)  # R5
        for i, b in enumerate(field(cert, "breakpoints", list))
    ]
    intervals = [
        _interval(cert, item, i, upper2, X, y)  # R6-R7
        for i, item in enumerate(field(cert, "intervals", list))
    ]
    ends = [(lo, hi) for lo, hi, _, _ in intervals]
    if any(a[1] > b[0] for a, b in zip(ends, ends[1:], strict=False)):
        raise CheckFailure("the intervals must be disjoint and in increasing order of λ")
    _claims(cert, statuses, brackets, [label for _, _, label, _ in intervals])  # R8
    proved = sum(1 for *_, label, _ in intervals if label == "verified")
    pieces = sum(count for *_, count in intervals)
    zero = sum(1 for *_, label, _ in intervals if label == "exact")
    counts = ", ".join(f"{statuses.count(s)} {s}" for s in _ORDER if s in statuses)
    decided = sum(1 for label in brackets if label != "numeric")
    squared = short(lower2) if lower2 == upper2 else f"[{short(lower2)}, {short(upper2)}]"
    return (
        f"valid: path of {len(points)} grid points ({counts}), {len(brackets)} breakpoint "
        f"brackets ({decided} with proved different structures at their ends), "
        f"{len(intervals)} intervals ({proved} proved constant by {pieces} pieces, {zero} zero); "
        f"λ_max² = {squared} ({program.scope})"
    )


# ---------------------------------------------------------------------------------------------
# R1-R3: the header, the program's patterns, λ_max


def _header(cert: dict, X, y) -> Program:
    """R1-R2: kind, version and options; n, d and the hash are the data's (the header of every
    kind, D1, without a λ: a path has many); the program's pattern list (all cells with a valid
    nested patterns certificate, or a list)."""
    program = read_header(cert, X, y, "path", read_lam=lambda cert, n: Fraction(1), version=3)
    return with_patterns(program, cert, field(cert, "certificate", dict), X, y)


def _lam_max(cert: dict, program: Program) -> tuple[Fraction, Fraction]:
    """R3: ``λ_max² = max_b ‖Π_{K_b}(c_b)‖²`` lies in ``[squared_lower, squared_upper]``:
    every block is bounded by Moreau (``‖Π_K(c)‖ <= ‖c + Aᵀμ‖`` for μ >= 0) and the maximizing
    block by a point u of its cone (``‖Π_K(c)‖ >= c·u / ‖u‖``).  Returns the stated bounds."""
    top = field(cert, "lam_max", dict)
    lower2 = rational(top.get("squared_lower"), "lam_max squared_lower")
    upper2 = rational(top.get("squared_upper"), "lam_max squared_upper")
    if not 0 <= lower2 <= upper2:
        raise CheckFailure("lam_max needs 0 <= squared_lower <= squared_upper")
    factor = program.divisor**2  # a stated λ² times n² is the sum-scale λ_s²
    section = field(top, "certificate", dict)
    n, signs = len(program.rows), _SIGNS[program.model]
    z = list(program.y)
    if program.output_bias:
        mean = sum(z, Fraction(0)) / n
        z = [v - mean for v in z]
    blocks = parse_multipliers(section.get("mu"), len(program.patterns), signs, n)
    if program.model == "gated" and blocks:
        raise CheckFailure("a gated program has no cone multipliers: mu must be []")
    B, Q = integer_matrix(program.rows)
    Z = math.lcm(1, *(v.denominator for v in z))
    scaled = [
        [v.numerator * (Z // v.denominator) * b for b in row] for v, row in zip(z, B, strict=True)
    ]
    C = pattern_sums(program.matrix, scaled)  # c_i = C[i] / (Z·Q) for sign +1
    # Upper bound: ‖v_b‖² <= upper2·n² for every block, v_b = c_b (+ Σ μ_k (2p_k − 1) x̃_k).
    bound = upper2 * factor * (Z * Q) ** 2
    for i, norm in enumerate((C * C).sum(axis=1).tolist()):
        if norm > bound and any((i, s) not in blocks for s in signs):
            raise CheckFailure(f"lam_max: block (pattern {i}, no mu) exceeds squared_upper")
    for (i, s), entries in blocks.items():
        R = math.lcm(*(q for _, (_, q) in entries))
        w = [s * c * R for c in C[i].tolist()]
        for k, (p, q) in entries:
            m = p * (R // q) * (Z if program.patterns[i][k] == "1" else -Z)
            w = [a + m * b for a, b in zip(w, B[k], strict=True)]
        if sum(a * a for a in w) > bound * R * R:
            raise CheckFailure(f"lam_max: block (pattern {i}, sign {s}) exceeds squared_upper")
    # Lower bound: a witness u in the closed cone of the stated block.
    witness, block = section.get("witness"), top.get("block")
    if lower2 == 0:
        if witness is not None or block is not None:
            raise CheckFailure("lam_max: squared_lower 0 has no block and no witness")
    else:
        if not isinstance(witness, dict):
            raise CheckFailure("lam_max: squared_lower > 0 needs a witness")
        i, s = witness.get("pattern"), witness.get("sign")
        if type(i) is not int or not 0 <= i < len(program.patterns) or s not in signs:
            raise CheckFailure(f"lam_max witness names no block: pattern {i!r}, sign {s!r}")
        if type(s) is not int or block != [i, s]:
            raise CheckFailure(f"lam_max block {block!r} is not the witness's block [{i}, {s}]")
        u = rational_vector(witness.get("u"), len(program.rows[0]), "lam_max witness u")
        pattern = program.patterns[i]
        if program.model == "relu":
            for k, row in enumerate(program.rows):
                side = sum((a * b for a, b in zip(row, u, strict=True)), Fraction(0))
                if (side < 0) if pattern[k] == "1" else (side > 0):
                    raise CheckFailure(f"lam_max witness u is not in the cone of pattern {i}")
        c = [
            s * sum((z[k] * program.rows[k][j] for k in range(n) if pattern[k] == "1"), Fraction(0))
            for j in range(len(u))
        ]
        dot = sum((a * b for a, b in zip(c, u, strict=True)), Fraction(0))
        if dot <= 0 or dot * dot < lower2 * factor * sum(v * v for v in u):
            raise CheckFailure("lam_max: the witness does not reach squared_lower")
    exact = lower2 == upper2
    if top.get("exact") is not exact:
        raise CheckFailure(f"lam_max exact is {top.get('exact')!r}, the bounds give {exact}")
    if exact:
        if rational(top.get("squared"), "lam_max squared") != lower2:
            raise CheckFailure("lam_max squared is not the proved λ_max²")
        a, b = math.isqrt(lower2.numerator), math.isqrt(lower2.denominator)
        root = Fraction(a, b) if a * a == lower2.numerator and b * b == lower2.denominator else None
        value = top.get("value")
        if (value is None) != (root is None) or (
            root is not None and rational(value, "lam_max value") != root
        ):
            raise CheckFailure(f"lam_max value is {value!r}, λ_max is {root}")
    elif top.get("squared") is not None or top.get("value") is not None:
        raise CheckFailure("lam_max squared and value are null when λ_max is not exact")
    return lower2, upper2


# ---------------------------------------------------------------------------------------------
# R4-R7: samples, brackets, intervals


def _same_problem(cert: dict, inner: dict, what: str) -> None:
    """R4: an embedded certificate is about the path's problem: the same header fields and
    the same pattern list."""
    for key in _HEADER:
        if inner.get(key) != cert.get(key):
            raise CheckFailure(f"{what}: its {key} {inner.get(key)!r} is not the path's")
    mine, theirs = cert["certificate"], field(inner, "certificate", dict)
    if any(mine.get(key) != theirs.get(key) for key in ("cells", "patterns")):
        raise CheckFailure(f"{what}: its pattern list is not the path's")


def _point(cert: dict, point: object, what: str, X, y) -> tuple[str, frozenset]:
    """R4: a sample's fields are those its embedded certificate proves; returns its label and
    its structure (proved unless the label is ``numeric``)."""
    if not isinstance(point, dict):
        raise CheckFailure(f"{what} must be an object")
    lam = rational(point.get("lam"), f"{what} lam")
    inner = field(point, "certificate", dict)
    kind = inner.get("kind")
    if kind == "optimal_set":
        summary_check = check_optimal_set
    elif kind == "solve":
        summary_check = check_solve
    else:
        raise CheckFailure(f"{what}: its certificate has kind {kind!r}, not optimal_set or solve")
    try:
        summary_check(inner, X, y)
    except CheckFailure as failure:
        raise CheckFailure(f"{what}: {failure}") from None
    _same_problem(cert, inner, what)
    if rational(inner.get("lam"), "lam") != lam:
        raise CheckFailure(f"{what}: λ {lam} is not its certificate's λ {inner.get('lam')}")
    status = "numeric"
    if kind == "optimal_set" and inner.get("status") == "exact":
        status = "exact"
    elif kind == "optimal_set" and inner.get("status") == "verified":
        # a verified set without a proved unique network (mirror ties) does not list the
        # structure neuron by neuron: its sample claims its bounds only
        status = "verified" if inner.get("unique_network") is True else "numeric"
    if point.get("status") != status:
        raise CheckFailure(
            f"{what}: status {point.get('status')!r}, its certificate gives {status}"
        )
    if point.get("source") not in ("solve", "continuation"):
        raise CheckFailure(f"{what}: source must be solve or continuation")
    if kind == "solve":
        lower = rational(inner.get("objective_lower"), "objective_lower")
        upper = rational(inner.get("objective_upper"), "objective_upper")
    elif status == "exact":
        lower = upper = rational(inner.get("optimum"), "optimum")
    elif inner.get("status") == "verified":
        ball = field(inner, "optimum", dict)
        mid, rad = rational(ball.get("mid"), "optimum mid"), rational(ball.get("rad"), "rad")
        lower, upper = mid - rad, mid + rad
    else:
        raise CheckFailure(f"{what}: an undecided optimal set is no sample's certificate")
    for name, value in (("objective_lower", lower), ("objective_upper", upper)):
        if rational(point.get(name), f"{what} {name}") != value:
            raise CheckFailure(f"{what}: {name} is not its certificate's {value}")
    if rational(point.get("gap"), f"{what} gap") != upper - lower:
        raise CheckFailure(f"{what}: gap is not objective_upper - objective_lower")
    if status == "numeric":
        if point.get("unique_network") is not None:
            raise CheckFailure(f"{what}: an undecided sample has unique_network null")
        return status, frozenset()
    structure = _structure(inner, status, X)
    listed = field(point, "neurons", list)
    stated = []
    for item in listed:
        if not isinstance(item, dict):
            raise CheckFailure(f"{what}: each neuron must be an object")
        stated.append(_neuron_key(item, f"{what} neuron"))
    if sorted(stated) != sorted(structure):
        raise CheckFailure(f"{what}: its neurons (sign, active, face, used) are not E and S")
    for name, value in (("E", len(structure)), ("S", sum(key[3] for key in structure))):
        if point.get(name) != value or type(point.get(name)) is not int:
            raise CheckFailure(
                f"{what}: {name} is {point.get(name)!r}, its certificate gives {value}"
            )
    if point.get("unique_network") is not inner.get("unique_network"):
        raise CheckFailure(f"{what}: unique_network is not its certificate's")
    return status, frozenset(structure)


def _neuron_key(item: dict, what: str) -> tuple:
    sign, used = item.get("sign"), item.get("used")
    if type(sign) is not int or type(used) is not bool:
        raise CheckFailure(f"{what}: sign must be an integer and used a boolean")
    lists = [item.get("active"), item.get("face")]
    if not all(isinstance(v, list) and all(type(k) is int for k in v) for v in lists):
        raise CheckFailure(f"{what}: active and face must be lists of row indices")
    return (sign, tuple(lists[0]), tuple(lists[1]), used)


def _structure(inner: dict, status: str, X) -> list[tuple]:
    """R4: E as (sign, active rows, face rows, in S) from a checked optimal set: an exact one's
    directions (the sign of each ``x̃_k·v``) and used neurons, a verified one's stated (and
    checked) rows, every neuron used (the network is unique and every α > 0)."""
    if status == "verified":
        return [
            (nu["sign"], tuple(nu["active"]), tuple(nu["face"]), True) for nu in inner["neurons"]
        ]
    rows = [[*x, Fraction(1)] if inner["bias"] else list(x) for x in X]
    used = set(inner["used_neurons"])
    out = []
    for j, nu in enumerate(inner["neurons"]):
        v = [rational(t, "direction") for t in nu["direction"]]
        values = [sum((a * b for a, b in zip(row, v, strict=True)), Fraction(0)) for row in rows]
        active = tuple(k for k, t in enumerate(values) if t > 0)
        face = tuple(k for k, t in enumerate(values) if t == 0 and any(rows[k]))
        out.append((nu["sign"], active, face, j in used))
    return out


def _breakpoint(cert: dict, item: object, i: int, rel_width: Fraction, X, y) -> str:
    """R5: both ends of a bracket are certified samples at its ends; with both decided, their
    proved structures differ (a structure change lies inside).  ``resolved`` is exact; the
    verdict stays ``numeric``.  Returns the bracket's label."""
    what = f"breakpoint {i}"
    if not isinstance(item, dict):
        raise CheckFailure(f"{what} must be an object")
    lo = rational(item.get("lam_lo"), f"{what} lam_lo")
    hi = rational(item.get("lam_hi"), f"{what} lam_hi")
    if not 0 < lo < hi:
        raise CheckFailure(f"{what}: needs 0 < lam_lo < lam_hi")
    ends = field(item, "ends", list)
    if len(ends) != 2:
        raise CheckFailure(f"{what}: ends must be the two samples [lo, hi]")
    found = [_point(cert, p, f"{what} end {k}", X, y) for k, p in enumerate(ends)]
    for point, lam, name in zip(ends, (lo, hi), ("lam_lo", "lam_hi"), strict=True):
        if rational(point.get("lam"), "lam") != lam:
            raise CheckFailure(f"{what}: an end's λ is not {name}")
    labels = {status for status, _ in found}
    label = "numeric" if "numeric" in labels else "verified" if "verified" in labels else "exact"
    if item.get("status") != label:
        raise CheckFailure(f"{what}: status {item.get('status')!r}, its ends give {label}")
    if label != "numeric" and found[0][1] == found[1][1]:
        raise CheckFailure(f"{what}: the structures at its two ends are the same")
    if item.get("resolved") is not (hi - lo <= rel_width * hi):
        raise CheckFailure(f"{what}: resolved is not hi - lo <= rel_width·hi")
    if item.get("verdict_status") != "numeric":
        raise CheckFailure(f"{what}: the verdict is numeric evidence, verdict_status 'numeric'")
    unique = [p.get("unique_network") for p in ends]
    if item.get("unique_network_at_ends") != unique:
        raise CheckFailure(f"{what}: unique_network_at_ends is not its ends' unique_network")
    return label


def _interval(cert: dict, item: object, i: int, upper2: Fraction, X, y):
    """R6-R7: a ``proved`` interval is covered by verified_interval pieces with one structure;
    a ``zero`` one lies above λ_max; the others make no claim (their pieces, if any, are checked
    and do not cover them).  Returns (lo, hi, label, pieces)."""
    what = f"interval {i}"
    if not isinstance(item, dict):
        raise CheckFailure(f"{what} must be an object")
    lo = rational(item.get("lam_lo"), f"{what} lam_lo")
    hi = rational(item.get("lam_hi"), f"{what} lam_hi")
    if not 0 < lo < hi:
        raise CheckFailure(f"{what}: needs 0 < lam_lo < lam_hi")
    verdict = item.get("verdict")
    if verdict not in _VERDICTS:
        raise CheckFailure(f"{what}: verdict {verdict!r} is not one of {sorted(_VERDICTS)}")
    if item.get("status") != _VERDICTS[verdict]:
        raise CheckFailure(f"{what}: a {verdict} interval has status {_VERDICTS[verdict]!r}")
    pieces = field(field(item, "certificate", dict), "pieces", list)
    covered, contiguous, structures = lo, True, set()
    for k, piece in enumerate(pieces):
        name = f"{what} piece {k}"
        if not isinstance(piece, dict) or piece.get("kind") != "verified_interval":
            raise CheckFailure(f"{name}: a piece is a verified_interval certificate")
        try:
            check_verified_interval(piece, X, y)
        except CheckFailure as failure:
            raise CheckFailure(f"{name}: {failure}") from None
        _same_problem(cert, piece, name)
        a, b = (rational(v, "lam_interval") for v in piece["lam_interval"])
        if a < covered or b > hi:  # R6: in order, disjoint, inside the interval
            raise CheckFailure(f"{name}: [{a}, {b}] is not inside the interval after the last")
        contiguous = contiguous and a == covered
        covered = b
        structures.add(
            frozenset(
                (nu["sign"], tuple(nu["active"]), tuple(nu["face"]))
                for nu in piece["certificate"]["neurons"]
            )
        )
    whole = bool(pieces) and contiguous and covered == hi and len(structures) == 1
    if verdict == "proved" and not whole:  # R6
        raise CheckFailure(f"{what}: proved, but its pieces do not cover it with one structure")
    if verdict == "sampled" and whole:
        raise CheckFailure(f"{what}: sampled, but its pieces prove all of it")
    if verdict in ("zero", "undecided") and pieces:
        raise CheckFailure(f"{what}: a {verdict} interval has no pieces")
    if verdict == "zero" and lo * lo < upper2:  # R7: λ >= λ_max on all of it
        raise CheckFailure(f"{what}: zero, but lam_lo² < squared_upper (λ_max may exceed it)")
    return lo, hi, _VERDICTS[verdict], len(pieces)


def _claims(cert: dict, points: list[str], brackets: list[str], intervals: list[str]) -> None:
    """R8: the claims map and the status are derived from the items' labels."""
    claims = {"lam_max": "exact", "points": max(points, key=_ORDER.index)}
    for name, labels in (("breakpoints", brackets), ("intervals", intervals)):
        labels = [label for label in labels if label != "numeric"]
        if labels:
            claims[name] = max(labels, key=_ORDER.index)
    if cert.get("claims") != claims:
        raise CheckFailure(f"claims {cert.get('claims')!r}, the checked items give {claims}")
    status = max(claims.values(), key=_ORDER.index)
    if cert.get("status") != status:
        raise CheckFailure(f"status {cert.get('status')!r}, the claims give {status!r}")
