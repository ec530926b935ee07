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
from cpython.dict cimport PyDict_GetItem, PyDict_GetItemWithError
from cpython.pycapsule cimport PyCapsule_GetPointer

cdef extern from "Python.h":
    # Only the field the plan reads; Cython's PyTypeObject omits it.
    ctypedef struct _TaggedType "PyTypeObject":
        unsigned int tp_version_tag
    bint PyUnicode_IS_ASCII(object)
    void* PyUnicode_DATA(object)
    Py_ssize_t PyUnicode_GET_LENGTH(object)
    Py_ssize_t PyDict_GET_SIZE(object)
    Py_ssize_t PyList_GET_SIZE(object)
    object PyObject_GenericGetDict(object, void*)
    PyObject* PyList_GET_ITEM(object, Py_ssize_t)

cdef extern from *:
    """
    /* Changes whenever dict d does, and is unique among all dicts: CPython
       3.11's ma_version_tag. 0 (never trusted) where it is not known. */
    static unsigned long long __fmc_dict_version(PyObject *d) {
    #if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000 && !defined(PYPY_VERSION)
        return (unsigned long long)((PyDictObject *)d)->ma_version_tag;
    #else
        (void)d;
        return 0;
    #endif
    }
    """
    unsigned long long __fmc_dict_version(PyObject* d)

cdef extern from *:
    """
    /* Whether o, which the caller holds once, is held by nothing else: no
       other reference, no weak reference, no instance attribute, so it can
       serve as a new object of its type. Known only for CPython 3.11's
       layout of a managed instance dict (values at -4, dict at -3 words);
       0 (never) elsewhere. */
    static int __fmc_unshared(PyObject *o) {
    #if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000 && !defined(PYPY_VERSION)
        PyTypeObject *tp = Py_TYPE(o);
        PyObject *dict;
        if (Py_REFCNT(o) != 1 || !(tp->tp_flags & Py_TPFLAGS_MANAGED_DICT))
            return 0;
        if (tp->tp_weaklistoffset > 0
                && *(PyObject **)((char *)o + tp->tp_weaklistoffset) != NULL)
            return 0;
        if (((void **)o)[-4] != NULL)
            return 0;
        dict = ((PyObject **)o)[-3];
        return dict == NULL || PyDict_GET_SIZE(dict) == 0;
    #else
        (void)o;
        return 0;
    #endif
    }
    """
    int __fmc_unshared(PyObject* o)

from collections import defaultdict as _defaultdict

from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from fastmicro import signals
from fastmicro.config import Config
from fastmicro.globals import _cv_app, _cv_request
from fastmicro.json.provider import DefaultJSONProvider
from fastmicro.routing.exceptions import NeedsFullMatch
from fastmicro.sessions import SecureCookieSession, SecureCookieSessionInterface
from fastmicro.wrappers import (
    Response,
    _content_type_for,
    _is_plain_response_class,
    _status_line,
)

cdef class RequestContextState:
    """The state of a request context that the cycle reads and writes on
    every request; :class:`fastmicro.ctx.RequestContext` adds the methods.
    PERF: C fields, not instance-dict entries: the compiled cycle sets and
    reads them without attribute lookups. The pure twin is a plain class.

    The cycle makes the request object on first use of :attr:`request`
    (PERF: a view that never looks at the request does not pay for it).
    Until then the context holds what the request is made from.

    .. versionadded:: 0.1
    """

    cdef public object app
    # The cycle's own push keeps its token and app context in C fields;
    # _cv_tokens makes the list of (token, app context) pairs from them
    # when read (PERF: no list and tuple per request).
    cdef object _push_token
    cdef object _push_app_ctx
    cdef list _tokens
    #: The session, once opened.
    cdef public object _session
    #: Flashed messages, loaded from the session on first use.
    cdef public object flashes
    #: Functions registered with after_this_request (None: none yet).
    cdef public object _after_request_functions
    #: The response the compiled cycle made and no hook has seen yet.
    cdef public object _fresh_response
    # Public (to Python) so the pure cycle runs on these classes too.
    cdef public object _request
    # The request to make on first use (_lazy_environ is None: none).
    cdef public dict _lazy_environ
    cdef public object _lazy_class
    cdef public object _lazy_method
    cdef public object _lazy_match
    cdef public object _lazy_error
    # Popped before the request was made: making it now leaves the
    # environ's None, as popping a made request does.
    cdef public bint _lazy_popped

    @property
    def _cv_tokens(self):
        """The (token, pushed app context) pair of each push, last last."""
        if self._push_token is not None:
            self._tokens = [(self._push_token, self._push_app_ctx)]
            self._push_token = self._push_app_ctx = None
        elif self._tokens is None:
            self._tokens = []
        return self._tokens

    @_cv_tokens.setter
    def _cv_tokens(self, list value):
        self._push_token = self._push_app_ctx = None
        self._tokens = value

    @property
    def request(self):
        """The request object of this context."""
        return self._get_request()

    @request.setter
    def request(self, value):
        self._lazy_environ = None
        self._request = value

    cdef void _clear(self) except *:
        # Back to what tp_new made, for _recycle.
        self.app = None
        self._push_token = self._push_app_ctx = None
        self._tokens = None
        self._session = self.flashes = None
        self._after_request_functions = self._fresh_response = None
        self._request = None
        self._lazy_environ = None
        self._lazy_class = self._lazy_method = None
        self._lazy_match = self._lazy_error = None
        self._lazy_popped = False

    cdef object _get_request(self):
        if self._lazy_environ is not None:
            self._make_request()
        return self._request

    cdef void _make_request(self) except *:
        # What the cycle did not do yet: RequestContext.__init__'s
        # ``app.request_class(environ)``, then what matching stored.
        cdef dict environ = self._lazy_environ
        cdef object req = _new(self._lazy_class)
        self._lazy_environ = None
        req.environ = environ
        if not self._lazy_popped:
            environ["werkzeug.request"] = req
        req.method = self._lazy_method
        if self._lazy_match is not None:
            req.url_rule, req.view_args = self._lazy_match
        elif self._lazy_error is not None:
            req.routing_exception = self._lazy_error
        self._request = req


