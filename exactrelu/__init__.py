"""exactrelu: exact verification of two-layer ReLU networks (see README.md and THEORY)."""

from exactrelu.errors import ExactReluInputError, ProblemTooLargeError
from exactrelu.io import Dataset, as_dataset, read_data
from exactrelu.patterns import CellEnumeration, enumerate_patterns

__all__ = [
    "CellEnumeration",
    "Dataset",
    "ExactReluInputError",
    "ProblemTooLargeError",
    "as_dataset",
    "enumerate_patterns",
    "read_data",
]
__version__ = "0.1.0"
