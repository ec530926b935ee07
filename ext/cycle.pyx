# cython: language_level=3
"""The request cycle, compiled: the twin of ``fastmicro._pycycle.wsgi_app``.

The same algorithm as the pure twin: the steps of Flask's cycle (make and
push the contexts, match, dispatch, make and process the response, send
it, pop) with the stock methods of :class:`~fastmicro.app.FastMicro`,
``RequestContext`` and ``AppContext`` inlined. PERF: those steps are a few
dozen small Python calls, most of which do nothing for a typical app (no
hooks, no signals, no session); typed and inlined in C they cost a fraction
of a Python call each, and objects are allocated through their type's
tp_new slot.

Anything unusual goes back through the app's Python methods: an app that
``_pycycle.can_inline`` refuses runs ``_pycycle.plain_wsgi_app``; registered
hooks, signal receivers, errors, other return values and a touched session
call the same methods the plain cycle calls.
"""
from cpython.contextvars cimport PyContextVar_Set, PyContextVar_Reset, get_value
from cpython.object cimport PyObject, PyTypeObject

from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from fastmicro import _pycycle, signals
from fastmicro.ctx import AppContext, RequestContext
from fastmicro.globals import _cv_app, _cv_request
from fastmicro.json.provider import DefaultJSONProvider
from fastmicro.routing.exceptions import NeedsFullMatch
from fastmicro.sessions import SecureCookieSession, SecureCookieSessionInterface
from fastmicro.wrappers import (
    Request,
    Response,
    _content_type_for,
    _is_plain_response_class,
    _status_line,
)

cdef object _plain_wsgi_app = _pycycle.plain_wsgi_app
cdef object _can_inline = _pycycle.can_inline
cdef object _stock_wsgi_app = None  # FastMicro.wsgi_app, set by _make_plan
cdef object _cv_app_var = _cv_app
cdef object _cv_request_var = _cv_request
cdef object _request_started = signals.request_started
cdef object _request_finished = signals.request_finished
cdef object _request_tearing_down = signals.request_tearing_down
cdef object _appcontext_pushed = signals.appcontext_pushed
cdef object _appcontext_popped = signals.appcontext_popped
cdef object _appcontext_tearing_down = signals.appcontext_tearing_down
cdef object _Headers = Headers
cdef object _DefaultJSONProvider_response = DefaultJSONProvider.response
cdef object _HTTPException = HTTPException
cdef object _NotFound = NotFound
cdef object _MethodNotAllowed = MethodNotAllowed
cdef object _NeedsFullMatch = NeedsFullMatch
cdef object _SecureCookieSession = SecureCookieSession

cdef tuple _NO_ARGS = ()


cdef inline object _new(object cls):
    # PERF: ``cls.__new__(cls)`` goes through a Python-level wrapper;
    # calling the type's tp_new slot makes the same empty instance. Only
    # used for classes whose __new__ is object's (checked in the plan).
    return (<PyTypeObject*>cls).tp_new(cls, <PyObject*>_NO_ARGS, NULL)


cdef class _Plan:
    """What was checked once per app, and is re-checked cheaply per request."""

    cdef readonly bint inline
    cdef readonly object request_class
    cdef readonly object response_class
    cdef readonly object session_interface
    cdef readonly bint lazy_session
    cdef readonly Py_ssize_t app_dict_size


cdef _Plan _make_plan(object app):
    from fastmicro.app import FastMicro

    global _stock_wsgi_app
    _stock_wsgi_app = FastMicro.wsgi_app
    cdef _Plan plan = _Plan()
    plan.request_class = app.request_class
    plan.response_class = app.response_class
    plan.session_interface = app.session_interface
    plan.lazy_session = type(app.session_interface) is SecureCookieSessionInterface
    plan.inline = _can_inline(app)
    return plan


cdef inline _Plan _plan_for(object app):
    cdef _Plan plan
    cdef dict app_dict = app.__dict__
    cdef object found = app_dict.get("_cycle_plan")
    if type(found) is _Plan:
        plan = <_Plan>found
        # An instance attribute that overrides an inlined method adds a key
        # to the app's __dict__; any new key (rare after start-up) re-plans.
        if (
            len(app_dict) == plan.app_dict_size
            and app.request_class is plan.request_class
            and app.response_class is plan.response_class
            and app.session_interface is plan.session_interface
        ):
            return plan
    plan = _make_plan(app)
    app_dict["_cycle_plan"] = plan
    plan.app_dict_size = len(app_dict)
    return plan


def app_call(app, environ, start_response):
    """``FastMicro.__call__``: call ``app.wsgi_app``, which middleware may
    have replaced. PERF: a compiled function binds as a method, and the stock
    ``wsgi_app`` is entered without its Python frame."""
    if type(environ) is dict and "wsgi_app" not in app.__dict__ and (
        type(app).wsgi_app is _stock_wsgi_app
    ):
        return _handle(app, <dict>environ, start_response)
    return app.wsgi_app(environ, start_response)


