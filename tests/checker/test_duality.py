"""The checker of ``solve`` and ``certify`` certificates (proofs/duality.md) on hand-built data.

Every stated value is computed here from its definition with Fractions (an independent oracle);
each tampering test changes one thing and expects the checker to say why it rejects.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import random
from collections.abc import Callable
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest

from exactrelu.checker import CheckFailure, check_certificate, check_file, data_sha256
from exactrelu.checker.duality import pattern_sums

PATTERN_CLAIMS = ("count", "complete", "patterns", "witnesses", "facets")


def q(value: object) -> str:
    return str(F(value))


def qs(values: list) -> list[str]:
    return [q(v) for v in values]


def cells_cert(X: list, y: list, patterns: list, witnesses: list, facets: list, m: int, r: int):
    """A certificate of kind patterns, written by hand (format: proofs/patterns.md)."""
    return {
        "kind": "patterns", "version": 1, "n": len(X), "d": len(X[0]), "bias": False,
        "data_sha256": data_sha256(*exact(X, y)), "input": {"target": None, "round": None},
        "count": len(patterns), "patterns": patterns, "witnesses": [qs(w) for w in witnesses],
        "facets": facets, "status": "exact", "claims": dict.fromkeys(PATTERN_CLAIMS, "exact"),
        "certificate": {"kind": "cell_count", "hyperplanes": m, "rank": r,
                        "general_position": True, "count_method": "cover"},
    }  # fmt: skip


def exact(X: list, y: list) -> tuple[list[list[F]], list[F]]:
    return [[F(v) for v in row] for row in X], [F(v) for v in y]


def network(W1: list, w2: list, b0: object = None, gates: list | None = None, bias=False) -> dict:
    net = {"W1": [qs(row) for row in W1], "w2": qs(w2), "bias": bias,
           "output_bias": None if b0 is None else q(b0)}  # fmt: skip
    if gates is not None:
        net["gates"] = [qs(g) for g in gates]
    return net


def nc_value(rows: list, y: list, lam: F, net: dict) -> F:
    """Oracle: the NC objective in sum scale, straight from its definition."""
    W1 = [[F(v) for v in row] for row in net["W1"]]
    w2 = [F(v) for v in net["w2"]]
    gates = [[F(v) for v in g] for g in net["gates"]] if "gates" in net else None
    b0 = F(net["output_bias"] or 0)
    loss = F(0)
    for x, target in zip(rows, y, strict=True):
        f = b0
        for j, (W, w) in enumerate(zip(W1, w2, strict=True)):
            pre = sum(a * b for a, b in zip(x, W, strict=True))
            if gates is None:
                on = pre > 0
            else:
                on = sum(a * g for a, g in zip(x, gates[j], strict=True)) >= 0
            f += pre * w if on else 0
        loss += (f - target) ** 2 / 2
    return loss + lam / 2 * (sum(v * v for row in W1 for v in row) + sum(w * w for w in w2))


def certificate(kind: str, X: list, y: list, lam: object, net: dict, z: list, mu: list = (),
                theta: object = 1, *, cells: dict | None = None, given: list | None = None,
                sample: dict | None = None, scale: str = "sum", model: str = "relu",
                bias: bool = False, output_bias: bool = False, tol: object = F(1, 10**9),
                claims: tuple = (), **fields) -> dict:  # fmt: skip
    """A solve/certify certificate whose stated values are the oracle's exact values."""
    Xf, yf = exact(X, y)
    divisor = len(X) if scale == "mean" else 1
    lam_s = F(lam) * divisor
    rows = [[*x, F(1)] if bias else x for x in Xf]
    spec = "all" if cells is not None else "given" if sample is None else sample
    upper = nc_value(rows, yf, lam_s, net) / divisor
    zf, theta = [F(v) for v in z], F(theta)
    lower = theta * sum(a * b for a, b in zip(zf, yf, strict=True))
    lower = (lower - theta**2 * sum(a * a for a in zf) / 2) / divisor
    cert = {
        "kind": kind, "version": 1, "n": len(X), "d": len(X[0]), "bias": bias,
        "output_bias": output_bias, "scale": scale, "model": model, "lam": q(lam),
        "patterns": spec, "data_sha256": data_sha256(Xf, yf),
        "input": {"target": None, "round": None}, "status": "exact",
        "certificate": {"cells": cells, "patterns": given,
                        "dual": {"z": qs(z), "theta": q(theta), "mu": list(mu)}},
        "network": net, "tol": q(tol), "gap": q(upper - lower),
    }  # fmt: skip
    if kind == "solve":
        cert.update(objective_upper=q(upper), objective_lower=q(lower))
        names = ("objective_upper", "objective_lower", "gap", *claims)
    else:
        threshold = F(tol) * sum(v * v for v in yf) / 2 / divisor
        cert.update(objective=q(upper), lower_bound=q(lower), threshold=q(threshold))
        names = ("objective", "lower_bound", "gap", "threshold", "verdict", *claims)
    cert["claims"] = dict.fromkeys(names, "exact")
    cert.update(fields)
    return cert


