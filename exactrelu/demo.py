"""``exactrelu demo`` / ``make demo``: the main job on bundled data (the Iris petals, ±1 labels).

1. Enumerate every activation pattern of the data (hidden bias) with its completeness certificate.
2. Train a small ReLU network (hidden bias, output bias, weight decay) and certify it: exact
   objective, certified lower bound over networks of any width, verdict, and an improving network
   when it is not optimal.
3. The global optimum: the optimal network's width and the exact gap.
4. The optimal set at a larger λ: its neurons, minimal networks and uniqueness, proved.
5. Write the certificates (JSON) and re-verify them with the independent checker.
"""

from __future__ import annotations

import json
import tempfile
import time
from importlib import resources
from pathlib import Path

DEMO_LAM = 1
OPTIMAL_SET_LAM = 5
DEMO_WIDTH = 4
DEMO_SEED = 0
DEMO_TOL = "1e-9"
SIGNIFICANT = 1e-6


def bundled_data(name: str = "iris_petals.csv") -> Path:
    """Path of a data file shipped with the package (``exactrelu/data/bundled``)."""
    return Path(str(resources.files("exactrelu.data") / "bundled" / name))


def run_demo() -> int:
    """Patterns, training, certification, the optimum, and the independent checker on Iris."""
    from exactrelu.arrangement.patterns import enumerate_patterns
    from exactrelu.data.io import read_data
    from exactrelu.model.training import train
    from exactrelu.program.problem import Problem
    from exactrelu.tasks.certify import certify

    path = bundled_data()
    dataset = read_data(path)
    print(f"data: {path.name}, n = {dataset.n} flowers, d = {dataset.d} features (read exactly)")
    start = time.perf_counter()
    cells = enumerate_patterns(dataset, bias=True)
    cert = cells.certificate
    print(
        f"activation patterns with a hidden bias: {cells.count} cells "
        f"({cert['hyperplanes']} distinct hyperplanes from {dataset.n} rows, "
        f"{'general position' if cells.general_position else 'degenerate data'}), "
        f"{time.perf_counter() - start:.2f} s"
    )

    problem = Problem(dataset, lam=DEMO_LAM, bias=True, output_bias=True)
    unit = problem.zero_objective
    start = time.perf_counter()
    network = train(
        dataset, None, DEMO_LAM, DEMO_WIDTH, bias=True, output_bias=True, seed=DEMO_SEED
    )
    print(
        f"\ntrained a width-{DEMO_WIDTH} ReLU network (hidden bias, output bias, λ = {DEMO_LAM}, "
        f"L-BFGS from seed {DEMO_SEED}): {time.perf_counter() - start:.2f} s"
    )
    start = time.perf_counter()
    solution = problem.solve(float(DEMO_TOL))
    result = certify(problem, network, DEMO_TOL, solution=solution)
    print(
        f"certify (tol {DEMO_TOL}·½‖y‖², ½‖y‖² = {unit}): verdict {result.verdict}, "
        f"{time.perf_counter() - start:.2f} s"
    )
    print(f"  objective of the trained network  {float(result.objective):.12f} (exact rational)")
    print(f"  certified lower bound (any width) {float(result.lower_bound):.12f}")
    print(f"  gap {float(result.gap):.3e} = {float(result.gap / unit):.2e} of ½‖y‖²")
    _print_network("trained network", network)
    improving = result.improving_network
    if improving is not None:
        print(
            f"  improving network: width {improving.width} (trained: {network.width}), "
            f"objective lower by {float(result.improvement):.6e} exactly"
        )
        _print_network("improving network", improving)

    optimal = solution.network
    print(
        f"\nthe global optimum (solve): objective in [{float(solution.objective_lower):.12f}, "
        f"{float(solution.objective_upper):.12f}], exact gap {_exact_text(solution.gap)} "
        f"({float(solution.relative_gap):.1e} of ½‖y‖²), by an optimal network of width "
        f"{optimal.width} (the one found, not necessarily the fewest neurons)"
    )
    tiny = optimal.width - _significant(optimal)
    if tiny:
        print(
            f"  {tiny} of its {_count(optimal.width, 'neuron')} carry less than "
            f"{SIGNIFICANT:g} of the "
            f"largest neuron's weight |w2|·‖W1‖: float residue of the solve"
            f"{'' if solution.numeric.polished else ' (the Newton polish did not apply here)'}, "
            f"kept because the exact bounds are for this exact network"
        )
    if solution.optimum is not None:
        print(f"  exact optimal value {_exact_text(solution.optimum)} (α-form, docs/theory.md §3)")

    optimal_set_json = _optimal_set(dataset)
    _check(
        path,
        {
            "patterns.json": cells.to_json(dataset),
            "certify.json": result.to_json(),
            "solve.json": solution.to_json(),
            **({"optimal_set.json": optimal_set_json} if optimal_set_json else {}),
        },
    )
    return 0


