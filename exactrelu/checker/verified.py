"""Check ``optimal_set`` files with status ``"verified"``: the optimum is irrational, its structure
is proved by a Krawczyk test in ball arithmetic (docs/theory.md §7 "Verified", §8 SCS).

Each check is marked with the item K1-K14 of ``proofs/verified.md`` ("What the checker
verifies"); the proof there says why the items together establish the claims of the file.
Arithmetic: Python ints, Fractions and python-flint ``fmpq_mat`` for everything exact (rows,
projectors, multiplier rows, block bounds, counts), and python-flint ``arb`` / ``arb_mat`` balls
(rigorous enclosures) for the quantities that depend on the irrational solution.  No floats, no
solver, no engine code: the preconditioner, the Jacobian and every enclosure are the checker's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from flint import arb, arb_mat, ctx, fmpq, fmpq_mat

from exactrelu.checker.duality import (
    Program,
    _field,
    _multipliers,
    _pattern_sums,
    _short,
    program_lam,
    read_header,
    with_patterns,
)
from exactrelu.checker.failure import CheckFailure
from exactrelu.checker.network import integer_matrix, rational

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
_MIN_PRECISION, _MAX_PRECISION = 256, 8192  # bits of the checker's balls
_SQRT_BITS = 64  # relative accuracy 2^-64 of the rational upper bound on a square root

Ball = tuple[Fraction, Fraction]  # (mid, rad): the closed interval |x − mid| <= rad


def check_verified_optimal_set(
    cert: dict, X: Sequence[Sequence[Fraction]], y: Sequence[Fraction] | None
) -> str:
    """Verify an ``optimal_set`` file with status ``"verified"``; return a one-line summary."""
    program = _program(cert, X, y, models=("relu", "gated"))  # K1-K2
    section = _field(cert, "certificate", dict)
    _core(section, program)  # K3
    listed = _field(section, "neurons", list)
    if not listed:
        raise CheckFailure("a verified structure needs at least one neuron")
    neurons = [_neuron(j, item, program) for j, item in enumerate(listed)]  # K4-K5
    n, p = len(program.rows), len(neurons)
    size = n + p + (1 if program.output_bias else 0)
    mids, rads = _box(section, size)  # K6
    with ctx.workprec(precision(section)):
        system = _System(program, neurons)
        box = [_ball(m, r) for m, r in zip(mids, rads, strict=True)]
        tight, contraction = system.krawczyk(mids, rads, box)  # K7
        r_box = _column(box[:n])

        def on_box(L: fmpq_mat) -> arb_mat:
            return arb_mat(L) * r_box

        _alphas_positive(mids, rads, n, p)  # K8
        for j, nu in enumerate(neurons):
            if program.model == "gated":  # K4g: no cone, so no signs and no face to check
                continue
            _signs(j, nu, on_box, program)  # K9
            _face_multipliers(j, nu, on_box)  # K10
        untied = _blocks(section, program, neurons, mids[:n], rads[:n])  # K11
        claims = _Enclosures(system, tight)
        _claims(cert, program, neurons, claims)  # K12-K14
        mid, rad = _exact(claims.optimum)
    return (
        f"valid: verified optimal set, optimum {_short(mid)} ± {_short(rad)}, "
        f"{p} neuron{'s' if p > 1 else ''} ({sum(len(nu.cells) for nu in neurons)} blocks of E), "
        f"unique network; Krawczyk K(X) inside X (width ratio <= {_short(contraction)}); "
        f"{untied} other blocks strictly below λ ({program.scope})"
    )


# ---------------------------------------------------------------------------------------------
# K1-K3: the data, the program and the certificate's header


def _program(
    cert: dict,
    X: Sequence[Sequence[Fraction]],
    y: Sequence[Fraction] | None,
    kind: str = "optimal_set",
    read_lam: Callable[[dict, int], Fraction] = program_lam,
    models: tuple[str, ...] = ("relu",),
):
    """K1 (as D1 of proofs/duality.md) and K2 (D2: the pattern list, complete for "all");
    ``kind`` and ``read_lam`` (λ_s from the file) differ for ``"verified_interval"`` files
    (items T1-T2 of proofs/verified.md).  The enclosure of β is "output_bias_value" (K3 checks
    the certificate agrees with the option)."""
    section = _field(cert, "certificate", dict)
    return with_patterns(read_header(cert, X, y, kind, models, read_lam), cert, section, X, y)


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
# K4-K5: the neurons and their exact matrices


@dataclass(frozen=True)
class _Neuron:
    sign: int
    active: list[int]  # rows with x̃_k·v > 0 (off the face)
    face: list[int]  # nonzero rows with x̃_k·v = 0
    planes: list[tuple[int, list[int], list[Fraction]]]  # (representative h, rows, x̃_k = c x̃_h)
    licq: bool
    cells: list[int]  # the tied patterns (recomputed)
    V: fmpq_mat  # P Z_νᵀ (D × n): v = V r
    XV: fmpq_mat  # X̃ V (n × n): x̃_k·v = (X̃ V r)_k
    sides: fmpq_mat | None  # LICQ: 2 rows per hyperplane, its two side multipliers in r
    cell_rows: dict[int, tuple[list[int], fmpq_mat]]  # tied cell -> (basis S, μ_S rows in r)


def _matrix(rows) -> fmpq_mat:
    return fmpq_mat([[fmpq(v.numerator, v.denominator) for v in row] for row in rows])


def _indices(value: object, n: int, what: str) -> list[int]:
    if (
        not isinstance(value, list)
        or not all(type(k) is int and 0 <= k < n for k in value)
        or value != sorted(set(value))
    ):
        raise CheckFailure(f"{what} must be increasing row indices < {n}")
    return value


def _neuron(j: int, item: object, program: Program) -> _Neuron:
    """K4: sign, active rows and face of neuron j, its hyperplanes (recomputed and compared),
    LICQ and its tied cells; K5: the exact projector and multiplier rows."""
    if not isinstance(item, dict):
        raise CheckFailure(f"certificate neuron {j} must be an object")
    rows, n = program.rows, len(program.rows)
    D = len(rows[0])
    s = item.get("sign")
    if type(s) is not int or s not in (1, -1):
        raise CheckFailure(f"neuron {j}: sign must be 1 or -1")
    active = _indices(item.get("active"), n, f"neuron {j} active")
    face = _indices(item.get("face"), n, f"neuron {j} face")
    if set(active) & set(face) or any(not any(rows[k]) for k in active + face):
        raise CheckFailure(f"neuron {j}: active and face rows must be disjoint nonzero rows")
    if program.model == "gated" and (s != 1 or face):  # K4g: one unconstrained block
        raise CheckFailure(f"neuron {j}: a gated neuron has sign 1 and no face")
    planes = _hyperplanes(rows, face)
    stated = item.get("hyperplanes")
    if not isinstance(stated, list) or len(stated) != len(planes):
        raise CheckFailure(f"neuron {j}: hyperplanes must group its {len(face)} face rows")
    for (h, members, ratios), plane in zip(planes, stated, strict=True):
        if (
            not isinstance(plane, dict)
            or plane.get("representative") != h
            or plane.get("rows") != members
            or not isinstance(plane.get("ratios"), list)
            or [rational(c, f"neuron {j} ratio") for c in plane["ratios"]] != ratios
        ):
            raise CheckFailure(
                f"neuron {j}: hyperplanes are not the face rows grouped by parallels"
            )
    # K5: P = I − Bᵀ(BBᵀ)⁻¹B projects onto L = {u : x̃_k·u = 0 on the face}; V = P Z_νᵀ.
    on = set(active)
    Zt = _matrix([[s * rows[k][i] if k in on else 0 for k in range(n)] for i in range(D)])
    identity = fmpq_mat([[int(a == b) for b in range(D)] for a in range(D)])
    complement = fmpq_mat(D, D)
    licq = True
    if face:
        reps = _matrix([rows[h] for h, _, _ in planes])
        licq = reps.rank() == len(planes)
        reduced, rank = _matrix([rows[k] for k in face]).rref()
        B = fmpq_mat([[reduced[a, b] for b in range(D)] for a in range(rank)])
        complement = B.transpose() * (B * B.transpose()).solve(B)
    P = identity - complement
    V = P * Zt
    cells = _tied(program, active, face)
    if not cells:
        raise CheckFailure(f"neuron {j}: no pattern of the program is tied to it")
    if item.get("cells") != cells:
        raise CheckFailure(f"neuron {j} has cells {item.get('cells')}, the patterns give {cells}")
    sides, bases = None, item.get("cell_bases")
    if face and licq:
        if bases is not None:
            raise CheckFailure(f"neuron {j}: cell_bases only when the face rows are dependent")
        sides = _side_rows(planes, reps, Zt, s, n)
        bases = [{"cell": i, "rows": [h for h, _, _ in planes]} for i in cells]
    cell_rows = {}
    if face:
        cell_rows = _cell_rows(j, bases, cells, program, s, face, complement)
    return _Neuron(s, active, face, planes, licq, cells, V, _matrix(rows) * V, sides, cell_rows)


def _hyperplanes(rows, face: list[int]) -> list[tuple[int, list[int], list[Fraction]]]:
    """Face rows grouped by hyperplane: a group's representative is its first row h, and each
    member k has x̃_k = c_k x̃_h (c_k ≠ 0, c_h = 1)."""
    groups: list[tuple[int, list[int], list[Fraction]]] = []
    for k in face:
        for h, members, ratios in groups:
            i = next(t for t, v in enumerate(rows[h]) if v != 0)
            c = rows[k][i] / rows[h][i]
            if all(a == c * b for a, b in zip(rows[k], rows[h], strict=True)):
                members.append(k)
                ratios.append(c)
                break
        else:
            groups.append((k, [k], [Fraction(1)]))
    return groups


def _tied(program: Program, active: list[int], face: list[int]) -> list[int]:
    """K4: the patterns that agree with the neuron on every nonzero row off its face."""
    rows, on, zero = program.rows, set(active), set(face)
    off = [k for k in range(len(rows)) if any(rows[k]) and k not in zero]
    want = np.array([1 if k in on else 0 for k in off], dtype=np.uint8)
    agree = np.all(program.matrix[:, off] == want, axis=1)
    return [int(i) for i in np.nonzero(agree)[0]]


def _side_rows(planes, reps: fmpq_mat, Zt: fmpq_mat, s: int, n: int) -> fmpq_mat:
    """K5 (LICQ): rows L with L r = the two multipliers of each face hyperplane H (docs/theory.md
    §8): ``γ_H + s Σ_{k∈H, c_k<0} c_k r_k`` (the side x̃_h·u < 0) and
    ``−γ_H − s Σ_{k∈H, c_k>0} c_k r_k`` (the side x̃_h·u > 0), where
    ``γ = (B Bᵀ)⁻¹ B Z_νᵀ r`` are the coordinates of ``(I − P) Z_νᵀ r`` on the representatives."""
    gamma = (reps * reps.transpose()).solve(reps * Zt)
    out = []
    for t, (_, members, ratios) in enumerate(planes):
        negative = [gamma[t, k] for k in range(n)]
        positive = [-gamma[t, k] for k in range(n)]
        for k, c in zip(members, ratios, strict=True):
            q = fmpq(c.numerator, c.denominator) * s
            if c < 0:
                negative[k] += q
            else:
                positive[k] -= q
        out += [negative, positive]
    return fmpq_mat(out)


def _cell_rows(j, bases, cells, program: Program, s: int, face, complement: fmpq_mat):
    """K5: for each tied cell b a basis S of its face rows ``a_k = (2p_bk − 1) x̃_k`` (as many
    as the rank of the face: the hyperplanes' representatives with LICQ, else the certificate's
    ``cell_bases``) and the rows of ``μ_S = (A_S A_Sᵀ)⁻¹ A_S (−(I − P) c_b)``,
    ``c_b = s X̃ᵀ D_b r``; as span(A_S) = span(face rows) ∋ (I − P) c_b, ``−A_Sᵀ μ_S = (I − P) c_b``
    exactly."""
    rows, n = program.rows, len(program.rows)
    D = len(rows[0])
    if not isinstance(bases, list) or len(bases) != len(cells):
        raise CheckFailure(f"neuron {j}: dependent face rows need one basis per tied cell")
    rank = complement.rank()
    out = {}
    for entry in bases:
        cell = entry.get("cell") if isinstance(entry, dict) else None
        basis = entry.get("rows") if isinstance(entry, dict) else None
        if (
            type(cell) is not int
            or cell not in cells
            or cell in out
            or not isinstance(basis, list)
            or not all(type(k) is int for k in basis)
        ):
            raise CheckFailure(f"neuron {j}: cell_bases must name each tied cell once")
        if len(basis) != rank or len(set(basis)) != rank or not set(basis) <= set(face):
            raise CheckFailure(f"neuron {j}, cell {cell}: the basis needs {rank} face rows")
        pattern = program.patterns[cell]
        A = _matrix([[(1 if pattern[k] == "1" else -1) * v for v in rows[k]] for k in basis])
        if A.rank() != rank:
            raise CheckFailure(f"neuron {j}, cell {cell}: the basis rows are dependent")
        plain = _matrix(
            [[s * rows[k][i] if pattern[k] == "1" else 0 for k in range(n)] for i in range(D)]
        )
        out[cell] = (list(basis), (A * A.transpose()).solve(A * (-(complement * plain))))
    return out


# ---------------------------------------------------------------------------------------------
# K6-K7: the box and the Krawczyk test


def precision(section: dict) -> int:
    """Bits of the checker's balls: the engine's ``precision_bits`` + 64, within bounds
    (precision affects how tight the balls are, never soundness)."""
    bits = section.get("precision_bits")
    if type(bits) is not int:
        return _MIN_PRECISION
    return min(max(_MIN_PRECISION, bits + 64), _MAX_PRECISION)


def _parse_ball(obj: object, what: str) -> Ball:
    if not isinstance(obj, dict):
        raise CheckFailure(f"{what} must be an enclosure {{mid, rad}}")
    mid, rad = rational(obj.get("mid"), f"{what} mid"), rational(obj.get("rad"), f"{what} rad")
    if rad < 0:
        raise CheckFailure(f"{what} has a negative radius")
    return mid, rad


def _box(section: dict, size: int) -> tuple[list[Fraction], list[Fraction]]:
    """K6: the box X = mid ± rad: ``size`` rationals each, radii > 0."""
    box = _field(section, "box", dict)
    mids, rads = box.get("mid"), box.get("rad")
    if (
        not isinstance(mids, list)
        or not isinstance(rads, list)
        or not len(mids) == len(rads) == size
    ):
        raise CheckFailure(f"box needs {size} midpoints and {size} radii (r, alpha[, beta])")
    mids = [rational(v, "box mid") for v in mids]
    rads = [rational(v, "box rad") for v in rads]
    if any(v <= 0 for v in rads):
        raise CheckFailure("box radii must be > 0")
    return mids, rads


def _arb(value: Fraction) -> arb:
    return arb(fmpq(value.numerator, value.denominator))


def _ball(mid: Fraction, rad: Fraction) -> arb:
    """A ball containing the closed interval [mid − rad, mid + rad]."""
    return _arb(mid) + arb(0, fmpq(rad.numerator, rad.denominator))


def _column(values) -> arb_mat:
    return arb_mat([[v] for v in values])


def _exact(x: arb) -> Ball:
    """The exact (mid, rad) of a finite arb ball."""
    if not x.is_finite():
        raise CheckFailure("an enclosure is not finite")
    out = []
    for part in (x.mid(), x.rad()):
        if part.is_zero():
            out.append(Fraction(0))
            continue
        m, e = part.man_exp()
        m, e = int(m), int(e)
        out.append(Fraction(m << e) if e >= 0 else Fraction(m, 1 << -e))
    return out[0], out[1]


def _bounds(x: arb) -> tuple[Fraction, Fraction]:
    mid, rad = _exact(x)
    return mid - rad, mid + rad


class _System:
    """The reduced KKT system in x = (r, α[, β]) (docs/theory.md §7), with ``v_ν = V_ν r`` and
    ``f_ν = V_νᵀ v_ν = M_ν r`` (``M_ν = Z_ν P_ν Z_νᵀ = V_νᵀ V_ν``, P_ν symmetric idempotent):

        G(x) = ( r + Σ_ν α_ν f_ν (+ β·1) − y,   (‖v_ν‖² − λ_s²)/2 for each ν   (, 1ᵀr) ),
        J(x) = [[I + Σ_ν α_ν M_ν, F (, 1)], [Fᵀ, 0 (, 0)] (, [1ᵀ, 0, 0])].
    """

    def __init__(self, program: Program, neurons: list[_Neuron]) -> None:
        self.n, self.p = len(program.rows), len(neurons)
        self.bias = program.output_bias
        self.size = self.n + self.p + (1 if self.bias else 0)
        self.V = [arb_mat(nu.V) for nu in neurons]
        self.M = [arb_mat(nu.V.transpose() * nu.V) for nu in neurons]
        self.y = [_arb(v) for v in program.y]
        self.lam = _arb(program.lam)
        self.divisor = program.divisor

    def split(self, x: list[arb]):
        n, p = self.n, self.p
        return _column(x[:n]), x[n : n + p], (x[-1] if self.bias else None)

    def parts(self, r: arb_mat) -> tuple[list[arb_mat], list[arb_mat]]:
        """The directions ``v_ν`` and the fits ``f_ν`` (columns) at r."""
        v = [V * r for V in self.V]
        return v, [V.transpose() * w for V, w in zip(self.V, v, strict=True)]

    def equations(self, x: list[arb]) -> arb_mat:
        r, alpha, beta = self.split(x)
        v, f = self.parts(r)
        out = []
        for k in range(self.n):
            value = (
                r[k, 0]
                - self.y[k]
                + sum((a * fk[k, 0] for a, fk in zip(alpha, f, strict=True)), arb(0))
            )
            out.append(value + beta if beta is not None else value)
        for w in v:
            norm2 = sum((w[i, 0] * w[i, 0] for i in range(w.nrows())), arb(0))
            out.append((norm2 - self.lam * self.lam) / 2)
        if self.bias:
            out.append(sum((r[k, 0] for k in range(self.n)), arb(0)))
        return _column(out)

    def jacobian(self, x: list[arb]) -> arb_mat:
        r, alpha, _ = self.split(x)
        n = self.n
        top = arb_mat([[int(a == b) for b in range(n)] for a in range(n)])
        for a, M in zip(alpha, self.M, strict=True):
            top += M * a
        _, f = self.parts(r)
        top = top.tolist()
        one = [arb(1)] if self.bias else []
        zeros = [arb(0)] * (self.size - n)
        rows = [top[k] + [fk[k, 0] for fk in f] + one for k in range(n)]
        rows += [[fk[k, 0] for k in range(n)] + zeros for fk in f]
        if self.bias:
            rows.append([arb(1)] * n + zeros)
        return arb_mat(rows)

    def krawczyk(
        self, mids, rads, box: list[arb], value: arb_mat | None = None
    ) -> tuple[list[arb], Fraction]:
        """K7: with C the midpoint of the inverse of J(x̃) (any matrix would do) check
        ``K(X) − x̃ = −C G(x̃) + (I − C J(X))·[−ρ, ρ]`` lies strictly inside ``[−ρ, ρ]``;
        returns the balls of K(X) (they contain the unique zero) and the largest ratio
        ``sup|K_i − x̃_i| / ρ_i``.  For a tube ``value`` encloses G on the centre line
        instead of ``G(x̃)`` and ``box`` is the tube's hull (T6)."""
        center = [_arb(m) for m in mids]
        try:
            C = self.jacobian(center).inv().mid()
        except ZeroDivisionError:
            raise CheckFailure("the Jacobian at the box midpoint is singular") from None
        identity = arb_mat([[int(a == b) for b in range(self.size)] for a in range(self.size)])
        delta = _column([arb(0, fmpq(r.numerator, r.denominator)) for r in rads])
        value = self.equations(center) if value is None else value
        step = (identity - C * self.jacobian(box)) * delta - C * value
        tight, ratio = [], Fraction(0)
        for i in range(self.size):
            mid, rad = _exact(step[i, 0])
            width = abs(mid) + rad
            if not width < rads[i]:
                raise CheckFailure(
                    f"Krawczyk test fails: K(X) is not inside the box in unknown {i} "
                    "(no unique solution of the reduced KKT system proved)"
                )
            ratio = max(ratio, width / rads[i])
            tight.append(center[i] + step[i, 0])
        return tight, ratio


