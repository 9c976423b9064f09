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

from dataclasses import dataclass, field
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
    proofs: tuple[dict, ...] = field(default=(), compare=False, repr=False)
    """The ``verified_interval`` certificates of the proved pieces, in order of λ."""

    @property
    def status(self) -> str:
        """The label of the interval's claim (proofs/path.md, R6): ``verified`` (proved),
        ``exact`` (zero), ``numeric`` (sampled, undecided: no claim)."""
        return {"proved": "verified", "zero": "exact"}.get(self.verdict, "numeric")

    def to_json(self) -> dict[str, object]:
        return {
            "lam_lo": rational_str(self.lam_lo),
            "lam_hi": rational_str(self.lam_hi),
            "verdict": self.verdict,
            "status": self.status,
            "proved_fraction": self.proved_fraction,
            "certificate": {"pieces": list(self.proofs)},
        }


@dataclass
class _Piece:
    """The proof of ``[lo.lam, hi.lam]`` in progress: ``[lo.lam, a]`` is proved, ``width`` is the
    next piece's width; ``done`` when finished (covered, or a piece too narrow to try)."""

    lo: PathPoint
    hi: PathPoint
    a: Fraction
    width: Fraction
    done: bool
    proofs: list = field(default_factory=list)


class IntervalProver:
    """Proves the structure constant between two samples with the same structure
    (:func:`verify_interval`), marching from the left end: a proved piece doubles the next
    piece's width, a failed one halves it.  Stops at the right end, at a piece narrower than
    ``MIN_PROOF_WIDTH`` (relative: a structure change the samples missed, or a tie), or when
    the tests allowed are spent (a march can be resumed with more: :func:`path_intervals`
    spreads the budget over the intervals)."""

    def __init__(self, factory, budget: int, cache_of) -> None:
        self.factory, self.budget, self.tests = factory, budget, 0
        self.cache_of = cache_of  # problem -> its neuron matrices (Sampler.cache)
        self.proofs: list[Verification] = []  # one per proved piece, with its certificate

    def start(self, lo: PathPoint, hi: PathPoint) -> _Piece:
        """The march over ``[lo.lam, hi.lam]``, not started (done at once when the two samples
        differ in structure or are undecided)."""
        done = lo.structure != hi.structure or lo.state is None or lo.status == "numeric"
        return _Piece(lo, hi, lo.lam, hi.lam - lo.lam, done)

    def advance(self, piece: _Piece, limit: int) -> None:
        """March on until ``self.tests`` reaches ``limit`` (at most the budget) or ``done``."""
        lo, hi = piece.lo, piece.hi
        limit = min(limit, self.budget)
        while not piece.done and self.tests < limit:
            if piece.a >= hi.lam or piece.width < MIN_PROOF_WIDTH * hi.lam:
                piece.done = True
                break
            a, b = piece.a, min(piece.a + piece.width, hi.lam)
            self.tests += 1
            problem = self.factory((a + b) / 2)
            state = lo.state
            outcome = verify_interval(
                problem, state.neurons, state.residual, state.alpha, state.output_bias, a, b,
                self.cache_of(problem),
            )  # fmt: skip
            if outcome.status == "verified":
                self.proofs.append(outcome)
                piece.proofs.append(outcome)
                piece.a, piece.width = b, 2 * piece.width
            else:
                piece.width /= 2
        if piece.a >= hi.lam:
            piece.done = True

    def proved_length(self, lo: PathPoint, hi: PathPoint) -> Fraction:
        """The length of the proved part ``[lo.lam, a]`` of ``[lo.lam, hi.lam]`` (the whole
        remaining budget allowed)."""
        piece = self.start(lo, hi)
        self.advance(piece, self.budget)
        return piece.a - lo.lam


def path_intervals(grid, breakpoints, samples, top: LamMax, prover: IntervalProver):
    """The intervals of ``grid`` between the brackets of ``breakpoints``, each with its verdict
    (``samples``: every certified sample, sorted by λ; ``top``: λ_max).

    The budget of tests is spread over the intervals in rounds: in each round every unfinished
    interval may use an equal share of what is left (a share it does not use passes on to the
    next), until every interval is finished or the budget is spent."""
    _, lam_max_hi = top.bracket()
    edges = [grid[0]] + [v for b in breakpoints for v in (b.lam_lo, b.lam_hi)] + [grid[-1]]
    parts = []  # (lo, top_end, hi, its marches or None when undecided)
    for lo, hi in zip(edges[::2], edges[1::2], strict=True):
        if lo >= hi:  # adjacent brackets share an end: nothing between them
            continue
        if lo >= lam_max_hi:
            parts.append((lo, lo, hi, None))
            continue
        top_end = min(hi, lam_max_hi)
        inside = [p for p in samples if lo <= p.lam <= top_end]
        undecided = any(p.status == "numeric" for p in inside)
        marches = [prover.start(a, b) for a, b in zip(inside, inside[1:], strict=False)]
        parts.append((lo, top_end, hi, None if undecided else marches))
    while prover.tests < prover.budget:
        todo = [m for *_, marches in parts if marches for m in marches if not m.done]
        if not todo:
            break
        before = prover.tests
        open_parts = [ms for *_, ms in parts if ms and any(not m.done for m in ms)]
        for k, marches in enumerate(open_parts):
            share = -(-(prover.budget - prover.tests) // (len(open_parts) - k))
            limit = prover.tests + share
            for march in marches:
                prover.advance(march, limit)
        if prover.tests == before:
            break
    out = []
    for lo, top_end, hi, marches in parts:
        if lo < top_end and marches is None:
            out.append(Interval(lo, top_end, "undecided"))
        elif lo < top_end:
            proved = sum((m.a - m.lo.lam for m in marches), Fraction(0))
            length = top_end - lo
            fraction = float(proved / length) if length else 0.0
            # proved needs a certificate for every piece (the checker's R6): a piece verified
            # without one (the gated model has no verified_interval format) leaves it sampled
            certified = all(v.certificate for m in marches for v in m.proofs)
            verdict = "proved" if proved == length and certified else "sampled"
            proofs = tuple(v.certificate for m in marches for v in m.proofs if v.certificate)
            out.append(Interval(lo, top_end, verdict, fraction, proofs))
        if top_end < hi:
            out.append(Interval(top_end, hi, "zero", 1.0))
    return tuple(out)
