"""The planted instance (docs/theory.md §7): rational data, its planted exact optimum and the
neurons of its optimal set, and the minimal networks (vertices of the optimal polytope,
docs/theory.md §6) listed by brute force over supports, independently of cdd (the test oracle)."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

from exactrelu.exact.rationals import fmpq_matrix, fraction_of, independent_rows
from exactrelu.model.alpha_form import AlphaNeuron
from exactrelu.testing.planted.exact import Vector, dot, matrix_rank, neuron_fit, solve_square

BRUTE_FORCE_LIMIT = 200_000
"""Largest number of candidate supports examined when listing minimal networks by brute force."""


@dataclass(frozen=True)
class PlantedInstance:
    """Rational data with a known exact optimum and optimal set (docs/theory.md §7, "Planted
    instances").

    ``neurons`` lists every neuron of the optimal set (the blocks of E grouped by direction and
    sign, docs/theory.md §5) in α-form: direction ``v`` with ``‖v‖ = λ``, sign, and the planted
    weight α (0 for a neuron of E that the planted network does not use).  ``faces[i]`` are the rows
    with ``x̃_k·v_i = 0`` and ``cells[i]`` the number of cells whose closed cone contains ``v_i``
    (its blocks in E).  ``optimum = ½‖r‖² + λ²Σα`` (sum scale).  ``output_bias_value`` is the
    planted output bias (``None`` without one).
    """

    X: tuple[Vector, ...]
    y: Vector
    lam: Fraction
    bias: bool
    output_bias: bool
    neurons: tuple[AlphaNeuron, ...]
    residual: Vector
    faces: tuple[tuple[int, ...], ...]
    cells: tuple[int, ...]
    design: str
    seed: int
    output_bias_value: Fraction | None = None
    groups: tuple[tuple[int, ...], ...] = ()
    """Neuron indices of independent groups: the polytope is the product of the groups' ones."""

    @property
    def optimum(self) -> Fraction:
        """``½‖r‖² + λ²Σα`` (sum scale): the value of the planted optimum."""
        alpha = sum((nu.alpha for nu in self.neurons), Fraction(0))
        return sum((t * t for t in self.residual), Fraction(0)) / 2 + self.lam**2 * alpha

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def d(self) -> int:
        return len(self.X[0])

    @property
    def rows(self) -> list[list[Fraction]]:
        """The rows x̃_k (with a trailing 1 when there is a hidden bias)."""
        return [list(row) + ([Fraction(1)] if self.bias else []) for row in self.X]

    @property
    def fits(self) -> tuple[Vector, ...]:
        """``f_ν = s_ν (X̃ v_ν)_+`` for every neuron."""
        return tuple(neuron_fit(self.rows, nu.direction, nu.sign) for nu in self.neurons)

    @property
    def fit(self) -> Vector:
        """The optimal fit ``ŷ = y − r`` (the same for every optimal network)."""
        return tuple(a - b for a, b in zip(self.y, self.residual, strict=True))

    @property
    def planted_network(self) -> dict[int, Fraction]:
        """The planted point of the polytope: neuron index -> α (α > 0 only)."""
        return {i: nu.alpha for i, nu in enumerate(self.neurons) if nu.alpha > 0}

    def problem(self, **options):
        """The instance as an :class:`exactrelu.Problem` (options are passed on)."""
        from exactrelu.program.problem import Problem

        return Problem(
            [list(row) for row in self.X],
            list(self.y),
            self.lam,
            bias=self.bias,
            output_bias=self.output_bias,
            **options,
        )

    @cached_property
    def minimal_networks(self) -> tuple[dict[int, Fraction], ...] | None:
        """Every minimal network (vertex of the neuron-merged polytope, docs/theory.md §6) as
        neuron index -> β > 0, listed by brute force over supports (independent of cdd); the
        product over ``groups``.  ``None`` when there are too many supports to examine."""
        groups = self.groups or (tuple(range(len(self.neurons))),)
        if len(groups) > 1 and self.output_bias:
            groups = (tuple(range(len(self.neurons))),)
        fits = self.fits
        per_group = []
        for group in groups:
            vertices = _brute_force_vertices(
                [fits[i] for i in group], self.fit, self.output_bias, _group_target(self, group)
            )
            if vertices is None:
                return None
            per_group.append([{group[j]: b for j, b in v.items()} for v in vertices])
        out = []
        for combo in itertools.product(*per_group):
            merged: dict[int, Fraction] = {}
            for part in combo:
                merged.update(part)
            out.append(merged)
        return tuple(sorted(out, key=lambda v: (len(v), sorted(v.items()))))

    @property
    def count_minimal_networks(self) -> int | None:
        vertices = self.minimal_networks
        return None if vertices is None else len(vertices)

    @property
    def count_minimal_convex(self) -> int | None:
        """Vertices of the block-level polytope: each neuron's weight on one of its cells."""
        vertices = self.minimal_networks
        if vertices is None:
            return None
        return sum(math.prod(self.cells[i] for i in v) for v in vertices)

    @property
    def unique_network(self) -> bool | None:
        count = self.count_minimal_networks
        return None if count is None else count == 1

    @property
    def min_width(self) -> int | None:
        vertices = self.minimal_networks
        return None if vertices is None else min(len(v) for v in vertices)

    @property
    def same_size(self) -> bool | None:
        vertices = self.minimal_networks
        return None if vertices is None else len({len(v) for v in vertices}) == 1


def _group_target(instance: PlantedInstance, group: tuple[int, ...]) -> Vector | None:
    """The part of the fit a group of neurons must produce (None: the whole fit)."""
    if len(instance.groups) <= 1 or instance.output_bias:
        return None
    fits = instance.fits
    n = instance.n
    return tuple(
        sum((instance.neurons[i].alpha * fits[i][k] for i in group), Fraction(0)) for k in range(n)
    )


def _brute_force_vertices(fits, fit, output_bias, target=None):
    """All vertices of ``{β >= 0 : Σ β_ν f_ν (+ b·1) = target}``: the supports S with
    independent columns and a positive solution (basic feasible solutions, each vertex once)."""
    n = len(fit)
    target = list(fit if target is None else target)
    F = [[f[k] for f in fits] for k in range(n)]
    if output_bias:
        means = [sum((F[k][j] for k in range(n)), Fraction(0)) / n for j in range(len(fits))]
        F = [[F[k][j] - means[j] for j in range(len(fits))] for k in range(n)]
        mean_t = sum(target, Fraction(0)) / n
        target = [t - mean_t for t in target]
    if all(t == 0 for t in target):
        return [{}]
    p = len(fits)
    rank = matrix_rank(F) if p else 0
    if sum(math.comb(p, s) for s in range(1, rank + 1)) > BRUTE_FORCE_LIMIT:
        return None
    # reduce the equations to a basis of the row space (rank rows)
    M = fmpq_matrix([[*row, t] for row, t in zip(F, target, strict=True)])
    reduced, _ = M.rref()
    eqs = [
        [fraction_of(reduced[i, j]) for j in range(p + 1)]
        for i in range(reduced.nrows())
        if any(reduced[i, j] != 0 for j in range(p + 1))
    ]
    if any(all(e[j] == 0 for j in range(p)) for e in eqs):
        return []  # inconsistent
    out = []
    for size in range(1, len(eqs) + 1):
        for S in itertools.combinations(range(p), size):
            cols = [[e[j] for j in S] for e in eqs]
            if matrix_rank(cols) < size:
                continue
            # solve the size×size subsystem on independent equation rows, then check all
            chosen = independent_rows(cols)[:size]
            sol = solve_square([cols[i] for i in chosen], [[eqs[i][p]] for i in chosen])
            if sol is None:
                continue
            beta = [row[0] for row in sol]
            if any(b <= 0 for b in beta):
                continue
            if all(dot(col, beta) == e[p] for col, e in zip(cols, eqs, strict=True)):
                out.append(dict(zip(S, beta, strict=True)))
    return out
