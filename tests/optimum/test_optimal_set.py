"""``optimal_set`` against known truth (docs/theory.md §5, §6, §8): the paper's example and planted
instances (docs/theory.md §7) whose optimum, neurons, blocks and minimal networks are known exactly.

The planted truth is computed independently of ``optimal_set``: the generator proves the dual
optimum exactly, and lists the minimal networks by brute force over supports (no cdd).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from exactrelu.model.alpha_form import AlphaNeuron, alpha_form_objective
from exactrelu.optimum.optimal_set import OptimalSet, optimal_set
from exactrelu.program.duality import dual_bound
from exactrelu.program.problem import Problem
from exactrelu.testing.planted import PlantedInstance, planted

# ---------------------------------------------------------------------------------------------
# The paper's example: X = I, y = (2, −5), λ = 1
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def paper():
    problem = Problem([[1, 0], [0, 1]], [2, -5], 1)
    solution = problem.solve()
    return problem, solution, optimal_set(problem, solution)


def test_paper_example_optimum_and_neurons(paper):
    _, solution, result = paper
    assert solution.optimum == 6
    assert result.status == "exact"
    assert result.residual == (1, -1)
    assert result.fit == (1, -4)
    assert {(nu.direction, nu.sign) for nu in result.neurons} == {((1, 0), 1), ((0, 1), -1)}
    # each neuron lies on the hyperplane of the other row, shared by 2 cells: 4 blocks in E
    assert all(len(nu.cells) == 2 for nu in result.neurons)
    assert sum(len(nu.cells) for nu in result.neurons) == 4
    assert {nu.face for nu in result.neurons} == {(0,), (1,)}


def test_paper_example_uniqueness_and_counts(paper):
    _, _, result = paper
    assert result.count_minimal_convex == 4
    assert not result.unique_convex
    assert result.unique_network
    assert len(result.vertices) == 1
    assert result.to_json()["count_minimal_networks"] == 1
    assert result.min_width == 2
    assert result.same_size
    assert result.used_neurons == (0, 1)


def test_paper_example_network(paper):
    problem, _, result = paper
    (vertex,) = result.vertices
    network = result.network(vertex)
    assert {(row, w) for row, w in zip(network.W1, network.w2, strict=True)} == {
        ((1, 0), 1),
        ((0, 2), -2),
    }
    assert problem.objective(network) == 6
    assert result.min_norm == vertex
    assert alpha_form_objective(result.alpha_form(vertex), [[1, 0], [0, 1]], [2, -5], 1) == 6


# ---------------------------------------------------------------------------------------------
# Planted instances
# ---------------------------------------------------------------------------------------------


def neuron_index(result: OptimalSet, inst: PlantedInstance) -> list[int]:
    """For each neuron of the result, the index of the planted neuron with its direction and
    sign (asserting the two sets agree)."""
    planted_keys = {(nu.direction, nu.sign): i for i, nu in enumerate(inst.neurons)}
    found_keys = [(nu.direction, nu.sign) for nu in result.neurons]
    assert set(found_keys) == set(planted_keys)
    assert len(found_keys) == len(planted_keys)
    return [planted_keys[key] for key in found_keys]


def output_bias_of(inst: PlantedInstance, weights: dict[int, Fraction], fits) -> Fraction | None:
    if not inst.output_bias:
        return None
    return inst.fit[0] - sum((b * fits[i][0] for i, b in weights.items()), Fraction(0))


def assert_matches(inst: PlantedInstance, result: OptimalSet) -> None:
    """optimal_set reports exactly the planted truth."""
    assert result.status == "exact"
    assert result.residual == inst.residual
    assert result.fit == inst.fit
    index = neuron_index(result, inst)
    for j, nu in enumerate(result.neurons):
        i = index[j]
        assert nu.face == inst.faces[i]
        assert len(nu.cells) == inst.cells[i]
        assert nu.fit == inst.fits[i]
    expected = {frozenset(v.items()) for v in inst.minimal_networks}
    found = {frozenset((index[j], b) for j, b in v.items()) for v in result.vertices}
    assert found == expected
    assert len(result.vertices) == inst.count_minimal_networks
    assert result.to_json()["count_minimal_networks"] == inst.count_minimal_networks
    assert result.count_minimal_convex == inst.count_minimal_convex
    assert result.unique_network == inst.unique_network
    assert result.unique_convex == (inst.count_minimal_convex == 1)
    assert result.min_width == inst.min_width
    assert result.same_size == inst.same_size
    used = sorted({index[j] for v in result.vertices for j in v})
    assert used == sorted({i for v in inst.minimal_networks for i in v})


def assert_networks_optimal(inst: PlantedInstance, result: OptimalSet) -> None:
    """Every minimal network and the min-norm network, in α-form, has the optimal objective;
    each rational network's objective is above it by exactly its rounding excess (>= 0)."""
    X = [list(x) for x in inst.X]
    problem = inst.problem()
    fits = [nu.fit for nu in result.neurons]
    for weights in [*result.vertices, result.min_norm]:
        neurons = result.alpha_form(weights)
        assert all(isinstance(nu, AlphaNeuron) for nu in neurons)
        bias_value = output_bias_of(inst, weights, fits)
        value = alpha_form_objective(
            neurons, X, list(inst.y), inst.lam, bias=inst.bias, output_bias=bias_value
        )
        assert value == inst.optimum
        assert problem.objective(result.network(weights)) >= inst.optimum


