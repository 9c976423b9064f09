"""What the command line prints: counts with their nouns, optimal-set summaries (minimal networks
rounded for display, undecided results with their reason) and certify's relative gap."""

from __future__ import annotations

from fractions import Fraction

from exactrelu.exact.rationals import parse_rational


def known(value: object) -> str:
    """A field of an optimal-set file on stdout: ``unknown`` for null (never 0)."""
    return "unknown" if value is None else str(value)


def print_undecided(report: dict, rounded: str, out) -> None:
    """An undecided optimal set on stdout: unknown fields as unknown, the reason, the certified
    bracket and the numeric structure (labelled)."""
    lower, upper = report.get("objective_lower"), report.get("objective_upper")
    bracket = "not available"
    if lower is not None and upper is not None:
        bracket = (
            f"[{float(parse_rational(lower, 'lower')):.12g}, "
            f"{float(parse_rational(upper, 'upper')):.12g}] (certified)"
        )
    exact = report.get("optimum")
    print(
        f"status undecided{rounded}: optimum "
        f"{exact + ' (exact)' if exact is not None else 'in ' + bracket}; minimal networks: "
        "unknown; unique network: unknown; unique function: unknown; fewest neurons m* = "
        "unknown",
        file=out,
    )
    print(f"reason: {report.get('reason')}", file=out)
    numeric = report.get("numeric")
    if numeric:
        print(
            f"numeric (not certified): {count_of(len(numeric['neurons']), 'neuron')}, "
            f"{count_of(len(numeric['mirror_pairs']), 'mirror pair')}, ‖X̃ᵀr‖/λ ≈ "
            f"{numeric['xtr_over_lam']:.2g}, estimated polytope dimension "
            f"{known(numeric['polytope_dimension_estimate'])}",
            file=out,
        )


SHOWN_NETWORKS = 10  # minimal networks printed on stdout (the JSON lists up to --max-networks)


def shown_number(value: object, what: str) -> float:
    """A rational string, or the midpoint of an enclosure ``{mid, rad}``, as a float (display)."""
    if isinstance(value, dict):
        value = value.get("mid")
    return float(parse_rational(value, what))


def print_networks(networks: list[dict], count: int, out) -> None:
    """Each minimal network, rounded: ``w2 · relu(W1 x̃)`` per neuron, and its objective."""
    for t, item in enumerate(networks[:SHOWN_NETWORKS]):
        net = item["network"]
        terms = []
        unit = "relu" if net.get("gates") is None else "gated"
        for row, w in zip(net["W1"], net["w2"], strict=True):
            weights = ", ".join(f"{shown_number(v, 'W1'):.4g}" for v in row)
            terms.append(f"{shown_number(w, 'w2'):+.4g}·{unit}([{weights}]·x̃)")
        bias = net.get("output_bias")
        tail = "" if bias in (None, "0") else f" {shown_number(bias, 'b'):+.4g}"
        stated = item.get("network_objective")  # (verified files: enclosures, no objective)
        objective = "" if stated is None else f", objective {shown_number(stated, 'obj'):.12g}"
        print(
            f"  minimal network {t}: {len(terms)} neurons{objective}: "
            f"{' '.join(terms) or '0'}{tail}",
            file=out,
        )
    if networks and count is not None and count > min(len(networks), SHOWN_NETWORKS):
        print(
            f"  ({min(len(networks), SHOWN_NETWORKS)} of {count} shown; --json lists "
            f"{len(networks)})",
            file=out,
        )


def relative_gap(gap: Fraction, zero_objective: Fraction) -> str:
    """The certified gap relative to ½‖y‖², and the smallest --tol at which the network would
    pass (the relative gap rounded up to 3 significant digits)."""
    if zero_objective == 0:
        return "relative gap: ½‖y‖² = 0, no relative tolerance applies"
    relative = gap / zero_objective
    if relative <= 0:
        return "relative gap 0 (gap / ½‖y‖²): optimal at any --tol"
    return (
        f"relative gap {float(relative):.3g} (gap / ½‖y‖²); it would pass as optimal with "
        f"--tol {round_up(relative)} or more (rounded up)"
    )


def round_up(value: Fraction) -> str:
    """``value`` > 0 rounded up to 3 significant digits, as a decimal text read back exactly."""
    exponent = int((value.numerator.bit_length() - value.denominator.bit_length()) * 0.30103)
    while Fraction(10) ** exponent > value:
        exponent -= 1
    while Fraction(10) ** (exponent + 1) <= value:
        exponent += 1
    scale = Fraction(10) ** (exponent - 2)
    rounded = -((-value) // scale) * scale  # the ceiling at 3 significant digits
    text = f"{float(rounded):.3g}" if abs(exponent) < 300 else ""
    if not text or Fraction(text) != rounded:
        text = f"{rounded // scale}e{exponent - 2}"
    return text


def count_of(number: int, word: str, plural: str | None = None) -> str:
    """``1 neuron``, ``2 neurons``: a count with its noun in the right number."""
    return f"{number} {word if number == 1 else plural or word + 's'}"
