"""The request cycle in plain Python: the pure twin of ``ext/cycle.pyx``.

:func:`plain_wsgi_app` is Flask's cycle as the app's methods spell it: make
the request context, push it (which matches the URL), run
``full_dispatch_request``, send the response, pop the contexts. Every step
goes through the app's (overridable) methods.

:func:`wsgi_app` runs the same steps with the stock methods of
:class:`~fastmicro.app.FastMicro`, ``RequestContext`` and ``AppContext``
inlined, exactly as the compiled twin does, and hands any app that
overrides one of them (see :func:`can_inline`) to :func:`plain_wsgi_app`.
Hooks, signals, errors and a touched session call the same methods the
plain cycle calls. PERF: for an app with no hooks that is a few calls
instead of a few dozen.
"""
from __future__ import annotations

import sys
import typing as t

from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from . import ctx as _ctx
from . import signals
from .globals import _cv_app, _cv_request
from .json.provider import DefaultJSONProvider
from .routing.exceptions import NeedsFullMatch
from .sessions import SecureCookieSession, SecureCookieSessionInterface
from .wrappers import Request, Response, _content_type_for, _is_plain_response_class, _status_line

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import FastMicro
    from .ctx import AppContext, RequestContext


class RequestContextState:
    """The state of a request context that the cycle reads and writes on
    every request; :class:`fastmicro.ctx.RequestContext` adds the methods.
    The compiled twin has C fields; here, class-level defaults.

    The cycle makes the request object on first use of :attr:`request` (a
    view that never looks at the request does not pay for it). Until then
    the context holds what the request is made from.

    .. versionadded:: 0.1
    """

    app: FastMicro
    _cv_tokens: list[tuple[t.Any, AppContext | None]]
    #: The session, once opened.
    _session: t.Any = None
    #: Flashed messages, loaded from the session on first use.
    flashes: list[tuple[str, str]] | None = None
    #: Functions registered with after_this_request (None: none yet).
    _after_request_functions: list[t.Callable[[t.Any], t.Any]] | None = None
    #: The response the compiled cycle made and no hook has seen yet.
    _fresh_response: t.Any = None
    _request: Request | None = None
    # The request to make on first use (_lazy_environ is None: none).
    _lazy_environ: dict[str, t.Any] | None = None
    _lazy_class: type[Request] | None = None
    _lazy_method: str | None = None
    _lazy_match: tuple[t.Any, dict[str, t.Any]] | None = None
    _lazy_error: HTTPException | None = None
    # Popped before the request was made: making it now leaves the
    # environ's None, as popping a made request does.
    _lazy_popped: bool = False

    @property
    def request(self) -> Request:
        """The request object of this context."""
        if self._lazy_environ is not None:
            self._make_request()
        return self._request  # type: ignore[return-value]

    @request.setter
    def request(self, value: Request) -> None:
        self._lazy_environ = None
        self._request = value

    def _make_request(self) -> None:
        # What the cycle did not do yet: RequestContext.__init__'s
        # ``app.request_class(environ)``, then what matching stored.
        environ = self._lazy_environ
        req = object.__new__(self._lazy_class)  # type: ignore[arg-type]
        self._lazy_environ = None
        req.environ = environ
        if not self._lazy_popped:
            environ["werkzeug.request"] = req  # type: ignore[index]
        req.method = self._lazy_method
        if self._lazy_match is not None:
            req.url_rule, req.view_args = self._lazy_match
        elif self._lazy_error is not None:
            req.routing_exception = self._lazy_error
        self._request = req


class AppContextState:
    """The state of an app context that the cycle reads and writes on every
    request; :class:`fastmicro.ctx.AppContext` adds the methods.

    .. versionadded:: 0.1
    """

    app: FastMicro
    _cv_tokens: list[t.Any]

_MISSING = object()

#: The app methods the fast cycle inlines; overriding any of them (on the
#: class or the instance) sends the app through :func:`plain_wsgi_app`.
INLINED_APP_METHODS = (
    "request_context",
    "app_context",
    "full_dispatch_request",
    "dispatch_request",
    "finalize_request",
    "make_response",
    "process_response",
    "do_teardown_request",
    "do_teardown_appcontext",
    "ensure_sync",
    "_match_request",
    "_finish_session",
    "_session_opens_on_push",
)


