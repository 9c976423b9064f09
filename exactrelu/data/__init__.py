"""The single validation boundary: CSV, ``.npz`` and array-likes in, an exact ``Dataset`` out.

The CSV files shipped with the package are in ``bundled/`` (package data, not a module).
"""
