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


cdef inline object _target(self):
    ctx = get_value(self._fm_var)
    if ctx is None:
        raise RuntimeError(self._fm_unbound)
    return getattr(ctx, self._fm_attr)


# PERF: Werkzeug's proxy reaches ``proxy[key]`` through a descriptor that
# binds a partial per use; ``session["user"]`` is on many views' hot path.

def proxy_getitem(self, key):
    """``__getitem__`` of :class:`fastmicro.globals._FastProxy`."""
    return _target(self)[key]


def proxy_setitem(self, key, value):
    """``__setitem__`` of :class:`fastmicro.globals._FastProxy`."""
    _target(self)[key] = value


def proxy_delitem(self, key):
    """``__delitem__`` of :class:`fastmicro.globals._FastProxy`."""
    del _target(self)[key]


def proxy_contains(self, key):
    """``__contains__`` of :class:`fastmicro.globals._FastProxy`."""
    return key in _target(self)


def request_context_session(ctx):
    """``RequestContext.session``: the request's session, opened on first
    use; every use marks it accessed, so the response varies on ``Cookie``."""
    session = ctx._session
    if session is None:
        session = ctx._session = ctx.app._open_session(ctx.request)
    session.accessed = True
    return session


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
