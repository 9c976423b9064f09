"""Check certificates of kind ``"optimal_set"``: the set of all optimal networks, exactly.

Each check is marked with the item O1-O12 of ``proofs/optimal_set.md`` ("What the checker
verifies"); O6-O11 rest on ``proofs/minimality.md`` (M1-M8).  The optimality proof reuses the
solve checker's pieces (D1-D6, D10 of ``proofs/duality.md``).  Arithmetic: Python ints,
Fractions and python-flint ``fmpq_mat`` (exact rational matrices); no floats, no solver.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from exactrelu.checker.bases import basis_point, independent_rows, pivots
from exactrelu.checker.duality import (
    Program,
    check_alpha_form,
    check_root,
    read_network,
    read_program,
)
from exactrelu.checker.failure import CheckFailure
from exactrelu.checker.fields import (
    check_float_copies,
    equal,
    field,
    matrix,
    rational,
    rational_vector,
    short,
    summary,
)
from exactrelu.checker.functions import check_functions
from exactrelu.checker.network import fit, nc_objective
from exactrelu.checker.verified import check_verified_optimal_set

# Claims verified whatever E is (O1-O3), and those that need E decided (O4-O12).
_BASE_CLAIMS = {"optimum", "residual", "fit", "dual", "complete"}
_SET_CLAIMS = {
    "neurons",
    "used_neurons",
    "unique_network",
    "unique_function",
    "functions",
    "unique_convex",
    "minimal_networks",
    "count_minimal_networks",
    "count_minimal_convex",
    "min_width",
    "same_size",
    "min_norm_network",
}
# The set-level fields of an undecided file: unknown, so they must be null (O16).
_UNKNOWN_FIELDS = (
    "neurons",
    "used_neurons",
    "unique_network",
    "unique_function",
    "functions",
    "unique_convex",
    "count_minimal_networks",
    "count_minimal_networks_is_lower_bound",
    "count_minimal_convex",
    "min_width",
    "same_size",
    "min_norm_network",
)
COUNT_LIMIT = 10**6  # counts above this may be stated as lower bounds (O10)

# (sign, direction), and for the gated model (sign, direction, pattern index): a gated neuron is
# its gate pattern plus its weight, so each block of E is its own neuron.
Neuron = tuple


def check_optimal_set(
    cert: dict, X: Sequence[Sequence[Fraction]], y: Sequence[Fraction] | None
) -> str:
    """Verify an ``optimal_set`` certificate; return a one-line summary or raise CheckFailure."""
    if cert.get("status") == "verified":  # an irrational optimum: proofs/verified.md
        return check_verified_optimal_set(cert, X, y)
    if cert.get("status") == "undecided" and cert.get("certificate") is None:
        return _check_undecided_irrational(cert, X, y)  # O17
    # O1: the program, its complete cell list and the dual certificate (D1-D6); relu or gated.
    program = read_program(cert, X, y, "optimal_set")
    section = cert["certificate"]
    r, y_hat, optimum = _optimality(cert, section, program)
    undecided = _undecided(cert, program)
    blocks = _equicorrelation(program, r, undecided)
    _check_status(cert, program, bool(undecided))
    if undecided:  # O16: only the optimum is claimed; every set-level field is null
        _unknown_fields(cert)
        lower = rational(cert.get("objective_lower"), "objective_lower")
        upper = rational(cert.get("objective_upper"), "objective_upper")
        if not lower <= optimum <= upper:
            raise CheckFailure("the bracket [objective_lower, objective_upper] misses the optimum")
        check_float_copies(cert, skip=frozenset({"numeric"}))  # O13
        text = (
            f"optimum {short(optimum)} exact; {len(undecided)} undecided blocks: the polytope "
            "is not certified (set-level fields null)"
        )
        return summary(cert, "optimal set undecided", text)
    neurons = _neurons(cert, program, blocks)
    head = f"optimum {short(optimum)}, {len(neurons)} neurons"
    fits = [_neuron_fit(program, nu) for nu in neurons]
    F, target = _centred(program, fits, y_hat)
    vertices, bases = _vertices(section, F, target, r, fits, program)
    _minimal_networks(cert, program, neurons, fits, y_hat, optimum, vertices)
    _counts(cert, blocks, neurons, vertices)
    _min_norm(cert, section, program, neurons, fits, y_hat, optimum, F, target)
    gates = [_gate(cert, j, program) for j in range(len(neurons))]
    dimension = check_functions(cert, program, neurons, gates, fits, y_hat, vertices)  # O14
    widths = sorted({len(v) for v in vertices})
    check_float_copies(cert)  # O13
    return summary(
        cert,
        "optimal set",
        f"{head} ({len(blocks)} blocks of E); {bases} feasible bases closed under pivots; "
        f"{len(vertices)} minimal networks (widths {widths}); min-norm network verified; "
        f"unique function: {cert['unique_function']} (function set of dimension {dimension})"
        f" ({program.scope})",
    )


def _gate(cert: dict, j: int, program: Program):
    """The gate of gated neuron j as listed (O5g checked its pattern); None for ReLU."""
    if program.model != "gated":
        return None
    size = len(program.rows[0])
    return tuple(rational_vector(cert["neurons"][j].get("gate"), size, f"neuron {j} gate"))


def _unknown_fields(cert: dict) -> None:
    """O16: an undecided file states nothing about the set: its unknown fields are null, it
    lists no minimal network, and ``reason`` says why in words."""
    for name in _UNKNOWN_FIELDS:
        if name not in cert or cert[name] is not None:
            raise CheckFailure(f"{name} must be null in an undecided file (unknown)")
    if cert.get("minimal_networks", []) != []:
        raise CheckFailure("an undecided file lists no minimal networks")
    if not isinstance(cert.get("reason"), str) or not cert["reason"]:
        raise CheckFailure("an undecided file must say why in 'reason'")


def _check_undecided_irrational(cert: dict, X, y) -> str:
    """O17: an undecided file of an irrational optimum (no certificate): no claims, unknown
    fields null, and the optimum bracket proved by the embedded solve certificate."""
    from exactrelu.checker.duality import check_solve

    if cert.get("claims") != {}:
        raise CheckFailure("an undecided file of an irrational optimum claims nothing")
    if cert.get("optimum") is not None:
        raise CheckFailure("optimum must be null when it is not decided")
    _unknown_fields(cert)
    solve = cert.get("solve")
    if solve is None:  # proved by continuation elsewhere: no bracket here
        if cert.get("objective_lower") is not None or cert.get("objective_upper") is not None:
            raise CheckFailure("a bracket needs the solve certificate that proves it")
        return summary(cert, "optimal set undecided", "no claims; no bracket")
    if not isinstance(solve, dict) or solve.get("kind") != "solve":
        raise CheckFailure("solve must be a solve certificate")
    for name in ("n", "d", "bias", "output_bias", "scale", "model", "lam", "data_sha256"):
        if solve.get(name) != cert.get(name):
            raise CheckFailure(f"the solve certificate's {name} differs from the file's")
    check_solve(solve, X, y)
    for name in ("objective_lower", "objective_upper"):
        if cert.get(name) != solve.get(name):
            raise CheckFailure(f"{name} is not the solve certificate's")
    check_float_copies(cert, skip=frozenset({"numeric", "solve"}))
    lo, hi = (short(rational(cert[k], k)) for k in ("objective_lower", "objective_upper"))
    return summary(
        cert, "optimal set undecided", f"no claims; optimum in [{lo}, {hi}] (solve verified)"
    )


# ---------------------------------------------------------------------------------------------
# O2-O3: the dual optimum r and the optimum


def _optimality(cert: dict, section: dict, program: Program):
    """O2: z = residual, θ = 1, fit = y − r; O3: the α-form's value is D(r) = the optimum."""
    n = len(program.rows)
    dual = program.dual
    r = rational_vector(cert.get("residual"), n, "residual")
    if dual.theta != 1 or dual.z != r:
        raise CheckFailure("the dual certificate must be z = residual with theta = 1")
    y_hat = rational_vector(cert.get("fit"), n, "fit")
    if y_hat != [a - b for a, b in zip(program.y, r, strict=True)]:
        raise CheckFailure("fit is not y - residual")
    # O3 (D10): a network with value D(r): D(r) is the optimum.
    form = section.get("alpha_form")
    if form is None:
        raise CheckFailure("the certificate needs the alpha_form of an optimal solution")
    optimum = check_alpha_form(form, program, Fraction(0), program.stated(program.lower))
    equal(cert, "optimum", optimum)  # in the file's scale
    return r, y_hat, optimum


