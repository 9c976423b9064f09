"""Check certificates of kind ``"stationary"``: is a network a stationary point, an optimum of
the program over its own cells, a global optimum?

Each check is marked with the item S1-S11 of ``proofs/stationary.md`` ("What the checker
verifies"); the proof there says why the items together establish the claims.  The dual part
reuses the solve checker (D1-D6 of ``proofs/duality.md``) with the violated blocks left out, and
the nested certificate of the sub-sampled program is a ``certify`` file checked as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from exactrelu.checker.arrangement import Arrangement, integer_row, region_count
from exactrelu.checker.duality import (
    Program,
    check_certify,
    parse_alpha_form,
    read_network,
    read_program,
)
from exactrelu.checker.failure import CheckFailure
from exactrelu.checker.fields import (
    check_float_copies,
    equal,
    field,
    parse_rational,
    rational,
    rational_vector,
    short,
    summary,
)
from exactrelu.checker.network import Network, fit, nc_objective

_CLAIMS = {
    "objective",
    "residual",
    "stationary",
    "neurons",
    "subprogram_optimal",
    "violated",
    "globally_optimal",
    "improving_network",
}
_HEADER = ("n", "d", "bias", "output_bias", "scale", "model", "lam", "data_sha256", "input")

# A neuron W1 = a·v, w2 = s·a·ρ with a > 0: (v, s, ρ).
Neuron = tuple[list[Fraction], int, Fraction]


def check_stationary(
    cert: dict, X: Sequence[Sequence[Fraction]], y: Sequence[Fraction] | None
) -> str:
    """Verify a ``stationary`` certificate; return a one-line summary or raise CheckFailure."""
    if cert.get("status") != "exact":
        raise CheckFailure(f"status must be 'exact', got {cert.get('status')!r}")
    violated = field(cert, "violated", list)
    exempt = _exempt(violated)
    # S1: header, the complete cell list and the dual point, feasible off the violated blocks.
    program = read_program(cert, X, y, "stationary", exempt)
    if program.model != "relu" or not program.complete:
        raise CheckFailure("a stationary file is about the ReLU model over all cells")
    # S2: the network, its exact objective and residual; the dual point is the residual.
    neurons, objective, net = _network_of(cert, program)
    r = _residual(cert, program, neurons, net)
    equal(cert, "objective", program.stated(objective))
    bias_ok = _output_bias_gradient(cert, program, r)
    z = program.dual.z
    mean = sum(r, Fraction(0)) / len(r) if program.output_bias else Fraction(0)
    if program.dual.theta != 1 or z != [v - mean for v in r]:
        raise CheckFailure("the dual point must be the (centred) residual with theta = 1")
    value = program.lower  # D(z) with θ = 1
    equal(cert, "dual_value", program.stated(value))
    # S3-S6: each neuron's adjacent cells and Clarke conditions; the stationary verdict.
    own = _neurons(cert, program, neurons, r)
    stationary = bias_ok and all(entry["stationary"] for entry in cert["neurons"])
    if cert.get("stationary") is not stationary:
        raise CheckFailure(f"stationary must be {stationary}")
    # S7: each claimed violated block has its exact projection, of norm > λ.
    in_own = _violated(violated, program, own)
    # S8: the program over the network's own cells.
    zero_gap = bias_ok and objective == value
    sub_optimal = zero_gap and not in_own
    _subprogram(cert, program, own, sub_optimal, X, y)
    # S9: global optimality.
    globally = zero_gap and not violated
    if cert.get("globally_optimal") is not globally:
        raise CheckFailure(f"globally_optimal must be {globally}")
    # S10: an improving network has an exactly smaller objective.
    improving = _improving(cert, program, objective, globally)
    # S11: the claims are the ones verified.
    claims = field(cert, "claims", dict)
    allowed = _CLAIMS if improving else _CLAIMS - {"improving_network"}
    for name, label in claims.items():
        if name not in allowed or label != "exact":
            raise CheckFailure(f"claim {name!r}: {label!r} is not verified by this file")
    check_float_copies(cert, skip=frozenset({"subprogram"}))  # S12 (S8 checks the nested file)
    return summary(
        cert,
        "stationary",
        f"stationary {stationary}, optimal for its {len(own)} own cells {sub_optimal}, "
        f"globally optimal {globally}; {len(violated)} violated dual constraints of "
        f"{len(program.patterns)} cells x 2 signs; objective {short(program.stated(objective))}",
    )


# ---------------------------------------------------------------------------------------------
# S2: the network


def _network_of(cert: dict, program: Program) -> tuple[list[Neuron], Fraction, Network]:
    """The neurons ``(v, s, ρ)``, the exact objective (sum scale) and a network with the same
    fit, of the file's rational network or α-form (exactly one of them)."""
    form, given = cert.get("alpha_form"), cert.get("network")
    if (form is None) == (given is None):
        raise CheckFailure("a stationary file has exactly one of network and alpha_form")
    if given is not None:
        net = read_network(cert, "network", program, in_program=False)
        neurons = [(row, (w > 0) - (w < 0), abs(w)) for row, w in zip(net.W1, net.w2, strict=True)]
        return neurons, nc_objective(program.rows, program.y, net, program.lam), net
    value, as_network, alphas = parse_alpha_form(form, program, Fraction(0))
    zero = [Fraction(0)] * len(program.rows[0])
    neurons = [
        (v, (w > 0) - (w < 0), program.lam) if a else (zero, 0, program.lam)
        for v, w, a in zip(as_network.W1, as_network.w2, alphas, strict=True)
    ]
    return neurons, value * program.divisor, as_network


