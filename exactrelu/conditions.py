"""LICQ and strict complementarity (SCS) of an exact optimum, per neuron (THEORY §8).

Everything here is exact rational arithmetic on an :class:`~exactrelu.optimal_set.OptimalSet`
with ``status == "exact"`` (the dual optimum r is rational).  For a neuron ν (direction v,
sign s, face rows ``{k : x̃_k·v = 0}``, zero rows excluded):

* **LICQ(ν)**: the face rows, parallel rows merged into one hyperplane each (representative
  row x̃_h, the others ``x̃_k = c_k x̃_h``), are linearly independent.
* **SCS(ν)** (defined under LICQ, where the multipliers are unique): with
  ``c = s X̃ᵀ D_σ r`` (D_σ the neuron's pattern off the face, face rows 0) and
  ``(I − P_ν) c = Σ_H γ_H x̃_h``, both multipliers of every face hyperplane are > 0:
  the side ``x̃_h·u < 0`` (cells where the rows with ``c_k > 0`` are inactive) has
  ``γ_H + s Σ_{k∈H, c_k<0} c_k r_k`` and the side ``x̃_h·u > 0`` has
  ``−γ_H − s Σ_{k∈H, c_k>0} c_k r_k``; for a single row this is ``0 < γ_k < −s r_k``.
  Without LICQ, γ is not unique and SCS(ν) is reported as not defined (``holds is None``).
* **SCS of the solution**: SCS(ν) for every neuron in use, ``α_ν > 0`` for every neuron of the
  equicorrelation set E, and ``‖v_b‖ < λ`` for every block not tied to an active neuron.  The
  blocks outside E are strictly below λ (decided exactly by the optimal set); the blocks of a
  neuron of E that no optimal network uses sit at λ untied, which violates it.

α is read at the unique optimal network when there is one, otherwise at the barycentre of the
vertices of the neuron-merged polytope (``Conditions.alpha``): a relative-interior point, where
``α_ν > 0`` exactly for the neurons some optimal network uses (the most strictly complementary
optimal solution).  A neuron is *in use* when α_ν > 0 there.
All results are labelled ``"exact"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from exactrelu.errors import ExactReluInputError
from exactrelu.exact_optimum import face_projection
from exactrelu.rationals import fmpq_matrix, fraction_of, independent_rows, rational_str
from exactrelu.verified import _hyperplanes


@dataclass(frozen=True)
class FaceMultipliers:
    """The two cone multipliers of one face hyperplane of a neuron (THEORY §8).

    ``rows``: the face rows on the hyperplane (``representative`` first); ``negative`` belongs
    to the cells on the side ``x̃_h·u < 0`` (``negative_cells``), ``positive`` to the side
    ``x̃_h·u > 0`` (``positive_cells``); cells are pattern indices of the program.
    """

    representative: int
    rows: tuple[int, ...]
    gamma: Fraction
    negative: Fraction
    positive: Fraction
    negative_cells: tuple[int, ...]
    positive_cells: tuple[int, ...]


@dataclass(frozen=True)
class NeuronCondition:
    """One condition (``"licq"`` or ``"scs"``) for neuron ``neuron``: ``holds`` (None: not
    defined, SCS without LICQ) and the reasons of a failure."""

    condition: str
    neuron: int
    holds: bool | None
    reasons: tuple[str, ...] = ()
    multipliers: tuple[FaceMultipliers, ...] = ()
    status: str = "exact"


@dataclass(frozen=True)
class Conditions:
    """LICQ and SCS of an exact optimal set, per neuron and for the solution."""

    licq_neurons: tuple[NeuronCondition, ...]
    scs_neurons: tuple[NeuronCondition, ...]
    alpha: tuple[Fraction, ...]
    in_use: tuple[int, ...]
    licq: bool
    scs: bool
    failures: tuple[str, ...]
    status: str = "exact"

    @property
    def holds(self) -> bool:
        return self.licq and self.scs

    def to_json(self) -> dict[str, object]:
        def entry(c: NeuronCondition) -> dict[str, object]:
            return {
                "neuron": c.neuron,
                "holds": c.holds,
                "reasons": list(c.reasons),
                **(
                    {
                        "multipliers": [
                            {
                                "representative": m.representative,
                                "rows": list(m.rows),
                                "gamma": rational_str(m.gamma),
                                "negative": rational_str(m.negative),
                                "positive": rational_str(m.positive),
                                "negative_cells": list(m.negative_cells),
                                "positive_cells": list(m.positive_cells),
                            }
                            for m in c.multipliers
                        ]
                    }
                    if c.condition == "scs"
                    else {}
                ),
            }

        return {
            "kind": "conditions",
            "status": self.status,
            "licq": self.licq,
            "scs": self.scs,
            "alpha": [rational_str(a) for a in self.alpha],
            "in_use": list(self.in_use),
            "neurons": {
                "licq": [entry(c) for c in self.licq_neurons],
                "scs": [entry(c) for c in self.scs_neurons],
            },
            "failures": list(self.failures),
        }


# ---------------------------------------------------------------------------------------------
# Per-neuron data
# ---------------------------------------------------------------------------------------------


def _require_exact(optimal_set) -> None:
    if getattr(optimal_set, "status", None) != "exact":
        raise ExactReluInputError(
            "conditions need an exact optimal set (status 'exact'), got status "
            f"{getattr(optimal_set, 'status', None)!r}"
        )
    if optimal_set.problem.model != "relu":
        raise ExactReluInputError("conditions are defined for model='relu' only")


def _neuron(optimal_set, i: int):
    if not 0 <= i < len(optimal_set.neurons):
        raise ExactReluInputError(
            f"neuron index {i} out of range (the optimal set has {len(optimal_set.neurons)})"
        )
    return optimal_set.neurons[i]


def _dot(a, b) -> Fraction:
    return sum((x * y for x, y in zip(a, b, strict=True)), Fraction(0))


def active_rows(rows, neuron) -> tuple[bool, ...]:
    """The neuron's pattern off the face: ``x̃_k·v > 0`` (face and zero rows are False)."""
    return tuple(_dot(row, neuron.direction) > 0 for row in rows)


