"""The theorems exactrelu relies on, as properties checked on concrete inputs (docs/theory.md
§3–§9).

Each property is a plain function of concrete inputs (a :class:`~exactrelu.Problem`, a network,
…) that raises ``AssertionError`` with a message naming the statement that failed and the exact
numbers involved.  It returns ``None`` when everything it states was checked, or a short note
when part of the statement did not apply to the input (e.g. the optimum is irrational, or the
trainer stopped at a kink): the callers record these notes as Hypothesis events, so that a run
reports how often each part was really exercised.  Every decision is exact: objectives, fits,
bounds and ranks are rationals (or exact sums of square roots), and an irrational optimum is
handled through its α-form or its rigorous enclosure (docs/theory.md §7).

:data:`PROPERTIES` pairs every property with the strategy of its inputs
(:mod:`exactrelu.testing.strategies`) and its share of the examples;
``tests/testing/test_theory.py`` runs them under pytest and ``exactrelu selftest`` runs them on
the user's machine.

Modules, by section of docs/theory.md: :mod:`.duality` (weak duality, training, λ_max: §4, §8,
§9), :mod:`.optimal_set` (the optimal set: §5–§7), :mod:`.maps` (the maps between the programs,
pruning, splitting: §3, §5, §6), :mod:`.certificates` (the checker accepts every certificate);
:mod:`.suite` holds :class:`Property` and the registry; :mod:`.common` the shared helpers.
"""

from exactrelu.testing.properties.certificates import certificates, subsampled_program
from exactrelu.testing.properties.common import Note
from exactrelu.testing.properties.duality import (
    TRAIN_GAP,
    TRAIN_GRADIENT,
    TRAIN_KINK,
    TRAIN_NEGLIGIBLE,
    TRAIN_STEPS,
    training,
    weak_duality,
    zero_above_lam_max,
)
from exactrelu.testing.properties.maps import convex_round_trip, pruning, pruning_optimal, splitting
from exactrelu.testing.properties.optimal_set import (
    penalty_identity,
    planted_optimum,
    same_fit,
    uniqueness,
    vertices_minimal,
)
from exactrelu.testing.properties.suite import PROPERTIES, Property, all_properties

__all__ = [
    "PROPERTIES",
    "TRAIN_GAP",
    "TRAIN_GRADIENT",
    "TRAIN_KINK",
    "TRAIN_NEGLIGIBLE",
    "TRAIN_STEPS",
    "Note",
    "Property",
    "all_properties",
    "certificates",
    "convex_round_trip",
    "penalty_identity",
    "planted_optimum",
    "pruning",
    "pruning_optimal",
    "same_fit",
    "splitting",
    "subsampled_program",
    "training",
    "uniqueness",
    "vertices_minimal",
    "weak_duality",
    "zero_above_lam_max",
]