cdef class AppContextState:
    """The state of an app context that the cycle reads and writes on every
    request; :class:`fastmicro.ctx.AppContext` adds the methods.

    .. versionadded:: 0.1
    """

    cdef public object app
    # As RequestContextState's: the cycle's push keeps its token here.
    cdef object _push_token
    cdef list _tokens

    @property
    def _cv_tokens(self):
        """The token of each push, last last."""
        if self._push_token is not None:
            self._tokens = [self._push_token]
            self._push_token = None
        elif self._tokens is None:
            self._tokens = []
        return self._tokens

    @_cv_tokens.setter
    def _cv_tokens(self, list value):
        self._push_token = None
        self._tokens = value

    cdef void _clear(self) except *:
        # Back to what tp_new made, for _recycle.
        self.app = None
        self._push_token = None
        self._tokens = None


# Bound on first use (_bind): fastmicro.ctx subclasses the classes above,
# so this module is imported while fastmicro.ctx is being imported.
cdef object _plain_wsgi_app = None
cdef object _can_inline = None
cdef object _stock_wsgi_app = None
cdef object _app_attrs_shadowed = None
cdef object RequestContext = None
cdef object AppContext = None


cdef void _bind_snapshot_names(tuple names) except *:
    global _SNAPSHOT_NAMES, _CONFIG, _URL_MAP, _SUBDOMAIN_MATCHING, _GOT_FIRST_REQUEST
    global _BEFORE_REQUEST_FUNCS, _URL_VALUE_PREPROCESSORS, _ERROR_HANDLER_SPEC
    global _VIEW_FUNCTIONS, _SYNC_VIEWS, _JSON, _AFTER_REQUEST_FUNCS
    global _TEARDOWN_REQUEST_FUNCS, _TEARDOWN_APPCONTEXT_FUNCS
    _SNAPSHOT_NAMES = names
    _CONFIG = names.index("config")
    _URL_MAP = names.index("url_map")
    _SUBDOMAIN_MATCHING = names.index("subdomain_matching")
    _GOT_FIRST_REQUEST = names.index("_got_first_request")
    _BEFORE_REQUEST_FUNCS = names.index("before_request_funcs")
    _URL_VALUE_PREPROCESSORS = names.index("url_value_preprocessors")
    _ERROR_HANDLER_SPEC = names.index("error_handler_spec")
    _VIEW_FUNCTIONS = names.index("view_functions")
    _SYNC_VIEWS = names.index("_sync_views")
    _JSON = names.index("json")
    _AFTER_REQUEST_FUNCS = names.index("after_request_funcs")
    _TEARDOWN_REQUEST_FUNCS = names.index("teardown_request_funcs")
    _TEARDOWN_APPCONTEXT_FUNCS = names.index("teardown_appcontext_funcs")


cdef void _bind() except *:
    global _plain_wsgi_app, _can_inline, _stock_wsgi_app, _app_attrs_shadowed
    global RequestContext, AppContext
    from fastmicro import _pycycle, ctx

    _plain_wsgi_app = _pycycle.plain_wsgi_app
    _can_inline = _pycycle.can_inline
    _stock_wsgi_app = _pycycle.stock_wsgi_app
    _app_attrs_shadowed = _pycycle.app_attrs_shadowed
    _bind_snapshot_names(_pycycle.CYCLE_APP_ATTRS)
    RequestContext = ctx.RequestContext
    AppContext = ctx.AppContext
    _bind_matcher()


