"""Verified optimal sets with mirror ties (``"mirror_ties": true``): the items M1-M9 of
``proofs/mirror_ties.md``.

When ``X̃ᵀr = 0`` every neuron ν of the optimum has a mirror ν̄ (same sign and face, direction −v)
at λ too, the fits are dependent, and the optimal set is the trade polytope
``T = {t : 0 <= t_ν <= a_ν, Σ t_ν s_ν (C v_ν, 0) − b e1 = −w}`` (b the output bias, free, only
with one).  ``verified.py`` runs the verified route's checks with the free linear term Q w (M1,
M3, M4, M6: ``krawczyk.System`` with ``free``); this module adds what is particular to mirror
ties: the checker's own Q, C and e1 (M2), the mirrors and their cells (M5), the vertices of T
and the pivots between them (M7-M8, ball arithmetic, a zero slope only through the exact
face-row identity of §3) and the claims (M9: minimal networks, counts, flags).  Exact parts in
Fractions and python-flint ``fmpq_mat``; the balls are ``arb`` / ``arb_mat`` computed from the
Krawczyk image K(X), which contains the zero x* = (r, a, w).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from flint import arb, arb_mat, fmpq_mat

from exactrelu.checker.balls import column, contains, contains_each, mid_rad, to_arb
from exactrelu.checker.duality import Program
from exactrelu.checker.failure import CheckFailure
from exactrelu.checker.fields import field, matrix, rational
from exactrelu.checker.krawczyk import Neuron

# M9: the claims a file with mirror ties may make; those about the whole set need `complete`.
_CLAIMS = {
    "neurons",
    "residual",
    "optimum",
    "network",
    "unique_function",
    "minimal_networks",
    "unique_network",
    "unique_convex",
    "count_minimal_networks",
    "min_width",
    "same_size",
}
_COMPLETE_CLAIMS = {"count_minimal_networks", "min_width", "same_size"}


def _fraction(x) -> Fraction:
    return Fraction(int(x.p), int(x.q))


# ---------------------------------------------------------------------------------------------
# M1: the flag


def has_mirror_ties(cert: dict, section: dict) -> bool:
    """M1: ``mirror_ties`` is a bool (absent: false) and the certificate has its
    ``mirror_ties`` section exactly when it is true."""
    flag = cert.get("mirror_ties", False)
    if type(flag) is not bool:
        raise CheckFailure(f"mirror_ties must be a bool, got {flag!r}")
    if flag != ("mirror_ties" in section):
        raise CheckFailure("mirror_ties must be true exactly when the certificate has its section")
    if flag:
        field(section, "mirror_ties", dict)
    return flag


def section_of(section: dict) -> dict:
    return field(section, "mirror_ties", dict)


# ---------------------------------------------------------------------------------------------
# M2: Q, C and e1, the checker's own


@dataclass(frozen=True)
class FreeColumns:
    """Q (n × q): the pivot columns J of rref(X̃), and the column 1 with an output bias when
    1 ∉ range(X̃); C (rank × D) the nonzero rows of rref(X̃), so that ``X̃ = X̃_J C``; ``ones``
    the coordinates e1 of 1 in Q's basis (None without an output bias)."""

    Q: fmpq_mat
    C: fmpq_mat
    XJ: list[list[Fraction]]  # the rows of X̃_J (for the face-row identity of §3)
    rank: int
    ones: list[Fraction] | None

    @property
    def q(self) -> int:
        return self.Q.ncols()


