#!/usr/bin/env python
"""The regularization path on real data: which neurons an optimal ReLU network uses, as λ varies.

Data: scikit-learn's bundled diabetes regression set (442 patients, no download).  One feature
(default ``bmi``), standardized and rounded to 2 decimals, a seeded subsample of rows; the target
standardized and rounded to 2 decimals.  The rounded numbers are the data: every claim is exact
for them.

Model: a two-layer ReLU network with a hidden bias and an unregularized output bias, weight decay
λ (sum scale).  ``exactrelu.tasks.path.lam_max`` gives λ_max exactly (above it the zero network is
optimal); ``exactrelu.tasks.path.path`` solves the convex program (certified) on a grid of λ's and
brackets every change of the optimal network's structure (its neurons: output sign, active rows
and face rows) by bisection at exact rational λ's.  ``plot_path`` draws each neuron's weight
``‖u‖ = λα`` and the fit norm against λ, the breakpoints shaded.

Usage::

    .venv/bin/python examples/regularization_path.py            # ~ 10-30 s
    .venv/bin/python examples/regularization_path.py --quick    # a few seconds
    .venv/bin/python examples/regularization_path.py --features bmi,s5 --rows 60 --out out/
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from fractions import Fraction

from diabetes import add_data_options, load_from_args

from exactrelu.program.problem import Problem
from exactrelu.tasks.path import PathPoint, lam_max, path, plot_path

TOL = 1e-9
LO, HI = Fraction(1, 50), Fraction(3, 5)  # the grid spans [LO, HI]·λ_max


def describe(point: PathPoint) -> str:
    """The neurons of the optimum at one λ: sign, number of active rows, weight ‖u‖."""
    norms = point.neuron_norms()
    parts = [
        f"{'+' if sign > 0 else '−'}[{len(active)} rows active] ‖u‖={norm:.3f}"
        for (sign, active), norm in sorted(norms.items(), key=lambda kv: -kv[1])
    ]
    return ", ".join(parts) if parts else "none (zero network)"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="60 rows, 6 grid points")
    parser.add_argument("--rows", type=int, default=None, help="rows subsampled (default 100)")
    parser.add_argument("--points", type=int, default=None, help="grid points (default 15)")
    parser.add_argument("--max-solves", type=int, default=None, help="solve budget (default 250)")
    parser.add_argument(
        "--interval-tests", type=int, default=None, help="ball tests proving intervals (200)"
    )
    add_data_options(parser, "bmi")
    args = parser.parse_args(argv)
    if args.rows is None:
        args.rows = 60 if args.quick else 100
    if args.points is None:
        args.points = 6 if args.quick else 15
    if args.max_solves is None:
        args.max_solves = 100 if args.quick else 250
    if args.interval_tests is None:
        args.interval_tests = 40 if args.quick else 200
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    X, y = load_from_args(args)
    problem = Problem(X, y, 1, bias=True, output_bias=True)
    top = lam_max(problem)
    lo, hi = top.bracket()
    exact = f"λ_max² = {top.squared} exactly" if top.exact else "λ_max² enclosed"
    print(
        f"model: hidden bias + output bias, sum scale; λ_max = {float(hi):.6f} ({exact}; "
        f"bracket width {float(hi - lo):.1e}): for λ >= λ_max the zero network is optimal"
    )
    grid = [
        Fraction(round(float(hi) * float(LO + (HI - LO) * i / (args.points - 1)), 4))
        for i in range(args.points)
    ]
    print(
        f"grid: {len(grid)} λ's (4 decimals) from {float(grid[0])} to {float(grid[-1])} "
        f"({float(LO)}–{float(HI)}·λ_max), breakpoints bracketed to 1e-4 relative, at most "
        f"{args.max_solves} solves"
    )
    t0 = time.perf_counter()
    result = path(
        problem, grid, tol=TOL, max_solves=args.max_solves, interval_tests=args.interval_tests
    )
    print(
        f"path: {len(result.samples)} certified samples ({result.solves_used} solves, "
        f"{result.continuations_used} continuations of a proved structure) and "
        f"{result.interval_tests_used} interval proofs in {time.perf_counter() - t0:.1f} s, "
        f"{len(result.breakpoints)} structure changes"
    )
    print("\nbreakpoints (the optimal network's structure changes inside each bracket):")
    samples = {p.lam: p for p in result.samples}
    for b in result.breakpoints:
        left, right = samples[b.lam_lo], samples[b.lam_hi]
        note = "" if b.resolved else "  (not narrowed to 1e-4: sample budget)"
        print(
            f"  λ in [{float(b.lam_lo):.6f}, {float(b.lam_hi):.6f}]: {len(left.neurons)} -> "
            f"{len(right.neurons)} neurons in E ({left.status} -> {right.status}), min-norm "
            f"network {b.verdict} (change {b.jump:.2g}){note}"
        )
    print("\nbetween the breakpoints:")
    for i in result.intervals:
        print(
            f"  λ in [{float(i.lam_lo):.6f}, {float(i.lam_hi):.6f}]: {i.verdict}"
            + (f" ({100 * i.proved_fraction:.0f}% of it proved)" if i.verdict == "sampled" else "")
        )
    print(f"\nneurons at a few λ's (sign, active rows out of {args.rows}, weight ‖u‖ = λα):")
    last = len(result.points) - 1
    shown = sorted({0, last // 3, 2 * last // 3, last})
    for i in shown:
        point = result.points[i]
        conditions = point.conditions or {}
        print(
            f"  λ = {float(point.lam):.4f} ({float(point.lam) / float(hi):.2f}·λ_max, "
            f"{point.status}, gap {float(point.gap):.0e}, unique network {point.unique_network}, "
            f"LICQ {conditions.get('licq')}, SCS {conditions.get('scs')}): {describe(point)}"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    png = args.out / "regularization_path.png"
    neurons = plot_path(result, png)
    (args.out / "regularization_path.json").write_text(json.dumps(result.to_json(), indent=1))
    print(
        f"\nplot: {png}: each neuron's ‖u‖ = λα and the fit norm ‖ŷ‖ against log λ, the "
        f"breakpoint brackets shaded (JSON beside it).  Total {time.perf_counter() - start:.1f} s."
    )
    print("neurons of the plot (number: sign, active rows):")
    for number, (sign, active) in neurons.items():
        rows = ", ".join(map(str, active[:12])) + (", …" if len(active) > 12 else "")
        print(f"  {number}: {'+' if sign > 0 else '−'}, {len(active)} rows [{rows}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
