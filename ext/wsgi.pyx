# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled WSGI headers in and out: the request headers read from the
environ, and the response's status line and header check.

Built as :mod:`fastmicro._ext.wsgi`; the pure-Python twin is
:mod:`fastmicro.http._pywsgi`, which documents each function. The
``headers_*`` functions become the methods of
:class:`fastmicro.http.environ_headers.EnvironHeaders`.

.. versionadded:: 0.1
"""
cimport cython
from cpython.dict cimport PyDict_GetItem, PyDict_SetItem, PyDict_Size
from cpython.list cimport PyList_Append
from cpython.object cimport PyObject
from cpython.unicode cimport PyUnicode_GET_LENGTH, PyUnicode_READ_CHAR

from werkzeug.exceptions import BadRequestKeyError
from werkzeug.http import HTTP_STATUS_CODES

__all__ = [
    "environ_key",
    "header_items",
    "headers_contains",
    "headers_get",
    "headers_getitem",
    "headers_init",
    "headers_iter",
    "headers_len",
    "sendable_as_is",
    "status_line",
]

cdef dict _environ_keys = {}
cdef Py_ssize_t _MAX_CACHED_KEYS = 512


cdef str _environ_key_uncached(str name):
    cdef Py_ssize_t i, n = PyUnicode_GET_LENGTH(name)
    cdef Py_UCS4 c
    cdef list chars
    if not name.isascii():
        # str.upper has Unicode special cases ("ß" -> "SS"); keep its result.
        key = name.upper().replace("-", "_")
    else:
        # PERF: one pass over an ASCII name instead of upper() + replace().
        chars = [None] * n
        for i in range(n):
            c = PyUnicode_READ_CHAR(name, i)
            if c == u'-':
                c = u'_'
            elif u'a' <= c <= u'z':
                c = <Py_UCS4>(<unsigned int>c - 32)
            chars[i] = chr(c)
        key = "".join(chars)
    if key == "CONTENT_TYPE" or key == "CONTENT_LENGTH":
        return key
    return "HTTP_" + key


cpdef str environ_key(str name):
    """The environ key Werkzeug reads for the header ``name``."""
    cdef PyObject* hit = PyDict_GetItem(_environ_keys, name)
    if hit != NULL:
        return <str>hit
    key = _environ_key_uncached(name)
    if PyDict_Size(_environ_keys) < _MAX_CACHED_KEYS:
        PyDict_SetItem(_environ_keys, name, key)
    return key


cdef str _title_dashed(str raw, Py_ssize_t start):
    """``raw[start:].replace("_", "-").title()`` for an ASCII ``raw``."""
    cdef Py_ssize_t i, n = PyUnicode_GET_LENGTH(raw)
    cdef Py_UCS4 c
    cdef bint after_letter = False
    cdef bint is_letter
    cdef list chars = [None] * (n - start)
    for i in range(start, n):
        c = PyUnicode_READ_CHAR(raw, i)
        if c == u'_':
            c = u'-'
        is_letter = (u'a' <= c <= u'z') or (u'A' <= c <= u'Z')
        if is_letter:
            # str.title: upper case after a non-letter, lower case after one.
            if after_letter:
                if c <= u'Z':
                    c = <Py_UCS4>(<unsigned int>c + 32)
            elif c >= u'a':
                c = <Py_UCS4>(<unsigned int>c - 32)
        after_letter = is_letter
        chars[i - start] = chr(c)
    return "".join(chars)


cdef inline bint _starts_with_http(str key) noexcept:
    return (
        PyUnicode_GET_LENGTH(key) >= 5
        and PyUnicode_READ_CHAR(key, 0) == u'H'
        and PyUnicode_READ_CHAR(key, 1) == u'T'
        and PyUnicode_READ_CHAR(key, 2) == u'T'
        and PyUnicode_READ_CHAR(key, 3) == u'P'
        and PyUnicode_READ_CHAR(key, 4) == u'_'
    )


cpdef list header_items(environ):
    """The ``(name, value)`` pairs of the request headers, as Werkzeug's
    ``EnvironHeaders`` iterates them."""
    cdef list items = []
    for key, value in environ.items():
        if type(key) is not str:
            # A str subclass, or a key Werkzeug's key.startswith rejects.
            _append_slow(items, key, value)
            continue
        if _starts_with_http(<str>key):
            if key == "HTTP_CONTENT_TYPE" or key == "HTTP_CONTENT_LENGTH":
                continue
            if (<str>key).isascii():
                PyList_Append(items, (_title_dashed(<str>key, 5), value))
            else:
                PyList_Append(items, ((<str>key)[5:].replace("_", "-").title(), value))
        elif (key == "CONTENT_TYPE" or key == "CONTENT_LENGTH") and value:
            PyList_Append(items, (_title_dashed(<str>key, 0), value))
    return items


cdef _append_slow(list items, key, value):
    if key.startswith("HTTP_"):
        if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            items.append((key[5:].replace("_", "-").title(), value))
    elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
        items.append((key.replace("_", "-").title(), value))


@cython.binding(True)
def headers_init(self, environ):
    """``EnvironHeaders(environ)``: an empty header list and the environ."""
    # PERF: Werkzeug's __init__ chain (EnvironHeaders, Headers) is two
    # Python frames for these two attributes.
    self._list = []
    self.environ = environ


@cython.binding(True)
def headers_getitem(self, key):
    """``headers[key]``; a missing header raises :exc:`KeyError`."""
    if not isinstance(key, str):
        raise BadRequestKeyError(key)
    return self.environ[environ_key(key)]


@cython.binding(True)
def headers_get(self, key, default=None, type=None):
    """``headers.get(key, default, type)``."""
    cdef PyObject* hit
    if not isinstance(key, str):
        return default
    environ = self.environ
    if builtin_type(environ) is dict:
        # PERF: one C dict lookup, no KeyError raised for a missing header.
        hit = PyDict_GetItem(environ, environ_key(key))
        if hit == NULL:
            return default
        value = <object>hit
    else:
        try:
            value = environ[environ_key(key)]
        except KeyError:
            return default
    if type is None:
        return value
    try:
        return type(value)
    except (ValueError, TypeError):
        return default


@cython.binding(True)
def headers_contains(self, key):
    """``key in headers``."""
    if not isinstance(key, str):
        return False
    return environ_key(key) in self.environ


@cython.binding(True)
def headers_iter(self):
    """Iterate the ``(name, value)`` pairs."""
    return iter(header_items(self.environ))


@cython.binding(True)
def headers_len(self):
    """The number of headers iteration yields."""
    return len(header_items(self.environ))


cdef object builtin_type = type

cdef dict _status_lines = {}


cpdef str status_line(code):
    """The status line Werkzeug builds for an integer status code."""
    cdef PyObject* hit = PyDict_GetItem(_status_lines, code)
    if hit != NULL:
        return <str>hit
    phrase = HTTP_STATUS_CODES.get(code)
    if phrase is None:
        return f"{code} UNKNOWN"
    line = f"{code} {phrase.upper()}"
    _status_lines[code] = line
    return line


cdef inline bint _ascii_ieq(str key, const char* lower, Py_ssize_t n) noexcept:
    """``key.lower() == lower`` for an ASCII ``lower`` of length ``n``."""
    cdef Py_ssize_t i
    cdef Py_UCS4 c
    if PyUnicode_GET_LENGTH(key) != n:
        return False
    for i in range(n):
        c = PyUnicode_READ_CHAR(key, i)
        if u'A' <= c <= u'Z':
            c = <Py_UCS4>(<unsigned int>c + 32)
        if c != <Py_UCS4>lower[i]:
            return False
    return True


cpdef bint sendable_as_is(object header_list) except -1:
    """Whether the header list needs none of Werkzeug's ``get_wsgi_headers``
    changes: ``Content-Length`` there, no ``Location``/``Content-Location``."""
    cdef bint has_length = False
    for key, _ in header_list:
        if type(key) is not str or not (<str>key).isascii():
            # str.lower has Unicode special cases (the Kelvin sign is "k").
            lowered = key.lower()
            if lowered == "content-length":
                has_length = True
            elif lowered == "location" or lowered == "content-location":
                return False
        elif _ascii_ieq(<str>key, b"content-length", 14):
            has_length = True
        elif _ascii_ieq(<str>key, b"location", 8) or _ascii_ieq(<str>key, b"content-location", 16):
            return False
    return has_length