def _count(number: int, word: str) -> str:
    """``1 neuron``, ``2 neurons``."""
    return f"{number} {word}{'' if number == 1 else 's'}"


def _optimal_set(dataset) -> dict | None:
    """The optimal set at a larger λ (the optimum there is irrational: verified structure)."""
    from exactrelu.optimum.optimal_set import optimal_set
    from exactrelu.program.problem import Problem

    start = time.perf_counter()
    problem = Problem(dataset, lam=OPTIMAL_SET_LAM, bias=True)
    result = optimal_set(problem)
    print(
        f"\nthe optimal set at λ = {OPTIMAL_SET_LAM} (hidden bias): status {result.status}, "
        f"{_count(len(result.neurons), 'neuron')}, "
        f"{_count(len(result.vertices), 'minimal network')}, unique "
        f"network: {result.unique_network}, fewest neurons m* = {result.min_width}, "
        f"{result.count_minimal_convex} minimal convex solutions (ways to assign each neuron to "
        f"one of the cells it touches); {time.perf_counter() - start:.2f} s"
    )
    if result.status == "verified":
        for i, nu in enumerate(result.neurons):
            print(
                f"  neuron {i}: sign {nu.sign:+d}, α ∈ {float(nu.alpha.mid):.9g} ± "
                f"{float(nu.alpha.rad):.1e}, cells {list(nu.cells)}, face rows {list(nu.face)}"
            )
    return result.to_json() if result.status in ("exact", "verified") else None


def _exact_text(value) -> str:
    """A rational as ``p/q`` when short, else its float value and the size of the exact one."""
    text = str(value)
    return text if len(text) <= 40 else f"{float(value):.6e} (a rational of {len(text)} digits)"


def _significant(network) -> int:
    """Neurons with |w2|·‖W1‖ >= SIGNIFICANT × the largest (float: a description, not a claim)."""
    sizes = [
        abs(float(out)) * sum(float(v) ** 2 for v in row) ** 0.5
        for row, out in zip(network.W1, network.w2, strict=True)
    ]
    top = max(sizes, default=0.0)
    return sum(size > 0 and size >= SIGNIFICANT * top for size in sizes)


def _print_network(label: str, network) -> None:
    """The neurons rounded to 3 decimals: W1 row (input weights, then the bias weight) and w2."""
    print(f"  {label} (≈, rounded; the exact weights are in the certificate):")
    for row, out in zip(network.W1, network.w2, strict=True):
        weights = ", ".join(f"{float(v):7.3f}" for v in row)
        print(f"    W1 [{weights}]  w2 {float(out):7.3f}")
    if network.output_bias is not None:
        print(f"    output bias {float(network.output_bias):.3f}")


def _check(data: Path, certificates: dict[str, dict]) -> None:
    """Write each certificate to a temporary folder and run the independent checker on it."""
    from exactrelu.checker import CheckFailure, check_file

    print("\nindependent checker (exact arithmetic, no solver, no import from the engine):")
    with tempfile.TemporaryDirectory() as folder:
        for name, certificate in certificates.items():
            out = Path(folder) / name
            out.write_text(json.dumps(certificate))
            start = time.perf_counter()
            try:
                verdict = check_file(out, data)
            except CheckFailure as exc:
                if "unknown certificate kind" in str(exc):
                    verdict = f"not checked: this checker has no kind {certificate['kind']!r} yet"
                else:
                    verdict = f"REJECTED: {exc}"
            print(f"  {name}: {verdict} ({time.perf_counter() - start:.2f} s)")