# ---------------------------------------------------------------------------------------------
# O4-O5: the equicorrelation set E and its neurons


def _undecided(cert: dict, program: Program) -> set[tuple[int, int]]:
    """O4: undecided_blocks lists distinct blocks, each at the bound λ."""
    listed = cert.get("undecided_blocks", [])
    if not isinstance(listed, list):
        raise CheckFailure("undecided_blocks must be a list")
    found = set()
    tight = set(program.dual.tight)
    for item in listed:
        if not (isinstance(item, list) and len(item) == 2 and all(type(v) is int for v in item)):
            raise CheckFailure("each undecided block must be [pattern, sign]")
        block = (item[0], item[1])
        if block in found or block not in tight:
            raise CheckFailure(f"undecided block {block} is repeated or not at the bound λ")
        found.add(block)
    return found


def _equicorrelation(program: Program, r, undecided) -> dict[tuple[int, int], Neuron]:
    """O4: every block at λ (all others are outside E by the Moreau bound) is in E with the
    direction v = c + Aᵀμ if the KKT conditions hold exactly, else it is listed undecided.
    Gated (no μ, unconstrained blocks): every block at λ is in E with v = Σ_{p_ik = 1} r_k x̃_k,
    its own neuron (O4g)."""
    blocks = {}
    for i, s in program.dual.tight:
        if (i, s) in undecided:
            continue
        pattern = program.patterns[i]
        if program.model == "gated":
            v = [Fraction(0)] * len(program.rows[0])
            for k, row in enumerate(program.rows):
                if pattern[k] == "1":
                    v = [a + r[k] * b for a, b in zip(v, row, strict=True)]
            blocks[i, s] = (s, tuple(v), i)
            continue
        mu = {k: Fraction(p, q) for k, (p, q) in program.dual.mu.get((i, s), [])}
        size = len(program.rows[0])
        v = [Fraction(0)] * size
        for k, row in enumerate(program.rows):  # v = s Σ_{p_ik = 1} r_k x̃_k + Σ μ_k a_ik
            active = pattern[k] == "1"
            weight = (s * r[k] if active else 0) + (1 if active else -1) * mu.get(k, 0)
            if weight:
                for j in range(size):
                    v[j] += weight * row[j]
        for k, row in enumerate(program.rows):
            slack = sum(a * b for a, b in zip(row, v, strict=True))
            slack = slack if pattern[k] == "1" else -slack
            if slack < 0 or (slack != 0 and mu.get(k, 0) != 0):
                raise CheckFailure(
                    f"block (pattern {i}, sign {s}) is at λ but its KKT conditions fail "
                    f"(row {k}); it must be listed in undecided_blocks"
                )
        blocks[i, s] = (s, tuple(v))
    return blocks


