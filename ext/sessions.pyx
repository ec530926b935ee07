# cython: language_level=3
"""Opening and saving the signed-cookie session, compiled: the twin of
``fastmicro/_pysessions.py``.

For the stock :class:`~fastmicro.sessions.SecureCookieSessionInterface` on
an app whose session settings are the stock descriptors, the interface's
hooks are inlined: the config is read once, the signer core is kept between
requests, the cookie is verified and unpacked by the compiled signing
module, its JSON is decoded and encoded without the provider's Python call
chain, and the ``Vary`` header is added in C. PERF: in Python that is some
forty small calls per request for a logged-in user; here it is a handful.

Anything else (a subclassed interface, an instance attribute overriding a
hook, another session class, config or JSON provider, no application
context) runs the pure twin, which calls the hooks as Flask does.
"""
cimport cython
from cpython.contextvars cimport get_value
from cpython.dict cimport PyDict_SetItem, PyDict_Update
from cpython.object cimport PyObject, PyTypeObject
from cpython.unicode cimport PyUnicode_GET_LENGTH, PyUnicode_READ_CHAR

import json
import time
from datetime import datetime, timedelta, timezone

from werkzeug.datastructures import Headers

from fastmicro import _pysessions, speedups
from fastmicro.globals import _cv_app
from fastmicro.signing import BadData, URLSafeTimedSerializer

cdef object _py_open = _pysessions.open_session
cdef object _py_save = _pysessions.save_session
cdef object _py_cookie_settings = _pysessions.cookie_settings
cdef object _signing = speedups.load("signing")
cdef object _urlsafe_loads = _signing.urlsafe_loads
cdef object _urlsafe_dumps = _signing.urlsafe_dumps
cdef object _cookies = speedups.load("cookies")
cdef object _dump_cookie = _cookies.dump_cookie
cdef object _Headers = Headers
cdef object _timedelta = timedelta
cdef object _datetime_now = datetime.now
cdef object _utc = timezone.utc
cdef object _time_module = time
cdef object _BadData = BadData
cdef object _URLSafeTimedSerializer = URLSafeTimedSerializer
cdef object _cv_app_var = _cv_app
cdef object _scan_once = json.decoder.JSONDecoder().scan_once
cdef tuple _COMPACT = (",", ":")
cdef tuple _NO_ARGS = ()
cdef dict _NO_KWARGS = {}

# What "stock" means, filled in on first use (fastmicro.sessions imports this
# module while it is being set up).
cdef bint _ready = False
cdef object _Interface = None      # SecureCookieSessionInterface
cdef object _Session = None        # SecureCookieSession
cdef object _stock_serializer = None
cdef object _Config = None
cdef object _stock_loads = None    # DefaultJSONProvider.loads
cdef object _stock_dumps = None    # DefaultJSONProvider.dumps
cdef object _stock_set_cookie = None
cdef object _stock_max_cookie_size = None
cdef object _mark_modified = None
cdef object _make_timedelta = None
cdef dict _stock_app_types = {}    # app type -> whether its session attributes are stock


def _timestamp():
    """``TimestampSigner.get_timestamp``: ``time.time`` looked up per call,
    as itsdangerous does, so a test can move the clock."""
    return int(_time_module.time())


class _Text:
    """A "serializer" for the signing module whose payload is already JSON
    text: the signing module signs and unpacks, this module does the JSON."""

    loads = str
    dumps = str


cdef object _TextSerializer = _Text


cdef void _setup() except *:
    global _ready, _Interface, _Session, _stock_serializer, _Config
    global _stock_loads, _stock_dumps, _stock_set_cookie, _make_timedelta
    global _stock_max_cookie_size, _mark_modified
    from fastmicro import app as app_module
    from fastmicro.config import Config
    from fastmicro.http.parsed_headers import ParsedResponseHeaders
    from fastmicro.json.provider import DefaultJSONProvider
    from fastmicro.sessions import (
        SecureCookieSession,
        SecureCookieSessionInterface,
        _mark_modified as mark_modified,
        session_json_serializer,
    )
    from fastmicro.wrappers import Response

    _Interface = SecureCookieSessionInterface
    _Session = SecureCookieSession
    _stock_serializer = session_json_serializer
    _Config = Config
    _stock_loads = DefaultJSONProvider.loads
    _stock_dumps = DefaultJSONProvider.dumps
    _stock_set_cookie = ParsedResponseHeaders.set_cookie
    _make_timedelta = app_module._make_timedelta
    _stock_max_cookie_size = Response.__dict__["max_cookie_size"]
    _mark_modified = mark_modified
    _ready = True