#: The app's instance attributes the fast cycle reads on every request. The
#: compiled twin reads them from the instance dict, which is only right
#: while the app's class does not define them (see app_attrs_shadowed).
CYCLE_APP_ATTRS = (
    "config",
    "url_map",
    "subdomain_matching",
    "_got_first_request",
    "before_request_funcs",
    "url_value_preprocessors",
    "error_handler_spec",
    "view_functions",
    "_sync_views",
    "json",
    "after_request_funcs",
    "teardown_request_funcs",
    "teardown_appcontext_funcs",
)


def app_attrs_shadowed(app_type: type) -> bool:
    """Whether ``app_type`` (or a base) defines one of CYCLE_APP_ATTRS, say
    as a property; such an app runs :func:`plain_wsgi_app`."""
    return any(name in cls.__dict__ for cls in app_type.__mro__ for name in CYCLE_APP_ATTRS)


def stock_wsgi_app(app: FastMicro) -> bool:
    """Whether ``app.wsgi_app`` is FastMicro's, not replaced on the class
    (middleware is usually set on the instance, which the caller checks)."""
    from .app import FastMicro

    return getattr(type(app), "wsgi_app", None) is FastMicro.wsgi_app


def _same(cls: type, base: type, name: str) -> bool:
    return getattr(cls, name, None) is getattr(base, name)


def can_inline(app: FastMicro) -> bool:
    """Whether the fast cycle may run ``app``: it overrides none of the
    methods the fast cycle stands in for, and its request and response
    classes are fastmicro's or keep the methods it relies on. Both twins ask
    this once per app (again when the app's instance attributes change)."""
    from .app import FastMicro

    app_type = type(app)
    request_class = app.request_class
    response_class = app.response_class
    return (
        isinstance(app, FastMicro)
        and all(
            _same(app_type, FastMicro, name) and name not in app.__dict__
            for name in INLINED_APP_METHODS
        )
        and isinstance(request_class, type)
        and issubclass(request_class, Request)
        and all(_same(request_class, Request, name) for name in ("__init__", "close", "method"))
        and isinstance(response_class, type)
        and issubclass(response_class, Response)
        and all(_same(response_class, Response, name) for name in ("__init__", "__call__"))
        and _is_plain_response_class(response_class)
        and type(_ctx.RequestContext.__dict__.get("session")) is property
        and all(cls.__new__ is object.__new__ for cls in (request_class, response_class, Headers))
        and all(
            cls.__new__ is state.__new__
            for cls, state in (
                (_ctx.RequestContext, _ctx._cycle.RequestContextState),
                (_ctx.AppContext, _ctx._cycle.AppContextState),
            )
        )
    )


class _Plan:
    """What was checked once per app, and is re-checked cheaply per request."""

    __slots__ = (
        "inline",
        "request_class",
        "response_class",
        "session_interface",
        "lazy_session",
        "app_dict_size",
    )

    def __init__(self, app: FastMicro) -> None:
        self.inline = can_inline(app) and not app_attrs_shadowed(type(app))
        self.request_class = app.request_class
        self.response_class = app.response_class
        self.session_interface = app.session_interface
        self.lazy_session = type(app.session_interface) is SecureCookieSessionInterface
        self.app_dict_size = 0


def _plan_for(app: FastMicro) -> _Plan:
    app_dict = app.__dict__
    plan = app_dict.get("_pycycle_plan")
    if (
        plan is not None
        # An instance attribute that overrides an inlined method adds a key
        # to the app's __dict__; any new key (rare after start-up) re-plans.
        and len(app_dict) == plan.app_dict_size
        and app.request_class is plan.request_class
        and app.response_class is plan.response_class
        and app.session_interface is plan.session_interface
    ):
        return plan  # type: ignore[no-any-return]
    plan = app_dict["_pycycle_plan"] = _Plan(app)
    plan.app_dict_size = len(app_dict)
    return plan  # type: ignore[no-any-return]


def app_call(
    app: FastMicro, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]
) -> t.Iterable[bytes]:
    """``FastMicro.__call__``: call ``app.wsgi_app``, which middleware may
    have replaced."""
    return app.wsgi_app(environ, start_response)