# Map.match_path for the cycle, as a C function (the compiled matcher's
# cycle_match), when the compiled matcher is the one in use.
ctypedef object (*_cycle_match_t)(object, str, str)
cdef _cycle_match_t _cycle_match = NULL


cdef void _bind_matcher() except *:
    global _cycle_match
    from fastmicro.routing import map as routing_map

    capsule = getattr(routing_map._matcher_module, "cycle_match_capsule", None)
    if capsule is not None:
        _cycle_match = <_cycle_match_t>PyCapsule_GetPointer(
            capsule, "fastmicro._ext.matcher.cycle_match"
        )
cdef object _cv_app_var = _cv_app
cdef object _cv_request_var = _cv_request
# PERF: blinker mutates a signal's ``receivers`` dict in place, so the
# dicts themselves are kept: "anyone connected?" is a C-level size check.
cdef dict _request_started = signals.request_started.receivers
cdef dict _request_finished = signals.request_finished.receivers
cdef dict _request_tearing_down = signals.request_tearing_down.receivers
cdef dict _appcontext_pushed = signals.appcontext_pushed.receivers
cdef dict _appcontext_popped = signals.appcontext_popped.receivers
cdef dict _appcontext_tearing_down = signals.appcontext_tearing_down.receivers
cdef object _request_started_signal = signals.request_started
cdef object _request_finished_signal = signals.request_finished
cdef object _appcontext_pushed_signal = signals.appcontext_pushed
cdef object _appcontext_popped_signal = signals.appcontext_popped
cdef object _Headers = Headers
cdef object _DefaultDict = _defaultdict
cdef object _Config = Config
cdef object _DefaultJSONProvider_response = DefaultJSONProvider.response
cdef object _HTTPException = HTTPException
cdef object _NotFound = NotFound
cdef object _MethodNotAllowed = MethodNotAllowed
cdef object _NeedsFullMatch = NeedsFullMatch
cdef object _SecureCookieSession = SecureCookieSession

cdef tuple _NO_ARGS = ()
cdef object _MISSING = object()


cdef inline object _new(object cls):
    # PERF: ``cls.__new__(cls)`` goes through a Python-level wrapper;
    # calling the type's tp_new slot makes the same empty instance. Only
    # used for classes whose __new__ is object's (checked in the plan).
    return (<PyTypeObject*>cls).tp_new(cls, <PyObject*>_NO_ARGS, NULL)


cdef inline unsigned int _type_tag(object cls):
    # CPython gives a class a new version tag whenever it or a base class
    # changes (0: none assigned); its own attribute cache relies on this.
    return (<_TaggedType*>cls).tp_version_tag


# Indices into _SNAPSHOT_NAMES (set by _bind from _pycycle.CYCLE_APP_ATTRS).
cdef Py_ssize_t _CONFIG, _URL_MAP, _SUBDOMAIN_MATCHING, _GOT_FIRST_REQUEST
cdef Py_ssize_t _BEFORE_REQUEST_FUNCS, _URL_VALUE_PREPROCESSORS, _ERROR_HANDLER_SPEC
cdef Py_ssize_t _VIEW_FUNCTIONS, _SYNC_VIEWS, _JSON, _AFTER_REQUEST_FUNCS
cdef Py_ssize_t _TEARDOWN_REQUEST_FUNCS, _TEARDOWN_APPCONTEXT_FUNCS
cdef tuple _SNAPSHOT_NAMES = ()

# The values of those attributes in the app dict _snapshot_dict (not owned)
# at version _snapshot_version: while the dict's version is unchanged, so
# are they.
cdef PyObject* _snapshot_dict = NULL
cdef unsigned long long _snapshot_version = 0
cdef list _snapshot = None
# The app dict's "_cycle_plan" at that version (borrowed from the dict), or
# NULL.
cdef PyObject* _snapshot_plan = NULL


cdef inline bint _snapshot_current(dict app_dict) noexcept:
    # Whether the snapshot is of this dict as it is now.
    return (
        <PyObject*>app_dict == _snapshot_dict
        and __fmc_dict_version(<PyObject*>app_dict) == _snapshot_version
        and _snapshot_version != 0
    )


cdef inline object _app_attr(object app, dict app_dict, Py_ssize_t index):
    # PERF: ``app.<name>`` for the instance attributes the cycle reads on
    # every request: a version check and a list read instead of a generic
    # attribute lookup. The plan checked that the app's class defines none
    # of these names, so the instance dict is where ``getattr`` finds them.
    if _snapshot_current(app_dict):
        return <object>PyList_GET_ITEM(_snapshot, index)
    return _app_attr_read(app, app_dict, index)


