"""Compiled (Cython) modules, built from ``ext/*.pyx`` by ``setup.py``.

Nothing imports from here directly except :mod:`fastmicro.speedups`, the one
place that chooses between a compiled module and its pure-Python twin.
"""
