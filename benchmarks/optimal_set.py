#!/usr/bin/env python
"""Benchmark ``optimal_set``: solve, optimal set, certificate (``to_json``) and the checker.

A script, not a test: it prints timings and ratios to baselines timed in the same run (the
machines are shared and noisy, so only same-run ratios mean anything).  See
``benchmarks/README.md`` for the data, the tables and what each column means.

Four tables:

A. random data (n = 100, d = 3, the data of ``benchmarks/solve.py``), several seeds and λ's:
   how each came out (``exact``, ``verified`` or ``undecided``, counted) and the time of each
   stage: enumeration, solve, optimal set, ``to_json()`` (the certificate), the checker.
B. planted "grid" instances (``exactrelu.testing.planted``) with thousands of minimal networks: the
   counts, checked against an independent brute-force count per independent group, and the
   time of vertex enumeration (cdd), of the min-norm point, of ``to_json`` and of the checker.
C. cdd's exact vertex enumeration against a brute-force enumeration over supports on the same
   polytope (smaller planted instances): the same vertices, and the time ratio.
D. the decided rate (``--sweep``; also in the default run): >= 100 random problems, n = 20,
   X ~ N(0,1) and y ~ N(0,1) both rounded to 2 decimals (seeds 0, 1, ...), d in {2, 3}, hidden
   bias off/on, λ = λ_max·{1/2, 1/10, 1/100, 1/1000} (λ_max = sqrt of ``lam_max(problem)
   .upper2``, rounded to a short rational): status counts (exact / verified / undecided), time
   per run, and how many are non-unique as networks and as functions; then one n = 100, d = 3
   run timing the optimal set (target <= 60 s).

Usage::

    .venv/bin/python benchmarks/optimal_set.py            # full run, A-D (30-50 minutes)
    .venv/bin/python benchmarks/optimal_set.py --quick    # small sizes, < 1 minute
    .venv/bin/python benchmarks/optimal_set.py --json out/optimal_set.json --seeds 0,1
    .venv/bin/python benchmarks/optimal_set.py --sweep  # table D only (about 10 minutes)
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
import traceback
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from bench_common import (
    NOISE,
    TEACHER_WIDTH,
    Column,
    Instance,
    lam_of,
    machine_summary,
    parse_fractions,
    print_table,
    run_and_report,
    run_meta,
    timed,
)

TOL = 1e-9  # relative to ½‖y‖², the zero network's objective
FRACTIONS = (Fraction(1, 10), Fraction(5, 100), Fraction(1, 100))
QUICK_FRACTIONS = (Fraction(1, 10), Fraction(1, 100))
RANDOM_SIZE = (100, 3)
QUICK_RANDOM_SIZE = (40, 3)
SEEDS = (0, 1, 2, 3)
QUICK_SEEDS = (0, 1)
# (k_plus, k_minus, seed) of exactrelu.testing.planted.planted(grid=...)
Grid = tuple[int, int, int]
PLANTED: list[Grid] = [(4, 3, 0), (4, 3, 1)]
QUICK_PLANTED: list[Grid] = [(4, 1, 0)]
BRUTE: list[Grid] = [(4, 0, 0), (3, 3, 0), (4, 1, 0), (4, 2, 0)]
QUICK_BRUTE: list[Grid] = [(3, 2, 0), (4, 0, 0)]
TARGET_NETWORKS = 1000  # table B is meant to have at least this many minimal networks


def run_checker(problem: Any, cert: dict) -> tuple[str, float]:
    """The independent checker on a certificate dict: (verdict, seconds)."""
    from exactrelu.checker import CheckFailure, check_certificate

    start = time.perf_counter()
    try:
        verdict = "accepted: " + check_certificate(cert, problem.dataset.X, list(problem.dataset.y))
    except CheckFailure as exc:
        verdict = f"REJECTED: {exc}"
    return verdict, time.perf_counter() - start


# ---------------------------------------------------------------------------------------------
# Table A: random data


def bench_random(n: int, d: int, seed: int, fraction: Fraction) -> dict[str, Any]:
    """One row of table A: every stage of ``optimal_set`` on a fresh Problem, timed."""
    from exactrelu.optimum.optimal_set import optimal_set
    from exactrelu.program.problem import Problem

    inst = Instance(n, d, seed)
    lam = lam_of(fraction, inst.lam_max())
    row: dict[str, Any] = {"n": n, "d": d, "seed": seed, "fraction": str(fraction), "lam": lam}
    try:
        problem = Problem(inst.X_exact, inst.y_exact, lam)
        blocks, row["enum_s"] = timed(lambda: problem.blocks)
        solution, row["solve_s"] = timed(problem.solve, TOL)
        result, row["set_s"] = timed(optimal_set, problem, solution)
        cert, row["to_json_s"] = timed(result.to_json)
        row["check_verdict"], row["check_s"] = run_checker(problem, cert)
    except Exception as exc:  # noqa: BLE001 - a benchmark reports and goes on
        traceback.print_exc()
        row["error"] = repr(exc)
        return row
    row.update(
        {
            "cells": len(blocks.patterns),
            "status": result.status,
            "rational_optimum": solution.optimum is not None,
            "neurons": len(result.neurons),
            "networks": len(result.vertices),
            "min_width": result.min_width,
            "unique_network": result.unique_network,
            "accepted": row["check_verdict"].startswith("accepted"),
        }
    )
    failures = getattr(getattr(result, "verification", None), "failures", ())
    if result.status == "undecided" and failures:
        row["undecided_reasons"] = "; ".join(failures[:3])
    solve_total = row["enum_s"] + row["solve_s"]
    row["total_s"] = solve_total + row["set_s"] + row["to_json_s"] + row["check_s"]
    # the optimal set's own cost (set + certificate + checker) relative to the solve it needs
    row["set_over_solve"] = (row["total_s"] - solve_total) / solve_total
    return row


# ---------------------------------------------------------------------------------------------
# Table D: the decided rate on a sweep of small random problems

SWEEP_N = 20
SWEEP_DIMS = (2, 3)
SWEEP_FRACTIONS = (Fraction(1, 2), Fraction(1, 10), Fraction(1, 100), Fraction(1, 1000))
SWEEP_SEEDS = 7  # 2 dims x 2 bias x 4 λ x 7 seeds = 112 runs
QUICK_SWEEP_SEEDS = 1
LARGE = (100, 3)  # the timing run of table D
LARGE_TARGET_S = 60.0


def sweep_data(n: int, d: int, seed: int) -> tuple[list[list[Fraction]], list[Fraction]]:
    """X ~ N(0,1) (n × d), y ~ N(0,1), both rounded to 2 decimals, as exact decimals."""
    rng = np.random.default_rng(seed)
    X = np.round(rng.standard_normal((n, d)), 2)
    y = np.round(rng.standard_normal(n), 2)
    X_exact = [[Fraction(round(float(v) * 100), 100) for v in row] for row in X]
    return X_exact, [Fraction(round(float(v) * 100), 100) for v in y]


def short_lam_max(problem: Any) -> Fraction:
    """sqrt(λ_max² upper bound) rounded to a short rational (3 significant digits)."""
    from exactrelu.tasks.lam_max import lam_max

    return Fraction(f"{float(lam_max(problem).upper2) ** 0.5:.3g}")


def bench_sweep_one(n: int, d: int, bias: bool, seed: int, fraction: Fraction) -> dict[str, Any]:
    """One run of table D: solve and optimal set, the status and the uniqueness flags."""
    from exactrelu.optimum.optimal_set import optimal_set
    from exactrelu.program.problem import Problem

    X, y = sweep_data(n, d, seed)
    row: dict[str, Any] = {"n": n, "d": d, "bias": bias, "seed": seed, "fraction": str(fraction)}
    try:
        start = time.perf_counter()
        probe = Problem(X, y, 1, bias=bias)
        lam_max_value = short_lam_max(probe)
        lam = lam_max_value * fraction
        row["lam"] = float(lam)
        problem = probe.with_lam(lam)
        solution = problem.solve(TOL)
        result = optimal_set(problem, solution)
        report = result.to_json()
        row["seconds"] = time.perf_counter() - start
    except Exception as exc:  # noqa: BLE001 - a benchmark reports and goes on
        traceback.print_exc()
        row["error"] = repr(exc)
        return row
    row.update(
        {
            "status": result.status,
            "rational_optimum": solution.optimum is not None,
            "unique_network": report.get("unique_network"),
            "unique_function": report.get("unique_function", result.unique_function),
            "networks": report.get("count_minimal_networks"),
            "mirror_pairs": len((report.get("numeric") or {}).get("mirror_pairs", [])),
        }
    )
    if result.status == "undecided":
        row["reason"] = str(report.get("reason", ""))[:160]
    return row


def bench_large(n: int, d: int) -> dict[str, Any]:
    """The n = 100, d = 3 run of table D: enumeration, solve and optimal set, timed."""
    from exactrelu.optimum.optimal_set import optimal_set
    from exactrelu.program.problem import Problem

    X, y = sweep_data(n, d, 0)
    row: dict[str, Any] = {"n": n, "d": d, "seed": 0}
    try:
        probe = Problem(X, y, 1)
        lam = short_lam_max(probe) * Fraction(1, 10)
        problem = probe.with_lam(lam)
        row["lam"] = float(lam)
        blocks, row["enum_s"] = timed(lambda: problem.blocks)
        solution, row["solve_s"] = timed(problem.solve, TOL)
        result, row["set_s"] = timed(optimal_set, problem, solution)
        report, row["to_json_s"] = timed(result.to_json)
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc()
        row["error"] = repr(exc)
        return row
    row["cells"] = len(blocks.patterns)
    row["status"] = result.status
    row["optimal_set_s"] = row["set_s"] + row["to_json_s"]
    row["within_target"] = row["optimal_set_s"] <= LARGE_TARGET_S
    row["unique_function"] = report.get("unique_function", result.unique_function)
    return row


def _sweep_job(job: tuple) -> dict[str, Any]:
    return bench_sweep_one(*job)


def run_sweep(seeds: int, workers: int = 2) -> list[dict[str, Any]]:
    """All runs of table D (``workers`` processes)."""
    import multiprocessing

    jobs = [
        (SWEEP_N, d, bias, seed, fraction)
        for d in SWEEP_DIMS
        for bias in (False, True)
        for fraction in SWEEP_FRACTIONS
        for seed in range(seeds)
    ]
    if workers <= 1:
        return [_sweep_job(job) for job in jobs]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        rows = []
        for row in pool.imap(_sweep_job, jobs):
            print(
                f"  D: d={row['d']} bias={row['bias']} frac={row['fraction']} seed={row['seed']}"
                f" -> {row.get('status', 'error')}",
                file=sys.stderr,
                flush=True,
            )
            rows.append(row)
        return rows


def sweep_summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Table D's rows: one per (d, bias, fraction), and a total."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["d"], row["bias"], row["fraction"]), []).append(row)
    out = []
    for key in sorted(groups, key=lambda k: (k[0], k[1], -Fraction(k[2]))):
        out.append(_summary_row(groups[key], *key))
    out.append(_summary_row(rows, "all", "", ""))
    return out


def _summary_row(rows, d, bias, fraction) -> dict[str, Any]:
    done = [r for r in rows if "seconds" in r]
    decided = [r for r in done if r["status"] in ("exact", "verified")]
    return {
        "d": d,
        "bias": bias,
        "fraction": fraction,
        "runs": len(rows),
        "exact": sum(r.get("status") == "exact" for r in rows),
        "verified": sum(r.get("status") == "verified" for r in rows),
        "undecided": sum(r.get("status") == "undecided" for r in rows),
        "errors": sum("error" in r for r in rows),
        "decided_rate": len(decided) / len(rows) if rows else 0.0,
        "nonunique_network": sum(r.get("unique_network") is False for r in decided),
        "nonunique_function": sum(r.get("unique_function") is False for r in decided),
        "unknown_function": sum(r.get("unique_function") is None for r in decided),
        "mirror_undecided": sum(
            r.get("status") == "undecided" and "mirror" in r.get("reason", "") for r in rows
        ),
        "median_s": float(np.median([r["seconds"] for r in done])) if done else float("nan"),
        "max_s": max((r["seconds"] for r in done), default=float("nan")),
    }


SWEEP_COLUMNS: list[Column] = [
    ("d", "d", ""),
    ("bias", "bias", ""),
    ("λ/λmax", "fraction", ""),
    ("runs", "runs", ""),
    ("exact", "exact", ""),
    ("verified", "verified", ""),
    ("undecided", "undecided", ""),
    ("(mirror)", "mirror_undecided", ""),
    ("errors", "errors", ""),
    ("decided", "decided_rate", ".0%"),
    ("non-unique net", "nonunique_network", ""),
    ("non-unique fn", "nonunique_function", ""),
    ("fn unknown", "unknown_function", ""),
    ("median_s", "median_s", ".2f"),
    ("max_s", "max_s", ".2f"),
]
LARGE_COLUMNS: list[Column] = [
    ("n", "n", ""),
    ("d", "d", ""),
    ("lam", "lam", ".4f"),
    ("cells", "cells", ""),
    ("status", "status", ""),
    ("enum_s", "enum_s", ".2f"),
    ("solve_s", "solve_s", ".2f"),
    ("set_s", "set_s", ".2f"),
    ("json_s", "to_json_s", ".2f"),
    ("optimal set s", "optimal_set_s", ".2f"),
    (f"<= {LARGE_TARGET_S:.0f} s", "within_target", ""),
]


def print_sweep(results: dict[str, list[dict[str, Any]]]) -> None:
    rows = results.get("sweep") or []
    if rows:
        print_table(
            f"D. decided rate: {len(rows)} random problems, n = {SWEEP_N}, X, y ~ N(0,1) "
            "rounded to 2 decimals; time per run = λ_max + enumeration + solve + optimal set + "
            "to_json",
            SWEEP_COLUMNS,
            sweep_summary(rows),
        )
        print_notes(rows, {"error": "error"}, ("d", "bias", "seed"))
    large = results.get("large") or []
    if large:
        print_table("D'. one larger run (λ = λ_max/10, no bias)", LARGE_COLUMNS, large)
        print_notes(large, {"error": "error"}, ("n", "d"))


# ---------------------------------------------------------------------------------------------
# Brute-force vertex enumeration (the baseline of table C, the count oracle of table B)


def _independent_rows(F: list[list[Fraction]], target: list[Fraction]) -> list[int]:
    """Rows of ``[F | target]`` forming a basis of its row space (greedy, exact)."""
    from exactrelu.exact.rationals import fmpq_matrix

    chosen: list[int] = []
    for k in range(len(F)):
        candidate = chosen + [k]
        if fmpq_matrix([F[i] + [target[i]] for i in candidate]).rref()[1] == len(candidate):
            chosen = candidate
    return chosen


def brute_force_vertices(
    F: list[list[Fraction]], target: list[Fraction]
) -> tuple[list[dict[int, Fraction]], int]:
    """All vertices of ``{β >= 0 : F β = target}`` by trying every support.

    A point of the polytope is a vertex iff its support S has linearly independent columns
    (docs/theory.md §6), and then it is the unique solution of ``F_S β_S = target``.  So: every S
    with ``|S| <= rank F``, exact rref of ``[F_S | target]`` on a row basis; keep S when the columns
    of F_S are independent, the system is consistent and every β_S is > 0.  Each vertex is found
    exactly once (at its own support).  Returns (vertices, supports examined).
    """
    from flint import fmpq, fmpq_mat

    from exactrelu.exact.rationals import fraction_of

    if all(t == 0 for t in target):
        return [{}], 0
    rows = _independent_rows(F, target)
    rank = len(rows)
    p = len(F[0]) if F else 0
    cols = [[fmpq(F[k][j].numerator, F[k][j].denominator) for k in rows] for j in range(p)]
    rhs = [fmpq(target[k].numerator, target[k].denominator) for k in rows]
    vertices = []
    examined = 0
    for size in range(1, rank + 1):
        for support in itertools.combinations(range(p), size):
            examined += 1
            M = fmpq_mat([[cols[j][i] for j in support] + [rhs[i]] for i in range(rank)])
            R, r = M.rref()
            # rank |S| with a pivot in column |S|−1: independent columns and a consistent system
            if r != size or R[size - 1, size - 1] != 1:
                continue
            beta = [fraction_of(R[i, size]) for i in range(size)]
            if all(b > 0 for b in beta):
                vertices.append(dict(zip(support, beta, strict=True)))
    return vertices, examined


def polytope_of(result: Any) -> tuple[list[list[Fraction]], list[Fraction]]:
    """F (neuron fits as columns) and ŷ of the neuron-merged polytope of an OptimalSet."""
    n = len(result.fit)
    F = [[nu.fit[k] for nu in result.neurons] for k in range(n)]
    return F, list(result.fit)


def _key(vertex: dict[int, Fraction]) -> tuple:
    return tuple(sorted(vertex.items()))


def planted_oracle(inst: Any) -> tuple[int, int, float]:
    """Count and fewest neurons of the minimal networks of a planted instance, independently of
    cdd and of ``optimal_set``: the polytope is the product of its independent groups'
    polytopes (``inst.groups``), each enumerated by brute force over supports.
    Returns (count, min width, seconds)."""
    start = time.perf_counter()
    fits = inst.fits
    count, width = 1, 0
    for group in inst.groups or (tuple(range(len(inst.neurons))),):
        F = [[fits[j][k] for j in group] for k in range(inst.n)]
        target = [
            sum((inst.neurons[j].alpha * fits[j][k] for j in group), Fraction(0))
            for k in range(inst.n)
        ]
        vertices, _ = brute_force_vertices(F, target)
        count *= len(vertices)
        width += min(len(v) for v in vertices)
    return count, width, time.perf_counter() - start


# ---------------------------------------------------------------------------------------------
# Tables B and C: planted instances


def _planted(grid: Grid) -> tuple[Any, Any, Any, dict[str, Any]]:
    """The planted instance, its Problem, and the timed solve."""
    from exactrelu.testing.planted import planted

    kp, km, seed = grid
    inst, planted_s = timed(planted, grid=(kp, km), seed=seed)
    problem = inst.problem()
    solution, solve_s = timed(problem.solve, TOL)
    row = {
        "grid": f"({kp},{km})",
        "seed": seed,
        "n": inst.n,
        "d": inst.d,
        "planted_s": planted_s,
        "solve_s": solve_s,
    }
    return inst, problem, solution, row


def bench_planted(grid: Grid) -> dict[str, Any]:
    """One row of table B."""
    from exactrelu.optimum.neuron_polytope import min_norm_point, polytope_vertices

    # by name from the submodule: ``exactrelu.optimum.optimal_set`` is also the exported function
    from exactrelu.optimum.optimal_set import optimal_set

    row: dict[str, Any] = {"grid": f"({grid[0]},{grid[1]})", "seed": grid[2]}
    try:
        inst, problem, solution, row = _planted(grid)
        result, row["set_s"] = timed(optimal_set, problem, solution)
        # the two expensive stages of optimal_set, re-run alone on the same neurons
        vertices, row["vertices_s"] = timed(
            polytope_vertices, result.neurons, result.fit, problem.output_bias
        )
        _, row["min_norm_s"] = timed(min_norm_point, vertices, len(result.neurons))
        cert, row["to_json_s"] = timed(result.to_json)
        row["check_verdict"], row["check_s"] = run_checker(problem, cert)
        row["oracle"], row["oracle_width"], row["oracle_s"] = planted_oracle(inst)
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc()
        row["error"] = repr(exc)
        return row
    widths = sorted({len(v) for v in result.vertices})
    row.update(
        {
            "status": result.status,
            "neurons": len(result.neurons),
            "blocks_E": sum(len(nu.cells) for nu in result.neurons),
            "networks": len(result.vertices),
            "count_convex": result.count_minimal_convex,
            "min_width": result.min_width,
            "widths": ",".join(map(str, widths)),
            "same_vertices": sorted(map(_key, vertices)) == sorted(map(_key, result.vertices)),
            "accepted": row["check_verdict"].startswith("accepted"),
            "oracle_ok": row["oracle"] == len(result.vertices)
            and row["oracle_width"] == result.min_width,
            "enough": len(result.vertices) >= TARGET_NETWORKS,
            "check_over_set": row["check_s"] / row["set_s"],
            "json_over_set": row["to_json_s"] / row["set_s"],
        }
    )
    return row


def bench_brute(grid: Grid) -> dict[str, Any]:
    """One row of table C: cdd (``polytope_vertices``) vs brute force, same polytope."""
    from exactrelu.optimum.neuron_polytope import polytope_vertices

    # by name from the submodule: ``exactrelu.optimum.optimal_set`` is also the exported function
    from exactrelu.optimum.optimal_set import optimal_set

    row: dict[str, Any] = {"grid": f"({grid[0]},{grid[1]})", "seed": grid[2]}
    try:
        _, problem, solution, row = _planted(grid)
        result = optimal_set(problem, solution)
        cdd_vertices, row["cdd_s"] = timed(
            polytope_vertices, result.neurons, result.fit, problem.output_bias
        )
        F, target = polytope_of(result)
        (brute, examined), row["brute_s"] = timed(brute_force_vertices, F, target)
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc()
        row["error"] = repr(exc)
        return row
    row.update(
        {
            "neurons": len(result.neurons),
            "rank": len(_independent_rows(F, target)),
            "supports": examined,
            "cdd_vertices": len(cdd_vertices),
            "brute_vertices": len(brute),
            "same_set": sorted(map(_key, cdd_vertices)) == sorted(map(_key, brute)),
            "brute_over_cdd": row["brute_s"] / row["cdd_s"],
        }
    )
    return row


# ---------------------------------------------------------------------------------------------
# Output

RANDOM_COLUMNS: list[Column] = [
    ("n", "n", ""),
    ("seed", "seed", ""),
    ("frac", "fraction", ""),
    ("lam", "lam", ".4f"),
    ("cells", "cells", ""),
    ("status", "status", ""),
    ("rational", "rational_optimum", ""),
    ("neurons", "neurons", ""),
    ("networks", "networks", ""),
    ("m*", "min_width", ""),
    ("enum_s", "enum_s", ".2f"),
    ("solve_s", "solve_s", ".2f"),
    ("set_s", "set_s", ".2f"),
    ("json_s", "to_json_s", ".2f"),
    ("check_s", "check_s", ".3f"),
    ("total_s", "total_s", ".2f"),
    ("set/solve", "set_over_solve", ".2f"),
    ("checked", "accepted", ""),
]
PLANTED_COLUMNS: list[Column] = [
    ("grid", "grid", ""),
    ("seed", "seed", ""),
    ("n", "n", ""),
    ("d", "d", ""),
    ("status", "status", ""),
    ("neurons", "neurons", ""),
    ("blocks_E", "blocks_E", ""),
    ("networks", "networks", ""),
    (">=1000", "enough", ""),
    ("=oracle", "oracle_ok", ""),
    ("convex", "count_convex", ""),
    ("m*", "min_width", ""),
    ("widths", "widths", ""),
    ("solve_s", "solve_s", ".2f"),
    ("set_s", "set_s", ".2f"),
    ("vert_s", "vertices_s", ".2f"),
    ("minnorm_s", "min_norm_s", ".2f"),
    ("json_s", "to_json_s", ".2f"),
    ("check_s", "check_s", ".2f"),
    ("check/set", "check_over_set", ".2f"),
    ("oracle_s", "oracle_s", ".2f"),
    ("checked", "accepted", ""),
]
BRUTE_COLUMNS: list[Column] = [
    ("grid", "grid", ""),
    ("seed", "seed", ""),
    ("neurons", "neurons", ""),
    ("rank", "rank", ""),
    ("supports", "supports", ""),
    ("cdd_vert", "cdd_vertices", ""),
    ("brute_vert", "brute_vertices", ""),
    ("same_set", "same_set", ""),
    ("cdd_s", "cdd_s", ".3f"),
    ("brute_s", "brute_s", ".2f"),
    ("brute/cdd", "brute_over_cdd", ".0f"),
]


def print_notes(rows: list[dict[str, Any]], keys: dict[str, str], ident: Sequence[str]) -> None:
    """Per-row notes under a table (errors, undecided reasons, rejections), each distinct text
    once; of the accepted checker verdicts only the first, as an example."""
    seen: set[tuple[str, str]] = set()
    shown_accepted = False
    for row in rows:
        for key, label in keys.items():
            text = row.get(key)
            if text is None or (key, text) in seen:
                continue
            if key == "check_verdict" and text.startswith("accepted"):
                if shown_accepted:
                    continue
                shown_accepted = True
            seen.add((key, text))
            where = " ".join(f"{name}={row.get(name)}" for name in ident)
            print(f"  {where}: {label}: {text}")


def print_report(results: dict[str, list[dict[str, Any]]]) -> None:
    """Print tables A, B and C with their summaries."""
    notes = {"check_verdict": "checker", "undecided_reasons": "undecided", "error": "error"}
    rows = results["random"]
    if rows:
        print_table(
            "A. optimal_set on random data: enumeration + solve + optimal set + to_json "
            "(certificate) + checker",
            RANDOM_COLUMNS,
            rows,
        )
        print_notes(rows, notes, ("n", "seed", "fraction"))
        counts = {s: sum(r.get("status") == s for r in rows) for s in ("exact", "verified")}
        undecided = sum(r.get("status") == "undecided" for r in rows)
        failed = sum("error" in r for r in rows)
        accepted = sum(bool(r.get("accepted")) for r in rows)
        print(
            f"  statuses: exact {counts['exact']}, verified {counts['verified']}, undecided "
            f"{undecided}, errors {failed} (of {len(rows)}); checker accepted {accepted}"
        )
        done = [r for r in rows if "total_s" in r]
        if done:
            print(
                "  median total {:.2f} s, median set/solve {:.2f}".format(
                    float(np.median([r["total_s"] for r in done])),
                    float(np.median([r["set_over_solve"] for r in done])),
                )
            )
    rows = results["planted"]
    if rows:
        print_table(
            f"B. planted grid instances (target >= {TARGET_NETWORKS} minimal networks): counts "
            "and stage timings",
            PLANTED_COLUMNS,
            rows,
        )
        print_notes(rows, notes, ("grid", "seed"))
        for row in rows:
            if "same_vertices" in row and not row["same_vertices"]:
                print(f"  grid={row['grid']} seed={row['seed']}: the re-run of cdd differs!")
    rows = results["brute"]
    if rows:
        print_table(
            "C. exact vertex enumeration: cdd (the engine) vs brute force over supports, same "
            "polytope",
            BRUTE_COLUMNS,
            rows,
        )
        print_notes(rows, {"error": "error"}, ("grid", "seed"))
    print_sweep(results)


def _meta(args: argparse.Namespace) -> dict[str, Any]:
    """Run metadata for the JSON output."""
    settings = {
        "random_size": list(args.random_size),
        "seeds": list(args.seeds),
        "fractions": [str(f) for f in args.fractions],
        "planted": [list(g) for g in args.planted],
        "brute": [list(g) for g in args.brute],
        "sweep_seeds": args.sweep_seeds,
        "tol": TOL,
        "teacher_width": TEACHER_WIDTH,
        "noise": NOISE,
    }
    return run_meta(("pycddlib", "python-flint", "exactrelu"), settings, args.blas_threads)


# ---------------------------------------------------------------------------------------------
# Command line


def parse_size(text: str) -> tuple[int, int]:
    n, _, d = text.lower().partition("x")
    return int(n), int(d)


def parse_ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def parse_grids(text: str) -> list[Grid]:
    """Parse ``4:3:0,4:1:0`` (k_plus:k_minus:seed) into grids (an empty string gives [])."""
    grids = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        kp, km, seed = (int(v) for v in item.split(":"))
        grids.append((kp, km, seed))
    return grids


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (< 1 minute)")
    parser.add_argument("--random-size", type=parse_size, default=None, help="table A, NxD")
    parser.add_argument("--seeds", type=parse_ints, default=None, help="table A data seeds")
    parser.add_argument(
        "--fractions", type=parse_fractions, default=None, help="table A: λ / λ_max"
    )
    parser.add_argument(
        "--planted", type=parse_grids, default=None, help="table B grids kp:km:seed,..."
    )
    parser.add_argument(
        "--brute", type=parse_grids, default=None, help="table C grids kp:km:seed,..."
    )
    parser.add_argument("--skip-random", action="store_true", help="skip table A")
    parser.add_argument(
        "--sweep", action="store_true", help="table D only (the decided rate on >= 100 runs)"
    )
    parser.add_argument(
        "--sweep-seeds", type=int, default=None, help=f"table D seeds per setting ({SWEEP_SEEDS})"
    )
    parser.add_argument("--skip-sweep", action="store_true", help="skip table D")
    parser.add_argument("--workers", type=int, default=2, help="table D processes (default 2)")
    parser.add_argument(
        "--blas-threads", type=int, default=1, help="BLAS threads (default 1; 0 = library default)"
    )
    parser.add_argument("--json", metavar="OUT", default=None, help="also write numbers here")
    args = parser.parse_args(argv)
    quick = args.quick
    if args.random_size is None:
        args.random_size = QUICK_RANDOM_SIZE if quick else RANDOM_SIZE
    if args.seeds is None:
        args.seeds = list(QUICK_SEEDS if quick else SEEDS)
    if args.fractions is None:
        args.fractions = list(QUICK_FRACTIONS if quick else FRACTIONS)
    if args.planted is None:
        args.planted = QUICK_PLANTED if quick else PLANTED
    if args.brute is None:
        args.brute = QUICK_BRUTE if quick else BRUTE
    if args.skip_random:
        args.seeds = []
    if args.sweep_seeds is None:
        args.sweep_seeds = QUICK_SWEEP_SEEDS if quick else SWEEP_SEEDS
    if args.sweep:  # table D only
        args.seeds, args.planted, args.brute = [], [], []
    if args.skip_sweep:
        args.sweep_seeds = 0
    return args


def run_all(args: argparse.Namespace) -> dict[str, list[dict[str, Any]]]:
    """Run tables A, B, C with progress on stderr."""
    results: dict[str, list[dict[str, Any]]] = {
        "random": [],
        "planted": [],
        "brute": [],
        "sweep": [],
        "large": [],
    }
    n, d = args.random_size
    for seed in args.seeds:
        for fraction in args.fractions:
            print(f"  A: n={n} d={d} seed={seed} frac={fraction} ...", file=sys.stderr, flush=True)
            results["random"].append(bench_random(n, d, seed, fraction))
    for grid in args.planted:
        print(f"  B: grid={grid[:2]} seed={grid[2]} ...", file=sys.stderr, flush=True)
        results["planted"].append(bench_planted(grid))
    for grid in args.brute:
        print(f"  C: grid={grid[:2]} seed={grid[2]} ...", file=sys.stderr, flush=True)
        results["brute"].append(bench_brute(grid))
    if args.sweep_seeds:
        results["sweep"] = run_sweep(args.sweep_seeds, args.workers)
        if not args.quick:
            print(f"  D': n={LARGE[0]} d={LARGE[1]} ...", file=sys.stderr, flush=True)
            results["large"].append(bench_large(*LARGE))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks, print the tables, optionally write JSON."""
    args = parse_args(argv)
    meta = _meta(args)
    n, d = args.random_size
    print(
        f"exactrelu optimal-set benchmark: table A n={n} d={d}, seeds {args.seeds}, "
        f"lam = fraction x lam_max (4 decimals) for fractions "
        f"{', '.join(map(str, args.fractions))}, X ~ N(0,1) and y = width-{TEACHER_WIDTH} "
        f"teacher + N(0,{NOISE}^2), both rounded to 2 decimals, no bias, sum scale; "
        f"{machine_summary(meta)}"
    )
    return run_and_report(meta, lambda: run_all(args), print_report, args.json)


if __name__ == "__main__":
    sys.exit(main())