cdef bint _stock_app_type(object app_type) except -1:
    """Whether ``secret_key`` and ``permanent_session_lifetime`` are
    FastMicro's config descriptors on ``app_type``."""
    found = _stock_app_types.get(app_type)
    if found is None:
        from fastmicro.app import FastMicro

        found = all(
            getattr(app_type, name, None) is FastMicro.__dict__[name]
            for name in ("secret_key", "permanent_session_lifetime")
        )
        _stock_app_types[app_type] = found
    return found is True


cdef inline bint _is_stock(object interface, object app) except -1:
    if not _ready:
        _setup()
    if type(interface) is not _Interface:
        return False
    # Instance attributes (other than the twin's serializer cache) may
    # override hooks or settings.
    cdef dict own = interface.__dict__
    if own and (len(own) > 1 or "_serializer_cache" not in own):
        return False
    return (
        interface.serializer is _stock_serializer
        and type(app.config) is _Config
        and _stock_app_type(type(app))
    )


# -- the signer, kept between requests ----------------------------------------

@cython.final
cdef class _Signer:
    cdef object secret_key
    cdef tuple fallbacks
    cdef object salt
    cdef object key_derivation
    cdef object digest_method
    cdef object core


cdef _Signer _signer = None


cdef object _signer_core(object interface, object app, object secret_key, object fallbacks):
    """The compiled signer core for these keys and the interface's settings,
    or ``None`` when the serializer cannot use one."""
    global _signer
    cdef _Signer cached = _signer
    cdef tuple fallback_keys = tuple(fallbacks) if fallbacks else ()
    salt = interface.salt
    key_derivation = interface.key_derivation
    digest_method = interface.digest_method
    if (
        cached is not None
        and cached.secret_key is secret_key
        and (type(secret_key) is str or type(secret_key) is bytes)
        and cached.fallbacks == fallback_keys
        and cached.salt is salt
        and cached.key_derivation is key_derivation
        and cached.digest_method is digest_method
    ):
        return cached.core
    serializer = interface.get_signing_serializer(app)
    core = None
    if type(serializer) is _URLSafeTimedSerializer:
        core = serializer._fast_core
        if core is None:
            core = serializer._fast_core = serializer._find_fast_core(
                _URLSafeTimedSerializer, serializer.signer
            )
        if core is False:
            core = None
    cached = _Signer()
    cached.secret_key = secret_key
    cached.fallbacks = fallback_keys
    cached.salt = salt
    cached.key_derivation = key_derivation
    cached.digest_method = digest_method
    cached.core = core
    _signer = cached
    return core


# -- JSON ------------------------------------------------------------------------

cdef inline bint _is_json_space(Py_UCS4 c) noexcept:
    return c == 32 or c == 9 or c == 10 or c == 13


cdef object _json_decode(str text):
    """``json.loads(text)``; any error raises (the caller treats every
    error alike)."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0
    while i < n and _is_json_space(PyUnicode_READ_CHAR(text, i)):
        i += 1
    # PERF: the C scanner that json.loads ends in, without the whitespace
    # regular expressions and the two Python frames around it.
    value, end = _scan_once(text, i)
    i = end
    while i < n and _is_json_space(PyUnicode_READ_CHAR(text, i)):
        i += 1
    if i != n:
        raise ValueError("Extra data")
    return value


cdef bint _cannot_hold_stock_tag(str text) noexcept:
    """Whether ``text`` has no ``" `` and no ``\\u``: every stock tag key
    starts with a space, so such JSON holds no tag (as ``fastmicro.json.tag``)."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), i
    cdef Py_UCS4 c, nxt
    for i in range(n - 1):
        c = PyUnicode_READ_CHAR(text, i)
        if c == 34 or c == 92:  # '"' or '\\'
            nxt = PyUnicode_READ_CHAR(text, i + 1)
            if (c == 34 and nxt == 32) or (c == 92 and nxt == 117):  # '" ', '\\u'
                return False
    return True


# Deeper values are left to the Python check (whose RecursionError, if any,
# is then the same as the pure twin's).
cdef int _MAX_DEPTH = 64


cdef int _untagged(object value, dict tag_keys, int depth) except -1:
    """1 if the stock tags leave ``value`` as it is (JSON scalars, and
    lists and dicts of them, no dict a single tag-like key), 0 if not, 2
    when too deep to tell here."""
    cdef object kind = type(value)
    cdef int r
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return 1
    if depth >= _MAX_DEPTH:
        return 2
    if kind is dict:
        if len(<dict>value) == 1:
            for key in <dict>value:
                if key in tag_keys:
                    return 0
        for item in (<dict>value).values():
            r = _untagged(item, tag_keys, depth + 1)
            if r != 1:
                return r
        return 1
    if kind is list:
        for item in <list>value:
            r = _untagged(item, tag_keys, depth + 1)
            if r != 1:
                return r
        return 1
    return 0