def _neurons(cert: dict, program: Program, blocks) -> list[Neuron]:
    """O5: the file's neurons are E grouped by (sign, direction), with their cells and faces."""
    groups: dict[Neuron, list[int]] = {}
    for (i, _), key in sorted(blocks.items()):
        groups.setdefault(key, []).append(i)
    listed = field(cert, "neurons", list)
    size = len(program.rows[0])
    neurons = []
    gated = program.model == "gated"
    for j, item in enumerate(listed):
        if not isinstance(item, dict):
            raise CheckFailure(f"neuron {j} must be an object")
        s = item.get("sign")
        v = tuple(rational_vector(item.get("direction"), size, f"neuron {j} direction"))
        key: Neuron = (s, v)
        if gated:  # O5g: the neuron names its block, and its gate has the block's pattern
            cells = item.get("cells")
            if not (isinstance(cells, list) and len(cells) == 1 and type(cells[0]) is int):
                raise CheckFailure(f"gated neuron {j} must have exactly one cell")
            key = (s, v, cells[0])
            gate = rational_vector(item.get("gate"), size, f"neuron {j} gate")
            if key in groups and _gate_pattern(program, gate) != program.patterns[cells[0]]:
                raise CheckFailure(f"neuron {j}: its gate's pattern is not its cell's pattern")
        if type(s) is not int or key not in groups or key in neurons:
            raise CheckFailure(f"neuron {j} is not a neuron of E (or is listed twice)")
        if item.get("cells") != groups[key]:
            raise CheckFailure(f"neuron {j} has cells {item.get('cells')}, E gives {groups[key]}")
        face = (
            []
            if gated
            else [
                k
                for k, row in enumerate(program.rows)
                if any(row) and sum(a * b for a, b in zip(row, v, strict=True)) == 0
            ]
        )
        if item.get("face") != face:
            raise CheckFailure(f"neuron {j} has face {item.get('face')}, its face is {face}")
        neurons.append(key)
    if len(neurons) != len(groups):
        raise CheckFailure(f"the file lists {len(neurons)} neurons, E has {len(groups)}")
    return neurons


