"""Certificates of λ intervals (kind ``"verified_interval"``, proofs/verified.md items T1-T11).

``verify_interval`` proves that the optimum has the same neurons for every λ of an interval; its
certificate must be accepted by the independent checker, and every tampered copy rejected.  The
line data is that of ``tests/test_path.py``: its structure changes at λ ≈ 1.0960155 (between
the samples at 4/5 and 6/5), so an interval across it must never be accepted, even with an
honest tube (one that passes the Krawczyk test) built by an engine whose strict checks are
switched off.
"""

from __future__ import annotations

import copy
import json
from fractions import Fraction as F
from functools import cache

import pytest

from exactrelu import Problem
from exactrelu.checker import CheckFailure, check_certificate, check_file, data_sha256
from exactrelu.optimum import verified as engine
from exactrelu.optimum.verified_interval import verify_interval
from exactrelu.tasks.path_samples import solve_point

LINE_X = [[0], [1], [2], [3], [4]]
LINE_Y = [3, 0, 2, -1, 4]
OPTIONS = {"bias": True, "output_bias": True}
# Three collinear points with a hidden bias: a neuron on three planes through one ray (no LICQ).
COLLINEAR_X = [[0, 0], [1, 1], [2, 2], [0, 2], [2, 1]]
COLLINEAR_Y = [2, 5, 2, -1, -5]


def exact(X, y):
    return [[F(v) for v in row] for row in X], [F(v) for v in y]


@cache
def state(X: tuple, y: tuple, lam: F, options: tuple):
    """The verified float state of the optimum at λ (the start of the interval proofs)."""
    point = solve_point(Problem([list(r) for r in X], list(y), lam, **dict(options)))
    assert point.status == "verified"
    return point.state


def prove(X, y, lam0: F, lo: F, hi: F, **options) -> engine.Verification:
    """``verify_interval`` on [lo, hi] from the structure of the optimum at ``lam0``."""
    s = state(tuple(map(tuple, X)), tuple(y), lam0, tuple(sorted(options.items())))
    problem = Problem(X, y, (lo + hi) / 2, **options)
    return verify_interval(problem, s.neurons, s.residual, s.alpha, s.output_bias, lo, hi)


@cache
def line_case(lo: F = F(4, 5), hi: F = F(201, 250), scale: str = "sum"):
    divisor = len(LINE_Y) if scale == "mean" else 1
    outcome = prove(LINE_X, LINE_Y, F(4, 5) / divisor, lo, hi, scale=scale, **OPTIONS)
    assert outcome.status == "verified"
    return json.loads(json.dumps(outcome.certificate)), *exact(LINE_X, LINE_Y)


def rejected(cert: dict, X, y, match: str) -> None:
    with pytest.raises(CheckFailure, match=match):
        check_certificate(cert, X, y)


def tampered():
    cert, X, y = line_case()
    return copy.deepcopy(cert), X, y


def test_interval_certificate_is_accepted() -> None:
    cert, X, y = line_case()
    assert cert["kind"] == "verified_interval" and cert["lam_interval"] == ["4/5", "201/250"]
    assert cert["certificate"]["cells"]["count"] == 10  # all cells of 5 points on a line
    summary = check_certificate(cert, X, y)
    assert summary.startswith("valid: verified interval (λ in [4/5, 201/250] ")
    assert "): 2 neurons" in summary
    assert "16 other blocks strictly below λ at both ends" in summary


def test_mean_scale_interval_is_accepted() -> None:
    cert, X, y = line_case(F(4, 25), F(201, 1250), "mean")  # the same λ_s interval / n
    assert cert["scale"] == "mean" and cert["lam_interval"] == ["4/25", "201/1250"]
    assert check_certificate(cert, X, y).startswith("valid: verified interval")
    cert["scale"] = "sum"  # read as [4/25, 201/1250] in sum scale: another interval
    rejected(cert, X, y, "Krawczyk")


def test_check_file_reads_the_certificate_and_csv(tmp_path) -> None:
    cert, _, _ = line_case()
    (tmp_path / "cert.json").write_text(json.dumps(cert))
    rows = [f"{x[0]},{t}" for x, t in zip(LINE_X, LINE_Y, strict=True)]
    (tmp_path / "line.csv").write_text("\n".join(rows) + "\n")
    assert check_file(tmp_path / "cert.json", tmp_path / "line.csv").startswith("valid")


