#!/usr/bin/env python
"""Are trained ReLU networks globally optimal?  Certify them on real data (scikit-learn diabetes).

Data: scikit-learn's bundled diabetes regression set (442 patients, no download).  Two features
(default ``bmi`` and ``s5``, the two strongest single predictors), standardized and rounded to
2 decimals, a seeded subsample of rows; the target (disease progression after one year)
standardized and rounded to 2 decimals.  The rounded numbers are the data: every claim below is
exact for them.

Model: a two-layer ReLU network with a hidden bias and an unregularized output bias, trained with
weight decay λ (sum scale: ½‖f(X) − y‖² + (λ/2)(‖W1‖² + ‖w2‖²)) by
``exactrelu.model.training.train``
(L-BFGS) from several seeds.  Each trained network is certified by ``exactrelu.tasks.certify``: its
exact objective, a certified lower bound on the optimum over networks of **any** width, the exact
gap,
and a verdict: ``optimal`` (gap <= tol·½‖y‖²), ``not_optimal`` (an improving network with an
exactly smaller objective is exhibited) or ``inconclusive``.  The convex program is solved once
and reused for every seed (``certify(..., solution=...)``).

Usage::

    .venv/bin/python examples/certify_trained_network.py            # ~ 30-60 s
    .venv/bin/python examples/certify_trained_network.py --quick    # ~ 10 s
    .venv/bin/python examples/certify_trained_network.py --width 12 --seeds 3 --out out/
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np
from diabetes import add_data_options, load_from_args

from exactrelu.model.network import Network, fit
from exactrelu.model.training import train
from exactrelu.program.problem import Problem
from exactrelu.tasks.certify import Certification, certify

TOL = Fraction(1, 10**9)
SIGNIFICANT = 0.01  # a neuron is significant when |w2|·‖W1‖ >= 1% of the largest neuron's
RESIDUE = 1e-6  # neurons of the solver's optimum below this share of the largest: float residue
MATCH_ROWS = 2  # neurons "match" when their activation patterns differ on at most 2 rows


def neuron_patterns(network: Network, rows: list[list[Fraction]]) -> list[tuple]:
    """Per neuron: its output sign and exact activation pattern ``1[x̃_k·W1_j > 0]`` on the data."""
    return [
        (out > 0, tuple(sum(a * w for a, w in zip(row, weights, strict=True)) > 0 for row in rows))
        for weights, out in zip(network.W1, network.w2, strict=True)
    ]


def significant(network: Network, threshold: float = SIGNIFICANT) -> list[bool]:
    """Neurons whose weight |w2_j|·‖W1_j‖ is at least ``threshold`` × the largest (numeric):
    weight decay shrinks the neurons a local minimum does not use towards zero."""
    sizes = [
        abs(float(out)) * float(np.linalg.norm(np.array(weights, dtype=float)))
        for weights, out in zip(network.W1, network.w2, strict=True)
    ]
    top = max(sizes, default=0.0)
    return [size > 0 and size >= threshold * top for size in sizes]


def matched(optimal: Network, trained: Network, rows: list[list[Fraction]]) -> tuple[int, list]:
    """How many neurons of ``optimal`` (float residue left out) have a significant trained neuron
    of the same output sign whose activation pattern differs on at most MATCH_ROWS rows; for each,
    the rows to the closest such pattern."""
    keep = significant(trained)
    candidates = [p for p, k in zip(neuron_patterns(trained, rows), keep, strict=True) if k]
    real = significant(optimal, RESIDUE)
    distances = []
    for (sign, pattern), k in zip(neuron_patterns(optimal, rows), real, strict=True):
        if not k:
            continue
        same = [
            sum(a != b for a, b in zip(pattern, q, strict=True)) for s, q in candidates if s == sign
        ]
        distances.append(min(same, default=len(rows)))
    return sum(d <= MATCH_ROWS for d in distances), sorted(distances)


def describe(seed: int, result: Certification, rows: list[list[Fraction]], seconds: float) -> dict:
    """The numbers printed and plotted for one trained network."""
    unit = result.problem.zero_objective
    improving = result.improving_network
    info = {
        "seed": seed,
        "seconds": seconds,
        "objective": result.objective,
        "lower_bound": result.lower_bound,
        "gap": result.gap,
        "relative_gap": result.gap / unit,
        "verdict": result.verdict,
        "width": result.network.width,
        "significant": sum(significant(result.network)),
        "improving_width": None if improving is None else improving.width,
        "improvement": result.improvement,
    }
    if improving is not None:
        info["matched"], info["distances"] = matched(improving, result.network, rows)
        info["improving_neurons"] = len(info["distances"])
        X = result.problem.dataset.X
        change = [
            float(a - b) for a, b in zip(fit(improving, X), fit(result.network, X), strict=True)
        ]
        info["fit_change_rms"] = float(np.sqrt(np.mean(np.square(change))))
    return info


def print_row(info: dict, rows: int) -> None:
    print(
        f"seed {info['seed']}: objective {float(info['objective']):.6f}, "
        f"certified lower bound {float(info['lower_bound']):.6f}, "
        f"gap {float(info['gap']):.3e} ({float(info['relative_gap']):.2e} of ½‖y‖²), "
        f"verdict {info['verdict']} ({info['seconds']:.1f} s)"
    )
    print(
        f"    trained: width {info['width']}, {info['significant']} significant neurons "
        f"(|w2|·‖W1‖ >= {SIGNIFICANT:.0%} of the largest)"
    )
    if info["improving_width"] is None:
        return
    residue = ""
    if info["improving_neurons"] < info["improving_width"]:
        residue = f" ({info['improving_neurons']} neurons above float residue)"
    print(
        f"    improving network: width {info['improving_width']}{residue}, objective lower by "
        f"{float(info['improvement']):.4e} exactly "
        f"({float(info['improvement'] / info['objective']):.2%}), fit moves by "
        f"{info['fit_change_rms']:.3f} RMS"
    )
    print(
        f"    its neurons matched by a trained neuron (same sign, activation pattern within "
        f"{MATCH_ROWS} of {rows} rows): {info['matched']} of {info['improving_neurons']}; rows "
        f"to the closest trained pattern: {info['distances']}"
    )


def plot(infos: list[dict], solution, out: Path, title: str) -> Path:
    """Objectives of the trained networks vs the certified bounds; relative gaps (log scale)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seeds = [info["seed"] for info in infos]
    objectives = [float(info["objective"]) for info in infos]
    colors = {"optimal": "tab:green", "not_optimal": "tab:red", "inconclusive": "tab:orange"}
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.scatter(seeds, objectives, c=[colors[i["verdict"]] for i in infos], zorder=3)
    left.axhline(float(solution.objective_lower), color="k", lw=1, label="certified lower bound")
    left.axhline(
        float(solution.objective_upper),
        color="tab:blue",
        ls="--",
        lw=1,
        label=f"optimum found (width {solution.network.width}, exact objective)",
    )
    left.set_xlabel("training seed")
    left.set_ylabel("objective ½‖f(X) − y‖² + (λ/2)‖W‖²")
    left.set_xticks(seeds)
    left.legend(loc="best", fontsize=8)
    left.set_title("trained networks (red: not optimal, green: optimal)", fontsize=9)
    gaps = [max(float(info["relative_gap"]), 1e-18) for info in infos]
    right.bar(seeds, gaps, color=[colors[i["verdict"]] for i in infos])
    right.axhline(float(TOL), color="k", ls=":", lw=1, label=f"tol = {float(TOL):g}")
    right.set_yscale("log")
    right.set_xticks(seeds)
    right.set_xlabel("training seed")
    right.set_ylabel("certified gap / ½‖y‖²")
    right.legend(fontsize=8)
    right.set_title("exact gap to the certified lower bound", fontsize=9)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    out.mkdir(parents=True, exist_ok=True)
    path = out / "certify_trained_network.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="60 rows, 2 seeds (about 10 s)")
    parser.add_argument("--rows", type=int, default=None, help="rows subsampled (default 150)")
    parser.add_argument("--seeds", type=int, default=None, help="training seeds 0..S-1 (default 5)")
    parser.add_argument("--width", type=int, default=8, help="width of the trained networks")
    parser.add_argument("--lam", type=Fraction, default=Fraction(1), help="λ, sum scale (1)")
    add_data_options(parser, "bmi,s5")
    args = parser.parse_args(argv)
    if args.rows is None:
        args.rows = 60 if args.quick else 150
    if args.seeds is None:
        args.seeds = 2 if args.quick else 5
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    X, y = load_from_args(args)
    problem = Problem(X, y, args.lam, bias=True, output_bias=True)
    rows = problem.rows
    print(
        f"model: hidden bias + output bias, λ = {args.lam} (sum scale), ½‖y‖² = "
        f"{float(problem.zero_objective):.4f}, tol = {float(TOL):g}·½‖y‖²"
    )
    t0 = time.perf_counter()
    cells = len(problem.blocks.patterns)
    solution = problem.solve(float(TOL))
    print(
        f"convex program: {cells} activation patterns (all, certified complete), solved in "
        f"{time.perf_counter() - t0:.1f} s: optimum in [{float(solution.objective_lower):.9f}, "
        f"{float(solution.objective_upper):.9f}], exact gap {float(solution.relative_gap):.1e} "
        f"of ½‖y‖², optimal network found of width {solution.network.width}"
    )
    residue = solution.network.width - sum(significant(solution.network, RESIDUE))
    if residue:
        print(
            f"  ({residue} of its neurons carry less than {RESIDUE:g} of the largest neuron's "
            f"weight: float residue of the solve, kept because the exact bounds are for this "
            f"exact network)"
        )
    print(f"\ntraining width-{args.width} networks (L-BFGS, seeds 0..{args.seeds - 1}):")
    X_float = np.array([[float(v) for v in row] for row in X])
    y_float = np.array([float(v) for v in y])
    infos = []
    for seed in range(args.seeds):
        t0 = time.perf_counter()
        network = train(
            X_float, y_float, args.lam, args.width, bias=True, output_bias=True, seed=seed
        )
        result = certify(problem, network, TOL, solution=solution)
        infos.append(describe(seed, result, rows, time.perf_counter() - t0))
        print_row(infos[-1], args.rows)
    verdicts = [info["verdict"] for info in infos]
    best = min(infos, key=lambda info: info["objective"])
    print(
        f"\nsummary: {verdicts.count('optimal')} optimal, {verdicts.count('not_optimal')} not "
        f"optimal, {verdicts.count('inconclusive')} inconclusive; the best seed ({best['seed']}) "
        f"is {float(best['relative_gap']):.2e}·½‖y‖² above the certified bound, the worst "
        f"{float(max(info['relative_gap'] for info in infos)):.2e}."
    )
    title = (
        f"diabetes ({args.rows} rows; {args.features.replace(',', ', ')}), λ = {args.lam}, "
        f"width-{args.width} ReLU networks trained by L-BFGS"
    )
    path = plot(infos, solution, args.out, title)
    print(
        f"plot: {path}: left, each seed's exact objective against the certified lower bound and "
        f"the optimum found (width {solution.network.width}); right, the exact gaps on a log "
        f"scale against tol.  Total {time.perf_counter() - start:.1f} s."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
