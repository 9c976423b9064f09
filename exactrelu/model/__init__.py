"""Two-layer ReLU networks: exact objective and fit, input and output, non-convex training
(docs/theory.md §1, §3)."""
