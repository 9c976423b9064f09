"""LICQ and strict complementarity (SCS) of an optimum, per neuron (docs/theory.md §8).

Works on an exact :class:`~exactrelu.optimum.optimal_set.OptimalSet` (``status == "exact"``: the
dual optimum r is rational) and on a :class:`~exactrelu.optimum.optimal_set.VerifiedOptimalSet`
(``status == "verified"``: r is irrational, the structure proved in ball arithmetic, docs/theory.md
§7).
For a neuron ν (direction v, sign s, face rows ``{k : x̃_k·v = 0}``, zero rows excluded):

* **LICQ(ν)**: the face rows, parallel rows merged into one hyperplane each (representative
  row x̃_h, the others ``x̃_k = c_k x̃_h``), are linearly independent.  The face is part of the
  exact or verified structure, so this is an exact rank test in both cases (label ``"exact"``).
* **SCS(ν)** (defined under LICQ, where the multipliers are unique): with
  ``c = s X̃ᵀ D_σ r`` (D_σ the neuron's pattern off the face, face rows 0) and
  ``(I − P_ν) c = Σ_H γ_H x̃_h``, both multipliers of every face hyperplane are > 0:
  the side ``x̃_h·u < 0`` (cells where the rows with ``c_k > 0`` are inactive) has
  ``γ_H + s Σ_{k∈H, c_k<0} c_k r_k`` and the side ``x̃_h·u > 0`` has
  ``−γ_H − s Σ_{k∈H, c_k>0} c_k r_k``; for a single row this is ``0 < γ_k < −s r_k``.
  Without LICQ, γ is not unique and SCS(ν) is reported as not defined (``holds is None`` with
  a decided status).  Exact optima: the multipliers are exact rationals.  Verified optima: the
  multipliers are the enclosures the Krawczyk verification already computed
  (``VerifiedNeuron.multipliers``, one pair of balls per hyperplane; γ itself is not stored,
  ``gamma is None``): a ball with lower end > 0 proves the side (``"verified"``), a ball with
  upper end <= 0 proves the violation, a ball containing 0 and positive values leaves it
  ``"undecided"`` (``holds is None``, status ``"undecided"``), with the reason.  A side with no
  cell in the program (possible for sampled patterns only: with all cells and LICQ every side
  has one) is no constraint of the program and is not checked, as in the verification.
* **SCS of the solution**: SCS(ν) for every neuron in use, ``α_ν > 0`` for every neuron of the
  equicorrelation set E, and ``‖v_b‖ < λ`` for every block not tied to an active neuron.
  Exact: the blocks outside E are strictly below λ (decided exactly by the optimal set); the
  blocks of a neuron of E that no optimal network uses sit at λ untied, which violates it.
  Verified: every untied block was proved strictly below λ by the verification (its block
  bounds), and ``α_ν > 0`` is read from the enclosures of α.

α is read at the unique optimal network when there is one, otherwise (exact) at the barycentre
of the vertices of the neuron-merged polytope (``Conditions.alpha``): a relative-interior point,
where ``α_ν > 0`` exactly for the neurons some optimal network uses (the most strictly
complementary optimal solution).  A neuron is *in use* when α_ν > 0 is proved there.

An optimal set whose status is ``"undecided"`` gives ``Conditions`` with ``licq`` and ``scs``
None, status ``"undecided"`` and the reasons in ``failures``.  Labels follow docs/formats.md: each
claim (``claims``) is ``"exact"``, ``"verified"`` or ``"undecided"``, ``status`` is the weakest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from exactrelu.errors import ExactReluInputError
from exactrelu.exact.balls import Ball
from exactrelu.exact.cones import project_onto_subspace
from exactrelu.exact.rationals import (
    fmpq_matrix,
    independent_rows,
    null_vector,
    rational_str,
)
from exactrelu.optimum.optimal_set import OptimalSet, VerifiedOptimalSet
from exactrelu.optimum.verified import VerifiedNeuron, hyperplanes

LABELS = ("exact", "verified", "undecided")
"""Exactness labels from strongest to weakest (docs/formats.md, "Numbers")."""

Number = Fraction | Ball


def positive(value: Number) -> bool | None:
    """``value > 0``: exact for a Fraction; for a Ball True when proved (lower end > 0), False
    when disproved (upper end <= 0), None when undecided (the ball straddles 0)."""
    if isinstance(value, Ball):
        if value.lower > 0:
            return True
        return False if value.upper <= 0 else None
    return value > 0


def number_json(value: Number) -> object:
    """A rational as ``"p/q"``, an enclosure as ``{"mid", "rad"}`` (docs/formats.md, "Numbers")."""
    return value.to_json() if isinstance(value, Ball) else rational_str(value)


def weakest(labels: Iterable[str]) -> str:
    """The weakest of exactness labels (``"exact"`` for none)."""
    return max(labels, key=LABELS.index, default="exact")


def _combined(verdicts: Iterable[bool | None]) -> bool | None:
    """All of three-valued verdicts: False if one is False, else None if one is None."""
    verdicts = list(verdicts)
    if False in verdicts:
        return False
    return None if None in verdicts else True


def _shown(value: Number) -> str:
    if isinstance(value, Ball):
        return f"in [{float(value.lower):.6g}, {float(value.upper):.6g}]"
    return rational_str(value)


@dataclass(frozen=True)
class FaceMultipliers:
    """The two cone multipliers of one face hyperplane of a neuron (docs/theory.md §8).

    ``rows``: the face rows on the hyperplane (``representative`` first); ``negative`` belongs
    to the cells on the side ``x̃_h·u < 0`` (``negative_cells``), ``positive`` to the side
    ``x̃_h·u > 0`` (``positive_cells``); cells are pattern indices of the program.  Exact
    rationals at an exact optimum; enclosures (``Ball``) at a verified one, where ``gamma`` is
    None (the verification encloses the two multipliers only).
    """

    representative: int
    rows: tuple[int, ...]
    gamma: Fraction | None
    negative: Number
    positive: Number
    negative_cells: tuple[int, ...]
    positive_cells: tuple[int, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "representative": self.representative,
            "rows": list(self.rows),
            "gamma": None if self.gamma is None else rational_str(self.gamma),
            "negative": number_json(self.negative),
            "positive": number_json(self.positive),
            "negative_cells": list(self.negative_cells),
            "positive_cells": list(self.positive_cells),
        }


@dataclass(frozen=True)
class NeuronCondition:
    """One condition (``"licq"`` or ``"scs"``) for neuron ``neuron``: ``holds`` and the reasons
    of a failure.  ``holds is None`` means not defined (SCS without LICQ; ``status`` exact or
    verified) or undecided (``status == "undecided"``)."""

    condition: str
    neuron: int
    holds: bool | None
    reasons: tuple[str, ...] = ()
    multipliers: tuple[FaceMultipliers, ...] = ()
    status: str = "exact"

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "neuron": self.neuron,
            "holds": self.holds,
            "status": self.status,
            "reasons": list(self.reasons),
        }
        if self.condition == "scs":
            out["multipliers"] = [m.to_json() for m in self.multipliers]
        return out


@dataclass(frozen=True)
class Conditions:
    """LICQ and SCS of an optimal set, per neuron and for the solution.

    ``licq`` and ``scs`` are True, False or None (undecided); ``alpha`` holds rationals (exact)
    or enclosures (verified); ``claims`` labels the ``"licq"`` and ``"scs"`` verdicts.
    """

    licq_neurons: tuple[NeuronCondition, ...]
    scs_neurons: tuple[NeuronCondition, ...]
    alpha: tuple[Number, ...]
    in_use: tuple[int, ...]
    licq: bool | None
    scs: bool | None
    failures: tuple[str, ...]
    status: str = "exact"
    claims: dict[str, str] = field(default_factory=lambda: {"licq": "exact", "scs": "exact"})

    @property
    def holds(self) -> bool | None:
        """LICQ and SCS (None when neither fails and one is undecided)."""
        return _combined((self.licq, self.scs))

    def to_json(self) -> dict[str, object]:
        return {
            "kind": "conditions",
            "status": self.status,
            "claims": dict(self.claims),
            "licq": self.licq,
            "scs": self.scs,
            "alpha": [number_json(a) for a in self.alpha],
            "in_use": list(self.in_use),
            "neurons": {
                "licq": [c.to_json() for c in self.licq_neurons],
                "scs": [c.to_json() for c in self.scs_neurons],
            },
            "failures": list(self.failures),
        }


# ---------------------------------------------------------------------------------------------
# Per-neuron data
# ---------------------------------------------------------------------------------------------


def _require_relu(optimal_set) -> None:
    if not isinstance(optimal_set, (OptimalSet, VerifiedOptimalSet)):
        raise ExactReluInputError(
            "conditions need an optimal set (exactrelu.optimum.optimal_set), "
            f"got {type(optimal_set)!r}"
        )
    if optimal_set.problem.model != "relu":
        raise ExactReluInputError("conditions are defined for model='relu' only")


def _require_decided(optimal_set) -> str:
    """The label of the optimal set (``"exact"`` or ``"verified"``); raises otherwise."""
    _require_relu(optimal_set)
    if optimal_set.status not in ("exact", "verified"):
        raise ExactReluInputError(
            "per-neuron conditions need an exact or verified optimal set, got status "
            f"{optimal_set.status!r}"
        )
    return optimal_set.status


def _neuron(optimal_set, i: int):
    if not 0 <= i < len(optimal_set.neurons):
        raise ExactReluInputError(
            f"neuron index {i} out of range (the optimal set has {len(optimal_set.neurons)})"
        )
    return optimal_set.neurons[i]


def _dot(a, b) -> Fraction:
    return sum((x * y for x, y in zip(a, b, strict=True)), Fraction(0))


def active_rows(rows, neuron) -> tuple[bool, ...]:
    """The neuron's pattern off the face: ``x̃_k·v > 0`` (face and zero rows are False), from
    the exact direction of an exact neuron or the proved active rows of a verified one."""
    if isinstance(neuron, VerifiedNeuron):
        return tuple(k in neuron.active for k in range(len(rows)))
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
    columns = [[vectors[i][j] for i in range(m)] for j in range(len(vectors[0]))]
    return null_vector(fmpq_matrix(columns))


def licq(optimal_set, i: int) -> NeuronCondition:
    """LICQ(ν): the face rows of neuron i, parallel rows merged, are linearly independent
    (an exact rank test, exact or verified optimum)."""
    _require_decided(optimal_set)
    neuron = _neuron(optimal_set, i)
    rows = optimal_set.problem.rows
    planes = hyperplanes(rows, list(neuron.face))
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


def _exact_sides(optimal_set, neuron, planes) -> list[tuple[Fraction, Fraction, Fraction]]:
    """(γ_H, negative side, positive side) per hyperplane, exactly (LICQ holds)."""
    rows, r = optimal_set.problem.rows, optimal_set.residual
    c = correlation(rows, r, neuron)
    # (I − P) c = c − P c = −Σ_H ν_H x_h over the independent representatives (LICQ): γ = −ν
    _, nu = project_onto_subspace([rows[p.representative] for p in planes], c)
    s = neuron.sign
    out = []
    for index, plane in enumerate(planes):
        gamma = -nu[index]
        terms = list(zip(plane.rows, plane.ratios, strict=True))
        negative = gamma + s * sum((ck * r[k] for k, ck in terms if ck < 0), Fraction(0))
        positive_side = -gamma - s * sum((ck * r[k] for k, ck in terms if ck > 0), Fraction(0))
        out.append((gamma, negative, positive_side))
    return out


def face_multipliers(optimal_set, i: int) -> tuple[FaceMultipliers, ...] | None:
    """The face multipliers of neuron i (None when LICQ fails: they are not unique); exact,
    or the verification's enclosures at a verified optimum."""
    label = _require_decided(optimal_set)
    neuron = _neuron(optimal_set, i)
    rows = optimal_set.problem.rows
    planes = hyperplanes(rows, list(neuron.face))
    if not planes:
        return ()
    if _dependence([list(rows[p.representative]) for p in planes]) is not None:
        return None
    if label == "verified":
        sides = [(None, neg, pos) for neg, pos in neuron.multipliers]
    else:
        sides = _exact_sides(optimal_set, neuron, planes)
    patterns = optimal_set.problem.blocks.patterns
    return tuple(
        FaceMultipliers(
            plane.representative,
            plane.rows,
            gamma,
            negative,
            positive_side,
            tuple(b for b in neuron.cells if not patterns[b][plane.representative]),
            tuple(b for b in neuron.cells if patterns[b][plane.representative]),
        )
        for plane, (gamma, negative, positive_side) in zip(planes, sides, strict=True)
    )


