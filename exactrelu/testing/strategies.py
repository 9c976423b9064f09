"""Hypothesis strategies for two-layer ReLU problems (public API; docs/theory.md §2–§9).

exactrelu is also a testing tool: these strategies generate the objects its theorems are about,
so that a claim about ReLU networks can be checked on thousands of cases, exactly.  Every number
they produce is an exact rational; sizes are small (n <= 8, d <= 3 by default) so that one
example costs milliseconds to a fraction of a second.

Data (exact rows, lists of ``Fraction``)
    :func:`rationals` (and :func:`literal`: a rational as a user writes it),
    :func:`data_matrices` (kinds ``"generic"``, ``"degenerate"``: zero, duplicate, parallel and
    dependent rows, rows on one hyperplane, low rank; ``"grid"``: small integer grids),
    :func:`degenerate_rows` (the operations one by one), :func:`targets`,
    :func:`generic_integer_rows` (large random integers: general position with overwhelming
    probability), :func:`planar_grid_points`.
Data as a user writes it
    :func:`small_data`: ``(X, exact)`` pairs where ``X`` mixes ints, numpy ints, ``Fraction``,
    ``"p/q"`` and decimal strings and floats, all denoting ``exact`` (:func:`represented`,
    :func:`exact_representations`, :func:`float_rows`).
λ
    :func:`lams` (positive rationals), :func:`lams_for` (also just below, at and above the exact
    λ_max of the data, docs/theory.md §8, where the optimal network becomes zero).
Problems and networks
    :func:`problems` (an :class:`exactrelu.Problem`, with or without a hidden bias, output bias,
    scale, model), :func:`networks` (any width, exact rational weights; some neurons balanced
    with rational norms), :func:`rational_unit_vectors`, :func:`problems_with_networks`,
    :func:`training_cases` (a problem, a width and a seed for
    :func:`exactrelu.model.training.train`).
Known optimal sets
    :func:`planted_instances` (:func:`exactrelu.testing.planted`: unique optima, neurons on faces,
    non-unique optimal sets with minimal networks of different sizes), :func:`optimal_set_problems`.
Sub-sampled programs (docs/theory.md §9)
    :func:`pattern_subsets` (a subset of the exactly enumerated cells, as given patterns),
    :func:`subsampled_problems`, :func:`split_weights` (splitting a neuron, docs/theory.md §5).

Shrinking gives small readable counterexamples: integers shrink toward 0, denominators toward 1,
sizes toward the minimum, choices toward the first option (generic data, λ drawn freely, no
bias), and objects are built by public calls that print as code that runs, e.g.
``Problem([[1, 0], [0, 1]], [2, -5], '1/2')``, ``network_from_json({'W1': [[1, '1/2']], 'w2':
[2]}, d=2, bias=False)``, ``planted(n=4, d=2, seed=0)`` or
``PlantedInstance.problem(planted(n=4, d=2, seed=0))``: paste a failing case after ::

    from fractions import Fraction
    from exactrelu import PlantedInstance, Problem, network_from_json, planted

Example::

    from hypothesis import given
    from exactrelu import strategies

    @given(strategies.problems_with_networks())
    def test_weak_duality(case):
        problem, network = case
        assert problem.objective(network) >= problem.solve().objective_lower

The properties of docs/theory.md that exactrelu checks itself with these strategies are in
:mod:`exactrelu.testing.properties`; ``exactrelu selftest`` runs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from functools import cache

import numpy as np
from hypothesis import reject
from hypothesis import strategies as st

from exactrelu.model.network import Network
from exactrelu.model.network_io import network_from_json
from exactrelu.program.problem import Problem
from exactrelu.tasks.lam_max import lam_max
from exactrelu.testing.planted import PlantedInstance, planted

Rows = list[list[Fraction]]
Literal = int | str

MAX_N = 8
MAX_D = 3


# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------


@cache
def rationals(
    max_numerator: int = 3, denominators: Sequence[int] = (1, 2, 3, 4)
) -> st.SearchStrategy[Fraction]:
    """``p/q`` with ``|p| <= max_numerator`` and q from ``denominators`` (shrinks to 0, q to the
    first denominator)."""
    return st.builds(
        Fraction, st.integers(-max_numerator, max_numerator), st.sampled_from(denominators)
    )


def literal(value: Fraction) -> Literal:
    """An exact rational as a user writes it: an int, or the string ``"p/q"``."""
    return value.numerator if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _literal_rows(rows: Rows) -> list[list[Literal]]:
    return [[literal(v) for v in row] for row in rows]


# ---------------------------------------------------------------------------------------------
# Data matrices (exact rows)
# ---------------------------------------------------------------------------------------------

SMALL = rationals()
"""Entries of data rows: rationals in [−3, 3] with denominators up to 4."""
POSITIVE_FACTORS = [Fraction(2), Fraction(3), Fraction(1, 2)]
NEGATIVE_FACTORS = [Fraction(-1), Fraction(-2), Fraction(-1, 3)]
OPERATIONS = (
    "random",
    "zero",
    "grid",
    "on_plane",
    "duplicate",
    "positive",
    "negative",
    "combination",
)
FIRST_ROW_OPERATIONS = OPERATIONS[:4]
"""Operations that need no earlier row."""
KINDS = {"generic": ("random",), "degenerate": OPERATIONS, "grid": ("grid",)}
"""Data kinds of :func:`data_matrices` and the row operations each uses."""


@cache  # one strategy object per arguments: Hypothesis validates each new one
@st.composite
def degenerate_rows(
    draw: st.DrawFn,
    max_n: int = 7,
    max_d: int = 4,
    min_d: int = 1,
    min_n: int = 1,
    operations: Sequence[str] = OPERATIONS,
) -> Rows:
    """Small exact matrices built to be degenerate: each row is drawn by one operation.

    ``random`` small rationals; ``zero``; ``grid`` (entries in {0, 1, 2}: small integer grids);
    ``on_plane`` (coordinate j fixed to c for all such rows: many points on one hyperplane, or
    rank deficiency without bias); ``duplicate``, ``positive`` and ``negative`` multiples of an
    earlier row; ``combination`` of two earlier rows (dependent rows, lines shared by several
    hyperplanes, lineality when rank < d).  ``operations`` restricts the operations used (the
    first row uses one of them that needs no earlier row).
    """
    d = draw(st.integers(min_d, max_d))
    n = draw(st.integers(min_n, max_n))
    plane = (draw(st.integers(0, d - 1)), draw(SMALL))
    first = [op for op in operations if op in FIRST_ROW_OPERATIONS]
    rows: Rows = []
    for _ in range(n):
        op = draw(st.sampled_from(operations if rows else first))
        # The "random" row, drawn for every operation so that none takes fewer choices:
        # Hypothesis shrinks toward fewer choices first, then toward smaller ones.
        row = [draw(SMALL) for _ in range(d)]
        earlier = st.integers(0, len(rows) - 1) if rows else st.nothing()
        if op == "zero":
            row = [Fraction(0)] * d
        elif op == "grid":
            row = [Fraction(draw(st.integers(0, 2))) for _ in range(d)]
        elif op == "on_plane":
            row[plane[0]] = plane[1]
        elif op == "duplicate":
            row = list(rows[draw(earlier)])
        elif op in ("positive", "negative"):
            factors = POSITIVE_FACTORS if op == "positive" else NEGATIVE_FACTORS
            factor = draw(st.sampled_from(factors))
            row = [factor * v for v in rows[draw(earlier)]]
        elif op == "combination":
            a, b = draw(st.integers(-2, 2)), draw(st.integers(-2, 2))
            first_row, second_row = rows[draw(earlier)], rows[draw(earlier)]
            row = [a * u + b * v for u, v in zip(first_row, second_row, strict=True)]
        rows.append(row)
    return rows


@cache  # one strategy object per arguments: Hypothesis validates each new one
@st.composite
def data_matrices(
    draw: st.DrawFn,
    min_n: int = 1,
    max_n: int = MAX_N,
    min_d: int = 1,
    max_d: int = MAX_D,
    kinds: Sequence[str] = tuple(KINDS),
) -> Rows:
    """Exact data matrices (n × d lists of Fractions) of the given kinds (see :data:`KINDS`):
    ``"generic"`` small random rationals, ``"degenerate"`` (every operation of
    :func:`degenerate_rows`), ``"grid"`` integer grids {0, 1, 2}^d (repeated points, many points
    on common hyperplanes)."""
    kind = draw(st.sampled_from(list(kinds)))
    return draw(degenerate_rows(max_n, max_d, min_d, min_n, KINDS[kind]))


@cache
def targets(n: int) -> st.SearchStrategy[list[Fraction]]:
    """A target vector y of n small rationals."""
    return st.lists(rationals(), min_size=n, max_size=n)


@st.composite
def generic_integer_rows(
    draw: st.DrawFn, d: int, max_n: int = 10, bits: int = 20
) -> list[list[int]]:
    """Random integers of up to ``bits`` bits: generic with overwhelming probability (confirm it
    with an exact rank check where it matters).

    Hypothesis draws the size and a seed; the entries come from numpy's generator, so they are
    uniformly random (Hypothesis on its own favours small and repeated values).
    """
    n = draw(st.integers(1, max_n))
    rng = np.random.default_rng(draw(st.integers(0, 2**64 - 1)))
    bound = 2**bits
    return [[int(rng.integers(-bound, bound)) for _ in range(d)] for _ in range(n)]


@st.composite
def planar_grid_points(draw: st.DrawFn, max_n: int = 14, size: int = 4) -> list[list[int]]:
    """Points of a small integer grid in the plane (many collinear triples, repeated points)."""
    n = draw(st.integers(1, max_n))
    coordinate = st.integers(0, size - 1)
    return [[draw(coordinate), draw(coordinate)] for _ in range(n)]


# ---------------------------------------------------------------------------------------------
# Data as a user writes it
# ---------------------------------------------------------------------------------------------


def decimal_text(value: Fraction) -> str | None:
    """The terminating decimal text of ``value`` (e.g. ``"-0.25"``), or None if it has none."""
    for k in range(12):
        scaled = value * 10**k
        if scaled.denominator == 1:
            digits = str(abs(scaled.numerator)).rjust(k + 1, "0")
            sign = "-" if scaled < 0 else ""
            return sign + (digits[:-k] + "." + digits[-k:] if k else digits)
    return None


def exact_representations(value: Fraction) -> list[object]:
    """Ways of writing ``value`` that ``exactrelu.as_dataset`` must read as exactly ``value``."""
    options: list[object] = [value, f"{value.numerator}/{value.denominator}"]
    if value.denominator == 1:
        options += [int(value), np.int64(int(value))]
    if Fraction(float(value)) == value:
        options.append(float(value))
    text = decimal_text(value)
    if text is not None:
        options.append(text)
    return options


@st.composite
def represented(draw: st.DrawFn, rows: Rows) -> tuple[list[list[object]], Rows]:
    """Write each entry of the exact ``rows`` in a drawn exact representation: ``(X, rows)``."""
    X = [[draw(st.sampled_from(exact_representations(v))) for v in row] for row in rows]
    return X, rows


FLOATS = st.just(0.0) | st.builds(
    lambda negative, magnitude: -magnitude if negative else magnitude,
    st.booleans(),
    st.floats(min_value=1e-6, max_value=1e3),
)


@st.composite
def float_rows(draw: st.DrawFn, max_n: int = 7, max_d: int = 4) -> tuple[list[list[float]], Rows]:
    """Arbitrary floats (0.1 included: not a binary fraction), with their exact values.

    Magnitudes in [1e-6, 1e3] or zero: data mixing 1e300 with 1e-300 in one row overflows the
    float pre-filters of the enumeration."""
    d = draw(st.integers(1, max_d))
    n = draw(st.integers(1, max_n))
    X = [[draw(FLOATS) for _ in range(d)] for _ in range(n)]
    return X, [[Fraction(v) for v in row] for row in X]


def small_data(max_n: int = 7, max_d: int = 4) -> st.SearchStrategy:
    """``(X, exact)`` pairs: degenerate structures in mixed representations, or raw floats."""
    return degenerate_rows(max_n=max_n, max_d=max_d).flatmap(represented) | float_rows(
        max_n=max_n, max_d=max_d
    )


# ---------------------------------------------------------------------------------------------
# λ
# ---------------------------------------------------------------------------------------------

LAM_REGIONS = ("free", "below", "at", "above")
"""Where :func:`lams_for` puts λ: drawn freely, or just below, at, or above λ_max."""
NEAR = (Fraction(1, 2), Fraction(1, 10), Fraction(1, 1000))
LAM_MAX_BITS = 20
"""λ_max is bracketed by dyadic rationals with this many fractional bits (readable λ's)."""


@cache
def lams() -> st.SearchStrategy[Fraction]:
    """Positive rationals from 1/10 to 12 (shrinks to 1)."""
    return st.builds(Fraction, st.integers(1, 12), st.sampled_from((1, 2, 4, 10)))


@st.composite
def lams_for(draw: st.DrawFn, problem: Problem, regions: Sequence[str] = LAM_REGIONS) -> Fraction:
    """λ for the data of ``problem`` (in its scale): free (:func:`lams`), or relative to the
    exact λ_max (docs/theory.md §8; ``exactrelu.tasks.path.lam_max``): ``"below"`` ``lo·(1 − ε)``
    and ``"above"`` ``hi·(1 + ε)`` with ε in {1/2, 1/10, 1/1000} or 0, ``"at"`` λ_max itself when it
    is rational (else its dyadic upper bracket), where ``lo <= λ_max <= hi`` are dyadic with
    :data:`LAM_MAX_BITS` bits.  λ_max = 0 (y correlates with no block) falls back to free."""
    free = draw(lams())  # drawn first in every region, so that shrinking prefers "free"
    region = draw(st.sampled_from(list(regions)))
    if region == "free" or problem.model != "relu":
        return free
    bound = lam_max(problem)
    lo, hi = bound.bracket(LAM_MAX_BITS)
    if hi == 0:
        return free
    if region == "at":
        value = bound.value
        return value if value is not None else hi
    epsilon = draw(st.sampled_from((Fraction(0), *NEAR)))
    if region == "below" and lo > 0:
        return lo * (1 - epsilon)
    return hi * (1 + epsilon)


# ---------------------------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------------------------

BOOLEANS, NO, SUM, RELU = st.booleans(), st.just(False), st.just("sum"), st.just("relu")
DEFAULT_OPTIONS = {"bias": False, "output_bias": False, "scale": "sum", "model": "relu"}


def _build_problem(
    draw: st.DrawFn, X: list[list[Literal]], y: list[Literal], lam: Fraction, **options
) -> Problem:
    """The Problem, drawn through ``st.builds`` so that a counterexample prints as the call
    (options equal to their defaults are left out)."""
    shown = {k: st.just(v) for k, v in options.items() if DEFAULT_OPTIONS.get(k, None) != v}
    return draw(st.builds(Problem, st.just(X), st.just(y), st.just(literal(lam)), **shown))


@st.composite
def problems(
    draw: st.DrawFn,
    max_n: int = MAX_N,
    max_d: int = MAX_D,
    kinds: Sequence[str] = tuple(KINDS),
    bias: st.SearchStrategy[bool] = BOOLEANS,
    output_bias: st.SearchStrategy[bool] = NO,
    scale: st.SearchStrategy[str] = SUM,
    model: st.SearchStrategy[str] = RELU,
    lam_regions: Sequence[str] = LAM_REGIONS,
) -> Problem:
    """An :class:`exactrelu.Problem` over all patterns: data of the given ``kinds``
    (:func:`data_matrices`, n <= ``max_n``, d <= ``max_d``), a target (:func:`targets`), λ from
    :func:`lams_for`, and the options drawn from the given strategies (default: with or without
    a hidden bias; no output bias; sum scale; ReLU model).  The hidden bias adds a column, so
    with it d is at most ``max_d − 1`` when ``max_d`` is 3 or more (at most 4 weights per
    neuron)."""
    options = {
        "bias": draw(bias),
        "output_bias": draw(output_bias),
        "scale": draw(scale),
        "model": draw(model),
    }
    top = max_d - 1 if options["bias"] and max_d >= 3 else max_d
    rows = draw(data_matrices(1, max_n, 1, top, kinds))
    X, y = _literal_rows(rows), [literal(v) for v in draw(targets(len(rows)))]
    placeholder = Problem(X, y, 1, **options)
    lam = draw(lams_for(placeholder, lam_regions))
    return _build_problem(draw, X, y, lam, **options)


# ---------------------------------------------------------------------------------------------
# Networks
# ---------------------------------------------------------------------------------------------


@cache  # one strategy object per arguments: Hypothesis validates each new one
@st.composite
def rational_unit_vectors(draw: st.DrawFn, dimension: int) -> list[Fraction]:
    """Exact rational points of the unit sphere in R^dimension (inverse stereographic
    projection of a rational point p of R^(dimension−1): ``(2p, ±(|p|² − 1)) / (|p|² + 1)``;
    shrinks to ``(0, …, 0, −1)``)."""
    p = [draw(rationals()) for _ in range(dimension - 1)]
    s = sum((t * t for t in p), Fraction(0))
    sign = draw(st.sampled_from((1, -1)))
    return [2 * t / (s + 1) for t in p] + [sign * (s - 1) / (s + 1)]


@cache  # one strategy object per arguments: Hypothesis validates each new one
@st.composite
def _neuron(draw: st.DrawFn, size: int) -> tuple[list[Fraction], Fraction]:
    """One neuron ``(W1_j, w2_j)``: arbitrary small rationals, or balanced with rational norm
    (``W1_j = a·e`` with e a rational unit vector, ``w2_j = ±a``: ‖W1_j‖ = |w2_j|)."""
    if not draw(st.booleans()):
        return [draw(rationals()) for _ in range(size)], draw(rationals())
    a = draw(rationals(3, (1, 2)))
    direction = draw(rational_unit_vectors(size))
    return [abs(a) * v for v in direction], a


@st.composite
def networks(
    draw: st.DrawFn,
    d: int,
    bias: bool = False,
    min_width: int = 0,
    max_width: int = 4,
    output_bias: bool = False,
) -> Network:
    """An exact :class:`exactrelu.Network` for inputs of dimension d (``d + 1`` weights per
    neuron with a hidden bias): width from ``min_width`` to ``max_width``, each neuron either
    arbitrary small rationals or balanced with a rational norm (the case where the convex
    reformulation's square roots are rational, docs/theory.md §3); an output bias when asked."""
    width = draw(st.integers(min_width, max_width))
    neurons = [draw(_neuron(d + bias)) for _ in range(width)]
    obj: dict[str, object] = {
        "W1": [[literal(v) for v in W1] for W1, _ in neurons],
        "w2": [literal(w2) for _, w2 in neurons],
    }
    if output_bias:
        obj["output_bias"] = literal(draw(rationals()))
    return draw(st.builds(network_from_json, st.just(obj), d=st.just(d), bias=st.just(bias)))


@st.composite
def problems_with_networks(draw: st.DrawFn, max_width: int = 4, **problem_options) -> tuple:
    """``(problem, network)``: a problem from :func:`problems` (``problem_options`` passed on)
    and a network that fits it (same d and hidden bias; an output bias when the problem has
    one, or not)."""
    problem = draw(problems(**problem_options))
    output_bias = problem.output_bias and draw(st.booleans())
    network = draw(
        networks(problem.dataset.d, problem.bias, max_width=max_width, output_bias=output_bias)
    )
    return problem, network


@st.composite
def training_cases(draw: st.DrawFn, max_width: int = 4, **problem_options) -> tuple:
    """``(problem, width, seed)`` for :func:`exactrelu.model.training.train` from a random start."""
    problem = draw(problems(**problem_options))
    return problem, draw(st.integers(1, max_width)), draw(st.integers(0, 2**16))


# ---------------------------------------------------------------------------------------------
# Planted instances (known optimal sets) and problems with interesting optimal sets
# ---------------------------------------------------------------------------------------------

PLANTED_DESIGNS = ("generic", "dependent", "grid")
PLANTED_TRIES = 40
"""Random restarts of one planted construction before the draw is rejected."""


def _planted_or_reject(**options) -> PlantedInstance:
    """``exactrelu.planted(**options)``; a draw whose construction gives up is rejected."""
    try:
        return planted(max_tries=PLANTED_TRIES, **options)
    except RuntimeError:
        reject()


_planted_or_reject.__name__ = _planted_or_reject.__qualname__ = "planted"  # how draws print


def _planted_problem(instance: PlantedInstance) -> Problem:
    """``instance.problem()``, printed by Hypothesis as the runnable call
    ``PlantedInstance.problem(planted(...))``."""
    return instance.problem()


_planted_problem.__name__ = _planted_problem.__qualname__ = "PlantedInstance.problem"


@st.composite
def planted_instances(
    draw: st.DrawFn,
    max_n: int = MAX_N,
    designs: Sequence[str] = PLANTED_DESIGNS,
    output_bias: st.SearchStrategy[bool] = BOOLEANS,
) -> PlantedInstance:
    """A planted instance (:func:`exactrelu.testing.planted`, docs/theory.md §7) whose exact optimum
    and optimal set are known by construction.

    ``"generic"``: d in {1, 2, 3} (d = 1 with a hidden bias), 1 or 2 neurons, at most one moved
    onto a face (tied blocks), unique optimal network.  ``"dependent"``: decoupled design with
    dependent fits (several minimal networks of different sizes), d in {2, 3}.  ``"grid"``:
    doubled coordinates for each sign (up to 3 in all: 2 to 8 neurons, a multi-marginal
    polytope).  Prints as the ``planted(...)`` call (``from exactrelu import planted``; the
    restarts are capped at :data:`PLANTED_TRIES` here, and a construction that succeeds within
    them gives the same instance with the default cap); ``.problem()`` gives the Problem.  Sizes are
    kept where the construction succeeds within :data:`PLANTED_TRIES` restarts (measured); a
    draw where it gives up anyway is rejected.
    """
    design = draw(st.sampled_from(list(designs)))
    options = {"output_bias": draw(output_bias), "seed": draw(st.integers(0, 2**16))}
    if design == "grid":
        plus = draw(st.integers(1, 3))
        options["grid"] = (plus, draw(st.integers(0, 3 - plus)))
    elif design == "dependent":
        options.update(d=draw(st.integers(2, 3)), dependent=True)
    else:
        d = draw(st.integers(1, 3))
        bias = d == 1 or draw(st.booleans())
        neurons = draw(st.integers(1, 2))
        # two neurons, a hidden bias and an output bias leave few degrees of freedom
        crowded = neurons == 2 and bias and options["output_bias"]
        faces = 0 if crowded and d == 1 else draw(st.integers(0, 1))
        min_n = 2 + 2 * faces + neurons - 1 + 2 * crowded
        n = draw(st.integers(min_n, max(min_n, max_n)))
        options.update(n=n, d=d, neurons=neurons, bias=bias, faces=faces)
    return draw(st.builds(_planted_or_reject, **{k: st.just(v) for k, v in options.items()}))


def optimal_set_problems(**problem_options) -> st.SearchStrategy[Problem]:
    """Problems whose optimal sets are worth testing: planted instances (known optimal sets,
    often non-unique) or problems from :func:`problems` (often an irrational optimum, then a
    verified optimal set)."""
    planted_problems = st.builds(_planted_problem, planted_instances())
    return st.one_of(planted_problems, problems(**problem_options))


# ---------------------------------------------------------------------------------------------
# Sub-sampled programs and splittings
# ---------------------------------------------------------------------------------------------


def pattern_subsets(problem: Problem, min_size: int = 1) -> st.SearchStrategy[list[str]]:
    """A subset of the exactly enumerated cells of ``problem`` (patterns as 0/1 strings, sorted),
    to pass as ``Problem(..., patterns=subset)``: a sub-sampled program (docs/theory.md §9) whose
    cone constraints use every row."""
    patterns = problem.blocks.cells.pattern_strings()
    indices = st.lists(
        st.integers(0, len(patterns) - 1), min_size=min(min_size, len(patterns)), unique=True
    )
    return indices.map(lambda chosen: sorted(patterns[i] for i in chosen))


@st.composite
def subsampled_problems(draw: st.DrawFn, **problem_options) -> Problem:
    """A problem over a subset of its cells (:func:`pattern_subsets`); the full program is the
    same data and options with ``patterns="all"``."""
    full = draw(problems(**problem_options))
    subset = draw(pattern_subsets(full))
    options = {
        "bias": full.bias,
        "output_bias": full.output_bias,
        "scale": full.scale,
        "model": full.model,
    }
    X = _literal_rows([list(row) for row in full.dataset.X])
    y = [literal(v) for v in full.dataset.y]
    return _build_problem(draw, X, y, full.lam, patterns=subset, **options)


@st.composite
def split_weights(draw: st.DrawFn, max_parts: int = 3) -> list[Fraction]:
    """Nonnegative rationals ``c_1, …, c_k`` (k >= 2) with ``Σ c_i² = 1``: splitting a neuron
    ``(W1, w2)`` into the neurons ``(c_i W1, c_i w2)`` keeps its output and its weight decay
    exactly (docs/theory.md §5)."""
    parts = draw(st.integers(2, max_parts))
    return [abs(c) for c in draw(rational_unit_vectors(parts))]
