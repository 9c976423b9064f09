"""Stationary points of the training objective, decided exactly (docs/theory.md §9, §4).

A network is a (Clarke) stationary point of NC with weight decay iff, with ``r = y − f`` its
residual (``proofs/stationary.md``, Lemma 2):

* ``∂NC/∂w2_j = λ w2_j − (X̃ W1_j)_+ᵀ r = 0`` for every neuron j;
* ``λ W1_j = w2_j X̃ᵀ diag(σ) r`` for some σ in the convex hull of the patterns of the cells whose
  closure contains ``W1_j`` (the neuron's *adjacent* cells: rows with ``x̃_k·W1_j = 0``, the
  neuron's face, take the sign vector of any cell of their own arrangement; the other rows keep
  their sign at ``W1_j``);
* ``1ᵀ r = 0`` when the problem has an output bias.

Each condition is exact rational arithmetic; the second is an exact LP over the adjacent cells
(enumerated exactly with :func:`enumerate_patterns` on the face rows).  A stationary network is
balanced and its objective equals the dual value ``D(r)`` (Lemma 3), so it is an optimum of the
sub-sampled convex program over its own cells exactly when ``r`` is dual feasible for those
cells; with a neuron on a face this is the stronger condition (a Clarke point can be a saddle
where the neuron would move into an adjacent cell, Lemma 4).  Finally the dual constraints of all
cells at ``r`` are decided by exact projections: the violated ones (cell, sign, ``‖v‖²`` vs
``λ²``) are listed, each giving an improving neuron with an exact decrease rate, and the
improving network is exhibited with its exact objective.

Networks are rational (:class:`Network`) or in α-form (a sequence of :class:`AlphaNeuron`,
irrational balanced weights, docs/theory.md §3): the conditions are homogeneous in each neuron's
scale, so both reduce to rational checks on ``(v, s, ρ)`` with ``W1 = a v``, ``w2 = s a ρ``
(``a > 0``): ``a = 1, v = W1, ρ = |w2|`` for a rational network, ``a = √(α/λ), ρ = λ`` for
α-form.

Modules: :mod:`.decide` (the entry point :func:`stationary`, the program over the network's own
cells, an improving network), :mod:`.clarke` (one neuron's Clarke conditions, Lemma 2),
:mod:`.pricing` (the dual constraints of all cells at the residual, Lemma 5), :mod:`.result` (the
result types and their JSON), :mod:`.planted` (data with a known stationary neuron, for tests).
"""

from exactrelu.tasks.stationary.decide import SCALE_DIGITS, stationary
from exactrelu.tasks.stationary.planted import planted_stationary
from exactrelu.tasks.stationary.result import NeuronStationarity, Stationarity, ViolatedConstraint

__all__ = [
    "SCALE_DIGITS",
    "NeuronStationarity",
    "Stationarity",
    "ViolatedConstraint",
    "planted_stationary",
    "stationary",
]
