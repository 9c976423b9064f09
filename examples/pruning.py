#!/usr/bin/env python
"""Pruning optimal ReLU networks on real data, exactly (Mishkin & Pilanci 2023; docs/theory.md §6,
§10).

For every data set of ``experiments_data`` (scikit-learn's bundled breast cancer, diabetes
thresholded at the median, wine and iris class pairs; labels ±1, 50/50 split, 2 exact principal
components, hidden bias) and every seed, the convex program is solved over **all** activation
patterns (enumerated and certified complete: d = 2 makes that cheap), at λ = λ_max/50 (sum scale),
and its certified optimal network (exact rational weights, exact gap) is pruned one neuron at a
time down to one neuron by:

* ``exact+LS``: the exact optimal prune (Algorithm 1, :func:`exactrelu.tasks.prune.prune`: the
  training fit is unchanged, exactly, down to a minimal network), then the paper's least-squares
  correction
  (:func:`exactrelu.tasks.prune.least_squares_prune`, rule ``residual``: regress away the neuron
  whose fit the others explain best; the fit changes) -- the paper's "Optimal/LS" method;
* ``magnitude``: remove the neuron with the smallest ``|w2|·‖W1‖`` (= ‖u_b‖), no correction;
* ``gradient``: remove the neuron with the smallest ``‖u_b ⊙ ∇_{u_b} ½‖f − y‖²‖`` (convex weights
  times the gradient of the training loss, recomputed after every removal), no correction;
* ``random``: remove a uniformly random neuron (seeded), no correction.

The baselines only delete the neuron, as the authors' code does.  Accuracies are exact (the sign
of the exact output; an output exactly 0 counts as wrong).  The script prints the median test
accuracy per width, writes ``pruning.csv`` (medians and quartiles over the seeds) and
``pruning_runs.csv`` (every seed), and plots ``pruning.png`` (median with the quartile band, one
panel per data set).

Exact vs floating point: for every certified optimum it compares the exact rank of the neuron fits
(Algorithm 1 removes ``width − rank`` neurons without changing the fit) with numpy's float rank and
with the float test of the authors' code (a neuron is prunable "optimally" when a least-squares
fit of its output by the others leaves a relative residual below 1e-8), and counts disagreements.

Usage::

    .venv/bin/python examples/pruning.py             # 5 data sets x 5 seeds (a few minutes)
    .venv/bin/python examples/pruning.py --quick     # 2 small data sets, 1 seed (seconds)
    .venv/bin/python examples/pruning.py --docs      # also copy the plot to docs/img/
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from experiments_data import (
    Split,
    accuracy,
    load_split,
    make_problem,
    parse_args,
    run_all,
    write_csv,
)

from exactrelu.exact.rationals import column_rank
from exactrelu.model.network import Network, augmented, data_matrix, fit
from exactrelu.program.problem import Problem, Solution
from exactrelu.tasks.prune import least_squares_prune

METHODS = ("exact+LS", "magnitude", "gradient", "random")
FLOAT_PRUNE_TOL = 1e-8  # the authors' float test: relative least-squares residual below this
DOCS_IMG = Path(__file__).resolve().parents[1] / "docs" / "img"


@dataclass(frozen=True)
class Point:
    """One network on a pruning path: its width and exact accuracies."""

    method: str
    neurons: int
    train_accuracy: Fraction
    test_accuracy: Fraction
    fit_unchanged: bool  # the training fit equals the certified optimum's fit, exactly


@dataclass(frozen=True)
class Run:
    """One data set and seed: the certified optimum, its pruning paths, exact-vs-float facts."""

    split: Split
    problem: Problem
    solution: Solution
    points: tuple[Point, ...]
    exact_rank: int
    float_rank: int
    float_prunable: int  # neurons the authors' float test calls prunable without changing the fit
    seconds: float

    @property
    def width(self) -> int:
        return self.solution.network.width

    @property
    def exact_prunable(self) -> int:
        """Neurons Algorithm 1 removes with the fit unchanged: width − rank of the fits."""
        return self.width - self.exact_rank


# ---------------------------------------------------------------------------------------------
# Pruning paths


def _neuron(network: Network, j: int) -> Network:
    return Network((network.W1[j],), (network.w2[j],), network.bias)


def _without(network: Network, j: int) -> Network:
    keep = [i for i in range(network.width) if i != j]
    return Network(
        tuple(network.W1[i] for i in keep), tuple(network.w2[i] for i in keep), network.bias
    )


def _point(method: str, network: Network, split: Split, optimal_fit: tuple) -> Point:
    return Point(
        method,
        network.width,
        accuracy(network, split.X_train, split.y_train),
        accuracy(network, split.X_test, split.y_test),
        fit(network, split.X_train) == optimal_fit,
    )


def exact_then_least_squares(problem: Problem, network: Network, split: Split) -> list[Point]:
    """The paper's Optimal/LS path: Algorithm 1 (exact, fit unchanged), then least squares."""
    optimal_fit = fit(network, split.X_train)
    points = [_point("exact+LS", network, split, optimal_fit)]
    for step in least_squares_prune(problem, network, 1, rule="residual"):
        if step.width < points[-1].neurons:
            points.append(_point("exact+LS", step.network, split, optimal_fit))
    return points


