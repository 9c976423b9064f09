"""Two-layer ReLU networks (docs/theory.md §1, §3): the network with its exact fit and objective
(``network``), input and output (``network_io``), the maps to and from the convex program
(``convex``), the α-form of exact optima (``alpha_form``) and non-convex training (``training``)."""
