"""exactrelu: exact verification of two-layer ReLU networks (README.md, docs/theory.md).

The package's tree is its pipeline: ``exact`` (numbers and kernels) → ``data`` → ``arrangement``
→ ``model`` → ``program`` → ``optimum`` → ``tasks``, with ``testing`` and the independent
``checker`` apart and ``cli`` on top.  The public names below are loaded lazily (PEP 562), so that
``import exactrelu.checker`` loads no engine module.
"""

from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

# public name -> the module that defines it
_PUBLIC: dict[str, str] = {
    "AlphaNeuron": "exactrelu.model.alpha_form",
    "CellEnumeration": "exactrelu.arrangement.patterns",
    "Certification": "exactrelu.tasks.certify",
    "Dataset": "exactrelu.data.io",
    "ExactReluInputError": "exactrelu.errors",
    "Network": "exactrelu.model.network",
    "OptimalSet": "exactrelu.optimum.optimal_set",
    "PlantedInstance": "exactrelu.testing.planted.instance",
    "Problem": "exactrelu.program.problem",
    "ProblemTooLargeError": "exactrelu.errors",
    "PruneResult": "exactrelu.tasks.prune.result",
    "Solution": "exactrelu.program.problem",
    "Stationarity": "exactrelu.tasks.stationary.result",
    "VerifiedOptimalSet": "exactrelu.optimum.optimal_set",
    "as_dataset": "exactrelu.data.io",
    "certify": "exactrelu.tasks.certify",
    "enumerate_patterns": "exactrelu.arrangement.patterns",
    "least_squares_prune": "exactrelu.tasks.prune.least_squares",
    "network_from_arrays": "exactrelu.model.network_io",
    "network_from_json": "exactrelu.model.network_io",
    "network_from_torch_state_dict": "exactrelu.model.network_io",
    "network_to_json": "exactrelu.model.network_io",
    "network_to_numpy_state_dict": "exactrelu.model.network_io",
    "network_to_torch_state_dict": "exactrelu.model.network_io",
    "optimal_set": "exactrelu.optimum.optimal_set",
    "planted": "exactrelu.testing.planted.generator",
    "prune": "exactrelu.tasks.prune.algorithm",
    "read_data": "exactrelu.data.io",
    "stationary": "exactrelu.tasks.stationary.decide",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> object:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'exactrelu' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
