# cython: language_level=3
"""Opening and saving the signed-cookie session, compiled: the twin of
``fastmicro/_pysessions.py``.

For the stock :class:`~fastmicro.sessions.SecureCookieSessionInterface` on
an app whose session settings are the stock descriptors, the interface's
hooks are inlined: the config is read once, the signer core is kept between
requests, the cookie is verified and unpacked by the compiled signing
module, its JSON is decoded without the provider's Python call chain and
plain JSON values are encoded here, the ``Set-Cookie`` text for the current
cookie settings is kept and only the value put in, and the ``Vary`` header
is added in C. The classes whose attributes make the path "stock" are
checked once per change of each (see :func:`_type_tag`). PERF: in Python
that is some forty small calls per request for a logged-in user; here it is
a handful.

Anything else (a subclassed interface, an instance attribute overriding a
hook, another session class, config or JSON provider, no application
context) runs the pure twin, which calls the hooks as Flask does.
"""
cimport cython
from cpython.contextvars cimport get_value
from cpython.dict cimport PyDict_Items, PyDict_SetItem, PyDict_Update
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.object cimport PyObject, PyTypeObject
from cpython.unicode cimport PyUnicode_GET_LENGTH, PyUnicode_READ_CHAR
from libc.string cimport memcpy


cdef extern from "Python.h":
    # The two PyTypeObject fields behind CPython's attribute caches.
    ctypedef struct _TaggedType "PyTypeObject":
        unsigned long tp_flags
        unsigned int tp_version_tag
    unsigned long Py_TPFLAGS_VALID_VERSION_TAG
    double Py_HUGE_VAL
    bint PyUnicode_IS_ASCII(object text)
    void* PyUnicode_DATA(object text)
    object PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar)
    object PyObject_GenericGetDict(object obj, void* context)

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
cdef object _urlsafe_loads_text = _signing.urlsafe_loads_text
cdef object _urlsafe_dumps_text = _signing.urlsafe_dumps_text
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
cdef object _c_make_encoder = json.encoder.c_make_encoder
cdef object _JSONEncoder = json.JSONEncoder
cdef object _encode_basestring_ascii = json.encoder.encode_basestring_ascii
cdef object _encode_basestring = json.encoder.encode_basestring
cdef tuple _COMPACT = (",", ":")
cdef tuple _NO_ARGS = ()

# What "stock" means, filled in on first use (fastmicro.sessions imports this
# module while it is being set up).
cdef bint _ready = False
cdef object _Interface = None      # SecureCookieSessionInterface
cdef object _Session = None        # SecureCookieSession
cdef object _stock_serializer = None
cdef object _Config = None
cdef object _stock_loads = None    # DefaultJSONProvider.loads
cdef object _stock_dumps = None    # DefaultJSONProvider.dumps
cdef object _stock_encoder = None  # DefaultJSONProvider._encoder
cdef object _stock_valid_encoders = None
cdef object _stock_set_cookie = None
cdef object _stock_max_cookie_size = None
cdef object _mark_modified = None
cdef object _make_timedelta = None
cdef object _FastMicro = None
# The interface's signing settings as the class defines them.
cdef tuple _SETTING_NAMES = ("salt", "key_derivation", "digest_method", "serializer")
cdef tuple _stock_settings = ()


cdef void _setup() except *:
    global _ready, _Interface, _Session, _stock_serializer, _Config, _FastMicro
    global _stock_loads, _stock_dumps, _stock_encoder, _stock_valid_encoders
    global _stock_set_cookie, _make_timedelta, _stock_max_cookie_size, _mark_modified
    global _stock_settings
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
    _FastMicro = app_module.FastMicro
    _stock_loads = DefaultJSONProvider.loads
    _stock_dumps = DefaultJSONProvider.dumps
    _stock_encoder = DefaultJSONProvider._encoder
    _stock_valid_encoders = DefaultJSONProvider._valid_encoders
    _stock_set_cookie = ParsedResponseHeaders.set_cookie
    _make_timedelta = app_module._make_timedelta
    _stock_max_cookie_size = Response.__dict__["max_cookie_size"]
    _mark_modified = mark_modified
    _stock_settings = tuple([_Interface.__dict__[name] for name in _SETTING_NAMES])
    _ready = True


# -- types checked once per change ---------------------------------------------------

cdef inline unsigned int _type_tag(object cls) noexcept:
    """``cls``'s version tag, 0 if it has none. CPython gives a type a new,
    never reused tag whenever an attribute of it or of a base class is set or
    deleted (its own method cache relies on that), so the same non-zero tag
    means the class attributes checked under it are still the same objects."""
    cdef _TaggedType* tp = <_TaggedType*><PyObject*>cls
    if tp.tp_flags & Py_TPFLAGS_VALID_VERSION_TAG:
        return tp.tp_version_tag
    return 0


