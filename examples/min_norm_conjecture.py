#!/usr/bin/env python
"""Search for a discontinuity of the min-norm regularization path (docs/theory.md §8).

The paper conjectures that the min-norm optimal network ``u_min(λ) = argmin{‖u‖ : u ∈ W*(λ)}``
is continuous in λ.  A jump can only happen at a breakpoint where the optimal set is not a single
point.  This script runs ``exactrelu.tasks.path.path`` on many small instances (random integer data
on a line with a bias, random points in the plane, and planted instances with dependent neuron fits,
which have non-unique optimal sets), takes every breakpoint whose two ends have a known min-norm
network (exact or verified optimal sets), and classifies it by the change of the min-norm network
across the bracket against the rate of change on either side (``Breakpoint.verdict``).  Every
``jump`` is then re-bracketed 10⁴ times more narrowly: a real jump keeps its size as the bracket
shrinks, a steep but continuous change shrinks with it.  The verdicts are numerical evidence
(status ``numeric``), not proofs; the brackets' ends are certified.

Usage::

    .venv/bin/python examples/min_norm_conjecture.py            # 40 instances, ~ 1-3 minutes
    .venv/bin/python examples/min_norm_conjecture.py --quick    # 6 instances, seconds
    .venv/bin/python examples/min_norm_conjecture.py --instances 200 --json out/conjecture.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from fractions import Fraction
from pathlib import Path

import numpy as np

from exactrelu.program.problem import Problem
from exactrelu.tasks.path import lam_max, network_distance, path
from exactrelu.testing.planted import planted

GRID_POINTS = 12
REL_WIDTH = Fraction(1, 10**4)
CONFIRM_WIDTH = Fraction(1, 10**8)
MAX_SAMPLES = 120


def instances(count: int, seed: int):
    """(name, Problem) pairs: a third each of line data, plane data and planted instances."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        kind = i % 3
        if kind == 0:
            n = int(rng.integers(4, 8))
            X = [[int(v)] for v in rng.choice(np.arange(-6, 7), size=n, replace=False)]
            y = [int(v) for v in rng.integers(-5, 6, size=n)]
            yield f"line-{i}", Problem(X, y, 1, bias=True, output_bias=True)
        elif kind == 1:
            n = int(rng.integers(4, 7))
            X = rng.integers(-4, 5, size=(n, 2)).tolist()
            y = rng.integers(-5, 6, size=n).tolist()
            yield f"plane-{i}", Problem(X, y, 1, bias=bool(rng.integers(2)))
        else:
            inst = planted(n=6, d=2, neurons=3, dependent=True, seed=int(rng.integers(10**6)))
            yield f"planted-{i}", inst.problem()


def confirm(problem: Problem, lo: Fraction, hi: Fraction, size: float) -> tuple[str, float]:
    """Re-bracket ``[lo, hi]`` to ``CONFIRM_WIDTH``: the largest min-norm change left."""
    narrow = path(problem, [lo, hi], rel_width=CONFIRM_WIDTH, max_solves=80, interval_tests=0)
    changes = [
        network_distance(a, b)
        for a, b in zip(narrow.samples, narrow.samples[1:], strict=False)
        if a.structure != b.structure
    ]
    left = max(changes, default=0.0)
    return ("confirmed" if left > 0.5 * size else "refuted"), left


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="6 instances")
    parser.add_argument("--json", metavar="OUT", help="write every breakpoint examined (JSON)")
    args = parser.parse_args(argv)
    count = 6 if args.quick else args.instances
    start = time.perf_counter()
    verdicts: Counter = Counter()
    records = []
    for name, problem in instances(count, args.seed):
        top = lam_max(problem)
        hi = top.bracket()[1]
        grid = [hi * Fraction(k, GRID_POINTS) for k in range(1, GRID_POINTS + 1)]
        result = path(problem, grid, rel_width=REL_WIDTH, max_solves=MAX_SAMPLES, interval_tests=0)
        for b in result.breakpoints:
            record = {"instance": name, **b.to_json()}
            verdicts[b.verdict] += 1
            if b.verdict == "jump":
                outcome, left = confirm(problem, b.lam_lo, b.lam_hi, b.jump)
                record.update({"confirmation": outcome, "change_at_1e-8": left})
                verdicts[f"jump {outcome}"] += 1
                print(
                    f"{name}: jump candidate in [{float(b.lam_lo):.6f}, {float(b.lam_hi):.6f}], "
                    f"min-norm change {b.jump:.4g}, after narrowing to 1e-8: {left:.4g} "
                    f"({outcome}); unique network at the ends: {b.unique_ends}"
                )
            records.append(record)
    seconds = time.perf_counter() - start
    print(f"\n{count} instances, {len(records)} breakpoints in {seconds:.1f} s")
    for verdict, number in sorted(verdicts.items()):
        print(f"  {verdict}: {number}")
    confirmed = verdicts["jump confirmed"]
    print(
        "conjecture (min-norm path continuous): "
        + (f"{confirmed} confirmed jump(s) found, see above" if confirmed else "no jump found")
    )
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(records, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