def _residual(cert: dict, program: Program, neurons: list[Neuron], net: Network) -> list[Fraction]:
    """S2: ``residual == y − f`` exactly, f the network's fit (output bias included)."""
    r = [a - b for a, b in zip(program.y, fit(program.rows, net), strict=True)]
    if rational_vector(cert.get("residual"), len(r), "residual") != r:
        raise CheckFailure("residual is not y minus the network's fit")
    if len(field(cert, "neurons", list)) != len(neurons):
        raise CheckFailure(f"neurons must list the {len(neurons)} neurons of the network")
    return r


def _output_bias_gradient(cert: dict, program: Program, r: list[Fraction]) -> bool:
    """S6: ``output_bias_gradient == −Σ r`` with an output bias, else null; True when zero."""
    if not program.output_bias:
        if cert.get("output_bias_gradient") is not None:
            raise CheckFailure("output_bias_gradient must be null without an output bias")
        return True
    equal(cert, "output_bias_gradient", -sum(r, Fraction(0)))
    return sum(r, Fraction(0)) == 0


# ---------------------------------------------------------------------------------------------
# S3-S5: one neuron's adjacent cells and Clarke conditions


def _neurons(cert: dict, program: Program, neurons: list[Neuron], r) -> list[str]:
    """S3-S5 for every neuron; returns the sorted distinct cells of the active neurons."""
    own: set[str] = set()
    for j, (entry, (v, s, rho)) in enumerate(zip(cert["neurons"], neurons, strict=True)):
        if not isinstance(entry, dict) or entry.get("index") != j:
            raise CheckFailure(f"neuron entry {j} must be an object with index {j}")
        kind = "zero" if not any(v) and s == 0 else "active" if any(v) and s else "degenerate"
        if entry.get("kind") != kind:
            raise CheckFailure(f"neuron {j} is {kind}, not {entry.get('kind')!r}")
        if kind == "zero":  # S5: W1 = 0, w2 = 0: every Clarke gradient of the neuron is 0
            empty = [entry.get(key) for key in ("face", "cells", "witnesses")] == [[], [], []]
            nothing = entry.get("weights") is None and entry.get("direction") is None
            if not (empty and nothing and entry.get("stationary") is True):
                raise CheckFailure(f"neuron {j} is zero: stationary, with no cells")
            equal(entry, "w2_gradient", Fraction(0))
            continue
        cells = _adjacent(entry, program, v, j)
        if kind == "active":
            own.update(cells)
        _clarke(entry, program, v, s, rho, r, cells, j)
    return sorted(own)


def _adjacent(entry: dict, program: Program, v: list[Fraction], j: int) -> list[str]:
    """S3: the face and the complete list of cells whose closure contains v."""
    rows, n = program.rows, len(program.rows)
    values = [_dot(row, v) for row in rows]
    face = [k for k, t in enumerate(values) if t == 0 and any(rows[k])]
    on_face = set(face)
    if entry.get("face") != face:
        raise CheckFailure(f"neuron {j}: face must be {face}")
    cells, witnesses = entry.get("cells"), entry.get("witnesses")
    if not isinstance(cells, list) or not isinstance(witnesses, list):
        raise CheckFailure(f"neuron {j}: cells and witnesses must be lists")
    if len(cells) != len(witnesses) or len(set(map(str, cells))) != len(cells):
        raise CheckFailure(f"neuron {j}: distinct cells, one witness each")
    for cell, witness in zip(cells, witnesses, strict=True):
        if not isinstance(cell, str) or len(cell) != n or cell.strip("01"):
            raise CheckFailure(f"neuron {j}: a cell is not a pattern of {n} characters 0/1")
        w = rational_vector(witness, len(rows[0]), f"neuron {j} witness")
        for k in range(n):
            # Off the face the cell has v's signs (zero rows '1'); on it, w signs strictly, so
            # v + εw is inside the cell for small ε > 0 and v lies in its closure.
            if k in on_face:
                good = (_dot(rows[k], w) > 0) == (cell[k] == "1") and _dot(rows[k], w) != 0
            else:
                good = (values[k] >= 0) == (cell[k] == "1")
            if not good:
                raise CheckFailure(f"neuron {j}: cell {cell} is not adjacent at row {k}")
    # The list is complete: the face rows' arrangement has exactly that many regions.
    count = 1
    if face:
        arrangement = Arrangement.from_rows([integer_row(rows[k]) for k in face])
        count = region_count(list(arrangement.essential))
    if len(cells) != count:
        raise CheckFailure(f"neuron {j}: {len(cells)} adjacent cells listed, there are {count}")
    return cells


