"""``Problem.solve``: exact bounds that bracket the optimum, a gap <= 1e-9·½‖y‖², exact optima.

Oracles: Clarabel on the full program over every block (``tests/full_program.py``, a float
oracle compared with a float tolerance), hand-computed optima (docs/theory.md §3 examples), and the
independent checker (``exactrelu.checker``), which must accept every certificate produced and
reject tampered ones.
"""

from __future__ import annotations

import copy
from fractions import Fraction as F

import numpy as np
import pytest
from full_program import full_program_value
from hypothesis import given, settings
from hypothesis import strategies as st
from multiplier_instance import X_MU, Y_MU, needed_mu_entries

from exactrelu import enumerate_patterns
from exactrelu.checker import CheckFailure, check_certificate
from exactrelu.model.alpha_form import AlphaNeuron, alpha_form_excess, alpha_form_objective
from exactrelu.model.network import objective
from exactrelu.program.problem import Problem

GAP = F(1, 10**9)
ORACLE_TOL = 1e-6


def exact(X, y):
    return [[F(v) for v in row] for row in X], [F(v) for v in y]


def check(document: dict, X, y) -> str:
    return check_certificate(document, *exact(X, y))


def unit(y, scale: str = "sum") -> F:
    """½‖y‖² in the problem's scale: the objective of the zero network."""
    value = sum((F(v) ** 2 for v in y), F(0)) / 2
    return value / len(y) if scale == "mean" else value


def assert_brackets(solution, oracle: float, y, scale: str = "sum") -> None:
    """lower − 1e-6·s <= Clarabel <= upper + 1e-6·s (s = max(½‖y‖², 1), float oracle only)."""
    s = max(float(unit(y, scale)), 1.0)
    lower, upper = float(solution.objective_lower), float(solution.objective_upper)
    assert lower - ORACLE_TOL * s <= oracle <= upper + ORACLE_TOL * s, (lower, oracle, upper)


# ---------------------------------------------------------------------------------------------
# Hand-computed optima (docs/theory.md §3)


def test_single_point_rational_optimum() -> None:
    # X = [[3, 4]], y = [10], λ = 1: r = λ/‖x‖ = 1/5, ‖u‖ = (10 − 1/5)/5 = 49/25,
    # optimum ½(1/5)² + λ·49/25 = 99/50; W1 = u/√‖u‖ = (21/25, 28/25), w2 = 7/5.
    X, y = [[3, 4]], [10]
    solution = Problem(X, y, 1).solve()
    assert solution.optimum == F(99, 50)
    assert solution.objective_upper == solution.objective_lower == F(99, 50)
    assert solution.gap == 0 and solution.relative_gap == 0
    assert solution.network.W1 == ((F(21, 25), F(28, 25)),)
    assert solution.network.w2 == (F(7, 5),)
    assert objective(solution.network, X, y, 1) == F(99, 50)
    assert "valid" in check(solution.to_json(), X, y)


def test_single_point_alpha_form_optimum() -> None:
    # y = [11]: ‖u‖ = 54/25 is not a square, so the weights are irrational; the α-form is exact.
    X, y = [[3, 4]], [11]
    solution = Problem(X, y, 1).solve()
    assert solution.optimum == F(109, 50)
    assert solution.objective_lower == F(109, 50)
    neurons = solution.exact_optimum.neurons
    assert neurons == (AlphaNeuron((F(3, 5), F(4, 5)), 1, F(54, 25)),)
    assert alpha_form_objective(neurons, X, y, 1) == F(109, 50)
    # The rational network is above the optimum by exactly its rounding excess.
    excess = alpha_form_excess(neurons, 1)
    assert solution.gap > 0
    assert solution.gap == excess
    assert solution.objective_upper == objective(solution.network, X, y, 1)
    assert solution.objective_upper == F(109, 50) + excess
    assert solution.relative_gap <= GAP
    document = solution.to_json()
    form = document["alpha_form"]
    assert form["objective"] == "109/50"
    assert [(v["alpha"], v["direction"], v["sign"]) for v in form["neurons"]] == [
        ("54/25", ["3/5", "4/5"], 1)
    ]
    assert document["claims"]["optimum"] == "exact"
    assert "exact optimum 109/50" in check(document, X, y)


def test_identity_data_optimum_six() -> None:
    # X = I, y = (2, −5), λ = 1: two decoupled neurons, fit (1, −4), optimum 1 + 5 = 6.
    X, y = [[1, 0], [0, 1]], [2, -5]
    solution = Problem(X, y, 1).solve()
    lower, upper = solution.objective_lower, solution.objective_upper
    assert lower <= 6 <= upper
    assert upper - lower <= GAP * unit(y)
    if solution.optimum is not None:
        assert solution.optimum == 6
    check(solution.to_json(), X, y)


