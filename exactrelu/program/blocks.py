"""The blocks of the convex reformulation (docs/theory.md §3): cells with their cones, and signs.

ReLU model: block ``b = (C, s)`` for each cell C and sign s = ±1, ``Z_b = s D_C X̃`` and the cone
``K_C = {u : (2 D_C − I) X̃ u >= 0}``, described by the cell's facet rows (the other rows are
redundant).  Gated model: one unconstrained block per pattern, ``Z_b = D_b X̃``.

Pattern sets: ``"all"`` (every cell, certified complete by :func:`enumerate_patterns`), a given
list of patterns, or ``("sample", N, seed)``: the distinct patterns ``1[X̃ g >= 0]`` of N Gaussian
gates as in the authors' code.  A program over a sampled or given set is a different program: its
certificates hold for that program only (docs/theory.md §9).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from exactrelu.arrangement.patterns import CellEnumeration, enumerate_patterns
from exactrelu.errors import ExactReluInputError
from exactrelu.exact.cones import ConeProjection, project_onto_cone
from exactrelu.exact.progress import Progress
from exactrelu.exact.signs import to_float


@dataclass(frozen=True)
class BlockSet:
    """Patterns (N × n bool), for each pattern the rows describing its cone, and the signs.

    ``cone_rows[i]`` lists the rows k whose inequalities ``(2p_k − 1) x̃_k·u >= 0`` define the
    closed cone of pattern i: the facets of a cell, or every row for a sampled or given pattern.
    ``gates[i]`` is a point of the cone (the cell's witness or the sampled gate).
    """

    patterns: np.ndarray
    cone_rows: tuple[np.ndarray, ...]
    gates: np.ndarray
    signs: tuple[int, ...]
    source: object
    cells: CellEnumeration | None = None

    @property
    def complete(self) -> bool:
        """The patterns are all the cells of the arrangement (certified by ``cells``)."""
        return self.cells is not None

    @property
    def size(self) -> int:
        return len(self.patterns) * len(self.signs)

    def describe(self) -> object:
        """The JSON ``patterns`` field: ``"all"``, ``"given"`` or the sampling parameters."""
        return self.source

    def cone(self, i: int, rows: list[list[Fraction]]) -> list[list[Fraction]]:
        """The exact rows ``a_k = (2p_k − 1) x̃_k``, k in ``cone_rows[i]`` (in that order), of the
        cone ``K_i = {u : a_k·u >= 0}`` of pattern i (``rows``: the exact rows x̃_k)."""
        pattern = self.patterns[i]
        return [
            [v if pattern[k] else -v for v in rows[k]] for k in (int(k) for k in self.cone_rows[i])
        ]

    def project(self, i: int, rows: list[list[Fraction]], c: list[Fraction]) -> ConeProjection:
        """The exact projection of c onto the cone of pattern i with its multipliers (keyed by
        position in ``cone_rows[i]``; docs/theory.md §4); gated blocks are unconstrained (Π = c).
        """
        return project_onto_cone(self.cone(i, rows) if len(self.signs) == 2 else [], c)


def build_blocks(
    dataset,
    rows_float: np.ndarray,
    bias: bool,
    model: str,
    patterns: object,
    max_cells: int,
    progress: Progress | None = None,
) -> BlockSet:
    """Build the block set of the convex program for the pattern option of :class:`Problem`."""
    signs = (1, -1) if model == "relu" else (1,)
    n = rows_float.shape[0]
    if isinstance(patterns, str) and patterns == "all":
        cells = enumerate_patterns(dataset, bias=bias, max_cells=max_cells, progress=progress)
        gates = to_float(cells.witnesses)
        return BlockSet(cells.patterns, cells.facets, gates, signs, "all", cells)
    if isinstance(patterns, tuple) and len(patterns) == 3 and patterns[0] == "sample":
        _, count, seed = patterns
        if not isinstance(count, int) or count < 1:
            raise ExactReluInputError(f"the number of sampled gates must be >= 1, got {count!r}")
        rng = np.random.default_rng(seed)
        gates = rng.standard_normal((count, rows_float.shape[1]))
        sampled = rows_float @ gates.T >= 0
        unique, first = np.unique(sampled.T, axis=0, return_index=True)
        every_row = tuple(np.arange(n) for _ in range(len(unique)))
        source = {"sample": count, "seed": seed}
        return BlockSet(unique, every_row, gates[first], signs, source)
    given = np.asarray([_pattern_bits(p, n) for p in patterns], dtype=bool)  # type: ignore[union-attr]
    if len(given) == 0:
        raise ExactReluInputError("the pattern set is empty")
    given = np.unique(given, axis=0)
    every_row = tuple(np.arange(n) for _ in range(len(given)))
    return BlockSet(given, every_row, np.zeros((len(given), rows_float.shape[1])), signs, "given")


def _pattern_bits(pattern: object, n: int) -> list[bool]:
    bits = [c == "1" for c in pattern] if isinstance(pattern, str) else [bool(v) for v in pattern]  # type: ignore[union-attr]
    if len(bits) != n:
        raise ExactReluInputError(f"a pattern has {len(bits)} entries, the data has {n} rows")
    return bits
