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