cdef object _app_attr_read(object app, dict app_dict, Py_ssize_t index):
    # The dict lookup, and a new snapshot when the dict holds every name (a
    # deleted one falls back to getattr and its AttributeError).
    global _snapshot_dict, _snapshot_version, _snapshot, _snapshot_plan
    cdef PyObject* found
    cdef list values = []
    for name in _SNAPSHOT_NAMES:
        found = PyDict_GetItemWithError(app_dict, name)
        if found is NULL:
            return getattr(app, _SNAPSHOT_NAMES[index])
        values.append(<object>found)
    # No Python code ran since the lookups began: the version is theirs.
    _snapshot_plan = PyDict_GetItemWithError(app_dict, "_cycle_plan")
    _snapshot = values
    _snapshot_dict = <PyObject*>app_dict
    _snapshot_version = __fmc_dict_version(<PyObject*>app_dict)
    return values[index]


cdef class _Plan:
    """What was checked once per app, and is re-checked cheaply per request."""

    cdef readonly bint inline
    cdef readonly bint stock_wsgi_app
    cdef readonly object request_class
    cdef readonly object response_class
    cdef readonly object session_interface
    cdef readonly bint lazy_session
    cdef readonly Py_ssize_t app_dict_size
    # Any of request_class, response_class, session_interface set on the
    # instance: their identity is re-checked per request.
    cdef bint instance_classes
    cdef unsigned int app_tag, request_tag, response_tag
    # The response class's defaults, valid while response_tag holds.
    # text_ok: a str return value is made into a response here.
    cdef readonly bint text_ok
    cdef object default_mimetype
    cdef object default_status
    cdef object status_line
    cdef object content_type_header


cdef _Plan _make_plan(object app, dict app_dict):
    if _can_inline is None:
        _bind()
    cdef _Plan plan = _Plan()
    cdef object response_class
    plan.request_class = app.request_class
    plan.response_class = response_class = app.response_class
    plan.session_interface = app.session_interface
    plan.lazy_session = type(app.session_interface) is SecureCookieSessionInterface
    plan.inline = _can_inline(app) and not _app_attrs_shadowed(type(app))
    plan.stock_wsgi_app = "wsgi_app" not in app_dict and _stock_wsgi_app(app)
    plan.instance_classes = (
        "request_class" in app_dict
        or "response_class" in app_dict
        or "session_interface" in app_dict
    )
    if plan.inline:
        try:
            plan.default_mimetype = response_class.default_mimetype
            plan.default_status = response_class.default_status
            plan.text_ok = (
                plan.default_mimetype is not None
                and bool(response_class.automatically_set_content_length)
            )
            if plan.text_ok:
                plan.status_line = _status_line(plan.default_status)
                plan.content_type_header = _content_type_header(plan.default_mimetype)
        except Exception:
            # Whatever made this fail fails again, in its place, when the
            # response is made the general way.
            plan.text_ok = False
    # Read after the attribute lookups above, which (re)assign the tags.
    plan.app_tag = _type_tag(type(app))
    plan.request_tag = _type_tag(plan.request_class) if isinstance(plan.request_class, type) else 0
    plan.response_tag = _type_tag(response_class) if isinstance(response_class, type) else 0
    return plan


cdef inline _Plan _plan_for(object app, dict app_dict):
    cdef _Plan plan
    cdef PyObject* found
    if _snapshot_current(app_dict) and _snapshot_plan is not NULL:
        # PERF: the dict is as it was at the snapshot: same plan entry.
        found = _snapshot_plan
    else:
        found = PyDict_GetItemWithError(app_dict, "_cycle_plan")
    if found is not NULL and type(<object>found) is _Plan:
        plan = <_Plan>found
        # An instance attribute that overrides an inlined method adds a key
        # to the app's __dict__; any new key (rare after start-up) re-plans,
        # and so does any change to the app's, request's or response's
        # class (a new version tag; 0 means none, which never matches).
        if (
            len(app_dict) == plan.app_dict_size
            and plan.app_tag != 0
            and _type_tag(type(app)) == plan.app_tag
            and plan.request_tag != 0
            and _type_tag(plan.request_class) == plan.request_tag
            and plan.response_tag != 0
            and _type_tag(plan.response_class) == plan.response_tag
            and (
                not plan.instance_classes
                or (
                    app.request_class is plan.request_class
                    and app.response_class is plan.response_class
                    and app.session_interface is plan.session_interface
                )
            )
        ):
            return plan
    plan = _make_plan(app, app_dict)
    app_dict["_cycle_plan"] = plan
    plan.app_dict_size = len(app_dict)
    return plan


def app_call(app, environ, start_response):
    """``FastMicro.__call__``: call ``app.wsgi_app``, which middleware may
    have replaced. PERF: a compiled function binds as a method, and the stock
    ``wsgi_app`` is entered without its Python frame."""
    cdef dict app_dict
    cdef _Plan plan
    if type(environ) is dict:
        app_dict = PyObject_GenericGetDict(app, NULL)
        plan = _plan_for(app, app_dict)
        if plan.stock_wsgi_app:
            return _handle(app, app_dict, plan, <dict>environ, start_response)
    return app.wsgi_app(environ, start_response)