def read_free_columns(mirror: dict, program: Program) -> FreeColumns:
    """M2: recompute Q, C and e1 from X̃ and require ``free_columns`` to be exactly Q."""
    rows = program.rows
    n, D = len(rows), len(rows[0])
    X = matrix(rows)
    reduced, rank = X.rref()
    if rank == 0:
        raise CheckFailure("mirror ties need a nonzero data matrix")
    pivots, j = [], 0
    for i in range(rank):
        while reduced[i, j] == 0:
            j += 1
        pivots.append(j)
        j += 1
    C = fmpq_mat([[reduced[i, t] for t in range(D)] for i in range(rank)])
    XJ = [[rows[k][t] for t in pivots] for k in range(n)]
    if matrix(XJ) * C != X:  # X̃ = X̃_J C: every column of X̃ is in range(Q)
        raise CheckFailure("internal: X̃ is not X̃_J C")  # pragma: no cover - rref property
    Q_rows = [list(row) for row in XJ]
    ones = None
    if program.output_bias:
        if matrix([row + [Fraction(1)] for row in XJ]).rank() > rank:  # 1 ∉ range(X̃)
            Q_rows = [row + [Fraction(1)] for row in XJ]
            ones = [Fraction(0)] * rank + [Fraction(1)]
        else:  # X̃_J has independent columns: its unique coordinates of 1
            A = matrix(XJ)
            e = (A.transpose() * A).solve(A.transpose() * fmpq_mat([[1]] * n))
            ones = [_fraction(e[i, 0]) for i in range(rank)]
            if any(
                sum((a * b for a, b in zip(row, ones, strict=True)), Fraction(0)) != 1 for row in XJ
            ):
                raise CheckFailure("internal: 1 is not X̃_J e1")  # pragma: no cover
    stated = mirror.get("free_columns")
    q = len(Q_rows[0])
    if (
        not isinstance(stated, list)
        or len(stated) != n
        or not all(isinstance(row, list) and len(row) == q for row in stated)
        or [[rational(v, "free_columns") for v in row] for row in stated] != Q_rows
    ):
        raise CheckFailure(
            f"free_columns must be Q = the pivot columns of rref(X̃)"
            f"{' and 1' if q > rank else ''} ({n} × {q}, exact)"
        )
    return FreeColumns(matrix(Q_rows), C, XJ, rank, ones)


# ---------------------------------------------------------------------------------------------
# M5: the mirrors


@dataclass(frozen=True)
class Mirror:
    """ν̄ of neuron ``of``: the same sign and face, the other nonzero rows off the face
    active, and as cells the mirrored cells of ν's cells that are in the pattern list."""

    of: int
    sign: int
    face: list[int]
    active: list[int]
    cells: list[int]


def read_mirrors(mirror: dict, program: Program, neurons: list[Neuron]) -> list[Mirror]:
    """M5: recompute every mirror (active rows, cells) and compare with the certificate's."""
    rows = program.rows
    nonzero = [k for k, row in enumerate(rows) if any(row)]
    keys: dict[bytes, list[int]] = {}
    for i, bits in enumerate(program.matrix[:, nonzero].astype(np.uint8)):
        keys.setdefault(bits.tobytes(), []).append(i)
    out = []
    for j, nu in enumerate(neurons):
        face, on = set(nu.face), set(nu.active)
        active = [k for k in nonzero if k not in face and k not in on]
        cells: set[int] = set()
        for c in nu.cells:  # Lemma 2: the mirror cell −C has pattern 1 − D_C on nonzero rows
            flipped = (1 - program.matrix[c, nonzero].astype(np.uint8)).astype(np.uint8).tobytes()
            cells.update(keys.get(flipped, []))
        out.append(Mirror(j, nu.sign, list(nu.face), active, sorted(cells)))
    listed = mirror.get("mirrors")
    if not isinstance(listed, list) or len(listed) != len(out):
        raise CheckFailure(f"certificate mirror_ties.mirrors must list {len(out)} mirrors")
    for item, m in zip(listed, out, strict=True):
        if (
            not isinstance(item, dict)
            or item.get("of") != m.of
            or type(item.get("of")) is not int
            or item.get("active") != m.active
            or item.get("cells") != m.cells
        ):
            raise CheckFailure(
                f"mirror of neuron {m.of}: must have active rows {m.active} and cells {m.cells}"
            )
    return out


