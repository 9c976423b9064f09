"""The picture of a regularization path (docs/theory.md §8): each neuron's weight in the min-norm
network and the fit norm against λ, breakpoints marked.  Needs matplotlib (the ``plots`` extra).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from exactrelu.tasks.path import Path


def plot_path(result: Path, out_png) -> None:
    """Each neuron's ‖u‖ (min-norm network) and the fit norm ‖ŷ‖ against λ, breakpoints marked
    (red: jump, orange: continuous or undetermined)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    lams = [float(p.lam) for p in result.samples]
    keys = sorted({k for p in result.samples for k in p.neuron_norms()})
    for key in keys:
        norms = [p.neuron_norms().get(key, 0.0) for p in result.samples]
        sign, active = key
        label = f"{'+' if sign > 0 else '−'} {{{','.join(map(str, active))}}}"
        ax.plot(lams, norms, marker=".", label=label if len(keys) <= 12 else None)
    ax.plot(lams, [p.fit_norm for p in result.samples], "k--", label="‖ŷ‖")
    for b in result.breakpoints:
        color = "red" if b.verdict == "jump" else "orange"
        ax.axvspan(float(b.lam_lo), float(b.lam_hi), color=color, alpha=0.3)
        ax.axvline(float((b.lam_lo + b.lam_hi) / 2), color=color, lw=0.6, ls=":")
    ax.axvline(float(result.lam_max), color="grey", lw=0.8, label="λ_max")
    ax.set_xlabel("λ")
    ax.set_ylabel("‖u‖ of the min-norm network (sum scale), ‖ŷ‖")
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(out_png, dpi=120)
    plt.close(fig)