def wsgi_app(app, dict environ, start_response):
    """Handle one request on ``app`` (see :meth:`FastMicro.wsgi_app`)."""
    return _handle(app, environ, start_response)


cdef object _handle(object app, dict environ, object start_response):
    cdef _Plan plan = _plan_for(app)
    if not plan.inline or app.config["TRUSTED_HOSTS"] is not None:
        return _plain_wsgi_app(app, environ, start_response)

    # -- request and contexts (RequestContext.__init__, push) -----------------
    cdef object request_class = plan.request_class
    cdef object req = _new(request_class)
    req.environ = environ
    environ["werkzeug.request"] = req
    cdef object method = environ.get("REQUEST_METHOD", "GET").upper()
    req.method = method

    cdef object ctx = _new(RequestContext)
    ctx.app = app
    ctx.request = req

    cdef object app_ctx = get_value(_cv_app_var)
    if app_ctx is None or app_ctx.app is not app:
        app_ctx = _new(AppContext)
        app_ctx.app = app
        app_ctx._cv_tokens = [PyContextVar_Set(_cv_app_var, app_ctx)]
        if _appcontext_pushed.receivers:
            _appcontext_pushed.send(app, _async_wrapper=app.ensure_sync)
    else:
        app_ctx = None
    ctx._cv_tokens = [(PyContextVar_Set(_cv_request_var, ctx), app_ctx)]

    cdef object error = None
    cdef object response
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
            environ["werkzeug.debug.preserve_context"](_cv_app_var.get())
            environ["werkzeug.debug.preserve_context"](_cv_request_var.get())
        if error is not None and app.should_ignore_error(error):
            error = None
        _pop(app, ctx, req, environ, error)


cdef inline void _match(object app, object ctx, object req, dict environ, object method) except *:
    # RequestContext.match_request -> FastMicro._match_request, fast case.
    cdef object url_map = app.url_map
    cdef object path
    if url_map.host_matching or app.subdomain_matching or "HTTP_UPGRADE" in environ:
        app._match_request(ctx)
        return
    path = environ.get("PATH_INFO") or ""
    if not path.isascii():
        path = path.encode("latin1").decode(errors="replace")
    try:
        req.url_rule, req.view_args = url_map.match_path(
            path, method, url_map.default_subdomain or ""
        )
    except _NeedsFullMatch:
        app._match_request(ctx)
    except _HTTPException as e:
        req.routing_exception = e


cdef object _full_dispatch(object app, object ctx, object req, _Plan plan, object method):
    # FastMicro.full_dispatch_request, dispatch_request, finalize_request.
    cdef object rv = None
    cdef object error
    if not app._got_first_request:
        app._got_first_request = True
    try:
        if _request_started.receivers:
            _request_started.send(app, _async_wrapper=app.ensure_sync)
        if app.before_request_funcs or app.url_value_preprocessors:
            rv = app.preprocess_request()
        if rv is None:
            error = req.routing_exception
            if error is not None:
                if (
                    (type(error) is _NotFound or type(error) is _MethodNotAllowed)
                    and not app.error_handler_spec
                    and not app.trap_http_exception(error)
                ):
                    # PERF: what raise_routing_exception, then
                    # handle_user_exception and handle_http_exception, do
                    # for an app without error handlers: the error is the
                    # response.
                    rv = error
                else:
                    app.raise_routing_exception(req)
            else:
                rv = _call_view(app, req, method)
    except Exception as e:
        rv = app.handle_user_exception(e)

    cdef object response
    cdef object response_class = plan.response_class
    cdef object rv_type = type(rv)
    if (
        rv_type is str
        and response_class.default_mimetype is not None
        and response_class.automatically_set_content_length
    ):
        response = ctx._fresh_response = _text_response(
            response_class, <str>rv, response_class.default_mimetype
        )
    elif rv_type is dict or rv_type is list:
        # FastMicro.make_response's branch for these types.
        provider = app.json
        mimetype = provider.mimetype
        if mimetype is None:
            mimetype = response_class.default_mimetype
        if (
            type(provider).response is _DefaultJSONProvider_response
            and response_class.automatically_set_content_length
            and mimetype is not None
        ):
            # DefaultJSONProvider.response, with the response made in C.
            response = ctx._fresh_response = _text_response(
                response_class, provider._response_body(rv), mimetype
            )
        else:
            response = provider.response(rv)
    else:
        response = app.make_response(rv)

    # FastMicro.process_response
    cdef object after_this = ctx._after_request_functions
    if after_this:
        ctx._fresh_response = None
        for func in after_this:
            response = app.ensure_sync(func)(response)
    if app.after_request_funcs:
        ctx._fresh_response = None
        response = _after_request(app, req, response)
    cdef object session = ctx._session
    if plan.lazy_session and type(session) is _SecureCookieSession:
        # FastMicro._finish_session for the stock interface and an opened,
        # not null, session. Saving it only sets headers, through the
        # checks of Headers, so a fresh response stays fresh.
        app.session_interface.save_session(app, session, response)
    elif session is not None or (
        "HTTP_COOKIE" in req.environ
        and app.session_interface.get_cookie_name(app) in req.environ["HTTP_COOKIE"]
    ):
        ctx._fresh_response = None
        app._finish_session(ctx, response)
    if _request_finished.receivers:
        _request_finished.send(app, _async_wrapper=app.ensure_sync, response=response)
    return response