def wsgi_app(app, dict environ, start_response):
    """Handle one request on ``app`` (see :meth:`FastMicro.wsgi_app`)."""
    cdef dict app_dict = PyObject_GenericGetDict(app, NULL)
    return _handle(app, app_dict, _plan_for(app, app_dict), environ, start_response)


cdef inline bint _has_items(object registry) except -1:
    # ``bool(registry)`` for the app's hook registries. PERF: they are
    # (default)dicts and lists, whose size is a field read; PyObject_IsTrue
    # is a call.
    if type(registry) is _DefaultDict or type(registry) is dict:
        return PyDict_GET_SIZE(registry) != 0
    if type(registry) is list:
        return PyList_GET_SIZE(registry) != 0
    return bool(registry)


cdef inline bint _is(str value, str constant):
    # PERF: ``value == constant`` for the usual case of another method: the
    # lengths differ, so no call to compare the characters.
    return PyUnicode_GET_LENGTH(value) == PyUnicode_GET_LENGTH(constant) and value == constant


cdef dict _uppercase_methods = {}


cdef inline bint _is_upper_ascii(str method):
    # Whether ``method.upper()`` equals ``method``, for a short ASCII method.
    cdef Py_ssize_t i, n = PyUnicode_GET_LENGTH(method)
    cdef const unsigned char* data
    if not PyUnicode_IS_ASCII(method) or n > 16:
        return False
    data = <const unsigned char*>PyUnicode_DATA(method)
    for i in range(n):
        if b'a' <= data[i] <= b'z':
            return False
    return True


cdef inline object _upper(object method):
    # PERF: ``method.upper()`` is a method call; the few methods a server
    # sees are remembered (a bounded cache: clients choose the string).
    cdef PyObject* found
    if type(method) is str:
        if _is_upper_ascii(<str>method):
            return method  # PERF: the usual case, no lookup
        found = PyDict_GetItemWithError(_uppercase_methods, method)
        if found is not NULL:
            return <object>found
        upper = (<str>method).upper()
        if len(_uppercase_methods) < 64:
            _uppercase_methods[method] = upper
        return upper
    return method.upper()


# PERF: a context object that nothing holds once its request is over is
# kept, emptied, for the next request: no allocation, GC tracking or
# deallocation of the two context objects per request. One of each is
# kept; a context anything still holds (a preserved context, a copy of
# the contextvars, a weak reference, an attribute set on it) is left alone.
cdef RequestContextState _spare_ctx = None
cdef AppContextState _spare_app_ctx = None


cdef inline RequestContextState _new_request_ctx():
    global _spare_ctx
    cdef RequestContextState ctx = _spare_ctx
    if ctx is None:
        return <RequestContextState>_new(RequestContext)
    _spare_ctx = None
    return ctx


cdef inline AppContextState _new_app_ctx():
    global _spare_app_ctx
    cdef AppContextState app_ctx = _spare_app_ctx
    if app_ctx is None:
        return <AppContextState>_new(AppContext)
    _spare_app_ctx = None
    return app_ctx


cdef void _recycle(RequestContextState ctx, AppContextState app_ctx) except *:
    # The caller's reference is the only one (arguments are borrowed).
    global _spare_ctx, _spare_app_ctx
    if _spare_ctx is None and __fmc_unshared(<PyObject*>ctx):
        ctx._clear()
        if _spare_ctx is None:  # clearing may have run other code
            _spare_ctx = ctx
    if app_ctx is not None and _spare_app_ctx is None and __fmc_unshared(<PyObject*>app_ctx):
        app_ctx._clear()
        if _spare_app_ctx is None:
            _spare_app_ctx = app_ctx


# A Config dict (not owned) at a version whose TRUSTED_HOSTS is None.
cdef PyObject* _untrusting_config = NULL
cdef unsigned long long _untrusting_version = 0


cdef inline bint _no_trusted_hosts(object config) except -1:
    # ``config["TRUSTED_HOSTS"] is None``. PERF: remembered for the config
    # dict's version; a change to the config gives it a new one.
    global _untrusting_config, _untrusting_version
    cdef PyObject* found
    cdef unsigned long long version
    if type(config) is not _Config:
        return config["TRUSTED_HOSTS"] is None
    version = __fmc_dict_version(<PyObject*>config)
    if <PyObject*>config == _untrusting_config and version == _untrusting_version and version != 0:
        return True
    found = PyDict_GetItemWithError(config, "TRUSTED_HOSTS")
    if found is NULL:
        return config["TRUSTED_HOSTS"] is None
    if <object>found is not None:
        return False
    _untrusting_config = <PyObject*>config
    _untrusting_version = version
    return True


