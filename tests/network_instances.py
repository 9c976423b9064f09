"""Test-only helpers for networks: a Hypothesis strategy of small exact problems with a network.

``instances()`` draws ``(network, X, y, lam)``: d in 1..3, n in 1..6, width 0..4, with or without a
hidden bias, gated or ReLU, with or without an output bias, small rational weights and data.
Shared by ``tests/model/test_network.py``, ``test_convex.py`` and ``test_network_io.py``.
"""

from __future__ import annotations

from fractions import Fraction as F

from hypothesis import strategies as st

from exactrelu.model.network import Network

__all__ = ["instances", "small"]

small = st.fractions(min_value=-3, max_value=3, max_denominator=4)


@st.composite
def instances(draw):
    d = draw(st.integers(1, 3))
    n = draw(st.integers(1, 6))
    m = draw(st.integers(0, 4))
    bias = draw(st.booleans())
    gated = draw(st.booleans())
    D = d + bias
    X = [[draw(small) for _ in range(d)] for _ in range(n)]
    y = [draw(small) for _ in range(n)]
    W1 = tuple(tuple(draw(small) for _ in range(D)) for _ in range(m))
    w2 = tuple(draw(small) for _ in range(m))
    gates = tuple(tuple(draw(small) for _ in range(D)) for _ in range(m)) if gated else None
    output_bias = draw(st.none() | small)
    lam = draw(st.fractions(min_value=F(1, 10), max_value=3, max_denominator=10))
    return Network(W1, w2, bias, output_bias, gates), X, y, lam