def mirror_blocks(mirrors: list[Mirror]) -> frozenset[tuple[int, int]]:
    """M6: the blocks tied to a mirror (at λ exactly, Lemma 3: not bounded)."""
    return frozenset((c, m.sign) for m in mirrors for c in m.cells)


def read_tradeable(mirror: dict, mirrors: list[Mirror]) -> list[int]:
    """§3: the tradeable neurons are those whose mirror has a cell in the program."""
    tradeable = [m.of for m in mirrors if m.cells]
    stated = mirror.get("tradeable")
    if stated != tradeable or not all(type(i) is int for i in stated):
        raise CheckFailure(f"tradeable must be {tradeable} (the mirrors with a cell)")
    return tradeable


# ---------------------------------------------------------------------------------------------
# M7-M8: the trade polytope

Key = tuple[tuple[int, ...], tuple[int, ...]]  # (basic positions, positions at the upper bound)


@dataclass(frozen=True)
class Vertex:
    key: Key
    t: list[arb]  # every t_j (positions in `tradeable`)
    b: arb | None  # the output bias (None without one)
    inverse: arb_mat  # (V_B | −e1)⁻¹


class TradePolytope:
    """``T = {(t, b) : 0 <= t_j <= a_j, Σ_j t_j V_j − b e1 = −w}`` in balls, V_j = s C v (0)."""

    def __init__(
        self,
        free: FreeColumns,
        neurons: list[Neuron],
        tradeable: list[int],
        directions: list[list[arb]],
        alpha: list[arb],
        w: list[arb],
        output_bias: bool,
    ) -> None:
        self.free, self.neurons, self.tradeable = free, neurons, tradeable
        self.q, self.m = free.q, len(tradeable)
        C = arb_mat(free.C)
        self.columns = []
        for i in tradeable:
            coords = C * column(directions[i])
            s = neurons[i].sign
            self.columns.append(
                [coords[t, 0] * s for t in range(free.rank)] + [arb(0)] * (self.q - free.rank)
            )
        self.e = None if not output_bias else [-to_arb(v) for v in free.ones]
        self.upper = [alpha[i] for i in tradeable]
        self.rhs = [-v for v in w]

    def read(self, vertices: object) -> list[Key]:
        """M7: the listed vertices: increasing, disjoint basic and upper positions, as many
        basic coordinates as rows of the system (b, when present, is basic too), distinct."""
        if not isinstance(vertices, list) or not vertices:
            raise CheckFailure("mirror_ties.vertices must be a nonempty list (T is nonempty)")
        need = self.q - (1 if self.e is not None else 0)
        keys: list[Key] = []
        for t, item in enumerate(vertices):
            basic = item.get("basic") if isinstance(item, dict) else None
            upper = item.get("at_upper") if isinstance(item, dict) else None
            if not all(
                isinstance(part, list)
                and all(type(j) is int and 0 <= j < self.m for j in part)
                and part == sorted(set(part))
                for part in (basic, upper)
            ):
                raise CheckFailure(f"vertex {t}: basic and at_upper must be increasing positions")
            if set(basic) & set(upper) or len(basic) != need:
                raise CheckFailure(
                    f"vertex {t}: needs {need} basic coordinates, none of them at a bound"
                )
            key = (tuple(basic), tuple(upper))
            if key in keys:
                raise CheckFailure(f"vertex {t} is listed twice")
            keys.append(key)
        return keys

    def prove(self, key: Key) -> Vertex:
        """M7: ``(t_B, b) = (V_B | −e1)⁻¹ (−w − V_U a_U)`` in balls, every basic t strictly
        inside (0, a): a nondegenerate vertex of T for the exact x*."""
        basis, upper = key
        cols = [self.columns[j] for j in basis] + ([self.e] if self.e is not None else [])
        A = arb_mat([[col[i] for col in cols] for i in range(self.q)])
        rhs = [
            self.rhs[i] - sum((self.columns[j][i] * self.upper[j] for j in upper), arb(0))
            for i in range(self.q)
        ]
        try:
            inverse = A.inv()
        except ZeroDivisionError:
            raise CheckFailure(f"vertex {list(basis)}: V_B is not proved nonsingular") from None
        values = inverse * column(rhs)
        t = [arb(0)] * self.m
        for j in upper:
            t[j] = self.upper[j]
        for pos, j in enumerate(basis):
            value = values[pos, 0]
            if not (value > 0 and self.upper[j] - value > 0):
                raise CheckFailure(
                    f"vertex {list(basis)}: t_{j} is not proved strictly inside (0, a_{j})"
                )
            t[j] = value
        b = values[self.q - 1, 0] if self.e is not None else None
        return Vertex(key, t, b, inverse)

    def neighbours(self, vertex: Vertex) -> list[Key]:
        """M8: the vertex at the end of every edge (one nonbasic t_j leaves its bound), each
        ratio test decided strictly in balls; a slope whose sign is undecided only if it is
        proved exactly zero (:meth:`zero_slope`)."""
        basis, upper = vertex.key
        out = []
        for j in range(self.m):
            if j in basis:
                continue
            direction = -1 if j in upper else 1
            d = vertex.inverse * column(self.columns[j])  # basic values move by −direction·d
            steps: list[tuple[arb, tuple[int, int] | None]] = [(self.upper[j], None)]
            for pos, i in enumerate(basis):
                slope = -direction * d[pos, 0]
                if slope < 0:
                    steps.append((vertex.t[i] / (-slope), (i, 0)))
                elif slope > 0:
                    steps.append(((self.upper[i] - vertex.t[i]) / slope, (i, 1)))
                elif not self.zero_slope(tuple(b for b in basis if b != i), j):
                    raise CheckFailure(
                        f"pivot on t_{j} at vertex {list(basis)}: a slope's sign is undecided"
                    )
            best = min(range(len(steps)), key=lambda s: _midpoint(steps[s][0]))
            if not all(s == best or steps[s][0] > steps[best][0] for s in range(len(steps))):
                raise CheckFailure(f"pivot on t_{j} at vertex {list(basis)}: tied ratio test")
            leaving = steps[best][1]
            new_upper = set(upper)
            if leaving is None:  # t_j reaches its other bound; the basis stays
                out.append((basis, tuple(sorted(new_upper ^ {j}))))
                continue
            i, at_upper = leaving
            new_upper.discard(j)
            if at_upper:
                new_upper.add(i)
            out.append((tuple(sorted((set(basis) - {i}) | {j})), tuple(sorted(new_upper))))
        return out

    def zero_slope(self, others: tuple[int, ...], j: int) -> bool:
        """§3: a face row k shared by the neurons of ``others`` and of j gives
        ``ℓ = (row k of X̃_J, 0)`` with ``ℓ·(C v_ν, 0) = x̃_k·v_ν = 0`` exactly (v_ν ∈ L_ν),
        and ``ℓ·e1 = 0`` is checked exactly when b is basic; ℓ ≠ 0 (x̃_k ≠ 0).  The other basic
        columns (q − 1, independent) then span ℓ^⊥ ∋ column j: the slope is exactly 0."""
        faces = [set(self.neurons[self.tradeable[i]].face) for i in (*others, j)]
        for k in sorted(set.intersection(*faces)):
            ell = list(self.free.XJ[k]) + [Fraction(0)] * (self.q - self.free.rank)
            if not any(ell):
                continue
            if self.e is not None and sum(
                (a * b for a, b in zip(ell, self.free.ones, strict=True)), Fraction(0)
            ):
                continue
            return True
        return False


