"""All activation patterns of the data, exactly, with a certificate of completeness (docs/theory.md
§2).

A pattern is the sign vector ``1[x_k·u >= 0]`` of a (full-dimensional, open) cell of the central
arrangement of the rows ``x_k`` (``[x_k, 1]`` with a bias).  Patterns of lower-dimensional faces are
not returned: every u lies in the closure of some cell C, and there ``(Xu)_+ = D_C X u`` because
rows with ``x_k·u = 0`` contribute zero either way (``proofs/patterns.md``).

The completeness certificate is the exact cell count: the cells listed are distinct, each has an
integer witness strictly inside, and their number equals the number of cells of the arrangement
(Cover's formula after an exact general-position check, deletion–restriction otherwise), which the
checker recomputes on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from exactrelu.arrangement.cells import EssentialCells, essential_cells, exact_ray, primitive
from exactrelu.arrangement.hyperplanes import (
    Arrangement,
    as_object_matrix,
    build_arrangement,
    cover_count,
)
from exactrelu.data.io import Dataset, as_dataset
from exactrelu.errors import ProblemTooLargeError
from exactrelu.exact.display import Summarized
from exactrelu.exact.progress import Progress, reporter
from exactrelu.exact.rationals import check_result_digits, rational_str
from exactrelu.exact.signs import fits_int64, max_bits, product_signs

DEFAULT_MAX_CELLS = 2_000_000
WITNESS_CHUNK = 1 << 14
FLOAT_WITNESS_BITS = 52  # the precision of the float ray sums: a larger scale adds nothing


@dataclass(frozen=True, repr=False)
class CellEnumeration(Summarized):
    """Every cell of the arrangement of the data rows, with witnesses, facets and a certificate.

    Attributes
    ----------
    patterns: bool array (count × n); ``patterns[i, k]`` is True iff ``x_k·u >= 0`` on cell i.
    witnesses: integer array (count × D), a point strictly inside each cell (D = d, or d + 1 with
        the bias weight last).
    facets: for each cell, the rows whose hyperplane contains a facet of the closed cell.
    arrangement: the merged hyperplane classes and the essential coordinates.
    general_position: every rank-many hyperplanes are independent (the count is Cover's formula).
    """

    n: int
    d: int
    bias: bool
    patterns: np.ndarray
    witnesses: np.ndarray
    facets: tuple[np.ndarray, ...]
    arrangement: Arrangement = field(repr=False)
    general_position: bool
    status: str = "exact"

    @property
    def count(self) -> int:
        return len(self.patterns)

    @property
    def claims(self) -> dict[str, str]:
        return {name: "exact" for name in ("count", "complete", "patterns", "witnesses", "facets")}

    @property
    def certificate(self) -> dict[str, object]:
        return {
            "kind": "cell_count",
            "hyperplanes": self.arrangement.m,
            "rank": self.arrangement.rank,
            "general_position": self.general_position,
            "count_method": "cover" if self.general_position else "deletion_restriction",
        }

    def pattern_strings(self) -> list[str]:
        """Patterns as strings of ``'0'``/``'1'`` (char k is ``'1'`` iff x_k·u >= 0)."""
        text = (self.patterns.view(np.uint8) + np.uint8(ord("0"))).tobytes().decode("ascii")
        return [text[i * self.n : (i + 1) * self.n] for i in range(self.count)]

    def _summary(self) -> list[tuple[str, object]]:
        items: list[tuple[str, object]] = [("count", self.count), ("n", self.n), ("d", self.d)]
        return items + [("bias", self.bias), ("general_position", self.general_position)]

    def to_json(self, dataset: Dataset, target: str | None = None) -> dict[str, object]:
        """The certificate file of kind ``patterns`` (format in ``proofs/patterns.md``)."""
        return {
            "kind": "patterns",
            "version": 1,
            "n": self.n,
            "d": self.d,
            "bias": self.bias,
            "data_sha256": dataset.sha256(),
            "input": {"target": target, "round": dataset.round_digits},
            "count": self.count,
            "patterns": self.pattern_strings(),
            "witnesses": [[rational_str(int(v)) for v in row] for row in self.witnesses],
            "facets": [cell.tolist() for cell in self.facets],
            "status": self.status,
            "claims": self.claims,
            "certificate": self.certificate,
        }


def predicted_cell_count(arrangement: Arrangement) -> int:
    """An upper bound on the number of cells, exact in general position (Cover's formula)."""
    return cover_count(arrangement.m, arrangement.rank)


def enumerate_patterns(
    X: object,
    bias: bool = False,
    *,
    max_cells: int = DEFAULT_MAX_CELLS,
    progress: Progress | bool | None = None,
) -> CellEnumeration:
    """Enumerate every activation pattern of the data with a completeness certificate.

    Parameters
    ----------
    X : array-like (n × d) of numbers (floats are converted exactly), or a :class:`Dataset`.
    bias : use the rows ``[x_k, 1]`` (a hidden-layer bias).
    max_cells : refuse, before any long work, data whose predicted cell count (Cover's bound)
        exceeds this.
    progress : a callback (exactrelu.exact.progress), True for a bar on stderr; default quiet.

    Returns
    -------
    CellEnumeration

    Raises
    ------
    ExactReluInputError : bad data; ProblemTooLargeError when the predicted count exceeds
        ``max_cells``.

    References
    ----------
    docs/theory.md §2; T. Zaslavsky (1975) for the counts; T. Cover (1965) for general position.
    """
    dataset = X if isinstance(X, Dataset) else as_dataset(X)
    arrangement = build_arrangement(dataset.X, bias)
    predicted = predicted_cell_count(arrangement)
    if predicted > max_cells:
        raise ProblemTooLargeError(
            f"predicted up to {predicted} cells ({arrangement.m} hyperplanes of rank "
            f"{arrangement.rank}) exceeds the limit of {max_cells}; raise it with --max-cells "
            f"(max_cells= in Python)"
        )
    if isinstance(progress, bool):
        progress = reporter(progress)
    E = as_object_matrix(arrangement.essential_rows(), arrangement.rank)
    cells = essential_cells(E, progress=progress)
    if cells.general_position and len(cells.patterns) != predicted:
        raise AssertionError("general position but the cell count differs from Cover's formula")
    witnesses = _lift(_witnesses(E, cells), arrangement)
    return CellEnumeration(
        n=dataset.n,
        d=dataset.d,
        bias=bias,
        patterns=_expand_patterns(cells.patterns, arrangement),
        witnesses=witnesses,
        facets=_expand_facets(cells, arrangement),
        arrangement=arrangement,
        general_position=cells.general_position,
    )


def _witnesses(E: np.ndarray, cells: EssentialCells) -> np.ndarray:
    """Integer witnesses in essential coordinates: rounded ray sums, verified exactly.

    First at the scale 2^K whose exact check of ``E @ u`` fits in int64 (fast, short witnesses);
    cells that fail (thin cells, e.g. with a bias beside large data) are retried at the scale
    2^52 of the float ray sums' own precision, checked by the float filter of ``product_signs``;
    a cell that still fails, or whose float ray sum is not finite, gets the exact sum of its
    integer extreme rays.
    """
    N, r = cells.ray_sums.shape
    if r == 0:
        return np.zeros((N, 0), dtype=np.int64)
    K = max(20, min(40, 61 - max_bits(E) - r.bit_length()))
    finite = np.isfinite(cells.ray_sums).all(axis=1)
    U = _rounded(np.where(finite[:, None], cells.ray_sums, 0.0), K)  # 0 fails the check
    failed = _failed(U, E, cells.patterns)
    retry = failed[finite[failed]]
    if len(retry):
        U[retry] = _rounded(cells.ray_sums[retry], FLOAT_WITNESS_BITS)
        failed = np.union1d(
            retry[_failed(U[retry], E, cells.patterns[retry])], failed[~finite[failed]]
        )
    if len(failed) == 0:
        return U
    return _exact_witnesses(E, cells, U, failed)


def _rounded(ray_sums: np.ndarray, scale_bits: int) -> np.ndarray:
    """Each row scaled so that its largest entry is ``±2^scale_bits``, rounded to integers."""
    scale = np.abs(ray_sums).max(axis=1, keepdims=True)
    scale[scale == 0] = 1.0
    return np.rint(ray_sums * (2.0**scale_bits / scale)).astype(np.int64)


def _failed(U: np.ndarray, E: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """Indices of the rows of ``U`` that are not strictly inside their cell (exact check)."""
    failed = []
    for start in range(0, len(U), WITNESS_CHUNK):
        stop = min(start + WITNESS_CHUNK, len(U))
        signs = product_signs(U[start:stop], E)
        bad = np.any((signs > 0) != positive[start:stop], axis=1) | np.any(signs == 0, axis=1)
        failed.extend(start + np.nonzero(bad)[0])
    return np.array(failed, dtype=np.int64)


def _exact_witnesses(E: np.ndarray, cells: EssentialCells, U: np.ndarray, failed) -> np.ndarray:
    """Replace failed witnesses by the exact sum of the cell's integer extreme rays.

    The exact ray of each line is computed once, however many cells it bounds; the new witnesses
    are checked exactly, all at once.
    """
    cell_of, lines, ray_signs = cells.incidence
    order = np.argsort(cell_of, kind="stable")
    bounds = np.searchsorted(cell_of[order], np.arange(len(cells.patterns) + 1))
    rays: dict[int, list[int]] = {}
    exact = U.astype(object)
    for cell in failed:
        total = [0] * E.shape[1]
        for i in order[bounds[cell] : bounds[cell + 1]]:
            line = int(lines[i])
            if line not in rays:
                rays[line] = exact_ray(E, cells.lines[line], 1)
            total = [a + int(ray_signs[i]) * b for a, b in zip(total, rays[line], strict=True)]
        exact[cell] = primitive(total)
    for cell in failed:  # refused before any check or output (docs/formats.md, "Data")
        for v in exact[cell]:
            check_result_digits(v)
    wrong = _failed(exact[failed], E, cells.patterns[failed])
    if len(wrong):
        cell = failed[wrong[0]]
        raise AssertionError(f"the sum of the extreme rays of cell {cell} is not inside it")
    if fits_int64(max_bits(exact), 0, 1):
        return exact.astype(np.int64)
    return exact


def _lift(W: np.ndarray, arrangement: Arrangement) -> np.ndarray:
    """Pad essential-coordinate witnesses with zeros to the ambient dimension."""
    out = np.zeros((len(W), arrangement.dim), dtype=W.dtype)
    if W.dtype == object:
        out[:] = 0
    out[:, list(arrangement.coords)] = W
    return out


def _expand_patterns(class_patterns: np.ndarray, arrangement: Arrangement) -> np.ndarray:
    """From signs of hyperplane classes to ``1[x_k·u >= 0]`` for every row (zero rows: 1)."""
    class_of = np.array(arrangement.class_of, dtype=np.int64)
    flip = np.array(arrangement.orientation) < 0
    if np.array_equal(class_of, np.arange(len(class_of))) and not flip.any():
        return class_patterns  # no zero, parallel or negatively oriented rows
    N, m = class_patterns.shape
    with_ones = np.ones((N, m + 1), dtype=bool)  # column m: the pattern of a zero row
    with_ones[:, :m] = class_patterns
    out = np.take(with_ones, np.where(class_of >= 0, class_of, m), axis=1)
    out ^= flip
    return out


def _expand_facets(cells: EssentialCells, arrangement: Arrangement) -> tuple[np.ndarray, ...]:
    """Facet classes of each cell, expanded to all rows of each class, ascending."""
    members = arrangement.class_members()
    cell, plane = cells.facets[:, 0], cells.facets[:, 1]
    if any(len(rows) != 1 for rows in members):
        sizes = np.array([len(rows) for rows in members], dtype=np.int64)
        flat = np.array([row for rows in members for row in rows], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        cell = np.repeat(cell, sizes[plane])
        offsets = np.arange(len(cell)) - np.repeat(
            np.cumsum(sizes[plane]) - sizes[plane], sizes[plane]
        )
        rows = flat[np.repeat(starts[plane], sizes[plane]) + offsets]
        order = np.lexsort((rows, cell))
        cell, plane = cell[order], rows[order]
    else:
        plane = np.array([rows[0] for rows in members], dtype=np.int64)[plane]
        order = np.lexsort((plane, cell))
        cell, plane = cell[order], plane[order]
    bounds = np.searchsorted(cell, np.arange(1, len(cells.patterns)))
    return tuple(np.split(plane, bounds))
