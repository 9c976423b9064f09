"""Exact sensitivity of an exact optimum to λ and to y (THEORY §8).

Under independent neuron fits, LICQ and SCS (:mod:`exactrelu.conditions`) the neurons and their
faces are locally constant, and the optimum is the smooth solution of the reduced KKT system of
THEORY §7 (sum scale, λ = ``problem.lam_sum``; β an unregularized output bias)::

    r + Σ_ν α_ν M_ν r (+ β·1) = y,     rᵀ M_ν r = λ²  (each ν),     (1ᵀ r = 0)

Differentiating, with ``J = [[I + Σ α_ν M_ν, F (, 1)], [2Fᵀ, 0], (1ᵀ)]`` and ``F = [M_ν r]``::

    J (ṙ, α̇ (, β̇)) = (0, 2λλ̇·1 (, 0))   for λ,        J (ṙ, α̇ (, β̇)) = (δy, 0 (, 0))   for y.

Everything is exact rational: ṙ, the fit ``ŷ̇ = ẏ − ṙ`` (ẏ = δy or 0; it includes β̇), α̇, β̇,
the directions ``v̇_ν = P_ν Z_νᵀ ṙ`` and the neuron fits ``ḟ_ν = Z_ν v̇_ν = M_ν ṙ``.

The network weights ``W1_ν = √(α_ν/λ) v_ν`` and ``w2_ν = s_ν √(α_ν λ)`` are irrational in
general; their derivatives are returned exactly as :class:`Surd` values ``√q · c`` (q a
rational, c a rational vector), by the chain rule (α_ν > 0 under SCS)::

    Ẇ1_ν = √(α_ν/λ) · (v̇_ν + ½(α̇_ν/α_ν − λ̇/λ) v_ν),     ẇ2_ν = √(α_ν λ) · s_ν ½(α̇_ν/α_ν + λ̇/λ).

``wrt="lam"`` differentiates with respect to the problem's λ (``direction`` a rational step,
default 1; with ``scale="mean"`` the sum-scale λ moves by n times it).  ``wrt="y"`` needs
``direction`` = δy (n rationals).  All results are labelled ``"exact"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from exactrelu.conditions import active_rows, check_conditions
from exactrelu.errors import ExactReluInputError
from exactrelu.exact_optimum import face_projection
from exactrelu.rationals import fmpq_matrix, fraction_of, rational_str, to_fraction


@dataclass(frozen=True)
class Surd:
    """The exact vector ``√radicand · coefficients`` (radicand >= 0 rational)."""

    radicand: Fraction
    coefficients: tuple[Fraction, ...]

    def floats(self) -> list[float]:
        root = float(self.radicand) ** 0.5
        return [root * float(c) for c in self.coefficients]

    def to_json(self) -> dict[str, object]:
        return {
            "radicand": rational_str(self.radicand),
            "coefficients": [rational_str(c) for c in self.coefficients],
        }


@dataclass(frozen=True)
class Sensitivity:
    """Exact derivatives of the optimum along ``wrt`` (``"lam"`` or ``"y"``) and ``direction``.

    Per neuron (in the order of ``optimal_set.neurons``): ``alpha`` (α̇), ``directions`` (v̇),
    ``neuron_fits`` (ḟ), ``W1`` and ``w2`` (:class:`Surd`; w2 has one coefficient).
    ``output_bias`` is β̇ (None without an output bias).
    """

    wrt: str
    direction: Fraction | tuple[Fraction, ...]
    residual: tuple[Fraction, ...]
    fit: tuple[Fraction, ...]
    alpha: tuple[Fraction, ...]
    output_bias: Fraction | None
    directions: tuple[tuple[Fraction, ...], ...]
    neuron_fits: tuple[tuple[Fraction, ...], ...]
    W1: tuple[Surd, ...]
    w2: tuple[Surd, ...]
    status: str = "exact"

    def to_json(self) -> dict[str, object]:
        def vec(values):
            return [rational_str(v) for v in values]

        return {
            "kind": "sensitivity",
            "status": self.status,
            "wrt": self.wrt,
            "direction": (
                rational_str(self.direction)
                if isinstance(self.direction, Fraction)
                else vec(self.direction)
            ),
            "residual": vec(self.residual),
            "fit": vec(self.fit),
            "alpha": vec(self.alpha),
            "output_bias": None if self.output_bias is None else rational_str(self.output_bias),
            "directions": [vec(v) for v in self.directions],
            "neuron_fits": [vec(f) for f in self.neuron_fits],
            "W1": [s.to_json() for s in self.W1],
            "w2": [s.to_json() for s in self.w2],
        }


def _independent_fits(optimal_set) -> bool:
    n = len(optimal_set.fit)
    columns = [list(nu.fit) for nu in optimal_set.neurons]
    if optimal_set.problem.output_bias:
        columns.append([Fraction(1)] * n)
    if not columns:
        return True
    return fmpq_matrix([[c[k] for c in columns] for k in range(n)]).rank() == len(columns)


def sensitivity(optimal_set, wrt: str = "lam", direction=None) -> Sensitivity:
    """Exact derivatives of the optimum of an exact optimal set (module docstring).

    Raises ExactReluInputError naming the failed condition (exactness, independent fits, LICQ,
    SCS) or a bad argument.
    """
    conditions = check_conditions(optimal_set)  # also checks status "exact" and model "relu"
    problem = optimal_set.problem
    rows = problem.rows
    n, D = len(rows), len(rows[0])
    neurons = optimal_set.neurons
    p = len(neurons)
    if wrt == "lam":
        step = Fraction(1) if direction is None else to_fraction(direction, "direction")
        lam_dot = step * n if problem.scale == "mean" else step
        y_dot = [Fraction(0)] * n
        shown: Fraction | tuple[Fraction, ...] = step
    elif wrt == "y":
        if direction is None or len(direction) != n:
            raise ExactReluInputError(f"wrt='y' needs direction = δy with n = {n} entries")
        y_dot = [to_fraction(v, "direction") for v in direction]
        lam_dot = Fraction(0)
        shown = tuple(y_dot)
    else:
        raise ExactReluInputError(f"wrt must be 'lam' or 'y', got {wrt!r}")
    if not _independent_fits(optimal_set):
        raise ExactReluInputError(
            "sensitivity needs independent neuron fits: the fits of the neurons of E"
            + (" and the column 1 (output bias)" if problem.output_bias else "")
            + " are linearly dependent"
        )
    if not conditions.licq:
        raise ExactReluInputError("sensitivity needs LICQ: " + "; ".join(conditions.failures))
    if not conditions.scs:
        raise ExactReluInputError("sensitivity needs SCS: " + "; ".join(conditions.failures))
    lam = problem.lam_sum
    alpha = conditions.alpha

    # Z_ν P_ν as n × D (rows: s x̃_k projected, active rows only) and M_ν = Z_ν P_ν Z_νᵀ.
    ZP, Zrows = [], []
    for nu in neurons:
        active = active_rows(rows, nu)
        Z = [
            [nu.sign * v for v in row] if active[k] else [Fraction(0)] * D
            for k, row in enumerate(rows)
        ]
        Zrows.append(Z)
        ZP.append([face_projection(rows, list(nu.face), z) for z in Z])
    M = [
        [
            [
                sum((a * b for a, b in zip(zp[k], Z[col], strict=True)), Fraction(0))
                for col in range(n)
            ]
            for k in range(n)
        ]
        for zp, Z in zip(ZP, Zrows, strict=True)
    ]
    fits = [list(nu.fit) for nu in neurons]
    extra = 1 if problem.output_bias else 0
    size = n + p + extra
    J = [[Fraction(0)] * size for _ in range(size)]
    for k in range(n):
        for col in range(n):
            J[k][col] = Fraction(int(k == col)) + sum(
                (alpha[i] * M[i][k][col] for i in range(p)), Fraction(0)
            )
        for i in range(p):
            J[k][n + i] = fits[i][k]
            J[n + i][k] = 2 * fits[i][k]
        if extra:
            J[k][n + p] = Fraction(1)
            J[n + p][k] = Fraction(1)
    rhs = y_dot + [2 * lam * lam_dot] * p + [Fraction(0)] * extra
    try:
        solution = fmpq_matrix(J).solve(fmpq_matrix([[v] for v in rhs]))
    except ZeroDivisionError:  # pragma: no cover - excluded by independent fits
        raise ExactReluInputError("the reduced KKT Jacobian is singular") from None
    x = [fraction_of(solution[t, 0]) for t in range(size)]
    r_dot, alpha_dot = x[:n], x[n : n + p]
    bias_dot = x[n + p] if extra else None
    v_dot, f_dot, W1, w2 = [], [], [], []
    for i, nu in enumerate(neurons):
        vd = [sum((ZP[i][k][j] * r_dot[k] for k in range(n)), Fraction(0)) for j in range(D)]
        v_dot.append(tuple(vd))
        f_dot.append(
            tuple(
                sum((M[i][k][col] * r_dot[col] for col in range(n)), Fraction(0)) for k in range(n)
            )
        )
        rate_a = alpha_dot[i] / alpha[i] - lam_dot / lam  # d log(α/λ)
        rate_b = alpha_dot[i] / alpha[i] + lam_dot / lam  # d log(αλ)
        W1.append(
            Surd(
                alpha[i] / lam,
                tuple(a + rate_a / 2 * v for a, v in zip(vd, nu.direction, strict=True)),
            )
        )
        w2.append(Surd(alpha[i] * lam, (nu.sign * rate_b / 2,)))
    return Sensitivity(
        wrt,
        shown,
        tuple(r_dot),
        tuple(a - b for a, b in zip(y_dot, r_dot, strict=True)),
        tuple(alpha_dot),
        bias_dot,
        tuple(v_dot),
        tuple(f_dot),
        tuple(W1),
        tuple(w2),
    )
