"""Sensitivity of an optimum to λ, to y and to X (docs/theory.md §7–§8).

Under independent neuron fits, LICQ and SCS (:mod:`exactrelu.optimum.conditions`) the neurons and
their faces are locally constant, and the optimum is the smooth solution of the reduced KKT system
of
docs/theory.md §7 (sum scale, λ = ``problem.lam_sum``; β an unregularized output bias)::

    r + Σ_ν α_ν M_ν r (+ β·1) = y,     rᵀ M_ν r = λ²  (each ν),     (1ᵀ r = 0)

with ``M_ν = Z_ν P_ν Z_νᵀ`` (``Z_ν = s_ν D_ν X̃`` on the active rows, ``P_ν`` the orthogonal
projector onto the complement of the face rows).  Differentiating, with
``J = [[I + Σ α_ν M_ν, F (, 1)], [2Fᵀ, 0], (1ᵀ)]`` and ``F = [M_ν r]``::

    J (ṙ, α̇ (, β̇)) = (ẏ − Σ_ν α_ν Ṁ_ν r,  2λλ̇ − rᵀ Ṁ_ν r (each ν)  (, 0)).

For λ: ẏ = 0, Ṁ = 0.  For y: ẏ = δy, λ̇ = 0, Ṁ = 0.  For X (patterns held fixed: every neuron
keeps its sign, its active rows and its face; δX̃ = [δX, 0] with a hidden bias, whose column of
ones does not move): ẏ = 0, λ̇ = 0 and, with ``w = Z_νᵀ r``, ``ẇ = Ż_νᵀ r``
(``Ż_ν = s_ν D_ν δX̃``), the face representatives B (f × D, independent by LICQ) and
``G = B Bᵀ``::

    Ṗ_ν = −(P_ν Ḃᵀ G⁻¹ B + Bᵀ G⁻¹ Ḃ P_ν),        Ṁ_ν r = Ż_ν P_ν w + Z_ν Ṗ_ν w + Z_ν P_ν ẇ

(the derivative of the projector onto the row space of B, whose rank is constant).  Then the
fit ``ŷ̇ = ẏ − ṙ`` (it includes β̇), the directions ``v̇_ν = Ṗ_ν w + P_ν ẇ + P_ν Z_νᵀ ṙ`` and the
neuron fits ``ḟ_ν = Ṁ_ν r + M_ν ṙ``.  The network weights ``W1_ν = √(α_ν/λ) v_ν`` and
``w2_ν = s_ν √(α_ν λ)`` follow by the chain rule (α_ν > 0 under SCS)::

    Ẇ1_ν = √(α_ν/λ) · (v̇_ν + ½(α̇_ν/α_ν − λ̇/λ) v_ν),     ẇ2_ν = √(α_ν λ) · s_ν ½(α̇_ν/α_ν + λ̇/λ).

**Exact optima** (``status == "exact"``): everything is exact rational (``fmpq_mat``); the
weight derivatives are exact :class:`Surd` values ``√q · c``.  **Verified optima**
(``status == "verified"``, an irrational optimum proved in ball arithmetic): J and the right-hand
side are evaluated in ball arithmetic (python-flint ``arb_mat``) on the verified enclosures of
(r, α) and the system is solved by ``arb_mat.solve``, which encloses the solution for every
matrix in the balls; so every derivative is a certified enclosure
(:class:`~exactrelu.exact.balls.Ball`), status ``"verified"``.  J(x*) is nonsingular there (the
Krawczyk test proves it).

``wrt="lam"`` differentiates with respect to the problem's λ (``direction`` a rational step,
default 1; with ``scale="mean"`` the sum-scale λ moves by n times it).  ``wrt="y"`` needs
``direction`` = δy (n rationals), ``wrt="X"`` needs ``direction`` = δX (n × d rationals).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from flint import arb, arb_mat, ctx, fmpq, fmpq_mat

from exactrelu.errors import ExactReluInputError
from exactrelu.exact.balls import Ball, arb_of, ball_of
from exactrelu.exact.rationals import fmpq_matrix, fraction_of, rational_str, to_fraction
from exactrelu.optimum.conditions import (
    Conditions,
    Number,
    active_rows,
    check_conditions,
    number_json,
)
from exactrelu.optimum.reduced_system import PRECISION
from exactrelu.optimum.verified import NeuronData, neuron_data
from exactrelu.program.problem import Problem
from exactrelu.program.reduced_kkt import Neuron

WRT = ("lam", "y", "X")


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


Direction = Fraction | tuple[Fraction, ...] | tuple[tuple[Fraction, ...], ...]


@dataclass(frozen=True)
class Sensitivity:
    """Derivatives of the optimum along ``wrt`` (``"lam"``, ``"y"`` or ``"X"``) and
    ``direction`` (a step of λ, δy, or δX as n rows of d entries).

    Per neuron (in the order of ``optimal_set.neurons``): ``alpha`` (α̇), ``directions`` (v̇),
    ``neuron_fits`` (ḟ), ``W1`` and ``w2``.  ``output_bias`` is β̇ (None without an output
    bias).  Exact rationals, W1 and w2 as :class:`Surd` (w2 with one coefficient), when
    ``status == "exact"``; enclosures (``Ball``; W1 a tuple of balls, w2 a ball) when
    ``status == "verified"``.  ``conditions`` are the LICQ/SCS verdicts that allowed it.
    """

    problem: Problem = field(repr=False)
    conditions: Conditions = field(repr=False)
    wrt: str
    direction: Direction
    residual: tuple[Number, ...]
    fit: tuple[Number, ...]
    alpha: tuple[Number, ...]
    output_bias: Number | None
    directions: tuple[tuple[Number, ...], ...]
    neuron_fits: tuple[tuple[Number, ...], ...]
    W1: tuple[Surd | tuple[Ball, ...], ...]
    w2: tuple[Surd | Ball, ...]
    status: str = "exact"

    def to_json(self) -> dict[str, object]:
        def vec(values):
            return [number_json(v) for v in values]

        def weight(value):
            if isinstance(value, tuple):
                return vec(value)
            return value.to_json()

        if isinstance(self.direction, Fraction):
            direction: object = rational_str(self.direction)
        elif self.wrt == "X":
            direction = [[rational_str(v) for v in row] for row in self.direction]
        else:
            direction = [rational_str(v) for v in self.direction]
        names = ("residual", "fit", "alpha", "directions", "neuron_fits", "W1", "w2")
        names += () if self.output_bias is None else ("output_bias_value",)
        return {
            "kind": "sensitivity",
            "version": 1,
            **self.problem.describe(),
            "status": self.status,
            "claims": {name: self.status for name in names},
            "wrt": self.wrt,
            "direction": direction,
            "residual": vec(self.residual),
            "fit": vec(self.fit),
            "alpha": vec(self.alpha),
            # β̇ ("output_bias" itself is the problem's option, from describe())
            "output_bias_value": (
                None if self.output_bias is None else number_json(self.output_bias)
            ),
            "directions": [vec(v) for v in self.directions],
            "neuron_fits": [vec(f) for f in self.neuron_fits],
            "W1": [weight(w) for w in self.W1],
            "w2": [weight(w) for w in self.w2],
            "conditions": self.conditions.to_json(),
        }


# ---------------------------------------------------------------------------------------------
# Arguments and conditions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Move:
    """The perturbation: the direction as given, λ̇ (sum scale), ẏ and δX̃ (n × D)."""

    shown: Direction
    lam_dot: Fraction
    y_dot: list[Fraction]
    rows_dot: list[list[Fraction]]


def _move(problem: Problem, wrt: str, direction) -> _Move:
    n, d, D = problem.n, problem.dataset.d, len(problem.rows[0])
    still_y = [Fraction(0)] * n
    still_rows = [[Fraction(0)] * D for _ in range(n)]
    if wrt == "lam":
        step = Fraction(1) if direction is None else to_fraction(direction, "direction")
        lam_dot = step * n if problem.scale == "mean" else step
        return _Move(step, lam_dot, still_y, still_rows)
    if wrt == "y":
        if direction is None or len(direction) != n:
            raise ExactReluInputError(f"wrt='y' needs direction = δy with n = {n} entries")
        y_dot = [to_fraction(v, "direction") for v in direction]
        return _Move(tuple(y_dot), Fraction(0), y_dot, still_rows)
    if wrt == "X":
        shape = f"wrt='X' needs direction = δX with n = {n} rows of d = {d} entries"
        try:
            matrix = [list(row) for row in direction]
        except TypeError:
            raise ExactReluInputError(shape) from None
        if len(matrix) != n or any(len(row) != d for row in matrix):
            raise ExactReluInputError(shape)
        delta = [[to_fraction(v, "direction") for v in row] for row in matrix]
        rows_dot = [row + [Fraction(0)] * (D - d) for row in delta]  # the bias column is fixed
        return _Move(tuple(tuple(row) for row in delta), Fraction(0), still_y, rows_dot)
    raise ExactReluInputError(f"wrt must be one of {', '.join(WRT)}, got {wrt!r}")


def _independent_fits(optimal_set) -> bool:
    n = len(optimal_set.fit)
    columns = [list(nu.fit) for nu in optimal_set.neurons]
    if optimal_set.problem.output_bias:
        columns.append([Fraction(1)] * n)
    if not columns:
        return True
    return fmpq_matrix([[c[k] for c in columns] for k in range(n)]).rank() == len(columns)


def _require_conditions(optimal_set, conditions: Conditions) -> None:
    """Raise naming the failed condition: decided optimum, independent fits, LICQ, SCS.  A
    verified optimum has independent fits (its Krawczyk test proves J(x*) nonsingular)."""
    if optimal_set.status not in ("exact", "verified"):
        raise ExactReluInputError(
            "sensitivity needs an exact or verified optimal set: " + "; ".join(conditions.failures)
        )
    if optimal_set.status == "exact" and not _independent_fits(optimal_set):
        raise ExactReluInputError(
            "sensitivity needs independent neuron fits: the fits of the neurons of E"
            + (" and the column 1 (output bias)" if optimal_set.problem.output_bias else "")
            + " are linearly dependent"
        )
    if not conditions.licq:
        raise ExactReluInputError("sensitivity needs LICQ: " + "; ".join(conditions.failures))
    if conditions.scs is None:
        raise ExactReluInputError(
            "sensitivity needs SCS, which is undecided: " + "; ".join(conditions.failures)
        )
    if not conditions.scs:
        raise ExactReluInputError("sensitivity needs SCS: " + "; ".join(conditions.failures))


def _require_fixed_faces(problem: Problem, neurons: list[NeuronData], rows_dot) -> None:
    """δX̃ keeps every neuron's face: zero rows stay zero (a moved zero row would take a side
    of every face) and parallel face rows stay parallel with the same ratio (otherwise the
    merged hyperplane splits in two and LICQ breaks)."""
    rows = problem.rows
    for i, data in enumerate(neurons):
        for k in data.face:
            if not any(rows[k]) and any(rows_dot[k]):
                raise ExactReluInputError(
                    f"wrt='X' holds the patterns fixed: row {k} is zero and moving it changes "
                    f"the pattern of neuron {i}; use δx_{k} = 0"
                )
        for plane in data.hyperplanes:
            h = plane.representative
            for k, c in zip(plane.rows, plane.ratios, strict=True):
                if any(a != c * b for a, b in zip(rows_dot[k], rows_dot[h], strict=True)):
                    raise ExactReluInputError(
                        f"wrt='X' holds the patterns fixed: face rows {h} and {k} of neuron {i} "
                        f"are parallel (x̃_{k} = {rational_str(c)}·x̃_{h}), so δx̃_{k} must be "
                        f"{rational_str(c)}·δx̃_{h}"
                    )


# ---------------------------------------------------------------------------------------------
# The reduced system, in exact or in ball arithmetic
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Arithmetic:
    """Exact (fmpq, fmpq_mat, Fractions and Surds out) or verified (arb, arb_mat, Balls out)."""

    scalar: Callable[[Number], object]
    matrix: Callable[[object], object]
    value: Callable[[object], Number]
    surd: Callable[[object, list], Surd | tuple[Ball, ...]]
    status: str


def _ball_arb(value: Number) -> arb:
    """An arb ball containing a rational or the rational interval ``[lower, upper]`` of a Ball."""
    if isinstance(value, Ball):
        return arb_of(value.lower).union(arb_of(value.upper))
    return arb_of(value)


EXACT = _Arithmetic(
    scalar=lambda q: fmpq(q.numerator, q.denominator),
    matrix=fmpq_mat,
    value=fraction_of,
    surd=lambda q, c: Surd(fraction_of(q), tuple(fraction_of(v) for v in c)),
    status="exact",
)
VERIFIED = _Arithmetic(
    scalar=_ball_arb,
    matrix=arb_mat,
    value=ball_of,
    surd=lambda q, c: tuple(ball_of(q.sqrt() * v) for v in c),
    status="verified",
)


@dataclass(frozen=True)
class _NeuronMatrices:
    """Exact data of a neuron (docs/theory.md §7): ``Z P`` (n × D), ``Zᵀ`` and ``Żᵀ`` (D × n),
    ``P``, ``Ṗ`` (D × D), ``M = Z P Zᵀ`` and ``K = Ż P + Z Ṗ`` (n × D, so ``Ṁ r = K w + Z P ẇ``)."""

    ZP: fmpq_mat
    Zt: fmpq_mat
    Zt_dot: fmpq_mat
    P: fmpq_mat
    P_dot: fmpq_mat
    M: fmpq_mat
    K: fmpq_mat


def _neuron_matrices(rows, rows_dot, data: NeuronData) -> _NeuronMatrices:
    n, D = len(rows), len(rows[0])
    identity = fmpq_mat([[int(i == j) for j in range(D)] for i in range(D)])
    P = identity - data.complement
    if data.hyperplanes:
        B = fmpq_matrix([rows[p.representative] for p in data.hyperplanes])
        B_dot = fmpq_matrix([rows_dot[p.representative] for p in data.hyperplanes])
        G_inv_B = (B * B.transpose()).solve(B)  # (B Bᵀ)⁻¹ B, B independent by LICQ
        P_dot = -(P * B_dot.transpose() * G_inv_B + G_inv_B.transpose() * B_dot * P)
    else:
        P_dot = fmpq_mat(D, D)
    face = set(data.face)
    nu = data.neuron
    Zt_dot = fmpq_matrix(
        [
            [nu.sign * rows_dot[k][j] if nu.active[k] and k not in face else 0 for k in range(n)]
            for j in range(D)
        ]
    )
    return _NeuronMatrices(
        data.ZP,
        data.Zt,
        Zt_dot,
        P,
        P_dot,
        data.ZP * data.Zt,
        Zt_dot.transpose() * P + data.Zt.transpose() * P_dot,
    )


def _jacobian(alpha, fits, M, n: int, output_bias: bool, Mat) -> list[list]:
    """``J = [[I + Σ α_ν M_ν, F (, 1)], [2Fᵀ, 0], (1ᵀ)]`` as rows of entries."""
    p, extra = len(fits), int(output_bias)
    top = Mat([[int(i == j) for j in range(n)] for i in range(n)])
    for a, m in zip(alpha, M, strict=True):
        top += a * m
    rows = top.tolist()
    for k in range(n):
        rows[k] += [f[k, 0] for f in fits] + [1] * extra
    rows += [[2 * f[k, 0] for k in range(n)] + [0] * (p + extra) for f in fits]
    rows += [[1] * n + [0] * (p + extra)] * extra
    return rows


def _differentiate(
    optimal_set, conditions, residual, matrices, move: _Move, arithmetic: _Arithmetic
) -> dict[str, object]:
    """Solve ``J (ṙ, α̇ (, β̇)) = rhs`` (module docstring) and map the solution to the
    derivatives of the directions, fits and weights (the fields of :class:`Sensitivity`)."""
    S, Mat, out = arithmetic.scalar, arithmetic.matrix, arithmetic.value
    problem = optimal_set.problem
    n, p = problem.n, len(matrices)
    r = Mat([[S(v)] for v in residual])
    alpha = [S(a) for a in conditions.alpha]
    lam, lam_dot = S(problem.lam_sum), S(move.lam_dot)
    w = [Mat(m.Zt) * r for m in matrices]
    w_dot = [Mat(m.Zt_dot) * r for m in matrices]
    fits = [Mat(m.ZP) * wi for m, wi in zip(matrices, w, strict=True)]
    M = [Mat(m.M) for m in matrices]
    Mr_dot = [Mat(m.K) * wi + Mat(m.ZP) * wd for m, wi, wd in zip(matrices, w, w_dot, strict=True)]
    rhs = Mat([[S(v)] for v in move.y_dot])
    for a, mr in zip(alpha, Mr_dot, strict=True):
        rhs -= a * mr
    rhs = rhs.tolist() + [[2 * lam * lam_dot - (r.transpose() * mr)[0, 0]] for mr in Mr_dot]
    rhs += [[0]] * int(problem.output_bias)
    J = Mat(_jacobian(alpha, fits, M, n, problem.output_bias, Mat))
    try:
        x = J.solve(Mat(rhs))
    except ZeroDivisionError:  # pragma: no cover - excluded by independent fits (exact), or a
        # Krawczyk-proved nonsingular J(x*) whose enclosure is far tighter than needed (verified)
        raise ArithmeticError("the reduced KKT Jacobian could not be inverted") from None
    r_dot = Mat([[x[k, 0]] for k in range(n)])
    alpha_dot = [x[n + i, 0] for i in range(p)]
    v_dot, f_dot, W1, w2 = [], [], [], []
    for i, (m, nu) in enumerate(zip(matrices, optimal_set.neurons, strict=True)):
        vd = Mat(m.P_dot) * w[i] + Mat(m.P) * w_dot[i] + Mat(m.ZP).transpose() * r_dot
        fd = Mr_dot[i] + M[i] * r_dot
        v_dot.append(tuple(out(v) for (v,) in vd.tolist()))
        f_dot.append(tuple(out(v) for (v,) in fd.tolist()))
        rate_a = alpha_dot[i] / alpha[i] - lam_dot / lam  # d log(α/λ)
        rate_b = alpha_dot[i] / alpha[i] + lam_dot / lam  # d log(αλ)
        coefficients = [
            v + rate_a / 2 * S(t) for (v,), t in zip(vd.tolist(), nu.direction, strict=True)
        ]
        W1.append(arithmetic.surd(alpha[i] / lam, coefficients))
        weight = arithmetic.surd(alpha[i] * lam, [nu.sign * rate_b / 2])
        w2.append(weight if isinstance(weight, Surd) else weight[0])  # a Surd, or one ball
    return {
        "residual": tuple(out(v) for (v,) in r_dot.tolist()),
        "fit": tuple(out(S(a) - b) for a, (b,) in zip(move.y_dot, r_dot.tolist(), strict=True)),
        "alpha": tuple(out(a) for a in alpha_dot),
        "output_bias": out(x[n + p, 0]) if problem.output_bias else None,
        "directions": tuple(v_dot),
        "neuron_fits": tuple(f_dot),
        "W1": tuple(W1),
        "w2": tuple(w2),
    }


def sensitivity(optimal_set, wrt: str = "lam", direction=None) -> Sensitivity:
    """Derivatives of the optimum of an exact or verified optimal set (module docstring).

    Parameters
    ----------
    optimal_set : :func:`exactrelu.optimum.optimal_set.optimal_set` of a ReLU problem, status
        ``"exact"`` (exact rational derivatives) or ``"verified"`` (certified enclosures).
    wrt : ``"lam"``, ``"y"`` or ``"X"``.
    direction : the step of λ (default 1), δy (n numbers) or δX (n rows of d numbers); read
        exactly.

    Raises
    ------
    ExactReluInputError naming the failed condition (an undecided optimal set, dependent fits,
    LICQ, SCS, a δX that moves a zero row or splits parallel face rows) or a bad argument.

    References
    ----------
    docs/theory.md §7 (the reduced KKT system), §8 (sensitivity under LICQ and SCS).
    """
    conditions = check_conditions(optimal_set)  # also refuses a gated problem
    problem = optimal_set.problem
    move = _move(problem, wrt, direction)
    _require_conditions(optimal_set, conditions)
    rows = problem.rows
    X = fmpq_matrix(rows)
    data = [
        neuron_data(
            rows,
            X,
            problem.blocks.patterns,
            Neuron(
                nu.sign,
                np.array(active_rows(rows, nu), dtype=bool),
                np.array(nu.face, dtype=np.int64),
            ),
            False,
        )
        for nu in optimal_set.neurons
    ]
    _require_fixed_faces(problem, data, move.rows_dot)
    matrices = [_neuron_matrices(rows, move.rows_dot, d) for d in data]
    if optimal_set.status == "verified":
        arithmetic, residual = VERIFIED, optimal_set.structure.residual
    else:
        arithmetic, residual = EXACT, optimal_set.residual
    with ctx.workprec(PRECISION):
        values = _differentiate(optimal_set, conditions, residual, matrices, move, arithmetic)
    return Sensitivity(problem, conditions, wrt, move.shown, **values, status=arithmetic.status)