def check(cert: dict, X: list, y: list) -> str:
    return check_certificate(cert, *exact(X, y))


def tampered(cert: dict, change: Callable[[dict], object]) -> dict:
    cert = copy.deepcopy(cert)
    change(cert)
    return cert


# ---------------------------------------------------------------------------------------------
# Example 1: X = [[3, 4]], y = [10], λ = 1.  Optimum 99/50 at W1 = [[21/25, 28/25]], w2 = [7/5],
# dual z = [1/5]: block (cell "1", ±1) has c = ±(3/5, 4/5), ‖c‖ = 1 = λ (the μ of the −1 block
# brings it to −c + (1/5)·x = 0); cell "0" gives c = 0; lower bound 2 − 1/50 = 99/50.

X1, Y1 = [[3, 4]], [10]
CELLS1 = cells_cert(X1, Y1, ["1", "0"], [[3, 4], [-3, -4]], [[0], [0]], m=1, r=1)
OPT1 = network([[F(21, 25), F(28, 25)]], [F(7, 5)])
POOR1 = network([[1, 1]], [1])  # fit 7, objective 9/2 + 3/2 = 6
MU1 = [{"pattern": 0, "sign": -1, "rows": [0], "values": ["1/5"]}]
SOLVE1 = certificate("solve", X1, Y1, 1, OPT1, [F(1, 5)], MU1, cells=CELLS1, claims=("complete",))


def test_example_1_zero_gap() -> None:
    assert SOLVE1["objective_upper"] == SOLVE1["objective_lower"] == "99/50"
    summary = check(SOLVE1, X1, Y1)
    assert summary.startswith("valid: solve (λ = 1 sum scale, no bias, no output bias, relu, ")
    assert "): gap 0 = 99/50 - 99/50" in summary
    assert "2 patterns x 2 signs" in summary and "complete pattern list" in summary
    # A zero gap is an exact optimum: the file may claim it.
    with_optimum = tampered(SOLVE1, lambda c: c["claims"].update(optimum="exact"))
    assert check(with_optimum, X1, Y1).startswith("valid")


def test_example_1_output_bias_needs_zero_sum() -> None:
    cert = certificate("solve", X1, Y1, 1, OPT1, [F(1, 5)], MU1, cells=CELLS1, output_bias=True)
    with pytest.raises(CheckFailure, match="Σ z_k = 0"):
        check(cert, X1, Y1)


def test_network_output_bias_needs_the_option() -> None:
    net = network([[F(21, 25), F(28, 25)]], [F(7, 5)], b0=0)
    cert = certificate("solve", X1, Y1, 1, net, [F(1, 5)], MU1, cells=CELLS1)
    with pytest.raises(CheckFailure, match="output bias"):
        check(cert, X1, Y1)


# Example 2: y = [11]: optimum 109/50 in α-form (direction (3/5, 4/5), α = 54/25, fit 54/5,
# residual 1/5); the rational network W1 = u/t, w2 = t with t = 147/100 ≈ √(54/25) is a bit worse.

Y2 = [11]
CELLS2 = cells_cert(X1, Y2, ["1", "0"], [[3, 4], [-3, -4]], [[0], [0]], m=1, r=1)
U2, T2 = [F(162, 125), F(216, 125)], F(147, 100)
NET2 = network([[u / T2 for u in U2]], [T2])
ALPHA2 = {"neurons": [{"alpha": "54/25", "direction": ["3/5", "4/5"], "sign": 1}],
          "objective": "109/50"}  # fmt: skip
SOLVE2 = certificate("solve", X1, Y2, 1, NET2, [F(1, 5)], cells=CELLS2,
                     claims=("optimum",), alpha_form=ALPHA2)  # fmt: skip