@cython.final
cdef class _CheckedType:
    """A type that passed a check, and its version tag then."""
    cdef object cls
    cdef unsigned int tag

    cdef inline bint holds(self, object cls) noexcept:
        return self.cls is cls and self.tag != 0 and _type_tag(cls) == self.tag

    cdef inline void remember(self, object cls) noexcept:
        # Read after the check: its class attribute lookups gave the type
        # a tag if it had none.
        self.cls = cls
        self.tag = _type_tag(cls)


# PERF: each of these is checked with a few class attribute lookups once,
# then with a comparison of version tags on every call.
cdef _CheckedType _interface_ok = _CheckedType()  # the stock signing settings
cdef _CheckedType _app_type_ok = _CheckedType()   # the stock config descriptors
cdef _CheckedType _provider_ok = _CheckedType()   # a stock JSON provider class
cdef _CheckedType _response_ok = _CheckedType()   # the stock set_cookie, max_cookie_size


cdef bint _stock_interface_settings() except -1:
    """Whether ``salt``, ``key_derivation``, ``digest_method`` and
    ``serializer`` are still the class's own stock objects."""
    if _interface_ok.holds(_Interface):
        return True
    own = _Interface.__dict__
    for name, stock in zip(_SETTING_NAMES, _stock_settings):
        if own.get(name) is not stock:
            return False
    getattr(_Interface, "salt")  # gives the class a version tag
    _interface_ok.remember(_Interface)
    return True


cdef bint _stock_app_type(object app_type) except -1:
    """Whether ``secret_key`` and ``permanent_session_lifetime`` are
    FastMicro's config descriptors on ``app_type``."""
    if _app_type_ok.holds(app_type):
        return True
    for name in ("secret_key", "permanent_session_lifetime"):
        if getattr(app_type, name, None) is not _FastMicro.__dict__[name]:
            return False
    _app_type_ok.remember(app_type)
    return True


cdef inline bint _is_stock(object interface, object app) except -1:
    if not _ready:
        _setup()
    if type(interface) is not _Interface:
        return False
    # Instance attributes (other than the twin's serializer cache) may
    # override hooks or settings. PERF: the dict without the attribute lookup.
    cdef dict own = PyObject_GenericGetDict(interface, NULL)
    if own and (len(own) > 1 or "_serializer_cache" not in own):
        return False
    return (
        _stock_interface_settings()
        and type(app.config) is _Config
        and _stock_app_type(type(app))
    )


# -- the signer, kept between requests ----------------------------------------

@cython.final
cdef class _Signer:
    cdef object secret_key
    cdef tuple fallbacks
    cdef object core


cdef _Signer _signer = None