cdef dict _content_types = {}
cdef dict _status_lines = {}


cdef object _text_response(object response_class, str text, object mimetype):
    # Response.__init__'s fast case (Response._init_simple), for a class
    # that _is_plain_response_class vouched for in the plan.
    cdef bytes body = text.encode()
    cdef object content_type = _content_types.get(mimetype)
    if content_type is None:
        content_type = _content_types[mimetype] = _content_type_for(mimetype)
    cdef object code = response_class.default_status
    cdef object line = _status_lines.get(code)
    if line is None:
        line = _status_lines[code] = _status_line(code)
    cdef object response = _new(response_class)
    cdef object headers = _new(_Headers)
    headers._list = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    response.headers = headers
    response._status_code = code
    response._status = line
    response.direct_passthrough = False
    response._on_close = []
    response.response = [body]
    return response


cdef object _call_view(object app, object req, object method):
    # FastMicro.dispatch_request after the routing check.
    cdef object rule = req.url_rule
    cdef object view, sync
    cdef dict sync_views
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
    return sync(**req.view_args)


cdef object _after_request(object app, object req, object response):
    cdef object name, func
    for name in list(req.blueprints) + [None]:
        if name in app.after_request_funcs:
            for func in reversed(app.after_request_funcs[name]):
                response = app.ensure_sync(func)(response)
    return response


cdef dict _plain_classes = {}


cdef object _send(object response, dict environ, object start_response, bint fresh):
    # Response.__call__'s fast case. ``fresh``: made by _text_response and
    # not seen by any hook since, so its headers are the two it was made
    # with and its body is one bytes object.
    if fresh and environ["REQUEST_METHOD"] != "HEAD":
        start_response(response._status, list(response.headers._list))
        return response.response
    cdef object body
    cdef object key, lowered
    cdef bint has_length = False
    cdef int code
    if not isinstance(response, Response):
        return response(environ, start_response)
    cdef object response_type = type(response)
    cdef object plain = _plain_classes.get(response_type)
    if plain is None:
        plain = _plain_classes[response_type] = (
            response_type.__call__ is Response.__call__
            and _is_plain_response_class(response_type)
        )
    if not plain:
        return response(environ, start_response)
    body = response.response
    code = response._status_code
    if (
        type(body) is list
        and len(body) == 1
        and type((<list>body)[0]) is bytes
        and not response._on_close
        and not response.direct_passthrough
        and 200 <= code
        and code != 204
        and code != 304
        and environ["REQUEST_METHOD"] != "HEAD"
    ):
        header_list = response.headers._list
        for key, _ in header_list:
            lowered = key.lower()
            if lowered == "content-length":
                has_length = True
            elif lowered == "location" or lowered == "content-location":
                return response(environ, start_response)
        if has_length:
            start_response(response._status, list(header_list))
            return body
    return response(environ, start_response)


cdef void _pop(object app, object ctx, object req, dict environ, object error) except *:
    # RequestContext.pop, then AppContext.pop, for the usual single push.
    cdef list tokens = ctx._cv_tokens
    if len(tokens) != 1:
        ctx.pop(error)
        return
    cdef object current, token, app_ctx
    try:
        if app.teardown_request_funcs or _request_tearing_down.receivers:
            app.do_teardown_request(error)
        if "files" in req.__dict__:
            req.close()
    finally:
        current = get_value(_cv_request_var)
        token, app_ctx = tokens.pop()
        PyContextVar_Reset(_cv_request_var, token)
        current.request.environ["werkzeug.request"] = None
        if app_ctx is not None:
            _pop_app(app, app_ctx, error)
        if current is not ctx:
            raise AssertionError(
                f"Popped wrong request context. ({current!r} instead of {ctx!r})"
            )


cdef void _pop_app(object app, object app_ctx, object error) except *:
    cdef list tokens = app_ctx._cv_tokens
    if len(tokens) != 1:
        app_ctx.pop(error)
        return
    cdef object current
    try:
        if app.teardown_appcontext_funcs or _appcontext_tearing_down.receivers:
            app.do_teardown_appcontext(error)
    finally:
        current = get_value(_cv_app_var)
        PyContextVar_Reset(_cv_app_var, tokens.pop())
    if current is not app_ctx:
        raise AssertionError(
            f"Popped wrong app context. ({current!r} instead of {app_ctx!r})"
        )
    if _appcontext_popped.receivers:
        _appcontext_popped.send(app, _async_wrapper=app.ensure_sync)
