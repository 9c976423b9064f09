#!/usr/bin/env python
"""Benchmark the certified solve (``Problem.solve``) and ``certify`` against Clarabel.

A script, not a test: it prints timings and ratios to a baseline timed in the same run (the
machines are shared and noisy, so only same-run ratios mean anything).  See
``benchmarks/README.md`` for the data, the tables and the targets.

Three tables:

A. small n: ``Problem(X, y, lam).solve()`` (cell enumeration, column generation, Newton polish and
   the exact certificate) against Clarabel on the **full** convex program (every block of every
   cell, both signs), build and solve timed; objectives side by side.
B. n = 200, d = 3 (about 40,000 cells, too large for the full program): our solve alone.
C. ``certify`` of a network trained by ``exactrelu.model.training.train`` (width 20, seed 0).

Usage::

    .venv/bin/python benchmarks/solve.py            # full run (a few minutes)
    .venv/bin/python benchmarks/solve.py --quick    # small sizes, < 1 minute
    .venv/bin/python benchmarks/solve.py --json out/solve.json --seed 1
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import clarabel
import numpy as np
import scipy.sparse as sp
from bench_common import (
    NOISE,
    TEACHER_WIDTH,
    Column,
    Instance,
    Size,
    lam_of,
    machine_summary,
    parse_fractions,
    parse_sizes,
    print_table,
    run_and_report,
    run_meta,
    timed,
)

TOL = 1e-9  # relative to ½‖y‖², the zero network's objective
CLARABEL_TOL = 1e-10
CLARABEL_MAX_ITER = 500
TRAIN_WIDTH = 20
TRAIN_SEED = 0
FRACTIONS = (Fraction(5, 100), Fraction(1, 100))
BASELINE_SIZES: list[Size] = [(40, 3)]
SOLVE_SIZES: list[Size] = [(200, 3)]
CERTIFY_SIZES: list[Size] = [(200, 3)]
QUICK_BASELINE_SIZES: list[Size] = [(20, 3)]
QUICK_SOLVE_SIZES: list[Size] = [(60, 3)]
QUICK_CERTIFY_SIZES: list[Size] = [(60, 3)]
CONE_ROWS = ("facets", "rows")
TARGETS = {"speedup": 5.0, "solve_s": 60.0, "certify_s": 60.0}


# ---------------------------------------------------------------------------------------------
# Ours


def run_ours(inst: Instance, lam: Fraction, check: bool = False) -> dict[str, Any]:
    """``Problem(...).solve(TOL)``, enumeration timed separately; the exact certificate included."""
    from exactrelu.program.problem import Problem

    problem = Problem(inst.X_exact, inst.y_exact, lam)
    cpu = time.process_time()
    blocks, enum_s = timed(lambda: problem.blocks)
    solution, solve_s = timed(problem.solve, TOL)
    cpu = time.process_time() - cpu
    row: dict[str, Any] = {
        "cells": len(blocks.patterns),
        "enum_s": enum_s,
        "solve_s": solve_s,
        "ours_s": enum_s + solve_s,
        "ours_cpu_s": cpu,
        "objective_upper": solution.objective_upper,
        "objective_lower": solution.objective_lower,
        "gap": solution.gap,
        "relative_gap": float(solution.relative_gap),
        "width": solution.network.width,
        "rounds": solution.numeric.rounds,
        "working_set": solution.numeric.working_set,
        "polished": solution.numeric.polished,
        "exact_optimum": solution.optimum is not None,
        "zero_objective": problem.zero_objective,
    }
    if check:
        row.update(check_solution(problem, solution))
    return row


def check_solution(problem: Any, solution: Any) -> dict[str, Any]:
    """Untimed in the comparison: the solve certificate through the independent checker."""
    try:
        from exactrelu.checker import CheckFailure, check_certificate
    except ImportError as exc:
        return {"check_verdict": f"checker unavailable: {exc}"}
    cert, to_json_s = timed(solution.to_json)
    try:
        verdict, check_s = timed(
            check_certificate, cert, problem.dataset.X, list(problem.dataset.y)
        )
    except CheckFailure as exc:
        return {"to_json_s": to_json_s, "check_verdict": f"REJECTED: {exc}"}
    return {"to_json_s": to_json_s, "check_s": check_s, "check_verdict": str(verdict)}


# ---------------------------------------------------------------------------------------------
# Baseline: the full program handed to Clarabel


def full_program(
    X: np.ndarray, y: np.ndarray, lam: float, patterns: np.ndarray, cone_rows: Sequence[np.ndarray]
) -> tuple[Any, ...]:
    """Clarabel data of the full convex program (docs/theory.md §3), blocks b = 2·cell + (0: s=+1,
    1: s=−1).

    Variables ``x = (u_1..u_B, t_1..t_B, e)``; minimize ½‖e‖² + λ Σ t_b subject to
    ``e = Σ_b s_b D_b X u_b − y`` (zero cone), ``(2p_k − 1) x_k·u_b >= 0`` for k in the cone rows
    of the block's cell (nonnegative cone) and ``‖u_b‖ <= t_b`` (one second-order cone per block).
    Clarabel's form is ``A x + s = b``, ``s ∈ K``.  Built with vectorized COO arrays.
    """
    n, D = X.shape
    N = len(patterns)
    B = 2 * N
    nu = B * D
    nvar = nu + B + n
    signs = np.array([1.0, -1.0])
    # zero cone: Σ_b Z_b u_b − e = y, Z_b = s D_C X
    cell, k = np.nonzero(patterns)
    blk = (2 * cell[:, None] + np.arange(2)[None, :]).ravel()  # both signs of each (cell, k)
    kk = np.repeat(k, 2)
    rows_z = np.repeat(kk, D)
    cols_z = (blk[:, None] * D + np.arange(D)[None, :]).ravel()
    vals_z = (signs[np.tile([0, 1], len(k))][:, None] * X[kk]).ravel()
    rows_e, cols_e, vals_e = np.arange(n), nu + B + np.arange(n), -np.ones(n)
    # nonnegative cone: row −a_k on u_b, b = 0, so s = a_k·u_b >= 0
    counts = np.array([len(r) for r in cone_rows])
    face_cell = np.repeat(np.arange(N), counts)
    face_row = np.concatenate(cone_rows).astype(np.int64) if N else np.zeros(0, np.int64)
    a = np.where(patterns[face_cell, face_row], 1.0, -1.0)[:, None] * X[face_row]
    F = len(face_row)
    face_blk = (2 * face_cell[:, None] + np.arange(2)[None, :]).ravel()  # (face, sign) pairs
    rows_f = n + np.repeat(np.arange(2 * F), D)
    cols_f = (face_blk[:, None] * D + np.arange(D)[None, :]).ravel()
    vals_f = -np.repeat(a, 2, axis=0).ravel()
    # second-order cones: rows (t_b, u_b) with −I, b = 0
    base = n + 2 * F + (D + 1) * np.arange(B)
    rows_t, cols_t = base, nu + np.arange(B)
    rows_u = (base[:, None] + 1 + np.arange(D)[None, :]).ravel()
    cols_u = np.arange(nu)
    rows = np.concatenate([rows_z, rows_e, rows_f, rows_t, rows_u])
    cols = np.concatenate([cols_z, cols_e, cols_f, cols_t, cols_u])
    vals = np.concatenate([vals_z, vals_e, vals_f, -np.ones(B), -np.ones(nu)])
    m = n + 2 * F + (D + 1) * B
    A = sp.csc_matrix((vals, (rows, cols)), shape=(m, nvar))
    b = np.concatenate([y, np.zeros(m - n)])
    cones = [clarabel.ZeroConeT(n)]
    if F:
        cones.append(clarabel.NonnegativeConeT(2 * F))
    cones += [clarabel.SecondOrderConeT(D + 1)] * B
    e = nu + B + np.arange(n)
    P = sp.csc_matrix((np.ones(n), (e, e)), shape=(nvar, nvar))
    q = np.zeros(nvar)
    q[nu : nu + B] = lam
    return P, q, A, b, cones, A[:n, :nu], F


def run_clarabel(inst: Instance, lam: Fraction, cone_rows: str) -> dict[str, Any]:
    """Enumerate (timed), build (timed) and solve (timed) the full program with Clarabel."""
    import exactrelu

    cpu = time.process_time()
    cells, enum_s = timed(exactrelu.enumerate_patterns, inst.X_exact)
    patterns = np.asarray(cells.patterns, dtype=bool)
    if cone_rows == "facets":
        rows = [np.asarray(f, dtype=np.int64) for f in cells.facets]
    else:
        rows = [np.arange(inst.n, dtype=np.int64)] * len(patterns)
    lam_f = float(lam)
    (P, q, A, b, cones, Z, F), build_s = timed(full_program, inst.X, inst.y, lam_f, patterns, rows)
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = CLARABEL_TOL
    settings.tol_feas = CLARABEL_TOL
    settings.max_iter = CLARABEL_MAX_ITER
    solution, solve_s = timed(lambda: clarabel.DefaultSolver(P, q, A, b, cones, settings).solve())
    cpu = time.process_time() - cpu
    x = np.array(solution.x)
    U = x[: Z.shape[1]]
    blocks = U.reshape(-1, inst.d)
    norms = np.linalg.norm(blocks, axis=1)
    residual = Z @ U - inst.y
    objective = 0.5 * residual @ residual + lam_f * norms.sum()
    cone_values = -(A[inst.n : inst.n + 2 * F, : Z.shape[1]] @ U)
    return {
        "cone_rows": cone_rows,
        "clarabel_enum_s": enum_s,
        "build_s": build_s,
        "clarabel_solve_s": solve_s,
        "clarabel_s": enum_s + build_s + solve_s,
        "clarabel_cpu_s": cpu,
        "clarabel_status": str(solution.status),
        "clarabel_iterations": int(solution.iterations),
        "clarabel_objective": float(objective),
        "clarabel_blocks": len(norms),
        "clarabel_active": int(np.sum(norms > 1e-6 * max(norms.max(initial=0.0), 1e-300))),
        "clarabel_cone_violation": float(max(0.0, -cone_values.min(initial=0.0))),
        "constraints": A.shape[0],
        "variables": A.shape[1],
    }


# ---------------------------------------------------------------------------------------------
# Certify a trained network


def run_certify(inst: Instance, lam: Fraction) -> dict[str, Any]:
    """Train width TRAIN_WIDTH from seed TRAIN_SEED (timed apart), then ``certify`` (timed)."""
    from exactrelu.model.training import train
    from exactrelu.program.problem import Problem
    from exactrelu.tasks.certify import certify

    network, train_s = timed(train, inst.X, inst.y, lam, TRAIN_WIDTH, seed=TRAIN_SEED)

    def certified() -> Any:
        return certify(Problem(inst.X_exact, inst.y_exact, lam), network, TOL)

    cpu = time.process_time()
    result, certify_s = timed(certified)
    cpu = time.process_time() - cpu
    unit = result.problem.zero_objective
    improving = result.improving_network
    return {
        "train_s": train_s,
        "certify_s": certify_s,
        "certify_cpu_s": cpu,
        "verdict": result.verdict,
        "objective": result.objective,
        "lower_bound": result.lower_bound,
        "gap": result.gap,
        "relative_gap": float(result.gap / unit),
        "improvement": result.improvement,
        "relative_improvement": None if improving is None else float(result.improvement / unit),
        "trained_width": network.width,
        "improving_width": None if improving is None else improving.width,
        "optimum_gap": float(result.solution.relative_gap),
    }


# ---------------------------------------------------------------------------------------------
# Benchmarks per size


def _instance_row(n: int, d: int, seed: int, fraction: Fraction) -> tuple[Instance, dict]:
    inst = Instance(n, d, seed)
    lam_max = inst.lam_max()
    lam = lam_of(fraction, lam_max)
    row = {"n": n, "d": d, "fraction": str(fraction), "lam_max": lam_max, "lam": lam}
    return inst, row


def bench_baseline(n: int, d: int, seed: int, fraction: Fraction, cone_rows: Sequence[str]):
    """Table A rows: ours (with the checker, untimed) and Clarabel for each cone-row choice."""
    inst, row = _instance_row(n, d, seed, fraction)
    row.update(run_ours(inst, row["lam"], check=True))
    rows = []
    for choice in cone_rows:
        out = dict(row)
        try:
            out.update(run_clarabel(inst, row["lam"], choice))
        except Exception as exc:  # noqa: BLE001 - a benchmark reports and goes on
            traceback.print_exc()
            out["error"] = repr(exc)
            rows.append(out)
            continue
        unit = float(row["zero_objective"])
        out["speedup"] = out["clarabel_s"] / out["ours_s"]
        out["cpu_speedup"] = out["clarabel_cpu_s"] / out["ours_cpu_s"]
        out["clarabel_minus_lower"] = (
            out["clarabel_objective"] - float(row["objective_lower"])
        ) / unit
        rows.append(out)
    return rows


def bench_solve(n: int, d: int, seed: int, fraction: Fraction) -> dict[str, Any]:
    """Table B row: our solve alone."""
    inst, row = _instance_row(n, d, seed, fraction)
    try:
        row.update(run_ours(inst, row["lam"]))
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc()
        row["error"] = repr(exc)
    return row


def bench_certify(n: int, d: int, seed: int, fraction: Fraction) -> dict[str, Any]:
    """Table C row: train, then certify."""
    inst, row = _instance_row(n, d, seed, fraction)
    try:
        row.update(run_certify(inst, row["lam"]))
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc()
        row["error"] = repr(exc)
    return row


# ---------------------------------------------------------------------------------------------
# Output

BASELINE_COLUMNS: list[Column] = [
    ("n", "n", ""),
    ("frac", "fraction", ""),
    ("lam", "lam", ".4f"),
    ("cells", "cells", ""),
    ("ours_s", "ours_s", ".2f"),
    ("rel_gap", "relative_gap", ".1e"),
    ("cone", "cone_rows", ""),
    ("constr", "constraints", ""),
    ("build_s", "build_s", ".2f"),
    ("clar_s", "clarabel_solve_s", ".2f"),
    ("clar_tot_s", "clarabel_s", ".2f"),
    ("clar/ours", "speedup", ".1f"),
    ("ours_cpu", "ours_cpu_s", ".2f"),
    ("clar_cpu", "clarabel_cpu_s", ".2f"),
    ("cpu ratio", "cpu_speedup", ".1f"),
    ("its", "clarabel_iterations", ""),
    ("status", "clarabel_status", ""),
]
OBJECTIVE_COLUMNS: list[Column] = [
    ("n", "n", ""),
    ("frac", "fraction", ""),
    ("cone", "cone_rows", ""),
    ("ours_upper", "objective_upper", ".12f"),
    ("ours_lower", "objective_lower", ".12f"),
    ("clarabel", "clarabel_objective", ".12f"),
    ("(clar-lower)/unit", "clarabel_minus_lower", ".1e"),
    ("width", "width", ""),
    ("clar_active", "clarabel_active", ""),
    ("cone_viol", "clarabel_cone_violation", ".1e"),
]
SOLVE_COLUMNS: list[Column] = [
    ("n", "n", ""),
    ("d", "d", ""),
    ("frac", "fraction", ""),
    ("lam", "lam", ".4f"),
    ("cells", "cells", ""),
    ("enum_s", "enum_s", ".2f"),
    ("solve_s", "solve_s", ".2f"),
    ("total_s", "ours_s", ".2f"),
    ("cpu_s", "ours_cpu_s", ".2f"),
    ("<=60s", "solve_ok", ""),
    ("rel_gap", "relative_gap", ".1e"),
    ("width", "width", ""),
    ("rounds", "rounds", ""),
    ("working", "working_set", ""),
    ("polished", "polished", ""),
    ("objective", "objective_upper", ".10f"),
]
CERTIFY_COLUMNS: list[Column] = [
    ("n", "n", ""),
    ("d", "d", ""),
    ("frac", "fraction", ""),
    ("lam", "lam", ".4f"),
    ("train_s", "train_s", ".2f"),
    ("certify_s", "certify_s", ".2f"),
    ("cpu_s", "certify_cpu_s", ".2f"),
    ("<=60s", "certify_ok", ""),
    ("verdict", "verdict", ""),
    ("objective", "objective", ".6f"),
    ("lower", "lower_bound", ".6f"),
    ("rel_gap", "relative_gap", ".2e"),
    ("rel_improv", "relative_improvement", ".2e"),
    ("width", "trained_width", ""),
    ("impr_width", "improving_width", ""),
]


def print_notes(rows: list[dict[str, Any]], keys: dict[str, str]) -> None:
    """Print per-row notes (checker verdicts, errors) under a table, once per (n, fraction)."""
    seen = set()
    for row in rows:
        for key, label in keys.items():
            if key in row and (row["n"], row["fraction"], key, row[key]) not in seen:
                seen.add((row["n"], row["fraction"], key, row[key]))
                print(f"  n={row['n']} frac={row['fraction']}: {label}: {row[key]}")


def print_report(results: dict[str, list[dict[str, Any]]]) -> None:
    """Print tables A (against Clarabel), A' (objectives), B (n = 200 solve), C (certify)."""
    notes = {"check_verdict": "checker", "error": "error"}
    if results["baseline"]:
        rows = results["baseline"]
        print_table(
            f"A. Certified solve (gap <= {TOL:g}·½‖y‖², certificate included) vs Clarabel on the "
            f"full program (tol {CLARABEL_TOL:g}); target clar/ours >= {TARGETS['speedup']:g}",
            BASELINE_COLUMNS,
            rows,
        )
        print_notes(rows, notes)
        print_table("A'. Objectives side by side (unit = ½‖y‖²)", OBJECTIVE_COLUMNS, rows)
    if results["solve"]:
        print_table(
            f"B. Our certified solve alone (target <= {TARGETS['solve_s']:g} s)",
            SOLVE_COLUMNS,
            results["solve"],
        )
        print_notes(results["solve"], notes)
    if results["certify"]:
        print_table(
            f"C. certify a trained width-{TRAIN_WIDTH} network (train seed {TRAIN_SEED}; "
            f"target certify <= {TARGETS['certify_s']:g} s)",
            CERTIFY_COLUMNS,
            results["certify"],
        )
        print_notes(results["certify"], notes)


