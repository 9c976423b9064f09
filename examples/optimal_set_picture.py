#!/usr/bin/env python
"""The optimal-set picture of Mishkin & Pilanci (ICML 2023), exactly: 4 points in the plane.

The paper draws the set of all optimal two-layer ReLU networks for n = 4 points in R² (no bias)
at a λ where it is not a single point.  Here the same picture is computed exactly, with every
activation pattern (all cells of the arrangement, certified complete) instead of sampled gates.

1. **Search.**  A non-unique optimum needs several neurons whose correlation
   ``s·rᵀ(Xv)_+`` reaches λ at the same exact residual r, with linearly dependent fits
   (docs/theory.md §5, §6).  For small integer data sets X (4 rows, entries in [−R, R], no two rows
   parallel) and small integer residuals r, the script finds in floating point every direction
   where the correlation is maximal (the interior maximum ``c_S = Σ_{k∈S} r_k x_k`` of each cell
   S, and the cells' boundary rays) and keeps the (X, r) whose maximizers are several cell
   interiors with dependent fits.  For these λ = ‖c_S‖ is √m for an integer m; when m = a² + b²,
   multiplying the data by the similarity ``[[a, −b], [b, a]]`` (a rotation times √m) keeps the
   same structure and makes λ = m rational.  Then ``y = r + Σ_ν α_ν f_ν`` with weights α_ν = 1, 2,
   1, 2, ... (a point inside the optimal set).
2. **Exact optimal set.**  ``optimal_set(Problem(X, y, λ))`` must come out ``exact``: the optimum,
   the neurons, every minimal network (the vertices of the polytope ``{β >= 0 : Σ β_ν f_ν = ŷ}``)
   and the min-norm network, all rational (α-form), and the independent checker accepts the
   certificate.  A few other λ's show for which λ the set stays non-unique.
3. **Picture** (``--out``, default ``out/``): the data and the arrangement's lines, the neurons'
   directions ``v_ν`` (arrows colored by the output sign), and the polytope (in its own affine
   coordinates when it is at most 2-dimensional, and projected onto two coordinates of β) with its
   vertices (the minimal networks) and the min-norm point.

Usage::

    .venv/bin/python examples/optimal_set_picture.py            # ~ 10 s
    .venv/bin/python examples/optimal_set_picture.py --quick    # ~ 3 s (r = (1, 1, 1, 1) only)
    .venv/bin/python examples/optimal_set_picture.py --range 3 --residuals 1,2 --out out/
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from exactrelu.checker import CheckFailure, check_certificate
from exactrelu.exact.rationals import fmpq_matrix, rational_str
from exactrelu.exact.surds import sqrt_str
from exactrelu.optimum.optimal_set import OptimalSet, optimal_set
from exactrelu.program.problem import Problem

ROWS = 4
TOL = 1e-9
LAMBDA_FACTORS = (Fraction(1, 5), Fraction(3, 5), 1, 2, 4, 8, 16)
PAPER = (
    "the paper: n = 4, d = 2, 20 sampled Gaussian gates, lambda = 0.01 (loss / n), 8 active "
    "blocks, a 4-dimensional family of optimal networks, decided in floating point"
)


# ---------------------------------------------------------------------------------------------
# 1. Search (floating point; everything kept is re-derived exactly afterwards)


@dataclass(frozen=True)
class Candidate:
    """Float search hit: the dimension of the optimal set, its neurons, λ², X and r."""

    dimension: int
    neurons: int
    lam2: int
    X: tuple[tuple[int, int], ...]
    r: tuple[int, ...]


def search(coord_range: int, residuals: Sequence[int]) -> tuple[list[Candidate], int, int]:
    """Every (X, r) whose maximal correlation is attained only inside cells, by >= 3 neurons
    with dependent fits.  Returns (candidates, data sets tried, residuals per data set)."""
    values = range(-coord_range, coord_range + 1)
    vectors = np.array([v for v in itertools.product(values, values) if v != (0, 0)], float)
    R = np.array([r for r in itertools.product(residuals, repeat=ROWS) if any(r)], float)
    subsets = np.array(list(itertools.product([0, 1], repeat=ROWS)), float)
    inside = subsets.astype(bool)
    found, tried = [], 0
    for combo in itertools.combinations(range(len(vectors)), ROWS):
        X = vectors[list(combo)]
        cross = np.outer(X[:, 0], X[:, 1]) - np.outer(X[:, 1], X[:, 0])
        if np.any(np.abs(cross[np.triu_indices(ROWS, 1)]) < 0.5):
            continue  # parallel rows share a hyperplane: keep 4 distinct lines
        tried += 1
        # boundary rays of the cells: ±x_k rotated by 90°, unit length; both output signs
        rays = np.stack([-X[:, 1], X[:, 0]], 1) / np.linalg.norm(X, axis=1)[:, None]
        rays = np.concatenate([rays, -rays])
        on_rays = np.abs(np.maximum(rays @ X.T, 0) @ R.T).max(axis=0)
        # interior maxima: s·c_S is a maximizer iff it lies strictly inside the cell S
        C = np.einsum("sk,rk,kd->rsd", subsets, R, X)
        norms = np.linalg.norm(C, axis=2)
        valid = []
        for sign in (1, -1):
            products = np.einsum("kd,rsd->rsk", X, sign * C)
            strict = np.where(inside[None], products > TOL, products < -TOL)
            valid.append(np.all(strict, axis=2) & (norms > TOL))
        top = np.maximum(np.where(valid[0] | valid[1], norms, 0).max(axis=1), on_rays)
        at_top = norms >= top[:, None] - TOL
        ties = (valid[0] & at_top).sum(axis=1) + (valid[1] & at_top).sum(axis=1)
        for i in np.nonzero((ties >= 3) & (on_rays < top - 1e-7))[0]:
            fits = [
                sign * np.maximum(X @ (sign * C[i, j]), 0)
                for t, sign in enumerate((1, -1))
                for j in np.nonzero(valid[t][i] & at_top[i])[0]
            ]
            dimension = len(fits) - np.linalg.matrix_rank(np.array(fits).T, tol=TOL)
            if dimension >= 1:
                found.append(
                    Candidate(
                        int(dimension),
                        len(fits),
                        round(float(top[i]) ** 2),
                        tuple((int(a), int(b)) for a, b in X),
                        tuple(int(v) for v in R[i]),
                    )
                )
    return found, tried, len(R)


def two_squares(m: int) -> tuple[int, int] | None:
    """(a, b), a >= b >= 0, with a² + b² = m, or None."""
    for b in range(math.isqrt(m // 2) + 1):
        a = math.isqrt(m - b * b)
        if a * a + b * b == m:
            return a, b
    return None


@dataclass(frozen=True)
class Instance:
    """Exact data with a planted non-unique optimum: rows X, y, λ, the residual r, the neurons
    (direction v with ‖v‖ = λ, sign s, cell S) that make it and their weights α in y."""

    X: list[list[int]]
    y: list[int]
    lam: int
    r: list[int]
    neurons: list[tuple[tuple[int, int], int, tuple[int, ...]]]
    alpha: list[int]
    similarity: tuple[int, int]


def exact_instance(candidate: Candidate) -> Instance | None:
    """Rational data for a candidate: scale by a similarity so that λ is an integer, rebuild the
    neurons exactly (integer arithmetic), and set y = r + Σ_ν α_ν f_ν."""
    root = math.isqrt(candidate.lam2)
    if root * root == candidate.lam2:
        a, b, lam = 1, 0, root
    else:
        pair = two_squares(candidate.lam2)
        if pair is None:
            return None
        (a, b), lam = pair, candidate.lam2
    X = [[a * x1 - b * x2, b * x1 + a * x2] for x1, x2 in candidate.X]
    r = list(candidate.r)
    neurons, fits = [], []
    for subset in itertools.product([0, 1], repeat=ROWS):
        c = [sum(r[k] * X[k][t] for k in range(ROWS) if subset[k]) for t in (0, 1)]
        if c[0] ** 2 + c[1] ** 2 != lam * lam:
            continue
        for sign in (1, -1):
            v = (sign * c[0], sign * c[1])
            products = [x[0] * v[0] + x[1] * v[1] for x in X]
            if all((p > 0) if s else (p < 0) for p, s in zip(products, subset, strict=True)):
                neurons.append((v, sign, subset))
                fits.append([sign * max(p, 0) for p in products])
    if len(neurons) != candidate.neurons:
        return None
    alpha = [1 + i % 2 for i in range(len(fits))]
    y = [r[k] + sum(w * f[k] for w, f in zip(alpha, fits, strict=True)) for k in range(ROWS)]
    return Instance(X, y, lam, r, neurons, alpha, (a, b))


def candidate_order(c: Candidate) -> tuple:
    """Largest optimal set first; then r = 1, small data, and a fixed order."""
    return (-c.dimension, -c.neurons, any(v != 1 for v in c.r), c.lam2, c.X, c.r)


# ---------------------------------------------------------------------------------------------
# 2. The exact optimal set


def dimension(result: OptimalSet) -> int:
    """dim of the neuron-merged polytope: used neurons minus the rank of their fits."""
    used = result.used_neurons
    if not used:
        return 0
    F = [[result.neurons[i].fit[k] for i in used] for k in range(len(result.fit))]
    return len(used) - fmpq_matrix(F).rref()[1]


def vector_str(v: Sequence[Fraction]) -> str:
    return "(" + ", ".join(rational_str(x) for x in v) + ")"


def network_lines(result: OptimalSet, weights: dict[int, Fraction]) -> list[str]:
    """A network in α-form: per neuron β (u = β v), and W1 = √(β/λ)·v, w2 = s·√(βλ)."""
    lam = result.problem.lam_sum
    lines = []
    for i, beta in sorted(weights.items()):
        nu = result.neurons[i]
        lines.append(
            f"      nu{i}: beta = {rational_str(beta):>6}  v = {vector_str(nu.direction):>8}  "
            f"s = {nu.sign:+d}   W1 = {sqrt_str(beta / lam)}·v, w2 = "
            f"{'+' if nu.sign > 0 else '-'}{sqrt_str(beta * lam)}"
        )
    return lines


def alpha_objective(result: OptimalSet, weights: dict[int, Fraction]) -> Fraction:
    """P(β) = ½‖y − Σ β_ν f_ν‖² + λ² Σ β_ν, exactly (the α-form objective, docs/theory.md §3)."""
    lam = result.problem.lam_sum
    y = result.problem.dataset.y
    fit = [
        sum((b * result.neurons[i].fit[k] for i, b in weights.items()), Fraction(0))
        for k in range(len(y))
    ]
    loss = sum(((a - b) ** 2 for a, b in zip(y, fit, strict=True)), Fraction(0)) / 2
    return loss + lam * lam * sum(weights.values(), Fraction(0))


def lambda_scan(inst: Instance) -> tuple[list[str], int, bool]:
    """The status and size of the optimal set at a few other λ (same X, y); how many of them
    have a non-unique optimal network; whether every residual is (λ / λ₀)·r₀ exactly."""
    lines, non_unique, proportional = [], 0, True
    for factor in LAMBDA_FACTORS:
        lam = inst.lam * Fraction(factor)
        result = optimal_set(Problem(inst.X, inst.y, lam))
        if isinstance(result, OptimalSet) and result.status == "exact":
            text = (
                f"exact, {len(result.neurons)} neurons, {len(result.vertices)} minimal networks, "
                f"dimension {dimension(result)}, residual {vector_str(result.residual)}"
            )
        else:
            text = f"{result.status} (irrational optimum), unique network: {result.unique_network}"
        non_unique += result.unique_network is False
        scaled = [Fraction(factor) * v for v in inst.r]
        proportional &= list(getattr(result, "residual", ())) == scaled
        lines.append(f"    lambda = {rational_str(lam):>5}: {text}")
    return lines, non_unique, proportional


# ---------------------------------------------------------------------------------------------
# 3. The picture


def affine_coordinates(points: np.ndarray, origin: np.ndarray, basis: np.ndarray) -> np.ndarray:
    return (points - origin) @ basis


def polygon_order(points: np.ndarray) -> np.ndarray:
    """Indices of 2-D points in angular order around their centroid (a convex polygon)."""
    centre = points.mean(axis=0)
    return np.argsort(np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0]))


def best_pair(vertices: np.ndarray) -> tuple[int, int]:
    """The two coordinates of β whose projection of the vertices spans the largest area."""
    best, pair = -1.0, (0, 1)
    for i, j in itertools.combinations(range(vertices.shape[1]), 2):
        pts = np.unique(vertices[:, [i, j]], axis=0)
        area = 0.0
        if len(pts) >= 3:
            ordered = pts[polygon_order(pts)]
            x, y = ordered[:, 0], ordered[:, 1]
            area = 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
        if area > best + 1e-12:
            best, pair = area, (i, j)
    return pair


BUILT = "beta = alpha (y's construction)"
LEGEND = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.11), "ncol": 3, "fontsize": 8}


def construction_point(inst: Instance, result: OptimalSet) -> np.ndarray:
    """The weights α that built y, in the order of the engine's neurons (matched by v and s)."""
    weights = {(tuple(v), s): a for (v, s, _), a in zip(inst.neurons, inst.alpha, strict=True)}
    return np.array(
        [
            float(weights.get((tuple(int(t) for t in nu.direction), nu.sign), 0))
            for nu in result.neurons
        ]
    )