@cython.final
cdef class _Encoder:
    cdef object provider
    cdef object default
    cdef object ensure_ascii
    cdef object sort_keys
    cdef object encode


cdef _Encoder _encoder = None


cdef object _compact_encode(object provider):
    """``provider._encoder(None, (",", ":"))``, kept while the provider's
    settings stay the same."""
    global _encoder
    cdef _Encoder cached = _encoder
    default = provider.default
    ensure_ascii = provider.ensure_ascii
    sort_keys = provider.sort_keys
    if (
        cached is not None
        and cached.provider is provider
        and cached.default is default
        and cached.ensure_ascii is ensure_ascii
        and cached.sort_keys is sort_keys
    ):
        return cached.encode
    cached = _Encoder()
    cached.provider = provider
    cached.default = default
    cached.ensure_ascii = ensure_ascii
    cached.sort_keys = sort_keys
    cached.encode = provider._encoder(None, _COMPACT)
    _encoder = cached
    return cached.encode


cdef object _current_app():
    app_ctx = get_value(_cv_app_var)
    return None if app_ctx is None else app_ctx.app


cdef object _stock_provider(object current_app):
    """``current_app``'s JSON provider when it is a stock one for loading and
    dumping, else ``None`` (also without an app context)."""
    if current_app is None:
        return None
    provider = current_app.json
    cls = type(provider)
    if cls.loads is _stock_loads and cls.dumps is _stock_dumps:
        return provider
    return None


# -- the cookie ------------------------------------------------------------------

cdef inline bint _is_vary(object key) except -1:
    """``key.lower() == "vary"``, without making the lowered string. Exact:
    no character but ASCII ``VARY``/``vary`` lowers to one of those letters,
    and only ``İ`` changes length when lowered (it grows, to ``i̇``)."""
    if type(key) is not str:
        return key.lower() == "vary"
    if PyUnicode_GET_LENGTH(<str>key) != 4:
        return False
    cdef Py_UCS4 c0 = PyUnicode_READ_CHAR(<str>key, 0), c1 = PyUnicode_READ_CHAR(<str>key, 1)
    cdef Py_UCS4 c2 = PyUnicode_READ_CHAR(<str>key, 2), c3 = PyUnicode_READ_CHAR(<str>key, 3)
    return ((c0 == 118 or c0 == 86) and (c1 == 97 or c1 == 65)
            and (c2 == 114 or c2 == 82) and (c3 == 121 or c3 == 89))


cdef void _vary_on_cookie(object response) except *:
    # The twin's vary_on_cookie, in C.
    headers = response.headers
    if type(headers) is not _Headers:
        response.vary.add("Cookie")
        return
    cdef list items = headers._list
    current = None
    for key, value in items:
        if _is_vary(key):
            current = value
            break
    if current is None:
        items.append(("Vary", "Cookie"))
    elif current != "Cookie":
        response.vary.add("Cookie")


cdef void _add_header_value(object headers, str key, str value) except *:
    # Headers.add's check of a str value, then the append.
    cdef Py_ssize_t i
    cdef Py_UCS4 c
    for i in range(PyUnicode_GET_LENGTH(value)):
        c = PyUnicode_READ_CHAR(value, i)
        if c == 10 or c == 13:
            raise ValueError("Header values must not contain newline characters.")
    (<list>headers._list).append((key, value))


cdef object _max_cookie_size(object response, object current_app):
    # Response.max_cookie_size, inlined for the stock property.
    if type(response).max_cookie_size is _stock_max_cookie_size:
        return current_app.config["MAX_COOKIE_SIZE"]
    return response.max_cookie_size


cdef object _lifetime(dict config):
    lifetime = config["PERMANENT_SESSION_LIFETIME"]
    if type(lifetime) is _timedelta:
        return lifetime
    return _make_timedelta(lifetime)


cdef object _new_session(object data):
    # SecureCookieSession(data): CallbackDict.__init__ without its frames.
    session = (<PyTypeObject*>_Session).tp_new(_Session, <PyObject*>_NO_ARGS, NULL)
    PyDict_Update(session, data)
    session.on_update = _mark_modified
    return session


