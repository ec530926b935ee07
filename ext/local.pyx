# cython: language_level=3
"""Attribute access through the context-local proxies, compiled: the twin of
``fastmicro/_pylocal.py``.

PERF: ``request.args`` in a view resolves the proxy on every access; here it
is one context-variable read and two attribute reads in C, instead of two
Python frames.
"""
from cpython.contextvars cimport get_value


def proxy_getattr(self, str name):
    """``__getattr__`` of :class:`fastmicro.globals._FastProxy`."""
    ctx = get_value(self._fm_var)
    if ctx is None:
        raise RuntimeError(self._fm_unbound)
    return getattr(getattr(ctx, self._fm_attr), name)
