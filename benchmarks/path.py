#!/usr/bin/env python
"""Benchmark the regularization path (``exactrelu.tasks.path.path``) against fresh solves per grid
point.

A script, not a test: it prints timings and the ratio to a baseline timed in the same run (the
machines are shared and noisy, so only same-run ratios mean anything).  See
``benchmarks/README.md`` for the data, the table and the columns.

Ours: ``path(Problem(X, y, λ_0), grid, max_solves=...)``: one cell enumeration shared by every
sample, each grid point certified (continuation from the previous point's structure proved in
ball arithmetic, a column-generation solve when that fails), its exact/verified structure, each
structure change bracketed by bisection to ``rel_width`` relative, jump verdicts, and intervals
proved constant within a budget of ball tests.  Baselines: ``Problem(X, y, λ).solve()`` on a
fresh ``Problem`` per grid point (cells re-enumerated each time, no structure, no bracketing),
and the same followed by the exact/verified structure (``solve_point``).

Usage::

    .venv/bin/python benchmarks/path.py            # n = 100, 50 points (several minutes)
    .venv/bin/python benchmarks/path.py --quick    # n = 40, 10 points (< 1 minute)
    .venv/bin/python benchmarks/path.py --json out/path.json --seed 1
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from bench_common import (
    NOISE,
    TEACHER_WIDTH,
    Column,
    Instance,
    lam_of,
    machine_summary,
    print_table,
    run_and_report,
    run_meta,
    timed,
)

TOL = 1e-9  # relative to ½‖y‖², as in solve.py
LO, HI = Fraction(1, 100), Fraction(1, 2)  # the grid spans [LO, HI]·λ_max
REL_WIDTH = Fraction(1, 10**4)
SIZE, POINTS, MAX_SOLVES = (100, 3), 50, 400
QUICK_SIZE, QUICK_POINTS, QUICK_MAX_SOLVES = (40, 3), 10, 100


def grid_fractions(points: int) -> list[Fraction]:
    """``points`` equally spaced exact fractions from LO to HI (0.01, 0.02, ..., 0.50 for 50)."""
    if points == 1:
        return [LO]
    return [LO + (HI - LO) * i / (points - 1) for i in range(points)]


def bench(n: int, d: int, seed: int, points: int, max_solves: int) -> dict[str, Any]:
    """One row: the path (timed whole, λ_max included) and the fresh solves (timed whole)."""
    from exactrelu.program.problem import Problem
    from exactrelu.tasks.path import lam_max, path, solve_point

    inst = Instance(n, d, seed)
    top = float(lam_max(Problem(inst.X_exact, inst.y_exact, 1)))
    grid = [lam_of(f, top) for f in grid_fractions(points)]
    row: dict[str, Any] = {"n": n, "d": d, "points": len(grid), "lam_max": top}
    row.update({"lam_lo": grid[0], "lam_hi": grid[-1], "max_solves": max_solves})

    print(f"  path: n={n} d={d} {len(grid)} points ...", file=sys.stderr, flush=True)
    base = Problem(inst.X_exact, inst.y_exact, grid[0])
    cpu = time.process_time()
    result, path_s = timed(
        lambda: path(base, grid, tol=TOL, rel_width=REL_WIDTH, max_solves=max_solves)
    )
    row["path_cpu_s"] = time.process_time() - cpu
    resolved = sum(b.resolved for b in result.breakpoints)
    verdicts = [b.verdict for b in result.breakpoints]
    below = [i for i in result.intervals if i.verdict != "zero"]
    row.update(
        {
            "path_s": path_s,
            "path_per_point_s": path_s / len(grid),
            "samples": len(result.samples),
            "solves": result.solves_used,
            "continuations": result.continuations_used,
            "interval_tests": result.interval_tests_used,
            "interval_s": result.interval_seconds,
            "breakpoints": len(result.breakpoints),
            "resolved": resolved,
            "all_resolved": resolved == len(result.breakpoints),
            "verdicts": {v: verdicts.count(v) for v in sorted(set(verdicts))},
            "proved_intervals": sum(i.verdict == "proved" for i in below),
            "intervals": len(below),
            "proved_length": sum(float(i.lam_hi - i.lam_lo) * i.proved_fraction for i in below),
            "length": sum(float(i.lam_hi - i.lam_lo) for i in below),
            "statuses": {
                s: sum(p.status == s for p in result.points)
                for s in ("exact", "verified", "numeric")
            },
            "widths": sorted({len(p.neurons) for p in result.points}),
            "breakpoint_list": [b.to_json() for b in result.breakpoints],
        }
    )

    print(f"  baseline: {len(grid)} fresh solves ...", file=sys.stderr, flush=True)
    cpu = time.process_time()
    start = time.perf_counter()
    consistent = 0
    for point in result.points:
        solution = Problem(inst.X_exact, inst.y_exact, point.lam).solve(TOL)
        lower = max(solution.objective_lower, point.objective_lower)
        consistent += lower <= min(solution.objective_upper, point.objective_upper)
    row["fresh_s"] = time.perf_counter() - start
    row["fresh_cpu_s"] = time.process_time() - cpu
    row["fresh_per_point_s"] = row["fresh_s"] / len(grid)
    row["consistent"] = consistent
    print(f"  baseline: {len(grid)} fresh solves with structure ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    for point in result.points:
        solve_point(Problem(inst.X_exact, inst.y_exact, point.lam), TOL)
    row["fresh_structure_s"] = time.perf_counter() - start
    row["total_ratio"] = row["fresh_s"] / path_s
    row["structure_ratio"] = row["fresh_structure_s"] / path_s
    row["sample_ratio"] = (row["fresh_structure_s"] / len(grid)) / (path_s / len(result.samples))
    return row


COLUMNS: list[Column] = [
    ("n", "n", ""),
    ("d", "d", ""),
    ("points", "points", ""),
    ("lam_max", "lam_max", ".4f"),
    ("path_s", "path_s", ".1f"),
    ("s/point", "path_per_point_s", ".2f"),
    ("samples", "samples", ""),
    ("solves", "solves", ""),
    ("contin.", "continuations", ""),
    ("breaks", "breakpoints", ""),
    ("resolved", "all_resolved", ""),
    ("fresh_s", "fresh_s", ".1f"),
    ("fresh+E_s", "fresh_structure_s", ".1f"),
    ("fresh/path", "total_ratio", ".2f"),
    ("fresh+E/path", "structure_ratio", ".2f"),
    ("sample_ratio", "sample_ratio", ".2f"),
    ("path_cpu", "path_cpu_s", ".1f"),
    ("fresh_cpu", "fresh_cpu_s", ".1f"),
]


def print_report(results: dict[str, list[dict[str, Any]]]) -> None:
    """The table, then the breakpoints and the checks of each row."""
    print_table(
        f"Path over [{LO}, {HI}]·λ_max (breakpoints bracketed to {float(REL_WIDTH):g} relative) "
        f"vs a fresh Problem(...).solve() per grid point",
        COLUMNS,
        results["path"],
    )
    for row in results["path"]:
        print(
            f"  n={row['n']}: grid λ in [{float(row['lam_lo']):.4f}, {float(row['lam_hi']):.4f}]"
            f", widths {row['widths']}, point statuses {row['statuses']}, fresh brackets "
            f"consistent with the path's: {row['consistent']} of {row['points']}; verdicts "
            f"{row['verdicts']}; intervals proved constant: {row['proved_intervals']} of "
            f"{row['intervals']} ({row['proved_length']:.4g} of {row['length']:.4g} in λ, "
            f"{row['interval_tests']} ball tests in {row['interval_s']:.1f} s of the path's)"
        )
        for b in row["breakpoint_list"]:
            flag = "" if b["resolved"] else " (unresolved: sample budget)"
            print(
                f"    breakpoint in [{b['lam_lo_float']:.6f}, {b['lam_hi_float']:.6f}]: "
                f"{b['verdict']} (min-norm change {b['min_norm_change']:.3g}){flag}"
            )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="n = 40, 10 points (< 1 minute)")
    parser.add_argument("--n", type=int, default=None, help="rows (default 100; --quick 40)")
    parser.add_argument("--points", type=int, default=None, help="grid points (50; --quick 10)")
    parser.add_argument("--max-solves", type=int, default=None, help="solve budget (400; 100)")
    parser.add_argument("--seed", type=int, default=0, help="data seed (default 0)")
    parser.add_argument(
        "--blas-threads", type=int, default=1, help="BLAS threads (default 1; 0 = library default)"
    )
    parser.add_argument("--json", metavar="OUT", default=None, help="also write numbers here")
    args = parser.parse_args(argv)
    size = QUICK_SIZE if args.quick else SIZE
    args.d = size[1]
    if args.n is None:
        args.n = size[0]
    if args.points is None:
        args.points = QUICK_POINTS if args.quick else POINTS
    if args.max_solves is None:
        args.max_solves = QUICK_MAX_SOLVES if args.quick else MAX_SOLVES
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the table, optionally write JSON."""
    args = parse_args(argv)
    settings = {
        "seed": args.seed,
        "tol": TOL,
        "rel_width": str(REL_WIDTH),
        "grid": [str(LO), str(HI), args.points],
        "teacher_width": TEACHER_WIDTH,
        "noise": NOISE,
    }
    meta = run_meta(("exactrelu",), settings, args.blas_threads)
    print(
        f"exactrelu path benchmark: seed {args.seed}, X ~ N(0,1) rounded to 2 decimals, "
        f"y = width-{TEACHER_WIDTH} teacher ReLU + N(0,{NOISE}^2) noise rounded to 2 decimals, "
        f"no bias, λ_i = f_i x λ_max (4 decimals), f_i equally spaced in [{LO}, {HI}], "
        f"{machine_summary(meta)}"
    )

    def run() -> dict[str, list[dict[str, Any]]]:
        return {"path": [bench(args.n, args.d, args.seed, args.points, args.max_solves)]}

    return run_and_report(meta, run, print_report, args.json)


if __name__ == "__main__":
    sys.exit(main())
