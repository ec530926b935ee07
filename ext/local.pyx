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


cdef class lazy_attribute:
    """A lazily computed attribute: the first read computes the value and
    stores it in the instance ``__dict__``, which then shadows this non-data
    descriptor (see the twin in ``fastmicro/_pylocal.py``)."""

    cdef readonly object compute
    cdef readonly str name
    cdef readonly object doc

    def __init__(self, compute):
        self.compute = compute
        self.name = compute.__name__
        self.doc = compute.__doc__

    @property
    def __doc__(self):
        return self.doc

    def __get__(self, obj, owner):
        if obj is None:
            return self
        value = self.compute(obj)
        obj.__dict__[self.name] = value
        return value