def test_example_2_alpha_form_optimum() -> None:
    assert SOLVE2["objective_lower"] == "109/50" and F(SOLVE2["gap"]) > 0
    summary = check(SOLVE2, X1, Y2)
    assert "exact optimum 109/50 (alpha-form, zero gap)" in summary


ALPHA_TAMPERS = {
    "alpha changed": lambda c: c["alpha_form"]["neurons"][0].update(alpha="2"),
    "direction not of norm λ": lambda c: c["alpha_form"]["neurons"][0].update(
        direction=["3/5", "1"]
    ),
    "negative alpha": lambda c: c["alpha_form"]["neurons"][0].update(alpha="-54/25"),
    "objective not the lower bound": lambda c: c.update(
        certificate(
            "solve",
            X1,
            Y2,
            1,
            NET2,
            [F(1, 5)],
            theta=F(99, 100),
            cells=CELLS2,
            claims=("optimum",),
            alpha_form=ALPHA2,
        )
    ),  # fmt: skip
    "optimum not claimed": lambda c: c["claims"].pop("optimum"),
}


@pytest.mark.parametrize("name", ALPHA_TAMPERS)
def test_alpha_form_tampering_rejected(name: str) -> None:
    with pytest.raises(CheckFailure):
        check(tampered(SOLVE2, ALPHA_TAMPERS[name]), X1, Y2)


# Example 3: X = I (2×2), y = (6, −6), λ = 2: neurons (2, 0)·2 and (0, 2)·(−2), objective 20;
# dual z = (2, −2).  Cell "11" needs μ: (2, −2) + 2·e2 = (2, 0) and (−2, 2) + 2·e1 = (0, 2).

X3, Y3 = [[1, 0], [0, 1]], [6, -6]
CELLS3 = cells_cert(X3, Y3, ["11", "10", "01", "00"], [[1, 1], [1, -1], [-1, 1], [-1, -1]],
                    [[0, 1]] * 4, m=2, r=2)  # fmt: skip
NET3 = network([[2, 0], [0, 2]], [2, -2])
Z3 = [2, -2]
MU3 = [{"pattern": 0, "sign": 1, "rows": [1], "values": ["2"]},
       {"pattern": 0, "sign": -1, "rows": [0], "values": ["2"]}]  # fmt: skip
SOLVE3 = certificate("solve", X3, Y3, 2, NET3, Z3, MU3, cells=CELLS3)


def test_example_3_needs_mu() -> None:
    assert SOLVE3["objective_upper"] == SOLVE3["objective_lower"] == "20"
    assert "): gap 0 = 20 - 20; 4 patterns" in check(SOLVE3, X3, Y3)


def drop_cell(cert: dict) -> None:
    cells = cert["certificate"]["cells"]
    for name in ("patterns", "witnesses", "facets"):
        cells[name].pop()
    cells["count"] -= 1


SOLVE3_TAMPERS = {
    "negative mu": (lambda c: c["certificate"]["dual"]["mu"][0].update(values=["-2"]), "negative"),
    "mu dropped": (lambda c: c["certificate"]["dual"]["mu"].pop(0), "infeasible"),
    "z changed": (lambda c: c["certificate"]["dual"].update(z=["2", "-1"]), "infeasible"),
    "theta raised": (lambda c: c["certificate"]["dual"].update(theta="11/10"), "infeasible"),
    "objective_upper": (lambda c: c.update(objective_upper="21"), "objective_upper"),
    "objective_lower": (lambda c: c.update(objective_lower="19"), "objective_lower"),
    "gap": (lambda c: c.update(gap="-1"), "gap"),
    "cell missing": (drop_cell, "nested cells"),
    "mu on no block": (lambda c: c["certificate"]["dual"]["mu"][0].update(pattern=4), "no block"),
    "mu sign 0": (lambda c: c["certificate"]["dual"]["mu"][0].update(sign=0), "no block"),
    "mu twice": (lambda c: c["certificate"]["dual"]["mu"].append(MU3[0]), "two mu"),
    "duplicate rows": (
        lambda c: c["certificate"]["dual"]["mu"][0].update(rows=[1, 1], values=["1", "1"]),
        "distinct",
    ),
    "unknown claim": (lambda c: c["claims"].update(dual_optimal="exact"), "claim"),
    "claim not exact": (lambda c: c["claims"].update(gap="verified"), "claim"),
    "status": (lambda c: c.update(status="verified"), "status"),
    "alpha claim without form": (lambda c: c["claims"].update(alpha_form="exact"), "claim"),
    "scale": (lambda c: c.update(scale="mean"), "objective_upper"),
    "model": (lambda c: c.update(model="gated"), "no cone multipliers"),
    "lam": (lambda c: c.update(lam="3"), "objective_upper"),
}


