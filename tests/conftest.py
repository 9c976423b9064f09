"""Shared test configuration: Hypothesis profiles.

``ci`` (loaded by default) is derandomized and bounded so that the suite is reproducible and quick
on two cores; ``thorough`` explores many more examples.  Select one with the option of Hypothesis's
pytest plugin::

    .venv/bin/python -m pytest -n 2 tests --hypothesis-profile=thorough
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=30,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci")
