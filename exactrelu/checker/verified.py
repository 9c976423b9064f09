"""Check ``optimal_set`` files with status ``"verified"``: the optimum is irrational, its structure
is proved by a Krawczyk test in ball arithmetic (docs/theory.md §7 "Verified", §8 SCS).

Each check is marked with the item K1-K14 of ``proofs/verified.md`` ("What the checker
verifies"); the proof there says why the items together establish the claims of the file.  This
module reads the file (K3 the structure's header, K6 the box, K12-K14 the claims); the reduced
KKT system, the Krawczyk test and the strict inequalities on the box (K1-K2, K4-K5, K7-K11) are
``krawczyk.py``'s, shared with λ intervals (``interval.py``), and the balls are ``balls.py``'s.
With ``"mirror_ties": true`` (proofs/mirror_ties.md, M1-M9) the same route runs on the system
with the free linear term Q w (``krawczyk.System`` with the checker's own Q), the blocks of the
mirrors are excluded from K11, and ``mirror_ties.py`` checks Q, the mirrors, the vertices of the
trade polytope and the claims.
Arithmetic: Python ints, Fractions and python-flint ``fmpq_mat`` for everything exact (rows,
projectors, multiplier rows, block bounds, counts), and python-flint ``arb`` / ``arb_mat`` balls
(rigorous enclosures) for the quantities that depend on the irrational solution.  No floats, no
solver, no engine code: the preconditioner, the Jacobian and every enclosure are the checker's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from flint import arb, arb_mat, ctx, fmpq_mat

from exactrelu.checker.balls import (
    ball,
    column,
    contains,
    contains_each,
    mid_rad,
    precision,
)
from exactrelu.checker.duality import Program
from exactrelu.checker.failure import CheckFailure
from exactrelu.checker.fields import check_float_copies, field, rational, short, summary
from exactrelu.checker.krawczyk import (
    Neuron,
    System,
    check_alphas_positive,
    check_face_multipliers,
    check_signs,
    check_untied_blocks,
    read_neuron,
    read_structure_program,
)
from exactrelu.checker.mirror_ties import (
    TradePolytope,
    check_mirror_claims,
    check_vertices,
    function_proved,
    has_mirror_ties,
    mirror_blocks,
    read_free_columns,
    read_mirrors,
    read_tradeable,
)
from exactrelu.checker.mirror_ties import section_of as mirror_section

_CLAIMS = {
    "neurons",
    "residual",
    "optimum",
    "output_bias",
    "network",
    "unique_network",
    "unique_convex",
    "count_minimal_networks",
    "count_minimal_convex",
    "min_width",
    "same_size",
}


def check_verified_optimal_set(
    cert: dict, X: Sequence[Sequence[Fraction]], y: Sequence[Fraction] | None
) -> str:
    """Verify an ``optimal_set`` file with status ``"verified"``; return a one-line summary."""
    program = read_structure_program(cert, X, y, models=("relu", "gated"))  # K1-K2
    section = field(cert, "certificate", dict)
    _core(section, program)  # K3
    listed = field(section, "neurons", list)
    if not listed:
        raise CheckFailure("a verified structure needs at least one neuron")
    neurons = [read_neuron(j, item, program) for j, item in enumerate(listed)]  # K4-K5
    n, p = len(program.rows), len(neurons)
    mirrored = has_mirror_ties(cert, section)  # M1 (proofs/mirror_ties.md)
    free = read_free_columns(mirror_section(section), program) if mirrored else None  # M2
    size = n + p + (free.q if free is not None else (1 if program.output_bias else 0))
    mids, rads = _box(section, size)  # K6 (M3: x = (r, a, w) with mirror ties)
    with ctx.workprec(precision(section)):
        system = System(program, neurons, None if free is None else free.Q)  # M3: Q w
        box = [ball(m, r) for m, r in zip(mids, rads, strict=True)]
        tight, contraction = system.krawczyk(mids, rads, box)  # K7
        r_box = column(box[:n])

        def on_box(L: fmpq_mat) -> arb_mat:
            return arb_mat(L) * r_box

        check_alphas_positive(mids, rads, n, p)  # K8 (M4: a > 0)
        for j, nu in enumerate(neurons):  # M4: K9-K10 for the neurons B
            if program.model == "gated":  # K4g: no cone, so no signs and no face to check
                continue
            check_signs(j, nu, on_box, program)  # K9
            check_face_multipliers(j, nu, on_box)  # K10
        mirrors = (
            read_mirrors(mirror_section(section), program, neurons) if free is not None else []
        )  # M5
        untied = check_untied_blocks(  # K11 (M6: the blocks tied to a mirror are at λ too)
            section, program, neurons, mids[:n], rads[:n], mirror_blocks(mirrors)
        )
        claims = _Enclosures(system, tight)
        if free is not None:
            _enclosure_claims(cert, program, neurons, claims)  # K12 for B: a, v, W1, w2, r
            networks = _mirror_claims(cert, section, program, neurons, mirrors, free, claims)
        else:
            _claims(cert, program, neurons, claims)  # K12-K14
        mid, rad = mid_rad(claims.optimum)
    check_float_copies(cert)  # K15
    if free is not None:
        return summary(
            cert,
            "verified optimal set with mirror ties",
            f"optimum {short(mid)} ± {short(rad)}, {p} neuron{'s' if p > 1 else ''} and "
            f"their mirrors ({sum(len(nu.cells) for nu in neurons)} + "
            f"{sum(len(m.cells) for m in mirrors)} blocks of E), {networks}, one function; "
            f"Krawczyk K(X) inside X (width ratio <= {short(contraction)}); "
            f"{untied} other blocks strictly below λ ({program.scope})",
        )
    return summary(
        cert,
        "verified optimal set",
        f"optimum {short(mid)} ± {short(rad)}, "
        f"{p} neuron{'s' if p > 1 else ''} ({sum(len(nu.cells) for nu in neurons)} blocks of E), "
        f"unique network; Krawczyk K(X) inside X (width ratio <= {short(contraction)}); "
        f"{untied} other blocks strictly below λ ({program.scope})",
    )


# ---------------------------------------------------------------------------------------------
# K3: the structure's header


def _core(section: dict, program: Program) -> None:
    """K3: the structure certificate's kind, method, λ_s, model and output-bias option."""
    expected = {
        "kind": "verified_structure",
        "version": 1,
        "method": "krawczyk",
        "model": program.model,
        "output_bias": program.output_bias,
    }
    for name, value in expected.items():
        if section.get(name) != value or type(section.get(name)) is not type(value):
            raise CheckFailure(f"certificate {name} must be {value!r}, got {section.get(name)!r}")
    if rational(section.get("lam"), "certificate lam") != program.lam:
        raise CheckFailure(f"certificate lam must be λ_s = {program.lam}")


