"""A solve instance whose dual certificate needs cone multipliers, shared by the solve and certify
tests: the data, and an oracle for which multipliers are needed (computed from the definitions)."""

from __future__ import annotations

from fractions import Fraction as F

X_MU, Y_MU = [[1, 0], [0, 1], [1, 1]], [2, -5, 1]


def needed_mu_entries(document: dict, X, y) -> list[int]:
    """Indices of μ entries whose block is infeasible without them: θ²‖s Σ_{p_k=1} z_k x_k‖² > λ².

    Computed here with Fractions from the definitions (the oracle for "needed")."""
    dual = document["certificate"]["dual"]
    z = [F(v) for v in dual["z"]]
    theta, lam = F(dual["theta"]), F(document["lam"])
    patterns = document["certificate"]["cells"]["patterns"]
    rows = [[F(v) for v in row] for row in X]
    needed = []
    for index, entry in enumerate(dual["mu"]):
        pattern = patterns[entry["pattern"]]
        c = [
            sum((z[k] * rows[k][j] for k in range(len(rows)) if pattern[k] == "1"), F(0))
            for j in range(len(rows[0]))
        ]
        if theta**2 * sum(v * v for v in c) > lam**2:
            needed.append(index)
    return needed