def _neuron_fit(program: Program, neuron: Neuron) -> list[Fraction]:
    """f_ν = s (X̃ v)_+; gated: f_b = D_b X̃ v (the block's pattern, no ReLU)."""
    s, v = neuron[0], neuron[1]
    values = [sum(a * b for a, b in zip(row, v, strict=True)) for row in program.rows]
    if program.model == "gated":
        pattern = program.patterns[neuron[2]]
        return [t if pattern[k] == "1" else Fraction(0) for k, t in enumerate(values)]
    return [s * max(t, Fraction(0)) for t in values]


def _gate_pattern(program: Program, gate) -> str:
    """The pattern ``1[X̃g >= 0]`` of a gate, as a 0/1 string."""
    return "".join(
        "1" if sum(a * b for a, b in zip(row, gate, strict=True)) >= 0 else "0"
        for row in program.rows
    )


def _check_status(cert: dict, program: Program, undecided: bool) -> None:
    """O12: status, and the label of each claim."""
    claims = field(cert, "claims", dict)
    status = cert.get("status")
    if status != ("undecided" if undecided else "exact"):
        raise CheckFailure(f"status {status!r} but undecided blocks: {undecided}")
    allowed = _BASE_CLAIMS | _SET_CLAIMS
    if not program.complete:
        allowed = allowed - {"complete"}
    for name, label in claims.items():
        if name not in allowed or label not in ("exact", "undecided"):
            raise CheckFailure(f"claim {name!r}: {label!r} is not verified by this file")
        if undecided and name in _SET_CLAIMS:
            raise CheckFailure(f"claim {name!r} is made but E has undecided blocks")
        if label != "exact" and not undecided:
            raise CheckFailure(f"claim {name!r} is {label!r} in an exact file")


# ---------------------------------------------------------------------------------------------
# O6-O8: the polytope and its feasible bases


def _centred(program: Program, fits, y_hat):
    """O6: F (fits as columns) and ŷ, both centred by I − 11ᵀ/n with an output bias."""
    n, p = len(y_hat), len(fits)
    F = [[fits[j][k] for j in range(p)] for k in range(n)]
    target = list(y_hat)
    if program.output_bias:
        means = [sum(f, Fraction(0)) / n for f in fits]
        mean_y = sum(target, Fraction(0)) / n
        F = [[F[k][j] - means[j] for j in range(p)] for k in range(n)]
        target = [t - mean_y for t in target]
    return F, target


def _vertices(section: dict, F, target, r, fits, program: Program):
    """O6-O8: every listed basis is feasible, the list is closed under pivots; returns the
    vertices (dicts neuron -> β > 0) and the number of bases."""
    p = len(fits)
    lam2 = program.lam**2
    # O6: rᵀ f_ν = λ² for every neuron, so Σ β = rᵀŷ/λ² on the polytope (bounded).
    for j, f in enumerate(fits):
        if sum(a * b for a, b in zip(r, f, strict=True)) != lam2:
            raise CheckFailure(f"neuron {j} has rᵀf != λ²")
    rows = independent_rows(F) if p else []
    m = len(rows)
    if section.get("rank") != m or type(section.get("rank")) is not int:
        raise CheckFailure(f"rank must be {m}, the rank of the (centred) fit matrix")
    A = matrix([F[k] for k in rows]) if m else None
    b = matrix([[target[k]] for k in rows]) if m else None
    listed = section.get("bases")
    if not isinstance(listed, list) or not listed:
        raise CheckFailure("the certificate needs a nonempty list of bases")
    bases = set()
    for basis in listed:
        if (
            not isinstance(basis, list)
            or len(basis) != m
            or not all(type(j) is int and 0 <= j < p for j in basis)
            or basis != sorted(set(basis))
        ):
            raise CheckFailure(f"basis {basis!r} is not {m} increasing neuron indices")
        if tuple(basis) in bases:
            raise CheckFailure(f"basis {basis} is listed twice")
        bases.add(tuple(basis))
    vertices = {}
    for basis in sorted(bases):
        beta = basis_point(A, b, basis, p)  # O7
        key = tuple(sorted(beta.items()))
        if key not in vertices:
            # O7: the point solves the full (centred) system, not only the chosen rows.
            _in_polytope(F, target, beta, f"the point of basis {list(basis)}")
            vertices[key] = beta
        for new in pivots(A, b, basis, p):  # O8
            if new not in bases:
                raise CheckFailure(f"basis {list(basis)} pivots to {list(new)}, not listed")
    return list(vertices.values()), len(bases)