# ---------------------------------------------------------------------------------------------
# K8-K10: the strict inequalities on the box


def _alphas_positive(mids, rads, n: int, p: int) -> None:
    """K8: α_ν > 0 on the box."""
    for j in range(p):
        if not mids[n + j] - rads[n + j] > 0:
            raise CheckFailure(f"neuron {j}: alpha > 0 does not hold on the box")


Linear = Callable[[fmpq_mat], arb_mat]
"""Balls of ``L r`` for every r of the enclosure (the box, or a tube: T8-T9)."""


def _signs(j: int, nu: _Neuron, linear: Linear, program: Program) -> None:
    """K9: ``x̃_k·v_ν > 0`` on the active rows, ``< 0`` on the other nonzero rows off the face
    (on the face ``x̃_k·v_ν = 0`` by construction: ``v_ν ∈ L_ν``)."""
    values = linear(nu.XV)
    face, active = set(nu.face), set(nu.active)
    for k, row in enumerate(program.rows):
        if k in face or not any(row):
            continue
        value = values[k, 0]
        if not (value > 0 if k in active else value < 0):
            raise CheckFailure(
                f"neuron {j}: x̃_k·v does not have the stated sign on row {k} on the enclosure"
            )


def _face_multipliers(j: int, nu: _Neuron, linear: Linear) -> None:
    """K10 (SCS): the face multipliers μ_S of every tied cell are > 0 on the box (with LICQ
    these are the side multipliers of docs/theory.md §8 of the sides the cell lies on)."""
    for cell, (basis, rows) in nu.cell_rows.items():
        values = linear(rows)
        if not all(values[t, 0] > 0 for t in range(len(basis))):
            raise CheckFailure(
                f"neuron {j}, cell {cell}: face multipliers not > 0 on the enclosure"
            )


