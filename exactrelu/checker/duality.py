"""Check certificates of kinds ``"solve"`` and ``"certify"``: exact bounds on the optimal objective.

Each check is marked with the item D1-D11 of ``proofs/duality.md`` ("What the checker verifies");
the proof there says why the items together establish the claims of the file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from exactrelu.checker.data import input_options, require_data_hash
from exactrelu.checker.failure import CheckFailure
from exactrelu.checker.fields import (
    check_float_copies,
    equal,
    field,
    nonnegative,
    parse_rational,
    rational,
    rational_vector,
    short,
    summary,
)
from exactrelu.checker.network import (
    Matrix,
    Network,
    fit,
    integer_matrix,
    nc_objective,
    parse_network,
    patterns_of,
    squared_error,
)
from exactrelu.checker.patterns import check_patterns

_SIGNS = {"relu": (1, -1), "gated": (1,)}
_BLOCK = 1 << 22  # entries of the 0/1 pattern matrix per numpy product (32 MiB as int64)
_COMMON_CLAIMS = {"gap", "network", "dual", "complete", "optimum", "alpha_form"}
_CLAIMS = {
    "solve": _COMMON_CLAIMS | {"objective_upper", "objective_lower"},
    "certify": _COMMON_CLAIMS
    | {"objective", "lower_bound", "threshold", "verdict"}
    | {"improving_network", "improving_objective", "improving_width"},
}


@dataclass(frozen=True)
class DualPoint:
    """A verified dual certificate: z, θ, the μ entries of each block, and the blocks b with
    ``θ‖v_b‖ = λ_s`` exactly (D5-D6 hold with equality), in the order (pattern, sign)."""

    z: list[Fraction]
    theta: Fraction
    mu: dict[tuple[int, int], list[tuple[int, tuple[int, int]]]]
    tight: list[tuple[int, int]]
    lower: Fraction


@dataclass(frozen=True)
class Program:
    """The convex program of a certificate, with its verified dual lower bound (sum scale)."""

    rows: Matrix  # x̃_k: x_k, or [x_k, 1] with bias
    y: list[Fraction]
    bias: bool
    output_bias: bool
    divisor: int  # 1 for scale "sum", n for "mean": stated value = sum-scale value / divisor
    lam: Fraction  # λ_s, in sum scale
    model: str
    patterns: list[str]
    matrix: np.ndarray  # N×n, uint8 0/1
    complete: bool
    scope: str
    lower: Fraction
    dual: DualPoint | None = None  # the verified dual certificate (set by read_program)

    def stated(self, value: Fraction) -> Fraction:
        return value / self.divisor


def check_solve(cert: dict, X: Sequence[Sequence[Fraction]], y: Sequence[Fraction] | None) -> str:
    """Verify a ``solve`` certificate: exact objective of its network, dual bound, gap."""
    program = read_program(cert, X, y, "solve")
    net = read_network(cert, "network", program, in_program=True)
    upper = program.stated(nc_objective(program.rows, program.y, net, program.lam))
    lower = program.stated(program.lower)
    # D8: the stated upper bound, lower bound and gap are the exact values.
    equal(cert, "objective_upper", upper)
    equal(cert, "objective_lower", lower)
    equal(cert, "gap", upper - lower)
    _tolerance(cert)
    optimum = _alpha_form(cert, program, net, lower)
    _check_claims(cert, "solve", program, optimum is not None or upper == lower, improving=False)
    check_float_copies(cert, {"gap_relative": _relative(upper - lower, program)})  # D12
    text = f"gap {short(upper - lower)} = {short(upper)} - {short(lower)}"
    return summary(cert, "solve", text + _tail(program, optimum))


def check_certify(cert: dict, X: Sequence[Sequence[Fraction]], y: Sequence[Fraction] | None) -> str:
    """Verify a ``certify`` certificate: exact objective, dual bound, gap, threshold, verdict."""
    program = read_program(cert, X, y, "certify")
    net = read_network(cert, "network", program, in_program=True)
    objective = program.stated(nc_objective(program.rows, program.y, net, program.lam))
    lower = program.stated(program.lower)
    gap = objective - lower
    # D8: the stated objective, lower bound, gap and threshold are the exact values.
    equal(cert, "objective", objective)
    equal(cert, "lower_bound", lower)
    equal(cert, "gap", gap)
    tol = _tolerance(cert)
    threshold = program.stated(tol * squared_error([Fraction(0)] * len(program.y), program.y) / 2)
    equal(cert, "threshold", threshold)
    # D9: the verdict follows from the verified numbers.
    verdict = cert.get("verdict")
    if verdict == "optimal" and not gap <= threshold:
        raise CheckFailure(f"verdict optimal but gap {gap} > threshold {threshold}")
    if verdict == "inconclusive" and not gap > threshold:
        raise CheckFailure(f"verdict inconclusive but gap {gap} <= threshold")
    if verdict == "not_optimal":
        reason = _improving(cert, program, objective, objective - threshold)
    elif verdict in ("optimal", "inconclusive"):
        extra = [
            name
            for name in ("improving_network", "improving_objective", "improving_width")
            if cert.get(name) is not None
        ]
        if extra:
            raise CheckFailure(f"verdict {verdict} with {', '.join(extra)}")
        relation = "<=" if verdict == "optimal" else ">"
        reason = f"gap {short(gap)} {relation} threshold {short(threshold)}"
    else:
        raise CheckFailure(f"verdict must be optimal, not_optimal or inconclusive, got {verdict!r}")
    optimum = _alpha_form(cert, program, net, lower)
    _check_claims(
        cert, "certify", program, optimum is not None or gap == 0, verdict == "not_optimal"
    )
    check_float_copies(cert, {"gap_relative": _relative(gap, program)})  # D12
    return summary(cert, "certify", f"verdict {verdict}: {reason}" + _tail(program, optimum))


def _tolerance(cert: dict) -> Fraction:
    """D8: ``tol`` is a rational with 0 <= tol < 1 (a relative tolerance of 1 or more would let
    ``optimal`` mean nothing: every network is within ½‖y‖² of the optimum 0 <= OPT)."""
    tol = nonnegative(cert, "tol")
    if not tol < 1:
        raise CheckFailure(f"tol must be below 1, got {short(tol)}")
    return tol


def _relative(gap: Fraction, program: Program) -> Fraction:
    """The gap in units of ½‖y‖² in the file's scale, the gap itself when y = 0
    (``gap_relative_float``, D12)."""
    zero = program.stated(squared_error([Fraction(0)] * len(program.y), program.y) / 2)
    return gap / zero if zero else gap


# ---------------------------------------------------------------------------------------------
# The program, its patterns and the dual certificate


def read_header(
    cert: dict,
    X: Sequence[Sequence[Fraction]],
    y: Sequence[Fraction] | None,
    kind: str,
    models: tuple[str, ...] = tuple(_SIGNS),
    read_lam=None,
    version: int = 1,
) -> Program:
    """D1: kind, version, options; n, d describe the data, data_sha256 is its hash, y is given;
    λ_s from the file (``read_lam``, default :func:`program_lam`).  Returns the program with no
    patterns yet (no pattern list, lower bound 0): each kind adds its own."""
    if cert.get("kind") != kind or cert.get("version") != version:
        raise CheckFailure(
            f"expected kind {kind!r} version {version}, got {cert.get('kind')!r} "
            f"version {cert.get('version')!r}"
        )
    n, d = field(cert, "n", int), field(cert, "d", int)
    if (n, d) != (len(X), len(X[0]) if X else 0):
        raise CheckFailure(
            f"certificate is for n={n}, d={d}; the data has n={len(X)}, d={len(X[0]) if X else 0}"
        )
    if y is None:
        raise CheckFailure(f"a {kind} certificate needs data with a target y")
    bias, output_bias = field(cert, "bias", bool), field(cert, "output_bias", bool)
    if cert.get("scale") not in ("sum", "mean"):
        raise CheckFailure(f"scale must be sum or mean, got {cert.get('scale')!r}")
    if cert.get("model") not in models:
        raise CheckFailure(
            f"{kind} certificates are defined for model {' or '.join(models)}, got "
            f"{cert.get('model')!r}"
        )
    lam = (read_lam or program_lam)(cert, n)
    input_options(cert)
    require_data_hash(cert, X, y)
    return Program(
        rows=[[*x, Fraction(1)] if bias else list(x) for x in X],
        y=list(y),
        bias=bias,
        output_bias=output_bias,
        divisor=n if cert["scale"] == "mean" else 1,
        lam=lam,
        model=cert["model"],
        patterns=[],
        matrix=np.zeros((0, n), dtype=np.uint8),
        complete=False,
        scope="",
        lower=Fraction(0),
    )


def with_patterns(program: Program, cert: dict, section: dict, X, y) -> Program:
    """D2: the program's patterns (all cells with a valid nested patterns certificate, or a
    list) added to a header (:func:`read_header`)."""
    patterns, complete, scope = _patterns(cert, section, X, y, program.bias)
    matrix = _pattern_matrix(patterns, len(program.rows))
    return replace(program, patterns=patterns, matrix=matrix, complete=complete, scope=scope)


def read_program(
    cert: dict,
    X: Sequence[Sequence[Fraction]],
    y: Sequence[Fraction] | None,
    kind: str,
    exempt: frozenset[tuple[int, int]] = frozenset(),
) -> Program:
    """D1-D6; the blocks in ``exempt`` (claimed violated by a stationary file,
    proofs/stationary.md) are left out of the feasibility checks D5-D6."""
    section = field(cert, "certificate", dict)
    program = with_patterns(read_header(cert, X, y, kind), cert, section, X, y)
    dual = _check_dual(field(section, "dual", dict), program, exempt)
    return replace(program, lower=dual.lower, dual=dual)


def _patterns(
    cert: dict, section: dict, X: Sequence[Sequence[Fraction]], y: Sequence[Fraction], bias: bool
) -> tuple[list[str], bool, str]:
    """D2: the program's patterns: all cells (a valid nested patterns certificate), or a list."""
    spec = cert.get("patterns")
    if spec == "all":
        cells = field(section, "cells", dict)
        if section.get("patterns") is not None:
            raise CheckFailure("patterns 'all' takes its patterns from cells, not a list")
        if cells.get("bias") is not bias:
            raise CheckFailure(f"the nested cells certificate has bias {cells.get('bias')!r}")
        try:
            check_patterns(cells, X, y)
        except CheckFailure as failure:
            raise CheckFailure(f"nested cells certificate: {failure}") from None
        if cert.get("model") == "gated":
            return cells["patterns"], True, "all cell patterns: bounds hold for gates in cells"
        return cells["patterns"], True, "complete pattern list: bounds hold for all networks"
    if spec == "given":
        scope = "given program"
    elif (
        isinstance(spec, dict) and type(spec.get("sample")) is int and type(spec.get("seed")) is int
    ):
        scope = f"sub-sampled program (sample {spec['sample']}, seed {spec['seed']})"
    else:
        raise CheckFailure(f"patterns must be 'all', 'given' or {{sample, seed}}, got {spec!r}")
    if section.get("cells") is not None:
        raise CheckFailure("only patterns 'all' carries a cells certificate")
    patterns = field(section, "patterns", list)
    return patterns, False, f"{scope} of {len(patterns)} patterns: bounds hold for it only"


