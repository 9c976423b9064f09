"""The strict checks of a proposed structure on the Krawczyk box: α > 0, primal feasibility and
the face multipliers (SCS) of every neuron (docs/theory.md §7 "Verified", §8 SCS;
proofs/verified.md).

Every quantity is enclosed in ball arithmetic and every comparison decided, otherwise the check
adds what failed to the verifier's ``failures`` (the outcome is then *undecided*):

* ``α_ν > 0``;
* primal feasibility: ``v_ν = P_ν Z_νᵀ r`` satisfies ``x̃_k·v_ν > 0`` on the active rows and
  ``< 0`` on the inactive rows off the face (``x̃_k·v_ν = 0`` on the face holds by construction);
* SCS (docs/theory.md §8): with ``c = Z_νᵀ r`` and the face's hyperplanes H (parallel rows
  merged, representative row x_h, the other rows ``x_k = c_k x_h``), ``(I − P_ν)c = Σ_H γ_H x_h``
  and both multipliers of every hyperplane are > 0: ``γ_H + s Σ_{k∈H, c_k<0} c_k r_k`` (the cells
  on the side ``x_h·u < 0``) and ``−γ_H − s Σ_{k∈H, c_k>0} c_k r_k`` (the side ``x_h·u > 0``);
  for a single row this is ``0 < γ_k < −s r_k``.  This needs the representatives linearly
  independent (LICQ).  When they are not (e.g. collinear points with a hidden bias: three or
  more planes through one ray), γ is not unique; then each tied cell b gets its own basis S of
  face rows (``a_k = σ_k x̃_k``, as many as the face's rank, proposed by the exact projection at
  the float midpoint, docs/theory.md §4) and
  ``μ_S = (A_S A_Sᵀ)⁻¹ A_S (−(I − P_ν) c_b) > 0`` is proved, ``c_b = s X̃ᵀ D_b r``; no such
  basis found means undecided.  Either way ``Π_{K_b}(c_b) = v_ν`` for every tied block b
  (Moreau: ``c_b − v_ν = −A_Sᵀ μ_S`` lies in the polar cone and is orthogonal to v_ν).  A face
  side with no block in the program (possible for sampled patterns) is not checked.

On a tube (λ an interval, :mod:`exactrelu.optimum.verified_interval`) the same checks hold for
every λ of the interval: the linear functions of r are evaluated by ``ReducedSystem.linear``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from flint import arb, arb_mat

from exactrelu.exact.cones import project_onto_cone
from exactrelu.exact.rationals import fmpq_matrix, fraction_of
from exactrelu.optimum.reduced_system import ReducedSystem, short_list

if TYPE_CHECKING:
    from exactrelu.optimum.verified import NeuronData


class StructureChecks(ReducedSystem):
    """The strict checks on the neurons of a proposed structure (:class:`ReducedSystem` with the
    box or tube in ``r`` and ``alpha``)."""

    def check_neurons(self, r: arb_mat, alpha: list[arb]) -> list[list[arb]]:
        """α_ν > 0 and primal feasibility: ``x̃_k·v_ν`` has the neuron's sign off its face."""
        V = self.linear(self.ZP.transpose(), r)  # pD × 1
        directions = [[V[i * self.D + j, 0] for j in range(self.D)] for i in range(self.p)]
        for i, a in enumerate(alpha):
            if not a > 0:
                self.failures.append(f"neuron {i}: alpha > 0 not proved ({a.str(5)})")
        for i, data in enumerate(self.data):
            if len(data.cells) == 0:
                self.failures.append(f"neuron {i}: no block of the program is tied to it")
        if self.gated:
            return directions  # gated blocks are unconstrained: no cone to be feasible for
        # n × p: x̃_k·v_ν = (X̃ (Z_ν P_ν)ᵀ r)_k, one linear map per neuron
        columns = [self.linear(data.XV, r) for data in self.data]
        values = [[columns[i][k, 0] for i in range(self.p)] for k in range(self.n)]
        for i, data in enumerate(self.data):
            face = set(data.face)
            wrong = []
            for k in range(self.n):
                if k in face:
                    continue
                ok = values[k][i] > 0 if data.neuron.active[k] else values[k][i] < 0
                if not ok:
                    wrong.append(k)
            if wrong:
                self.failures.append(
                    f"neuron {i}: x̃_k·v not proved to have the neuron's sign off its face on rows "
                    f"{short_list(wrong)}"
                )
        return directions

    def check_faces(self, r: arb_mat) -> list[list]:
        """SCS (docs/theory.md §8): the cone multipliers of every cell adjacent to a neuron are > 0.

        With independent face hyperplanes (LICQ) both multipliers of every hyperplane, which
        covers every adjacent cell (a side with no block in the program, possible for sampled
        patterns, is skipped); otherwise, per tied cell, a basis of its face rows with
        multipliers > 0 (:meth:`degenerate_face`)."""
        out = []
        for i, data in enumerate(self.data):
            if not data.hyperplanes or self.gated:
                out.append([])
                continue
            if not data.licq:
                out.append(self.degenerate_face(i, data, r))
                continue
            values = self.linear(arb_mat(data.multiplier_rows), r)
            pairs = [(values[2 * t, 0], values[2 * t + 1, 0]) for t in range(len(data.hyperplanes))]
            for plane, (neg, pos) in zip(data.hyperplanes, pairs, strict=True):
                # a side without a tied block in the program (sampled patterns) needs no check
                sides = self.blocks.patterns[data.cells, plane.representative]
                if not ((neg > 0 or sides.all()) and (pos > 0 or not sides.any())):
                    self.failures.append(
                        f"neuron {i}: face multipliers of row {plane.representative} not proved "
                        f"> 0 ({neg.str(5)}, {pos.str(5)})"
                    )
            out.append(pairs)
        return out

    def degenerate_face(self, i: int, data: NeuronData, r: arb_mat) -> list:
        """Dependent face rows (LICQ fails): γ is not unique, so for each tied cell b find a
        basis S of its face rows ``a_k = σ_k x̃_k`` (rank of the face many, from the exact
        projection at the float midpoint, ``exact.cones.project_onto_cone``) with
        ``Σ_{k∈S} μ_k a_k = −(I − P) c_b`` and prove ``μ_S = G_S⁻¹ A_S (−(I − P) c_b) > 0``
        (``c_b = s X̃ᵀ D_b r``): then ``Π_{K_b}(c_b) = v_ν`` and v_ν is interior to the face
        multipliers' cone.  A support smaller than the rank is undecided."""
        n, D = self.n, self.D
        face = [k for k in data.face if any(self.rows[k])]
        rank = data.complement.rank()
        sign = data.neuron.sign
        r_mid = fmpq_matrix([[Fraction(v)] for v in self.r_float])
        out = []
        for cell in data.cells:
            pattern = self.blocks.patterns[cell]
            sigma = {k: 1 if pattern[k] else -1 for k in face}
            plain = fmpq_matrix(
                [[sign * self.rows[k][j] if pattern[k] else 0 for k in range(n)] for j in range(D)]
            )
            target = -(data.complement * plain)  # D × n: −(I − P) c_b = target · r
            # the basis: the support of μ >= 0 with Σ μ_k a_k = t at the midpoint r̃ (decreasing
            # μ), from the exact projection of −t onto {u : a_k·u >= 0, k in the face}
            # (docs/theory.md §4: Π = −t + Σ μ_k a_k, and Π = 0 when t is in their cone)
            t_mid = target * r_mid
            found = project_onto_cone(
                [[sigma[k] * v for v in self.rows[k]] for k in face],
                [-fraction_of(t_mid[j, 0]) for j in range(D)],
            )
            mu = found.multipliers
            support = [face[t] for t in sorted(mu, key=lambda t: -mu[t])[:rank]]
            A_S = fmpq_matrix([[sigma[k] * v for v in self.rows[k]] for k in support])
            if len(support) < rank or A_S.rank() < rank:
                self.failures.append(
                    f"neuron {i}, cell {cell}: dependent face rows (LICQ fails) and no basis of "
                    "positive face multipliers found: undecided"
                )
                continue
            values = self.linear(arb_mat((A_S * A_S.transpose()).solve(A_S * target)), r)
            mus = [values[t, 0] for t in range(rank)]
            if not all(m > 0 for m in mus):
                self.failures.append(
                    f"neuron {i}, cell {cell}: face multipliers on rows {support} not proved > 0 "
                    "(dependent face rows): undecided"
                )
            out.append((int(cell), tuple(support), mus))
        return out