cdef object _signer_core(object interface, object app, object secret_key, object fallbacks):
    """The compiled signer core for these keys and the stock settings (see
    :func:`_is_stock`), or ``None`` when the serializer cannot use one."""
    global _signer
    cdef _Signer cached = _signer
    cdef tuple fallback_keys = tuple(fallbacks) if fallbacks else ()
    if (
        cached is not None
        and cached.secret_key is secret_key
        and (type(secret_key) is str or type(secret_key) is bytes)
        and cached.fallbacks == fallback_keys
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
    cached.core = core
    _signer = cached
    return core


cdef object _clock():
    """``TimestampSigner.get_timestamp``: ``time.time`` looked up per call,
    as itsdangerous does, so a test can move the clock."""
    return int(_time_module.time())


cdef object _lifetime_seen = None
cdef object _max_age_seen = None


cdef object _max_age(dict config):
    """``int(app.permanent_session_lifetime.total_seconds())``."""
    global _lifetime_seen, _max_age_seen
    lifetime = config["PERMANENT_SESSION_LIFETIME"]
    if lifetime is _lifetime_seen:
        # PERF: a timedelta is immutable; the last one's seconds are kept.
        return _max_age_seen
    if type(lifetime) is not _timedelta:
        return int(_make_timedelta(lifetime).total_seconds())
    _max_age_seen = int(lifetime.total_seconds())
    _lifetime_seen = lifetime
    return _max_age_seen


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


cdef int _untagged_dict(dict value, dict tag_keys, int depth) except -1:
    """:func:`_untagged` of a dict (or of the session, a dict subclass)."""
    cdef int r
    if len(value) == 1:
        for key in value:
            if key in tag_keys:
                return 0
    for item in value.values():
        r = _untagged(item, tag_keys, depth + 1)
        if r != 1:
            return r
    return 1


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
        return _untagged_dict(<dict>value, tag_keys, depth)
    if kind is list:
        for item in <list>value:
            r = _untagged(item, tag_keys, depth + 1)
            if r != 1:
                return r
        return 1
    return 0


@cython.final
cdef class _Encoder:
    """``provider._encoder(None, (",", ":"))`` for one set of provider
    settings, as ``fastmicro.json.provider._build_encoder`` makes it."""
    cdef object default
    cdef object ensure_ascii
    cdef object sort_keys
    cdef object quote    # the string encoder json picks for ensure_ascii
    cdef bint sort       # json's reading of sort_keys
    cdef object fast     # json's C encoder, no circular reference markers
    cdef object checked  # json.JSONEncoder, for what the C encoder cannot do


cdef _Encoder _encoder = None


cdef _Encoder _compact_encoder(object provider):
    """The encoder for the provider's current settings (kept while they stay
    the same), or ``None`` without json's C encoder."""
    global _encoder
    cdef _Encoder cached = _encoder
    default = provider.default
    ensure_ascii = provider.ensure_ascii
    sort_keys = provider.sort_keys
    if (
        cached is not None
        and cached.ensure_ascii is ensure_ascii
        and cached.sort_keys is sort_keys
        # == as the provider compares: a bound method is a new object per lookup.
        and (cached.default is default or cached.default == default)
    ):
        return cached
    if _c_make_encoder is None:
        return None
    checked = _JSONEncoder(default=default, ensure_ascii=ensure_ascii, sort_keys=sort_keys,
                           indent=None, separators=_COMPACT)
    cached = _Encoder()
    cached.default = default
    cached.ensure_ascii = ensure_ascii
    cached.sort_keys = sort_keys
    cached.checked = checked
    cached.quote = _encode_basestring_ascii if ensure_ascii else _encode_basestring
    cached.sort = bool(sort_keys)
    cached.fast = _c_make_encoder(
        None, default, cached.quote, None, checked.key_separator, checked.item_separator,
        cached.sort, False, True,
    )
    _encoder = cached
    return cached


cdef str _float_text(object value):
    # json's encoder_encode_float, NaN and infinities allowed.
    cdef double d = PyFloat_AS_DOUBLE(value)
    if d != d:
        return "NaN"
    if d == Py_HUGE_VAL:
        return "Infinity"
    if d == -Py_HUGE_VAL:
        return "-Infinity"
    return repr(value)


cdef bint _write_json(list out, object value, _Encoder encoder, int depth) except -1:
    """Append to ``out`` the pieces json's C encoder writes for ``value``,
    in its order (sorting first, then the items in turn), so that the same
    error is raised first. False (``out`` to be dropped) for anything but
    str, int, float, bool, None, list and dict (exactly those types), or
    too deep: json's own encoder takes those."""
    cdef object kind = type(value)
    cdef bint first = True
    if kind is str:
        out.append(encoder.quote(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif kind is int:
        out.append(repr(value))
    elif kind is float:
        out.append(_float_text(value))
    elif depth >= _MAX_DEPTH:
        return False
    elif kind is list:
        if not <list>value:
            out.append("[]")
            return True
        out.append("[")
        for item in <list>value:
            if not first:
                out.append(",")
            first = False
            if not _write_json(out, item, encoder, depth + 1):
                return False
        out.append("]")
    elif kind is dict:
        return _write_json_dict(out, <dict>value, encoder, depth)
    else:
        return False
    return True


cdef bint _write_json_dict(list out, dict value, _Encoder encoder, int depth) except -1:
    # (The session itself is a dict subclass: read as a dict, as json does.)
    cdef bint first = True
    cdef list items
    if not value:
        out.append("{}")
        return True
    for key in value:
        # Other keys are json's to sort (which may call their methods) or
        # to reject.
        kind = type(key)
        if not (kind is str or kind is int or kind is float or kind is bool or key is None):
            return False
    out.append("{")
    items = PyDict_Items(value)
    if encoder.sort:
        items.sort()  # as json: the (key, value) pairs
    for key, item in items:
        kind = type(key)
        if kind is float:
            key = _float_text(key)
        elif key is True:
            key = "true"
        elif key is False:
            key = "false"
        elif key is None:
            key = "null"
        elif kind is int:
            key = repr(key)
        if not first:
            out.append(",")
        first = False
        out.append(encoder.quote(key))
        out.append(":")
        if not _write_json(out, item, encoder, depth + 1):
            return False
    out.append("}")
    return True


cdef str _json_encode(object provider, object value):
    """``provider.dumps(value, separators=(",", ":"))`` for a stock provider."""
    cdef _Encoder encoder = _compact_encoder(provider)
    cdef list out = []
    if encoder is None:
        return provider._encoder(None, _COMPACT)(value)
    # PERF: plain JSON values written here: json's encoder costs a call with
    # argument parsing, an items() call on the session and an accumulator.
    if type(value) is _Session:
        if _write_json_dict(out, <dict>value, encoder, 0):
            return "".join(out)
    elif _write_json(out, value, encoder, 0):
        return "".join(out)
    try:
        chunks = encoder.fast(value, 0)
    except RecursionError:
        # As the provider: a circular structure gets json.dumps's own error.
        return encoder.checked.encode(value)
    return "".join(chunks)


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
    if _provider_ok.holds(cls):
        return provider
    if (
        cls.loads is _stock_loads
        and cls.dumps is _stock_dumps
        and cls._encoder is _stock_encoder
        and cls._valid_encoders is _stock_valid_encoders
    ):
        _provider_ok.remember(cls)
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


cdef bint _vary_on_cookie(object response) except -1:
    """The twin's vary_on_cookie, in C. True when the response's first
    ``Vary`` header is now exactly ``Cookie`` in its plain header list, so
    that calling this again, with no other header added, changes nothing."""
    headers = response.headers
    if type(headers) is not _Headers:
        response.vary.add("Cookie")
        return False
    cdef list items = headers._list
    current = None
    for key, value in items:
        if _is_vary(key):
            current = value
            break
    if current is None:
        items.append(("Vary", "Cookie"))
        return True
    if current != "Cookie":
        response.vary.add("Cookie")
        return False
    return True


cdef void _add_header_value(object headers, str key, str value) except *:
    # Headers.add's check of a str value, then the append.
    cdef Py_ssize_t i
    cdef Py_UCS4 c
    for i in range(PyUnicode_GET_LENGTH(value)):
        c = PyUnicode_READ_CHAR(value, i)
        if c == 10 or c == 13:
            raise ValueError("Header values must not contain newline characters.")
    (<list>headers._list).append((key, value))


# The characters the stock signer writes: URL-safe base64 and ".".
cdef bint _SIGNED_CHAR[128]


cdef void _init_signed_chars() noexcept:
    cdef int c
    for c in range(128):
        _SIGNED_CHAR[c] = ((48 <= c <= 57) or (65 <= c <= 90) or (97 <= c <= 122)
                           or c == 45 or c == 95 or c == 46)  # 0-9 A-Z a-z - _ .


_init_signed_chars()


cdef bint _is_signed_text(str value) noexcept:
    """Whether ``value`` has only the signer's characters: no quoting in a
    cookie, no newline."""
    cdef Py_ssize_t i
    cdef const unsigned char* chars
    if not PyUnicode_IS_ASCII(value):
        return False
    chars = <const unsigned char*>PyUnicode_DATA(value)
    for i in range(PyUnicode_GET_LENGTH(value)):
        if not _SIGNED_CHAR[chars[i]]:
            return False
    return True


cdef str _ascii_join3(str a, str b, str c):
    """``a + b + c`` for ASCII strings, in one allocation."""
    cdef Py_ssize_t na = PyUnicode_GET_LENGTH(a), nb = PyUnicode_GET_LENGTH(b)
    cdef Py_ssize_t nc = PyUnicode_GET_LENGTH(c)
    cdef str out = PyUnicode_New(na + nb + nc, 127)
    cdef char* p = <char*>PyUnicode_DATA(out)
    memcpy(p, PyUnicode_DATA(a), na)
    memcpy(p + na, PyUnicode_DATA(b), nb)
    memcpy(p + na + nb, PyUnicode_DATA(c), nc)
    return out


@cython.final
cdef class _CookieParts:
    """The session's ``Set-Cookie`` value without an ``Expires``, cut around
    the cookie value, for one set of cookie settings."""
    cdef tuple settings   # name, path, domain, secure, httponly, samesite, partitioned
    cdef str head         # up to the value
    cdef str tail         # after it
    cdef bint ascii       # head and tail


cdef _CookieParts _cookie_parts = None
# A value dump_cookie leaves as it is, to find where the value goes.
cdef str _VALUE_MARK = "fastmicro-session-value-mark"


cdef bint _simple_setting(object value) noexcept:
    # Immutable, so the same object always gives the same cookie text.
    return value is None or value is True or value is False or type(value) is str


cdef void _remember_cookie_parts(tuple settings) except *:
    """Cut dump_cookie's text for ``settings`` around the value, if the
    settings are simple values and the cut is unambiguous."""
    global _cookie_parts
    cdef _CookieParts parts
    for value in settings:
        if not _simple_setting(value):
            return
    name, path, domain, secure, httponly, samesite, partitioned = settings
    header = _dump_cookie(name, _VALUE_MARK, None, None, path, domain, secure, httponly,
                          True, 0, samesite, partitioned)
    pieces = header.split(_VALUE_MARK)
    if len(pieces) != 2:
        return
    parts = _CookieParts()
    parts.settings = settings
    parts.head, parts.tail = pieces
    parts.ascii = PyUnicode_IS_ASCII(parts.head) and PyUnicode_IS_ASCII(parts.tail)
    _cookie_parts = parts


cdef bint _same_settings(tuple a, tuple b) noexcept:
    cdef Py_ssize_t i
    for i in range(7):
        if a[i] is not b[i]:
            return False
    return True


cdef bint _add_session_cookie(object headers, dict config, object value, object expires,
                              object path, object max_size) except -1:
    """The stock ``set_cookie`` (ParsedResponseHeaders') and Headers.add
    without their frames. True when the header came from the kept parts
    (no warning, so no other code ran)."""
    cdef _CookieParts parts = _cookie_parts
    cdef str header
    cdef tuple settings = (
        config["SESSION_COOKIE_NAME"],
        path,
        config["SESSION_COOKIE_DOMAIN"],
        config["SESSION_COOKIE_SECURE"],
        config["SESSION_COOKIE_HTTPONLY"],
        config["SESSION_COOKIE_SAMESITE"],
        config["SESSION_COOKIE_PARTITIONED"],
    )
    if (
        expires is None
        and parts is not None
        and _same_settings(settings, parts.settings)
        and type(value) is str
        and _is_signed_text(<str>value)
    ):
        # PERF: dump_cookie's text for these settings is kept, cut around
        # the value; a value needing no quoting is put in between.
        if parts.ascii:
            header = _ascii_join3(parts.head, <str>value, parts.tail)
        else:
            header = parts.head + <str>value + parts.tail
        if not (max_size and PyUnicode_GET_LENGTH(header) > max_size):
            (<list>headers._list).append(("Set-Cookie", header))
            return True
        # Too long: dump_cookie itself warns, below.
    name, path, domain, secure, httponly, samesite, partitioned = settings
    _add_header_value(headers, "Set-Cookie", _dump_cookie(
        name, value, None, expires, path, domain, secure, httponly,
        True,  # sync_expires
        max_size, samesite, partitioned,
    ))
    if expires is None and (parts is None or not _same_settings(settings, parts.settings)):
        _remember_cookie_parts(settings)
    return False


cdef bint _stock_response_type(object cls) except -1:
    """Whether ``set_cookie`` and ``max_cookie_size`` are the stock ones."""
    if _response_ok.holds(cls):
        return True
    if cls.set_cookie is _stock_set_cookie and cls.max_cookie_size is _stock_max_cookie_size:
        _response_ok.remember(cls)
        return True
    return False


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
    try:
        # PERF: the payload's text straight from the signer: no serializer
        # object, no get_timestamp callable.
        text = _urlsafe_loads_text(core, value, _max_age(config))
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

    cdef bint varied = False
    if session.accessed:
        varied = _vary_on_cookie(response)
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
    if serializer._stock and _untagged_dict(<dict>session, serializer.tags, 0) == 1:
        # PERF: the session itself is encoded, as the dict copy would be.
        text = _json_encode(provider, session)
    else:
        # Tagging may call back into user code (a tag or the provider's
        # default), which could add headers.
        varied = False
        text = _json_encode(provider, serializer.tag(dict(session)))
    value = _urlsafe_dumps_text(core, text, _clock())

    path = config["SESSION_COOKIE_PATH"] or config["APPLICATION_ROOT"]
    headers = response.headers
    if type(headers) is _Headers and _stock_response_type(type(response)):
        # Response.max_cookie_size, the stock property, inlined: the app's
        # config is the one in hand unless another app is current.
        max_size = (config if current_app is app else current_app.config)["MAX_COOKIE_SIZE"]
        if not _add_session_cookie(headers, config, value, expires, path, max_size):
            varied = False
    else:
        varied = False
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
    if not varied:
        # PERF: skipped when the first call left "Vary: Cookie" in place
        # and only the Set-Cookie header was added since.
        _vary_on_cookie(response)


def vary_on_cookie(response):
    """``response.vary.add("Cookie")``, without building a header set for the
    common cases (see the twin)."""
    _vary_on_cookie(response)


def cookie_settings(interface, app):
    """The session cookie's attributes (the twin's)."""
    return _py_cookie_settings(interface, app)