def correlation(rows, r, neuron) -> list[Fraction]:
    """``c = s X̃ᵀ D_σ r`` (face rows excluded)."""
    active = active_rows(rows, neuron)
    D = len(rows[0])
    return [
        neuron.sign * sum((r[k] * rows[k][j] for k in range(len(rows)) if active[k]), Fraction(0))
        for j in range(D)
    ]


def _dependence(vectors: list[list[Fraction]]) -> list[Fraction] | None:
    """A nonzero ``t`` with ``Σ t_i vectors_i = 0`` (exact), or None if they are independent."""
    m = len(vectors)
    if m == 0:
        return None
    A = fmpq_matrix([[vectors[i][j] for i in range(m)] for j in range(len(vectors[0]))])
    reduced, rank = A.rref()
    if rank == m:
        return None
    pivots, col = [], 0
    for row in range(rank):
        while reduced[row, col] == 0:
            col += 1
        pivots.append(col)
        col += 1
    free = next(j for j in range(m) if j not in pivots)
    t = [Fraction(0)] * m
    t[free] = Fraction(1)
    for row, p in enumerate(pivots):
        t[p] = -fraction_of(reduced[row, free])
    return t


def licq(optimal_set, i: int) -> NeuronCondition:
    """LICQ(ν): the face rows of neuron i, parallel rows merged, are linearly independent."""
    _require_exact(optimal_set)
    neuron = _neuron(optimal_set, i)
    rows = optimal_set.problem.rows
    planes = _hyperplanes(rows, list(neuron.face))
    dependence = _dependence([list(rows[p.representative]) for p in planes])
    if dependence is None:
        return NeuronCondition("licq", i, True)
    terms = " + ".join(
        f"({rational_str(t)})·x̃_{p.representative}"
        for t, p in zip(dependence, planes, strict=True)
        if t != 0
    )
    rank = len(independent_rows([list(rows[p.representative]) for p in planes]))
    return NeuronCondition(
        "licq",
        i,
        False,
        (
            f"neuron {i}: the face rows {sorted(neuron.face)} ({len(planes)} hyperplanes, "
            f"representatives {[p.representative for p in planes]}) have rank {rank}: "
            f"{terms} = 0",
        ),
    )