def _meta(args: argparse.Namespace) -> dict[str, Any]:
    """Run metadata for the JSON output."""
    settings = {
        "seed": args.seed,
        "fractions": [str(f) for f in args.fractions],
        "tol": TOL,
        "clarabel_tol": CLARABEL_TOL,
        "teacher_width": TEACHER_WIDTH,
        "noise": NOISE,
    }
    return run_meta(("clarabel", "exactrelu"), settings, args.blas_threads)


# ---------------------------------------------------------------------------------------------
# Command line


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (< 1 minute)")
    parser.add_argument("--baseline-sizes", type=parse_sizes, default=None, help="table A sizes")
    parser.add_argument("--solve-sizes", type=parse_sizes, default=None, help="table B sizes")
    parser.add_argument("--certify-sizes", type=parse_sizes, default=None, help="table C sizes")
    parser.add_argument(
        "--fractions",
        type=parse_fractions,
        default=list(FRACTIONS),
        help="λ as fractions of λ_max (default 0.05,0.01)",
    )
    parser.add_argument(
        "--cone-rows",
        default="facets,rows",
        help="Clarabel's cone constraints: facets, rows (every row) or both (default)",
    )
    parser.add_argument("--seed", type=int, default=0, help="data seed (default 0)")
    parser.add_argument(
        "--blas-threads", type=int, default=1, help="BLAS threads (default 1; 0 = library default)"
    )
    parser.add_argument("--json", metavar="OUT", default=None, help="also write numbers here")
    args = parser.parse_args(argv)
    if args.baseline_sizes is None:
        args.baseline_sizes = QUICK_BASELINE_SIZES if args.quick else BASELINE_SIZES
    if args.solve_sizes is None:
        args.solve_sizes = QUICK_SOLVE_SIZES if args.quick else SOLVE_SIZES
    if args.certify_sizes is None:
        args.certify_sizes = QUICK_CERTIFY_SIZES if args.quick else CERTIFY_SIZES
    args.cone_rows = [c.strip() for c in args.cone_rows.split(",") if c.strip()]
    if any(c not in CONE_ROWS for c in args.cone_rows):
        parser.error(f"--cone-rows takes {', '.join(CONE_ROWS)}")
    return args