def plot(inst: Instance, result: OptimalSet, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = len(result.neurons)
    V = np.array([[float(v.get(i, 0)) for i in range(p)] for v in result.vertices])
    m = np.array([float(result.min_norm.get(i, 0)) for i in range(p)])
    built = construction_point(inst, result)
    labels = ["{" + ",".join(str(i) for i in sorted(v)) + "}" for v in result.vertices]
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.6))

    # (a) data, the arrangement's lines, the neurons' directions
    ax = axes[0]
    X = np.array(inst.X, float)
    reach = 1.3 * max(np.abs(X).max(), inst.lam)  # room for the labels at 1.08·|v|
    for x in X:
        line = np.array([-x[1], x[0]]) / np.linalg.norm(x) * reach * 1.5
        ax.plot([-line[0], line[0]], [-line[1], line[1]], color="0.8", lw=0.8, zorder=0)
    for k, (x, yk) in enumerate(zip(X, inst.y, strict=True)):
        ax.scatter(*x, s=60, color="black", zorder=3)
        ax.annotate(f"x{k}  (y={yk})", x, textcoords="offset points", xytext=(6, 6))
    for i, nu in enumerate(result.neurons):
        v = np.array([float(t) for t in nu.direction])
        color = "tab:blue" if nu.sign > 0 else "tab:red"
        ax.annotate("", v, (0, 0), arrowprops={"arrowstyle": "->", "color": color, "lw": 2})
        ax.annotate(f"nu{i}", v * 1.08, color=color, ha="center", va="center")
    ax.add_patch(plt.Circle((0, 0), inst.lam, fill=False, ls=":", color="0.5"))
    ax.set_xlim(-reach, reach)
    ax.set_ylim(-reach, reach)
    ax.set_aspect("equal")
    signs = sorted({nu.sign for nu in result.neurons})
    ax.set_title(
        f"data, cell boundaries and the {p} neurons v (|v| = lambda = {inst.lam})\n"
        f"arrows: {' / '.join('blue s=+1' if s > 0 else 'red s=-1' for s in signs)}"
    )

    # (b) the polytope in its own affine coordinates (dimension <= 2)
    ax = axes[1]
    dim = dimension(result)
    if dim in (1, 2):
        F = np.array([[float(f) for f in nu.fit] for nu in result.neurons]).T
        _, _, vt = np.linalg.svd(F)
        basis = vt[len(vt) - dim :].T  # orthonormal basis of null(F): the polytope's directions
        P = affine_coordinates(V, m, basis)
        ones = affine_coordinates(built[None], m, basis)
        if dim == 1:
            P = np.column_stack([P[:, 0], np.zeros(len(P))])
            ones = np.column_stack([ones[:, 0], np.zeros(1)])
        order = polygon_order(P) if dim == 2 else np.argsort(P[:, 0])
        ax.fill(P[order, 0], P[order, 1], color="tab:green", alpha=0.25, ec="tab:green", lw=2)
        ax.scatter(P[:, 0], P[:, 1], s=50, color="tab:green", zorder=3, label="minimal networks")
        for point, label in zip(P, labels, strict=True):
            ax.annotate(label, point, textcoords="offset points", xytext=(6, 4))
        ax.scatter([0], [0], marker="*", s=220, color="tab:purple", zorder=4, label="min-norm")
        ax.scatter(*ones[0], marker="x", s=70, color="0.3", zorder=4, label=BUILT)
        ax.margins(0.18)  # room for the vertex labels inside the axes
        ax.set_aspect("equal")
        ax.set_xlabel("first coordinate along the polytope (orthonormal, in beta units)")
        ax.set_ylabel(
            "second coordinate along the polytope" if dim == 2 else "(a segment: one coordinate)"
        )
        ax.legend(**LEGEND)
        ax.set_title(
            f"the optimal set: a {dim}-dimensional polytope in beta (R^{p}),\n"
            "in its own orthonormal coordinates around the min-norm point"
        )
    else:
        ax.axis("off")
        ax.set_title(f"the polytope is {dim}-dimensional: see the projection")

    # (c) projection onto the two coordinates of β that show it best
    ax = axes[2]
    i, j = best_pair(V)
    pts = V[:, [i, j]]
    unique = np.unique(pts, axis=0)
    if len(unique) >= 3:
        hull = unique[polygon_order(unique)]
        ax.fill(hull[:, 0], hull[:, 1], color="tab:orange", alpha=0.25, ec="tab:orange", lw=2)
    ax.scatter(pts[:, 0], pts[:, 1], s=50, color="tab:orange", zorder=3, label="minimal networks")
    for point, label in zip(pts, labels, strict=True):
        ax.annotate(label, point, textcoords="offset points", xytext=(6, 4))
    ax.scatter(m[i], m[j], marker="*", s=220, color="tab:purple", zorder=4, label="min-norm")
    ax.scatter(built[i], built[j], marker="x", s=70, color="0.3", zorder=4, label=BUILT)
    ax.margins(x=0.3, y=0.18)  # room for the vertex labels (written to the right) in the axes
    ax.set_xlabel(f"beta_{i} (neuron nu{i})")
    ax.set_ylabel(f"beta_{j} (neuron nu{j})")
    ax.legend(**LEGEND)
    ax.set_title(f"projection onto (beta_{i}, beta_{j})\nvertex labels: supports (active neurons)")
    fig.suptitle(
        f"All optimal networks, exactly: 4 points in the plane, no bias, lambda = {inst.lam} "
        f"(sum scale), every activation pattern"
    )
    fig.tight_layout()
    out.mkdir(parents=True, exist_ok=True)
    path = out / "optimal_set_picture.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


