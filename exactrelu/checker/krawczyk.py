"""The reduced KKT system of a verified structure and its Krawczyk test (proofs/verified.md,
items K1-K2, K4-K5 and K7-K11), shared by ``verified.py`` (one λ, a box) and ``interval.py`` (a λ
interval, a tube: T2, T4, T6-T10).

A structure names neurons (sign, active rows, face); from them alone the checker builds the exact
matrices of each neuron (K4-K5: projector, ``V_ν``, side and cell multiplier rows, in ``fmpq_mat``),
the reduced system ``G(x) = 0`` in ``x = (r, α[, β])`` with its Jacobian, evaluated in ``arb``
balls (K7: Krawczyk's test proves a unique zero in the box), and the strict inequalities that
make that zero the optimum: α > 0 (K8), the neurons' signs (K9), positive face multipliers (K10),
every other block strictly below λ (K11, exact integers).  Its own preconditioner, Jacobian and
enclosures: nothing of the engine's computation is trusted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from flint import arb, arb_mat, fmpq, fmpq_mat

from exactrelu.checker.balls import column, mid_rad, to_arb
from exactrelu.checker.duality import (
    Program,
    parse_multipliers,
    pattern_sums,
    program_lam,
    read_header,
    with_patterns,
)
from exactrelu.checker.failure import CheckFailure
from exactrelu.checker.fields import field, matrix, rational
from exactrelu.checker.network import integer_matrix

_SQRT_BITS = 64  # relative accuracy 2^-64 of the rational upper bound on a square root


# ---------------------------------------------------------------------------------------------
# K1-K2: the data and the program


def read_structure_program(
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
    section = field(cert, "certificate", dict)
    return with_patterns(read_header(cert, X, y, kind, models, read_lam), cert, section, X, y)


# ---------------------------------------------------------------------------------------------
# K4-K5: the neurons and their exact matrices


@dataclass(frozen=True)
class Neuron:
    """One neuron ν of a verified structure (K4) and its exact matrices (K5)."""

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


def _indices(value: object, n: int, what: str) -> list[int]:
    if (
        not isinstance(value, list)
        or not all(type(k) is int and 0 <= k < n for k in value)
        or value != sorted(set(value))
    ):
        raise CheckFailure(f"{what} must be increasing row indices < {n}")
    return value


def read_neuron(j: int, item: object, program: Program) -> Neuron:
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
    Zt = matrix([[s * rows[k][i] if k in on else 0 for k in range(n)] for i in range(D)])
    identity = fmpq_mat([[int(a == b) for b in range(D)] for a in range(D)])
    complement = fmpq_mat(D, D)
    licq = True
    if face:
        reps = matrix([rows[h] for h, _, _ in planes])
        licq = reps.rank() == len(planes)
        reduced, rank = matrix([rows[k] for k in face]).rref()
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
    return Neuron(s, active, face, planes, licq, cells, V, matrix(rows) * V, sides, cell_rows)


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
        A = matrix([[(1 if pattern[k] == "1" else -1) * v for v in rows[k]] for k in basis])
        if A.rank() != rank:
            raise CheckFailure(f"neuron {j}, cell {cell}: the basis rows are dependent")
        plain = matrix(
            [[s * rows[k][i] if pattern[k] == "1" else 0 for k in range(n)] for i in range(D)]
        )
        out[cell] = (list(basis), (A * A.transpose()).solve(A * (-(complement * plain))))
    return out


# ---------------------------------------------------------------------------------------------
# K7: the reduced KKT system and the Krawczyk test


class System:
    """The reduced KKT system in x = (r, α, w) (docs/theory.md §7), with ``v_ν = V_ν r`` and
    ``f_ν = V_νᵀ v_ν = M_ν r`` (``M_ν = Z_ν P_ν Z_νᵀ = V_νᵀ V_ν``, P_ν symmetric idempotent) and
    a free linear term ``Q w`` with q columns:

        G(x) = ( r + Σ_ν α_ν f_ν + Q w − y,   (‖v_ν‖² − λ_s²)/2 for each ν,   Qᵀ r ),
        J(x) = [[I + Σ_ν α_ν M_ν, F, Q], [Fᵀ, 0, 0], [Qᵀ, 0, 0]].

    By default (proofs/verified.md, K7) Q is the column 1 with an output bias (w = (β), the
    last row ``1ᵀr``) and empty without one; with mirror ties (proofs/mirror_ties.md §2, M3)
    Q is the checker's own basis of range(X̃) (``free``: n × q, exact)."""

    def __init__(
        self, program: Program, neurons: list[Neuron], free: fmpq_mat | None = None
    ) -> None:
        self.n, self.p = len(program.rows), len(neurons)
        if free is None:  # the output-bias column 1 (the special case Q = [1])
            self.bias = program.output_bias
            columns = [[arb(1)] * self.n] if self.bias else []
        else:  # mirror ties: β is not an unknown of its own, it is part of Q w
            self.bias = False
            columns = [[arb(free[k, j]) for k in range(self.n)] for j in range(free.ncols())]
        self.Q = columns  # the columns of Q, as balls (exact rationals)
        self.q = len(columns)
        self.size = self.n + self.p + self.q
        self.V = [arb_mat(nu.V) for nu in neurons]
        self.M = [arb_mat(nu.V.transpose() * nu.V) for nu in neurons]
        self.y = [to_arb(v) for v in program.y]
        self.lam = to_arb(program.lam)
        self.divisor = program.divisor

    def split(self, x: list[arb]):
        """(r, α, β): β the output bias of the default system, else None (see
        :meth:`free_term`)."""
        n, p = self.n, self.p
        return column(x[:n]), x[n : n + p], (x[-1] if self.bias else None)

    def free_term(self, x: list[arb]) -> list[arb]:
        """The coordinates w of the free linear term Q w (β alone with an output bias)."""
        return x[self.n + self.p :]

    def parts(self, r: arb_mat) -> tuple[list[arb_mat], list[arb_mat]]:
        """The directions ``v_ν`` and the fits ``f_ν`` (columns) at r."""
        v = [V * r for V in self.V]
        return v, [V.transpose() * w for V, w in zip(self.V, v, strict=True)]

    def equations(self, x: list[arb]) -> arb_mat:
        r, alpha, _ = self.split(x)
        w = self.free_term(x)
        v, f = self.parts(r)
        out = []
        for k in range(self.n):
            value = (
                r[k, 0]
                - self.y[k]
                + sum((a * fk[k, 0] for a, fk in zip(alpha, f, strict=True)), arb(0))
            )
            for Qj, wj in zip(self.Q, w, strict=True):
                value = value + Qj[k] * wj
            out.append(value)
        for u in v:
            norm2 = sum((u[i, 0] * u[i, 0] for i in range(u.nrows())), arb(0))
            out.append((norm2 - self.lam * self.lam) / 2)
        for Qj in self.Q:
            out.append(sum((Qj[k] * r[k, 0] for k in range(self.n)), arb(0)))
        return column(out)

    def jacobian(self, x: list[arb]) -> arb_mat:
        r, alpha, _ = self.split(x)
        n = self.n
        top = arb_mat([[int(a == b) for b in range(n)] for a in range(n)])
        for a, M in zip(alpha, self.M, strict=True):
            top += M * a
        _, f = self.parts(r)
        top = top.tolist()
        zeros = [arb(0)] * (self.size - n)
        rows = [top[k] + [fk[k, 0] for fk in f] + [Qj[k] for Qj in self.Q] for k in range(n)]
        rows += [[fk[k, 0] for k in range(n)] + zeros for fk in f]
        rows += [list(Qj) + zeros for Qj in self.Q]
        return arb_mat(rows)

    def krawczyk(
        self, mids, rads, box: list[arb], value: arb_mat | None = None
    ) -> tuple[list[arb], Fraction]:
        """K7: with C the midpoint of the inverse of J(x̃) (any matrix would do) check
        ``K(X) − x̃ = −C G(x̃) + (I − C J(X))·[−ρ, ρ]`` lies strictly inside ``[−ρ, ρ]``;
        returns the balls of K(X) (they contain the unique zero) and the largest ratio
        ``sup|K_i − x̃_i| / ρ_i``.  For a tube ``value`` encloses G on the centre line
        instead of ``G(x̃)`` and ``box`` is the tube's hull (T6)."""
        center = [to_arb(m) for m in mids]
        try:
            C = self.jacobian(center).inv().mid()
        except ZeroDivisionError:
            raise CheckFailure("the Jacobian at the box midpoint is singular") from None
        identity = arb_mat([[int(a == b) for b in range(self.size)] for a in range(self.size)])
        delta = column([arb(0, fmpq(r.numerator, r.denominator)) for r in rads])
        value = self.equations(center) if value is None else value
        step = (identity - C * self.jacobian(box)) * delta - C * value
        tight, ratio = [], Fraction(0)
        for i in range(self.size):
            mid, rad = mid_rad(step[i, 0])
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