def _clarke(entry, program, v, s, rho, r, cells, j) -> None:
    """S4-S5: the w2-derivative, and a Clarke multiplier or a separating direction."""
    rows, lam = program.rows, program.lam
    values = [_dot(row, v) for row in rows]
    w2_gradient = lam * s * rho - sum(
        (t * q for t, q in zip(values, r, strict=True) if t > 0), Fraction(0)
    )
    equal(entry, "w2_gradient", w2_gradient)
    # The W1-gradient of the cell C (divided by a > 0): λv − sρ Σ_{k: C_k = 1} r_k x̃_k.
    gradients = []
    for cell in cells:
        g = [lam * c for c in v]
        for k, row in enumerate(rows):
            if cell[k] == "1" and r[k]:
                g = [a - s * rho * r[k] * b for a, b in zip(g, row, strict=True)]
        gradients.append(g)
    weights, direction = entry.get("weights"), entry.get("direction")
    if (weights is None) == (direction is None):
        raise CheckFailure(f"neuron {j}: exactly one of weights and direction")
    if weights is not None:
        theta = rational_vector(weights, len(cells), f"neuron {j} weights")
        if any(t < 0 for t in theta) or sum(theta) != 1:
            raise CheckFailure(f"neuron {j}: weights must be >= 0 and sum to 1")
        combined = [
            sum((t * g[i] for t, g in zip(theta, gradients, strict=True)), Fraction(0))
            for i in range(len(v))
        ]
        if any(combined):
            raise CheckFailure(f"neuron {j}: the weighted W1-gradients do not vanish")
    else:
        d = rational_vector(direction, len(v), f"neuron {j} direction")
        worst = max(_dot(g, d) for g in gradients)
        if not worst < 0:
            raise CheckFailure(f"neuron {j}: direction is not a descent direction of every cell")
    stationary = w2_gradient == 0 and weights is not None
    if entry.get("stationary") is not stationary:
        raise CheckFailure(f"neuron {j}: stationary must be {stationary}")


# ---------------------------------------------------------------------------------------------
# S7: violated dual constraints


def _exempt(violated: list) -> frozenset[tuple[int, int]]:
    """The blocks claimed violated (checked in S7), left out of the dual check of S1."""
    blocks = set()
    for item in violated:
        if not isinstance(item, dict):
            raise CheckFailure("each violated entry must be an object")
        i, s = item.get("pattern"), item.get("sign")
        if type(i) is not int or type(s) is not int or s not in (1, -1) or (i, s) in blocks:
            raise CheckFailure(f"violated entry names no new block: {i!r}, {s!r}")
        blocks.add((i, s))
    return frozenset(blocks)


