# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled cookie parsing and ``Set-Cookie`` formatting.

Built as :mod:`fastmicro._ext.cookies`; the pure-Python twin is
:mod:`fastmicro.http._pycookies`, which has the same functions in the same
order. :func:`parse_cookie` and :func:`dump_cookie` return what Werkzeug
3.1's :func:`werkzeug.http.parse_cookie` and :func:`werkzeug.http.dump_cookie`
return, exceptions and warnings included.

Werkzeug finds the pairs with a backtracking regular expression
(``werkzeug.sansio.http._cookie_re``); :func:`_parse` finds the same pairs in
one scan over the characters (see the twin's ``_pairs`` for the rules),
remembering where an unquoted value is bound to fail so that a hostile header
is never rescanned: linear time.

``bytes`` are accepted as the raw header (like the WSGI ``str``
``cookie.decode("latin-1")``); Werkzeug 3.1 raises :exc:`AttributeError`.

.. versionadded:: 0.1
"""
cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.datetime cimport (
    datetime_day,
    datetime_hour,
    datetime_minute,
    datetime_month,
    datetime_second,
    datetime_year,
    import_datetime,
)
from libc.stdio cimport snprintf
from cpython.dict cimport PyDict_GetItem, PyDict_SetItem
from cpython.list cimport PyList_Append
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.object cimport PyObject
from cpython.unicode cimport (
    Py_UNICODE_ISSPACE,
    PyUnicode_AsUTF8String,
    PyUnicode_DATA,
    PyUnicode_DecodeASCII,
    PyUnicode_DecodeUTF8,
    PyUnicode_GET_LENGTH,
    PyUnicode_KIND,
    PyUnicode_READ,
    PyUnicode_Substring,
)

import re
import warnings
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.http import http_date
from werkzeug.sansio.http import parse_cookie as _werkzeug_parse

__all__ = ["parse_cookie", "dump_cookie"]

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object o)

cdef object _MultiDict = MultiDict
cdef object _ImmutableMultiDict = ImmutableMultiDict
# The request's storage class (compiled lookups), filled the same way.
from fastmicro._ext.query import ImmutableMultiDict as _RequestMultiDict


cdef inline bint _is_ws(Py_UCS4 c) noexcept:
    """``\\s`` in Werkzeug's ASCII regex: space, \\t \\n \\v \\f \\r."""
    return c == 32 or (c >= 9 and c <= 13)


def parse_cookie(header=None, cls=None):
    """Parse a ``Cookie`` header into ``cls`` (default
    :class:`~werkzeug.datastructures.MultiDict`), as
    :func:`werkzeug.http.parse_cookie`.

    :param header: the header as a WSGI ``str`` (latin-1 tunnelled UTF-8),
        ``bytes``, a WSGI environ (its ``HTTP_COOKIE``) or ``None``.
    :param cls: the mapping class to build from the ``(name, value)`` pairs.

    .. versionadded:: 0.1
    """
    if cls is None:
        cls = _MultiDict
    if isinstance(header, dict):
        cookie = header.get("HTTP_COOKIE")
    else:
        cookie = header
    if cookie:
        if type(cookie) is bytes:
            # The raw header: what the latin-1 WSGI string stands for.
            cookie = PyUnicode_DecodeUTF8(
                PyBytes_AS_STRING(cookie), PyBytes_GET_SIZE(cookie), NULL
            )
        elif type(cookie) is not str or not PyUnicode_IS_ASCII(cookie):
            # PERF: skipped for ASCII, where it changes nothing.
            cookie = cookie.encode("latin1").decode()
    if not cookie:
        return cls()
    if type(cookie) is not str:
        return _werkzeug_parse(cookie, cls)
    return _parse(<str>cookie, cls)


cdef inline Py_ssize_t _skip_ws(int kind, void* data, Py_ssize_t i) noexcept:
    # Bounded: the text ends with ";", which is not a blank.
    while _is_ws(PyUnicode_READ(kind, data, i)):
        i += 1
    return i


cdef Py_ssize_t _closing_quote(int kind, void* data, Py_ssize_t n, Py_ssize_t i) noexcept:
    """Index of the ``"`` closing a quoted value whose body starts at ``i``,
    or -1. A backslash escapes any character but a newline."""
    cdef Py_UCS4 c
    while i < n:
        c = PyUnicode_READ(kind, data, i)
        if c == 34:  # "
            return i
        if c == 92:  # backslash
            if i + 1 < n and PyUnicode_READ(kind, data, i + 1) != 10:
                i += 2
                continue
            return -1
        i += 1
    return -1


cdef Py_ssize_t _value_end(int kind, void* data, Py_ssize_t p, Py_ssize_t* dead_end) noexcept:
    """Where an unquoted value starting at ``p`` ends (before the blanks
    ahead of its ``;``), or -1 when a newline comes first that is not among
    those blanks; then ``dead_end`` is set to that newline."""
    cdef Py_ssize_t i = p, last = p
    cdef Py_UCS4 c
    while True:  # bounded: the text ends with ";"
        c = PyUnicode_READ(kind, data, i)
        if c == 59:  # ;
            return last
        if c == 10:
            if PyUnicode_READ(kind, data, _skip_ws(kind, data, i)) == 59:
                return last
            dead_end[0] = i
            return -1
        if not _is_ws(c):
            last = i + 1
        i += 1


cdef object _parse(str cookie, object cls):
    """The pairs of the twin's ``_pairs``, put into ``cls``."""
    cdef str text = cookie + ";"
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_ssize_t pos = 0, stop, p, end, close, after, a, b
    cdef Py_ssize_t vstart = 0, vend = 0
    cdef Py_ssize_t dead_end = -1
    cdef Py_UCS4 c
    cdef bint has_value
    cdef bint multi = cls is _MultiDict or cls is _ImmutableMultiDict or cls is _RequestMultiDict
    cdef object result
    cdef list pairs = None
    cdef str name, value
    cdef PyObject* values

    if multi:
        # PERF: the dict of value lists MultiDict.__init__ would build, filled
        # directly (no pair tuples, no setdefault); PyDict_SetItem bypasses
        # the immutable class's __setitem__.
        result = cls.__new__(cls)
    else:
        pairs = []
    while pos < n:
        stop = pos
        while True:  # bounded: the text ends with ";"
            c = PyUnicode_READ(kind, data, stop)
            if c == 61 or c == 59:  # = ;
                break
            stop += 1
        if c == 59:
            has_value = False
            end = stop + 1
        else:
            has_value = True
            p = _skip_ws(kind, data, stop + 1)
            end = -1
            if PyUnicode_READ(kind, data, p) == 34:
                close = _closing_quote(kind, data, n, p + 1)
                if close >= 0:
                    after = _skip_ws(kind, data, close + 1)
                    if PyUnicode_READ(kind, data, after) == 59:
                        vstart = p
                        vend = close + 1
                        end = after + 1
            if end < 0 and p > dead_end:
                vend = _value_end(kind, data, p, &dead_end)
                if vend >= 0:
                    vstart = p
                    end = _skip_ws(kind, data, vend) + 1
            if end < 0:
                # No pair starts at pos, nor before the "=".
                pos = stop + 1
                continue
        # name = text[pos:stop].strip()
        a = pos
        b = stop
        while a < b and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, a)):
            a += 1
        while b > a and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, b - 1)):
            b -= 1
        if a < b:
            name = PyUnicode_Substring(text, a, b)
            if has_value:
                a = vstart
                b = vend
                while a < b and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, a)):
                    a += 1
                while b > a and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, b - 1)):
                    b -= 1
                if (b - a >= 2 and PyUnicode_READ(kind, data, a) == 34
                        and PyUnicode_READ(kind, data, b - 1) == 34):
                    value = _unslash(text, kind, data, a + 1, b - 1)
                else:
                    value = PyUnicode_Substring(text, a, b)
            else:
                value = ""
            if multi:
                values = PyDict_GetItem(result, name)
                if values == NULL:
                    PyDict_SetItem(result, name, [value])
                else:
                    PyList_Append(<object>values, value)
            else:
                pairs.append((name, value))
        pos = end
        while pos < n and _is_ws(PyUnicode_READ(kind, data, pos)):
            pos += 1
    if multi:
        return result
    return cls(pairs)


