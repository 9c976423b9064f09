"""Test-only reference: the full convex program over every block, handed to Clarabel at once.

This is the independent floating-point oracle for ``Problem.solve`` (docs/theory.md §3): no column
generation, no pricing, no facet reduction, no polish, no exact arithmetic.  Blocks are
``(cell, sign)`` over ``exactrelu.enumerate_patterns(X, bias).patterns`` (signs ±1 for the ReLU
model, one unconstrained block per pattern for the gated model), every block's cone is described
by **all** rows, ``(2 D_C − I) X̃ u_b >= 0``, and the objective is

    ½‖Σ_b s_b D_C X̃ u_b + β − y‖² + λ Σ_b ‖u_b‖₂          (β only with an output bias).

Mean scale is the sum program with ``λ_sum = n·λ``, its value divided by n.  Only the pattern
enumeration is shared with the code under test, and that has its own certificate and checker.
A given pattern list (a sub-sampled program) replaces the enumeration.
"""

from __future__ import annotations

from fractions import Fraction

import clarabel
import numpy as np
import scipy.sparse as sp

from exactrelu import enumerate_patterns


def full_program_value(
    X,
    y,
    lam,
    *,
    bias: bool = False,
    output_bias: bool = False,
    scale: str = "sum",
    model: str = "relu",
    patterns=None,
) -> float:
    """The optimal value of the full convex program, in the problem's scale (float).

    ``patterns``: by default every cell of ``enumerate_patterns(X, bias)``; or a given list of
    0/1 strings (e.g. the sampled patterns of a certificate: the sub-sampled program).
    """
    exact = [[Fraction(v) for v in row] for row in X]
    Xf = np.array([[float(v) for v in row] for row in exact], dtype=np.float64)
    yf = np.array([float(Fraction(v)) for v in y], dtype=np.float64)
    n = len(yf)
    lam_sum = float(Fraction(lam)) * (n if scale == "mean" else 1)
    rows = np.hstack([Xf, np.ones((n, 1))]) if bias else Xf
    if patterns is None:
        table = enumerate_patterns(exact, bias).patterns.astype(np.float64)
    else:
        table = np.array([[c == "1" for c in p] for p in patterns], dtype=np.float64)
    signs = (1.0, -1.0) if model == "relu" else (1.0,)
    blocks = [(p, s) for p in table for s in signs]
    value = _solve(rows, yf, lam_sum, blocks, output_bias, cones=model == "relu")
    return value / n if scale == "mean" else value


def _solve(rows, y, lam, blocks, output_bias, cones) -> float:
    n, D = rows.shape
    B = len(blocks)
    nu = B * D  # variables: u (B·D), t (B), e = residual (n), β (optional)
    t0, e0 = nu, nu + B
    nvar = nu + B + n + (1 if output_bias else 0)
    fit = sp.hstack([sp.csc_matrix(s * p[:, None] * rows) for p, s in blocks], format="csc")
    equality = [fit, sp.csc_matrix((n, B)), sp.identity(n, format="csc")]
    if output_bias:
        equality.append(sp.csc_matrix(np.ones((n, 1))))
    parts, rhs = [sp.hstack(equality, format="csc")], [y]  # Σ Z_b u_b + e + β = y
    cone_list = [clarabel.ZeroConeT(n)]
    if cones:
        signed = []
        for i, (p, _) in enumerate(blocks):
            A = (2.0 * p - 1.0)[:, None] * rows  # every row: K_C = {u : A u >= 0}
            block = sp.lil_matrix((n, nvar))
            block[:, i * D : (i + 1) * D] = -A
            signed.append(block.tocsc())
        parts.append(sp.vstack(signed, format="csc"))
        rhs.append(np.zeros(n * B))
        cone_list.append(clarabel.NonnegativeConeT(n * B))
    for i in range(B):  # (t_b, u_b) in the second-order cone
        soc = sp.lil_matrix((D + 1, nvar))
        soc[0, t0 + i] = -1.0
        for j in range(D):
            soc[1 + j, i * D + j] = -1.0
        parts.append(soc.tocsc())
        rhs.append(np.zeros(D + 1))
        cone_list.append(clarabel.SecondOrderConeT(D + 1))
    A = sp.vstack(parts, format="csc")
    b = np.concatenate(rhs)
    P = sp.csc_matrix(
        (np.ones(n), (np.arange(e0, e0 + n), np.arange(e0, e0 + n))), shape=(nvar, nvar)
    )
    q = np.zeros(nvar)
    q[t0 : t0 + B] = lam
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = 1e-10
    settings.tol_feas = 1e-10
    settings.max_iter = 500
    solution = clarabel.DefaultSolver(P, q, A, b, cone_list, settings).solve()
    status = str(solution.status)
    if "Solved" not in status:
        raise RuntimeError(f"Clarabel did not solve the full program: {status}")
    return float(solution.obj_val)
