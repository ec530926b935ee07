"""Attribute access through the context-local proxies: the pure twin of
``ext/local.pyx``."""
from __future__ import annotations

import typing as t


def proxy_getattr(self: t.Any, name: str) -> t.Any:
    """``__getattr__`` of :class:`fastmicro.globals._FastProxy`."""
    ctx = self._fm_var.get(None)
    if ctx is None:
        raise RuntimeError(self._fm_unbound)
    return getattr(getattr(ctx, self._fm_attr), name)


def _target(proxy: t.Any) -> t.Any:
    ctx = proxy._fm_var.get(None)
    if ctx is None:
        raise RuntimeError(proxy._fm_unbound)
    return getattr(ctx, proxy._fm_attr)


def proxy_getitem(self: t.Any, key: t.Any) -> t.Any:
    """``__getitem__`` of :class:`fastmicro.globals._FastProxy`."""
    return _target(self)[key]


def proxy_setitem(self: t.Any, key: t.Any, value: t.Any) -> None:
    """``__setitem__`` of :class:`fastmicro.globals._FastProxy`."""
    _target(self)[key] = value


def proxy_delitem(self: t.Any, key: t.Any) -> None:
    """``__delitem__`` of :class:`fastmicro.globals._FastProxy`."""
    del _target(self)[key]


def proxy_contains(self: t.Any, key: t.Any) -> bool:
    """``__contains__`` of :class:`fastmicro.globals._FastProxy`."""
    return key in _target(self)


def request_context_session(ctx: t.Any) -> t.Any:
    """``RequestContext.session``: the request's session, opened on first
    use; every use marks it accessed, so the response varies on ``Cookie``."""
    session = ctx._session
    if session is None:
        session = ctx._session = ctx.app._open_session(ctx.request)
    session.accessed = True
    return session



class lazy_attribute:
    """A lazily computed attribute.

    A non-data descriptor: the first read computes the value and stores it in
    the instance ``__dict__``, which then shadows the descriptor, so later
    reads, assignments and ``del`` are plain attribute access. PERF:
    Werkzeug's request computes eight attributes in ``__init__`` and makes
    the rest data descriptors that run Python code on every read; most views
    read two or three attributes, several times.
    """

    def __init__(self, compute: t.Callable[[t.Any], t.Any]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.doc = self.__doc__ = compute.__doc__

    def __get__(self, obj: t.Any, owner: type | None = None) -> t.Any:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.compute(obj)
        return value
