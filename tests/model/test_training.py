"""The float non-convex trainer: deterministic, decreasing, returns exact networks."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

from exactrelu.data.io import as_dataset
from exactrelu.errors import ExactReluInputError
from exactrelu.model.convex import from_convex, to_convex
from exactrelu.model.network import balance, fit, objective
from exactrelu.model.training import train, train_many


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 4))
    y = np.maximum(X[:, 0] + X[:, 1], 0) - 0.5 * np.maximum(X[:, 2], 0) + 0.1 * X[:, 3]
    return X, y


def test_deterministic_given_seed(data):
    X, y = data
    first = train(X, y, 0.1, 20, seed=3, steps=200)
    assert train(X, y, 0.1, 20, seed=3, steps=200) == first
    assert train(X, y, 0.1, 20, seed=4, steps=200) != first
    assert first.width == 20 and first.input_size == 4 and not first.bias
    assert all(isinstance(v, F) for row in first.W1 for v in row)


@pytest.mark.parametrize("method", ["lbfgs", "gd"])
def test_decreases_the_objective(data, method):
    X, y = data
    options = {"bias": True, "output_bias": True, "seed": 1, "method": method}
    start = train(X, y, 0.1, 20, steps=0, **options)
    trained = train(X, y, 0.1, 20, steps=300, **options)
    assert trained.bias and trained.output_bias is not None and trained.input_size == 5
    assert objective(trained, X, y, F(1, 10)) < objective(start, X, y, F(1, 10))


def test_trained_network_through_the_exact_maps(data):
    X, y = data
    X, y = X[:40], y[:40]
    net = train(X, y, 1, 6, bias=True)
    balanced = balance(net)
    assert fit(balanced, X) == fit(net, X)
    assert objective(balanced, X, y, 1) <= objective(net, X, y, 1)
    back = from_convex(to_convex(net, X), bias=True)
    assert fit(back, X) == fit(net, X)


def test_exact_and_dataset_inputs():
    X = [["1/3", 0], [0, 1], [1, 1]]
    y = ["1/2", 1, 2]
    net = train(X, y, "1/10", 3, steps=50)
    assert net == train(as_dataset(X, y), None, 0.1, 3, steps=50)


def test_train_many(data):
    X, y = data
    nets = train_many(X[:50], y[:50], 0.1, 4, seeds=[0, 1], steps=20)
    assert len(nets) == 2 and nets[0] == train(X[:50], y[:50], 0.1, 4, seed=0, steps=20)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "adam"}, "method must be one of"),
        ({"width": 0}, "width must be a positive integer"),
        ({"lam": -1}, "lam must be >= 0"),
        ({"steps": -1}, "steps must be >= 0"),
        ({"y": np.ones(3)}, "X must be n×d and y of length n"),
        ({"X": np.array([[np.nan, 1.0], [0.0, 1.0]])}, "non-finite"),
    ],
)
def test_errors(kwargs, message):
    args = {"X": np.eye(2), "y": np.ones(2), "lam": 0.1, "width": 2}
    args.update(kwargs)
    X, y, lam, width = (args.pop(k) for k in ("X", "y", "lam", "width"))
    with pytest.raises(ExactReluInputError, match=message):
        train(X, y, lam, width, **args)
