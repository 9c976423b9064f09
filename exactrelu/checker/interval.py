"""Check ``verified_interval`` files: the structure of the optimum is the same for every λ of an
interval (docs/theory.md §7 "Verified", §8), proved by a Krawczyk test on a tube around the solution
path.

Each check is marked with the item T1-T11 of ``proofs/verified.md`` (section "λ intervals");
most of them are the point checks of ``krawczyk.py`` (K2, K4-K5, K7's routine, K8-K11), applied
to the tube instead of a box.  Arithmetic as there: ints, Fractions and ``fmpq_mat`` for
everything exact, python-flint ``arb`` balls (``balls.py``) for what depends on the irrational
solution path.  The preconditioner, the polynomial ``G(0, t)`` and every enclosure are the
checker's own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction

from flint import arb, arb_mat, ctx, fmpq_mat

from exactrelu.checker.balls import ball, column, precision, to_arb
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

_CLAIMS = {"neurons", "unique_network", "unique_convex", "tube"}


def check_verified_interval(
    cert: dict, X: Sequence[Sequence[Fraction]], y: Sequence[Fraction] | None
) -> str:
    """Verify a ``verified_interval`` file; return a one-line summary."""
    program = read_structure_program(cert, X, y, "verified_interval", _middle)  # T1-T2
    lo, hi = _interval(cert, len(program.rows))  # T1
    section = field(cert, "certificate", dict)
    if section.get("method") != "krawczyk_tube":  # T3
        raise CheckFailure(
            f"certificate method must be 'krawczyk_tube', got {section.get('method')!r}"
        )
    listed = field(section, "neurons", list)
    if not listed:
        raise CheckFailure("a verified structure needs at least one neuron")
    neurons = [read_neuron(j, item, program) for j, item in enumerate(listed)]  # T4 (K4-K5)
    n, p = len(program.rows), len(neurons)
    size = n + p + (1 if program.output_bias else 0)
    mid, slope, rad = _tube(section, size)  # T5
    half = (hi - lo) / 2
    with ctx.workprec(precision(section)):
        system = System(program, neurons)  # λ_s = the interval's midpoint (_middle)
        contraction = _krawczyk(system, mid, slope, rad, half)  # T6
        # T7: α(t) >= α̃ − Δ|α̇| − ρ on the whole tube
        hull = [rho + half * abs(s) for rho, s in zip(rad, slope, strict=True)]
        check_alphas_positive(mid, hull, n, p)
        linear = _tube_map(mid[:n], slope[:n], rad[:n], half)
        for j, nu in enumerate(neurons):
            check_signs(j, nu, linear, program)  # T8 (K9 on the tube)
            check_face_multipliers(j, nu, linear)  # T9 (K10 on the tube)
    untied = 0
    for side, lam in ((-1, lo), (1, hi)):  # T10: both ends, the same multipliers
        end = [m + side * half * s for m, s in zip(mid[:n], slope[:n], strict=True)]
        untied = check_untied_blocks(section, replace(program, lam=lam), neurons, end, rad[:n])
    _claims(cert, neurons)  # T11
    check_float_copies(cert)  # T12
    return summary(
        cert,
        "verified interval",
        f"{p} neuron"
        f"{'s' if p > 1 else ''} ({sum(len(nu.cells) for nu in neurons)} blocks of E) for every "
        f"λ, unique network; Krawczyk on the tube (width ratio <= {short(contraction)}); "
        f"{untied} other blocks strictly below λ at both ends ({program.scope})",
    )


def _interval(cert: dict, n: int) -> tuple[Fraction, Fraction]:
    """T1: ``lam_interval`` is two rationals 0 < lo < hi in the file's scale; returned in sum
    scale (times n for scale "mean")."""
    ends = cert.get("lam_interval")
    if not isinstance(ends, list) or len(ends) != 2:
        raise CheckFailure("lam_interval must be a list [lo, hi]")
    lo, hi = (rational(v, "lam_interval") for v in ends)
    if not 0 < lo < hi:
        raise CheckFailure(f"lam_interval needs 0 < lo < hi, got [{lo}, {hi}]")
    divisor = n if cert["scale"] == "mean" else 1
    return lo * divisor, hi * divisor


def _middle(cert: dict, n: int) -> Fraction:
    """λ_m, the midpoint of the interval in sum scale: the λ of the reduced system at t = 0."""
    lo, hi = _interval(cert, n)
    return (lo + hi) / 2


def _tube(section: dict, size: int) -> tuple[list[Fraction], list[Fraction], list[Fraction]]:
    """T5: the tube ``x̃ + t ẋ + [−ρ, ρ]``: ``size`` rationals each in mid, slope, rad; ρ > 0."""
    tube = field(section, "tube", dict)
    parts = [tube.get(name) for name in ("mid", "slope", "rad")]
    if not all(isinstance(part, list) and len(part) == size for part in parts):
        raise CheckFailure(f"tube needs {size} mid, slope and rad entries (r, alpha[, beta])")
    mid, slope, rad = (
        [rational(v, f"tube {name}") for v in part]
        for name, part in zip(("mid", "slope", "rad"), parts, strict=True)
    )
    if any(v <= 0 for v in rad):
        raise CheckFailure("tube radii must be > 0")
    return mid, slope, rad


def _krawczyk(system: System, mid, slope, rad, half: Fraction) -> Fraction:
    """T6: for t in T = [−Δ, Δ], ``H(z, t) = G(x̃ + t ẋ + z, λ_m + t)`` has, at z = 0, the exact
    polynomial value ``G0 + G1 t + G2 t²``:

        G0 = G(x̃, λ_m),   G1 = J(x̃) ẋ − (0, λ_m·1_p, 0),
        G2 = (Σ_ν α̇_ν M_ν ṙ,  ½(ṙᵀ M_ν ṙ − 1) for each ν,  0),

    enclosed with ``t ∈ [−Δ, Δ]`` and ``t² ∈ [0, Δ²]``; the z-Jacobian ``J(x̃ + t ẋ + z)`` is
    enclosed by J on the hull ``x̃ + [−Δ, Δ] ẋ + [−ρ, ρ]``.  Then K7's test with these two
    enclosures (``System.krawczyk``, its own preconditioner C = mid(J(x̃)⁻¹)) is Krawczyk's
    test for every t at once.  Returns the largest ratio ``sup|K_i| / ρ_i``."""
    n, p, N = system.n, system.p, system.size
    center = [to_arb(v) for v in mid]
    velocity = [to_arb(v) for v in slope]
    T, T2 = ball(Fraction(0), half), ball(half * half / 2, half * half / 2)
    r_dot, a_dot, _ = system.split(velocity)
    v_dot, f_dot = system.parts(r_dot)
    lam_part = column([arb(0)] * n + [system.lam] * p + [arb(0)] * (N - n - p))
    G1 = system.jacobian(center) * column(velocity) - lam_part
    G2 = column(
        [sum((a * f[k, 0] for a, f in zip(a_dot, f_dot, strict=True)), arb(0)) for k in range(n)]
        + [(sum((w[i, 0] * w[i, 0] for i in range(w.nrows())), arb(0)) - 1) / 2 for w in v_dot]
        + [arb(0)] * (N - n - p)
    )
    value = system.equations(center) + G1 * T + G2 * T2
    hull = [
        c + T * s + ball(Fraction(0), rho) for c, s, rho in zip(center, velocity, rad, strict=True)
    ]
    _, ratio = system.krawczyk(mid, rad, hull, value)
    return ratio


def _tube_map(mid, slope, rad, half: Fraction):
    """T8-T9: balls of ``L r`` over ``r = r̃ + t ṙ + z`` (|t| <= Δ, |z_k| <= ρ_k), as
    ``L r̃ + [−Δ, Δ]·(L ṙ) + L z``: the t-part keeps its exact direction instead of widening
    every component of r by ``Δ|ṙ|``."""
    r_mid = column([to_arb(v) for v in mid])
    r_dot = column([to_arb(v) for v in slope])
    z = column([ball(Fraction(0), rho) for rho in rad])
    T = ball(Fraction(0), half)

    def linear(L: fmpq_mat) -> arb_mat:
        M = arb_mat(L)
        return M * r_mid + (M * r_dot) * T + M * z

    return linear


def _claims(cert: dict, neurons: list[Neuron]) -> None:
    """T11: the flags and the claim labels."""
    convex = math.prod(len(nu.cells) for nu in neurons)
    for name, value in (("unique_network", True), ("unique_convex", convex == 1)):
        if cert.get(name) is not value:
            raise CheckFailure(
                f"{name} is {cert.get(name)!r}, the verified structure gives {value!r}"
            )
    if cert.get("status") != "verified":
        raise CheckFailure(f"status must be 'verified', got {cert.get('status')!r}")
    for name, label in field(cert, "claims", dict).items():
        if name not in _CLAIMS or label != "verified":
            raise CheckFailure(f"claim {name!r}: {label!r} is not verified by this file")
