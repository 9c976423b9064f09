"""The suite of properties (docs/theory.md §3–§9): :class:`Property` pairs a property with the
strategy of its inputs (:mod:`exactrelu.testing.strategies`) and its share of the examples;
:func:`all_properties` yields every one of them, grouped by section, and :data:`PROPERTIES` is
that registry by name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from hypothesis import event
from hypothesis import strategies as st

from exactrelu.testing import strategies
from exactrelu.testing.properties.certificates import certificates, subsampled_program
from exactrelu.testing.properties.common import Note
from exactrelu.testing.properties.duality import training, weak_duality, zero_above_lam_max
from exactrelu.testing.properties.maps import convex_round_trip, pruning, pruning_optimal, splitting
from exactrelu.testing.properties.optimal_set import (
    penalty_identity,
    planted_optimum,
    same_fit,
    uniqueness,
    vertices_minimal,
)


@dataclass(frozen=True)
class Property:
    """A property with the strategy of its argument tuples and its share of the examples
    (1 = the profile's ``max_examples``; slow properties get less)."""

    name: str
    check: Callable[..., Note]
    cases: Callable[[], st.SearchStrategy[tuple]]
    share: float = 1.0

    def run(self, case: tuple) -> None:
        """Check one case inside a Hypothesis test, recording the note (if any) as an event."""
        note = self.check(*case)
        if note is not None:
            event(note)

    def examples(self, max_examples: int) -> int:
        """Examples of this property when a profile allows ``max_examples`` per test."""
        return max(1, round(self.share * max_examples))

    @property
    def statement(self) -> str:
        return (self.check.__doc__ or "").split(":", 1)[0].strip()


def all_properties() -> Iterator[Property]:
    """Every property with its strategy, grouped by the section of docs/theory.md it states, in
    the order ``exactrelu selftest`` runs them (the registry of :data:`PROPERTIES`)."""
    # Duality and training (docs/theory.md §4, §9)
    yield Property(
        "weak_duality",
        weak_duality,
        lambda: strategies.problems_with_networks(
            output_bias=st.booleans(), scale=st.sampled_from(["sum", "mean"])
        ),
    )
    yield Property(
        "training",
        training,
        lambda: strategies.training_cases(
            output_bias=st.booleans(), scale=st.sampled_from(["sum", "mean"])
        ),
        0.5,
    )
    yield Property(
        "zero_above_lam_max",
        zero_above_lam_max,
        lambda: st.tuples(
            strategies.problems(
                output_bias=st.booleans(),
                scale=st.sampled_from(["sum", "mean"]),
                lam_regions=("below", "at", "above"),
            )
        ),
    )
    # The optimal set (docs/theory.md §5–§7)
    yield Property(
        "penalty_identity",
        penalty_identity,
        lambda: st.tuples(strategies.optimal_set_problems(output_bias=st.booleans())),
    )
    yield Property("same_fit", same_fit, lambda: st.tuples(strategies.optimal_set_problems()))
    yield Property(
        "vertices_minimal",
        vertices_minimal,
        lambda: st.tuples(strategies.optimal_set_problems(output_bias=st.booleans())),
    )
    yield Property("uniqueness", uniqueness, lambda: st.tuples(strategies.optimal_set_problems()))
    yield Property(
        "planted_optimum", planted_optimum, lambda: st.tuples(strategies.planted_instances())
    )
    # Maps between the programs, pruning, splitting (docs/theory.md §3, §5, §6)
    yield Property(
        "convex_round_trip",
        convex_round_trip,
        lambda: strategies.problems_with_networks(output_bias=st.booleans()),
    )
    yield Property(
        "pruning",
        pruning,
        lambda: strategies.problems_with_networks(max_width=6, output_bias=st.booleans()),
    )
    yield Property(
        "pruning_optimal",
        pruning_optimal,
        lambda: st.tuples(strategies.optimal_set_problems(output_bias=st.booleans())),
    )
    yield Property(
        "splitting",
        splitting,
        lambda: st.tuples(
            strategies.optimal_set_problems(lam_regions=("free", "below")),
            strategies.split_weights(),
        ),
    )
    # Certificates (docs/formats.md)
    yield Property(
        "certificates",
        certificates,
        lambda: strategies.problems_with_networks(
            output_bias=st.booleans(), scale=st.sampled_from(["sum", "mean"])
        ),
        0.5,
    )
    yield Property(
        "certificates_gated",
        certificates,
        lambda: strategies.problems_with_networks(
            max_width=0, model=st.just("gated"), lam_regions=("free",)
        ),
        0.5,
    )
    yield Property(
        "subsampled_program",
        subsampled_program,
        lambda: st.tuples(strategies.subsampled_problems(output_bias=st.booleans())),
    )


PROPERTIES: dict[str, Property] = {p.name: p for p in all_properties()}
"""Every property, by name, in the order ``exactrelu selftest`` runs them."""