@pytest.mark.parametrize("name", SOLVE3_TAMPERS)
def test_example_3_tampering_rejected(name: str) -> None:
    change, reason = SOLVE3_TAMPERS[name]
    with pytest.raises(CheckFailure, match=reason):
        check(tampered(SOLVE3, change), X3, Y3)


def test_data_hash_mismatch_rejected() -> None:
    with pytest.raises(CheckFailure, match="data_sha256"):
        check(SOLVE3, X3, [6, -5])


def test_mean_scale_values_are_divided_by_n() -> None:
    # λ = 1 in mean scale is λ_s = 2 in sum scale: the same program, every value halved.
    cert = certificate("solve", X3, Y3, 1, NET3, Z3, MU3, cells=CELLS3, scale="mean")
    assert (cert["objective_upper"], cert["objective_lower"]) == ("10", "10")
    assert "): gap 0 = 10 - 10" in check(cert, X3, Y3)
    undivided = tampered(cert, lambda c: c.update(objective_upper="20", objective_lower="20"))
    with pytest.raises(CheckFailure, match="objective_upper"):
        check(undivided, X3, Y3)


def test_output_bias_with_zero_sum_dual() -> None:
    net = network([[2, 0], [0, 2]], [2, -2], b0=F(1, 2))  # objective 17/4 + 16 = 81/4
    cert = certificate("solve", X3, Y3, 2, net, Z3, MU3, cells=CELLS3, output_bias=True)
    assert cert["gap"] == "1/4"
    assert "): gap 1/4" in check(cert, X3, Y3)


def test_check_file_dispatches(tmp_path: Path) -> None:
    data, path = tmp_path / "data.csv", tmp_path / "cert.json"
    data.write_text("a,b,y\n1,0,6\n0,1,-6\n")
    path.write_text(json.dumps(SOLVE3))
    assert check_file(path, data).startswith("valid: solve")


# ---------------------------------------------------------------------------------------------
# certify on example 1


def certify1(net: dict, verdict: str, **fields) -> dict:
    return certificate("certify", X1, Y1, 1, net, [F(1, 5)], MU1, cells=CELLS1,
                       verdict=verdict, **fields)  # fmt: skip


IMPROVING = {"improving_network": OPT1, "improving_objective": "99/50", "improving_width": 1}
IMPROVING_CLAIMS = ("improving_network", "improving_objective", "improving_width")
OPTIMAL = certify1(OPT1, "optimal")
NOT_OPTIMAL = certify1(POOR1, "not_optimal", claims=IMPROVING_CLAIMS, **IMPROVING)
INCONCLUSIVE = certify1(POOR1, "inconclusive")


def test_certify_verdicts_accepted() -> None:
    assert "): verdict optimal: gap 0 <= threshold" in check(OPTIMAL, X1, Y1)
    summary = check(NOT_OPTIMAL, X1, Y1)
    assert "verdict not_optimal: a width-1 network has objective 99/50" in summary
    assert "): verdict inconclusive: gap" in check(INCONCLUSIVE, X1, Y1)


CERTIFY_TAMPERS = {
    "optimal with gap > threshold": (INCONCLUSIVE, lambda c: c.update(verdict="optimal"), "gap"),
    "inconclusive at gap 0": (OPTIMAL, lambda c: c.update(verdict="inconclusive"), "gap"),
    "improving objective wrong": (
        NOT_OPTIMAL,
        lambda c: c.update(improving_objective="2"),
        "improving_objective",
    ),
    "improving width wrong": (NOT_OPTIMAL, lambda c: c.update(improving_width=2), "width"),
    "improving not better": (
        NOT_OPTIMAL,
        lambda c: c.update(improving_network=POOR1, improving_objective="6"),
        "objective - threshold",
    ),
    "not_optimal without network": (
        INCONCLUSIVE,
        lambda c: c.update(verdict="not_optimal"),
        "improving_network",
    ),
    "objective wrong": (OPTIMAL, lambda c: c.update(objective="1"), "objective"),
    "threshold wrong": (OPTIMAL, lambda c: c.update(threshold="1"), "threshold"),
    "tol negative": (OPTIMAL, lambda c: c.update(tol="-1"), "tol"),
    "verdict unknown": (OPTIMAL, lambda c: c.update(verdict="probably"), "verdict"),
    "optimum claimed by inconclusive": (
        INCONCLUSIVE,
        lambda c: c["claims"].update(optimum="exact"),
        "claim",
    ),
}


