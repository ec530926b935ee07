"""Application and request contexts, as Flask 3.1 has them: two separate
context variables, the app context pushed implicitly by a request."""
from __future__ import annotations

import contextvars
import sys
import typing as t
from functools import update_wrapper

from werkzeug.exceptions import HTTPException

from . import signals, speedups
from .globals import _cv_app, _cv_request

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.routing import MapAdapter

    from .app import FastMicro
    from .sessions import SessionMixin
    from .wrappers import Request

_sentinel = object()
_local = speedups.load("local")
_lazy_attribute = _local.lazy_attribute
# The per-request state of both contexts lives in the cycle's base classes
# (C fields on the compiled backend).
_cycle = speedups.load("cycle")


class _AppCtxGlobals:
    """The ``g`` namespace object: a plain object with dict-like helpers."""

    def __getattr__(self, name: str) -> t.Any:
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: t.Any) -> None:
        self.__dict__[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, name: str, default: t.Any | None = None) -> t.Any:
        """Get an attribute by name, or a default value."""
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: t.Any = _sentinel) -> t.Any:
        """Get and remove an attribute by name."""
        if default is _sentinel:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: t.Any = None) -> t.Any:
        """Get the value of an attribute if it is present, otherwise set
        and return a default value."""
        return self.__dict__.setdefault(name, default)

    def __contains__(self, item: str) -> bool:
        return item in self.__dict__

    def __iter__(self) -> t.Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        ctx = _cv_app.get(None)
        if ctx is not None:
            return f"<fastmicro.g of '{ctx.app.name}'>"
        return object.__repr__(self)


def after_this_request(f: t.Callable[[t.Any], t.Any]) -> t.Callable[[t.Any], t.Any]:
    """Run ``f`` on the response of the current request, before the app's
    ``after_request`` functions.

    .. versionadded:: 0.1
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'after_this_request' can only be used when a request"
            " context is active, such as in a view function."
        )
    if ctx._after_request_functions is None:
        ctx._after_request_functions = []
    ctx._after_request_functions.append(f)
    return f


F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def copy_current_request_context(f: F) -> F:
    """Decorate ``f`` so that it runs in a copy of the current request
    context, for example in a greenlet or thread.

    .. versionadded:: 0.1
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'copy_current_request_context' can only be used when a"
            " request context is active, such as in a view function."
        )
    ctx = ctx.copy()

    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        with ctx:
            return ctx.app.ensure_sync(f)(*args, **kwargs)

    return update_wrapper(wrapper, f)  # type: ignore[return-value]


def has_request_context() -> bool:
    """Whether a request context is active.

    .. versionadded:: 0.1
    """
    return _cv_request.get(None) is not None


def has_app_context() -> bool:
    """Whether an application context is active.

    .. versionadded:: 0.1
    """
    return _cv_app.get(None) is not None