def test_zero_row_data_solves() -> None:
    """Regression: a zero row (on every neuron's face) crashed exact_optimum.face_projection."""
    X, y = [[3, 4], [0, 0]], [10, 0]  # the zero row adds nothing: the optimum stays 99/50
    solution = Problem(X, y, 1).solve()
    assert solution.objective_lower <= F(99, 50) <= solution.objective_upper
    assert solution.relative_gap <= GAP
    check(solution.to_json(), X, y)


def test_zero_row_with_bias_solves() -> None:
    X, y = [[3, 4], [0, 0]], [10, 0]
    solution = Problem(X, y, 1, bias=True).solve()
    assert solution.relative_gap <= GAP
    assert_brackets(solution, full_program_value(X, y, 1, bias=True), y)
    check(solution.to_json(), X, y)


def test_zero_network_is_optimal_above_lambda_max() -> None:
    # λ >= λ_max = max_b ‖Π(Z_bᵀ y)‖: the optimum is ½‖y‖² (the zero network).
    X, y = [[1, 2], [2, -1], [-1, 1]], [1, -1, 1]
    solution = Problem(X, y, 100).solve()
    assert solution.objective_lower <= unit(y) <= solution.objective_upper
    assert solution.relative_gap <= GAP
    check(solution.to_json(), X, y)


# ---------------------------------------------------------------------------------------------
# Bounds bracket the full program; gap <= 1e-9·½‖y‖²; the checker accepts


def _random_instance(seed: int, n: int, d: int):
    rng = np.random.default_rng(seed)
    X = [[F(int(v), 4) for v in rng.integers(-8, 9, d)] for _ in range(n)]
    y = [F(int(v), 2) for v in rng.integers(-6, 7, n)]
    return X, y


CASES = [
    (seed, n, d, bias, output_bias, scale)
    for seed, (n, d) in enumerate([(12, 2), (7, 3), (9, 2), (5, 3)])
    for bias in (False, True)
    for output_bias in (False, True)
    for scale in ("sum", "mean")
    if (seed + bias + output_bias + (scale == "mean")) % 2 == 0 or n <= 7
]


@pytest.mark.parametrize(("seed", "n", "d", "bias", "output_bias", "scale"), CASES)
def test_bounds_bracket_full_program(seed, n, d, bias, output_bias, scale) -> None:
    X, y = _random_instance(seed, n, d)
    lam = F(1, 2) if scale == "sum" else F(1, 2 * n)
    options = {"bias": bias, "output_bias": output_bias, "scale": scale}
    solution = Problem(X, y, lam, **options).solve()
    assert solution.objective_lower <= solution.objective_upper
    assert solution.relative_gap <= GAP
    assert_brackets(solution, full_program_value(X, y, lam, **options), y, scale)
    check(solution.to_json(), X, y)


EXAMPLES = settings.default.max_examples  # 30 in the ci profile (tests/conftest.py)
VALUES = st.sampled_from(["0", "1", "-1", "2", "-2", "0.5", "-1.5", "1/3", "-2/3", "3", "0.25"])
LAMS = st.sampled_from([F(1, 10), F(1, 2), F(1), F(3, 2)])


@st.composite
def instances(draw):
    d = draw(st.sampled_from([2, 3]))
    bias = draw(st.booleans())
    n = draw(st.integers(1, 7 if d == 3 and bias else 10))
    X = [[draw(VALUES) for _ in range(d)] for _ in range(n)]
    y = [draw(VALUES) for _ in range(n)]
    options = {
        "bias": bias,
        "output_bias": draw(st.booleans()),
        "scale": draw(st.sampled_from(["sum", "mean"])),
    }
    return X, y, draw(LAMS), options


@settings(max_examples=EXAMPLES, deadline=None)
@given(instances())
def test_certified_gap_and_oracle_hypothesis(instance) -> None:
    X, y, lam, options = instance
    solution = Problem(X, y, lam, **options).solve()
    assert solution.gap >= 0
    assert solution.relative_gap <= GAP
    if all(F(v) == 0 for v in y):
        assert solution.gap == 0
    assert_brackets(solution, full_program_value(X, y, lam, **options), y, options["scale"])
    if solution.optimum is not None:
        assert solution.objective_lower == solution.optimum
    document = solution.to_json()
    assert document["scale"] == options["scale"]
    check(document, X, y)


