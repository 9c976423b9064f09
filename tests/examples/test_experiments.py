"""The paper's experiments on real data (``examples/pruning.py``, ``examples/tuning.py``) in
``--quick`` mode: exact facts about what they print and write."""

from __future__ import annotations

import csv
import importlib
import sys
from fractions import Fraction
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _example(name: str):
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    return importlib.import_module(name)


def _rows(path: Path) -> list[dict]:
    with path.open() as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def pruning(tmp_path_factory):
    out = tmp_path_factory.mktemp("pruning")
    return _example("pruning"), _example("pruning").main(["--quick", "--out", str(out)]), out


@pytest.fixture(scope="module")
def tuning(tmp_path_factory):
    out = tmp_path_factory.mktemp("tuning")
    return _example("tuning"), _example("tuning").main(["--quick", "--out", str(out)]), out


def test_exact_prune_keeps_the_fit_then_least_squares_changes_it(pruning) -> None:
    module, runs, _ = pruning
    from exactrelu.model.network import fit
    from exactrelu.tasks.prune import least_squares_prune

    assert [run.split.name for run in runs] == list(_example("experiments_data").QUICK_DATASETS)
    for run in runs:
        network = run.solution.network
        assert Fraction(0) <= run.solution.gap <= Fraction(1, 10**9) * run.problem.zero_objective
        steps = least_squares_prune(run.problem, network, 1)
        assert steps[0].fit == fit(network, run.split.X_train)  # Fractions equal
        assert not steps[0].changes_fit and all(step.changes_fit for step in steps[1:])
        assert steps[0].width == run.exact_rank == run.width - run.exact_prunable
        path = [p for p in run.points if p.method == "exact+LS"]
        minimal = run.width - run.exact_prunable
        assert all(p.fit_unchanged for p in path if p.neurons >= minimal)
        assert not any(p.fit_unchanged for p in path if p.neurons < minimal)


def test_every_method_prunes_one_neuron_at_a_time_to_one(pruning) -> None:
    module, runs, _ = pruning
    for run in runs:
        for method in module.METHODS:
            widths = [p.neurons for p in run.points if p.method == method]
            assert widths[0] == run.width and widths[-1] == 1
            assert all(a > b for a, b in zip(widths, widths[1:], strict=False))
            if method != "exact+LS":  # deletions: exactly one neuron per step
                assert widths == list(range(run.width, 0, -1))
        test_size = len(run.split.y_test)
        for p in run.points:
            assert (p.test_accuracy * test_size).denominator == 1


def test_magnitude_deletes_the_smallest_neuron(pruning) -> None:
    module, runs, _ = pruning
    network = runs[0].solution.network
    j = module.magnitude_choice(network, runs[0].split)
    sizes = [w * w * sum(v * v for v in row) for row, w in zip(network.W1, network.w2, strict=True)]
    assert sizes[j] == min(sizes)
    assert module._without(network, j).width == network.width - 1


def test_pruning_csv_and_plot(pruning) -> None:
    module, runs, out = pruning
    summary = _rows(out / "pruning.csv")
    assert list(summary[0]) == [
        "dataset",
        "method",
        "neurons",
        "runs",
        "test_median",
        "test_q1",
        "test_q3",
        "train_median",
    ]
    expected = sum(
        len({p.neurons for p in run.points if p.method == m})
        for run in runs
        for m in module.METHODS
    )
    assert len(summary) == expected
    every = _rows(out / "pruning_runs.csv")
    assert len(every) == sum(len(run.points) for run in runs)
    assert {Fraction(row["test_accuracy"]) for row in every} <= {
        p.test_accuracy for run in runs for p in run.points
    }
    assert (out / "pruning.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_tuning_models_are_certified_optimal(tuning) -> None:
    module, runs, _ = tuning
    for run in runs:
        assert run.status == "verified" and run.exact_neurons == run.facts["solver_neurons"]
        for choice in run.choices:
            # weak duality: no network beats the certified lower bound (exact)
            assert choice.objective >= run.solution.objective_lower
            if choice.kind != "paper":
                # a unique optimal network: every model is the certified optimum itself
                assert choice.network == run.solution.network
                assert choice.objective == run.solution.objective_upper
                assert choice.eps_optimal and not choice.not_optimal
        assert module.spread(run, "whole") == 0 and module.spread(run, "face") == 0


def test_tuning_csv(tuning) -> None:
    module, runs, out = tuning
    summary = _rows(out / "tuning.csv")
    assert [(row["dataset"], row["set"]) for row in summary] == [
        (name, kind) for name in _example("experiments_data").QUICK_DATASETS for kind in module.SETS
    ]
    assert set(module.MODELS) <= set(summary[0])
    every = _rows(out / "tuning_runs.csv")
    assert len(every) == len(runs) * len(module.SETS) * len(module.MODELS)
    facts = _rows(out / "tuning_optimal_sets.csv")
    assert [row["status"] for row in facts] == [run.status for run in runs]
