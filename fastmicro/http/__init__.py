"""HTTP parsing for the request: one module per concern.

* query strings (``request.args``): :mod:`fastmicro._ext.query`, compiled
  from ``ext/query.pyx``, or its pure-Python twin :mod:`._pyquery`; pick one
  with ``fastmicro.speedups.load("query")``.

Every parser returns exactly what the Werkzeug code it replaces returns.

.. versionadded:: 0.1
"""
from __future__ import annotations