def _midpoint(x: arb) -> Fraction:
    """Only to choose which step to compare with the others (the comparison decides)."""
    return mid_rad(x)[0]


def check_vertices(mirror: dict, polytope: TradePolytope) -> tuple[list[Vertex], bool]:
    """M7 (every listed vertex proved, distinct) and M8 (``complete``: every pivot from every
    listed vertex decided and leading to a listed vertex)."""
    keys = polytope.read(mirror.get("vertices"))
    complete = mirror.get("complete")
    if type(complete) is not bool:
        raise CheckFailure("mirror_ties.complete must be a bool")
    vertices = [polytope.prove(key) for key in keys]
    if complete:
        listed = set(keys)
        for vertex in vertices:
            for key in polytope.neighbours(vertex):
                if key not in listed:
                    raise CheckFailure(
                        f"vertex {list(vertex.key[0])} pivots to {list(key[0])} "
                        f"(upper {list(key[1])}), not listed: the list is not complete"
                    )
    return vertices, complete


# ---------------------------------------------------------------------------------------------
# M9: the networks and the claims


def weights(vertex: Vertex, alpha: list[arb], tradeable: list[int]):
    """The network of a vertex, as (neuron, is_mirror, β): ``a − t`` on ν and ``t`` on ν̄
    (t at 0: ν alone; t at a: ν̄ alone; not tradeable: ν with a), in neuron order."""
    basis, upper = vertex.key
    position = {i: j for j, i in enumerate(tradeable)}
    out = []
    for i, a in enumerate(alpha):
        j = position.get(i)
        if j is None:
            out.append((i, False, a))
        elif j in basis:
            out += [(i, False, a - vertex.t[j]), (i, True, vertex.t[j])]
        elif j in upper:
            out.append((i, True, vertex.t[j]))
        else:
            out.append((i, False, a))
    return out