@pytest.mark.parametrize("name", CERTIFY_TAMPERS)
def test_certify_tampering_rejected(name: str) -> None:
    cert, change, reason = CERTIFY_TAMPERS[name]
    with pytest.raises(CheckFailure, match=reason):
        check(tampered(cert, change), X1, Y1)


# ---------------------------------------------------------------------------------------------
# Gated model, given and sampled programs, bias


GATED_NET = network([[F(21, 25), F(28, 25)]], [F(7, 5)], gates=[[1, 1]])
GATED = certificate("solve", X1, Y1, 1, GATED_NET, [F(1, 5)], cells=CELLS1, model="gated")


def test_gated_accepted_and_tampering_rejected() -> None:
    assert "2 patterns x 1 sign, dual feasible" in check(GATED, X1, Y1)
    with pytest.raises(CheckFailure, match="no cone multipliers"):
        check(tampered(GATED, lambda c: c["certificate"]["dual"].update(mu=MU1)), X1, Y1)
    no_gates = tampered(GATED, lambda c: c["network"].pop("gates"))
    with pytest.raises(CheckFailure, match="gates are required"):
        check(no_gates, X1, Y1)
    net = network([[F(21, 25), F(28, 25)], [0, 0]], [F(7, 5), 0], gates=[[1, 1], [-1, -1]])
    given = certificate("solve", X1, Y1, 1, net, [F(1, 5)], given=["1"], model="gated")
    with pytest.raises(CheckFailure, match="gate 1 is not in the program"):
        check(given, X1, Y1)


def test_given_and_sampled_programs_say_so() -> None:
    given = certificate("solve", X1, Y1, 1, OPT1, [F(1, 5)], given=["1"])
    assert "given program of 1 patterns: bounds hold for it only" in check(given, X1, Y1)
    sample = {"sample": 5, "seed": 0}
    sampled = certificate("solve", X1, Y1, 1, OPT1, [F(1, 5)], given=["1"], sample=sample)
    assert "sub-sampled program (sample 5, seed 0)" in check(sampled, X1, Y1)
    with pytest.raises(CheckFailure, match="claim 'complete'"):
        check(tampered(given, lambda c: c["claims"].update(complete="exact")), X1, Y1)
    with pytest.raises(CheckFailure, match="cells certificate"):
        check(tampered(given, lambda c: c["certificate"].update(cells=CELLS1)), X1, Y1)
    # The program of pattern "0" alone has optimum 50; the network lies outside it, so its
    # objective 99/50 is no upper bound for that program and the zero gap would be false.
    outside = certificate("solve", X1, Y1, 1, OPT1, [F(1, 5)], given=["0"])
    with pytest.raises(CheckFailure, match="neuron 0 is not in the program"):
        check(outside, X1, Y1)


def test_neuron_on_a_hyperplane_is_in_a_listed_closed_cone() -> None:
    # Rows (1, 0), (0, 1); the neuron (1, 0) has pattern "11" with x_2·v = 0: in the closed
    # cone of the listed "10".  z = (1, 0): c = (1, 0) for pattern "10", norm 1 = λ.
    X, y = [[1, 0], [0, 1]], [2, 0]
    cert = certificate("solve", X, y, 1, network([[1, 0]], [1]), [1, 0], given=["10"])
    assert "): gap 0" in check(cert, X, y)


def test_bias_rows() -> None:
    # x̃ = (3/4, 1), ‖x̃‖ = 5/4; neuron (3/5, 4/5)·1, z = 4/5, y = 41/20: optimum 33/25.
    X, y = [[F(3, 4)]], [F(41, 20)]
    net = network([[F(3, 5), F(4, 5)]], [1], bias=True)
    cert = certificate("solve", X, y, 1, net, [F(4, 5)], given=["1"], bias=True)
    assert cert["gap"] == "0" and cert["objective_upper"] == "33/25"
    assert "): gap 0 = 33/25 - 33/25" in check(cert, X, y)
    with pytest.raises(CheckFailure, match="bias flag"):
        check(tampered(cert, lambda c: c["network"].update(bias=False)), X, y)