# ---------------------------------------------------------------------------------------------
# K6: the box


def _box(section: dict, size: int) -> tuple[list[Fraction], list[Fraction]]:
    """K6: the box X = mid ± rad: ``size`` rationals each, radii > 0."""
    box = field(section, "box", dict)
    mids, rads = box.get("mid"), box.get("rad")
    if (
        not isinstance(mids, list)
        or not isinstance(rads, list)
        or not len(mids) == len(rads) == size
    ):
        raise CheckFailure(
            f"box needs {size} midpoints and {size} radii (r, alpha[, beta]; with mirror ties "
            "r, a, w)"
        )
    mids = [rational(v, "box mid") for v in mids]
    rads = [rational(v, "box rad") for v in rads]
    if any(v <= 0 for v in rads):
        raise CheckFailure("box radii must be > 0")
    return mids, rads


# ---------------------------------------------------------------------------------------------
# K12-K14: the file's claims


class _Enclosures:
    """Balls of the proved quantities, computed from K(X) (which contains the zero x*)."""

    def __init__(self, system: System, x: list[arb]) -> None:
        r, alpha, beta = system.split(x)
        v, _ = system.parts(r)
        lam = system.lam
        self.residual = [r[k, 0] for k in range(system.n)]
        self.alpha = alpha
        self.beta = beta
        self.direction = [[w[i, 0] for i in range(w.nrows())] for w in v]
        self.W1 = [
            [(a / lam).sqrt() * c for c in d] for a, d in zip(alpha, self.direction, strict=True)
        ]
        self.w2_abs = [(a * lam).sqrt() for a in alpha]
        value = sum((t * t for t in self.residual), arb(0)) / 2 + lam * lam * sum(alpha, arb(0))
        self.optimum = value / system.divisor
        self.tight = x
        self.system = system