def test_the_tube_contains_the_independently_proved_point_optima() -> None:
    """At λ = lo, the midpoint and hi the point proof (verify_neurons, its own Krawczyk box)
    and the tube at t = λ − λ_m enclose the same unique zero: their intervals must meet."""
    cert, _, _ = line_case()
    tube = {name: [F(v) for v in values] for name, values in cert["certificate"]["tube"].items()}
    lo, hi = F(4, 5), F(201, 250)
    s = state(tuple(map(tuple, LINE_X)), tuple(LINE_Y), F(4, 5), tuple(sorted(OPTIONS.items())))
    for lam in (lo, (lo + hi) / 2, hi):
        problem = Problem(LINE_X, LINE_Y, lam, **OPTIONS)
        point = engine.verify_neurons(problem, s.neurons, s.residual, s.alpha, s.output_bias)
        box = point.structure.certificate["box"]
        t = lam - (lo + hi) / 2
        for k, (mid, rad) in enumerate(zip(box["mid"], box["rad"], strict=True)):
            centre = tube["mid"][k] + t * tube["slope"][k]
            assert abs(F(mid) - centre) <= F(rad) + tube["rad"][k], (lam, k)


def test_dependent_face_rows_use_cell_bases() -> None:
    """A neuron on three planes through a ray: each tied cell names its basis; a basis whose
    multipliers are not all positive is rejected (T9)."""
    outcome = prove(COLLINEAR_X, COLLINEAR_Y, F(1), F(1), F(101, 100), bias=True)
    assert outcome.status == "verified"
    cert = json.loads(json.dumps(outcome.certificate))
    X, y = exact(COLLINEAR_X, COLLINEAR_Y)
    neuron = cert["certificate"]["neurons"][2]
    assert neuron["face"] == [0, 1, 2] and len(neuron["cell_bases"]) == 6
    assert check_certificate(cert, X, y).startswith("valid: verified interval")
    assert neuron["cell_bases"][0] == {"cell": 2, "rows": [0, 2]}
    neuron["cell_bases"][0]["rows"] = [0, 1]
    rejected(cert, X, y, "neuron 2, cell 2: face multipliers not > 0")


@pytest.mark.parametrize(
    "interval",
    [
        ["4/5", "6/5"],  # across the breakpoint
        ["3/5", "201/250"],  # lo moved down
        ["4/5", "2011/2500"],  # hi moved up by 1/2500
        ["799/1000", "1611/2000"],  # widened around the same midpoint
    ],
)
def test_changed_interval_is_rejected(interval) -> None:
    cert, X, y = tampered()
    cert["lam_interval"] = interval
    rejected(cert, X, y, "Krawczyk")


@pytest.mark.parametrize(("part", "index"), [("slope", 0), ("slope", 5), ("mid", 2)])
def test_changed_tube_is_rejected(part: str, index: int) -> None:
    cert, X, y = tampered()
    values = cert["certificate"]["tube"][part]
    values[index] = str(F(values[index]) * F(101, 100) + F(1, 10**6))
    rejected(cert, X, y, "Krawczyk")


@pytest.mark.parametrize("index", range(8))  # r (5), α (2), β (1)
def test_shrunk_radius_is_rejected(index: int) -> None:
    cert, X, y = tampered()
    rad = cert["certificate"]["tube"]["rad"]
    rad[index] = str(F(rad[index]) / 2)
    rejected(cert, X, y, f"Krawczyk test fails: K\\(X\\) is not inside the box in unknown {index}")


def test_changed_and_dropped_multipliers_are_rejected() -> None:
    cert, X, y = tampered()
    entries = cert["certificate"]["block_multipliers"]
    assert len(entries) == 8
    entries[0]["values"][0] = "0"
    rejected(cert, X, y, "block \\(pattern 1, sign 1\\) not proved below λ")
    for k in range(len(entries)):
        cert, X, y = tampered()
        block = cert["certificate"]["block_multipliers"].pop(k)
        rejected(cert, X, y, f"block \\(pattern {block['pattern']}, sign {block['sign']}\\)")