def magnitude_choice(network: Network, split: Split) -> int:
    """The neuron with the smallest ``‖u_j‖² = w2_j²‖W1_j‖²`` (exact; lowest index on ties)."""
    sizes = [w * w * sum(v * v for v in row) for row, w in zip(network.W1, network.w2, strict=True)]
    return min(range(network.width), key=lambda j: (sizes[j], j))


def gradient_choice(network: Network, split: Split) -> int:
    """The neuron with the smallest ``‖u_j ⊙ g_j‖²``, ``u_j = |w2_j| W1_j`` its convex weights and
    ``g_j = s_j Σ_k 1[x̃_k·W1_j > 0] (f_k − y_k) x̃_k`` the gradient of ½‖f − y‖² in them (exact)."""
    residual = [f - t for f, t in zip(fit(network, split.X_train), split.y_train, strict=True)]
    rows = augmented(data_matrix(split.X_train), network.bias)
    scores = []
    for row_w, w in zip(network.W1, network.w2, strict=True):
        gradient = [Fraction(0)] * len(row_w)
        for x, e in zip(rows, residual, strict=True):
            if sum(a * b for a, b in zip(x, row_w, strict=True)) > 0:
                gradient = [g + e * a for g, a in zip(gradient, x, strict=True)]
        sign = 1 if w > 0 else -1
        scores.append(
            sum((abs(w) * v * sign * g) ** 2 for v, g in zip(row_w, gradient, strict=True))
        )
    return min(range(network.width), key=lambda j: (scores[j], j))


def remove_one_at_a_time(
    method: str, network: Network, split: Split, choose: Callable[[Network, Split], int]
) -> list[Point]:
    """Delete the chosen neuron (no correction) until one neuron is left."""
    optimal_fit = fit(network, split.X_train)
    points = [_point(method, network, split, optimal_fit)]
    while network.width > 1:
        network = _without(network, choose(network, split))
        points.append(_point(method, network, split, optimal_fit))
    return points


# ---------------------------------------------------------------------------------------------
# Exact vs float minimality


def neuron_fits(network: Network, X: list[list[Fraction]]) -> list[tuple[Fraction, ...]]:
    """Each neuron's exact output ``w2_j (X̃ W1_j)_+`` on the training rows."""
    return [fit(_neuron(network, j), X) for j in range(network.width)]


def float_prunable(fits: np.ndarray, tol: float = FLOAT_PRUNE_TOL) -> int:
    """How many neurons the authors' float test removes "optimally" (fit unchanged), one at a
    time: a neuron goes when the least-squares fit of its output by the remaining neurons leaves
    a relative residual <= tol (removing it leaves the span of the others' fits unchanged)."""
    kept = list(range(fits.shape[1]))
    while len(kept) > 1:
        for j in kept:
            others = fits[:, [i for i in kept if i != j]]
            coef = np.linalg.lstsq(others, fits[:, j], rcond=None)[0]
            if np.linalg.norm(others @ coef - fits[:, j]) <= tol * np.linalg.norm(fits[:, j]):
                kept.remove(j)
                break
        else:
            break
    return fits.shape[1] - len(kept)