# ---------------------------------------------------------------------------------------------
# K11: every block not tied to a neuron is strictly below λ


def _sqrt_upper(value: Fraction) -> Fraction:
    """A rational upper bound on √value (value >= 0)."""
    a, b = value.numerator, value.denominator
    scale = 1 << _SQRT_BITS
    return Fraction(math.isqrt(a * b * scale * scale) + 1, b * scale)


def _blocks(section, program: Program, neurons: list[_Neuron], mids, rads) -> int:
    """K11: ``‖Z_bᵀ r + A_bᵀ μ_b‖ < λ_s`` for every r in the box and every block b = (i, s) not
    tied to a neuron (μ_b from ``block_multipliers``, else 0).  Exact: with a dyadic
    ``r₀ = z / 2^K`` and ``d_k = |mid_k − r₀_k| + rad_k``, every r in the box has
    ``‖c_b(r) − c_b(r₀)‖ <= ‖e‖``, ``e_j = Σ_k d_k |x̃_kj|``; so ``‖c_b(r₀) + A_bᵀμ‖ < λ_s − √‖e‖²``
    (an upper bound of the root) suffices, compared as integers over ``2^K Q R``."""
    rows, n = program.rows, len(program.rows)
    count = len(program.patterns)
    tied = {(i, nu.sign) for nu in neurons for i in nu.cells}
    signs = (1,) if program.model == "gated" else (1, -1)  # a gated block has no cone: μ = 0
    entries = _multipliers(section.get("block_multipliers"), count, signs, n)
    if program.model == "gated" and entries:
        raise CheckFailure("a gated block has no cone rows: block_multipliers must be empty")
    if set(entries) & tied:
        raise CheckFailure("block_multipliers name a block tied to a neuron")
    smallest = min(rads)
    K = max(0, smallest.denominator.bit_length() - smallest.numerator.bit_length() + 10)
    z = [round(m * (1 << K)) for m in mids]
    deviation = [abs(m - Fraction(t, 1 << K)) + r for m, t, r in zip(mids, z, rads, strict=True)]
    e = [
        sum((dk * abs(row[i]) for dk, row in zip(deviation, rows, strict=True)), Fraction(0))
        for i in range(len(rows[0]))
    ]
    threshold = program.lam - _sqrt_upper(sum((v * v for v in e), Fraction(0)))
    if threshold <= 0:
        raise CheckFailure("the box is too wide to bound the blocks below λ")
    B, Q = integer_matrix(rows)
    C = _pattern_sums(program.matrix, [[t * b for b in row] for t, row in zip(z, B, strict=True)])
    # ‖w‖ / (2^K Q R) < T = a/c  ⟺  ‖w‖² c² < (a 2^K Q R)²
    a, c = threshold.numerator, threshold.denominator
    limit = (a * (1 << K) * Q) ** 2
    norms = (C * C).sum(axis=1).tolist()
    checked = 0
    for i in range(count):
        for s in signs:
            if (i, s) in tied:
                continue
            checked += 1
            if (i, s) not in entries:
                if not norms[i] * c * c < limit:
                    raise CheckFailure(f"block (pattern {i}, sign {s}) not proved below λ")
                continue
            terms = entries[i, s]
            R = math.lcm(*(q for _, (_, q) in terms))
            w = [s * R * v for v in C[i].tolist()]
            for k, (num, q) in terms:
                m = num * (R // q) * (1 << K) * (1 if program.patterns[i][k] == "1" else -1)
                w = [x + m * b for x, b in zip(w, B[k], strict=True)]
            if not sum(x * x for x in w) * c * c < limit * R * R:
                raise CheckFailure(f"block (pattern {i}, sign {s}) not proved below λ")
    return checked


# ---------------------------------------------------------------------------------------------
# K12-K14: the file's claims


class _Enclosures:
    """Balls of the proved quantities, computed from K(X) (which contains the zero x*)."""

    def __init__(self, system: _System, x: list[arb]) -> None:
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


def _contains(obj: object, x: arb, what: str) -> None:
    """The stated ball ``{mid, rad}`` contains the ball x (exact rational comparison)."""
    mid, rad = _parse_ball(obj, what)
    low, high = _bounds(x)
    if not (mid - rad <= low and high <= mid + rad):
        raise CheckFailure(f"{what}: the stated enclosure does not contain the proved one")


def _balls(values: object, xs: list[arb], what: str) -> None:
    if not isinstance(values, list) or len(values) != len(xs):
        raise CheckFailure(f"{what} must be a list of {len(xs)} enclosures")
    for t, (obj, x) in enumerate(zip(values, xs, strict=True)):
        _contains(obj, x, f"{what} {t}")


def _claims(cert: dict, program: Program, neurons: list[_Neuron], found: _Enclosures) -> None:
    """K12: neurons (sign, face, active, cells) and every enclosure; K13: counts and flags;
    K14: status and claim labels."""
    listed = _field(cert, "neurons", list)
    if len(listed) != len(neurons):
        raise CheckFailure(
            f"the file lists {len(listed)} neurons, the certificate proves {len(neurons)}"
        )
    r_box = _column(found.tight[: len(program.rows)])
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
        _contains(item.get("alpha"), found.alpha[j], f"{what} alpha")
        _balls(item.get("direction"), found.direction[j], f"{what} direction")
        _balls(item.get("W1"), found.W1[j], f"{what} W1")
        _contains(item.get("w2"), found.w2_abs[j] * nu.sign, f"{what} w2")
        _face_claims(j, item, nu, r_box)
    network = _field(cert, "network", dict)
    W1, w2 = network.get("W1"), network.get("w2")
    if not isinstance(W1, list) or len(W1) != len(neurons):
        raise CheckFailure(f"network W1 must have {len(neurons)} rows")
    for j, row in enumerate(W1):
        _balls(row, found.W1[j], f"network W1 row {j}")
    _balls(w2, [a * nu.sign for a, nu in zip(found.w2_abs, neurons, strict=True)], "network w2")
    _balls(cert.get("residual"), found.residual, "residual")
    _contains(cert.get("optimum"), found.optimum, "optimum")
    if program.output_bias:  # the enclosure of β
        _contains(cert.get("output_bias_value"), found.beta, "output_bias_value")
    elif cert.get("output_bias_value") is not None:
        raise CheckFailure("output_bias_value must be null without an output bias")
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
    claims = _field(cert, "claims", dict)
    allowed = set(_CLAIMS) - (set() if program.output_bias else {"output_bias"})
    for name, label in claims.items():
        if name not in allowed or label != "verified":
            raise CheckFailure(f"claim {name!r}: {label!r} is not verified by this file")


def _face_claims(j: int, item: dict, nu: _Neuron, r: arb_mat) -> None:
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
                _contains(pair[side], values[2 * t + side, 0], f"neuron {j} face multiplier {t}")
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
        _balls(
            entry.get("values"),
            [values[t, 0] for t in range(values.nrows())],
            f"neuron {j} cell {cell} multiplier",
        )
