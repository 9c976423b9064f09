"""Planted instances: rational data whose exact optimal set is known by construction (docs/theory.md
§7).

docs/theory.md §7 ("Planted instances"): for a generic rational residual only one neuron reaches the
maximal correlation, so build the neurons first.  A planted instance fixes the exact dual optimum
r, the neurons of the equicorrelation set E (rational directions ``v_ν`` with ``‖v_ν‖ = λ``
exactly, signs, faces) and weights ``α >= 0``, and sets ``y = r + Σ_ν α_ν s_ν (X̃ v_ν)_+``.  The
construction is accepted only after an **exact** proof that r is dual feasible with exactly these
neurons at the maximal correlation (docs/theory.md §4, §5):

* every block ``b = (C, s)`` not tied to a planted neuron has an exact upper bound
  ``‖Π_{K_b}(Z_bᵀ r)‖ <= ‖Z_bᵀ r + A_bᵀ μ‖ < λ`` with ``μ >= 0`` (so ``b ∉ E``);
* every block whose closed cone contains a planted ``v_ν`` (sign ``s_ν``) has
  ``Π_{K_b}(Z_bᵀr) = v_ν`` exactly, proved by the KKT conditions of the projection
  (multipliers ``μ >= 0`` on the rows of the neuron's face; ties on shared faces, docs/theory.md
  §5).

Then ``P(α) = ½‖r‖² + λ²Σα = D(r)`` (a zero gap; with an output bias also ``1ᵀr = 0``), so the
planted α-form network is optimal, E is exactly the planted blocks, and the optimal set is the
polytope ``{β >= 0 : Σ_ν β_ν f_ν (+ b·1) = ŷ}`` (docs/theory.md §5–§6).

Two designs (:func:`planted` chooses): :mod:`.generic` (random data, neurons proposed by a float
optimum and snapped to exact ones: a unique optimal network) and :mod:`.decoupled` (rows on the
coordinate axes: neurons in closed form, dependent fits, multi-marginal transportation polytopes
with many minimal networks of different sizes).  The exact proof above is
:func:`certify_planted` (:mod:`.certificate`); the instance type, with its minimal networks listed
by brute force, is :class:`PlantedInstance` (:mod:`.instance`); :mod:`.exact` holds the exact
helpers (rational directions of norm λ, dyadic snapping).
"""

from exactrelu.testing.planted.certificate import certify_planted
from exactrelu.testing.planted.generator import planted
from exactrelu.testing.planted.instance import PlantedInstance

__all__ = ["PlantedInstance", "certify_planted", "planted"]
