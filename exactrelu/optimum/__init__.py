"""The set of optimal networks: the equicorrelation set, its polytope and vertices, verified
optima in ball arithmetic, LICQ and SCS (docs/theory.md §5-§8)."""
