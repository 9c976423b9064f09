"""The training problem and its convex reformulation, solved and certified (docs/theory.md §1, §3,
§4).

``Problem`` holds exact data, λ and the model options; ``Problem.solve`` finds the optimum in
floating point by column generation (``solver.py``) and returns exact bounds: the exact NC
objective of a rational network (upper) and the exact dual bound of ``duality.py`` (lower).
Scales: ``"sum"`` is ½‖f − y‖² + (λ/2)Σ(‖W1_j‖² + w2_j²); ``"mean"`` divides the loss by n as in
the authors' code, which is the sum problem with ``λ_sum = n·λ`` divided by n.  Every value is
reported in the problem's own scale.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property

import numpy as np

from exactrelu.arrangement.patterns import DEFAULT_MAX_CELLS
from exactrelu.data.io import Dataset, as_dataset
from exactrelu.errors import ExactReluInputError
from exactrelu.exact.display import Summarized
from exactrelu.exact.rationals import check_range, rational_str, to_fraction
from exactrelu.model.convex import ConvexBlock, from_convex
from exactrelu.model.network import Network, check_input_size
from exactrelu.model.network import objective as network_objective
from exactrelu.model.network_io import network_to_float_json, network_to_json
from exactrelu.program.blocks import BlockSet, build_blocks
from exactrelu.program.duality import DualBound, dual_bound, dyadic_point
from exactrelu.program.exact_optimum import ExactOptimum, face_projection, reconstruct
from exactrelu.program.solver import ColumnGeneration, FloatSolution

SCALES = ("sum", "mean")
MODELS = ("relu", "gated")


class Problem(Summarized):
    """A two-layer ReLU training problem with weight decay and its convex reformulation.

    Parameters
    ----------
    X, y : data (array-like, Fractions, strings; floats converted exactly) or a Dataset as X.
    lam : λ > 0 (in the given scale).
    bias : hidden-layer bias (rows ``[x_k, 1]``); output_bias : an unregularized output bias.
    scale : ``"sum"`` or ``"mean"`` (loss divided by n).
    model : ``"relu"`` (cone-constrained group lasso) or ``"gated"`` (gates fixed by the patterns).
    patterns : ``"all"`` (every cell, certified complete), a list of patterns (0/1 strings or
        bool sequences), or ``("sample", N, seed)`` Gaussian gates as in the authors' code.  With
        a list or a sample the results hold for that sub-sampled program only (docs/theory.md §9).
    progress : an optional callback (``exactrelu.exact.progress``) told of long work: the
        enumeration of the cells and the rounds of every solve.  Default: quiet.
    """

    def __init__(
        self,
        X,
        y=None,
        lam=None,
        *,
        bias=False,
        output_bias=False,
        scale="sum",
        model="relu",
        patterns="all",
        max_cells=DEFAULT_MAX_CELLS,
        target=None,
        progress=None,
    ):
        if isinstance(X, Dataset) and y is None:
            self.dataset = X
        else:
            self.dataset = as_dataset(X.X if isinstance(X, Dataset) else X, y)
        if self.dataset.y is None:
            raise ExactReluInputError("the data has no target y")
        _check_float_range(self.dataset)
        if lam is None:
            raise ExactReluInputError("lam is required")
        self.lam = _lam(lam)
        if scale not in SCALES:
            raise ExactReluInputError(f"scale must be 'sum' or 'mean', got {scale!r}")
        if model not in MODELS:
            raise ExactReluInputError(f"model must be 'relu' or 'gated', got {model!r}")
        if model == "gated" and not (patterns == "all" or isinstance(patterns, tuple)):
            raise ExactReluInputError("the gated model needs patterns='all' or a sample")
        self.bias, self.output_bias = bool(bias), bool(output_bias)
        self.scale, self.model = scale, model
        self.pattern_option = patterns
        self.max_cells = max_cells
        self.target = target
        self.progress = progress

    def _summary(self) -> list[tuple[str, object]]:
        items: list[tuple[str, object]] = [("n", self.n), ("d", self.dataset.d)]
        items += [("lam", self.lam), ("bias", self.bias), ("output_bias", self.output_bias)]
        items += [("scale", self.scale), ("model", self.model)]
        option = self.pattern_option
        if isinstance(option, tuple):
            items.append(("patterns", ":".join(str(v) for v in option)))
        elif option != "all":
            items.append(("patterns", f"{len(option)} given"))
        return items

    # -- exact and float views of the data --------------------------------------------------
    @property
    def n(self) -> int:
        return self.dataset.n

    @property
    def lam_sum(self) -> Fraction:
        """λ of the sum-scale program."""
        return self.lam * self.n if self.scale == "mean" else self.lam

    def with_lam(self, lam: object) -> Problem:
        """The same problem (sharing its data and enumerated blocks) at another λ > 0."""
        value = _lam(lam)
        _ = self.blocks  # enumerated once, then shared by every copy (cached properties copy)
        other = copy.copy(self)
        other.lam = value
        return other

    def to_scale(self, value_sum: Fraction) -> Fraction:
        """A sum-scale objective value in the problem's scale."""
        return value_sum / self.n if self.scale == "mean" else value_sum

    @cached_property
    def rows(self) -> list[list[Fraction]]:
        """The exact rows x̃_k (with a trailing 1 when there is a hidden bias)."""
        return [list(row) + ([Fraction(1)] if self.bias else []) for row in self.dataset.X]

    @cached_property
    def rows_float(self) -> np.ndarray:
        return np.array([[float(v) for v in row] for row in self.rows])

    @cached_property
    def y_float(self) -> np.ndarray:
        return np.array([float(v) for v in self.dataset.y])

    @cached_property
    def blocks(self) -> BlockSet:
        """The blocks of the convex program (enumerates all cells for ``patterns="all"``)."""
        return build_blocks(
            self.dataset,
            self.rows_float,
            self.bias,
            self.model,
            self.pattern_option,
            self.max_cells,
            self.progress,
        )

    @cached_property
    def zero_objective(self) -> Fraction:
        """½‖y‖² in the problem's scale: the objective of the zero network (the tol unit)."""
        return self.to_scale(sum((v * v for v in self.dataset.y), Fraction(0)) / 2)

    def objective(self, network: Network) -> Fraction:
        """The exact NC objective of a network, in the problem's scale."""
        check_input_size(network, self.dataset.d)
        if network.output_bias is not None and not self.output_bias:
            raise ExactReluInputError("the network has an output bias but the problem has none")
        value = network_objective(network, self.dataset.X, self.dataset.y, self.lam_sum)
        return self.to_scale(value)

    # -- solving ------------------------------------------------------------------------------
    def solve(self, tol: object = 1e-9) -> Solution:
        """The global optimum, with an exact certificate (docs/theory.md §4).

        ``tol`` is relative to ½‖y‖²: the column generation stops when no block's dual
        constraint is violated by more than a factor ``1 + tol``; the certified gap is exact.
        """
        tol = check_tol(tol)
        engine = ColumnGeneration(
            self.rows_float, self.y_float, float(self.lam_sum), self.blocks, self.output_bias
        )
        found = engine.solve(float(tol), self.progress)
        exact = None
        if found.polished or not found.neurons:  # (no neuron: the zero network, λ >= λ_max)
            exact = reconstruct(
                self.rows,
                self.dataset.y,
                self.lam_sum,
                self.blocks,
                found.neurons,
                found.residual,
                self.output_bias,
            )
        if exact is not None:
            network = exact.network(self.lam_sum, self.bias)
            dual = exact.dual
        else:
            network = self.network_of(found)
            z = dyadic_point(found.residual, self.output_bias)
            dual = dual_bound(self.rows, list(self.dataset.y), self.lam_sum, self.blocks, z)
        upper = self.objective(network)
        lower = self.to_scale(dual.lower)
        return Solution(self, tol, network, upper, lower, dual, found, exact)

    def network_of(self, found: FloatSolution) -> Network:
        """The rational network of a float solution (weights converted exactly, rational scales)."""
        blocks = []
        for cell, nu, u in zip(found.cells, found.neurons, found.weights, strict=True):
            gate = None
            if self.model == "gated":
                gate = tuple(Fraction(float(v)) for v in self.blocks.gates[cell])
            pattern = tuple(bool(v) for v in self.blocks.patterns[cell])
            # on the neuron's face exactly, so that it lies in the closed cone of its block
            u_exact = face_projection(self.rows, nu.face, [Fraction(float(v)) for v in u])
            blocks.append(ConvexBlock(pattern, nu.sign, tuple(u_exact), gate))
        bias = None if found.output_bias is None else Fraction(found.output_bias)
        network = from_convex(blocks, bias=self.bias, output_bias=bias)
        if self.model == "gated" and network.gates is None:  # the zero gated network
            network = replace(network, gates=())
        return network

    def describe(self) -> dict[str, object]:
        """The fields every output carries (docs/formats.md, "Common fields")."""
        return {
            "n": self.n,
            "d": self.dataset.d,
            "bias": self.bias,
            "output_bias": self.output_bias,
            "scale": self.scale,
            "model": self.model,
            "lam": rational_str(self.lam),
            "patterns": self.blocks.describe(),
            "data_sha256": self.dataset.sha256(),
            "input": {"target": self.target, "round": self.dataset.round_digits},
        }

    def pattern_core(self) -> dict[str, object]:
        """The program's pattern list, with its completeness certificate when it is complete."""
        cells = self.blocks.cells
        return {
            "cells": None if cells is None else cells.to_json(self.dataset, self.target),
            "patterns": None
            if cells is not None
            else ["".join("1" if b else "0" for b in row) for row in self.blocks.patterns],
        }

    def certificate_core(self, dual: DualBound) -> dict[str, object]:
        """The pattern list (with its completeness certificate when complete) and the dual."""
        return {**self.pattern_core(), "dual": dual.to_json()}