def _in_polytope(F, target, beta: dict[int, Fraction], what: str) -> None:
    if any(v < 0 for v in beta.values()):
        raise CheckFailure(f"{what} has a negative weight")
    for k, row in enumerate(F):
        if sum((row[j] * v for j, v in beta.items()), Fraction(0)) != target[k]:
            raise CheckFailure(f"{what} does not have the optimal fit (row {k})")


# ---------------------------------------------------------------------------------------------
# O9-O11: the networks and the counts


def _point(obj, what, program: Program, neurons, fits, y_hat, optimum) -> dict[int, Fraction]:
    """O9: a point {neurons, alpha_form, network, network_objective}: its α-form names the
    listed neurons with β > 0, its value is the optimum, and its rational network has the
    optimal fit and the stated exact objective."""
    if not isinstance(obj, dict):
        raise CheckFailure(f"{what} must be an object")
    index = obj.get("neurons")
    form = obj.get("alpha_form")
    if (
        not isinstance(index, list)
        or not all(type(j) is int and 0 <= j < len(neurons) for j in index)
        or index != sorted(set(index))
        or not isinstance(form, list)
        or len(form) != len(index)
    ):
        raise CheckFailure(f"{what}: neurons must be increasing indices, one alpha_form each")
    lam = program.lam
    beta = {}
    for j, item in zip(index, form, strict=True):
        if not isinstance(item, dict):
            raise CheckFailure(f"{what}: alpha_form entries must be objects")
        s, v = neurons[j][0], neurons[j][1]
        size = len(v)
        if item.get("sign") != s or tuple(rational_vector(item.get("direction"), size, what)) != v:
            raise CheckFailure(f"{what}: alpha_form entry of neuron {j} is not that neuron")
        if program.model == "gated":  # O9g: the entry's gate has the neuron's pattern
            gate = rational_vector(item.get("gate"), size, f"{what} gate")
            if _gate_pattern(program, gate) != program.patterns[neurons[j][2]]:
                raise CheckFailure(f"{what}: the gate of neuron {j} is not of its pattern")
        alpha = rational(item.get("alpha"), f"{what} alpha")
        if alpha <= 0:
            raise CheckFailure(f"{what}: alpha of neuron {j} is not > 0")
        check_root(item.get("W1_scale"), alpha / lam, f"{what} W1_scale")
        check_root(item.get("w2_abs"), alpha * lam, f"{what} w2_abs")
        beta[j] = alpha
    n = len(y_hat)
    f = [sum((beta[j] * fits[j][k] for j in beta), Fraction(0)) for k in range(n)]
    b0 = sum((a - c for a, c in zip(y_hat, f, strict=True)), Fraction(0)) / n
    if not program.output_bias:
        b0 = Fraction(0)
    if [c + b0 for c in f] != y_hat:
        raise CheckFailure(f"{what} does not have the optimal fit")
    loss = sum(((c + b0 - t) ** 2 for c, t in zip(f, program.y, strict=True)), Fraction(0)) / 2
    if program.stated(loss + lam**2 * sum(beta.values(), Fraction(0))) != optimum:
        raise CheckFailure(f"{what}: the α-form's value is not the optimum")
    net = read_network(obj, "network", program, in_program=True)
    if program.model == "relu":  # (gated neurons may share a direction: O9g checks gates)
        _network_of_form(net, [neurons[j][:2] for j in index], what)
    if fit(program.rows, net) != y_hat:
        raise CheckFailure(f"{what}: the rational network does not have the optimal fit")
    equal(obj, "network_objective", program.stated(nc_objective(program.rows, program.y, net, lam)))
    return beta