# ---------------------------------------------------------------------------------------------
# Command line


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="residual r = (1, 1, 1, 1) only (~3 s)"
    )
    parser.add_argument("--range", type=int, default=2, help="data entries in [-R, R] (2)")
    parser.add_argument(
        "--residuals", default=None, help="residual values searched (default -2,-1,1,2)"
    )
    parser.add_argument("--out", type=Path, default=Path("out"), help="picture directory (out/)")
    args = parser.parse_args(argv)
    if args.residuals is None:
        args.residuals = "1" if args.quick else "-2,-1,1,2"
    args.residuals = [int(v) for v in args.residuals.split(",") if v.strip()]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    found, tried, per_set = search(args.range, args.residuals)
    dims = Counter((c.dimension, c.neurons) for c in found)
    print(
        f"search: {tried} data sets X (4 rows, integer entries in [-{args.range}, {args.range}], "
        f"no two parallel) x {per_set} residuals r in {args.residuals}^4, "
        f"{time.perf_counter() - start:.1f} s (floating point)"
    )
    print(
        "  non-unique optimal sets found (dimension, neurons): "
        + (
            ", ".join(f"{d}-dim with {k} neurons: {c}" for (d, k), c in sorted(dims.items()))
            or "none"
        )
    )
    inst = result = None
    for candidate in sorted(found, key=candidate_order):
        inst = exact_instance(candidate)
        if inst is None:
            continue
        result = optimal_set(Problem(inst.X, inst.y, inst.lam))
        if isinstance(result, OptimalSet) and result.status == "exact" and len(result.vertices) > 1:
            chosen = candidate
            break
        inst = result = None
    if inst is None or result is None:
        print("no candidate gave an exact non-unique optimal set; try --range 3")
        return 1
    a, b = inst.similarity
    print(
        f"  chosen: X = {list(chosen.X)}, r = {list(chosen.r)}: {chosen.neurons} neurons, "
        f"lambda^2 = {chosen.lam2}"
        + (
            f"; times the similarity [[{a}, {-b}], [{b}, {a}]] (rotation x sqrt({chosen.lam2})) "
            f"so that lambda = {inst.lam} is rational"
            if b
            else ""
        )
    )
    print(
        f"\ndata (exact): X = {inst.X}, y = {inst.y} (= r + sum alpha_nu f_nu, r = {inst.r}, "
        f"alpha = {inst.alpha}), lambda = {inst.lam} (sum scale; "
        f"{rational_str(Fraction(inst.lam, ROWS))} with the loss divided by n)"
    )
    problem = result.problem
    cells = len(problem.blocks.patterns)
    print(
        f"\noptimal set: status {result.status}, optimum {rational_str(result.solution.optimum)}, "
        f"residual r = {vector_str(result.residual)}, fit = {vector_str(result.fit)}"
    )
    print(
        f"  {cells} cells x 2 signs = {2 * cells} blocks (all patterns, certified complete); "
        f"{len(result.neurons)} neurons in E "
        f"({sum(len(nu.cells) for nu in result.neurons)} blocks):"
    )
    for i, nu in enumerate(result.neurons):
        print(
            f"    nu{i}: v = {vector_str(nu.direction)}, s = {nu.sign:+d}, cells {list(nu.cells)}, "
            f"face {list(nu.face) or '-'}, fit f = {vector_str(nu.fit)}"
        )
    widths = sorted({len(v) for v in result.vertices})
    print(
        f"  polytope {{beta >= 0 : sum beta_nu f_nu = fit}}: dimension {dimension(result)}; "
        f"{len(result.vertices)} minimal networks (vertices; widths {widths}), "
        f"{result.count_minimal_convex} at the block level; fewest neurons m* = "
        f"{result.min_width}; unique network: {result.unique_network}"
    )
    optimum = result.solution.optimum
    print(
        "\nminimal networks in alpha-form (u = beta v; W1 = sqrt(beta/lambda) v, "
        "w2 = s sqrt(beta lambda)):"
    )
    for k, vertex in enumerate(result.vertices):
        value = alpha_objective(result, vertex)
        print(
            f"  network {k} ({len(vertex)} neurons), objective {rational_str(value)} "
            f"{'= optimum' if value == optimum else '!= optimum'}:"
        )
        print("\n".join(network_lines(result, vertex)))
    norm2 = sum((b * b for b in result.min_norm.values()), Fraction(0))
    print(
        f"  min-norm network (|beta|^2 = {rational_str(norm2)}), objective "
        f"{rational_str(alpha_objective(result, result.min_norm))}:"
    )
    print("\n".join(network_lines(result, result.min_norm)))
    cert = result.to_json()
    try:
        verdict = "accepted: " + check_certificate(cert, problem.dataset.X, list(problem.dataset.y))
    except CheckFailure as exc:
        verdict = f"REJECTED: {exc}"
    print(f"\nindependent checker: {verdict}")
    print("\nother lambda, same data:")
    lines, non_unique, proportional = lambda_scan(inst)
    print("\n".join(lines))
    print(f"  non-unique at {non_unique} of these {len(lines)} values of lambda", end="")
    if proportional:
        print(
            f": the residual is (lambda/{inst.lam})·r at each, so every correlation scales "
            "alike and the same neurons stay tied; only the fit, hence the polytope, moves"
        )
    else:
        print()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    with (out / "optimal_set_picture.json").open("w") as handle:
        json.dump(cert, handle, indent=1)
    path = plot(inst, result, out)
    print(
        f"\ncompared with {PAPER}:\n"
        f"  here every activation pattern is used exactly ({cells} cells, both signs: "
        f"{2 * cells} blocks), lambda = {inst.lam} (sum scale), and {len(result.neurons)} "
        f"neurons reach the maximal correlation: a {dimension(result)}-dimensional family "
        f"({len(result.neurons)} neurons, fits of rank {len(result.neurons) - dimension(result)}"
        f"), {len(result.vertices)} minimal networks, every number exact and checked.\n"
        "  With all patterns, a neuron must be an exact maximizer of the correlation over the "
        "whole circle, and ties between cells are exceptional; 20 sampled gates on 4 points "
        "in the plane (only 8 cells) must repeat patterns, and whether the paper's 8 active "
        "blocks include such repeats (splitting one neuron, which here is not a different "
        "network) is not said in the summary we have.  The largest family the search found "
        f"among these small integer data sets has dimension {max(c.dimension for c in found)}."
    )
    print(
        f"\npicture: {path}\ncertificate: {out / 'optimal_set_picture.json'}"
        f"\ntotal {time.perf_counter() - start:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
