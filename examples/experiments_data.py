"""Real binary classification sets for the paper's experiments (docs/theory.md §10), read exactly.

Every set is bundled with scikit-learn (no download): breast cancer (malignant vs benign), the
diabetes progression thresholded at its median (``examples/diabetes.py`` reads it), wine class
pairs and iris versicolor vs virginica.  Labels are ±1.  For each seed: a random 50/50
train/test split; the training half is capped at ``cap`` rows (so that every activation pattern
can be enumerated); the features are standardized with the training statistics and projected
onto the first two principal components of the training half, each rescaled to unit variance on
the training half and **rounded to 2 decimals**.  The rounded numbers are the data: every exact
claim is exact for them (test rows are reduced with the same map and rounded the same way).
The model adds a hidden bias, so each neuron has D = 3 weights.
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from exactrelu.model.network import Network, fit
from exactrelu.program.problem import Problem
from exactrelu.program.solver import ColumnGeneration

DIMENSION = 2
DECIMALS = 2


@dataclass(frozen=True)
class Split:
    """One seed of one data set: exact rounded features and ±1 labels, train and test."""

    name: str
    seed: int
    X_train: list[list[Fraction]]
    y_train: list[Fraction]
    X_test: list[list[Fraction]]
    y_test: list[Fraction]


def _breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    return data.data, np.where(data.target == 1, 1, -1)


def _diabetes() -> tuple[np.ndarray, np.ndarray]:
    from diabetes import load_data
    from sklearn.datasets import load_diabetes

    names = list(load_diabetes().feature_names)
    X, y = load_data(names, 442, 0)  # every row, standardized, rounded to 2 decimals
    target = np.array([float(v) for v in y])
    labels = np.where(target > np.median(target), 1, -1)
    return np.array([[float(v) for v in row] for row in X]), labels


def _class_pair(loader: Callable, first: int, second: int) -> Callable:
    def load() -> tuple[np.ndarray, np.ndarray]:
        data = loader()
        keep = (data.target == first) | (data.target == second)
        return data.data[keep], np.where(data.target[keep] == second, 1, -1)

    return load


def _sklearn(name: str) -> Callable:
    def load():
        import sklearn.datasets

        return getattr(sklearn.datasets, name)()

    return load


DATASETS: dict[str, Callable[[], tuple[np.ndarray, np.ndarray]]] = {
    "breast-cancer": _breast_cancer,
    "diabetes": _diabetes,
    "wine-0v1": _class_pair(_sklearn("load_wine"), 0, 1),
    "wine-1v2": _class_pair(_sklearn("load_wine"), 1, 2),
    "iris-1v2": _class_pair(_sklearn("load_iris"), 1, 2),
}
DESCRIPTIONS = {
    "breast-cancer": "569 tumours, 30 features, +1 benign / -1 malignant",
    "diabetes": "442 patients, 10 features, +1 iff progression above the median",
    "wine-0v1": "wine cultivars 0 vs 1 (130 wines, 13 features)",
    "wine-1v2": "wine cultivars 1 vs 2 (119 wines, 13 features)",
    "iris-1v2": "iris versicolor vs virginica (100 flowers, 4 features)",
}


def _exact(values: np.ndarray) -> list[list[Fraction]]:
    scale = 10**DECIMALS
    return [[Fraction(int(v), scale) for v in row] for row in np.rint(scale * values)]


def load_split(name: str, seed: int, cap: int) -> Split:
    """The 50/50 split of data set ``name`` for ``seed``, reduced to 2 exact features."""
    from sklearn.decomposition import PCA

    X, y = DATASETS[name]()
    order = np.random.default_rng(seed).permutation(len(y))
    half = len(y) // 2
    train, test = order[:half][:cap], order[half:]
    mean, std = X[train].mean(axis=0), X[train].std(axis=0)
    std[std == 0] = 1.0
    pca = PCA(DIMENSION, random_state=0).fit((X[train] - mean) / std)
    Z = pca.transform((X - mean) / std)
    Z /= Z[train].std(axis=0)
    labels = [Fraction(int(v)) for v in y]
    return Split(
        name,
        seed,
        _exact(Z[train]),
        [labels[k] for k in train],
        _exact(Z[test]),
        [labels[k] for k in test],
    )


def describe(name: str, cap: int) -> str:
    """One line: the data set and the reduction applied."""
    return (
        f"{name}: {DESCRIPTIONS[name]}; 50/50 split, training half capped at {cap} rows; "
        f"standardized, first {DIMENSION} principal components (unit variance), rounded to "
        f"{DECIMALS} decimals, hidden bias"
    )


LAM_FRACTION = Fraction(1, 50)
"""λ = LAM_FRACTION · λ_max (sum scale), rounded to a fraction with denominator <= 100."""


def make_problem(X: list[list[Fraction]], y: list[Fraction], fraction: Fraction) -> Problem:
    """The training problem with a hidden bias (sum scale) at ``λ ≈ fraction·λ_max``.

    λ_max = max_b ‖Π_{K_b}(Z_bᵀ y)‖ (docs/theory.md §8) is evaluated in floating point over every
    cell only to *choose* λ; λ itself is the exact rational reported, and every claim holds for it.
    """
    problem = Problem(X, y, 1, bias=True)
    engine = ColumnGeneration(problem.rows_float, problem.y_float, 1.0, problem.blocks, False)
    lam_max = float(engine.block_values(problem.y_float).max())
    return problem.with_lam(Fraction(lam_max * float(fraction)).limit_denominator(100))


def accuracy(network: Network, X: list[list[Fraction]], y: list[Fraction]) -> Fraction:
    """The exact share of rows with ``sign f(x) = y`` (an output exactly 0 counts as wrong)."""
    outputs = fit(network, X)
    return Fraction(sum(v * t > 0 for v, t in zip(outputs, y, strict=True)), len(y))


QUICK_DATASETS = ("wine-1v2", "iris-1v2")


def parse_args(
    argv: Sequence[str] | None, description: str, docs: bool = False
) -> argparse.Namespace:
    """The options shared by the experiments (``--quick``: 2 small data sets, 1 seed, 40 rows)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="2 small data sets, 1 seed, 40 rows")
    parser.add_argument("--datasets", default=None, help=f"comma list of {', '.join(DATASETS)}")
    parser.add_argument("--seeds", type=int, default=None, help="seeds 0..S-1 (default 5)")
    parser.add_argument("--cap", type=int, default=None, help="training rows at most (100)")
    parser.add_argument("--fraction", type=Fraction, default=LAM_FRACTION, help="λ/λ_max (1/50)")
    parser.add_argument("--out", type=Path, default=Path("out"), help="output directory (out/)")
    if docs:
        parser.add_argument("--docs", action="store_true", help="also copy plots to docs/img/")
    args = parser.parse_args(argv)
    default_names = QUICK_DATASETS if args.quick else tuple(DATASETS)
    args.datasets = args.datasets.split(",") if args.datasets else list(default_names)
    args.seeds = args.seeds or (1 if args.quick else 5)
    args.cap = args.cap or (40 if args.quick else 100)
    return args


def run_all(args: argparse.Namespace, run_one: Callable, line: Callable) -> list:
    """``run_one(name, seed, cap, fraction)`` for every data set and seed; prints ``line(run)``."""
    runs = []
    for name in args.datasets:
        print(describe(name, args.cap))
        for seed in range(args.seeds):
            runs.append(run_one(name, seed, args.cap, args.fraction))
            print(f"  seed {seed}: {line(runs[-1])}")
    return runs


def write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
