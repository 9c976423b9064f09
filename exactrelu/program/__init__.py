"""The convex program over activation patterns: blocks, the numeric solver, duality and exact
certificates of the optimum (docs/theory.md §3, §4)."""
