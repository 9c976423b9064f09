"""Numbers and kernels that know nothing of ReLU networks: rationals, signs, cones (docs/theory.md
§4)."""
