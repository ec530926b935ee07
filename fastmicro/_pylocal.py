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