def _violated(violated: list, program: Program, own: list[str]) -> bool:
    """S7: each entry's direction is the exact projection (KKT) of ``Z_bᵀz`` onto the cell's
    cone, of squared norm > λ², with the stated rate; returns whether one is in ``own``."""
    rows, z, lam = program.rows, program.dual.z, program.lam
    in_own = False
    for item in violated:
        i, s = item["pattern"], item["sign"]
        if not 0 <= i < len(program.patterns):
            raise CheckFailure(f"violated entry: no pattern {i}")
        cell = program.patterns[i]
        if item.get("cell") != cell:
            raise CheckFailure(f"violated entry {i}: cell must be {cell}")
        v = rational_vector(item.get("direction"), len(rows[0]), "violated direction")
        mu = field(item, "mu", dict)
        listed, values = mu.get("rows"), mu.get("values")
        if (
            not isinstance(listed, list)
            or not isinstance(values, list)
            or len(listed) != len(values)
            or len(set(map(str, listed))) != len(listed)
            or not all(type(k) is int and 0 <= k < len(rows) for k in listed)
        ):
            raise CheckFailure(f"violated entry {i}: mu needs distinct rows, one value each")
        multipliers = dict(zip(listed, (rational(m, "violated mu") for m in values), strict=True))
        expected = [Fraction(0)] * len(v)
        for k, row in enumerate(rows):
            orient = 1 if cell[k] == "1" else -1
            coefficient = s * z[k] * (cell[k] == "1") + orient * multipliers.get(k, Fraction(0))
            expected = [a + coefficient * b for a, b in zip(expected, row, strict=True)]
            # KKT: v in the cone, multipliers >= 0 and zero off the rows where v is tight.
            slack = orient * _dot(row, v)
            m = multipliers.get(k, Fraction(0))
            if slack < 0 or m < 0 or (m != 0 and slack != 0):
                raise CheckFailure(f"violated entry {i}: KKT fails at row {k}")
        if expected != v:
            raise CheckFailure(f"violated entry {i}: direction is not s·c + Aᵀμ")
        norm2 = _dot(v, v)
        equal(item, "norm2", norm2)
        if not norm2 > lam * lam:
            raise CheckFailure(f"violated entry {i}: ‖v‖² <= λ²")
        equal(item, "rate", program.stated(lam / 2 * (lam * lam - norm2)))
        if item.get("in_subprogram") is not (cell in own):
            raise CheckFailure(f"violated entry {i}: in_subprogram must be {cell in own}")
        in_own = in_own or cell in own
    return in_own


# ---------------------------------------------------------------------------------------------
# S8: the nested certificate of the sub-sampled program


def _subprogram(cert, program, own, optimal, X, y) -> None:
    """S8: own cells listed, a ``certify`` file for their program, the optimality verdict."""
    if cert.get("subprogram_patterns") != own:
        raise CheckFailure(f"subprogram_patterns must be the {len(own)} cells of active neurons")
    missing = set(own) - set(program.patterns)
    if missing:
        raise CheckFailure(f"own cell {min(missing)} is not a cell of the data")
    if cert.get("subprogram_optimal") is not optimal:
        raise CheckFailure(f"subprogram_optimal must be {optimal}")
    sub = cert.get("subprogram")
    if not own:
        if sub is not None:
            raise CheckFailure("no active neuron: the subprogram must be null")
        return
    if not isinstance(sub, dict):
        raise CheckFailure("subprogram must be a certify certificate")
    for name in _HEADER:
        if sub.get(name) != cert.get(name):
            raise CheckFailure(f"subprogram {name} differs from the file's")
    section = sub.get("certificate")
    if (
        sub.get("patterns") != "given"
        or not isinstance(section, dict)
        or not isinstance(section.get("patterns"), list)
        or sorted(map(str, section["patterns"])) != own
    ):
        raise CheckFailure("subprogram must be the given program of the own cells")
    try:
        check_certify(sub, X, y)
    except CheckFailure as failure:
        raise CheckFailure(f"subprogram: {failure}") from None
    # The nested file proves the optimum itself: a zero gap, or the file's α-form at the bound.
    if cert.get("network") is not None:
        if sub.get("network") != cert["network"]:
            raise CheckFailure("subprogram network differs from the file's")
        proves = Fraction(*parse_rational(sub.get("gap"), "subprogram gap")) == 0
    else:
        form = sub.get("alpha_form")
        mine = cert["alpha_form"]
        proves = isinstance(form, dict) and form.get("neurons") == mine.get("neurons")
    if optimal and not proves:
        raise CheckFailure("subprogram_optimal but the subprogram certificate does not prove it")


# ---------------------------------------------------------------------------------------------
# S10: the improving network


def _improving(cert: dict, program: Program, objective: Fraction, globally: bool) -> bool:
    """S10: null for a global optimum; otherwise, if present, exactly better than the network."""
    fields = ("improving_network", "improving_objective", "improving_width")
    if cert.get("improving_network") is None:
        if any(cert.get(name) is not None for name in fields):
            raise CheckFailure("improving fields without an improving network")
        return False
    if globally:
        raise CheckFailure("a globally optimal network has no improving network")
    net = read_network(cert, "improving_network", program, in_program=False)
    value = nc_objective(program.rows, program.y, net, program.lam)
    equal(cert, "improving_objective", program.stated(value))
    if cert.get("improving_width") != net.width or type(cert.get("improving_width")) is not int:
        raise CheckFailure(f"improving_width must be {net.width}")
    if not value < objective:
        raise CheckFailure("improving_objective is not below the objective")
    return True


def _dot(a: Sequence[Fraction], b: Sequence[Fraction]) -> Fraction:
    return sum((x * y for x, y in zip(a, b, strict=True)), Fraction(0))
