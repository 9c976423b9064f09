"""``exactrelu selftest``: the property suite of docs/theory.md §3–§9, run on the user's machine.

Every property of :data:`exactrelu.testing.properties.PROPERTIES` is run with Hypothesis on inputs
drawn
from :mod:`exactrelu.testing.strategies` (the same properties and strategies as
``tests/properties/``),
with ``max_examples`` set at run time: a total budget of examples is shared among the properties
by their ``share`` (slow ones, like training, get fewer).  A failure is shrunk by Hypothesis to a
small counterexample, which is reported with the error; the exit status is then 1.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed

from exactrelu.testing.properties import PROPERTIES, Property

DEFAULT_EXAMPLES = 200
"""Total examples of ``exactrelu selftest`` (about a minute on two cores)."""


@dataclass(frozen=True)
class Outcome:
    """One property's run: examples checked, verdict, time, how often parts did not apply
    (``notes``) and, on failure, the error with Hypothesis's shrunk counterexample."""

    name: str
    examples: int
    passed: bool
    seconds: float
    notes: Counter = field(default_factory=Counter)
    counterexample: str | None = None


def budget(total: int, properties: Sequence[Property]) -> dict[str, int]:
    """Examples per property: ``total`` shared in proportion to the properties' shares."""
    weight = sum(p.share for p in properties)
    return {p.name: max(1, round(total * p.share / weight)) for p in properties}


def run_property(prop: Property, examples: int, seed: int) -> Outcome:
    """Run one property on ``examples`` drawn inputs (Hypothesis seeded with ``seed``, no
    example database), shrinking a failure."""
    calls: Counter = Counter()
    notes: Counter = Counter()

    @hypothesis_seed(seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(prop.cases())
    def check(case: tuple) -> None:
        calls["examples"] += 1
        note = prop.check(*case)
        if note is not None:
            notes[note] += 1

    start = time.perf_counter()
    try:
        check()
    except Exception as exc:  # a failed property (AssertionError) or a crash: both reported
        report = "\n".join([f"{type(exc).__name__}: {exc}", *getattr(exc, "__notes__", [])])
        return Outcome(
            prop.name, calls["examples"], False, time.perf_counter() - start, notes, report
        )
    return Outcome(prop.name, calls["examples"], True, time.perf_counter() - start, notes)


def run_suite(
    examples: int = DEFAULT_EXAMPLES, seed: int = 0, names: Sequence[str] | None = None
) -> list[Outcome]:
    """Run the properties named (all by default) with ``examples`` examples in total."""
    chosen = [PROPERTIES[name] for name in names] if names else list(PROPERTIES.values())
    shares = budget(examples, chosen)
    return [run_property(prop, shares[prop.name], seed) for prop in chosen]


def format_table(outcomes: Sequence[Outcome]) -> str:
    """A summary table (property, examples, passed/FAILED, seconds, parts not applicable),
    followed by every counterexample."""
    width = max((len(o.name) for o in outcomes), default=8)
    lines = [f"{'property':<{width}}  examples  result     time  not applicable (examples)"]
    for o in outcomes:
        skipped = sum(o.notes.values())
        result = "passed" if o.passed else "FAILED"
        lines.append(
            f"{o.name:<{width}}  {o.examples:>8}  {result:<6}  {o.seconds:>6.1f}s  {skipped:>5}"
        )
    total = sum(o.examples for o in outcomes)
    seconds = sum(o.seconds for o in outcomes)
    failed = sum(not o.passed for o in outcomes)
    lines.append(f"{'total':<{width}}  {total:>8}  {failed} failed  {seconds:>5.1f}s")
    for o in outcomes:
        if o.notes:
            lines.append(f"\n{o.name}: parts not applicable")
            lines += [f"  {count:>5}  {note}" for note, count in o.notes.most_common()]
    for o in outcomes:
        if o.counterexample is not None:
            lines.append(f"\n{o.name} FAILED\n{o.counterexample}")
    return "\n".join(lines)


def main(examples: int = DEFAULT_EXAMPLES, seed: int = 0, names: Sequence[str] = ()) -> int:
    """Run the suite, print the table; 0 when every property holds, else 1."""
    outcomes = run_suite(examples, seed, names or None)
    print(format_table(outcomes))
    return 0 if all(o.passed for o in outcomes) else 1
