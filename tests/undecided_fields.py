"""The set-level fields an undecided optimal-set file must leave null (docs/formats.md, kind
``optimal_set``; checker item O16), listed independently of the engine and the checker."""

UNKNOWN_FIELDS = (
    "neurons",
    "used_neurons",
    "unique_network",
    "unique_function",
    "functions",
    "unique_convex",
    "count_minimal_networks",
    "count_minimal_networks_is_lower_bound",
    "count_minimal_convex",
    "min_width",
    "same_size",
    "min_norm_network",
)