def _network(obj: object, entries, directions, neurons, lam: arb, b: arb | None, what: str):
    """A network {W1, w2, output_bias}: ``W1 = √(β/λ) d``, ``w2 = s √(βλ)``, b."""
    if not isinstance(obj, dict):
        raise CheckFailure(f"{what} must be an object")
    W1 = obj.get("W1")
    if not isinstance(W1, list) or len(W1) != len(entries):
        raise CheckFailure(f"{what}: W1 must have {len(entries)} rows")
    w2 = []
    for row, (i, mirrored, beta) in zip(W1, entries, strict=True):
        d = [-v if mirrored else v for v in directions[i]]
        contains_each(row, [(beta / lam).sqrt() * v for v in d], f"{what} W1")
        w2.append((beta * lam).sqrt() * neurons[i].sign)
    contains_each(obj.get("w2"), w2, f"{what} w2")
    if b is None:
        if obj.get("output_bias") is not None:
            raise CheckFailure(f"{what}: output_bias must be null without an output bias")
    else:
        contains(obj.get("output_bias"), b, f"{what} output_bias")


def function_proved(
    output_bias: bool, bias: bool, rank: int, D: int, ones: list[Fraction] | None
) -> bool | None:
    """M9, Corollary 6 of proofs/mirror_ties.md: every optimal network computes one function
    without an output bias, when 1 ∉ range(X̃) (the output bias is not traded), or with a hidden
    bias and rank X̃ = D; otherwise a trade may add an affine function that vanishes on the data
    only, and the claim is not made (null)."""
    if not output_bias or ones is None or (len(ones) > rank and ones[-1] == 1):
        return True
    return True if bias and rank == D else None