def plain_wsgi_app(
    app: FastMicro, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]
) -> t.Iterable[bytes]:
    """Handle one request on ``app`` through its methods, as Flask does."""
    ctx = app.request_context(environ)
    error: BaseException | None = None
    try:
        try:
            ctx.push()
            response = app.full_dispatch_request()
        except Exception as e:
            error = e
            response = app.handle_exception(e)
        except:  # noqa: E722
            error = sys.exc_info()[1]
            raise
        return response(environ, start_response)
    finally:
        if "werkzeug.debug.preserve_context" in environ:
            environ["werkzeug.debug.preserve_context"](_cv_app.get())
            environ["werkzeug.debug.preserve_context"](_cv_request.get())
        if error is not None and app.should_ignore_error(error):
            error = None
        ctx.pop(error)


def wsgi_app(
    app: FastMicro, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]
) -> t.Iterable[bytes]:
    """Handle one request on ``app`` (see :meth:`FastMicro.wsgi_app`)."""
    plan = _plan_for(app)
    if not plan.inline or app.config["TRUSTED_HOSTS"] is not None:
        return plain_wsgi_app(app, environ, start_response)

    # Request and contexts (RequestContext.__init__, push).
    raw_method = environ.get("REQUEST_METHOD", _MISSING)
    method = "GET" if raw_method is _MISSING else raw_method.upper()
    ctx = _ctx.RequestContext.__new__(_ctx.RequestContext)
    ctx.app = app
    # The request object is made on first use (RequestContextState).
    ctx._lazy_environ = environ
    ctx._lazy_class = plan.request_class
    ctx._lazy_method = method

    app_ctx = _cv_app.get(None)
    if app_ctx is None or app_ctx.app is not app:
        app_ctx = _ctx.AppContext.__new__(_ctx.AppContext)
        app_ctx.app = app
        app_ctx._cv_tokens = [_cv_app.set(app_ctx)]
        if signals.appcontext_pushed.receivers:
            signals.appcontext_pushed.send(app, _async_wrapper=app.ensure_sync)
    else:
        app_ctx = None
    ctx._cv_tokens = [(_cv_request.set(ctx), app_ctx)]

    error: BaseException | None = None
    try:
        try:
            if not plan.lazy_session:
                # Opened on push, as Flask does; not a use by the app.
                ctx._session = app._open_session(ctx.request)
            matched = _match(app, ctx, environ, method)
            response = _full_dispatch(app, ctx, plan, environ, raw_method, method, matched)
        except Exception as e:
            error = e
            response = app.handle_exception(e)
        except BaseException as e:
            error = e
            raise
        return _send(response, environ, start_response, ctx)
    finally:
        if "werkzeug.debug.preserve_context" in environ:
            environ["werkzeug.debug.preserve_context"](_cv_app.get())
            environ["werkzeug.debug.preserve_context"](_cv_request.get())
        if error is not None and app.should_ignore_error(error):
            error = None
        _pop(app, ctx, error)


def _match(
    app: FastMicro, ctx: RequestContext, environ: dict[str, t.Any], method: str
) -> tuple[t.Any, dict[str, t.Any]] | None:
    # RequestContext.match_request -> FastMicro._match_request, fast case.
    # Returns the (rule, view values) pair it stored on the request, or None
    # when the request went the long way or did not match.
    url_map = app.url_map
    if url_map.host_matching or app.subdomain_matching or "HTTP_UPGRADE" in environ:
        app._match_request(ctx)
        return None
    path = environ.get("PATH_INFO") or ""
    if not path.isascii():
        path = path.encode("latin1").decode(errors="replace")
    try:
        pair = url_map.match_path(path, method, url_map.default_subdomain or "")
    except NeedsFullMatch:
        app._match_request(ctx)
        return None
    except HTTPException as e:
        if ctx._lazy_environ is not None:
            ctx._lazy_error = e
        else:
            ctx.request.routing_exception = e
        return None
    if ctx._lazy_environ is not None:
        ctx._lazy_match = pair
    else:
        ctx.request.url_rule, ctx.request.view_args = pair
    return pair  # type: ignore[no-any-return]