def test_top_level_api() -> None:
    import exactrelu

    solution = exactrelu.Problem([[3, 4]], ["10"], "1").solve()
    assert isinstance(solution, exactrelu.Solution)
    assert solution.optimum == F(99, 50)
    result = exactrelu.certify(solution.problem, solution.network, solution=solution)
    assert isinstance(result, exactrelu.Certification) and result.verdict == "optimal"


def test_gap_within_tolerance_with_solver_noise_neurons() -> None:
    # Regression (thorough profile): 23 neurons, most with α ~ 1e-9 of solver noise; the
    # Carathéodory reduction must not run before the noise is dropped.
    X = [
        ["1", "-1.5", "1/3"],
        ["0.25", "1", "0"],
        ["-1", "0.5", "1"],
        ["-1", "-1.5", "-2/3"],
        ["3", "0.5", "1"],
        ["0", "-1.5", "-2"],
    ]
    y = ["-2", "0.5", "0", "0", "-1.5", "1"]
    solution = Problem(X, y, F(1, 2), bias=True).solve()
    assert_brackets(solution, full_program_value(X, y, F(1, 2), bias=True), y)
    check(solution.to_json(), X, y)  # valid bounds, only too far apart
    assert solution.relative_gap <= GAP


def test_mean_scale_is_sum_scale_divided_by_n() -> None:
    X, y = _random_instance(7, 6, 2)
    n, lam = len(y), F(1, 3)
    summed = Problem(X, y, lam).solve()
    mean = Problem(X, y, lam / n, scale="mean").solve()
    assert mean.problem.lam_sum == lam
    assert mean.objective_lower * n <= summed.objective_upper
    assert summed.objective_lower <= mean.objective_upper * n
    assert mean.relative_gap <= GAP
    assert mean.problem.zero_objective == unit(y) / n
    # Every value is reported in the mean scale: the network's NC value in sum scale over n.
    assert mean.objective_upper == objective(mean.network, X, y, lam) / n
    document = mean.to_json()
    assert document["scale"] == "mean" and document["lam"] == str(lam / n)
    check(document, X, y)


def test_output_bias_network_and_zero_sum_dual() -> None:
    X, y = [[1, 0], [0, 1], [1, 1], [2, -1]], [5, 6, 8, 7]  # a large common offset
    solution = Problem(X, y, F(1, 2), output_bias=True).solve()
    assert solution.relative_gap <= GAP
    assert sum(solution.dual.z) == 0
    assert solution.network.output_bias is not None
    without = Problem(X, y, F(1, 2)).solve()
    assert solution.objective_upper < without.objective_lower  # the bias helps, provably
    check(solution.to_json(), X, y)


# ---------------------------------------------------------------------------------------------
# Gated model


GATED = [
    ([[1, 0], [0, 1], [1, 1]], [2, -1, 3], {}),
    ([[1, 0], [0, 1], [1, 1]], [2, -1, 3], {"scale": "mean"}),
    ([[1, 2], [2, -1], [-1, 1], [0, 1]], [1, 2, -1, 3], {"bias": True}),
]


@pytest.mark.parametrize(("X", "y", "options"), GATED)
def test_gated_bounds_bracket_full_program_and_check(X, y, options) -> None:
    lam = F(1, 2) / (len(y) if options.get("scale") == "mean" else 1)
    solution = Problem(X, y, lam, model="gated", **options).solve()
    assert solution.network.gated
    assert solution.objective_lower <= solution.objective_upper
    oracle = full_program_value(X, y, lam, model="gated", **options)
    assert_brackets(solution, oracle, y, options.get("scale", "sum"))
    check(solution.to_json(), X, y)


