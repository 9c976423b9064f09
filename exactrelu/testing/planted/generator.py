"""The public generator of planted instances (docs/theory.md §7): checks the options and draws an
instance of the generic or the decoupled design."""

from __future__ import annotations

from exactrelu.testing.planted.decoupled import decoupled
from exactrelu.testing.planted.generic import generic
from exactrelu.testing.planted.instance import PlantedInstance


def planted(
    n: int | None = None,
    d: int = 2,
    neurons: int = 2,
    *,
    bias: bool = False,
    output_bias: bool = False,
    seed: int = 0,
    dependent: bool = False,
    grid: tuple[int, int] | int | None = None,
    faces: int = 0,
    rotate: bool = True,
    max_tries: int = 200,
) -> PlantedInstance:
    """A random planted instance with a known exact optimal set (docs/theory.md §7).

    Parameters
    ----------
    n, d : rows and input dimension (generic design; default n = 4 d + 2 neurons).
    neurons : number of neurons of the optimal set (generic design).
    bias : hidden-layer bias (generic design only: the decoupled design needs rows on the axes).
    output_bias : an unregularized output bias (the planted residual has ``1ᵀr = 0``).
    seed : the instance is a deterministic function of all the arguments.
    dependent : decoupled design with dependent fits: ``d >= 2`` coordinates of random kinds, at
        least two of them doubled, so several minimal networks of different sizes (e.g. the
        supports ``{0, 3}`` and ``{1, 2, 3}`` for two doubled coordinates).  ``n`` defaults to
        one row per used side of an axis; more rows are parallel copies.
    grid : ``(k_plus, k_minus)`` (or k for ``(k, 0)``): decoupled design with that many doubled
        coordinates for each sign (d is ignored): ``2^k_plus + 2^k_minus`` neurons and the
        product of two multi-marginal polytopes (``grid=(3, 3)``: 168 minimal networks,
        ``grid=(4, 3)``: about 4,000).
    faces : (generic) how many neurons are moved onto the hyperplane of one row (tied neurons:
        2 blocks each, docs/theory.md §5), beside any face the natural solution has.
    rotate : (decoupled) rotate the axes by a random rational orthogonal matrix.
    max_tries : random restarts before giving up (RuntimeError).

    Fast (well under a second for n <= 30, d <= 3).  The exact checks of the package docstring
    (:mod:`exactrelu.testing.planted`) are done before returning; a candidate that fails them is
    discarded and redrawn.
    """
    if dependent or grid is not None:
        if bias:
            raise ValueError(
                "the decoupled design needs rows on the coordinate axes: no hidden bias "
                "(use the generic design for bias=True)"
            )
        if grid is not None:
            kp, km = (grid, 0) if isinstance(grid, int) else grid
            if kp < 0 or km < 0 or kp + km < 1:
                raise ValueError(f"grid must have at least one doubled coordinate, got {grid!r}")
            spec = ["++"] * kp + ["--"] * km
        else:
            if d < 2:
                raise ValueError("dependent=True needs d >= 2")
            spec = None
        return decoupled(n, d, spec, output_bias, seed, rotate, max_tries)
    if neurons < 1:
        raise ValueError(f"neurons must be >= 1, got {neurons}")
    if not 0 <= faces <= neurons:
        raise ValueError(f"faces must be between 0 and neurons, got {faces}")
    if n is None:
        n = 4 * d + 2 * neurons
    if n < 2 or d < 1:
        raise ValueError(f"need n >= 2 and d >= 1, got n={n}, d={d}")
    if d == 1 and not bias:
        raise ValueError("d = 1 without a bias has parallel rows only: use bias=True")
    return generic(n, d, neurons, bias, output_bias, faces, seed, max_tries)
