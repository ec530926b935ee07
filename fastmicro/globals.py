"""Context-local proxies: ``current_app``, ``g``, ``request``, ``session``.

As in Flask 3.1 the application context and the request context live in two
separate :class:`contextvars.ContextVar` objects.
"""
from __future__ import annotations

import typing as t
from contextvars import ContextVar

from werkzeug.local import LocalProxy

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


class _FastProxy(LocalProxy):  # type: ignore[type-arg]
    """A :class:`~werkzeug.local.LocalProxy` with a faster attribute path.

    PERF: Werkzeug's proxy resolves ``proxy.attr`` through a descriptor, a
    partial and two closures; views read ``request.args`` and friends on
    every request, so ``__getattr__`` here does one ``ContextVar.get`` and
    one ``getattr``. Everything else (dunder methods, ``_get_current_object``,
    ``isinstance(x, LocalProxy)``) is Werkzeug's.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self._get_current_object(), name)


def _make_proxy(var: ContextVar[t.Any], attr: str, message: str) -> t.Any:
    proxy = _FastProxy(var, attr, unbound_message=message)
    get = var.get
    getter = _attrgetter(attr)

    def current() -> t.Any:
        ctx = get(None)
        if ctx is None:
            raise RuntimeError(message)
        return getter(ctx)

    object.__setattr__(proxy, "_get_current_object", current)
    return proxy


def _attrgetter(attr: str) -> t.Callable[[t.Any], t.Any]:
    from operator import attrgetter

    return attrgetter(attr)


app_ctx: AppContext = LocalProxy(_cv_app, unbound_message=_no_app_msg)  # type: ignore[assignment]
current_app: FastMicro = _make_proxy(_cv_app, "app", _no_app_msg)
g: _AppCtxGlobals = _make_proxy(_cv_app, "g", _no_app_msg)
request_ctx: RequestContext = LocalProxy(_cv_request, unbound_message=_no_req_msg)  # type: ignore[assignment]
request: Request = _make_proxy(_cv_request, "request", _no_req_msg)
session: SessionMixin = _make_proxy(_cv_request, "session", _no_req_msg)
