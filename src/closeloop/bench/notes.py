"""The hand-written parts of docs/benchmarks.md (findings from reading the plans), kept with the bench."""

EXPLAIN_FINDINGS = """
(to be written from the plans below)
"""

WHAT_BOUNDS_US = """
(to be written)
"""
