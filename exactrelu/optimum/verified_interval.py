"""λ intervals proved: the optimum has the same neurons for every λ of an interval (docs/theory.md
§8; the proof, the file format and the checker's items T1-T11 in proofs/verified.md, "λ
intervals").

With λ an interval ``λ_m + [−Δ, Δ]`` (sum scale), the Krawczyk test of the reduced KKT system
(:mod:`exactrelu.optimum.reduced_system`) runs on a tube ``x̃ + t ẋ + Z`` around the tangent at
the midpoint (t = λ − λ_m): it proves, for each λ of the interval, exactly one solution in the
tube.  The strict checks of the point proof (:mod:`exactrelu.optimum.structure_checks`) hold on
the whole tube, and every block not tied to a neuron is bounded below λ at both ends with the same
multipliers (:mod:`exactrelu.optimum.block_bounds`), which covers the interval by convexity in t.

A proved λ interval (:func:`verify_interval`) has a file of its own, kind ``"verified_interval"``
(``Verification.certificate``): the problem's header with ``lam_interval`` (the problem's scale)
instead of ``lam``, the pattern list with its completeness certificate, and a section with the
same neurons, block multipliers valid at both ends of the interval, and
``"tube": {"mid", "slope", "rad"}`` instead of the box: ``x(λ_s) ∈ mid + (λ_s − λ_m)·slope +
[−rad, rad]`` for every λ_s of the interval (sum scale, λ_m its midpoint).  Format, proof and
the checker's items: ``proofs/verified.md``, "λ intervals".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from flint import arb, arb_mat, ctx

from exactrelu.exact.balls import arb_column, arb_of, fraction_of_arb
from exactrelu.exact.rationals import rational_str
from exactrelu.optimum.reduced_system import PRECISION, RELATIVE_RADII
from exactrelu.optimum.verified import Verification, _Verifier
from exactrelu.program.reduced_kkt import Neuron

INFLATIONS = 8
"""ε-inflation steps of the tube's Krawczyk box when λ is an interval (``verify_interval``)."""
CONTRACTIONS = 3
"""Steps ``Z ← Z ∩ K(Z)`` after the tube's Krawczyk test succeeded."""


@dataclass(frozen=True)
class IntervalProof:
    """The data of a proved λ interval (:func:`verify_interval`), rendered into its certificate
    (kind ``"verified_interval"``, ``proofs/verified.md``) on first use: the program's pattern
    list and the block multipliers can be large, and a path proves many intervals."""

    problem: object = field(repr=False)
    core: dict = field(repr=False)
    multiplier_tables: tuple = field(repr=False)

    def certificate(self) -> dict:
        entries = [entry for table in self.multiplier_tables for entry in table.entries()]
        section = {**self.problem.pattern_core(), **self.core["certificate"]}
        return {**self.core, "certificate": {**section, "block_multipliers": entries}}


def verify_interval(
    problem,
    neurons: list[Neuron],
    residual: np.ndarray,
    alpha: np.ndarray,
    output_bias: float | None,
    lam_lo: Fraction,
    lam_hi: Fraction,
    cache: dict | None = None,
) -> Verification:
    """Prove that ``neurons`` are exactly the neurons of the optimum for **every** λ in
    ``[lam_lo, lam_hi]`` (the problem's scale; docs/theory.md §8, ``proofs/verified.md``).

    The Krawczyk test runs on a tube ``x̃ + t ẋ + Z`` around the tangent at the midpoint λ_m
    (t = λ − λ_m, :meth:`_IntervalVerifier.tube_krawczyk`): for each λ of the interval exactly one
    solution of the reduced system lies in ``x̃ + t ẋ + Z``.  The strict checks (α > 0, primal
    feasibility, face multipliers) hold on the whole tube, and every block not tied to a neuron
    is bounded below λ at both ends with the same multipliers, which covers the interval by
    convexity in t.  So the structure is constant on the whole interval (proofs/verified.md,
    "λ intervals").  ``residual``, ``alpha`` (and ``output_bias``) are a float
    start near the middle of the interval; the outcome has no ``structure`` (one λ has no single
    optimum to enclose), but when ``lam_lo < lam_hi`` and the model is ``relu`` a verified
    outcome has a ``certificate`` (kind ``"verified_interval"``, checked by
    ``exactrelu.checker``; format in ``proofs/verified.md``).  ``cache`` as in
    :func:`~exactrelu.optimum.verified.verify_neurons`.
    """
    if not 0 < lam_lo <= lam_hi:
        raise ValueError("need 0 < lam_lo <= lam_hi")
    if len(neurons) == 0:
        return Verification("unavailable", ("no neurons proposed",))
    factor = problem.lam_sum / problem.lam
    with ctx.workprec(PRECISION):
        verifier = _IntervalVerifier(problem, neurons, (lam_lo * factor, lam_hi * factor), cache)
        return verifier.run(residual, alpha, output_bias, True)