def assert_min_norm(inst: PlantedInstance, result: OptimalSet) -> None:
    """The min-norm β is in the polytope and minimizes ‖β‖² over it: exactly, by the
    variational inequality ⟨β*, V − β*⟩ >= 0 at every vertex V (the polytope is their convex
    hull), and numerically against convex combinations of the vertices."""
    beta = result.min_norm
    fits = [nu.fit for nu in result.neurons]
    assert all(b > 0 for b in beta.values())
    produced = [sum((b * fits[i][k] for i, b in beta.items()), Fraction(0)) for k in range(inst.n)]
    gap = {t - p for t, p in zip(inst.fit, produced, strict=True)}
    assert gap == {0} or (inst.output_bias and len(gap) == 1)
    norm2 = sum((b * b for b in beta.values()), Fraction(0))
    for vertex in result.vertices:
        assert sum((b * vertex.get(i, 0) for i, b in beta.items()), Fraction(0)) >= norm2
    # numeric oracle: no convex combination of the vertices has a smaller norm
    p = len(result.neurons)
    V = np.array([[float(v.get(i, 0)) for i in range(p)] for v in result.vertices])
    if len(V) == 2:
        t = np.linspace(0, 1, 2001)[:, None]
        combos = (1 - t) * V[0] + t * V[1]
    else:
        rng = np.random.default_rng(0)
        combos = rng.dirichlet(np.ones(len(V)) * 0.5, size=4000) @ V
        combos = np.vstack([combos, V])
    best = float(np.min(np.einsum("ij,ij->i", combos, combos)))
    assert float(norm2) <= best * (1 + 1e-9) + 1e-12


def check(inst: PlantedInstance) -> OptimalSet:
    problem = inst.problem()
    solution = problem.solve()
    assert solution.optimum == inst.optimum
    assert solution.exact_optimum is not None
    assert solution.exact_optimum.residual == inst.residual
    result = optimal_set(problem, solution)
    assert_matches(inst, result)
    assert_networks_optimal(inst, result)
    assert_min_norm(inst, result)
    return result


GENERIC = [
    ({}, range(3)),
    ({"neurons": 3}, range(2)),
    ({"neurons": 1, "n": 5}, range(2)),
    ({"bias": True}, range(3)),
    ({"bias": True, "neurons": 3}, range(2)),
    ({"d": 3}, range(2)),
    ({"d": 1, "bias": True}, range(2)),
    ({"faces": 1}, range(2)),
    ({"faces": 2, "neurons": 2}, [3]),
    ({"output_bias": True}, range(2)),
    ({"output_bias": True, "bias": True}, range(2)),
]


