"""Activation patterns: the cells of the hyperplane arrangement of the data, with a completeness
certificate (docs/theory.md §2)."""
