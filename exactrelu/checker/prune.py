"""Check certificates of kind ``"prune"``: a network pruned to linearly independent neuron fits
with the same fit (docs/theory.md §6, Algorithm 1).

Each check is marked with the item P1-P11 of ``proofs/prune.md`` ("What the checker verifies");
the proof there says why the items together establish the claims of the file.  The steps of
Algorithm 1 are not replayed: the claims follow from the input and pruned networks alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction

from exactrelu.checker.duality import Program, parse_alpha_form, read_header
from exactrelu.checker.failure import CheckFailure
from exactrelu.checker.fields import (
    check_float_copies,
    equal,
    field,
    matrix,
    rational,
    short,
    summary,
)
from exactrelu.checker.network import (
    Matrix,
    Network,
    fit,
    nc_objective,
    parse_network,
    patterns_of,
    squared_error,
)

_CLAIMS = {
    "fit_unchanged",
    "objective",
    "objective_change",
    "convex_objective_change",
    "fits_independent",
    "rank",
    "width_after",
    "w2_only",
}
_ROOT_BITS = 256  # precision of the square-root bounds that check an enclosure {mid, rad}

# A block of convex weights: (pattern, sign) -> u_b = Σ |w2_j| W1_j over its neurons.
Blocks = dict[tuple[str, int], list[Fraction]]
# An exact ``r + Σ c·√N``: the rational part and the terms (c, N) with integers N >= 0.
Roots = tuple[Fraction, list[tuple[Fraction, int]]]


def check_prune(cert: dict, X: Sequence[Sequence[Fraction]], y: Sequence[Fraction] | None) -> str:
    """Verify a ``prune`` certificate; return a one-line summary or raise CheckFailure."""
    program = _header(cert, X, y)
    # P2: the three networks parse with the file's shape and options.
    gated = program.model == "gated"
    size, options = len(program.rows[0]), (program.bias, program.output_bias, gated)
    before = parse_network(cert.get("input_network"), "input_network", size, *options)
    after = parse_network(cert.get("network"), "network", size, *options)
    w2_only = field(cert, "w2_only", dict)
    simple = parse_network(w2_only.get("network"), "w2_only network", size, *options)
    # P3: the same fit, stated exactly.
    f = fit(program.rows, before)
    if cert.get("fit_unchanged") is not True or fit(program.rows, after) != f:
        raise CheckFailure("the pruned network's fit differs from the input network's")
    if [rational(v, "fit") for v in field(cert, "fit", list)] != f:
        raise CheckFailure("fit is not the input network's exact fit")
    # P4: exact NC objectives and their change.
    old = program.stated(nc_objective(program.rows, program.y, before, program.lam))
    new = program.stated(nc_objective(program.rows, program.y, after, program.lam))
    equal(cert, "objective_before", old)
    equal(cert, "objective", new)
    equal(cert, "objective_change", new - old)
    # P5: widths; P6: the pruned network's neuron fits are independent (minimal).
    _integer(cert, "width_before", before.width)
    _integer(cert, "width_after", after.width)
    if _rank(_neuron_fits(program.rows, after), program.output_bias) != after.width:
        raise CheckFailure("the pruned network's neuron fits are linearly dependent")
    # P7: the input's blocks, the rank of their fits, the factors.
    blocks_before, blocks = _blocks(program.rows, before), _blocks(program.rows, after)
    _integer(cert, "blocks_before", len(blocks_before))
    rank = _rank(
        [_block_fit(program.rows, key, u) for key, u in blocks_before.items()], program.output_bias
    )
    _integer(cert, "rank", rank)
    if not after.width <= rank:
        raise CheckFailure(f"width_after {after.width} exceeds the rank {rank}")
    _factors(cert, blocks_before, blocks)
    # P8: the w2-only network: same fit, its width and exact objective.
    if fit(program.rows, simple) != f:
        raise CheckFailure("the w2_only network's fit differs from the input network's")
    simple_value = program.stated(nc_objective(program.rows, program.y, simple, program.lam))
    _integer(w2_only, "width", simple.width)
    equal(w2_only, "objective", simple_value)
    equal(w2_only, "objective_change", simple_value - old)
    # P9: the exact convex objectives (sums of square roots).
    convex_before, convex = _convex(program, f, blocks_before), _convex(program, f, blocks)
    change = _combine(convex, convex_before, -1)
    _sqrt_sum(cert, "convex_objective_before", convex_before)
    _sqrt_sum(cert, "convex_objective", convex)
    _sqrt_sum(cert, "convex_objective_change", change)
    _sqrt_sum(cert, "network_excess", _combine((new, []), convex, -1))
    if _sign(change) > 0:
        raise CheckFailure("the convex objective increased")
    # P10: the α-form, when given.
    _alpha_form(cert, program, after, f, rational_norms=not _canonical(convex)[1])
    # P11: status and claims.
    if cert.get("status") != "exact":
        raise CheckFailure(f"status must be 'exact', got {cert.get('status')!r}")
    for name, label in field(cert, "claims", dict).items():
        if name not in _CLAIMS or label != "exact":
            raise CheckFailure(f"claim {name!r}: {label!r} is not verified by this file")
    # P12: float copies, of verified fields only (steps and scale_digits are not replayed).
    check_float_copies(cert, skip=frozenset({"steps", "scale_digits"}))
    return summary(
        cert,
        "prune",
        f"from width {before.width} to {after.width} (rank {rank}), fit unchanged, "
        f"independent fits; objective {short(old)} -> {short(new)}",
    )


def _header(cert: dict, X: Sequence[Sequence[Fraction]], y: Sequence[Fraction] | None) -> Program:
    """P1: kind, version, n, d, options, λ, input options and data hash (D1 of
    proofs/duality.md); no pattern program: the file says ``patterns_used`` false."""
    program = read_header(cert, X, y, "prune")
    if cert.get("patterns_used") is not False:
        raise CheckFailure("pruning uses no pattern list: patterns_used must be false")
    spec = cert.get("patterns")
    sampled = isinstance(spec, dict) and set(spec) == {"sample", "seed"}
    if spec not in ("all", "given") and not (
        sampled and all(type(v) is int for v in spec.values())
    ):
        raise CheckFailure(f"patterns must be 'all', 'given' or {{sample, seed}}, got {spec!r}")
    field(cert, "steps", list)  # the certificate of Algorithm 1: present, not replayed
    field(cert, "scale_digits", int)  # how the rational scales were rounded: no claim
    # no program: every neuron counts as in it (P10 checks gates itself)
    return replace(program, complete=True, scope="prune")


def _integer(obj: dict, name: str, value: int) -> None:
    if type(obj.get(name)) is not int or obj[name] != value:
        raise CheckFailure(f"{name} must be {value}, got {obj.get(name)!r}")


# ---------------------------------------------------------------------------------------------
# P6-P7: neuron and block fits, ranks


def _neuron_fits(rows: Matrix, net: Network) -> list[list[Fraction]]:
    """The output vector of each neuron alone on the data (no output bias)."""
    return [
        fit(rows, Network([w], [o], Fraction(0), None if net.gates is None else [net.gates[j]]))
        for j, (w, o) in enumerate(zip(net.W1, net.w2, strict=True))
    ]


def _rank(columns: list[list[Fraction]], with_ones: bool) -> int:
    """rank of the columns modulo the constants (when ``with_ones``)."""
    if not columns:
        return 0
    ones = [[Fraction(1)] * len(columns[0])] if with_ones else []
    return matrix(ones + columns).rank() - with_ones  # the rank of the transpose


def _blocks(rows: Matrix, net: Network) -> Blocks:
    """docs/theory.md §3 (NC → convex): neuron j with ``w2_j ≠ 0``, ``W1_j ≠ 0`` adds ``|w2_j|
    W1_j`` to block (pattern ``1[X̃W1_j >= 0]``, or of its gate, sign of w2_j); in first-seen
    order."""
    found: Blocks = {}
    live = [j for j, (w, o) in enumerate(zip(net.W1, net.w2, strict=True)) if o and any(w)]
    source = net.W1 if net.gates is None else net.gates
    patterns = patterns_of(rows, [source[j] for j in live]) if live else []
    for j, (pattern, _) in zip(live, patterns, strict=True):
        key = (pattern, 1 if net.w2[j] > 0 else -1)
        u = [abs(net.w2[j]) * v for v in net.W1[j]]
        found[key] = [a + b for a, b in zip(found[key], u, strict=True)] if key in found else u
    return found


def _block_fit(rows: Matrix, key: tuple[str, int], u: list[Fraction]) -> list[Fraction]:
    """``s D X̃ u`` of block (pattern, s)."""
    pattern, s = key
    return [
        s * sum((a * b for a, b in zip(row, u, strict=True)), Fraction(0)) if bit == "1" else 0
        for row, bit in zip(rows, pattern, strict=True)
    ]


def _factors(cert: dict, before: Blocks, after: Blocks) -> None:
    """P7: one factor c_b >= 0 per input block; the pruned blocks are the c_b u_b with c_b > 0."""
    factors = [rational(c, "factor") for c in field(cert, "factors", list)]
    if len(factors) != len(before) or any(c < 0 for c in factors):
        raise CheckFailure(f"factors must be {len(before)} rationals >= 0")
    scaled = {
        key: [c * v for v in u] for (key, u), c in zip(before.items(), factors, strict=True) if c
    }
    if scaled != after:
        raise CheckFailure("the pruned network's blocks are not the input blocks times factors")


# ---------------------------------------------------------------------------------------------
# P9: convex objectives, exact sums of square roots


def _convex(program: Program, f: list[Fraction], blocks: Blocks) -> Roots:
    """``P = ½‖f − y‖² + λ_s Σ_b ‖u_b‖`` in the stated scale; f is the fit (output bias
    included), which the blocks share (P3, P7)."""
    rational_part = squared_error(f, program.y) / 2 / program.divisor
    terms = []
    for u in blocks.values():
        q = sum((v * v for v in u), Fraction(0))
        terms.append((program.lam / program.divisor / q.denominator, q.numerator * q.denominator))
    return rational_part, terms


def _combine(a: Roots, b: Roots, c: int) -> Roots:
    """``a + c·b``."""
    return a[0] + c * b[0], a[1] + [(c * coef, n) for coef, n in b[1]]


def _canonical(value: Roots) -> tuple[Fraction, dict[int, Fraction]]:
    """The rational part and one coefficient per class of radicands with a square ratio
    (``√N = (√(N·M)/M)·√M``); by Besicovitch the value is zero iff all of them are zero."""
    rational_part, classes = value[0], {}
    for coef, n in value[1]:
        root = math.isqrt(n)
        if root * root == n:
            rational_part += coef * root
            continue
        for m in classes:
            product = math.isqrt(n * m)
            if product * product == n * m:
                classes[m] += coef * Fraction(product, m)
                break
        else:
            classes[n] = coef
    return rational_part, {m: c for m, c in classes.items() if c}


def _bounds(value: Roots, bits: int) -> tuple[Fraction, Fraction]:
    """Rigorous ``lo <= value <= hi`` (each root within 2^-bits)."""
    lo = hi = value[0]
    for coef, n in value[1]:
        root = math.isqrt(n << (2 * bits))
        below, above = Fraction(root, 1 << bits), Fraction(root + 1, 1 << bits)
        lo += coef * (below if coef > 0 else above)
        hi += coef * (above if coef > 0 else below)
    return lo, hi


def _sign(value: Roots) -> int:
    """The exact sign: zero decided by :func:`_canonical`, else bounds refined until they
    exclude zero (this terminates because the value is not zero)."""
    rational_part, classes = _canonical(value)
    if not classes:
        return (rational_part > 0) - (rational_part < 0)
    bits = 64
    while True:
        lo, hi = _bounds(value, bits)
        if lo > 0 or hi < 0:
            return 1 if lo > 0 else -1
        bits *= 2


def _sqrt_sum(cert: dict, name: str, value: Roots) -> None:
    """P9: the stated number is ``value``: a rational string when it is rational, else
    ``{"rational", "sqrt_terms": [{"coef", "sqrt": "sqrt(N)"}], "mid", "rad"}`` with the exact
    terms equal to ``value`` and the enclosure |value − mid| <= rad."""
    stated = cert.get(name)
    if isinstance(stated, dict):
        terms = stated.get("sqrt_terms")
        if not isinstance(terms, list) or not all(isinstance(t, dict) for t in terms):
            raise CheckFailure(f"{name}: sqrt_terms must be a list of objects")
        parsed = (rational(stated.get("rational"), name), [_term(t, name) for t in terms])
        mid, rad = rational(stated.get("mid"), name), rational(stated.get("rad"), name)
        lo, hi = _bounds(parsed, _ROOT_BITS)
        if not mid - rad <= lo <= hi <= mid + rad:
            raise CheckFailure(f"{name}: the enclosure mid ± rad does not contain the value")
    else:
        parsed = (rational(stated, name), [])
    difference = _canonical(_combine(parsed, value, -1))
    if difference[0] or difference[1]:
        raise CheckFailure(f"{name} is not its exact value")


def _term(term: dict, name: str) -> tuple[Fraction, int]:
    text = term.get("sqrt")
    if not (isinstance(text, str) and text.startswith("sqrt(") and text.endswith(")")):
        raise CheckFailure(f"{name}: a term's sqrt must be 'sqrt(N)'")
    radicand = rational(text[5:-1], name)
    if radicand.denominator != 1 or radicand < 0:
        raise CheckFailure(f"{name}: a radicand must be an integer >= 0")
    return rational(term.get("coef"), name), int(radicand)


# ---------------------------------------------------------------------------------------------
# P10: the α-form


def _alpha_form(
    cert: dict, program: Program, after: Network, f: list[Fraction], rational_norms: bool
) -> None:
    """P10: null exactly when some pruned norm ‖u_b‖ is irrational (``rational_norms``: the
    convex objective is rational, its λ_s-weighted norms cannot cancel); else the pruned
    network exactly balanced: neurons of norm-λ_s directions (gated: with gates of the pruned
    network's gate patterns) whose fit is the fit and whose exact value is the stated
    ``convex_objective``."""
    form = cert.get("alpha_form")
    if (form is None) == rational_norms:
        raise CheckFailure("alpha_form must be given exactly when every pruned norm is rational")
    if form is None:
        return
    if not isinstance(form, list):
        raise CheckFailure("alpha_form must be null or a list of neurons")
    gates = [] if after.gates is None else [p for p, _ in patterns_of(program.rows, after.gates)]
    scoped = replace(program, patterns=gates)  # gated: the α-form's gate patterns are these
    objective = {"neurons": form, "objective": cert.get("convex_objective")}
    _, as_network, _ = parse_alpha_form(objective, scoped, after.output_bias)
    if fit(program.rows, as_network) != f:
        raise CheckFailure("the alpha_form's fit differs from the input network's")
