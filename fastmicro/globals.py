"""Context-local proxies: ``current_app``, ``g``, ``request``, ``session``.

As in Flask 3.1 the application context and the request context live in two
separate :class:`contextvars.ContextVar` objects.
"""
from __future__ import annotations

import typing as t
from contextvars import ContextVar

from werkzeug.local import LocalProxy

from . import speedups

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import FastMicro
    from .ctx import AppContext, RequestContext, _AppCtxGlobals
    from .sessions import SessionMixin
    from .wrappers import Request

_no_app_msg = """\
Working outside of application context.

This typically means that you attempted to use functionality that needed
the current application. To solve this, set up an application context
with app.app_context(). See the documentation for more information.\
"""
_no_req_msg = """\
Working outside of request context.

This typically means that you attempted to use functionality that needed
an active HTTP request. Consult the documentation on testing for
information about how to avoid this problem.\
"""

_cv_app: ContextVar[AppContext] = ContextVar("fastmicro.app_ctx")
_cv_request: ContextVar[RequestContext] = ContextVar("fastmicro.request_ctx")


_local = speedups.load("local")


class _FastProxy(LocalProxy):  # type: ignore[type-arg]
    """A :class:`~werkzeug.local.LocalProxy` with a faster attribute path.

    PERF: Werkzeug's proxy resolves ``proxy.attr`` through a descriptor, a
    partial and two closures; views read ``request.args`` and friends on
    every request, so ``__getattr__`` here is one ``ContextVar.get`` and
    two ``getattr`` (compiled: the "local" hot path); item access and
    ``in`` (``session["user"]``) likewise. Everything else
    (dunder methods, ``_get_current_object``, ``isinstance(x, LocalProxy)``)
    is Werkzeug's.
    """

    __slots__ = ("_fm_var", "_fm_attr", "_fm_unbound")

    __getattr__ = _local.proxy_getattr
    __getitem__ = _local.proxy_getitem
    __setitem__ = _local.proxy_setitem
    __delitem__ = _local.proxy_delitem
    __contains__ = _local.proxy_contains


def _make_proxy(var: ContextVar[t.Any], attr: str, message: str) -> t.Any:
    proxy = _FastProxy(var, attr, unbound_message=message)
    object.__setattr__(proxy, "_fm_var", var)
    object.__setattr__(proxy, "_fm_attr", attr)
    object.__setattr__(proxy, "_fm_unbound", message)
    return proxy


app_ctx: AppContext = LocalProxy(_cv_app, unbound_message=_no_app_msg)  # type: ignore[assignment]
current_app: FastMicro = _make_proxy(_cv_app, "app", _no_app_msg)
g: _AppCtxGlobals = _make_proxy(_cv_app, "g", _no_app_msg)
request_ctx: RequestContext = LocalProxy(_cv_request, unbound_message=_no_req_msg)  # type: ignore[assignment]
request: Request = _make_proxy(_cv_request, "request", _no_req_msg)
session: SessionMixin = _make_proxy(_cv_request, "session", _no_req_msg)
