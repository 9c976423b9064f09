"""Former location of ``exactrelu.program.problem``, kept so that existing imports keep working."""

from exactrelu.program.problem import *  # noqa: F403