def _full_dispatch(
    app: FastMicro,
    ctx: RequestContext,
    plan: _Plan,
    environ: dict[str, t.Any],
    raw_method: t.Any,
    method: str,
    matched: tuple[t.Any, dict[str, t.Any]] | None,
) -> t.Any:
    # FastMicro.full_dispatch_request, dispatch_request, finalize_request.
    # ``matched``: the (rule, view values) pair _match stored on the request.
    rv = None
    if not app._got_first_request:
        app._got_first_request = True
    try:
        if signals.request_started.receivers:
            signals.request_started.send(app, _async_wrapper=app.ensure_sync)
            matched = None  # a receiver may have changed the request
        if app.before_request_funcs or app.url_value_preprocessors:
            rv = app.preprocess_request()
            matched = None  # a hook may have changed the request
        if rv is None:
            if matched is not None:
                rv = _call_view(app, method, matched[0], matched[1])
            else:
                req = ctx.request
                error = req.routing_exception
                if error is not None:
                    if (
                        (type(error) is NotFound or type(error) is MethodNotAllowed)
                        and not app.error_handler_spec
                        and not app.trap_http_exception(error)
                    ):
                        # What raise_routing_exception, then handle_user_exception
                        # and handle_http_exception, do for an app without error
                        # handlers: the error is the response.
                        rv = error
                    else:
                        app.raise_routing_exception(req)
                else:
                    rv = _call_view(app, method, req.url_rule, req.view_args)
    except Exception as e:
        rv = app.handle_user_exception(e)

    response_class = plan.response_class
    rv_type = type(rv)
    if rv_type is str:
        defaults = _text_defaults(response_class)
        if defaults is not None:
            return _text_response(app, ctx, plan, environ, raw_method, rv, *defaults)
        response = app.make_response(rv)
    elif rv_type is dict or rv_type is list:
        # FastMicro.make_response's branch for these types.
        provider = app.json
        mimetype = provider.mimetype
        if mimetype is None:
            mimetype = response_class.default_mimetype
        if (
            type(provider).response is DefaultJSONProvider.response
            and (defaults := _text_defaults(response_class)) is not None
            and mimetype is not None
        ):
            # DefaultJSONProvider.response, with the response made here.
            return _text_response(
                app, ctx, plan, environ, raw_method,
                provider._response_body(rv),  # type: ignore[attr-defined]
                defaults[0], _content_type_header(mimetype),
            )
        response = provider.response(rv)
    else:
        response = app.make_response(rv)
    return _process_response(app, ctx, plan, environ, response)


def _text_defaults(response_class: type[Response]) -> tuple[str, tuple[str, str]] | None:
    # The status line and Content-Type header of a str (or JSON) return
    # value made into a response here, or None to leave it to the general
    # way: what the compiled twin's plan computes once per response class
    # (and leaves to the general way when computing it fails).
    try:
        if response_class.default_mimetype is None or not response_class.automatically_set_content_length:
            return None
        return (
            _status_line(response_class.default_status),
            _content_type_header(response_class.default_mimetype),
        )
    except Exception:
        return None


def _process_response(
    app: FastMicro,
    ctx: RequestContext,
    plan: _Plan,
    environ: dict[str, t.Any],
    response: t.Any,
) -> t.Any:
    # FastMicro.process_response
    after_this = ctx._after_request_functions
    if after_this:
        ctx._fresh_response = None
        for func in after_this:
            response = app.ensure_sync(func)(response)
    if app.after_request_funcs:
        ctx._fresh_response = None
        for name in [*ctx.request.blueprints, None]:
            if name in app.after_request_funcs:
                for func in reversed(app.after_request_funcs[name]):
                    response = app.ensure_sync(func)(response)
    session = ctx._session
    if plan.lazy_session and type(session) is SecureCookieSession:
        # FastMicro._finish_session for the stock interface and an opened,
        # not null, session. Saving it only sets headers, through the
        # checks of Headers, so a fresh response stays fresh.
        plan.session_interface.save_session(app, session, response)
    elif session is not None or _session_cookie_sent(app, environ):
        ctx._fresh_response = None
        app._finish_session(ctx, response)
    if signals.request_finished.receivers:
        signals.request_finished.send(app, _async_wrapper=app.ensure_sync, response=response)
    return response


def _session_cookie_sent(app: FastMicro, environ: dict[str, t.Any]) -> bool:
    return "HTTP_COOKIE" in environ and (
        app.session_interface.get_cookie_name(app) in environ["HTTP_COOKIE"]
    )


def _unobserved(app: FastMicro, ctx: RequestContext, environ: dict[str, t.Any]) -> bool:
    # Whether process_response would do nothing to the response: no
    # after-request function, no session to save, no request_finished
    # receiver. Then nobody sees the response object, so none is made.
    return (
        not ctx._after_request_functions
        and not app.after_request_funcs
        and ctx._session is None
        and not signals.request_finished.receivers
        and not _session_cookie_sent(app, environ)
    )


def _content_type_header(mimetype: str) -> tuple[str, str]:
    return ("Content-Type", _content_type_for(mimetype))