def run_all(args: argparse.Namespace) -> dict[str, list[dict[str, Any]]]:
    """Run tables A, B, C with progress on stderr."""
    results: dict[str, list[dict[str, Any]]] = {"baseline": [], "solve": [], "certify": []}
    for n, d in args.baseline_sizes:
        for fraction in args.fractions:
            print(f"  A: n={n} d={d} frac={fraction} ...", file=sys.stderr, flush=True)
            results["baseline"] += bench_baseline(n, d, args.seed, fraction, args.cone_rows)
    for n, d in args.solve_sizes:
        for fraction in args.fractions:
            print(f"  B: n={n} d={d} frac={fraction} ...", file=sys.stderr, flush=True)
            row = bench_solve(n, d, args.seed, fraction)
            if "ours_s" in row:
                row["solve_ok"] = row["ours_s"] <= TARGETS["solve_s"]
            results["solve"].append(row)
    for n, d in args.certify_sizes:
        for fraction in args.fractions:
            print(f"  C: n={n} d={d} frac={fraction} ...", file=sys.stderr, flush=True)
            row = bench_certify(n, d, args.seed, fraction)
            if "certify_s" in row:
                row["certify_ok"] = row["certify_s"] <= TARGETS["certify_s"]
            results["certify"].append(row)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks, print the tables, optionally write JSON."""
    args = parse_args(argv)
    meta = _meta(args)
    print(
        f"exactrelu solve benchmark: seed {args.seed}, X ~ N(0,1) rounded to 2 decimals, "
        f"y = width-{TEACHER_WIDTH} teacher ReLU + N(0,{NOISE}^2) noise rounded to 2 decimals, "
        f"no bias, lam = fraction x lam_max (4 decimals), {machine_summary(meta)}"
    )
    return run_and_report(meta, lambda: run_all(args), print_report, args.json)


if __name__ == "__main__":
    sys.exit(main())