def scs(optimal_set, i: int) -> NeuronCondition:
    """SCS(ν): both multipliers of every face hyperplane of neuron i are > 0 (needs LICQ)."""
    label = _require_decided(optimal_set)
    multipliers = face_multipliers(optimal_set, i)
    if multipliers is None:
        reason = f"neuron {i}: SCS is not defined: LICQ fails, the face multipliers are not unique"
        if label == "verified":
            reason += (
                " (the verification proved, per tied cell, a basis of face rows with positive "
                "multipliers: each tied block projects onto the neuron's direction)"
            )
        return NeuronCondition("scs", i, None, (reason,), status=label)
    reasons, verdicts = [], []
    for m in multipliers:
        for side, value, cells in (
            ("x̃_h·u < 0", m.negative, m.negative_cells),
            ("x̃_h·u > 0", m.positive, m.positive_cells),
        ):
            verdict = positive(value)
            if verdict is True or not cells:  # a side with no cell is not in the program
                continue
            verdicts.append(verdict)
            gamma = "" if m.gamma is None else f" (γ = {rational_str(m.gamma)})"
            undecided = ": undecided, the enclosure contains 0" if verdict is None else ""
            reasons.append(
                f"neuron {i}: face hyperplane of rows {list(m.rows)} (h = "
                f"{m.representative}): the multiplier of the side {side} (cells "
                f"{list(cells)}) is {_shown(value)}{gamma}{undecided}"
            )
    holds = _combined(verdicts)
    status = "undecided" if holds is None else label
    return NeuronCondition("scs", i, holds, tuple(reasons), multipliers, status)