def _call_view(app: FastMicro, method: str, rule: t.Any, view_args: t.Any) -> t.Any:
    # FastMicro.dispatch_request after the routing check.
    if method == "OPTIONS" and getattr(rule, "provide_automatic_options", False):
        return app.make_default_options_response()
    view = app.view_functions[rule.endpoint]
    sync_views = app._sync_views
    try:
        sync = sync_views[view]
    except KeyError:
        sync = sync_views[view] = app.ensure_sync(view)
    except TypeError:
        sync = app.ensure_sync(view)
    return sync(**view_args)


def _text_response(
    app: FastMicro,
    ctx: RequestContext,
    plan: _Plan,
    environ: dict[str, t.Any],
    raw_method: t.Any,
    text: str,
    status_line: str,
    content_type_header: tuple[str, str],
) -> t.Any:
    # Response.__init__'s fast case (Response._init_simple) for the default
    # status, for a class that _is_plain_response_class vouched for in the
    # plan, then process_response.
    body = text.encode()
    response_class = plan.response_class
    length_header = ("Content-Length", str(len(body)))
    if type(raw_method) is str and raw_method != "HEAD" and _unobserved(app, ctx, environ):
        # What _send would send for the response, without making it:
        # (status line, header list, body iterable).
        return (status_line, [content_type_header, length_header], [body])
    response = object.__new__(response_class)
    headers = object.__new__(Headers)
    headers._list = [content_type_header, length_header]  # type: ignore[attr-defined]
    response.headers = headers
    response._status_code = response_class.default_status
    response._status = status_line
    response.direct_passthrough = False
    response._on_close = []
    response.response = [body]
    ctx._fresh_response = response
    return _process_response(app, ctx, plan, environ, response)


def _send(
    response: t.Any,
    environ: dict[str, t.Any],
    start_response: t.Callable[..., t.Any],
    ctx: RequestContext,
) -> t.Iterable[bytes]:
    # Response.__call__'s fast cases.
    if type(response) is tuple:
        # Made by _text_response for nobody to see: (status line, header
        # list, body). A view's tuple never gets here (make_response).
        start_response(response[0], response[1])
        return response[2]  # type: ignore[no-any-return]
    # A fresh response: made by _text_response and not seen by any hook
    # since, so its headers are the two it was made with and its body is
    # one bytes object.
    if response is ctx._fresh_response and environ["REQUEST_METHOD"] != "HEAD":
        start_response(response._status, list(response.headers._list))
        return response.response  # type: ignore[no-any-return]
    return response(environ, start_response)  # type: ignore[no-any-return]


def _pop(app: FastMicro, ctx: RequestContext, error: BaseException | None) -> None:
    # RequestContext.pop, then AppContext.pop, for the usual single push.
    tokens = ctx._cv_tokens
    if len(tokens) != 1:
        ctx.pop(error)
        return
    try:
        if app.teardown_request_funcs or signals.request_tearing_down.receivers:
            app.do_teardown_request(error)
        # An unmade request parsed no files.
        req = ctx._request
        if req is not None and "files" in req.__dict__:
            req.close()
    finally:
        current = _cv_request.get(None)
        token, app_ctx = tokens.pop()
        _cv_request.reset(token)
        if current is ctx and ctx._lazy_environ is not None:
            # Never made: the environ ends as if it had been, and popped.
            ctx._lazy_environ["werkzeug.request"] = None
            ctx._lazy_popped = True
        else:
            current.request.environ["werkzeug.request"] = None  # type: ignore[union-attr]
        if app_ctx is not None:
            _pop_app(app, app_ctx, error)
        if current is not ctx:
            raise AssertionError(f"Popped wrong request context. ({current!r} instead of {ctx!r})")


def _pop_app(app: FastMicro, app_ctx: AppContext, error: BaseException | None) -> None:
    tokens = app_ctx._cv_tokens
    if len(tokens) != 1:
        app_ctx.pop(error)
        return
    try:
        if app.teardown_appcontext_funcs or signals.appcontext_tearing_down.receivers:
            app.do_teardown_appcontext(error)
    finally:
        current = _cv_app.get(None)
        _cv_app.reset(tokens.pop())
    if current is not app_ctx:
        raise AssertionError(f"Popped wrong app context. ({current!r} instead of {app_ctx!r})")
    if signals.appcontext_popped.receivers:
        signals.appcontext_popped.send(app, _async_wrapper=app.ensure_sync)
