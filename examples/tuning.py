#!/usr/bin/env python
"""Tuning inside the optimal set on real data (Mishkin & Pilanci 2023, Table 1; docs/theory.md §5,
§10).

Every optimal network has the same training fit, so the choice among them is free; the paper picks
four and compares their test accuracy.  For each data set of ``experiments_data`` and each seed,
the training half is split 75/25 into fitting and validation rows (as the authors' code does); the
convex program is solved over all activation patterns at λ = λ_max/50 and certified, and
``exactrelu.optimum.optimal_set`` decides the optimal set: ``verified`` (the optimum is irrational,
its neurons and the uniqueness of the optimal network proved in ball arithmetic), ``exact`` (a
rational optimum) or ``undecided`` (with the reason).  Four models are taken from three sets:

* **whole**: the optimal set of all neurons that reach the dual bound, ``‖Π_K(Z_bᵀ r)‖ = λ``.
  When it is verified unique this is one network (exact claim).  Otherwise its polytope
  ``{β >= 0 : Σ β_ν f_ν = ŷ}`` is computed in floating point (``numeric``) from the polished
  residual: blocks within 1e-9 of λ, grouped into neurons;
* **face**: the same restricted to the neurons of the solver's solution (the paper's "face of the
  base solution's active blocks", here exactrelu's base);
* **paper**: the authors' procedure in floating point: the conic solver's raw solution (Clarabel
  on the column-generation program, before exactrelu's polish), every block with a nonzero weight,
  ``β`` scaling those blocks, ``{β >= 0 : Z β = Z 1}``.

The models (solved with Clarabel over the polytope in null-space coordinates):
``min-norm`` (least ‖β‖), ``extreme`` (a vertex maximizing ``Σ_ν ‖β_ν f_ν‖₁``, the total size of
the neurons' outputs: Σα itself is constant on the exact optimal set, ``Σα = ŷᵀr/λ²``, so the
paper's "max Σβ" only selects relative to a base; this objective is the same for every
parameterization), ``best-val`` (least validation squared error), ``oracle`` (least test squared
error, as the authors' code).  Each chosen network is converted to exact rationals and its exact
objective compared with the certified bounds: ``excess`` = (objective − certified lower bound)/½‖y‖²
is an exact upper bound on its suboptimality, and it is **proved not optimal** when its objective
exceeds the exact objective of the solver's network.

Exact vs floating point: counts of the blocks a float threshold calls active, of the neurons in
the float equicorrelation set, against the verified neurons; see the printed summary.

Usage::

    .venv/bin/python examples/tuning.py            # 5 data sets x 5 seeds (a few minutes)
    .venv/bin/python examples/tuning.py --quick    # 2 small data sets, 1 seed (seconds)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import cdd
import clarabel
import numpy as np
import scipy.sparse as sp
from experiments_data import (
    Split,
    accuracy,
    load_split,
    make_problem,
    parse_args,
    run_all,
    write_csv,
)

from exactrelu.model.convex import ConvexBlock, from_convex
from exactrelu.model.network import Network
from exactrelu.optimum.optimal_set import optimal_set
from exactrelu.program.problem import Problem, Solution
from exactrelu.program.reduced_kkt import neuron_matrices
from exactrelu.program.solver import ColumnGeneration

MODELS = ("min-norm", "extreme", "best-val", "oracle")
SETS = ("whole", "face", "paper")
VALIDATION_SHARE = Fraction(1, 4)
TOL = Fraction(1, 10**9)  # ε-optimal: objective − certified lower bound <= TOL·½‖y‖²
EQUICORRELATION_TOL = 1e-9  # float E: ‖Π_K(Z_bᵀ r)‖ >= λ(1 − this)
NULL_RTOL = 1e-9  # float rank decisions for the null space of the fits
MAX_VERTEX_DIMENSION = 12  # float vertex enumeration only for polytopes of small dimension


# ---------------------------------------------------------------------------------------------
# Polytopes of optimal networks (floating point) and their models


@dataclass(frozen=True)
class Polytope:
    """``{β >= 0 : F β = F β0}`` in floating point: columns are neuron (or block) outputs.

    ``directions[j]`` and ``signs[j]`` give column j's network weight ``u_j = β_j·directions[j]``;
    ``null`` is an orthonormal basis of the null space of F (rank decided with ``NULL_RTOL``).
    """

    train: np.ndarray  # n × p outputs on the fitting rows
    validation: np.ndarray
    test: np.ndarray
    base: np.ndarray
    directions: np.ndarray
    signs: np.ndarray
    patterns: np.ndarray
    null: np.ndarray

    @property
    def dimension(self) -> int:
        return self.null.shape[1]

    def vertices(self) -> int | None:
        """The number of vertices (minimal networks), by float cdd; None when too large."""
        if self.dimension == 0:
            return 1
        if self.dimension > MAX_VERTEX_DIMENSION:
            return None
        matrix = cdd.matrix_from_array(
            np.hstack([self.base[:, None], self.null]).tolist(), rep_type=cdd.RepType.INEQUALITY
        )
        points = cdd.copy_generators(cdd.polyhedron_from_matrix(matrix)).array
        betas = {
            tuple(np.round(self.base + self.null @ np.array(row[1:]), 9))
            for row in points
            if row[0] == 1
        }
        return len(betas)

    def choose(self, model: str, y_val: np.ndarray, y_test: np.ndarray) -> np.ndarray | None:
        """β of one model (None when the conic solver fails)."""
        if self.dimension == 0:
            return self.base
        N = self.null
        if model == "min-norm":
            P, q = N.T @ N, N.T @ self.base
        elif model == "extreme":
            weights = np.abs(self.train).sum(axis=0)
            P, q = np.zeros((N.shape[1],) * 2), -(N.T @ weights)
        else:
            G, h = (self.validation, y_val) if model == "best-val" else (self.test, y_test)
            GN = G @ N
            P, q = GN.T @ GN, GN.T @ (G @ self.base - h)
        z = _qp(P, q, -N, self.base)
        return None if z is None else np.maximum(self.base + N @ z, 0.0)


def _qp(P: np.ndarray, q: np.ndarray, A: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """``argmin ½zᵀPz + qᵀz`` subject to ``A z <= b`` (Clarabel), or None."""
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    solver = clarabel.DefaultSolver(
        sp.csc_matrix(np.triu(P)),
        q,
        sp.csc_matrix(A),
        b,
        [clarabel.NonnegativeConeT(len(b))],
        settings,
    )
    solution = solver.solve()
    if str(solution.status) not in ("Solved", "AlmostSolved"):
        return None
    return np.array(solution.x)


def _null_space(F: np.ndarray) -> np.ndarray:
    if F.shape[1] == 0:
        return np.zeros((0, 0))
    _, sv, Vt = np.linalg.svd(F, full_matrices=True)
    rank = int(np.sum(sv > NULL_RTOL * max(sv.max(initial=0.0), 1e-300)))
    return Vt[rank:].T


def _outputs(rows: np.ndarray, directions: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """``s_j (x̃·u_j)_+`` for every row and column."""
    return np.maximum(rows @ directions.T, 0.0) * signs[None, :]


def polytope(
    directions: np.ndarray,
    signs: np.ndarray,
    patterns: np.ndarray,
    base: np.ndarray,
    rows: dict[str, np.ndarray],
) -> Polytope:
    train = _outputs(rows["train"], directions, signs)
    return Polytope(
        train,
        _outputs(rows["validation"], directions, signs),
        _outputs(rows["test"], directions, signs),
        base,
        directions,
        signs,
        patterns,
        _null_space(train),
    )


# ---------------------------------------------------------------------------------------------
# The three sets of one run


def whole_and_face(
    problem: Problem, solution: Solution, engine: ColumnGeneration, rows: dict
) -> tuple[Polytope, Polytope, int]:
    """The float equicorrelation set's polytope and the solver's face; also |E| in blocks."""
    residual = solution.numeric.residual / engine.unit
    values = engine.block_values(residual)
    cells, columns = np.nonzero(values >= engine.lam * (1 - EQUICORRELATION_TOL))
    neurons = {nu.key(): nu for nu in solution.numeric.neurons}
    base = {
        nu.key(): a for nu, a in zip(solution.numeric.neurons, solution.numeric.alpha, strict=True)
    }
    for cell, column in zip(cells, columns, strict=True):
        nu = engine.neuron_at(int(cell), problem.blocks.signs[column], residual)
        neurons.setdefault(nu.key(), nu)
    keys = list(neurons)
    listed = [neurons[k] for k in keys]
    ZP, _ = neuron_matrices(engine.rows, listed)
    directions = np.array([zp.T @ solution.numeric.residual for zp in ZP]).reshape(len(keys), -1)
    signs = np.array([nu.sign for nu in listed], dtype=float)
    patterns = np.array([nu.active for nu in listed])
    beta = np.array([base.get(k, 0.0) for k in keys])
    whole = polytope(directions, signs, patterns, beta, rows)
    face_index = [i for i, k in enumerate(keys) if k in base]
    face = polytope(
        directions[face_index], signs[face_index], patterns[face_index], beta[face_index], rows
    )
    return whole, face, len(cells)


def mirror_pairs(poly: Polytope) -> int:
    """Pairs of neurons with the same sign and opposite directions (float, 1e-7 relative):
    their outputs differ by a linear function, ``s(x̃·v)_+ − s(−x̃·v)_+ = s x̃·v``."""
    scale = np.linalg.norm(poly.directions, axis=1).max(initial=1.0)
    count = 0
    for i in range(len(poly.signs)):
        for j in range(i):
            opposite = np.linalg.norm(poly.directions[i] + poly.directions[j]) <= 1e-7 * scale
            count += bool(opposite and poly.signs[i] == poly.signs[j])
    return count


def paper_face(
    problem: Problem, engine: ColumnGeneration, rows: dict, tol: float
) -> tuple[Polytope, dict]:
    """The authors' procedure: the conic solver's raw solution, every nonzero block."""
    working = engine.initial_working_set()
    U, _, _, _ = engine.generate(working, tol, 0)
    U = U * engine.unit
    norms = np.linalg.norm(U, axis=1)
    active = np.nonzero(norms > 0)[0]
    signs = np.array([working[i][1] for i in active], dtype=float)
    patterns = problem.blocks.patterns[[working[i][0] for i in active]]
    counts = {
        "float_nonzero_blocks": len(active),
        "float_blocks_above_1e-6": int(np.sum(norms > 1e-6 * norms.max(initial=0.0))),
    }
    return polytope(U[active], signs, patterns, np.ones(len(active)), rows), counts


def network_of(poly: Polytope, beta: np.ndarray) -> Network:
    """The exact rational network of ``u_j = β_j·direction_j`` (floats converted exactly)."""
    blocks = [
        ConvexBlock(
            tuple(bool(v) for v in poly.patterns[j]),
            int(poly.signs[j]),
            tuple(Fraction(float(beta[j] * v)) for v in poly.directions[j]),
        )
        for j in range(len(beta))
        if beta[j] > 0
    ]
    return from_convex(blocks, bias=True)


# ---------------------------------------------------------------------------------------------
# One run


@dataclass(frozen=True)
class Choice:
    """One model of one set: exact accuracies and the exact certificate of its objective."""

    kind: str
    model: str
    network: Network | None  # None: the conic solver failed on this model
    test_accuracy: Fraction | None
    validation_accuracy: Fraction | None
    objective: Fraction | None
    excess: Fraction | None  # (objective − certified lower bound) / ½‖y‖²: suboptimality <= this
    worse: Fraction | None  # (objective − the solver network's objective) / ½‖y‖², exact

    @property
    def eps_optimal(self) -> bool:
        """Certified within TOL·½‖y‖² of the optimum."""
        return self.excess is not None and self.excess <= TOL

    @property
    def not_optimal(self) -> bool:
        """Proved worse than the optimum by more than TOL·½‖y‖² (the solver's network is)."""
        return self.worse is not None and self.worse > TOL


@dataclass(frozen=True)
class Run:
    split: Split
    problem: Problem
    solution: Solution
    status: str
    reason: str
    exact_neurons: int | None
    facts: dict
    choices: tuple[Choice, ...]
    dimensions: dict
    vertices: dict
    seconds: float


def _choice(kind, model, network, problem, solution, data) -> Choice:
    if network is None:
        return Choice(kind, model, None, None, None, None, None, None)
    objective = problem.objective(network)
    return Choice(
        kind,
        model,
        network,
        accuracy(network, data["X_test"], data["y_test"]),
        accuracy(network, data["X_val"], data["y_val"]),
        objective,
        (objective - solution.objective_lower) / problem.zero_objective,
        (objective - solution.objective_upper) / problem.zero_objective,
    )


def fitting_and_validation(split: Split) -> dict:
    n = len(split.y_train)
    k = n - int(n * VALIDATION_SHARE)
    return {
        "X_fit": split.X_train[:k],
        "y_fit": split.y_train[:k],
        "X_val": split.X_train[k:],
        "y_val": split.y_train[k:],
        "X_test": split.X_test,
        "y_test": split.y_test,
    }


def _float_rows(X: list[list[Fraction]]) -> np.ndarray:
    return np.array([[float(v) for v in row] + [1.0] for row in X])


def run_one(name: str, seed: int, cap: int, fraction: Fraction) -> Run:
    start = time.perf_counter()
    split = load_split(name, seed, cap)
    data = fitting_and_validation(split)
    problem = make_problem(data["X_fit"], data["y_fit"], fraction)
    solution = problem.solve(TOL)
    found = optimal_set(problem, solution)
    reason = "; ".join(getattr(getattr(found, "verification", None), "failures", ()))
    engine = ColumnGeneration(
        problem.rows_float, problem.y_float, float(problem.lam_sum), problem.blocks, False
    )
    rows = {
        "train": _float_rows(data["X_fit"]),
        "validation": _float_rows(data["X_val"]),
        "test": _float_rows(data["X_test"]),
    }
    float_whole, face, e_blocks = whole_and_face(problem, solution, engine, rows)
    # a proved unique optimal network overrides the float equicorrelation set
    whole = face if found.unique_network is True else float_whole
    paper, counts = paper_face(problem, engine, rows, float(TOL))
    y_val = np.array([float(v) for v in data["y_val"]])
    y_test = np.array([float(v) for v in data["y_test"]])
    choices, outputs = [], {}
    for kind, poly in zip(SETS, (whole, face, paper), strict=True):
        for model in MODELS:
            beta = poly.choose(model, y_val, y_test)
            network = None if beta is None else network_of(poly, beta)
            if kind != "paper" and poly.dimension == 0:
                network = solution.network  # the certified optimum itself, exact
            choices.append(_choice(kind, model, network, problem, solution, data))
            if beta is not None:
                outputs.setdefault(kind, []).append(poly.test @ beta)
    exact_neurons = len(found.neurons) if found.status in ("verified", "exact") else None
    facts = {
        **counts,
        "float_E_blocks": e_blocks,
        "float_E_neurons": float_whole.train.shape[1],
        "solver_neurons": face.train.shape[1],
        "exact_neurons": exact_neurons,
        "float_mirror_pairs": mirror_pairs(float_whole),
        "Xt_r_relative": float(
            np.linalg.norm(problem.rows_float.T @ solution.numeric.residual)
            / (np.linalg.norm(problem.rows_float) * np.linalg.norm(solution.numeric.residual))
        ),
        **{
            f"{kind}_test_output_spread": float(np.ptp(np.array(values), axis=0).max())
            for kind, values in outputs.items()
        },
    }
    return Run(
        split,
        problem,
        solution,
        found.status,
        reason,
        exact_neurons,
        facts,
        tuple(choices),
        {kind: p.dimension for kind, p in zip(SETS, (whole, face, paper), strict=True)},
        {"whole": whole.vertices(), "face": face.vertices()},
        time.perf_counter() - start,
    )


# ---------------------------------------------------------------------------------------------
# Report


def spread(run: Run, kind: str) -> Fraction | None:
    """max − min test accuracy over the four models of one set (None if a model failed)."""
    values = [c.test_accuracy for c in run.choices if c.kind == kind]
    if any(v is None for v in values):
        return None
    return max(values) - min(values)


def run_rows(runs: Sequence[Run]) -> list[dict]:
    rows = []
    for run in runs:
        for c in run.choices:
            rows.append(
                {
                    "dataset": run.split.name,
                    "seed": run.split.seed,
                    "set": c.kind,
                    "model": c.model,
                    "optimal_set_status": run.status,
                    "set_dimension": run.dimensions[c.kind],
                    "test_accuracy": "" if c.test_accuracy is None else str(c.test_accuracy),
                    "validation_accuracy": ""
                    if c.validation_accuracy is None
                    else str(c.validation_accuracy),
                    "excess_float": "" if c.excess is None else f"{float(c.excess):.3e}",
                    "certified_eps_optimal": c.eps_optimal,
                    "proved_not_optimal": c.not_optimal,
                }
            )
    return rows


def fact_rows(runs: Sequence[Run]) -> list[dict]:
    return [
        {
            "dataset": run.split.name,
            "seed": run.split.seed,
            "n_fit": len(run.problem.dataset.y),
            "lam": str(run.problem.lam),
            "status": run.status,
            "relative_gap": f"{float(run.solution.relative_gap):.1e}",
            **run.facts,
            "whole_dimension": run.dimensions["whole"],
            "whole_vertices": run.vertices["whole"],
            "seconds": round(run.seconds, 2),
        }
        for run in runs
    ]


def summary_rows(runs: Sequence[Run]) -> list[dict]:
    """Median test accuracy of each model of each set, the median spread, per data set."""
    rows = []
    for name in dict.fromkeys(run.split.name for run in runs):
        mine = [run for run in runs if run.split.name == name]
        for kind in SETS:
            row = {"dataset": name, "set": kind, "runs": len(mine)}
            for model in MODELS:
                values = [
                    float(c.test_accuracy)
                    for run in mine
                    for c in run.choices
                    if c.kind == kind and c.model == model and c.test_accuracy is not None
                ]
                row[model] = round(float(np.median(values)), 4) if values else ""
            spreads = [float(s) for s in (spread(run, kind) for run in mine) if s is not None]
            row["spread_median"] = round(float(np.median(spreads)), 4) if spreads else ""
            row["spread_max"] = round(max(spreads), 4) if spreads else ""
            chosen = [c for run in mine for c in run.choices if c.kind == kind]
            row["eps_optimal"] = sum(c.eps_optimal for c in chosen)
            excesses = [float(c.excess) for c in chosen if c.excess is not None]
            row["excess_max"] = f"{max(excesses):.1e}" if excesses else ""
            row["not_optimal"] = sum(c.not_optimal for c in chosen)
            row["models"] = len(chosen)
            rows.append(row)
    return rows


def print_report(runs: Sequence[Run], summary: list[dict]) -> None:
    print(
        "\nmedian test accuracy over the seeds; spread = max − min over the 4 models "
        "(accuracy points, median and max over seeds);\n"
        f"ε-opt = models certified within {float(TOL):g}·½‖y‖² of the optimum, "
        f"not-opt = models proved worse than the optimum by more than {float(TOL):g}·½‖y‖² "
        "(their exact objective exceeds the solver network's by that much)"
    )
    header = f"  {'data':<14}{'set':<7}" + "".join(f"{m:>10}" for m in MODELS)
    print(header + f"{'spread':>14}{'ε-opt':>8}{'not-opt':>9}{'max excess':>12}")
    for row in summary:
        cells = "".join(f"{row[m]:>10.3f}" if row[m] != "" else f"{'-':>10}" for m in MODELS)
        sp_ = (
            f"{100 * row['spread_median']:.0f}/{100 * row['spread_max']:.0f}"
            if row["spread_median"] != ""
            else "-"
        )
        print(
            f"  {row['dataset']:<14}{row['set']:<7}{cells}{sp_:>14}"
            f"{row['eps_optimal']:>5}/{row['models']:<3}{row['not_optimal']:>5}/{row['models']:<3}"
            f"{row['excess_max']:>10}"
        )
    print("\nthe optimal set, exactly and in floating point (per run):")
    for run in runs:
        f = run.facts
        exact = f"{run.exact_neurons} neurons" if run.exact_neurons is not None else "neurons ?"
        print(
            f"  {run.split.name} seed {run.split.seed}: {run.status} ({exact}); solver: "
            f"{f['solver_neurons']} neurons; float E (1e-9): {f['float_E_blocks']} blocks = "
            f"{f['float_E_neurons']} neurons, {f['float_mirror_pairs']} mirror pairs, "
            f"|X̃ᵀr| = {f['Xt_r_relative']:.0e} (relative)"
        )
        print(
            f"      whole set: dimension {run.dimensions['whole']}, "
            f"{run.vertices['whole'] or 'uncounted'} minimal networks, test outputs differ by "
            f"<= {f['whole_test_output_spread']:.1e}; conic solver: {f['float_nonzero_blocks']} "
            f"nonzero blocks ({f['float_blocks_above_1e-6']} above 1e-6 of the largest), paper "
            f"face of dimension {run.dimensions['paper']}"
        )
        if run.status == "undecided":
            print(f"      undecided: {run.reason[:200]}")


def exact_vs_float(runs: Sequence[Run]) -> dict[str, int]:
    """Counts of runs (or models) where floating point draws another conclusion."""
    proved = [run for run in runs if run.exact_neurons is not None]
    paper = [c for run in runs for c in run.choices if c.kind == "paper"]
    return {
        "runs": len(runs),
        "verified_or_exact": len(proved),
        "undecided": sum(run.status == "undecided" for run in runs),
        "threshold_count_differs": sum(
            run.facts["float_blocks_above_1e-6"] != run.exact_neurons for run in proved
        ),
        "float_E_differs": sum(run.facts["float_E_neurons"] != run.exact_neurons for run in proved),
        "float_non_unique": sum(run.dimensions["whole"] > 0 for run in runs),
        "float_non_unique_same_outputs": sum(
            run.dimensions["whole"] > 0 and run.facts["whole_test_output_spread"] < 1e-6
            for run in runs
        ),
        "paper_models": len(paper),
        "paper_not_optimal": sum(c.not_optimal for c in paper),
    }


def print_exact_vs_float(counts: dict[str, int]) -> None:
    print(
        f"\nexact vs floating point over {counts['runs']} runs:\n"
        f"  optimal set proved (verified or exact) in {counts['verified_or_exact']}, undecided "
        f"in {counts['undecided']};\n"
        f"  of the proved ones, the number of blocks above a 1e-6 float threshold differs from "
        f"the number of neurons in {counts['threshold_count_differs']} (tied cells of one "
        f"neuron count as several), the float equicorrelation set (1e-9) in "
        f"{counts['float_E_differs']};\n"
        f"  the float whole set is not a single point in {counts['float_non_unique']} runs, "
        f"and in {counts['float_non_unique_same_outputs']} of them every optimal network has "
        f"the same test outputs (to 1e-6);\n"
        f"  the authors' float face picked {counts['paper_not_optimal']} of "
        f"{counts['paper_models']} models that are proved not optimal (by more than "
        f"{float(TOL):g}·½‖y‖²)"
    )


def main(argv: Sequence[str] | None = None) -> list[Run]:
    args = parse_args(argv, __doc__.split("\n\n")[0])
    start = time.perf_counter()
    print(
        f"tuning inside the optimal set: λ = {args.fraction}·λ_max (sum scale), all activation "
        f"patterns, {1 - VALIDATION_SHARE} of the training half to fit, {VALIDATION_SHARE} to "
        f"validate, seeds 0..{args.seeds - 1}"
    )
    runs = run_all(
        args,
        run_one,
        lambda run: (
            f"{len(run.problem.dataset.y)} fitting rows, λ = {run.problem.lam}, optimal set "
            f"{run.status}, {run.seconds:.1f} s"
        ),
    )
    summary = summary_rows(runs)
    print_report(runs, summary)
    print_exact_vs_float(exact_vs_float(runs))
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / "tuning.csv", summary)
    write_csv(args.out / "tuning_runs.csv", run_rows(runs))
    write_csv(args.out / "tuning_optimal_sets.csv", fact_rows(runs))
    print(
        f"\nwrote {args.out / 'tuning.csv'}, {args.out / 'tuning_runs.csv'}, "
        f"{args.out / 'tuning_optimal_sets.csv'}; total {time.perf_counter() - start:.1f} s"
    )
    return runs


if __name__ == "__main__":
    main()
    sys.exit(0)