cdef object _handle(object app, dict app_dict, _Plan plan, dict environ, object start_response):
    if not plan.inline:
        return _plain_wsgi_app(app, environ, start_response)
    if not _no_trusted_hosts(_app_attr(app, app_dict, _CONFIG)):
        return _plain_wsgi_app(app, environ, start_response)

    # -- request and contexts (RequestContext.__init__, push) -----------------
    cdef object raw_method = environ.get("REQUEST_METHOD", _MISSING)
    cdef object method = "GET" if raw_method is _MISSING else _upper(raw_method)
    cdef RequestContextState ctx = _new_request_ctx()
    ctx.app = app
    # The request object is made on first use (RequestContextState).
    ctx._lazy_environ = environ
    ctx._lazy_class = plan.request_class
    ctx._lazy_method = method

    cdef object current_app_ctx = get_value(_cv_app_var)
    cdef AppContextState app_ctx = None
    if current_app_ctx is None or current_app_ctx.app is not app:
        app_ctx = _new_app_ctx()
        app_ctx.app = app
        app_ctx._push_token = PyContextVar_Set(_cv_app_var, app_ctx)
        if _appcontext_pushed:
            _appcontext_pushed_signal.send(app, _async_wrapper=app.ensure_sync)
    ctx._push_token = PyContextVar_Set(_cv_request_var, ctx)
    ctx._push_app_ctx = app_ctx

    cdef object error = None
    cdef object response
    try:
        try:
            if not plan.lazy_session:
                # Opened on push, as Flask does; not a use by the app.
                ctx._session = app._open_session(ctx._get_request())
            response = _full_dispatch(
                app, app_dict, ctx, plan, environ, raw_method, method,
                _match(app, app_dict, ctx, environ, method),
            )
        except Exception as e:
            error = e
            response = app.handle_exception(e)
        except BaseException as e:
            error = e
            raise
        return _send(response, environ, start_response, ctx)
    finally:
        if "werkzeug.debug.preserve_context" in environ:
            environ["werkzeug.debug.preserve_context"](_cv_app_var.get())
            environ["werkzeug.debug.preserve_context"](_cv_request_var.get())
        if error is not None and app.should_ignore_error(error):
            error = None
        _pop(app, app_dict, ctx, environ, error)
        _recycle(ctx, app_ctx)


cdef inline object _match(
    object app, dict app_dict, RequestContextState ctx, dict environ, object method
):
    # RequestContext.match_request -> FastMicro._match_request, fast case.
    # Returns the (rule, view values) pair it stored on the request, or None
    # when the request went the long way or did not match.
    cdef object url_map = _app_attr(app, app_dict, _URL_MAP)
    cdef object path, pair
    if _app_attr(app, app_dict, _SUBDOMAIN_MATCHING) or "HTTP_UPGRADE" in environ:
        app._match_request(ctx)
        return None
    path = environ.get("PATH_INFO") or ""
    # PERF: a C flag read instead of the isascii() method call.
    if not (type(path) is str and PyUnicode_IS_ASCII(path)) and not path.isascii():
        path = path.encode("latin1").decode(errors="replace")
    try:
        if _cycle_match is not NULL and type(path) is str and type(method) is str:
            pair = _cycle_match(url_map, <str>path, <str>method)
        elif url_map.host_matching:
            pair = None
        else:
            pair = url_map.match_path(path, method, url_map.default_subdomain or "")
    except _NeedsFullMatch:
        pair = None
    except _HTTPException as e:
        if ctx._lazy_environ is not None:
            ctx._lazy_error = e
        else:
            ctx._request.routing_exception = e
        return None
    if pair is None:
        # Host matching, or an answer that needs more than the path.
        app._match_request(ctx)
        return None
    if ctx._lazy_environ is not None:
        ctx._lazy_match = pair
    else:
        req = ctx._request
        req.url_rule, req.view_args = pair
    return pair