cdef str _unslash(str text, int kind, void* data, Py_ssize_t a, Py_ssize_t b):
    """Undo ``\\ooo`` (three octal digits, first 0-3) and ``\\c`` escapes
    in the bytes of ``text[a:b]``; decode as UTF-8, invalid bytes replaced."""
    cdef Py_ssize_t i = a, j, n
    cdef bint escaped = False
    while i < b:
        if PyUnicode_READ(kind, data, i) == 92:
            escaped = True
            break
        i += 1
    cdef str body = PyUnicode_Substring(text, a, b)
    if not escaped:
        return body  # PERF: encoding and decoding would change nothing
    cdef bytes raw = PyUnicode_AsUTF8String(body)
    cdef const unsigned char* src = <const unsigned char*>PyBytes_AS_STRING(raw)
    n = PyBytes_GET_SIZE(raw)
    # Never longer than the input: each escape shrinks or keeps its length.
    cdef unsigned char* buf = <unsigned char*>PyMem_Malloc(n + 1)
    if buf == NULL:
        raise MemoryError()
    i = 0
    j = 0
    try:
        while i < n:
            if src[i] != 92:
                buf[j] = src[i]
                i += 1
            elif (i + 3 < n and src[i + 1] >= 48 and src[i + 1] <= 51
                    and src[i + 2] >= 48 and src[i + 2] <= 55
                    and src[i + 3] >= 48 and src[i + 3] <= 55):
                buf[j] = <unsigned char>((src[i + 1] - 48) * 64 + (src[i + 2] - 48) * 8
                                         + src[i + 3] - 48)
                i += 4
            elif i + 1 < n and src[i + 1] != 10:
                buf[j] = src[i + 1]
                i += 2
            else:
                buf[j] = 92
                i += 1
            j += 1
        return PyUnicode_DecodeUTF8(<char*>buf, j, "replace")
    finally:
        PyMem_Free(buf)


