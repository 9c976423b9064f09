"""Former location of ``exactrelu.optimum.optimal_set``, kept so that existing imports work.

``exactrelu.optimal_set`` is also the public function of that name.  Importing this module makes
the import system bind the module to that attribute of the package, so the module is made
callable: ``exactrelu.optimal_set(problem)`` computes the optimal set either way.
"""

import sys
from types import ModuleType

from exactrelu.optimum.optimal_set import *  # noqa: F403
from exactrelu.optimum.optimal_set import optimal_set


class _CallableModule(ModuleType):
    def __call__(self, *args, **kwargs):
        return optimal_set(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