# ---------------------------------------------------------------------------------------------
# The vectorized dual check against a direct computation


def test_pattern_sums_exact_with_many_limbs() -> None:
    rng = np.random.default_rng(0)
    P = rng.integers(0, 2, size=(40, 9), dtype=np.uint8)
    M = [[int(rng.integers(-(2**62), 2**62)) ** 3 + j for j in range(3)] for _ in range(9)]
    expected = [[sum(int(p) * m[j] for p, m in zip(row, M, strict=True)) for j in range(3)]
                for row in P]  # fmt: skip
    assert pattern_sums(P, M).tolist() == expected


def test_random_dual_check_matches_fractions() -> None:
    rng = random.Random(7)
    n, d = 9, 2
    X = [[F(rng.randint(-30, 30), rng.randint(1, 9)) for _ in range(d)] for _ in range(n)]
    y = [F(rng.randint(-9, 9)) for _ in range(n)]
    patterns = sorted({"".join(rng.choice("01") for _ in range(n)) for _ in range(12)})
    z = [F(rng.randint(-(10**6), 10**6), rng.randint(1, 10**6)) for _ in range(n)]
    mu = []
    for i, s in itertools.product(range(len(patterns)), (1, -1)):
        if rng.random() < 0.7:
            rows = rng.sample(range(n), 3)
            values = [F(rng.randint(0, 99), rng.randint(1, 99)) for _ in rows]
            mu.append({"pattern": i, "sign": s, "rows": rows, "values": qs(values)})
    largest = F(0)  # max over blocks of ‖v‖², by Fractions
    for i, s in itertools.product(range(len(patterns)), (1, -1)):
        v = [s * sum(z[k] * X[k][j] for k in range(n) if patterns[i][k] == "1") for j in range(d)]
        for entry in mu:
            if (entry["pattern"], entry["sign"]) == (i, s):
                for k, value in zip(entry["rows"], entry["values"], strict=True):
                    sign = 1 if patterns[i][k] == "1" else -1
                    v = [a + F(value) * sign * b for a, b in zip(v, X[k], strict=True)]
        largest = max(largest, sum(a * a for a in v))
    scale = 10**6  # λ just below and just above √largest
    low = F(math.isqrt(math.floor(largest * scale**2)), scale)
    high = F(math.isqrt(math.ceil(largest * scale**2)) + 1, scale)
    empty = network([], [])
    for lam, valid in ((low, low**2 >= largest), (high, True)):
        cert = certificate("solve", X, y, lam, empty, z, mu, given=patterns)
        if valid:
            assert check(cert, X, y).startswith("valid")
        else:
            with pytest.raises(CheckFailure, match="infeasible"):
                check(cert, X, y)


# ---------------------------------------------------------------------------------------------
# End to end: certificates written by the engine's command line pass the checker


@pytest.mark.parametrize(
    "rows, options",
    [
        ("3,4,11", ["--lam", "1"]),  # exact optimum 109/50 in α-form
        ("1,0,6\n0,1,-6", ["--lam", "2"]),
        ("1,0,6\n0,1,-6", ["--lam", "1", "--scale", "mean", "--output-bias"]),
        ("3,4,10", ["--lam", "1", "--model", "gated"]),
    ],
)
def test_engine_certificates_check(tmp_path: Path, rows: str, options: list[str]) -> None:
    from exactrelu.cli import main

    data, out = tmp_path / "data.csv", tmp_path / "solve.json"
    data.write_text("a,b,y\n" + rows + "\n")
    assert main(["solve", str(data), *options, "--json", str(out)]) == 0
    assert check_file(out, data).startswith("valid: solve")
    poor = tmp_path / "poor.json"
    gates = ', "gates": [["1", "1"]]' if "gated" in options else ""
    poor.write_text('{"W1": [["1", "1"]], "w2": ["1"], "bias": false' + gates + "}")
    out = tmp_path / "certify.json"
    assert main(["certify", str(data), "--network", str(poor), *options, "--json", str(out)]) == 0
    assert check_file(out, data).startswith("valid: certify (")
