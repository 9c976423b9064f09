"""Former location of ``exactrelu.testing.strategies``, kept so that existing imports keep
working."""

from exactrelu.testing.strategies import *  # noqa: F403
