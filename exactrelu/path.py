"""Former location of ``exactrelu.tasks.path``, kept so that existing imports keep working."""

from exactrelu.tasks.path import *  # noqa: F403
