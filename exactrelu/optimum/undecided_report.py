"""What an undecided optimal set still says (docs/formats.md, kind ``optimal_set``): the reason in
plain words (mirror ties named when the float solution shows X̃ᵀr ≈ 0) and the float structure,
labelled numeric."""

from __future__ import annotations

import numpy as np

from exactrelu.program.problem import Problem, Solution


def undecided_reason(problem: Problem, blocks) -> str:
    """Plain words for an exact optimum whose equicorrelation set E is not decided."""
    shown = ", ".join(f"(pattern {i}, sign {s})" for i, s in list(blocks)[:5])
    more = "" if len(blocks) <= 5 else f" and {len(blocks) - 5} more"
    if problem.model == "gated":
        return (
            f"the dual optimum is exact, but blocks {shown}{more} at the dual bound λ have no "
            "exact gate of their pattern (a sampled float gate whose exact pattern differs), so "
            "E and the polytope of optimal networks are not known"
        )
    return (
        f"the dual optimum is exact, but the exact projection could not decide whether blocks "
        f"{shown}{more} reach λ (the active-set method's safeguard), so E and the polytope of "
        "optimal networks are not known"
    )


def numeric_structure(problem: Problem, solution: Solution | None) -> dict[str, object] | None:
    """The float solution's structure, labelled numeric (nothing here is certified): its
    neurons (sign, direction, α, active and face rows, a cell), the mirror pairs among them
    (directions ≈ opposite, same sign), ‖X̃ᵀr‖ relative to λ, and an estimate of the optimal
    polytope's dimension (the nullity of the neurons' float fits, centred with an output bias,
    at a tolerance ``1e-8·max‖f‖``)."""
    if solution is None:
        return None
    found = solution.numeric
    rows = problem.rows_float
    r = np.asarray(found.residual, dtype=float)
    lam = float(problem.lam_sum)
    directions = np.asarray(found.directions, dtype=float).reshape(len(found.neurons), -1)
    neurons = []
    fits = []
    for i, nu in enumerate(found.neurons):
        v = directions[i]
        neurons.append(
            {
                "sign": int(nu.sign),
                "direction": [float(t) for t in v],
                "alpha": float(found.alpha[i]),
                "active": [int(k) for k in np.flatnonzero(np.asarray(nu.active))],
                "face": [int(k) for k in np.asarray(nu.face)],
                "cell": int(found.cells[i]),
            }
        )
        values = rows @ v
        if problem.model == "gated":  # the block's pattern gates the rows
            fit = np.where(np.asarray(nu.active, dtype=bool), values, 0.0)
        else:
            fit = nu.sign * np.maximum(values, 0)
        fits.append(fit)
    pairs = []
    for i in range(len(neurons)):
        for j in range(i + 1, len(neurons)):
            same = found.neurons[i].sign == found.neurons[j].sign
            if same and np.linalg.norm(directions[i] + directions[j]) <= 1e-6 * lam:
                pairs.append([i, j])
    dimension = None
    if fits:
        F = np.array(fits).T
        if problem.output_bias:
            F = F - F.mean(axis=0)
        scale = max(float(np.abs(F).max()), 1e-300)
        rank = int(np.linalg.matrix_rank(F, tol=1e-8 * scale * max(F.shape)))
        dimension = len(fits) - rank
    g = rows.T @ r
    return {
        "label": "numeric",
        "objective_estimate": float(solution.objective_upper),
        "neurons": neurons,
        "mirror_pairs": pairs,
        "xtr_over_lam": float(np.linalg.norm(g)) / lam,
        "polytope_dimension_estimate": dimension,
    }


def mirror_tie_reason(problem: Problem, solution: Solution | None, failures) -> str:
    """Plain words for a verified-route undecided outcome (from the float structure and the
    checks that failed)."""
    first = "; ".join(list(failures)[:3]) or "no reason recorded"
    numeric = numeric_structure(problem, solution)
    if numeric and numeric["mirror_pairs"] and numeric["xtr_over_lam"] <= 1e-6:
        return (
            f"X̃ᵀr ≈ 0 (‖X̃ᵀr‖/λ ≈ {numeric['xtr_over_lam']:.1e}): the neurons' mirrors tie at λ "
            f"(mirror ties, {len(numeric['mirror_pairs'])} pairs in the float solution), so the "
            "fits are dependent and the structure could not be proved; failed checks: " + first
        )
    if numeric and numeric["polytope_dimension_estimate"]:
        return (
            "the float solution's neuron fits look linearly dependent (estimated polytope "
            f"dimension {numeric['polytope_dimension_estimate']}), so the optimum is not "
            "isolated and the structure could not be proved; failed checks: " + first
        )
    return "the structure of the irrational optimum could not be proved: " + first