class _IntervalVerifier(_Verifier):
    """A verification with λ an interval: the tube ``x(λ) ∈ x̃ + t ẋ + Z``, t = λ − λ_m ∈ [−Δ, Δ],
    instead of the box (a point ``lam_lo == lam_hi`` is proved as by :class:`_Verifier`)."""

    def prove(self, x: list[arb], C: arb_mat, C_float: np.ndarray) -> Verification:
        if self.interval:
            return self.run_tube(x, C, C_float)
        return super().prove(x, C, C_float)

    def run_tube(self, x: list[arb], C: arb_mat, C_float: np.ndarray) -> Verification:
        """Prove the structure for every λ in ``[λ_m − Δ, λ_m + Δ]`` (see :meth:`tube_krawczyk`),
        then the strict checks on the tube (linear functions of r keep their t-part exact) and
        the block bounds at both ends with common multipliers (convexity in t)."""
        found = self.tube_krawczyk(x, C, C_float)
        if found is None:
            return Verification("undecided", tuple(self.failures))
        x_dot, radii = found
        n, p, T = self.n, self.p, arb(0, arb_of(self.half_width))
        self.tube = (
            arb_column(x[:n]),
            arb_column(x_dot[:n]),
            arb_column([arb(0, rad) for rad in radii[:n]]),
        )
        alpha = [x[n + i] + T * x_dot[n + i] + arb(0, radii[n + i]) for i in range(p)]
        hull = arb_column([x[k] + T * x_dot[k] + arb(0, radii[k]) for k in range(n)])
        self.check_neurons(hull, alpha)
        multipliers = self.check_faces(hull)
        mids = [fraction_of_arb(v) for v in x]
        slope = [fraction_of_arb(v) for v in x_dot]
        ends = [
            (
                [m + sign * self.half_width * d for m, d in zip(mids[:n], slope[:n], strict=True)],
                lam,
            )
            for sign, lam in ((-1, self.lam_low), (1, self.lam_high))
        ]
        tables = self.bound_blocks(ends, max(radii[:n]))
        if self.failures:
            return Verification("undecided", tuple(self.failures))
        if self.gated:  # the checker defines verified certificates for ReLU blocks only
            return Verification("verified", ())
        core = self.interval_core(mids, slope, radii, multipliers)
        return Verification("verified", (), interval=IntervalProof(self.problem, core, tables))

    def tube_krawczyk(self, x: list[arb], C: arb_mat, C_float: np.ndarray):
        """Krawczyk along the tangent.  With ẋ the float tangent (``J(x̃) ẋ = (0, λ_m·1, 0)``,
        made exact), ``G(z, t) = F(x̃ + t ẋ + z, λ_m + t)`` is a polynomial in t whose value at
        z = 0 is ``G0 + G1 t + G2 t²`` exactly (F is quadratic), so ``G(0, T)`` is tiny; the
        Jacobian in z is ``J(x̃ + t ẋ + z)`` (J does not involve λ).  ``K = −C G(0, T) +
        (I − C J(hull))·Z ⊂ interior(Z)`` proves, for each t in T, exactly one zero
        ``z(t) ∈ Z``: the solution for λ_m + t is in ``x̃ + t ẋ + Z``.  Returns (ẋ, radii of Z)
        or None."""
        n, p, N = self.n, self.p, self.N
        lam_m = arb_of(self.lam_mid)
        rhs = np.zeros(N)
        rhs[n : n + p] = float(self.lam_mid)
        x_dot = [arb(float(v)) for v in C_float @ rhs]
        r_dot, a_dot = arb_column(x_dot[:n]), x_dot[n : n + p]
        G0 = arb_column(self.equations(x))
        shift = arb_column([arb(0)] * n + [lam_m] * p + [arb(0)] * (N - n - p))
        G1 = self.jacobian(x) * arb_column(x_dot) - shift
        F_dot = self.fits(r_dot)
        first = F_dot * arb_column(a_dot)  # Σ α̇_ν M_ν ṙ
        quadratic = F_dot.transpose() * r_dot  # ṙᵀ M_ν ṙ
        G2 = arb_column(
            [first[k, 0] for k in range(n)]
            + [(quadratic[i, 0] - 1) / 2 for i in range(p)]
            + [arb(0)] * (N - n - p)
        )
        delta = arb_of(self.half_width)
        T, T2 = arb(0, delta), arb(delta * delta / 2, delta * delta / 2)
        CG = C * (G0 + G1 * T + G2 * T2)
        identity = arb_mat([[int(i == j) for j in range(N)] for i in range(N)])
        radii = [
            2 * float(CG[i, 0].abs_upper()) + rad
            for i, rad in enumerate(self.radii(x, RELATIVE_RADII[0]))
        ]
        for _ in range(INFLATIONS):
            hull = [x[i] + T * x_dot[i] + arb(0, radii[i]) for i in range(N)]
            E = identity - C * self.jacobian(hull)
            K = E * arb_column([arb(0, rad) for rad in radii]) - CG
            if all(K[i, 0].abs_upper() < arb(radii[i]) for i in range(N)):
                # the zero z(t) ∈ Z also lies in K(Z): shrink Z to it (Neumaier 1990, §5.1),
                # keeping only boxes that pass the test themselves (the certificate's box is
                # re-tested by the checker)
                for _ in range(CONTRACTIONS):
                    shrunk = [min(rad, float(K[i, 0].abs_upper())) for i, rad in enumerate(radii)]
                    hull = [x[i] + T * x_dot[i] + arb(0, shrunk[i]) for i in range(N)]
                    E = identity - C * self.jacobian(hull)
                    K = E * arb_column([arb(0, rad) for rad in shrunk]) - CG
                    if not all(K[i, 0].abs_upper() < arb(shrunk[i]) for i in range(N)):
                        break
                    radii = shrunk
                return x_dot, radii
            # ε-inflation (Rump): the next box is the image, enlarged
            radii = [max(1.5 * float(K[i, 0].abs_upper()), rad) for i, rad in enumerate(radii)]
        self.failures.append(
            "Krawczyk test on the tube failed: the λ interval is too wide for this structure"
        )
        return None

    def interval_core(self, mids, slope, radii, multipliers) -> dict:
        """The ``"verified_interval"`` certificate without the pattern list and the block
        multipliers (:class:`IntervalProof` adds them): the tube ``x̃ + t ẋ + Z`` in the
        unknowns (r, α[, β]) of the sum scale, t = λ_s − λ_m."""
        divisor = self.problem.lam_sum / self.problem.lam  # λ_s = λ · divisor
        header = {key: v for key, v in self.problem.describe().items() if key != "lam"}
        return {
            "kind": "verified_interval",
            "version": 1,
            **header,
            "lam_interval": [
                rational_str(self.lam_low / divisor),
                rational_str(self.lam_high / divisor),
            ],
            "status": "verified",
            "claims": {"neurons": "verified", "unique_network": "verified", "tube": "verified"},
            "unique_network": True,
            "unique_convex": all(len(data.cells) == 1 for data in self.data),
            "certificate": {
                "method": "krawczyk_tube",
                "precision_bits": PRECISION,
                "unknowns": "r[0..n-1], alpha[0..p-1], beta (only with an output bias)",
                "neurons": self.neuron_entries(multipliers),
                "tube": {
                    "mid": [rational_str(v) for v in mids],
                    "slope": [rational_str(v) for v in slope],
                    "rad": [rational_str(Fraction(v)) for v in radii],
                },
            },
        }
