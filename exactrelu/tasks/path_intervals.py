"""Intervals of the regularization path between breakpoints, proved constant where the ball
arithmetic with λ an interval allows (docs/theory.md §8; the proof in proofs/verified.md, "λ
intervals").

Between two brackets an :class:`Interval` is ``"proved"`` when
:func:`exactrelu.optimum.verified_interval.verify_interval` (Krawczyk with λ an interval, along the
tangent) covers all of it (:class:`IntervalProver`), else ``"sampled"`` (with the fraction
proved), ``"undecided"`` (the optimal set could not be decided at some sample), or ``"zero"``
above λ_max.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from exactrelu.exact.rationals import rational_str
from exactrelu.optimum.verified import Verification
from exactrelu.optimum.verified_interval import verify_interval
from exactrelu.tasks.lam_max import LamMax
from exactrelu.tasks.path_samples import PathPoint

DEFAULT_INTERVAL_TESTS = 200
"""Ball-arithmetic tests spent proving intervals constant (λ an interval), per path."""
MIN_PROOF_WIDTH = Fraction(1, 10**5)
"""Pieces of an interval narrower than this (relative) are not tried."""


@dataclass(frozen=True)
class Interval:
    """Between two breakpoints.  ``verdict``: ``"proved"`` (the structure is proved constant on
    the whole interval by ball arithmetic with λ an interval), ``"sampled"`` (known at the
    samples only; ``proved_fraction`` of its length is proved), ``"undecided"`` (the optimal set
    could not be decided at some sample: structure changes inside are not bracketed), ``"zero"``
    (above λ_max)."""

    lam_lo: Fraction
    lam_hi: Fraction
    verdict: str
    proved_fraction: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "lam_lo": rational_str(self.lam_lo),
            "lam_hi": rational_str(self.lam_hi),
            "verdict": self.verdict,
            "proved_fraction": self.proved_fraction,
        }


class IntervalProver:
    """Proves the structure constant between two samples with the same structure
    (:func:`verify_interval`), marching from the left end: a proved piece doubles the next
    piece's width, a failed one halves it.  Stops at the right end, at a piece narrower than
    ``MIN_PROOF_WIDTH`` (relative: a structure change the samples missed, or a tie), or when
    the budget of tests is spent."""

    def __init__(self, factory, budget: int, cache_of) -> None:
        self.factory, self.budget, self.tests = factory, budget, 0
        self.cache_of = cache_of  # problem -> its neuron matrices (Sampler.cache)
        self.proofs: list[Verification] = []  # one per proved piece, with its certificate

    def proved_length(self, lo: PathPoint, hi: PathPoint) -> Fraction:
        """The length of the proved part ``[lo.lam, a]`` of ``[lo.lam, hi.lam]``."""
        if lo.structure != hi.structure or lo.state is None or lo.status == "numeric":
            return Fraction(0)
        state = lo.state
        a, width = lo.lam, hi.lam - lo.lam
        while a < hi.lam and self.tests < self.budget and width >= MIN_PROOF_WIDTH * hi.lam:
            b = min(a + width, hi.lam)
            self.tests += 1
            problem = self.factory((a + b) / 2)
            outcome = verify_interval(
                problem, state.neurons, state.residual, state.alpha, state.output_bias, a, b,
                self.cache_of(problem),
            )  # fmt: skip
            if outcome.status == "verified":
                self.proofs.append(outcome)
                a, width = b, 2 * width
            else:
                width /= 2
        return a - lo.lam


def path_intervals(grid, breakpoints, samples, top: LamMax, prover: IntervalProver):
    """The intervals of ``grid`` between the brackets of ``breakpoints``, each with its verdict
    (``samples``: every certified sample, sorted by λ; ``top``: λ_max)."""
    _, lam_max_hi = top.bracket()
    edges = [grid[0]] + [v for b in breakpoints for v in (b.lam_lo, b.lam_hi)] + [grid[-1]]
    out = []
    for lo, hi in zip(edges[::2], edges[1::2], strict=True):
        if lo >= hi:  # adjacent brackets share an end: nothing between them
            continue
        if lo >= lam_max_hi:
            out.append(Interval(lo, hi, "zero", 1.0))
            continue
        top_end = min(hi, lam_max_hi)
        inside = [p for p in samples if lo <= p.lam <= top_end]
        if any(p.status == "numeric" for p in inside):
            out.append(Interval(lo, top_end, "undecided"))
            if top_end < hi:
                out.append(Interval(top_end, hi, "zero", 1.0))
            continue
        proved = sum(
            (prover.proved_length(a, b) for a, b in zip(inside, inside[1:], strict=False)),
            Fraction(0),
        )
        length = top_end - lo
        fraction = float(proved / length) if length else 0.0
        out.append(Interval(lo, top_end, "proved" if proved == length else "sampled", fraction))
        if top_end < hi:
            out.append(Interval(top_end, hi, "zero", 1.0))
    return tuple(out)
