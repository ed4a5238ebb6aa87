"""Benchmarks: each module has ``main()`` printing a table; ``python -m bench`` runs them all."""