# ---------------------------------------------------------------------------------------------
# The whole solution
# ---------------------------------------------------------------------------------------------


def solution_alpha(optimal_set) -> tuple[Number, ...]:
    """α per neuron at the unique optimal network, else at the barycentre of the vertices
    (exact); the enclosures of α at a verified optimum (unique network)."""
    if optimal_set.status == "verified":
        return tuple(nu.alpha for nu in optimal_set.neurons)
    vertices = optimal_set.vertices
    return tuple(
        sum((v.get(i, Fraction(0)) for v in vertices), Fraction(0)) / len(vertices)
        for i in range(len(optimal_set.neurons))
    )


def _undecided_reasons(optimal_set) -> tuple[str, ...]:
    if isinstance(optimal_set, VerifiedOptimalSet):
        return tuple(optimal_set.verification.failures)
    return (
        "the membership in E of the blocks (pattern, sign) "
        f"{[list(b) for b in optimal_set.undecided_blocks]} is undecided",
    )


def check_conditions(optimal_set) -> Conditions:
    """LICQ and SCS of every neuron and of the solution (module docstring, docs/theory.md §8).

    Parameters
    ----------
    optimal_set : an :class:`OptimalSet` or :class:`VerifiedOptimalSet` of a ReLU problem.

    Returns
    -------
    Conditions, with status ``"exact"``, ``"verified"`` or ``"undecided"`` (an undecided optimal
    set: ``licq`` and ``scs`` None, the reasons in ``failures``).

    Raises
    ------
    ExactReluInputError for a gated problem or an object that is not an optimal set.
    """
    _require_relu(optimal_set)
    label = optimal_set.status
    mirror = getattr(optimal_set, "mirror_ties", False)
    if label not in ("exact", "verified") or mirror:
        reasons = (
            (
                "an optimal set with mirror ties (proofs/mirror_ties.md): LICQ and SCS of its "
                "neurons and mirrors are not computed",
            )
            if mirror
            else ("the optimal set is undecided",) + _undecided_reasons(optimal_set)
        )
        return Conditions(
            (),
            (),
            (),
            (),
            None,
            None,
            reasons,
            "undecided",
            {"licq": "undecided", "scs": "undecided"},
        )
    p = len(optimal_set.neurons)
    alpha = solution_alpha(optimal_set)
    alpha_positive = [positive(a) for a in alpha]
    in_use = tuple(i for i in range(p) if alpha_positive[i])
    licq_list = tuple(licq(optimal_set, i) for i in range(p))
    scs_list = tuple(scs(optimal_set, i) for i in range(p))
    failures = [reason for i in in_use for reason in licq_list[i].reasons]
    licq_ok = all(licq_list[i].holds for i in in_use)
    for i in in_use:
        if scs_list[i].holds is not True:
            failures += scs_list[i].reasons
    # SCS not defined (LICQ fails) is a failure of SCS; an undecided SCS(ν) stays undecided
    verdicts = [
        scs_list[i].holds if scs_list[i].status == "undecided" else bool(scs_list[i].holds)
        for i in in_use
    ]
    for i in range(p):
        if alpha_positive[i] is None:
            failures.append(f"neuron {i}: α > 0 not proved (α {_shown(alpha[i])}): undecided")
        elif not alpha_positive[i]:
            nu = optimal_set.neurons[i]
            failures.append(f"neuron {i}: α = 0 in every optimal network, but it is in E (‖v‖ = λ)")
            failures.append(
                f"neuron {i}: its blocks (cells {list(nu.cells)}, sign {nu.sign}) sit at "
                "‖v_b‖ = λ, not tied to an active neuron"
            )
    scs_ok = _combined(verdicts + alpha_positive)
    claims = {"licq": "exact", "scs": "undecided" if scs_ok is None else label}
    return Conditions(
        licq_list,
        scs_list,
        alpha,
        in_use,
        licq_ok,
        scs_ok,
        tuple(failures),
        weakest(claims.values()),
        claims,
    )
