"""Numbers and kernels that know nothing of ReLU networks: rationals, square roots (surds),
integer matrix products, signs, cones (docs/theory.md §4); progress callbacks for long work."""