def session_setitem(session, key, value):
    """``SecureCookieSession.__setitem__``: set, then ``on_update`` (which
    marks the session modified), as Werkzeug's ``CallbackDict``."""
    if not _ready:
        _setup()
    PyDict_SetItem(session, key, value)
    on_update = session.on_update
    if on_update is _mark_modified:
        # PERF: the stock callback's one assignment, without calling it.
        session.modified = True
    elif on_update is not None:
        on_update(session)


def open_session(interface, app, request):
    """:meth:`SecureCookieSessionInterface.open_session`."""
    if not _is_stock(interface, app):
        return _py_open(interface, app, request)
    cdef dict config = <dict>app.config  # a Config: checked by _is_stock
    secret_key = config["SECRET_KEY"]
    if not secret_key:
        return None
    core = _signer_core(interface, app, secret_key, config["SECRET_KEY_FALLBACKS"])
    provider = _stock_provider(_current_app())
    if core is None or provider is None:
        return _py_open(interface, app, request)
    value = request.cookies.get(config["SESSION_COOKIE_NAME"])
    if not value:
        return _Session()
    max_age = int(_lifetime(config).total_seconds())
    try:
        text = _urlsafe_loads(core, _TextSerializer, True, value, True, max_age, False,
                              _timestamp, None)
    except _BadData:
        return _Session()
    serializer = _stock_serializer
    try:
        data = _json_decode(<str>text)
        if not (serializer._stock and _cannot_hold_stock_tag(<str>text)):
            data = serializer._untag_scan(data)
    except Exception:
        # The twin's serializer raises BadPayload here: a new session too.
        return _Session()
    if not isinstance(data, dict):
        return _Session()
    return _new_session(data)


def save_session(interface, app, session, response):
    """:meth:`SecureCookieSessionInterface.save_session`."""
    if type(session) is not _Session or not _is_stock(interface, app):
        _py_save(interface, app, session, response)
        return
    cdef dict config = <dict>app.config  # a Config: checked by _is_stock
    current_app = _current_app()
    provider = _stock_provider(current_app)
    secret_key = config["SECRET_KEY"]
    core = _signer_core(interface, app, secret_key, config["SECRET_KEY_FALLBACKS"]) \
        if secret_key else None
    if core is None or provider is None:
        _py_save(interface, app, session, response)
        return

    if session.accessed:
        _vary_on_cookie(response)
    if not session:
        if session.modified:
            response.delete_cookie(**_py_cookie_settings(interface, app))
            _vary_on_cookie(response)
        return
    # SessionMixin.permanent and should_set_cookie.
    permanent = (<dict>session).get("_permanent", False)
    if not (session.modified or (permanent and config["SESSION_REFRESH_EACH_REQUEST"])):
        return
    expires = _datetime_now(_utc) + _lifetime(config) if permanent else None

    serializer = _stock_serializer
    data = dict(session)
    if not serializer._stock or _untagged(data, serializer.tags, 0) != 1:
        data = serializer.tag(data)
    text = _compact_encode(provider)(data)
    value = _urlsafe_dumps(core, _TextSerializer, _NO_KWARGS, text, _timestamp(), True)

    path = config["SESSION_COOKIE_PATH"] or config["APPLICATION_ROOT"]
    headers = response.headers
    if type(response).set_cookie is _stock_set_cookie and type(headers) is _Headers:
        # PERF: ParsedResponseHeaders.set_cookie and Headers.add without
        # their frames.
        _add_header_value(headers, "Set-Cookie", _dump_cookie(
            config["SESSION_COOKIE_NAME"],
            value,
            None,
            expires,
            path,
            config["SESSION_COOKIE_DOMAIN"],
            config["SESSION_COOKIE_SECURE"],
            config["SESSION_COOKIE_HTTPONLY"],
            True,  # sync_expires
            _max_cookie_size(response, current_app),
            config["SESSION_COOKIE_SAMESITE"],
            config["SESSION_COOKIE_PARTITIONED"],
        ))
    else:
        response.set_cookie(
            key=config["SESSION_COOKIE_NAME"],
            value=value,
            expires=expires,
            domain=config["SESSION_COOKIE_DOMAIN"],
            path=path,
            secure=config["SESSION_COOKIE_SECURE"],
            partitioned=config["SESSION_COOKIE_PARTITIONED"],
            samesite=config["SESSION_COOKIE_SAMESITE"],
            httponly=config["SESSION_COOKIE_HTTPONLY"],
        )
    _vary_on_cookie(response)


def vary_on_cookie(response):
    """``response.vary.add("Cookie")``, without building a header set for the
    common cases (see the twin)."""
    _vary_on_cookie(response)


def cookie_settings(interface, app):
    """The session cookie's attributes (the twin's)."""
    return _py_cookie_settings(interface, app)
