"""Breakpoints of the regularization path: where the structure of the optimum changes, bracketed
between certified samples, with a verdict on the min-norm network (docs/theory.md §8).

Consecutive samples with different structures are bracketed by bisection at exact rational
midpoints to ``rel_width`` (relative), within a budget of samples (:func:`bisect_changes`); two
undecided samples are not bracketed (their float structures are arbitrary points of a non-unique
optimal set): the stretch is reported ``"undecided"``.  Each bracket gets a verdict on the
min-norm network (numeric evidence: the change across the bracket against the rate of change on
either side, :func:`breakpoint_verdict`): ``continuous`` or ``jump`` (docs/theory.md §8: a jump
needs a non-unique optimal set at the breakpoint).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from exactrelu.exact.rationals import rational_str
from exactrelu.tasks.path_samples import PathPoint, Sampler

JUMP_FACTOR = 10
"""A min-norm change over a bracket larger than this many times the smooth rate is a jump."""


@dataclass(frozen=True)
class Breakpoint:
    """The structure changes somewhere in ``[lam_lo, lam_hi]`` (both ends certified).

    ``verdict`` (status ``"numeric"``, docs/theory.md §8): ``"continuous"`` when the min-norm
    networks at the two ends differ by no more than the path's own rate of change over the bracket
    explains (10× margin), ``"jump"`` with ``jump`` = that difference otherwise, ``"unresolved"``
    when the bracket is wider than requested, ``"undetermined"`` without a neighbour to measure the
    rate. A jump needs a non-unique optimal set at the breakpoint itself; ``unique_ends`` records
    whether the optimal network is unique at each end.
    """

    lam_lo: Fraction
    lam_hi: Fraction
    resolved: bool
    verdict: str = "undetermined"
    jump: float = 0.0
    smooth_change: float | None = None
    unique_ends: tuple[bool | None, bool | None] = (None, None)
    ends: tuple[PathPoint, ...] = field(default=(), compare=False, repr=False)
    """The certified samples at ``lam_lo`` and ``lam_hi``."""

    @property
    def status(self) -> str:
        """The label of the claim "the structures at the two ends differ" (proofs/path.md,
        R5): the weaker of the ends' labels, ``numeric`` (no claim) with an undecided end."""
        statuses = {p.label for p in self.ends}
        if not self.ends or "numeric" in statuses:
            return "numeric"
        return "verified" if "verified" in statuses else "exact"

    def to_json(self) -> dict[str, object]:
        ends = [p.to_json() for p in self.ends]
        return {
            "lam_lo": rational_str(self.lam_lo),
            "lam_hi": rational_str(self.lam_hi),
            "lam_lo_float": float(self.lam_lo),
            "lam_hi_float": float(self.lam_hi),
            "status": self.status,
            "ends": ends,
            "resolved": self.resolved,
            "verdict": self.verdict,
            "verdict_status": "numeric",
            "min_norm_change": self.jump,
            "smooth_change_estimate": self.smooth_change,
            "unique_network_at_ends": [e["unique_network"] for e in ends]
            if self.ends
            else list(self.unique_ends),
        }


def bisect_changes(sampler: Sampler, left: PathPoint, right: PathPoint, rel_width: Fraction):
    """Brackets ``(lo, hi)`` of every structure change between two samples, by bisection at
    exact rational midpoints; each midpoint is sampled by continuation from its ends first."""
    out, stack = [], [(left, right)]
    while stack:
        lo, hi = stack.pop()
        if hi.lam - lo.lam <= rel_width * hi.lam or sampler.exhausted:
            out.append((lo, hi))
            continue
        mid = sampler.sample((lo.lam + hi.lam) / 2, (lo, hi))
        if structure_changes(lo, mid):
            stack.append((lo, mid))
        if structure_changes(mid, hi):
            stack.append((mid, hi))
    return out


def structure_changes(a: PathPoint, b: PathPoint) -> bool:
    """A structure change worth bracketing: the structures differ and at least one is decided
    (between two undecided samples the float structures are arbitrary points of the optimal
    set, so their difference means nothing; the stretch is reported ``"undecided"``)."""
    return a.structure != b.structure and not a.status == b.status == "numeric"


def network_distance(a: PathPoint, b: PathPoint) -> float:
    """Distance between the min-norm networks of two samples in convex weights: neurons of the
    same sign matched greedily by nearest weight, an unmatched neuron counted whole."""
    left = [(nu.sign, np.array(nu.weight)) for nu in a.neurons if nu.norm > 0]
    right = [(nu.sign, np.array(nu.weight)) for nu in b.neurons if nu.norm > 0]
    pairs = sorted(
        (float(np.linalg.norm(u - w)), i, j)
        for i, (s, u) in enumerate(left)
        for j, (t, w) in enumerate(right)
        if s == t
    )
    seen_left, seen_right, total = set(), set(), 0.0
    for dist, i, j in pairs:
        if i not in seen_left and j not in seen_right:
            seen_left.add(i), seen_right.add(j)
            total += dist * dist
    total += sum(float(u @ u) for i, (_, u) in enumerate(left) if i not in seen_left)
    total += sum(float(w @ w) for j, (_, w) in enumerate(right) if j not in seen_right)
    return total**0.5


def breakpoint_verdict(lo: PathPoint, hi: PathPoint, samples, rel_width) -> Breakpoint:
    """Jump or continuity at a bracket, from the min-norm networks at its ends against the rate
    of change measured on each side (the nearest other sample with the same structure)."""
    resolved = hi.lam - lo.lam <= rel_width * hi.lam
    unique = (lo.unique_network, hi.unique_network)
    jump = network_distance(lo, hi)
    if "numeric" in (lo.status, hi.status):  # the min-norm network is not known at an end
        return Breakpoint(lo.lam, hi.lam, resolved, "undetermined", jump, None, unique)
    rates = []
    before = [p for p in samples if p.lam < lo.lam and p.structure == lo.structure]
    after = [p for p in samples if p.lam > hi.lam and p.structure == hi.structure]
    if before:
        rates.append(network_distance(before[-1], lo) / float(lo.lam - before[-1].lam))
    if after:
        rates.append(network_distance(hi, after[0]) / float(after[0].lam - hi.lam))
    if not resolved:
        return Breakpoint(lo.lam, hi.lam, False, "unresolved", jump, None, unique)
    if not rates:
        return Breakpoint(lo.lam, hi.lam, True, "undetermined", jump, None, unique)
    smooth = max(rates) * float(hi.lam - lo.lam)
    scale = max(sum(nu.norm for nu in lo.neurons), sum(nu.norm for nu in hi.neurons), 1e-300)
    verdict = "jump" if jump > JUMP_FACTOR * smooth + 1e-9 * scale else "continuous"
    return Breakpoint(lo.lam, hi.lam, True, verdict, jump, smooth, unique)