# ---------------------------------------------------------------------------------------------
# One run, all runs


def run_one(name: str, seed: int, cap: int, fraction: Fraction) -> Run:
    start = time.perf_counter()
    split = load_split(name, seed, cap)
    problem = make_problem(split.X_train, split.y_train, fraction)
    solution = problem.solve()
    network = solution.network
    paths = exact_then_least_squares(problem, network, split)
    paths += remove_one_at_a_time("magnitude", network, split, magnitude_choice)
    paths += remove_one_at_a_time("gradient", network, split, gradient_choice)
    rng = np.random.default_rng(seed)
    paths += remove_one_at_a_time(
        "random", network, split, lambda net, _: int(rng.integers(net.width))
    )
    exact = neuron_fits(network, split.X_train)
    floats = np.array([[float(v) for v in column] for column in exact]).T
    return Run(
        split,
        problem,
        solution,
        tuple(paths),
        column_rank(exact, False),
        int(np.linalg.matrix_rank(floats)),
        float_prunable(floats),
        time.perf_counter() - start,
    )


def summarize(runs: Sequence[Run]) -> list[dict]:
    """Median and quartiles of the test accuracy over the seeds, per data set, method, width."""
    rows = []
    for name in dict.fromkeys(run.split.name for run in runs):
        for method in METHODS:
            values: dict[int, list[tuple[float, float]]] = {}
            for run in runs:
                if run.split.name != name:
                    continue
                for p in run.points:
                    if p.method == method:
                        values.setdefault(p.neurons, []).append(
                            (float(p.test_accuracy), float(p.train_accuracy))
                        )
            for neurons in sorted(values, reverse=True):
                test = [v[0] for v in values[neurons]]
                q1, median, q3 = np.percentile(test, [25, 50, 75])
                rows.append(
                    {
                        "dataset": name,
                        "method": method,
                        "neurons": neurons,
                        "runs": len(test),
                        "test_median": round(float(median), 4),
                        "test_q1": round(float(q1), 4),
                        "test_q3": round(float(q3), 4),
                        "train_median": round(float(np.median([v[1] for v in values[neurons]])), 4),
                    }
                )
    return rows


def run_rows(runs: Sequence[Run]) -> list[dict]:
    """Every point of every run, with exact accuracies as fractions."""
    return [
        {
            "dataset": run.split.name,
            "seed": run.split.seed,
            "method": p.method,
            "neurons": p.neurons,
            "train_accuracy": str(p.train_accuracy),
            "test_accuracy": str(p.test_accuracy),
            "fit_unchanged": p.fit_unchanged,
        }
        for run in runs
        for p in run.points
    ]


COLORS = {
    "exact+LS": "tab:brown",
    "magnitude": "tab:blue",
    "gradient": "tab:red",
    "random": "tab:green",
}


