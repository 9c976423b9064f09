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
from exactrelu.patterns import CellEnumeration, enumerate_patterns
from exactrelu.problem import Problem, Solution

__all__ = [
    "AlphaNeuron",
    "CellEnumeration",
    "Certification",
    "Dataset",
    "ExactReluInputError",
    "Network",
    "Problem",
    "ProblemTooLargeError",
    "Solution",
    "as_dataset",
    "certify",
    "enumerate_patterns",
    "network_from_arrays",
    "network_from_json",
    "network_from_torch_state_dict",
    "read_data",
]
__version__ = "0.1.0"