@pytest.mark.parametrize(
    "options, seed",
    [(o, s) for o, seeds in GENERIC for s in seeds],
    ids=lambda v: ",".join(f"{k}={x}" for k, x in v.items()) if isinstance(v, dict) else str(v),
)
def test_planted_unique(options, seed):
    inst = planted(seed=seed, **options)
    result = check(inst)
    assert result.unique_network
    assert result.min_norm == {
        j: inst.neurons[i].alpha for j, i in enumerate(neuron_index(result, inst))
    }
    assert result.unique_convex == all(c == 1 for c in inst.cells)
    assert result.count_minimal_convex == math.prod(inst.cells)


def test_planted_tied_neurons_are_not_unique_at_the_block_level():
    inst = planted(seed=3, faces=2, neurons=2)
    result = check(inst)
    assert result.unique_network
    assert not result.unique_convex
    assert result.count_minimal_convex == math.prod(inst.cells) >= 4
    assert all(len(nu.cells) == 2 ** len(nu.face) for nu in result.neurons)


@pytest.mark.parametrize(
    "options, seed",
    [({"d": 2}, s) for s in range(3)]
    + [({"d": 3}, s) for s in range(4)]
    + [({"d": 3, "rotate": False}, s) for s in range(2)]
    + [({"d": 4}, s) for s in (0, 1, 3)]
    + [({"d": 2, "output_bias": True, "n": 6}, s) for s in range(2)]
    + [({"d": 3, "output_bias": True, "n": 8}, s) for s in range(2)],
    ids=str,
)
def test_planted_dependent(options, seed):
    """Non-unique optimal sets with minimal networks of different sizes (docs/theory.md §6)."""
    inst = planted(seed=seed, dependent=True, **options)
    result = check(inst)
    assert not result.unique_network
    assert len(result.vertices) >= 2
    sizes = {len(v) for v in result.vertices}
    assert len(sizes) >= 2 or inst.output_bias
    assert result.min_width == min(sizes)


def test_planted_dependent_closed_form():
    """Two doubled coordinates: neurons (±m1, ±m2) with f_{++} + f_{−−} = f_{+−} + f_{−+}; the
    two minimal networks {(+,+), (−,−)} and {(+,−), (−,+), (−,−)} of sizes 2 and 3."""
    inst = planted(seed=0, dependent=True, d=2)
    result = check(inst)
    index = neuron_index(result, inst)
    a, b = inst.neurons[0].alpha, inst.neurons[3].alpha
    found = sorted(({index[j]: beta for j, beta in v.items()} for v in result.vertices), key=len)
    assert found == [{0: a, 3: b}, {1: a, 2: a, 3: b - a}]
    assert result.min_width == 2 and not result.same_size
    # the min-norm point of the segment between the two vertices, in closed form
    # β(t) = (a − t, t, t, b − t), t in [0, a]: ‖β‖² is least at t = (a + b)/4, clamped
    t = min(max((a + b) / 4, Fraction(0)), a)
    expected = {0: a - t, 1: t, 2: t, 3: b - t}
    assert {index[j]: beta for j, beta in result.min_norm.items()} == {
        i: v for i, v in expected.items() if v
    }


@pytest.mark.parametrize("grid", [(2, 1), (2, 2), (3, 2)])
def test_planted_grid(grid):
    """Both signs: the polytope is a product and the count multiplies (docs/theory.md §5, §6)."""
    inst = planted(seed=1, grid=grid)
    result = check(inst)
    counts = []
    for group in inst.groups:
        counts.append(len({frozenset(i for i in v if i in group) for v in inst.minimal_networks}))
    assert len(result.vertices) == math.prod(counts)