def plot(summary: list[dict], path: Path) -> None:
    """Median test accuracy with the quartile band against the number of neurons, one panel per
    data set; widths reached by fewer than half of the seeds are left out (they are in the CSV)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    names = list(dict.fromkeys(row["dataset"] for row in summary))
    columns = min(len(names), 3)
    rows_ = -(-len(names) // columns)
    fig, axes = plt.subplots(rows_, columns, figsize=(4 * columns, 3.2 * rows_), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        seeds = max(r["runs"] for r in summary if r["dataset"] == name)
        for method in METHODS:
            rows = [
                r
                for r in summary
                if r["dataset"] == name and r["method"] == method and 2 * r["runs"] >= seeds
            ]
            x = [r["neurons"] for r in rows]
            low, high = [r["test_q1"] for r in rows], [r["test_q3"] for r in rows]
            ax.fill_between(x, low, high, color=COLORS[method], alpha=0.15)
            median = [r["test_median"] for r in rows]
            ax.plot(x, median, "o-", ms=3, color=COLORS[method], label=method)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("neurons")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.invert_xaxis()
        ax.set_ylabel("test accuracy")
    for ax in axes.flat[len(names) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    holder = axes.flat[-1] if len(names) < axes.size else axes.flat[0]
    holder.legend(handles, labels, loc="center" if holder.axison is False else "lower left")
    fig.suptitle(
        "pruning a certified optimal network: median and quartiles over seeds", fontsize=10
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------
# Report


def print_tables(summary: list[dict]) -> None:
    for name in dict.fromkeys(row["dataset"] for row in summary):
        rows = [r for r in summary if r["dataset"] == name]
        widths = sorted({r["neurons"] for r in rows}, reverse=True)
        print(f"\n{name}: median test accuracy (runs) by number of neurons")
        print("  neurons " + "".join(f"{m:>12}" for m in METHODS))
        for w in widths:
            cells = []
            for method in METHODS:
                hit = [r for r in rows if r["method"] == method and r["neurons"] == w]
                cells.append(f"{hit[0]['test_median']:.3f} ({hit[0]['runs']})" if hit else "-")
            print(f"  {w:>7} " + "".join(f"{c:>12}" for c in cells))


def dominance(summary: list[dict]) -> dict[str, tuple[int, int]]:
    """For each baseline: (widths where exact+LS's median >= the baseline's, widths compared)."""
    out = {}
    for baseline in METHODS[1:]:
        wins = total = 0
        for row in summary:
            if row["method"] != baseline:
                continue
            ours = [
                r
                for r in summary
                if r["method"] == "exact+LS"
                and r["dataset"] == row["dataset"]
                and r["neurons"] == row["neurons"]
            ]
            if ours:
                total += 1
                wins += ours[0]["test_median"] >= row["test_median"]
        out[baseline] = (wins, total)
    return out


def print_exact_vs_float(runs: Sequence[Run]) -> None:
    print("\nexact vs floating point (minimality of each certified optimum):")
    rank_disagree = sum(run.float_rank != run.exact_rank for run in runs)
    prune_disagree = sum(run.float_prunable != run.exact_prunable for run in runs)
    minimal = sum(run.exact_prunable == 0 for run in runs)
    print(
        f"  {minimal} of {len(runs)} certified optima are already minimal (exact rank of the "
        f"neuron fits = width): Algorithm 1 removes nothing, every prune changes the fit"
    )
    print(
        f"  numpy's float rank disagrees with the exact rank in {rank_disagree} of {len(runs)} "
        f"runs; the authors' float test (relative residual <= {FLOAT_PRUNE_TOL:g}) disagrees "
        f"about the number of fit-preserving prunes in {prune_disagree} of {len(runs)} runs"
    )
    for run in runs:
        if run.float_rank != run.exact_rank or run.float_prunable != run.exact_prunable:
            print(
                f"    {run.split.name} seed {run.split.seed}: width {run.width}, exact rank "
                f"{run.exact_rank}, float rank {run.float_rank}, float-prunable "
                f"{run.float_prunable}"
            )


def main(argv: Sequence[str] | None = None) -> list[Run]:
    args = parse_args(argv, __doc__.split("\n\n")[0], docs=True)
    start = time.perf_counter()
    print(
        f"pruning certified optimal networks: λ = {args.fraction}·λ_max (sum scale), all "
        f"activation patterns, seeds 0..{args.seeds - 1}"
    )
    runs = run_all(
        args,
        run_one,
        lambda run: (
            f"n = {len(run.split.y_train)}, {len(run.problem.blocks.patterns)} cells, λ = "
            f"{run.problem.lam}, certified optimum of width {run.width} (relative gap "
            f"{float(run.solution.relative_gap):.1e}), {run.seconds:.1f} s"
        ),
    )
    summary = summarize(runs)
    print_tables(summary)
    print("\nexact+LS median >= baseline median at (widths):")
    for baseline, (wins, total) in dominance(summary).items():
        print(f"  vs {baseline}: {wins} of {total}")
    print_exact_vs_float(runs)
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / "pruning.csv", summary)
    write_csv(args.out / "pruning_runs.csv", run_rows(runs))
    png = args.out / "pruning.png"
    plot(summary, png)
    if args.docs:
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copy(png, DOCS_IMG / "pruning.png")
    print(
        f"\nwrote {png}, {args.out / 'pruning.csv'}, {args.out / 'pruning_runs.csv'}; "
        f"total {time.perf_counter() - start:.1f} s"
    )
    return runs


if __name__ == "__main__":
    main()
    sys.exit(0)
