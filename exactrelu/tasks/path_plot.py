"""The picture of a regularization path (docs/theory.md §8): each neuron's weight in the min-norm
network and the fit norm against λ (a log scale by default), breakpoints marked.  Neurons are
numbered in the legend, which sits outside the axes; :func:`path_neurons` says which neuron each
number is.  Needs matplotlib (the ``plots`` extra).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from exactrelu.tasks.path import Path

MAX_LEGEND_NEURONS = 20
"""Neurons beyond this many are drawn without a legend entry (their numbers still hold)."""


def path_neurons(result: Path) -> dict[int, tuple[int, tuple[int, ...]]]:
    """The neurons of the plot by number (1, 2, …): ``{number: (sign, active rows)}``, in the
    order of their first appearance along the path (largest λ last)."""
    first: dict[tuple, float] = {}
    for point in sorted(result.samples, key=lambda p: p.lam, reverse=True):
        for key in point.neuron_norms():
            first.setdefault(key, float(point.lam))
    ordered = sorted(first, key=lambda key: (-first[key], key))
    return {i + 1: key for i, key in enumerate(ordered)}


def plot_path(result: Path, out_png, *, log_lam: bool = True) -> dict[int, tuple]:
    """Each neuron's ‖u‖ (min-norm network) and the fit norm ‖ŷ‖ against λ, breakpoints marked
    (red: jump, orange: continuous or undetermined), λ on a log scale unless ``log_lam=False``.

    The legend (outside the axes) numbers the neurons, with their sign and number of active
    rows; the returned :func:`path_neurons` table gives each number's sign and active rows.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    neurons = path_neurons(result)
    samples = sorted(result.samples, key=lambda p: p.lam)
    lams = [float(p.lam) for p in samples]
    fig, ax = plt.subplots(figsize=(8.5, 4.5))
    for number, key in neurons.items():
        sign, active = key
        norms = [p.neuron_norms().get(key, 0.0) for p in samples]
        label = f"{number}: {'+' if sign > 0 else '−'}, {len(active)} rows active"
        shown = number <= MAX_LEGEND_NEURONS
        ax.plot(lams, norms, marker=".", ms=4, label=label if shown else None)
    ax.plot(lams, [p.fit_norm for p in samples], "k--", label="‖ŷ‖ (fit norm)")
    drawn = set()
    for b in result.breakpoints:
        kind = "jump" if b.verdict == "jump" else "continuous"
        color = "red" if kind == "jump" else "orange"
        label = None if kind in drawn else f"breakpoint ({kind})"
        drawn.add(kind)
        ax.axvspan(float(b.lam_lo), float(b.lam_hi), color=color, alpha=0.3, label=label)
        ax.axvline(float((b.lam_lo + b.lam_hi) / 2), color=color, lw=0.6, ls=":")
    ax.axvline(float(result.lam_max), color="grey", lw=0.8, label="λ_max")
    if log_lam:
        ax.set_xscale("log")
    ax.set_xlabel("λ (log scale)" if log_lam else "λ")
    ax.set_ylabel("‖u‖ (min-norm network, sum scale); ‖ŷ‖")
    ax.set_title("regularization path", fontsize=10)
    title = "neuron: sign, rows" if neurons else None
    ax.legend(
        fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, title=title
    )
    if len(neurons) > MAX_LEGEND_NEURONS:
        ax.text(
            1.02,
            0.0,
            f"(neurons {MAX_LEGEND_NEURONS + 1}–{len(neurons)} not listed)",
            transform=ax.transAxes,
            fontsize=7,
        )
    fig.savefig(out_png, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return neurons
