"""exactrelu: exact verification of two-layer ReLU networks (see README.md and THEORY)."""

from exactrelu.certify import Certification, certify
from exactrelu.errors import ExactReluInputError, ProblemTooLargeError
from exactrelu.io import Dataset, as_dataset, read_data
from exactrelu.networks import (
    AlphaNeuron,
    Network,
    network_from_arrays,
    network_from_json,
    network_from_torch_state_dict,
)
from exactrelu.optimal_set import OptimalSet, VerifiedOptimalSet, optimal_set
from exactrelu.patterns import CellEnumeration, enumerate_patterns
from exactrelu.planted import PlantedInstance, planted
from exactrelu.problem import Problem, Solution
from exactrelu.prune import PruneResult, least_squares_prune, prune
from exactrelu.stationary import Stationarity, stationary

__all__ = [
    "AlphaNeuron",
    "CellEnumeration",
    "Certification",
    "Dataset",
    "ExactReluInputError",
    "Network",
    "OptimalSet",
    "PlantedInstance",
    "Problem",
    "ProblemTooLargeError",
    "PruneResult",
    "Solution",
    "Stationarity",
    "VerifiedOptimalSet",
    "as_dataset",
    "certify",
    "enumerate_patterns",
    "least_squares_prune",
    "network_from_arrays",
    "network_from_json",
    "network_from_torch_state_dict",
    "optimal_set",
    "planted",
    "prune",
    "read_data",
    "stationary",
]
__version__ = "0.1.0"
