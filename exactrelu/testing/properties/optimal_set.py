"""Properties of the optimal set (docs/theory.md §5–§7): the penalty identity, the common fit and
objective of all optimal solutions, vertices as minimal networks, the uniqueness criterion, and
planted instances' known optima."""

from __future__ import annotations

from fractions import Fraction

from flint import arb, fmpq

from exactrelu.exact.rationals import column_dependence, column_rank
from exactrelu.model.alpha_form import alpha_form_objective
from exactrelu.model.network import fit as network_fit
from exactrelu.optimum.optimal_set import OptimalSet, VerifiedOptimalSet, optimal_set
from exactrelu.program.problem import Problem
from exactrelu.testing.planted import PlantedInstance
from exactrelu.testing.properties.common import Note, dot, exact_data, require


def polytope_points(result: OptimalSet) -> list[dict[int, Fraction]]:
    """Points of the neuron-merged polytope: every vertex, the min-norm point, the barycenter."""
    barycenter: dict[int, Fraction] = {}
    for vertex in result.vertices:
        for i, beta in vertex.items():
            barycenter[i] = barycenter.get(i, Fraction(0)) + beta / len(result.vertices)
    return [*result.vertices, result.min_norm, barycenter]


def _ball(value: object) -> arb:
    """A verified enclosure (``Ball``) as a python-flint ball."""
    mid, rad = value.mid, value.rad  # type: ignore[attr-defined]
    return arb(fmpq(mid.numerator, mid.denominator), fmpq(rad.numerator, rad.denominator))


def _verified_penalty_identity(problem: Problem, result: VerifiedOptimalSet) -> Note:
    """The identity on a verified optimum: ``λ²Σα − ŷᵀr`` (enclosed) contains 0."""
    structure = result.structure
    if structure is None:
        return "undecided optimal set: identity not checked"
    lam = problem.lam_sum
    r = [_ball(b) for b in structure.residual]
    y = [arb(fmpq(v.numerator, v.denominator)) for v in problem.dataset.y]
    fit_dot_r = sum(((yk - rk) * rk for yk, rk in zip(y, r, strict=True)), arb(0))
    alphas = sum((_ball(nu.alpha) for nu in structure.neurons), arb(0))
    difference = arb(fmpq(lam.numerator, lam.denominator)) ** 2 * alphas - fit_dot_r
    require(
        difference.contains(0),
        f"verified optimum: λ²Σα − ŷᵀr = {difference} excludes 0 (Σ‖u_b‖ ≠ ŷᵀr/λ)",
    )
    return "irrational optimum: identity checked on enclosures"


def penalty_identity(problem: Problem) -> Note:
    """docs/theory.md §5: ``Σ_b ‖u_b‖ = ŷᵀr/λ`` on every optimal solution.  In α-form ``‖u_b‖ =
    λα_b``, so ``λ²Σα = ŷᵀr`` exactly at every vertex of the optimal polytope, its min-norm point,
    the barycenter and the solver's own α-form; on a verified (irrational) optimum the enclosures of
    ``λ²Σα − ŷᵀr`` contain 0."""
    solution = problem.solve()
    result = optimal_set(problem, solution)
    if isinstance(result, VerifiedOptimalSet):
        return _verified_penalty_identity(problem, result)
    lam2 = problem.lam_sum**2
    target = dot(result.fit, result.residual)
    for point in polytope_points(result):
        total = sum(point.values(), Fraction(0))
        require(
            lam2 * total == target,
            f"optimal point {point}: λ²Σβ = {lam2 * total} but ŷᵀr = {target}",
        )
    own = sum((nu.alpha for nu in solution.exact_optimum.neurons), Fraction(0))
    require(lam2 * own == target, f"solver's α-form: λ²Σα = {lam2 * own} but ŷᵀr = {target}")
    return None


