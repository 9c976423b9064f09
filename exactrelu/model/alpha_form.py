"""The α-form: exact optimal networks with irrational weights (docs/theory.md §3, §5).

An α-form neuron is a rational direction ``v`` with ``‖v‖ = λ``, a sign s and a rational α >= 0.
It stands for the balanced neuron ``W1 = √(α/λ)·v``, ``w2 = s·√(αλ)`` (convex weights ``u = α v``),
whose output ``α s (X̃ v)_+`` and penalty ``λ²α`` are rational although its weights need not be.
So the exact objective of an α-form network is rational (:func:`alpha_form_objective`); its
nearest rational network (:func:`alpha_form_network`, square roots rounded to rationals) has the
same fit and an objective larger by the exact :func:`alpha_form_excess`.  JSON: each neuron as
rational strings with its scales ``W1_scale = √(α/λ)`` and ``w2_abs = √(αλ)`` as ``"sqrt(p/q)"``
(docs/formats.md, "Numbers").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from exactrelu.errors import ExactReluInputError
from exactrelu.exact.products import squared_error
from exactrelu.exact.rationals import rational_str, to_fraction
from exactrelu.exact.surds import DEFAULT_SCALE_DIGITS, exact_sqrt, rational_root, sqrt_str
from exactrelu.model.convex import ConvexBlock
from exactrelu.model.network import (
    Network,
    Row,
    fit,
    fit_rows,
    lam_value,
    network_rows,
    objective,
    target_values,
)
from exactrelu.model.network_io import network_to_json, parse_vector


@dataclass(frozen=True)
class AlphaNeuron:
    """A neuron in α-form: rational direction ``v`` with ``‖v‖ = λ``, sign s, rational α >= 0.

    It means ``u = α v`` (so ``‖u‖ = λα``), ``W1 = √(α/λ) v``, ``w2 = s √(αλ)``: a balanced
    neuron with output ``α s (X̃ v)_+`` and penalty ``(λ/2)(‖W1‖² + w2²) = λ²α``.
    """

    direction: Row
    sign: int
    alpha: Fraction


def check_alpha_form(neurons: Sequence[AlphaNeuron], lam: object) -> Fraction:
    """Validate (‖v‖² = λ² exactly, s = ±1, α >= 0, equal lengths); return λ as a Fraction."""
    lam = lam_value(lam, positive=True)
    for i, neuron in enumerate(neurons):
        norm2 = sum((v * v for v in neuron.direction), Fraction(0))
        if norm2 != lam * lam:
            raise ExactReluInputError(
                f"alpha-form neuron {i}: ‖direction‖² = {rational_str(norm2)}, "
                f"must equal λ² = {rational_str(lam * lam)}"
            )
        if neuron.sign not in (1, -1):
            raise ExactReluInputError(f"alpha-form neuron {i}: sign must be 1 or -1")
        if neuron.alpha < 0:
            raise ExactReluInputError(f"alpha-form neuron {i}: alpha must be >= 0")
        if len(neuron.direction) != len(neurons[0].direction):
            raise ExactReluInputError(f"alpha-form neuron {i}: direction length differs")
    return lam


def _alpha_linear_network(
    neurons: Sequence[AlphaNeuron], bias: bool, output_bias: Fraction | None
) -> Network:
    """A rational network with the α-form's fit: ``W1 = v``, ``w2 = α s`` (not its penalty)."""
    return Network(
        tuple(nu.direction for nu in neurons),
        tuple(nu.alpha * nu.sign for nu in neurons),
        bias,
        output_bias,
    )


def alpha_form_fit(
    neurons: Sequence[AlphaNeuron],
    X: object,
    *,
    bias: bool = False,
    output_bias: Fraction | None = None,
) -> tuple[Fraction, ...]:
    """``Σ_ν α_ν s_ν (X̃ v_ν)_+ (+ output bias)`` exactly."""
    return fit(_alpha_linear_network(neurons, bias, output_bias), X)


def alpha_form_objective(
    neurons: Sequence[AlphaNeuron],
    X: object,
    y: object,
    lam: object,
    *,
    bias: bool = False,
    output_bias: Fraction | None = None,
) -> Fraction:
    """The exact objective ``½‖Σ α_ν s_ν (X̃ v_ν)_+ − y‖² + λ² Σ α_ν`` of the α-form network
    (= its convex objective P(u) and its NC objective with the irrational weights; rational)."""
    lam = check_alpha_form(neurons, lam)
    network = _alpha_linear_network(neurons, bias, output_bias)
    rows = network_rows(network, X)
    loss = squared_error(fit_rows(network, rows), target_values(X, y, len(rows))) / 2
    return loss + lam * lam * sum((nu.alpha for nu in neurons), Fraction(0))