# ---------------------------------------------------------------------------------------------
# Bugs found with planted instances (package code owned by others)
# ---------------------------------------------------------------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="Problem.solve misses the rational optimum (the Newton polish fails on this "
    "degenerate optimal set: dependent fits, zero-residual rows on every neuron's face), so "
    "optimal_set raises ArithmeticError claiming the optimal residual is not rational; it is "
    "r = (6, 3, 8, 8, 0, 0, -10/3), proved by planted(seed=7, dependent=True, d=4, "
    "rotate=False)",
)
def test_bug_degenerate_dependent_optimum_is_missed():
    X = [
        [-1, 0, 0, 0],
        [2, 0, 0, 0],
        [0, -1, 0, 0],
        [0, 1, 0, 0],
        [0, 0, -2, 0],
        [0, 0, 3, 0],
        [0, 0, 0, 3],
    ]
    y = [42, 27, 56, 24, 0, 0, Fraction(-640, 3)]
    inst = planted(seed=7, dependent=True, d=4, rotate=False)
    assert [list(x) for x in inst.X] == X and list(inst.y) == y and inst.lam == 10
    assert inst.optimum == Fraction(28657, 18)
    problem = Problem(X, y, 10)
    solution = problem.solve()
    assert solution.optimum == Fraction(28657, 18)
    assert_matches(inst, optimal_set(problem, solution))


def test_solve_is_scale_invariant():
    X = [[-3, -3], [3, 2], [2, 0], [2, -1], [0, 2], [-3, -1]]
    y = [-7, -1, 9, -7, -2, -2]
    assert Problem(X, y, 5).solve().optimum == Fraction(46607, 712)
    c = 10**6
    solution = Problem(X, [c * t for t in y], 5 * c).solve()
    assert solution.relative_gap < Fraction(1, 10**9)
    assert solution.optimum == c * c * Fraction(46607, 712)


def test_alpha_form_objective_is_the_certified_optimum_for_all_vertex_sizes():
    """Vertices of different sizes all reach the optimum: a redundant check across designs."""
    for inst in (planted(seed=2, dependent=True, d=3), planted(seed=0, grid=(2, 2))):
        result = optimal_set(inst.problem())
        for weights in result.vertices:
            value = alpha_form_objective(
                result.alpha_form(weights), [list(x) for x in inst.X], list(inst.y), inst.lam
            )
            assert value == inst.optimum
        sizes = sorted({len(v) for v in result.vertices})
        assert sizes == sorted({len(v) for v in inst.minimal_networks})


def test_min_norm_matches_a_float_qp_over_the_polytope():
    """The exact min-norm β against an independent float QP (projected gradient on the
    simplex of vertex weights)."""
    inst = planted(seed=2, dependent=True, d=3)
    result = optimal_set(inst.problem())
    assert len(result.vertices) == 9
    p = len(result.neurons)
    V = np.array([[float(v.get(i, 0)) for i in range(p)] for v in result.vertices])
    w = np.full(len(V), 1 / len(V))
    for _ in range(20000):  # Frank–Wolfe on min ‖wᵀV‖² over the simplex
        beta = w @ V
        grad = V @ beta
        k = int(np.argmin(grad))
        direction = -w.copy()
        direction[k] += 1
        step_dir = direction @ V
        denom = step_dir @ step_dir
        if denom == 0:
            break
        gamma = min(max(-(beta @ step_dir) / denom, 0.0), 1.0)
        w = w + gamma * direction
    exact = np.array([float(result.min_norm.get(i, 0)) for i in range(p)])
    assert np.allclose(w @ V, exact, atol=1e-4 * max(1.0, np.abs(exact).max()))


def test_zero_network_optimum_above_lambda_max():
    X = [
        [5, 2],
        [0, -3],
        [-2, -6],
        [-6, -6],
        [-4, 4],
        [2, 5],
        [0, 1],
        [6, 3],
        [2, 1],
        [1, 6],
        [-3, 4],
        [2, -6],
    ]
    y = [Fraction(v) for v in "0 -3/2 -7/8 27/8 13/2 -1/8 0 1/8 0 -1/8 21/4 -2".split()]
    problem = Problem(X, y, 1000)
    # z = y is exactly dual feasible with D(y) = ½‖y‖²: the zero network is optimal
    bound = dual_bound(problem.rows, y, problem.lam, problem.blocks, y)
    assert bound.theta == 1 and bound.lower == problem.zero_objective == Fraction(5649, 128)
    solution = problem.solve()
    assert solution.optimum == Fraction(5649, 128)
    result = optimal_set(problem, solution)
    assert result.neurons == () and result.vertices == ({},)