def _claims(cert: dict, program: Program, neurons: list[Neuron], found: _Enclosures) -> None:
    """K12: neurons (sign, face, active, cells) and every enclosure; K13: counts and flags;
    K14: status and claim labels."""
    _enclosure_claims(cert, program, neurons, found)
    network = field(cert, "network", dict)
    W1, w2 = network.get("W1"), network.get("w2")
    if not isinstance(W1, list) or len(W1) != len(neurons):
        raise CheckFailure(f"network W1 must have {len(neurons)} rows")
    for j, row in enumerate(W1):
        contains_each(row, found.W1[j], f"network W1 row {j}")
    contains_each(
        w2, [a * nu.sign for a, nu in zip(found.w2_abs, neurons, strict=True)], "network w2"
    )
    if program.output_bias:  # the enclosure of β
        contains(cert.get("output_bias_value"), found.beta, "output_bias_value")
    elif cert.get("output_bias_value") is not None:
        raise CheckFailure("output_bias_value must be null without an output bias")
    _flags(cert, program, neurons)


def _enclosure_claims(
    cert: dict, program: Program, neurons: list[Neuron], found: _Enclosures
) -> None:
    """K12: the file's neurons (sign, face, active, cells, their enclosures), the residual and
    the optimum (with mirror ties the neurons B, with a in place of α: M4, M9)."""
    listed = field(cert, "neurons", list)
    if len(listed) != len(neurons):
        raise CheckFailure(
            f"the file lists {len(listed)} neurons, the certificate proves {len(neurons)}"
        )
    r_box = column(found.tight[: len(program.rows)])
    for j, (item, nu) in enumerate(zip(listed, neurons, strict=True)):
        if not isinstance(item, dict):
            raise CheckFailure(f"neuron {j} must be an object")
        for name, value in (("sign", nu.sign), ("face", nu.face), ("active", nu.active)):
            if item.get(name) != value or type(item.get(name)) is not type(value):
                raise CheckFailure(f"neuron {j}: {name} must be {value!r}")
        if item.get("cells") != nu.cells:
            raise CheckFailure(
                f"neuron {j} has cells {item.get('cells')}, the patterns give {nu.cells}"
            )
        what = f"neuron {j}"
        contains(item.get("alpha"), found.alpha[j], f"{what} alpha")
        contains_each(item.get("direction"), found.direction[j], f"{what} direction")
        contains_each(item.get("W1"), found.W1[j], f"{what} W1")
        contains(item.get("w2"), found.w2_abs[j] * nu.sign, f"{what} w2")
        _face_claims(j, item, nu, r_box)
    contains_each(cert.get("residual"), found.residual, "residual")
    contains(cert.get("optimum"), found.optimum, "optimum")