@settings(max_examples=max(1, EXAMPLES // 2), deadline=None)
@given(instances())
def test_gated_bounds_hypothesis(instance) -> None:
    """Gated model: gap <= 1e-9·½‖y‖², bounds bracket Clarabel, the checker accepts."""
    X, y, lam, options = instance
    solution = Problem(X, y, lam, model="gated", **options).solve()
    assert solution.gap >= 0
    assert solution.relative_gap <= GAP
    oracle = full_program_value(X, y, lam, model="gated", **options)
    assert_brackets(solution, oracle, y, options["scale"])
    if solution.network.width > 0:  # the zero gated network: test_gated_zero_network_checks
        check(solution.to_json(), X, y)


def test_gated_zero_network_checks() -> None:
    X, y = [[1, 2]], [0]
    solution = Problem(X, y, 1, model="gated").solve()
    assert solution.network.width == 0 and solution.gap == 0
    check(solution.to_json(), X, y)


@pytest.mark.parametrize(("X", "y", "options"), GATED)
def test_gated_certified_gap(X, y, options) -> None:
    """Regression: gated blocks were solved with ReLU cone constraints (gap ~0.1·½‖y‖²)."""
    lam = F(1, 2) / (len(y) if options.get("scale") == "mean" else 1)
    solution = Problem(X, y, lam, model="gated", **options).solve()
    assert solution.relative_gap <= GAP


# ---------------------------------------------------------------------------------------------
# Sampled patterns: a different program, certified for itself


def test_sampled_patterns_certify_their_own_program() -> None:
    X, y = _random_instance(3, 8, 2)
    lam = F(1, 2)
    sampled = Problem(X, y, lam, patterns=("sample", 5, 11)).solve()
    document = sampled.to_json()
    assert document["patterns"] == {"sample": 5, "seed": 11}
    assert document["certificate"]["cells"] is None
    listed = document["certificate"]["patterns"]
    assert 1 <= len(listed) <= 5
    all_cells = {"".join("1" if b else "0" for b in row) for row in enumerate_patterns(X).patterns}
    assert set(listed) <= all_cells  # sampled gates realize genuine cells (almost surely)
    assert sampled.gap >= 0 and sampled.relative_gap <= GAP
    assert "sub-sampled program (sample 5, seed 11)" in check(document, X, y)
    # Oracle: the full program over the sampled patterns only.
    oracle = full_program_value(X, y, lam, patterns=listed)
    assert_brackets(sampled, oracle, y)
    # Weak duality across programs: the complete program's lower bound is below any network.
    complete = Problem(X, y, lam).solve()
    assert complete.objective_lower <= sampled.objective_upper


@pytest.mark.parametrize("seed", [0, 1])
def test_sampled_patterns_with_bias_and_mean_scale(seed: int) -> None:
    X, y = _random_instance(10 + seed, 6, 2)
    lam = F(1, 12)
    options = {"bias": True, "scale": "mean", "patterns": ("sample", 20, seed)}
    solution = Problem(X, y, lam, **options).solve()
    document = solution.to_json()
    assert document["patterns"] == {"sample": 20, "seed": seed}
    assert solution.gap >= 0 and solution.relative_gap <= GAP
    check(document, X, y)
    oracle = full_program_value(
        X, y, lam, bias=True, scale="mean", patterns=document["certificate"]["patterns"]
    )
    assert_brackets(solution, oracle, y, "mean")


def test_sampled_exact_optimum_certificate_checks() -> None:
    # Here the sampled program's optimum is rational: the α-form network lies exactly on its faces.
    X, y = _random_instance(10, 6, 2)
    solution = Problem(X, y, F(1, 2), patterns=("sample", 8, 10)).solve()
    assert solution.exact_optimum is not None
    document = solution.to_json()
    assert document["patterns"] == {"sample": 8, "seed": 10}
    assert "sub-sampled program (sample 8, seed 10)" in check(document, X, y)


# (instance seed, n, sampled gates, gate seed, bias, scale): float (non-rational) optima.
SAMPLED_FLOAT = [
    (seed, n, count, seed, bias, scale)
    for seed in range(4)
    for n, count, bias, scale in ((8, 5, False, "sum"), (6, 20, True, "mean"))
]


def test_sampled_float_certificates_check() -> None:
    """Regression: float neurons on a face were left at x̃_k·u ~ ±1e-16 on the wrong side, out
    of the sub-sampled program (checker rejected; the gap could be negative)."""
    for seed, n, count, gate_seed, bias, scale in SAMPLED_FLOAT:
        X, y = _random_instance(seed, n, 2)
        lam = F(1, 2) / (n if scale == "mean" else 1)
        options = {"bias": bias, "scale": scale, "patterns": ("sample", count, gate_seed)}
        solution = Problem(X, y, lam, **options).solve()
        assert solution.gap >= 0
        check(solution.to_json(), X, y)


# ---------------------------------------------------------------------------------------------
# The checker rejects tampered solve certificates


@pytest.fixture(scope="module")
def mu_document() -> dict:
    """A solve certificate whose dual needs cone multipliers (some plain correlation > λ)."""
    solution = Problem(X_MU, Y_MU, 1).solve()
    document = solution.to_json()
    assert document["certificate"]["dual"]["mu"], "the instance must need multipliers"
    check(document, X_MU, Y_MU)
    return document


def _tampered(document: dict, change) -> dict:
    copied = copy.deepcopy(document)
    change(copied)
    return copied


def _bump(value: str, delta: F = F(1, 10**12)) -> str:
    return str(F(value) + delta)


SOLVE_TAMPERING = {
    "mu_negative": lambda c: c["certificate"]["dual"]["mu"][0]["values"].__setitem__(0, "-1"),
    "z_changed": lambda c: c["certificate"]["dual"]["z"].__setitem__(
        0, _bump(c["certificate"]["dual"]["z"][0], F(1, 7))
    ),
    "theta_increased": lambda c: c["certificate"]["dual"].__setitem__(
        "theta", _bump(c["certificate"]["dual"]["theta"], F(1, 3))
    ),
    "upper_altered": lambda c: c.__setitem__("objective_upper", _bump(c["objective_upper"])),
    "lower_altered": lambda c: c.__setitem__("objective_lower", _bump(c["objective_lower"])),
    "lower_lowered": lambda c: c.__setitem__(
        "objective_lower", _bump(c["objective_lower"], F(-1, 10**12))
    ),
    "gap_altered": lambda c: c.__setitem__("gap", _bump(c["gap"], F(-1, 10**30))),
    "cell_removed": lambda c: _remove_cell(c["certificate"]["cells"], -1),
    "first_cell_removed": lambda c: _remove_cell(c["certificate"]["cells"], 0),
    "cell_pattern_dropped": lambda c: c["certificate"]["cells"]["patterns"].pop(),
    "network_altered": lambda c: c["network"]["w2"].__setitem__(0, _bump(c["network"]["w2"][0])),
    "lam_altered": lambda c: c.__setitem__("lam", _bump(c["lam"], F(1, 2))),
    "scale_flipped": lambda c: c.__setitem__("scale", "mean"),
    "claims_pattern_sampled": lambda c: c.__setitem__("patterns", {"sample": 4, "seed": 0}),
}


def _remove_cell(cells: dict, index: int) -> None:
    """Remove one cell consistently (pattern, witness, facets, count)."""
    for key in ("patterns", "witnesses", "facets"):
        cells[key].pop(index)
    cells["count"] -= 1


@pytest.mark.parametrize("name", sorted(SOLVE_TAMPERING))
def test_tampered_solve_certificate_rejected(mu_document: dict, name: str) -> None:
    tampered = _tampered(mu_document, SOLVE_TAMPERING[name])
    assert tampered != mu_document
    with pytest.raises(CheckFailure):
        check(tampered, X_MU, Y_MU)


def test_dropping_a_needed_mu_entry_rejected(mu_document: dict) -> None:
    needed = needed_mu_entries(mu_document, X_MU, Y_MU)
    assert needed
    for index in needed:
        tampered = _tampered(mu_document, lambda c, i=index: c["certificate"]["dual"]["mu"].pop(i))
        with pytest.raises(CheckFailure, match="infeasible"):
            check(tampered, X_MU, Y_MU)


def test_every_mu_value_made_negative_rejected(mu_document: dict) -> None:
    for i, entry in enumerate(mu_document["certificate"]["dual"]["mu"]):
        for j, value in enumerate(entry["values"]):
            if F(value) == 0:
                continue

            def negate(c, i=i, j=j, value=value):
                c["certificate"]["dual"]["mu"][i]["values"][j] = str(-F(value))

            with pytest.raises(CheckFailure, match="negative"):
                check(_tampered(mu_document, negate), X_MU, Y_MU)


def test_tampered_alpha_form_rejected() -> None:
    X, y = [[3, 4]], [11]
    document = Problem(X, y, 1).solve().to_json()
    check(document, X, y)
    for change in (
        lambda c: c["alpha_form"]["neurons"][0].__setitem__("alpha", "55/25"),
        lambda c: c["alpha_form"].__setitem__("objective", "109/51"),
        lambda c: c["alpha_form"]["neurons"][0].__setitem__("direction", ["4/5", "3/5"]),
        lambda c: c["alpha_form"]["neurons"][0].__setitem__("sign", -1),
        lambda c: c["alpha_form"]["neurons"].append(c["alpha_form"]["neurons"][0]),
        lambda c: c["claims"].__setitem__("optimum", "verified"),
    ):
        with pytest.raises(CheckFailure):
            check(_tampered(document, change), X, y)


def test_checker_rejects_certificate_for_other_data(mu_document: dict) -> None:
    with pytest.raises(CheckFailure):
        check(mu_document, X_MU, [2, -5, 2])