# -- dump_cookie --------------------------------------------------------------

# Which ASCII characters may stand unquoted in a cookie value, and in a path.
cdef bint _NO_QUOTE[128]
cdef bint _PATH_NO_QUOTE[128]


cdef void _init_tables():
    cdef int i
    cdef bytes extra = b"!#$%&'()*+-./:<=>?@[]^`{|}~_"
    cdef bytes path_extra = b"_.-~%!$&'()*+,/:=@"
    for i in range(128):
        _NO_QUOTE[i] = (48 <= i <= 57) or (65 <= i <= 90) or (97 <= i <= 122)
        _PATH_NO_QUOTE[i] = _NO_QUOTE[i]
    for i in extra:
        _NO_QUOTE[i] = True
    for i in path_extra:
        _PATH_NO_QUOTE[i] = True


_init_tables()

cdef object _NO_QUOTE_RE = re.compile(r"[\w!#$%&'()*+\-./:<=>?@\[\]^`{|}~]*", re.A)
cdef str _PATH_SAFE = "%!$&'()*+,/:=@"
cdef object _timedelta = timedelta
cdef object _datetime = datetime
cdef object _utc = timezone.utc
cdef object _http_date = http_date
import_datetime()

cdef const char* _DAYS[7]
cdef const char* _MONTHS[12]
_DAYS[:] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"]
_MONTHS[:] = [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep",
              b"Oct", b"Nov", b"Dec"]


cdef object _expires_date(object value):
    """Werkzeug's ``http_date(value)``; UTC (or naive) datetimes and numbers
    are formatted here.

    PERF: Werkzeug goes through ``email.utils`` and its ``%`` formatting;
    this is one ``snprintf``. Anything else (dates, aware datetimes in other
    zones, struct_time, errors) is Werkzeug's call.
    """
    cdef char buf[40]
    cdef int size
    if type(value) is int and value == 0:
        return "Thu, 01 Jan 1970 00:00:00 GMT"  # PERF: delete_cookie's expires
    if type(value) is int or type(value) is float:
        # What email.utils.formatdate(value, usegmt=True) computes from.
        value = _datetime.fromtimestamp(value, _utc)
    elif not (type(value) is _datetime and (value.tzinfo is None or value.tzinfo is _utc)):
        return _http_date(value)
    size = snprintf(buf, sizeof(buf), b"%s, %02d %s %04d %02d:%02d:%02d GMT",
                    _DAYS[<int>value.weekday()], datetime_day(value),
                    _MONTHS[datetime_month(value) - 1], datetime_year(value),
                    datetime_hour(value), datetime_minute(value), datetime_second(value))
    return PyUnicode_DecodeASCII(buf, size, NULL)
cdef object _quote = quote
cdef frozenset _SAMESITE = frozenset(("Strict", "Lax", "None"))


cdef bint _all_in(str s, bint* table) noexcept:
    cdef Py_ssize_t i, n = PyUnicode_GET_LENGTH(s)
    cdef int kind = PyUnicode_KIND(s)
    cdef void* data = PyUnicode_DATA(s)
    cdef Py_UCS4 c
    for i in range(n):
        c = PyUnicode_READ(kind, data, i)
        if c >= 128 or not table[c]:
            return False
    return True