def alpha_form_network(
    neurons: Sequence[AlphaNeuron],
    lam: object,
    *,
    bias: bool = False,
    output_bias: Fraction | None = None,
    scale_digits: int = DEFAULT_SCALE_DIGITS,
) -> Network:
    """The rational network of an α-form: ``t ≈ √(αλ)`` rational (exact when rational),
    ``W1 = α v / t``, ``w2 = s t``; neurons with α = 0 are dropped.  Same fit as the α-form;
    objective larger by :func:`alpha_form_excess` exactly."""
    lam = check_alpha_form(neurons, lam)
    W1, w2 = [], []
    for nu in neurons:
        if nu.alpha == 0:
            continue
        t = rational_root(nu.alpha * lam, 2, scale_digits)
        W1.append(tuple(nu.alpha * v / t for v in nu.direction))
        w2.append(nu.sign * t)
    return Network(tuple(W1), tuple(w2), bias, output_bias)


def alpha_form_excess(
    neurons: Sequence[AlphaNeuron], lam: object, *, scale_digits: int = DEFAULT_SCALE_DIGITS
) -> Fraction:
    """``NC(alpha_form_network) − alpha_form_objective`` exactly: with ``‖u‖ = αλ`` rational,
    ``Σ_ν (λ/2)(‖u‖²/t² + t²) − λ‖u‖ = Σ_ν (λ/2t²)(αλ − t²)² >= 0``."""
    lam = check_alpha_form(neurons, lam)
    total = Fraction(0)
    for nu in neurons:
        if nu.alpha == 0:
            continue
        norm = nu.alpha * lam
        t = rational_root(norm, 2, scale_digits)
        total += lam / 2 * (norm * norm / (t * t) + t * t) - lam * norm
    return total


def alpha_form_to_json(neurons: Sequence[AlphaNeuron], lam: object) -> list[dict]:
    """The ``alpha_form`` list of docs/formats.md list: ``{"alpha", "direction", "sign"}`` as
    rational strings, plus ``"W1_scale"`` = √(α/λ) (``W1 = W1_scale · direction``) and ``"w2_abs"``
    = √(αλ) (``w2 = sign · w2_abs``) as ``"sqrt(p/q)"`` strings (rational strings when rational)."""
    lam = check_alpha_form(neurons, lam)
    return [
        {
            "alpha": rational_str(nu.alpha),
            "direction": [rational_str(v) for v in nu.direction],
            "sign": nu.sign,
            "W1_scale": sqrt_str(nu.alpha / lam),
            "w2_abs": sqrt_str(nu.alpha * lam),
        }
        for nu in neurons
    ]


def alpha_form_from_json(items: object, lam: object) -> list[AlphaNeuron]:
    """Parse an ``alpha_form`` list (extra keys ignored) and validate it against λ."""
    if not isinstance(items, (list, tuple)):
        raise ExactReluInputError("alpha_form must be a list of neurons")
    neurons = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or not {"alpha", "direction", "sign"} <= set(item):
            raise ExactReluInputError(f"alpha_form[{i}] needs keys alpha, direction, sign")
        neurons.append(
            AlphaNeuron(
                parse_vector(item["direction"], f"alpha_form[{i}].direction"),
                int(to_fraction(item["sign"], f"alpha_form[{i}].sign")),
                to_fraction(item["alpha"], f"alpha_form[{i}].alpha"),
            )
        )
    check_alpha_form(neurons, lam)
    return neurons


def alpha_form_from_blocks(blocks: Sequence[ConvexBlock], lam: object) -> list[AlphaNeuron] | None:
    """The α-form of convex weights when every ``‖u_b‖`` is rational (``v = λ u/‖u‖``,
    ``α = ‖u‖/λ``), else None.  Zero blocks are dropped."""
    lam = lam_value(lam, positive=True)
    neurons = []
    for block in blocks:
        norm = exact_sqrt(sum((v * v for v in block.u), Fraction(0)))
        if norm is None:
            return None
        if norm:
            neurons.append(
                AlphaNeuron(tuple(lam * v / norm for v in block.u), block.sign, norm / lam)
            )
    return neurons


def alpha_form_summary(
    neurons: Sequence[AlphaNeuron],
    X: object,
    y: object,
    lam: object,
    *,
    bias: bool = False,
    output_bias: Fraction | None = None,
    scale_digits: int = DEFAULT_SCALE_DIGITS,
) -> dict:
    """JSON for an exact network in α-form beside its rational network (docs/formats.md, "Numbers"):
    ``alpha_form``, ``objective`` (exact, of the α-form), ``network``, ``network_objective``
    (exact NC value of the rational network) and ``network_excess`` (their difference, >= 0)."""
    network = alpha_form_network(
        neurons, lam, bias=bias, output_bias=output_bias, scale_digits=scale_digits
    )
    exact = alpha_form_objective(neurons, X, y, lam, bias=bias, output_bias=output_bias)
    rational = objective(network, X, y, lam)
    return {
        "alpha_form": alpha_form_to_json(neurons, lam),
        "objective": rational_str(exact),
        "network": network_to_json(network),
        "network_objective": rational_str(rational),
        "network_excess": rational_str(rational - exact),
    }