def face_multipliers(optimal_set, i: int) -> tuple[FaceMultipliers, ...] | None:
    """The face multipliers of neuron i (None when LICQ fails: they are not unique)."""
    _require_exact(optimal_set)
    neuron = _neuron(optimal_set, i)
    rows, r = optimal_set.problem.rows, optimal_set.residual
    planes = _hyperplanes(rows, list(neuron.face))
    if not planes:
        return ()
    if _dependence([list(rows[p.representative]) for p in planes]) is not None:
        return None
    c = correlation(rows, r, neuron)
    P_c = face_projection(rows, list(neuron.face), c)
    residue = [a - b for a, b in zip(c, P_c, strict=True)]  # (I − P) c
    B = fmpq_matrix([list(rows[p.representative]) for p in planes])
    gamma_mat = (B * B.transpose()).solve(B * fmpq_matrix([[v] for v in residue]))
    patterns = optimal_set.problem.blocks.patterns
    s = neuron.sign
    out = []
    for index, plane in enumerate(planes):
        gamma = fraction_of(gamma_mat[index, 0])
        negative = gamma + s * sum(
            (ck * r[k] for k, ck in zip(plane.rows, plane.ratios, strict=True) if ck < 0),
            Fraction(0),
        )
        positive = -gamma - s * sum(
            (ck * r[k] for k, ck in zip(plane.rows, plane.ratios, strict=True) if ck > 0),
            Fraction(0),
        )
        h = plane.representative
        out.append(
            FaceMultipliers(
                h,
                plane.rows,
                gamma,
                negative,
                positive,
                tuple(b for b in neuron.cells if not patterns[b][h]),
                tuple(b for b in neuron.cells if patterns[b][h]),
            )
        )
    return tuple(out)


def scs(optimal_set, i: int) -> NeuronCondition:
    """SCS(ν): both multipliers of every face hyperplane of neuron i are > 0 (needs LICQ)."""
    _require_exact(optimal_set)
    multipliers = face_multipliers(optimal_set, i)
    if multipliers is None:
        return NeuronCondition(
            "scs",
            i,
            None,
            (f"neuron {i}: SCS is not defined: LICQ fails, the face multipliers are not unique",),
        )
    reasons = []
    for m in multipliers:
        for side, value, cells in (
            ("x̃_h·u < 0", m.negative, m.negative_cells),
            ("x̃_h·u > 0", m.positive, m.positive_cells),
        ):
            if value <= 0:
                reasons.append(
                    f"neuron {i}: face hyperplane of rows {list(m.rows)} (h = "
                    f"{m.representative}): the multiplier of the side {side} (cells "
                    f"{list(cells)}) is {rational_str(value)} (γ = {rational_str(m.gamma)})"
                )
    return NeuronCondition("scs", i, not reasons, tuple(reasons), multipliers)


# ---------------------------------------------------------------------------------------------
# The whole solution
# ---------------------------------------------------------------------------------------------


def solution_alpha(optimal_set) -> tuple[Fraction, ...]:
    """α per neuron at the unique optimal network, else at the barycentre of the vertices."""
    vertices = optimal_set.vertices
    return tuple(
        sum((v.get(i, Fraction(0)) for v in vertices), Fraction(0)) / len(vertices)
        for i in range(len(optimal_set.neurons))
    )


def check_conditions(optimal_set) -> Conditions:
    """LICQ and SCS of every neuron and of the solution (module docstring)."""
    _require_exact(optimal_set)
    p = len(optimal_set.neurons)
    alpha = solution_alpha(optimal_set)
    in_use = tuple(i for i in range(p) if alpha[i] > 0)
    licq_list = tuple(licq(optimal_set, i) for i in range(p))
    scs_list = tuple(scs(optimal_set, i) for i in range(p))
    used = set(optimal_set.used_neurons)
    failures = []
    for i in in_use:
        failures += licq_list[i].reasons
    licq_ok = all(licq_list[i].holds for i in in_use)
    scs_ok = True
    for i in in_use:
        if scs_list[i].holds is not True:
            scs_ok = False
            failures += scs_list[i].reasons
    for i in range(p):
        if alpha[i] == 0:
            scs_ok = False
            failures.append(f"neuron {i}: α = 0 in every optimal network, but it is in E (‖v‖ = λ)")
        if i not in used:
            nu = optimal_set.neurons[i]
            failures.append(
                f"neuron {i}: its blocks (cells {list(nu.cells)}, sign {nu.sign}) sit at "
                "‖v_b‖ = λ, not tied to an active neuron"
            )
    return Conditions(licq_list, scs_list, alpha, in_use, licq_ok, scs_ok, tuple(failures))
