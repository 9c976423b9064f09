"""Mutation testing of the independent checker: are false claims ever accepted?

For each kind of file the package writes, certificates are generated on small instances and
mutated at random (a number ±1, ×2, negated or replaced by another rational; a pattern bit or a
boolean flipped; a list item dropped, duplicated or two items swapped; a field dropped or set to
null; a verdict or label replaced; two network weights swapped; an entry of the data changed).
Each mutation is classified **without the checker**, exactly, from the truth of the instance:

* ``falsifying``: a claim of the mutated file is false (or the file no longer parses as its
  kind): the checker must reject it;
* ``true``: claims changed but all are still true (e.g. a witness scaled by 2, a wider
  enclosure, a smaller lower bound with a consistent gap); the checker may accept it;
* ``internal``: only the certificate part changed (the claims are those of the original file,
  which are true); the checker may accept it only if the mutated certificate still proves them,
  which is what it checks;
* ``unclassified``: the truth could not be decided (an enclosure overlapping the true one's, a
  bound between the known bounds of an irrational optimum, or a kind without an oracle).

The truth comes from the engine's own exact computations (cell enumeration, exact optima of
planted instances, exact NC objectives, :func:`exactrelu.tasks.stationary`) and from the unmutated
file (verified), never from the checker.  The checker runs as ``exactrelu check`` does
(:func:`exactrelu.checker.check_file` on files written to a temporary directory); any exception
other than :class:`CheckFailure` is counted as a crash.

    .venv/bin/python -m exactrelu.testing.mutation [--mutations N] [--seed S] [--kinds K ...]

prints one row per kind: mutations tried, falsifying (and how many were rejected: must be all),
true (accepted), internal (accepted), unclassified, crashes, time.

Modules: :mod:`.samples` (the certificates to mutate), :mod:`.operators` (the mutations),
:mod:`.classify` (a mutation's truth, decided without the checker) with the oracles of each kind
(:mod:`.oracles`, :mod:`.stationary_oracle`), and :mod:`.measure` (running the checker, the table,
the command line).
"""

from exactrelu.testing.mutation.classify import CATEGORIES, classify
from exactrelu.testing.mutation.measure import Row, main, measure, run_checker, table, write_data
from exactrelu.testing.mutation.operators import Mutation, internal, mutate
from exactrelu.testing.mutation.samples import KINDS, Sample, samples

__all__ = [
    "CATEGORIES",
    "KINDS",
    "Mutation",
    "Row",
    "Sample",
    "classify",
    "internal",
    "main",
    "measure",
    "mutate",
    "run_checker",
    "samples",
    "table",
    "write_data",
]
