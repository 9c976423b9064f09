"""The oracles of path files and of their ``verified_interval`` pieces (proofs/path.md,
proofs/verified.md "λ intervals"): the truth of a mutated file judged against the verified
original, without the checker.

A path file's claims are λ_max, each sample's exact fields (λ, status, bounds, structure),
each bracket (its ends, label, ``resolved`` against ``rel_width``) and each interval (its ends,
verdict and label).  Its numeric fields (floats, the breakpoints' verdicts, counters, a
numeric sample's float structure) claim nothing: changing them leaves the file true.  Its
lists of points, breakpoints and intervals claim each item, not completeness: a sub-list of
the original's items is true.  ``conditions`` (LICQ/SCS) are not re-verified by any checker
module: a mutation there is unclassified.
"""

from __future__ import annotations

import copy
from fractions import Fraction

from exactrelu.testing.mutation.classify import (
    HEADER,
    Context,
    conjunction,
    header_true,
    internal,
    same_claim,
)
from exactrelu.testing.mutation.operators import number_text

_NUMERIC = {
    "float",
    "min_norm_weight",
    "min_norm_change",
    "smooth_change_estimate",
    "proved_fraction",
    "solves_used",
    "continuations_used",
    "samples_used",
    "interval_tests_used",
    "interval_seconds",
    "max_solves",
    "source",
    "rel_width",  # a parameter: the claims that depend on it (resolved) are judged themselves
}
_ITEMS = ("points", "breakpoints", "intervals")


def _view(node, parent_key=None):
    """The claims of a path file: numeric fields, certificates and float copies removed; a
    numeric sample keeps only its λ, status and bounds.  ``conditions`` are set apart."""
    if isinstance(node, dict):
        out = {}
        numeric_point = node.get("status") == "numeric" and "objective_lower" in node
        for key, value in node.items():
            if key in _NUMERIC or internal((key,)) or key == "conditions":
                continue
            if key == "verdict" and parent_key == "breakpoints":
                continue  # numeric evidence (verdict_status "numeric")
            if numeric_point and key in ("neurons", "E", "S"):
                continue
            out[key] = _view(value, key)
        return out
    if isinstance(node, list):
        return [_view(v, parent_key) for v in node]
    return node


def _conditions(node) -> list:
    if isinstance(node, dict):
        return [node.get("conditions")] + [c for v in node.values() for c in _conditions(v)]
    if isinstance(node, list):
        return [c for v in node for c in _conditions(v)]
    return []


def path_oracle(doc: dict, original: dict, context: Context) -> bool | None:
    """True when every claim of the mutated path is one of the original's (see the module
    docstring); None when only ``conditions`` changed."""
    keys = tuple(k for k in HEADER if k != "lam")
    new, old = _view(doc), _view(original)
    if not header_true(new, old, context, keys) or set(new) - set(old):
        return False
    verdicts = []
    for key in old:
        if key == "intervals" and isinstance(new.get(key), list):
            zero = [i for i in new[key] if isinstance(i, dict) and i.get("verdict") == "zero"]
            others = [i for i in new[key] if i not in zero]
            verdicts.append(_sub_list(others, old[key], key))
            verdicts += [_zero_true(i, original) for i in zero]
        elif key in _ITEMS:
            verdicts.append(_sub_list(new.get(key), old[key], key))
        elif key not in ("kind", "version", "status", "claims"):  # format_true judged those
            verdicts.append(same_claim(new.get(key), old[key], (key,)))
    verdict = conjunction(verdicts)
    if verdict is True and _conditions(doc) != _conditions(original):
        return None
    return verdict


def _zero_true(item: dict, original: dict) -> bool | None:
    """A ``zero`` interval ``[lo, hi]`` claims the zero network optimal on it: true iff
    ``0 < lo < hi`` and ``lo >= λ_max`` (λ_max² from the verified original)."""
    if set(item) != {"lam_lo", "lam_hi", "verdict", "status"} or item["status"] != "exact":
        return False
    lo, hi = number_text(item["lam_lo"]), number_text(item["lam_hi"])
    if lo is None or hi is None or not 0 < lo < hi:
        return False
    top = original["lam_max"]
    lower, upper = Fraction(top["squared_lower"]), Fraction(top["squared_upper"])
    if lo * lo >= upper:
        return True
    return False if lo * lo < lower else None


def _sub_list(new, old: list, key: str) -> bool | None:
    """Each item of ``new`` is an item of ``old`` (items claim themselves, not completeness)."""
    if not isinstance(new, list):
        return False
    for item in new:
        if not any(same_claim(item, o, (key, 0)) is True for o in old):
            return False
    return True


def interval_oracle(doc: dict, original: dict, context: Context) -> bool | None:
    """A verified_interval file: the claims of the original, on a λ interval inside the
    original's (true: a sub-interval of a proved one) or not (undecided)."""
    keys = tuple(k for k in HEADER if k != "lam")
    if not header_true(doc, original, context, keys):
        return False
    ends = doc.get("lam_interval")
    if not isinstance(ends, list) or len(ends) != 2:
        return False
    lo, hi = (number_text(v) for v in ends)
    old_lo, old_hi = (Fraction(v) for v in original["lam_interval"])
    if lo is None or hi is None or not 0 < lo < hi:
        return False
    inside = old_lo <= lo and hi <= old_hi
    new, old = copy.deepcopy(doc), original
    verdicts = [
        same_claim(new.get(k), old.get(k), (k,))
        for k in set(old) | set(new)
        if not internal((k,)) and k not in ("lam_interval", "kind", "version", "status", "claims")
    ]
    verdict = conjunction(verdicts)
    if verdict is True and not inside:
        return None  # the structure may or may not persist outside the proved interval
    return verdict