def _lam(lam: object) -> Fraction:
    """λ > 0 within the range of floats (10^-308 <= λ <= 10^308): the solver works with float(λ)."""
    value = to_fraction(lam, "lam")
    if value <= 0:
        raise ExactReluInputError(f"lam must be > 0, got {lam}")
    return check_range(value, "lam")


def check_tol(tol: object) -> Fraction:
    """The relative tolerance ``0 < tol < 1`` (a fraction of ½‖y‖², the zero network's objective:
    with tol >= 1 the zero network, or anything better, would pass as optimal)."""
    value = to_fraction(tol, "tol")
    if not 0 < value < 1:
        raise ExactReluInputError(f"tol must be > 0 and < 1, got {tol}")
    return value


def _check_float_range(dataset: Dataset) -> None:
    """Data entries within the range of floats (0, or 10^-308 <= |x| <= 10^308): the solver works
    with their float values."""
    for k, row in enumerate(dataset.X):
        for j, v in enumerate(row):
            check_range(v, f"X[{k}][{j}]")
    for k, v in enumerate(dataset.y or ()):
        check_range(v, f"y[{k}]")


@dataclass(frozen=True, repr=False)
class Solution(Summarized):
    """A certified solution: exact upper bound (a rational network), exact lower bound, gap."""

    problem: Problem = field(repr=False)
    tol: Fraction
    network: Network
    objective_upper: Fraction
    objective_lower: Fraction
    dual: DualBound = field(repr=False)
    numeric: FloatSolution = field(repr=False)
    exact_optimum: ExactOptimum | None = None
    status: str = "exact"

    @property
    def optimum(self) -> Fraction | None:
        """The exact optimal value, when the dual optimum is rational (zero gap in α-form)."""
        if self.exact_optimum is None:
            return None
        return self.problem.to_scale(self.exact_optimum.value)

    @property
    def gap(self) -> Fraction:
        return self.objective_upper - self.objective_lower

    @property
    def relative_gap(self) -> Fraction:
        """The gap in units of ½‖y‖² (the objective of the zero network)."""
        unit = self.problem.zero_objective
        return self.gap / unit if unit else self.gap

    @property
    def claims(self) -> dict[str, str]:
        claims = {"objective_upper": "exact", "objective_lower": "exact", "gap": "exact"}
        if self.exact_optimum is not None:
            claims["optimum"] = "exact"
        return claims

    def alpha_form_json(self) -> dict[str, object] | None:
        """The exact optimal convex solution in α-form (docs/theory.md §3), when it is rational."""
        if self.exact_optimum is None:
            return None
        out = {
            "neurons": self.exact_optimum.alpha_form_json(self.problem.lam_sum),
            "objective": rational_str(self.optimum),
        }
        if self.exact_optimum.output_bias is not None:
            out["output_bias"] = rational_str(self.exact_optimum.output_bias)
        return out

    def _summary(self) -> list[tuple[str, object]]:
        items: list[tuple[str, object]] = [("status", self.status)]
        if self.optimum is not None:
            items.append(("optimum", self.optimum))
        items += [
            ("objective_upper", self.objective_upper),
            ("objective_lower", self.objective_lower),
        ]
        return items + [("gap", self.gap), ("width", self.network.width)]

    def to_json(self) -> dict[str, object]:
        return {
            "kind": "solve",
            "version": 1,
            **self.problem.describe(),
            "objective_upper": rational_str(self.objective_upper),
            "objective_lower": rational_str(self.objective_lower),
            "gap": rational_str(self.gap),
            "objective_upper_float": float(self.objective_upper),
            "gap_relative_float": float(self.relative_gap),
            "tol": rational_str(self.tol),
            "network": network_to_json(self.network),
            "network_float": network_to_float_json(self.network),
            **({"alpha_form": self.alpha_form_json()} if self.exact_optimum else {}),
            "status": self.status,
            "claims": self.claims,
            "certificate": self.problem.certificate_core(self.dual),
        }
