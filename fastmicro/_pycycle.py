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

from . import signals
from .ctx import AppContext, RequestContext
from .globals import _cv_app, _cv_request
from .json.provider import DefaultJSONProvider
from .routing.exceptions import NeedsFullMatch
from .sessions import SecureCookieSession, SecureCookieSessionInterface
from .wrappers import Request, Response, _content_type_for, _is_plain_response_class, _status_line

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import FastMicro

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
        and type(RequestContext.__dict__.get("session")) is property
        and all(
            cls.__new__ is object.__new__
            for cls in (request_class, response_class, RequestContext, AppContext, Headers)
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
        self.inline = can_inline(app)
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
    req = object.__new__(plan.request_class)
    req.environ = environ
    environ["werkzeug.request"] = req
    method = req.method = environ.get("REQUEST_METHOD", "GET").upper()

    ctx = object.__new__(RequestContext)
    ctx.app = app
    ctx.request = req

    app_ctx = _cv_app.get(None)
    if app_ctx is None or app_ctx.app is not app:
        app_ctx = object.__new__(AppContext)
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
                ctx._session = app._open_session(req)
            _match(app, ctx, req, environ, method)
            response = _full_dispatch(app, ctx, req, plan, method)
        except Exception as e:
            error = e
            response = app.handle_exception(e)
        except BaseException as e:
            error = e
            raise
        return _send(response, environ, start_response, response is ctx._fresh_response)
    finally:
        if "werkzeug.debug.preserve_context" in environ:
            environ["werkzeug.debug.preserve_context"](_cv_app.get())
            environ["werkzeug.debug.preserve_context"](_cv_request.get())
        if error is not None and app.should_ignore_error(error):
            error = None
        _pop(app, ctx, req, error)


def _match(app: FastMicro, ctx: RequestContext, req: Request, environ: dict[str, t.Any], method: str) -> None:
    # RequestContext.match_request -> FastMicro._match_request, fast case.
    url_map = app.url_map
    if url_map.host_matching or app.subdomain_matching or "HTTP_UPGRADE" in environ:
        app._match_request(ctx)
        return
    path = environ.get("PATH_INFO") or ""
    if not path.isascii():
        path = path.encode("latin1").decode(errors="replace")
    try:
        req.url_rule, req.view_args = url_map.match_path(path, method, url_map.default_subdomain or "")
    except NeedsFullMatch:
        app._match_request(ctx)
    except HTTPException as e:
        req.routing_exception = e


def _full_dispatch(app: FastMicro, ctx: RequestContext, req: Request, plan: _Plan, method: str) -> Response:
    # FastMicro.full_dispatch_request, dispatch_request, finalize_request.
    rv = None
    if not app._got_first_request:
        app._got_first_request = True
    try:
        if signals.request_started.receivers:
            signals.request_started.send(app, _async_wrapper=app.ensure_sync)
        if app.before_request_funcs or app.url_value_preprocessors:
            rv = app.preprocess_request()
        if rv is None:
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
                rv = _call_view(app, req, method)
    except Exception as e:
        rv = app.handle_user_exception(e)

    response_class = plan.response_class
    rv_type = type(rv)
    if (
        rv_type is str
        and response_class.default_mimetype is not None
        and response_class.automatically_set_content_length
    ):
        response = ctx._fresh_response = _text_response(
            response_class, rv, response_class.default_mimetype
        )
    elif rv_type is dict or rv_type is list:
        # FastMicro.make_response's branch for these types.
        provider = app.json
        mimetype = provider.mimetype
        if mimetype is None:
            mimetype = response_class.default_mimetype
        if (
            type(provider).response is DefaultJSONProvider.response
            and response_class.automatically_set_content_length
            and mimetype is not None
        ):
            # DefaultJSONProvider.response, with the response made here.
            response = ctx._fresh_response = _text_response(
                response_class, provider._response_body(rv), mimetype  # type: ignore[attr-defined]
            )
        else:
            response = provider.response(rv)
    else:
        response = app.make_response(rv)

    # FastMicro.process_response
    after_this = ctx._after_request_functions
    if after_this:
        ctx._fresh_response = None
        for func in after_this:
            response = app.ensure_sync(func)(response)
    if app.after_request_funcs:
        ctx._fresh_response = None
        for name in [*req.blueprints, None]:
            if name in app.after_request_funcs:
                for func in reversed(app.after_request_funcs[name]):
                    response = app.ensure_sync(func)(response)
    environ = req.environ
    session = ctx._session
    if plan.lazy_session and type(session) is SecureCookieSession:
        # FastMicro._finish_session for the stock interface and an opened,
        # not null, session. Saving it only sets headers, through the
        # checks of Headers, so a fresh response stays fresh.
        app.session_interface.save_session(app, session, response)
    elif session is not None or (
        "HTTP_COOKIE" in environ
        and app.session_interface.get_cookie_name(app) in environ["HTTP_COOKIE"]
    ):
        ctx._fresh_response = None
        app._finish_session(ctx, response)
    if signals.request_finished.receivers:
        signals.request_finished.send(app, _async_wrapper=app.ensure_sync, response=response)
    return response


def _call_view(app: FastMicro, req: Request, method: str) -> t.Any:
    # FastMicro.dispatch_request after the routing check.
    rule = req.url_rule
    if method == "OPTIONS" and getattr(rule, "provide_automatic_options", False):
        return app.make_default_options_response()
    view = app.view_functions[rule.endpoint]  # type: ignore[union-attr]
    sync_views = app._sync_views
    try:
        sync = sync_views[view]
    except KeyError:
        sync = sync_views[view] = app.ensure_sync(view)
    except TypeError:
        sync = app.ensure_sync(view)
    return sync(**req.view_args)  # type: ignore[arg-type]


def _text_response(response_class: type[Response], text: str, mimetype: str) -> Response:
    # Response.__init__'s fast case (Response._init_simple), for a class
    # that _is_plain_response_class vouched for in the plan.
    body = text.encode()
    response = object.__new__(response_class)
    headers = object.__new__(Headers)
    headers._list = [  # type: ignore[attr-defined]
        ("Content-Type", _content_type_for(mimetype)),
        ("Content-Length", str(len(body))),
    ]
    response.headers = headers
    code = response_class.default_status
    response._status_code = code
    response._status = _status_line(code)
    response.direct_passthrough = False
    response._on_close = []
    response.response = [body]
    return response


def _send(
    response: t.Any, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any], fresh: bool
) -> t.Iterable[bytes]:
    # Response.__call__'s fast case. ``fresh``: made by _text_response and
    # not seen by any hook since, so its headers are the two it was made
    # with and its body is one bytes object.
    if fresh and environ["REQUEST_METHOD"] != "HEAD":
        start_response(response._status, list(response.headers._list))
        return response.response  # type: ignore[no-any-return]
    return response(environ, start_response)  # type: ignore[no-any-return]


def _pop(app: FastMicro, ctx: RequestContext, req: Request, error: BaseException | None) -> None:
    # RequestContext.pop, then AppContext.pop, for the usual single push.
    tokens = ctx._cv_tokens
    if len(tokens) != 1:
        ctx.pop(error)
        return
    try:
        if app.teardown_request_funcs or signals.request_tearing_down.receivers:
            app.do_teardown_request(error)
        if "files" in req.__dict__:
            req.close()
    finally:
        current = _cv_request.get(None)
        token, app_ctx = tokens.pop()
        _cv_request.reset(token)
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
