"""Tooling for testing the theory and the checker: Hypothesis strategies, planted instances with a
known optimal set, property checks, the self-test and the mutation measure of the checker."""