def _pattern_matrix(patterns: list, n: int) -> np.ndarray:
    """D2: every pattern is a string of n characters '0'/'1'; returned as an N×n 0/1 array."""
    if not all(isinstance(p, str) and len(p) == n for p in patterns):
        raise CheckFailure(f"every pattern must be a string of {n} characters")
    text = "".join(patterns).encode("ascii", errors="replace")
    if text.translate(None, b"01"):
        raise CheckFailure("a pattern has a character other than '0' and '1'")
    return (np.frombuffer(text, dtype=np.uint8) - ord("0")).reshape(len(patterns), n)


def _check_dual(
    dual: dict, program: Program, exempt: frozenset[tuple[int, int]] = frozenset()
) -> DualPoint:
    """D3-D6: the dual certificate is feasible; returns it with the lower bound
    θ·zᵀy − ½θ²‖z‖² and the blocks where the bound θ‖v_b‖ <= λ_s is an equality."""
    n, signs = len(program.rows), _SIGNS[program.model]
    z = rational_vector(dual.get("z"), n, "dual z")
    theta = rational(dual.get("theta"), "dual theta")
    # D3: θ >= 0, and with an output bias 1ᵀz = 0.
    if theta < 0:
        raise CheckFailure("dual theta is negative")
    if program.output_bias and sum(z) != 0:
        raise CheckFailure(f"output_bias needs Σ z_k = 0, but it is {sum(z)}")
    if program.model == "gated" and dual.get("mu") != []:
        raise CheckFailure("a gated certificate has no cone multipliers: mu must be []")
    blocks = parse_multipliers(dual.get("mu"), len(program.patterns), signs, n)
    B, Q = integer_matrix(program.rows)
    Z = math.lcm(1, *(v.denominator for v in z))
    scaled = [
        [v.numerator * (Z // v.denominator) * b for b in row] for v, row in zip(z, B, strict=True)
    ]
    C = pattern_sums(program.matrix, scaled)  # Σ_{k: p_ik = 1} z_k x̃_k = C[i] / (Z·Q)
    # θ²‖w / den‖² <= λ² ⟺ (t·L)²·‖w‖² <= (l·T·den)², with θ = t/T, λ_s = l/L.
    left = (theta.numerator * program.lam.denominator) ** 2
    right = (program.lam.numerator * theta.denominator) ** 2
    # D5: blocks without multipliers: v = ±C[i] / (Z·Q).
    bound = right * (Z * Q) ** 2
    tight = []
    for i, norm in enumerate((C * C).sum(axis=1).tolist()):
        plain = [s for s in signs if (i, s) not in blocks and (i, s) not in exempt]
        if left * norm > bound and plain:
            raise CheckFailure(f"dual infeasible: block (pattern {i}, no mu) has θ‖v‖ > λ")
        if left * norm == bound:
            tight += [(i, s) for s in plain]
    # D6: blocks with multipliers: v = s·C[i]/(Z·Q) + Σ μ_k (2 p_ik − 1) x̃_k, over Z·Q·R.
    for (i, s), entries in blocks.items():
        if (i, s) in exempt:
            raise CheckFailure(f"block (pattern {i}, sign {s}) is exempt but has a mu entry")
        R = math.lcm(*(q for _, (_, q) in entries))
        w = [s * c * R for c in C[i].tolist()]
        for k, (p, q) in entries:
            m = p * (R // q) * (Z if program.patterns[i][k] == "1" else -Z)
            w = [a + m * b for a, b in zip(w, B[k], strict=True)]
        norm = left * sum(a * a for a in w)
        if norm > right * (Z * Q * R) ** 2:
            raise CheckFailure(f"dual infeasible: block (pattern {i}, sign {s}) has θ‖v‖ > λ")
        if norm == right * (Z * Q * R) ** 2:
            tight.append((i, s))
    lower = (
        theta * sum(a * b for a, b in zip(z, program.y, strict=True))
        - theta**2 * sum(v * v for v in z) / 2
    )
    return DualPoint(z, theta, blocks, sorted(tight), lower)


def parse_multipliers(
    mu: object, count: int, signs: tuple[int, ...], n: int
) -> dict[tuple[int, int], list[tuple[int, tuple[int, int]]]]:
    """D4: μ entries name existing blocks once each, distinct rows, values >= 0."""
    if not isinstance(mu, list):
        raise CheckFailure("dual mu must be a list")
    blocks: dict = {}
    for entry in mu:
        if not isinstance(entry, dict):
            raise CheckFailure("each mu entry must be an object")
        i, s, rows, values = (entry.get(key) for key in ("pattern", "sign", "rows", "values"))
        if type(i) is not int or not 0 <= i < count or type(s) is not int or s not in signs:
            raise CheckFailure(f"mu entry names no block: pattern {i!r}, sign {s!r}")
        if (i, s) in blocks:
            raise CheckFailure(f"two mu entries for block (pattern {i}, sign {s})")
        if (
            not isinstance(rows, list)
            or not all(type(k) is int and 0 <= k < n for k in rows)
            or len(set(rows)) != len(rows)
        ):
            raise CheckFailure(f"mu of block ({i}, {s}): rows must be distinct indices < {n}")
        if not isinstance(values, list) or len(values) != len(rows):
            raise CheckFailure(f"mu of block ({i}, {s}): one value per row")
        parsed = [parse_rational(v, f"mu of block ({i}, {s})") for v in values]
        if any(p < 0 for p, _ in parsed):
            raise CheckFailure(f"mu of block ({i}, {s}) has a negative value")
        blocks[i, s] = list(zip(rows, parsed, strict=True))
    return blocks


def pattern_sums(P: np.ndarray, M: list[list[int]]) -> np.ndarray:
    """P @ M exactly (an object array of Python ints), for a 0/1 matrix P (N×n) and Python ints
    M (n×D), computed in int64 limbs.

    M = Σ_t M_t·2^(t·w) with |entries of M_t| < 2^w, w = 63 − bitlength(n): each sum of n
    terms, and every partial sum, is below n·2^w < 2^63 (proofs/duality.md, "Arithmetic").
    """
    N, D = P.shape[0], len(M[0])
    w = 63 - len(M).bit_length()
    top = max(abs(v) for row in M for v in row).bit_length()
    total = np.zeros((N, D), dtype=object)
    step = max(1, _BLOCK // max(1, len(M)))
    for shift in range(0, max(top, 1), w):
        limb = np.array(
            [
                [(1 if v >= 0 else -1) * ((abs(v) >> shift) & ((1 << w) - 1)) for v in row]
                for row in M
            ],
            dtype=np.int64,
        )
        for start in range(0, N, step):
            part = P[start : start + step].astype(np.int64) @ limb
            total[start : start + step] += part.astype(object) * (1 << shift)
    return total


# ---------------------------------------------------------------------------------------------
# Networks, the α-form, claims


def read_network(cert: dict, name: str, program: Program, in_program: bool) -> Network:
    """D7: a network of the file's shape; with ``in_program``, representable in the program."""
    size = len(program.rows[0])
    net = parse_network(
        cert.get(name), name, size, program.bias, program.output_bias, program.model == "gated"
    )
    if in_program and net.gates is not None:
        _require_in_program(program, net.gates, f"{name} gate", exact=True)
    elif in_program:
        live = [row for row, w in zip(net.W1, net.w2, strict=True) if w != 0]
        _require_in_program(program, live, f"{name} neuron", exact=False)
    return net


def _require_in_program(program: Program, vectors: Matrix, what: str, exact: bool) -> None:
    """Gates: the pattern 1[X̃g >= 0] is listed.  Relu neurons: v lies in the closed cone of a
    listed pattern, i.e. some listed pattern agrees with 1[X̃v >= 0] off the rows with x̃_k·v = 0
    (automatic when the list is complete, proofs/duality.md, Lemma 1)."""
    if program.complete and not exact:
        return
    listed = set(program.patterns)
    for j, (pattern, zero) in enumerate(patterns_of(program.rows, vectors)):
        if pattern in listed:
            continue
        fixed = np.frombuffer(zero.encode(), dtype=np.uint8) == ord("0")
        bits = np.frombuffer(pattern.encode(), dtype=np.uint8)[fixed] - ord("0")
        if exact or not (program.matrix[:, fixed] == bits).all(axis=1).any():
            raise CheckFailure(f"{what} {j} is not in the program: its pattern is not listed")


def _improving(cert: dict, program: Program, objective: Fraction, bound: Fraction) -> str:
    """D9: a not_optimal verdict exhibits a network whose exact objective is <= ``bound`` and
    < ``objective``."""
    net = read_network(cert, "improving_network", program, in_program=False)
    value = program.stated(nc_objective(program.rows, program.y, net, program.lam))
    equal(cert, "improving_objective", value)
    if cert.get("improving_width") != net.width or type(cert.get("improving_width")) is not int:
        raise CheckFailure(f"improving_width must be {net.width}")
    if not value <= bound:
        raise CheckFailure(f"improving_objective {value} > objective - threshold {bound}")
    if not value < objective:  # a zero threshold still needs a strictly better network
        raise CheckFailure(f"improving_objective {value} is not below the objective {objective}")
    if cert.get("improvement") is not None:
        equal(cert, "improvement", objective - value)
    return f"a width-{net.width} network has objective {short(value)} <= {short(bound)}"


def _alpha_form(cert: dict, program: Program, net: Network, lower: Fraction) -> Fraction | None:
    """D10: an α-form solution of norm-λ directions whose exact value is the lower bound."""
    form = cert.get("alpha_form")
    if form is None:
        return None
    return check_alpha_form(form, program, net.output_bias, lower)


def check_alpha_form(form: object, program: Program, b0: Fraction, lower: Fraction) -> Fraction:
    """D10 for one α-form object (``b0``: the output bias when the form states none): a valid
    α-form (:func:`parse_alpha_form`) whose exact value is ``lower``."""
    value, _, _ = parse_alpha_form(form, program, b0)
    if value != lower:
        raise CheckFailure(f"alpha_form objective {value} != lower bound {lower}")
    return value


def parse_alpha_form(
    form: object, program: Program, b0: Fraction
) -> tuple[Fraction, Network, list[Fraction]]:
    """D10 without the lower bound: neurons of norm-λ directions, α >= 0, signs ±1, in the
    program, and the stated ``objective`` its exact value.  Gated: each neuron also has a
    ``gate`` whose pattern is listed, sign 1, and fit ``α D_g X̃ v``.  Returns the value, the
    network ``W1 = v``, ``w2 = sα`` (the α-form's fit) and the α's."""
    gated = program.model == "gated"
    neurons = form.get("neurons") if isinstance(form, dict) else None
    if not isinstance(neurons, list) or not all(isinstance(v, dict) for v in neurons):
        raise CheckFailure("alpha_form must be an object with a list of neurons")
    size = len(program.rows[0])
    if form.get("output_bias") is not None:
        if not program.output_bias:
            raise CheckFailure("alpha_form has an output bias but output_bias is false")
        b0 = rational(form["output_bias"], "alpha_form output_bias")
    alphas = [rational(v.get("alpha"), "alpha_form alpha") for v in neurons]
    directions = [
        rational_vector(v.get("direction"), size, "alpha_form direction") for v in neurons
    ]
    signs = [v.get("sign") for v in neurons]
    if any(a < 0 for a in alphas) or any(type(s) is not int or s not in (1, -1) for s in signs):
        raise CheckFailure("alpha_form needs alpha >= 0 and sign 1 or -1")
    for j, v in enumerate(directions):
        if sum(c * c for c in v) != program.lam**2:
            raise CheckFailure(f"alpha_form direction {j} does not have norm λ exactly")
    gates = None
    if gated:
        if any(s != 1 for s in signs):
            raise CheckFailure("a gated alpha_form has sign 1 only")
        gates = [rational_vector(v.get("gate"), size, "alpha_form gate") for v in neurons]
        _require_in_program(program, gates, "alpha_form gate", exact=True)
    else:
        live = [v for v, a in zip(directions, alphas, strict=True) if a != 0]
        _require_in_program(program, live, "alpha_form neuron", exact=False)
    # As a network: (X̃v)_+ (gated: 1[X̃g >= 0]·X̃v) times s·α is the neuron's fit; λ‖α v‖ = λ²α
    # is its penalty.
    as_network = Network(directions, [s * a for s, a in zip(signs, alphas, strict=True)], b0, gates)
    residual = squared_error(fit(program.rows, as_network), program.y) / 2
    value = program.stated(residual + program.lam**2 * sum(alphas, Fraction(0)))
    if rational(form.get("objective"), "alpha_form objective") != value:
        raise CheckFailure(f"alpha_form objective is not its exact value {value}")
    # The stated scales, when given: W1 = W1_scale·v with W1_scale = √(α/λ), w2 = s·√(αλ).
    for item, alpha in zip(neurons, alphas, strict=True):
        for key, square in (("W1_scale", alpha / program.lam), ("w2_abs", alpha * program.lam)):
            if item.get(key) is not None:
                check_root(item[key], square, f"alpha_form {key}")
    return value, as_network, alphas


def check_root(text: object, square: Fraction, what: str) -> None:
    """``"sqrt(q)"`` with q = square, or a rational t >= 0 with t² = square."""
    if isinstance(text, str) and text.startswith("sqrt(") and text.endswith(")"):
        ok = Fraction(*parse_rational(text[5:-1], what)) == square
    else:
        t = rational(text, what)
        ok = t >= 0 and t * t == square
    if not ok:
        raise CheckFailure(f"{what} is not the square root of {square}")


def _check_claims(cert: dict, kind: str, program: Program, optimum: bool, improving: bool) -> None:
    # D11: status and claims are "exact", and each named claim was verified above.
    claims = field(cert, "claims", dict)
    if cert.get("status") != "exact":
        raise CheckFailure(f"status must be 'exact', got {cert.get('status')!r}")
    allowed = set(_CLAIMS[kind])
    if not program.complete:
        allowed.discard("complete")
    if not optimum:
        allowed.discard("optimum")
    if cert.get("alpha_form") is None:
        allowed.discard("alpha_form")
    if not improving:
        allowed -= {"improving_network", "improving_objective", "improving_width"}
    for name, label in claims.items():
        if name not in allowed or label != "exact":
            raise CheckFailure(f"claim {name!r}: {label!r} is not verified by this file")
    if cert.get("alpha_form") is not None and "optimum" not in claims:
        raise CheckFailure("a file with alpha_form claims the optimum")


# ---------------------------------------------------------------------------------------------
# Small helpers


def _tail(program: Program, optimum: Fraction | None) -> str:
    signs = len(_SIGNS[program.model])
    text = (
        f"; {len(program.patterns)} patterns x {signs} sign{'s' if signs > 1 else ''}, "
        f"dual feasible for every block ({program.scope})"
    )
    if optimum is not None:
        text += f"; exact optimum {short(optimum)} (alpha-form, zero gap)"
    return text


def program_lam(cert: dict, n: int) -> Fraction:
    """λ of the sum-scale program: the file's λ, times n for scale "mean"; must be > 0."""
    divisor = n if cert["scale"] == "mean" else 1
    lam = Fraction(*parse_rational(cert.get("lam"), "lam")) * divisor
    if lam <= 0:
        raise CheckFailure("lam must be positive")
    return lam