def check_alphas_positive(mids, rads, n: int, p: int) -> None:
    """K8: α_ν > 0 on the box."""
    for j in range(p):
        if not mids[n + j] - rads[n + j] > 0:
            raise CheckFailure(f"neuron {j}: alpha > 0 does not hold on the box")


Linear = Callable[[fmpq_mat], arb_mat]
"""Balls of ``L r`` for every r of the enclosure (the box, or a tube: T8-T9)."""


def check_signs(j: int, nu: Neuron, linear: Linear, program: Program) -> None:
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


def check_face_multipliers(j: int, nu: Neuron, linear: Linear) -> None:
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


def check_untied_blocks(
    section,
    program: Program,
    neurons: list[Neuron],
    mids,
    rads,
    also_tied: frozenset[tuple[int, int]] = frozenset(),
) -> int:
    """K11: ``‖Z_bᵀ r + A_bᵀ μ_b‖ < λ_s`` for every r in the box and every block b = (i, s) not
    tied to a neuron (μ_b from ``block_multipliers``, else 0); with mirror ties (M6 of
    proofs/mirror_ties.md) the blocks ``also_tied`` to a mirror are excluded too (they sit at λ
    exactly by Lemma 3 there) and may not be named by the multipliers.  Exact: with a dyadic
    ``r₀ = z / 2^K`` and ``d_k = |mid_k − r₀_k| + rad_k``, every r in the box has
    ``‖c_b(r) − c_b(r₀)‖ <= ‖e‖``, ``e_j = Σ_k d_k |x̃_kj|``; so ``‖c_b(r₀) + A_bᵀμ‖ < λ_s − √‖e‖²``
    (an upper bound of the root) suffices, compared as integers over ``2^K Q R``."""
    rows, n = program.rows, len(program.rows)
    count = len(program.patterns)
    tied = {(i, nu.sign) for nu in neurons for i in nu.cells} | set(also_tied)
    signs = (1,) if program.model == "gated" else (1, -1)  # a gated block has no cone: μ = 0
    entries = parse_multipliers(section.get("block_multipliers"), count, signs, n)
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
    C = pattern_sums(program.matrix, [[t * b for b in row] for t, row in zip(z, B, strict=True)])
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
