"""Properties of the certificates (docs/formats.md, "Labels"; docs/theory.md §9): the independent
checker accepts every certificate the package writes, and a sub-sampled program's optimum bounds
the full program's from above."""

from __future__ import annotations

from exactrelu.model.network import Network
from exactrelu.optimum.optimal_set import optimal_set
from exactrelu.program.problem import Problem
from exactrelu.tasks.certify import certify
from exactrelu.tasks.stationary import stationary
from exactrelu.testing.properties.common import Note, checked, require


def certificates(problem: Problem, network: Network) -> Note:
    """docs/formats.md, "Labels": the independent checker accepts every certificate the package
    writes for the problem: the cells (``patterns``), ``solve``, ``certify`` of the network, the
    optimal set (exact or verified) and, for ReLU problems, ``stationary`` of the network."""
    notes = []
    if problem.blocks.complete:
        checked(problem.blocks.cells.to_json(problem.dataset), problem)
    solution = problem.solve()
    checked(solution.to_json(), problem)
    if problem.model == "relu":
        checked(certify(problem, network, solution=solution).to_json(), problem)
        if problem.blocks.complete:
            checked(stationary(problem, network).to_json(), problem)
    result = optimal_set(problem, solution)
    if result.status == "undecided":
        notes.append("optimal set undecided: nothing to check")
    else:
        checked(result.to_json(), problem)
    return "; ".join(notes) or None


def subsampled_program(problem: Problem) -> Note:
    """docs/theory.md §9: a program over a subset of the cells has a larger optimum than the full
    program (fewer blocks: a smaller feasible set), its bounds are ordered, and its certificate
    is accepted by the checker (which says that it holds for that program only)."""
    options = {name: getattr(problem, name) for name in ("bias", "output_bias", "scale", "model")}
    full = Problem(problem.dataset, lam=problem.lam, **options).solve()
    sub = problem.solve()
    require(
        sub.objective_lower <= sub.objective_upper,
        f"sub-program bounds {sub.objective_lower} > {sub.objective_upper}",
    )
    require(
        full.objective_lower <= sub.objective_upper,
        f"sub-program optimum <= {sub.objective_upper} below the full program's certified "
        f"lower bound {full.objective_lower}",
    )
    checked(sub.to_json(), problem)
    return None
