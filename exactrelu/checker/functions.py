"""Check the functions the optimal networks compute on R^d (items O14-O15 of
``proofs/optimal_set.md``; the proof is ``proofs/functions.md``).

The checker's own canonical coordinates (recomputed from the file's neurons, their gates and the
vertices it derived itself): ReLU ``(t)_+ = ½t + ½|t|`` gives the affine part (d linear
coefficients, a constant) and one kink coefficient per hyperplane ``{x̃·u = 0}`` (u primitive
integer, first nonzero entry positive); gated, per hyperplane of the gates, ``J = w₊ − w₋`` and
``w₋`` projected onto ``u^⊥``, the affine part taking ``(w₋·u/u·u) u``.  Python ints, Fractions
and python-flint ``fmpq_mat`` only.
"""

from __future__ import annotations

import math
from fractions import Fraction

from exactrelu.checker.failure import CheckFailure
from exactrelu.checker.fields import field, matrix, rational_vector


def _primitive(v) -> tuple[int, ...]:
    den = math.lcm(*(Fraction(t).denominator for t in v))
    ints = [int(Fraction(t) * den) for t in v]
    g = math.gcd(*ints)
    ints = [t // g for t in ints]
    return tuple(-t for t in ints) if next(t for t in ints if t) < 0 else tuple(ints)


def coordinates(
    neurons, gates, fits, y_hat, d: int, bias: bool, output_bias: bool, gated: bool
) -> tuple[list[tuple[int, ...]], list[Fraction], list[list[Fraction]]]:
    """``(hyperplanes, offset, columns)``: ``G(β) = offset + Σ β_ν columns[ν]``.

    ``neurons[ν] = (s, v, ...)``; ``gates[ν]`` the gate of a gated neuron (None for ReLU)."""
    lines: dict[tuple[int, ...], int] = {}
    for (_, v, *_), g in zip(neurons, gates, strict=True):
        cut = v if not gated else g
        if any(cut[:d]):
            lines.setdefault(_primitive(cut), len(lines))
    D = d + 1
    width = 1 if not gated else 2 * (d + int(bias))
    size = D + width * len(lines)
    n = len(y_hat)
    columns = []
    for (s, v, *_), g, f in zip(neurons, gates, fits, strict=True):
        col = [Fraction(0)] * size

        def affine(w, scale, col=col):
            for j in range(d):
                col[j] += scale * w[j]
            if bias:
                col[d] += scale * w[d]

        if not gated:
            affine(v, Fraction(s, 2))
            if any(v[:d]):
                u = _primitive(v)
                k = next(i for i, t in enumerate(u) if t)
                col[D + lines[u]] += Fraction(s, 2) * abs(v[k] / u[k])
            else:
                col[d] += Fraction(s, 2) * abs(v[d])
        elif not any(g[:d]):  # a constant gate
            if not bias or g[d] >= 0:
                affine(v, Fraction(1))
        else:
            u = _primitive(g)
            start = D + width * lines[u]
            k = next(i for i, t in enumerate(u) if t)
            size_v = len(v)
            if g[k] * u[k] > 0:  # gated by x̃·u >= 0: w₊
                for j in range(size_v):
                    col[start + j] += v[j]
            else:  # gated by x̃·u <= 0: w₋
                c = sum((a * b for a, b in zip(v, u, strict=True)), Fraction(0)) / sum(
                    t * t for t in u
                )
                for j in range(size_v):
                    col[start + j] -= v[j]
                    col[start + size_v + j] += v[j] - c * u[j]
                affine([c * t for t in u], Fraction(1))
        if output_bias:
            col[d] -= sum(f, Fraction(0)) / n
        columns.append(col)
    offset = [Fraction(0)] * size
    if output_bias:
        offset[d] = sum(y_hat, Fraction(0)) / n
    return list(lines), offset, columns


def check_functions(cert: dict, program, neurons, gates, fits, y_hat, vertices) -> int:
    """O14-O15: ``unique_function``, ``functions.dimension`` and the extreme functions, from the
    checker's own G on the vertices it derived; returns the dimension."""
    d = len(program.rows[0]) - (1 if program.bias else 0)
    gated = program.model == "gated"
    lines, offset, columns = coordinates(
        neurons, gates, fits, y_hat, d, program.bias, program.output_bias, gated
    )
    values = []
    for beta in vertices:
        point = list(offset)
        for j, b in beta.items():
            point = [a + b * c for a, c in zip(point, columns[j], strict=True)]
        values.append(tuple(point))
    distinct = sorted(set(values))
    unique = len(distinct) == 1
    stated = cert.get("unique_function")
    if type(stated) is not bool or stated != unique:
        raise CheckFailure(f"unique_function is {stated!r}, the vertices give {unique}")
    section = field(cert, "functions", dict)
    if section.get("hyperplanes") != [list(u) for u in lines]:
        raise CheckFailure("functions.hyperplanes are not the neurons' hyperplanes")
    if section.get("coordinates") != _labels(d, len(lines), program.bias, gated):
        raise CheckFailure("functions.coordinates do not name the coordinates of G")
    base = distinct[0]
    diffs = [[a - b for a, b in zip(p, base, strict=True)] for p in distinct[1:]]
    dimension = matrix(diffs).rank() if diffs else 0
    if section.get("dimension") != dimension or type(section.get("dimension")) is not int:
        raise CheckFailure(f"functions.dimension is {section.get('dimension')!r}, not {dimension}")
    count = section.get("distinct_functions")
    if count != len(distinct) or type(count) is not int:
        raise CheckFailure(f"functions.distinct_functions is {count!r}, not {len(distinct)}")
    if section.get("extreme_functions") is None:  # not computed (many functions): no claim
        if section.get("separators") is not None or section.get("combinations") is not None:
            raise CheckFailure("separators and combinations need extreme_functions")
        return dimension
    _extremes(section, distinct)
    return dimension


def _labels(d: int, planes: int, bias: bool, gated: bool) -> list[str]:
    """The names of G's coordinates: the affine part, then per hyperplane its kink (relu) or
    its J and P parts (gated) — docs/formats.md, ``functions``."""
    labels = [f"x{j}" for j in range(d)] + ["1"]
    names = [f"x{j}" for j in range(d)] + (["1"] if bias else [])
    for i in range(planes):
        labels += (
            [f"|h{i}|"]
            if not gated
            else [f"J{i}.{t}" for t in names] + [f"P{i}.{t}" for t in names]
        )
    return labels


def _extremes(section: dict, distinct: list[tuple[Fraction, ...]]) -> None:
    """O15: each listed extreme function is G of a vertex, strictly separated from every other
    G(vertex) by its separator (so it is a vertex of the hull); every other G(vertex) is a
    convex combination of the listed ones (so no extreme point is missing)."""
    size = len(distinct[0])
    listed = field(section, "extreme_functions", list)
    extremes = [tuple(rational_vector(p, size, "extreme function")) for p in listed]
    if len(set(extremes)) != len(extremes) or not set(extremes) <= set(distinct):
        raise CheckFailure("extreme_functions must be distinct functions of vertices")
    separators = field(section, "separators", list)
    if len(separators) != len(extremes):
        raise CheckFailure("one separator per extreme function")
    for p, text in zip(extremes, separators, strict=True):
        c = rational_vector(text, size, "separator")
        top = sum((a * b for a, b in zip(c, p, strict=True)), Fraction(0))
        for q in distinct:
            if q != p and sum((a * b for a, b in zip(c, q, strict=True)), Fraction(0)) >= top:
                raise CheckFailure("a separator does not strictly separate its extreme function")
    combinations = field(section, "combinations", list)
    covered = set(extremes)
    for item in combinations:
        if not isinstance(item, dict):
            raise CheckFailure("combinations entries must be objects")
        q = tuple(rational_vector(item.get("function"), size, "combination function"))
        w = rational_vector(item.get("weights"), len(extremes), "combination weights")
        if any(t < 0 for t in w) or sum(w, Fraction(0)) != 1:
            raise CheckFailure("combination weights must be >= 0 with sum 1")
        point = tuple(
            sum((t * p[i] for t, p in zip(w, extremes, strict=True)), Fraction(0))
            for i in range(size)
        )
        if point != q:
            raise CheckFailure("a combination does not give its function")
        covered.add(q)
    if covered != set(distinct):
        raise CheckFailure("some function of a vertex is neither extreme nor combined")
