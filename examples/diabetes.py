"""The scikit-learn diabetes data (bundled, no download), read exactly: shared by the examples."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np


def load_data(features: Sequence[str], rows: int, seed: int) -> tuple[list, list]:
    """Standardized features and target of the diabetes set, rounded to 2 decimals (exact)."""
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    names = list(data.feature_names)
    unknown = [f for f in features if f not in names]
    if unknown:
        raise SystemExit(f"unknown feature(s) {unknown}; choose from {names}")
    X = data.data[:, [names.index(f) for f in features]]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = (data.target - data.target.mean()) / data.target.std()
    chosen = np.sort(np.random.default_rng(seed).choice(len(y), size=rows, replace=False))
    X_cents = np.rint(100 * X[chosen]).astype(np.int64)
    y_cents = np.rint(100 * y[chosen]).astype(np.int64)
    X_exact = [[Fraction(int(v), 100) for v in row] for row in X_cents]
    y_exact = [Fraction(int(v), 100) for v in y_cents]
    return X_exact, y_exact


def add_data_options(parser: argparse.ArgumentParser, features: str) -> None:
    """The options every diabetes example shares: features, row-subsample seed, output folder."""
    parser.add_argument("--features", default=features, help=f"diabetes features ({features})")
    parser.add_argument("--data-seed", type=int, default=0, help="seed of the row subsample")
    parser.add_argument("--out", type=Path, default=Path("out"), help="output directory (out/)")


def load_from_args(args: argparse.Namespace) -> tuple[list, list]:
    """:func:`load_data` for the options of :func:`add_data_options` and ``--rows``, with the
    line that says what was read."""
    features = args.features.split(",")
    X, y = load_data(features, args.rows, args.data_seed)
    print(
        f"diabetes (scikit-learn, bundled): {args.rows} of 442 rows (seed {args.data_seed}), "
        f"features {', '.join(features)} and the target standardized and rounded to 2 decimals "
        f"(exact for the rounded data)"
    )
    return X, y