def same_fit(problem: Problem) -> Note:
    """docs/theory.md §5: every optimal solution has the same fit ŷ (the loss is strictly convex in
    the fit) and the optimal objective: checked exactly at every vertex, the min-norm point and the
    barycenter of an exact optimal set, in α-form and for the rational networks (whose fits are
    exactly the α-form's)."""
    solution = problem.solve()
    result = optimal_set(problem, solution)
    if isinstance(result, VerifiedOptimalSet):
        return "irrational optimum: one network (verified), nothing to compare"
    X, y = exact_data(problem)
    optimum = solution.exact_optimum.value
    for point in polytope_points(result):
        network = result.network(point)
        fitted = network_fit(network, X)
        require(fitted == result.fit, f"optimal point {point} has fit {fitted} ≠ ŷ {result.fit}")
        value = alpha_form_objective(
            result.alpha_form(point),
            X,
            y,
            problem.lam_sum,
            bias=problem.bias,
            output_bias=network.output_bias,
        )
        require(value == optimum, f"optimal point {point}: objective {value} ≠ {optimum}")
    return None if len(result.vertices) > 1 else "unique optimal network"


def vertices_minimal(problem: Problem) -> Note:
    """docs/theory.md §6: every vertex of the optimal polytope is a minimal network: weights > 0,
    fits of its neurons linearly independent (with the constant column when there is an output
    bias), so at most rank(F) <= n neurons; and m* is the smallest vertex support."""
    result = optimal_set(problem)
    if isinstance(result, VerifiedOptimalSet):
        return "irrational optimum: one verified network"
    with_ones = problem.output_bias
    rank = column_rank([nu.fit for nu in result.neurons], with_ones)
    for vertex in result.vertices:
        require(all(b > 0 for b in vertex.values()), f"vertex {vertex} has a weight <= 0")
        columns = [result.neurons[i].fit for i in vertex]
        require(
            column_dependence(columns, with_ones) is None,
            f"vertex {vertex}: the fits of its neurons are linearly dependent (not minimal)",
        )
        require(
            len(vertex) <= rank <= problem.n,
            f"vertex {vertex}: {len(vertex)} neurons, rank(F) = {rank}, n = {problem.n}",
        )
    require(
        result.min_width == min(len(v) for v in result.vertices),
        f"m* = {result.min_width} is not the smallest vertex support",
    )
    return None


def uniqueness(problem: Problem) -> Note:
    """docs/theory.md §5: the optimal network is unique (up to permutation and splitting) iff the
    fits of the used neurons S are linearly independent (with the constant column when there is an
    output bias); the convex solution is unique iff moreover each used neuron has one cell."""
    result = optimal_set(problem)
    if isinstance(result, VerifiedOptimalSet):
        return "irrational optimum: uniqueness proved by the Krawczyk test"
    used = result.used_neurons
    independent = (
        column_dependence([result.neurons[i].fit for i in used], problem.output_bias) is None
    )
    require(
        result.unique_network == independent,
        f"unique_network = {result.unique_network} but the fits of S = {used} are "
        f"{'independent' if independent else 'dependent'}",
    )
    single = all(len(result.neurons[i].cells) == 1 for i in used)
    require(
        result.unique_convex == (independent and single),
        f"unique_convex = {result.unique_convex} but independent = {independent}, "
        f"one cell per used neuron = {single}",
    )
    return None


def planted_optimum(instance: PlantedInstance) -> Note:
    """docs/theory.md §4, §7: on a planted instance the solver's certified bounds enclose the
    planted exact optimum; when the solver proves an exact optimum, it is the planted one, with the
    planted residual and number of minimal networks."""
    problem = instance.problem()
    solution = problem.solve()
    require(
        solution.objective_lower <= instance.optimum <= solution.objective_upper,
        f"planted optimum {instance.optimum} outside the certified bounds "
        f"[{solution.objective_lower}, {solution.objective_upper}]",
    )
    if solution.optimum is None:
        return "the solver bracketed the planted optimum without proving it exactly"
    require(
        solution.optimum == instance.optimum,
        f"optimum {solution.optimum} ≠ planted {instance.optimum}",
    )
    result = optimal_set(problem, solution)
    require(
        result.residual == instance.residual,
        f"residual {result.residual} ≠ planted {instance.residual}",
    )
    expected = instance.count_minimal_networks
    if expected is None:
        return "too many supports to count the minimal networks by brute force"
    require(
        len(result.vertices) == expected,
        f"{len(result.vertices)} minimal networks, planted {expected}",
    )
    return None
