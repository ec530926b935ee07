"""``request.headers``: Werkzeug's read-only view of the WSGI environ, with
its per-request methods from the ``wsgi`` hot path.

.. versionadded:: 0.1
"""
from __future__ import annotations

from werkzeug.datastructures import EnvironHeaders as _WerkzeugEnvironHeaders

from .. import speedups

_wsgi = speedups.load("wsgi")

__all__ = ["EnvironHeaders"]


class EnvironHeaders(_WerkzeugEnvironHeaders):
    """:class:`werkzeug.datastructures.EnvironHeaders` with compiled lookups.

    Everything else (``getlist``, ``items``, ``to_wsgi_list``, equality, the
    refusal to copy or change) is Werkzeug's, on top of these methods.

    .. versionadded:: 0.1
    """

    # PERF: functions of the compiled module bound as methods: a header
    # lookup costs one C call and one dict lookup, with the environ key of
    # each header name computed once per process.
    __init__ = _wsgi.headers_init  # type: ignore[assignment]
    __getitem__ = _wsgi.headers_getitem  # type: ignore[assignment]
    get = _wsgi.headers_get  # type: ignore[assignment]
    __contains__ = _wsgi.headers_contains  # type: ignore[assignment]
    __iter__ = _wsgi.headers_iter  # type: ignore[assignment]
    __len__ = _wsgi.headers_len  # type: ignore[assignment]