def _flags(cert: dict, program: Program, neurons: list[Neuron]) -> None:
    """K13: counts and flags; K14: status and claim labels."""
    # K13: one network up to permutation and splitting; its block-level vertices.
    convex = math.prod(len(nu.cells) for nu in neurons)
    expected = {
        "unique_network": True,
        "count_minimal_networks": 1,
        "count_minimal_convex": convex,
        "unique_convex": convex == 1,
        "min_width": len(neurons),
        "same_size": True,
    }
    for name, value in expected.items():
        stated = cert.get(name)
        if stated != value or type(stated) is not type(value):
            raise CheckFailure(f"{name} is {stated!r}, the verified structure gives {value!r}")
    # K14: status and labels.
    if cert.get("status") != "verified":
        raise CheckFailure(f"status must be 'verified', got {cert.get('status')!r}")
    claims = field(cert, "claims", dict)
    allowed = set(_CLAIMS) - (set() if program.output_bias else {"output_bias"})
    for name, label in claims.items():
        if name not in allowed or label != "verified":
            raise CheckFailure(f"claim {name!r}: {label!r} is not verified by this file")


def _face_claims(j: int, item: dict, nu: Neuron, r: arb_mat) -> None:
    """K12: the stated face multipliers enclose the proved ones (per hyperplane with LICQ, per
    tied cell and basis otherwise)."""
    pairs, per_cell = item.get("face_multipliers"), item.get("cell_multipliers")
    if not isinstance(pairs, list) or not isinstance(per_cell, list):
        raise CheckFailure(f"neuron {j}: face_multipliers and cell_multipliers must be lists")
    if nu.sides is None:
        if pairs:
            raise CheckFailure(f"neuron {j}: face_multipliers only with independent face rows")
    else:
        values = arb_mat(nu.sides) * r
        if len(pairs) != len(nu.planes) or not all(
            isinstance(pair, list) and len(pair) == 2 for pair in pairs
        ):
            raise CheckFailure(f"neuron {j}: one pair of face multipliers per hyperplane")
        for t, pair in enumerate(pairs):
            for side in (0, 1):
                contains(pair[side], values[2 * t + side, 0], f"neuron {j} face multiplier {t}")
    if len(per_cell) != (0 if nu.licq else len(nu.cell_rows)):
        raise CheckFailure(f"neuron {j}: one cell_multipliers entry per cell basis (no LICQ)")
    for entry in per_cell:
        cell = entry.get("cell") if isinstance(entry, dict) else None
        if (
            type(cell) is not int
            or cell not in nu.cell_rows
            or entry.get("rows") != nu.cell_rows[cell][0]
        ):
            raise CheckFailure(f"neuron {j}: cell_multipliers do not match the cell bases")
        values = arb_mat(nu.cell_rows[cell][1]) * r
        contains_each(
            entry.get("values"),
            [values[t, 0] for t in range(values.nrows())],
            f"neuron {j} cell {cell} multiplier",
        )


# ---------------------------------------------------------------------------------------------
# M7-M9 (proofs/mirror_ties.md): the trade polytope and the claims of a file with mirror ties


def _mirror_claims(cert, section, program, neurons, mirrors, free, found: _Enclosures) -> str:
    """M7-M8: the listed vertices of the trade polytope, proved on the balls of K(X) (and,
    when ``complete``, closed under pivots); M9: the networks, counts, flags and labels.
    Returns the count for the summary."""
    mirror = mirror_section(section)
    tradeable = read_tradeable(mirror, mirrors)
    w = found.system.free_term(found.tight)
    polytope = TradePolytope(
        free, neurons, tradeable, found.direction, found.alpha, w, program.output_bias
    )
    vertices, complete = check_vertices(mirror, polytope)  # M7-M8
    check_mirror_claims(  # M9
        cert,
        neurons,
        mirrors,
        tradeable,
        vertices,
        complete,
        found.direction,
        found.alpha,
        found.system.lam,
        function_proved(
            program.output_bias, program.bias, free.rank, len(program.rows[0]), free.ones
        ),
    )
    count = len(vertices)
    plural = "s" if count > 1 else ""
    if complete:
        return f"{count} minimal network{plural} (all vertices of the trade polytope)"
    return f"at least {count} minimal network{plural} (a lower bound)"