class AppContext(_cycle.AppContextState):  # type: ignore[misc,name-defined]
    """The application context: ``current_app`` and ``g``.

    Pushed implicitly for each request, or explicitly with
    ``app.app_context()``.

    .. versionadded:: 0.1
    """

    def __init__(self, app: FastMicro) -> None:
        self.app = app
        self._cv_tokens: list[contextvars.Token[AppContext]] = []

    # PERF: the URL adapter and ``g`` are made on first use (then they are
    # plain attributes); a request that neither builds URLs nor touches
    # ``g`` pays for neither.
    @_lazy_attribute
    def url_adapter(self) -> MapAdapter | None:
        """The URL adapter for building URLs outside a request."""
        return self.app.create_url_adapter(None)

    @_lazy_attribute
    def g(self) -> _AppCtxGlobals:
        """The ``g`` namespace of this context."""
        return self.app.app_ctx_globals_class()

    def push(self) -> None:
        """Bind the app context to the current context."""
        self._cv_tokens.append(_cv_app.set(self))
        if signals.appcontext_pushed.receivers:
            signals.appcontext_pushed.send(self.app, _async_wrapper=self.app.ensure_sync)

    def pop(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Pop the app context, running teardown functions."""
        try:
            if len(self._cv_tokens) == 1:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                self.app.do_teardown_appcontext(exc)
        finally:
            ctx = _cv_app.get()
            _cv_app.reset(self._cv_tokens.pop())

        if ctx is not self:
            raise AssertionError(
                f"Popped wrong app context. ({ctx!r} instead of {self!r})"
            )
        if signals.appcontext_popped.receivers:
            signals.appcontext_popped.send(self.app, _async_wrapper=self.app.ensure_sync)

    def __enter__(self) -> AppContext:
        self.push()
        return self

    def __exit__(self, exc_type: type | None, exc_value: BaseException | None, tb: t.Any) -> None:
        self.pop(exc_value)


class RequestContext(_cycle.RequestContextState):  # type: ignore[misc,name-defined]
    """The request context: ``request`` and ``session``.

    Made by the app for each request, or with ``app.test_request_context()``.
    Pushing it pushes an app context if none for this app is active. The URL
    is matched on push; the session is opened on first use of ``session``
    (the default cookie session interface) or on push (any other).

    .. versionadded:: 0.1
    """

    # The state attributes (app, request, _cv_tokens, _session, flashes,
    # _after_request_functions, _fresh_response) are declared, with their
    # None defaults, on the cycle's RequestContextState.

    def __init__(
        self,
        app: FastMicro,
        environ: dict[str, t.Any],
        request: Request | None = None,
        session: SessionMixin | None = None,
    ) -> None:
        self.app = app
        if request is None:
            request = app.request_class(environ)
        self.request = request
        if session is not None:
            self._session = session
        self._cv_tokens: list[tuple[contextvars.Token[RequestContext], AppContext | None]] = []
        if app.config["TRUSTED_HOSTS"] is not None:
            # Flask checks the host while making the URL adapter; a bad host
            # becomes the routing error of the request.
            try:
                self.url_adapter
            except HTTPException as e:
                request.routing_exception = e

    @_lazy_attribute
    def url_adapter(self) -> MapAdapter | None:
        """The URL adapter bound to this request's environ, made on first
        use (matching does not need it)."""
        return self.app.create_url_adapter(self.request)

    def _set_session(self, value: SessionMixin | None) -> None:
        self._session = value

    # PERF: read through the ``session`` proxy on every use of the session.
    session = property(
        _local.request_context_session,
        _set_session,
        doc="""The session of this request, opened on first use. Every use
        marks it accessed, so the response varies on ``Cookie``.""",
    )

    def copy(self) -> RequestContext:
        """A copy of this context with the same request and session."""
        return self.__class__(
            self.app,
            environ=self.request.environ,
            request=self.request,
            session=self._session,
        )

    def match_request(self) -> None:
        """Match the request URL, storing the rule and values on the
        request, or the routing error to raise at dispatch."""
        self.app._match_request(self)

    def push(self) -> None:
        app_ctx = _cv_app.get(None)
        if app_ctx is None or app_ctx.app is not self.app:
            app_ctx = self.app.app_context()
            app_ctx.push()
        else:
            app_ctx = None
        self._cv_tokens.append((_cv_request.set(self), app_ctx))
        if self._session is None and self.app._session_opens_on_push():
            # Opened on push, as Flask does; not a use by the app.
            self._session = self.app._open_session(self.request)
        if self.request.routing_exception is None:
            self.match_request()

    def pop(self, exc: BaseException | None = _sentinel) -> None:  # type: ignore[assignment]
        """Pop the request context, running teardown functions, then the
        app context that push pushed."""
        clear_request = len(self._cv_tokens) == 1
        try:
            if clear_request:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                self.app.do_teardown_request(exc)
                request_close = getattr(self.request, "close", None)
                if request_close is not None:
                    request_close()
        finally:
            ctx = _cv_request.get()
            token, app_ctx = self._cv_tokens.pop()
            _cv_request.reset(token)
            # Break the request <-> environ cycle so the GC need not run.
            if clear_request:
                ctx.request.environ["werkzeug.request"] = None
            if app_ctx is not None:
                app_ctx.pop(exc)
            if ctx is not self:
                raise AssertionError(
                    f"Popped wrong request context. ({ctx!r} instead of {self!r})"
                )

    def __enter__(self) -> RequestContext:
        self.push()
        return self

    def __exit__(self, exc_type: type | None, exc_value: BaseException | None, tb: t.Any) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.request.url!r}"
            f" [{self.request.method}] of {self.app.name}>"
        )