def _network_of_form(net, listed: list[tuple[int, tuple[Fraction, ...]]], what: str) -> None:
    """O9: every neuron of the rational network that is not zero has ``W1 = c v`` with c > 0
    and ``sign(w2) = s`` for a listed α-form neuron (s, v), and every listed neuron appears."""
    seen = set()
    for i, (row, w) in enumerate(zip(net.W1, net.w2, strict=True)):
        if w == 0 or not any(row):
            continue  # a zero neuron computes nothing
        for j, (s, v) in enumerate(listed):
            k = next(t for t, value in enumerate(v) if value != 0)
            c = row[k] / v[k]
            if c > 0 and all(a == c * b for a, b in zip(row, v, strict=True)) and w * s > 0:
                seen.add(j)
                break
        else:
            raise CheckFailure(f"{what}: network neuron {i} is not a neuron of its alpha_form")
    if len(seen) != len(listed):
        raise CheckFailure(f"{what}: the network misses a neuron of its alpha_form")


def _minimal_networks(cert, program, neurons, fits, y_hat, optimum, vertices) -> None:
    """O9: minimal_networks lists vertices, each once, ``min(count, max_networks)`` of them."""
    listed = field(cert, "minimal_networks", list)
    limit = cert.get("max_networks")
    if type(limit) is not int or limit < 0:
        raise CheckFailure("max_networks must be an integer >= 0")
    found = set()
    for t, obj in enumerate(listed):
        what = f"minimal network {t}"
        beta = _point(obj, what, program, neurons, fits, y_hat, optimum)
        key = tuple(sorted(beta.items()))
        if key in found or beta not in vertices:
            raise CheckFailure(f"{what} is repeated or is not a vertex of the polytope")
        found.add(key)
    if len(found) != min(len(vertices), limit):
        raise CheckFailure(
            f"{len(found)} minimal networks listed, {len(vertices)} vertices, max_networks {limit}"
        )


def _counts(cert, blocks, neurons, vertices) -> None:
    """O10: counts and flags computed from the vertices and the cells of each neuron."""
    cells = {key: 0 for key in neurons}
    for key in blocks.values():
        cells[key] += 1
    convex = 0
    for beta in vertices:
        product = 1
        for j in beta:
            product *= cells[neurons[j]]
        convex += product
    widths = [len(beta) for beta in vertices]
    # O10: the count is exact, or (only above COUNT_LIMIT, flagged) a lower bound
    lower_bound = cert.get("count_minimal_networks_is_lower_bound")
    count = cert.get("count_minimal_networks")
    if type(lower_bound) is not bool or type(count) is not int:
        raise CheckFailure("count_minimal_networks (int) and its lower-bound flag (bool) needed")
    if lower_bound and not COUNT_LIMIT < count <= len(vertices):
        raise CheckFailure(f"count {count} is not a lower bound above {COUNT_LIMIT}")
    expected = {
        "count_minimal_networks": count if lower_bound else len(vertices),
        "count_minimal_convex": convex,
        "min_width": min(widths),
        "same_size": len(set(widths)) == 1,
        "unique_network": len(vertices) == 1,
        "unique_convex": convex == 1,
        "used_neurons": sorted({j for beta in vertices for j in beta}),
    }
    for name, value in expected.items():
        stated = cert.get(name)
        if stated != value or type(stated) is not type(value):
            raise CheckFailure(f"{name} is {stated!r}, the polytope gives {value!r}")


def _min_norm(cert, section, program, neurons, fits, y_hat, optimum, F, target) -> None:
    """O11: min_norm_network is a point of the polytope and w proves it has the least ‖β‖."""
    beta = _point(
        cert.get("min_norm_network"), "min_norm_network", program, neurons, fits, y_hat, optimum
    )
    _in_polytope(F, target, beta, "min_norm_network")
    w = rational_vector(section.get("min_norm_w"), len(F), "min_norm_w")
    for j in range(len(fits)):
        value = sum((F[k][j] * w[k] for k in range(len(F))), Fraction(0))
        if (j in beta and value != beta[j]) or (j not in beta and value > 0):
            raise CheckFailure(f"min_norm_w fails the KKT condition at neuron {j}")