cdef object _full_dispatch(
    object app, dict app_dict, RequestContextState ctx, _Plan plan, dict environ,
    object raw_method, object method, object matched,
):
    # FastMicro.full_dispatch_request, dispatch_request, finalize_request.
    # ``matched``: the (rule, view values) pair _match stored on the request.
    cdef object rv = None
    cdef object error
    if not _app_attr(app, app_dict, _GOT_FIRST_REQUEST):
        app._got_first_request = True
    try:
        if _request_started:
            _request_started_signal.send(app, _async_wrapper=app.ensure_sync)
            matched = None  # a receiver may have changed the request
        if (
            _has_items(_app_attr(app, app_dict, _BEFORE_REQUEST_FUNCS))
            or _has_items(_app_attr(app, app_dict, _URL_VALUE_PREPROCESSORS))
        ):
            rv = app.preprocess_request()
            matched = None  # a hook may have changed the request
        if rv is None:
            if matched is not None:
                rv = _call_view(app, app_dict, method, (<tuple>matched)[0], (<tuple>matched)[1])
            else:
                req = ctx._get_request()
                error = req.routing_exception
                if error is not None:
                    if (
                        (type(error) is _NotFound or type(error) is _MethodNotAllowed)
                        and not _has_items(_app_attr(app, app_dict, _ERROR_HANDLER_SPEC))
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
                    rv = _call_view(app, app_dict, method, req.url_rule, req.view_args)
    except Exception as e:
        rv = app.handle_user_exception(e)

    cdef object response
    cdef object rv_type = type(rv)
    cdef object provider, mimetype
    if rv_type is str and plan.text_ok:
        return _text_response(
            app, app_dict, ctx, plan, environ, raw_method, <str>rv,
            plan.content_type_header,
        )
    elif rv_type is dict or rv_type is list:
        # FastMicro.make_response's branch for these types.
        provider = _app_attr(app, app_dict, _JSON)
        mimetype = provider.mimetype
        if mimetype is None:
            mimetype = plan.default_mimetype
        if (
            type(provider).response is _DefaultJSONProvider_response
            and plan.text_ok
            and mimetype is not None
        ):
            # DefaultJSONProvider.response, with the response made in C.
            return _text_response(
                app, app_dict, ctx, plan, environ, raw_method,
                provider._response_body(rv), _content_type_header(mimetype),
            )
        response = provider.response(rv)
    else:
        response = app.make_response(rv)
    return _process_response(app, app_dict, ctx, plan, environ, response)


cdef object _process_response(
    object app, dict app_dict, RequestContextState ctx, _Plan plan, dict environ,
    object response,
):
    # FastMicro.process_response
    cdef object after_this = ctx._after_request_functions
    if after_this:
        ctx._fresh_response = None
        for func in after_this:
            response = app.ensure_sync(func)(response)
    if _has_items(_app_attr(app, app_dict, _AFTER_REQUEST_FUNCS)):
        ctx._fresh_response = None
        response = _after_request(app, ctx._get_request(), response)
    cdef object session = ctx._session
    if plan.lazy_session and type(session) is _SecureCookieSession:
        # FastMicro._finish_session for the stock interface and an opened,
        # not null, session. Saving it only sets headers, through the
        # checks of Headers, so a fresh response stays fresh.
        plan.session_interface.save_session(app, session, response)
    elif session is not None or _session_cookie_sent(app, environ):
        ctx._fresh_response = None
        app._finish_session(ctx, response)
    if _request_finished:
        _request_finished_signal.send(app, _async_wrapper=app.ensure_sync, response=response)
    return response


cdef inline bint _session_cookie_sent(object app, dict environ) except -1:
    return "HTTP_COOKIE" in environ and (
        app.session_interface.get_cookie_name(app) in environ["HTTP_COOKIE"]
    )


cdef inline bint _unobserved(object app, dict app_dict, RequestContextState ctx, dict environ) except -1:
    # Whether process_response would do nothing to the response: no
    # after-request function, no session to save, no request_finished
    # receiver. Then nobody sees the response object, so none is made.
    return (
        not ctx._after_request_functions
        and not _has_items(_app_attr(app, app_dict, _AFTER_REQUEST_FUNCS))
        and ctx._session is None
        and not _request_finished
        and not _session_cookie_sent(app, environ)
    )


cdef dict _content_type_headers = {}


cdef object _content_type_header(object mimetype):
    cdef PyObject* found = PyDict_GetItem(_content_type_headers, mimetype)
    if found is not NULL:
        return <object>found
    header = ("Content-Type", _content_type_for(mimetype))
    if len(_content_type_headers) < 256:
        _content_type_headers[mimetype] = header
    return header


# PERF: the Content-Length header of each small body size, made once.
cdef list _length_headers = [None] * 4096


cdef inline object _length_header(Py_ssize_t length):
    cdef object header
    if length < 4096:
        header = _length_headers[length]
        if header is None:
            header = _length_headers[length] = ("Content-Length", str(length))
        return header
    return ("Content-Length", str(length))


cdef object _text_response(
    object app, dict app_dict, RequestContextState ctx, _Plan plan, dict environ,
    object raw_method, str text, object content_type_header,
):
    # Response.__init__'s fast case (Response._init_simple) for the default
    # status, for a class that _is_plain_response_class vouched for in the
    # plan, then process_response.
    cdef bytes body = text.encode()
    cdef object length_header = _length_header(len(body))
    if (
        type(raw_method) is str
        and not _is(<str>raw_method, "HEAD")
        and _unobserved(app, app_dict, ctx, environ)
    ):
        # PERF: what _send would send for the response, without making it:
        # (status line, header list, body iterable).
        return (plan.status_line, [content_type_header, length_header], [body])
    cdef object response = _new(plan.response_class)
    cdef object headers = _new(_Headers)
    headers._list = [content_type_header, length_header]
    response.headers = headers
    response._status_code = plan.default_status
    response._status = plan.status_line
    response.direct_passthrough = False
    response._on_close = []
    response.response = [body]
    ctx._fresh_response = response
    return _process_response(app, app_dict, ctx, plan, environ, response)


cdef object _call_view(object app, dict app_dict, object method, object rule, object view_args):
    # FastMicro.dispatch_request after the routing check.
    cdef object view, sync
    cdef dict sync_views
    if (
        _is(<str>method, "OPTIONS") if type(method) is str else method == "OPTIONS"
    ) and getattr(rule, "provide_automatic_options", False):
        return app.make_default_options_response()
    view = _app_attr(app, app_dict, _VIEW_FUNCTIONS)[rule.endpoint]
    sync_views = _app_attr(app, app_dict, _SYNC_VIEWS)
    try:
        sync = sync_views[view]
    except KeyError:
        sync = sync_views[view] = app.ensure_sync(view)
    except TypeError:
        sync = app.ensure_sync(view)
    if type(view_args) is dict and not view_args:
        return sync()  # PERF: no keyword dict to copy
    return sync(**view_args)


cdef object _after_request(object app, object req, object response):
    cdef object name, func
    for name in list(req.blueprints) + [None]:
        if name in app.after_request_funcs:
            for func in reversed(app.after_request_funcs[name]):
                response = app.ensure_sync(func)(response)
    return response


cdef dict _plain_classes = {}


cdef object _send(object response, dict environ, object start_response, RequestContextState ctx):
    # Response.__call__'s fast cases.
    if type(response) is tuple:
        # Made by _text_response for nobody to see: (status line, header
        # list, body). A view's tuple never gets here (make_response).
        start_response((<tuple>response)[0], (<tuple>response)[1])
        return (<tuple>response)[2]
    # A fresh response: made by _text_response and not seen by any hook
    # since, so its headers are the two it was made with and its body is
    # one bytes object.
    if response is ctx._fresh_response and environ["REQUEST_METHOD"] != "HEAD":
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


cdef void _pop(
    object app, dict app_dict, RequestContextState ctx, dict environ, object error
) except *:
    # RequestContext.pop, then AppContext.pop, for the usual single push:
    # the cycle's own, its token still in the C fields.
    if ctx._push_token is None:
        if ctx._tokens is None or len(ctx._tokens) != 1:
            ctx.pop(error)
            return
        ctx._push_token, ctx._push_app_ctx = ctx._tokens.pop()
    cdef object current, token, app_ctx
    try:
        if _has_items(_app_attr(app, app_dict, _TEARDOWN_REQUEST_FUNCS)) or _request_tearing_down:
            app.do_teardown_request(error)
        # An unmade request parsed no files.
        req = ctx._request
        if req is not None and "files" in req.__dict__:
            req.close()
    finally:
        current = get_value(_cv_request_var)
        token = ctx._push_token
        app_ctx = ctx._push_app_ctx
        ctx._push_token = ctx._push_app_ctx = None
        PyContextVar_Reset(_cv_request_var, token)
        if current is ctx and ctx._lazy_environ is not None:
            # Never made: the environ ends as if it had been, and popped.
            ctx._lazy_environ["werkzeug.request"] = None
            ctx._lazy_popped = True
        else:
            current.request.environ["werkzeug.request"] = None
        if app_ctx is not None:
            _pop_app(app, app_dict, app_ctx, error)
        if current is not ctx:
            raise AssertionError(
                f"Popped wrong request context. ({current!r} instead of {ctx!r})"
            )


cdef void _pop_app(object app, dict app_dict, AppContextState app_ctx, object error) except *:
    if app_ctx._push_token is None:
        if app_ctx._tokens is None or len(app_ctx._tokens) != 1:
            app_ctx.pop(error)
            return
        app_ctx._push_token = app_ctx._tokens.pop()
    cdef object current, token
    try:
        if (
            _has_items(_app_attr(app, app_dict, _TEARDOWN_APPCONTEXT_FUNCS))
            or _appcontext_tearing_down
        ):
            app.do_teardown_appcontext(error)
    finally:
        current = get_value(_cv_app_var)
        token = app_ctx._push_token
        app_ctx._push_token = None
        PyContextVar_Reset(_cv_app_var, token)
    if current is not app_ctx:
        raise AssertionError(
            f"Popped wrong app context. ({current!r} instead of {app_ctx!r})"
        )
    if _appcontext_popped:
        _appcontext_popped_signal.send(app, _async_wrapper=app.ensure_sync)