def check_mirror_claims(
    cert: dict,
    neurons: list[Neuron],
    mirrors: list[Mirror],
    tradeable: list[int],
    vertices: list[Vertex],
    complete: bool,
    directions: list[list[arb]],
    alpha: list[arb],
    lam: arb,
    unique_function: bool | None,
) -> None:
    """M9: the mirrors, the minimal networks (one per listed vertex, in order), the first of
    them as ``network``, the counts and flags, the status and the claim labels."""
    listed = cert.get("mirrors")
    if not isinstance(listed, list) or len(listed) != len(mirrors):
        raise CheckFailure(f"mirrors must list {len(mirrors)} mirrors")
    for item, m in zip(listed, mirrors, strict=True):
        what = f"mirror of neuron {m.of}"
        if not isinstance(item, dict):
            raise CheckFailure(f"{what} must be an object")
        for name, value in (
            ("of", m.of),
            ("sign", m.sign),
            ("face", m.face),
            ("active", m.active),
            ("cells", m.cells),
        ):
            if item.get(name) != value or type(item.get(name)) is not type(value):
                raise CheckFailure(f"{what}: {name} must be {value!r}")
        contains_each(item.get("direction"), [-v for v in directions[m.of]], f"{what} direction")
    networks = field(cert, "minimal_networks", list)
    if len(networks) != len(vertices):
        raise CheckFailure(
            f"minimal_networks lists {len(networks)} networks, the certificate {len(vertices)} "
            "vertices"
        )
    widths = []
    for t, (obj, vertex) in enumerate(zip(networks, vertices, strict=True)):
        what = f"minimal network {t}"
        entries = weights(vertex, alpha, tradeable)
        widths.append(len(entries))
        if not isinstance(obj, dict) or obj.get("neurons") != [[i, m] for i, m, _ in entries]:
            raise CheckFailure(f"{what}: neurons must be {[[i, m] for i, m, _ in entries]}")
        if not all(type(i) is int and type(m) is bool for i, m in obj["neurons"]):
            raise CheckFailure(f"{what}: neurons must be [index, is_mirror] pairs")
        form = obj.get("alpha_form")
        if not isinstance(form, list) or len(form) != len(entries):
            raise CheckFailure(f"{what}: one alpha_form entry per neuron")
        for item, (i, mirrored, beta) in zip(form, entries, strict=True):
            sign = item.get("sign") if isinstance(item, dict) else None
            if type(sign) is not int or sign != neurons[i].sign:
                raise CheckFailure(f"{what}: the alpha_form entry of neuron {i} has its sign")
            contains(item.get("alpha"), beta, f"{what} alpha")
            d = [-v if mirrored else v for v in directions[i]]
            contains_each(item.get("direction"), d, f"{what} direction")
        _network(obj.get("network"), entries, directions, neurons, lam, vertex.b, what)
    first = vertices[0]
    _network(
        cert.get("network"),
        weights(first, alpha, tradeable),
        directions,
        neurons,
        lam,
        first.b,
        "network",
    )
    if cert.get("output_bias_value") is not None:  # the output bias depends on the network
        raise CheckFailure("output_bias_value must be null with mirror ties")
    count = len(vertices)
    unique_network = False if count > 1 else (True if complete else None)
    unique_convex = False if count > 1 else None
    if complete and count == 1:  # one network: a unique convex solution iff every neuron it
        # uses has one cell (the block-level set is the product of the cells' simplices)
        used = weights(first, alpha, tradeable)
        unique_convex = all(
            len(mirrors[i].cells if mirrored else neurons[i].cells) == 1 for i, mirrored, _ in used
        )
    expected = {
        "unique_function": unique_function,
        "unique_network": unique_network,
        "unique_convex": unique_convex,
        "count_minimal_networks": count,
        "count_is_lower_bound": not complete,
        "min_width": min(widths) if complete else None,
        "same_size": len(set(widths)) == 1 if complete else None,
        "count_minimal_convex": None,
    }
    for name, value in expected.items():
        stated = cert.get(name)
        if stated != value or type(stated) is not type(value):
            raise CheckFailure(f"{name} is {stated!r}, the trade polytope gives {value!r}")
    if cert.get("status") != "verified":
        raise CheckFailure(f"status must be 'verified', got {cert.get('status')!r}")
    claims = field(cert, "claims", dict)
    for name, label in claims.items():
        if (
            name not in _CLAIMS
            or label != "verified"
            or (name in expected and expected[name] is None)
            or (name in _COMPLETE_CLAIMS and not complete)
        ):
            raise CheckFailure(f"claim {name!r}: {label!r} is not verified by this file")
