"""Benchmark suite: workflow scenarios, drivers for Levante and Mistral, results.

Not part of the installed distribution; run it from the repository root with
``python -m bench``.
"""