def dump_cookie(key, value="", max_age=None, expires=None, path="/", domain=None,
                secure=False, httponly=False, sync_expires=True, max_size=4093,
                samesite=None, partitioned=False):
    """A ``Set-Cookie`` header value, as :func:`werkzeug.http.dump_cookie`.

    The value is quoted (octal escapes for control, ``,``, ``;`` and
    non-ASCII bytes) unless it only has RFC 6265 cookie characters; ``path``
    is percent-quoted; ``domain`` loses any port and leading dots and is IDNA
    encoded; ``max_age`` may be a :class:`~datetime.timedelta`; ``expires``
    (a date, a timestamp or a ready string) defaults to now + ``max_age``
    when ``sync_expires``; ``partitioned`` implies ``secure``. A result
    longer than ``max_size`` (if not 0) gives a :exc:`UserWarning`.

    .. versionadded:: 0.1
    """
    cdef list parts
    cdef str header
    cdef Py_ssize_t size
    if path is not None:
        # PERF: "/" and other plain paths need no quoting call.
        if not (type(path) is str and _all_in(<str>path, _PATH_NO_QUOTE)):
            path = _quote(path, safe=_PATH_SAFE)
    if domain:
        domain = domain.partition(":")[0].lstrip(".").encode("idna").decode("ascii")
    if isinstance(max_age, _timedelta):
        max_age = int(max_age.total_seconds())
    if expires is not None:
        if not isinstance(expires, str):
            expires = _expires_date(expires)
    elif max_age is not None and sync_expires:
        expires = _expires_date(_datetime.now(tz=_utc).timestamp() + max_age)
    if samesite is not None:
        samesite = samesite.title()
        if samesite not in _SAMESITE:
            raise ValueError("SameSite must be 'Strict', 'Lax', or 'None'.")
    if partitioned:
        secure = True
    if type(value) is str and _all_in(<str>value, _NO_QUOTE):
        pass  # PERF: the usual case, no regex
    elif not _NO_QUOTE_RE.fullmatch(value):  # raises Werkzeug's TypeError
        value = _quote_value(value)
    if type(key) is str and PyUnicode_IS_ASCII(key):
        # PERF: the latin-1 "mojibake" of an ASCII key is the key itself.
        parts = [f"{key}={value}"]
    else:
        parts = [f"{key.encode().decode('latin1')}={value}"]
    # PERF: the attributes unrolled, no tuple of pairs to walk.
    _attr(parts, "Domain", domain)
    _attr(parts, "Expires", expires)
    _attr(parts, "Max-Age", max_age)
    _attr(parts, "Secure", secure)
    _attr(parts, "HttpOnly", httponly)
    _attr(parts, "Path", path)
    _attr(parts, "SameSite", samesite)
    _attr(parts, "Partitioned", partitioned)
    header = "; ".join(parts)
    size = PyUnicode_GET_LENGTH(header)
    if max_size and size > max_size:
        # No Python frame of ours: stacklevel 1 is already our caller.
        _warn_size(key, len(value), size, max_size, 1)
    return header


cdef inline void _attr(list parts, str name, object attr) except *:
    if attr is None or attr is False:
        return
    if attr is True:
        parts.append(name)
    else:
        parts.append(f"{name}={attr}")


cdef str _quote_value(object value):
    """``value`` in quotes, its UTF-8 bytes escaped as Werkzeug does."""
    cdef bytes raw = PyUnicode_AsUTF8String(value)
    cdef const unsigned char* src = <const unsigned char*>PyBytes_AS_STRING(raw)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(raw), i, j = 0
    cdef unsigned char c
    # Worst case: every byte becomes a 4-character octal escape, plus quotes.
    cdef char* buf = <char*>PyMem_Malloc(4 * n + 2)
    if buf == NULL:
        raise MemoryError()
    try:
        buf[j] = 34
        j += 1
        for i in range(n):
            c = src[i]
            if c == 34 or c == 92:
                buf[j] = 92
                buf[j + 1] = c
                j += 2
            elif c < 0x1A or c == 44 or c == 59 or c >= 0x7F:
                buf[j] = 92
                buf[j + 1] = <char>(48 + (c >> 6))
                buf[j + 2] = <char>(48 + ((c >> 3) & 7))
                buf[j + 3] = <char>(48 + (c & 7))
                j += 4
            else:
                buf[j] = <char>c
                j += 1
        buf[j] = 34
        j += 1
        return PyUnicode_DecodeASCII(buf, j, NULL)
    finally:
        PyMem_Free(buf)


cdef void _warn_size(object key, Py_ssize_t value_size, Py_ssize_t size, object max_size,
                     int stacklevel) except *:
    warnings.warn(
        f"The '{key}' cookie is too large: the value was {value_size} bytes but the"
        f" header required {size - value_size} extra bytes. The final size"
        f" was {size} bytes but the limit is {max_size} bytes. Browsers may"
        " silently ignore cookies larger than this.",
        stacklevel=stacklevel,
    )