def test_changed_neurons_are_rejected() -> None:
    cert, X, y = tampered()
    cert["certificate"]["neurons"][0]["cells"] = [3]
    rejected(cert, X, y, "neuron 0 has cells \\[3\\], the patterns give \\[3, 4\\]")
    for active in ([1, 2, 3, 4], [2, 3, 4]):  # the face row 1 made active, or inactive
        cert, X, y = tampered()
        neuron = cert["certificate"]["neurons"][0]
        neuron.update(face=[], hyperplanes=[], active=active)
        rejected(cert, X, y, "neuron 0 has cells")
        neuron["cells"] = [4] if 1 in active else [3]  # the tied cells of the new face
        rejected(cert, X, y, "singular|Krawczyk")


def test_changed_data_is_rejected() -> None:
    cert, X, y = tampered()
    other = [*y[:-1], F(5)]
    rejected(cert, X, other, "data_sha256")
    cert["data_sha256"] = cert["certificate"]["cells"]["data_sha256"] = data_sha256(X, other)
    rejected(cert, X, other, "Krawczyk")


@pytest.mark.parametrize(
    ("path", "value", "match"),
    [
        (("unique_convex",), True, "unique_convex"),
        (("unique_network",), False, "unique_network"),
        (("status",), "undecided", "status"),
        (("claims", "optimum"), "verified", "claim 'optimum'"),
        (("claims", "neurons"), "exact", "claim 'neurons'"),
        (("certificate", "method"), "krawczyk", "method"),
        (("model",), "gated", "defined for model"),
        (("version",), 2, "version 1"),
    ],
)
def test_changed_fields_are_rejected(path, value, match: str) -> None:
    cert, X, y = tampered()
    target = cert
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    rejected(cert, X, y, match)


def _silenced(name: str):
    """The engine's check ``name`` with its failures discarded (a forging engine)."""
    original = getattr(engine._Verifier, name)

    def forged(self, *args):
        count = len(self.failures)
        out = original(self, *args)
        del self.failures[count:]
        return out

    return forged


@pytest.mark.parametrize(
    ("lam0", "lo", "hi", "match"),
    [
        # left structure: its second neuron's α reaches 0 at the breakpoint (T7)
        (F(4, 5), F(5479, 5000), F(21921, 20000), "neuron 1: alpha > 0"),
        # right structure: blocks 5 and 6 exceed λ below the breakpoint, at the lower end (T10)
        (F(6, 5), F(21919, 20000), F(5481, 5000), "block \\(pattern 5, sign 1\\) not proved"),
        (F(6, 5), F(109, 100), F(11, 10), "block \\(pattern 5, sign 1\\) not proved"),
        (F(4, 5), F(6, 5), F(1201, 1000), "neuron 1: alpha > 0"),
    ],
)
def test_forged_interval_across_the_breakpoint_is_rejected(monkeypatch, lam0, lo, hi, match):
    """With the engine's strict checks silenced the tube still passes the Krawczyk test, but
    the structure is not the optimum's on the whole interval: the checker's own strict checks
    reject it.  The first two intervals hold the breakpoint near their upper/lower end and the
    structure is proved at their midpoint: the checks must cover the whole tube."""
    assert prove(LINE_X, LINE_Y, lam0, lo, hi, **OPTIONS).status == "undecided"
    s = state(tuple(map(tuple, LINE_X)), tuple(LINE_Y), lam0, tuple(sorted(OPTIONS.items())))
    middle = Problem(LINE_X, LINE_Y, (lo + hi) / 2, **OPTIONS)
    at_middle = engine.verify_neurons(middle, s.neurons, s.residual, s.alpha, s.output_bias)
    assert (at_middle.status == "verified") == (hi - lo < F(1, 1000))
    for name in ("check_neurons", "check_faces", "bound_blocks"):
        monkeypatch.setattr(engine._Verifier, name, _silenced(name))
    outcome = prove(LINE_X, LINE_Y, lam0, lo, hi, **OPTIONS)
    assert outcome.status == "verified"  # forged
    cert = json.loads(json.dumps(outcome.certificate))
    rejected(cert, *exact(LINE_X, LINE_Y), match)


def test_no_certificate_without_an_interval_proof() -> None:
    across = prove(LINE_X, LINE_Y, F(4, 5), F(109, 100), F(11, 10), **OPTIONS)
    assert across.status == "undecided" and across.certificate is None
    point = prove(LINE_X, LINE_Y, F(4, 5), F(4, 5), F(4, 5), **OPTIONS)  # lo == hi: a point
    assert point.status == "verified" and point.certificate is None
    assert point.structure is not None
