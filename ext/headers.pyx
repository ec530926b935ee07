# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled HTTP header parsing: Werkzeug 3.1's :mod:`werkzeug.http` parsers.

Built as :mod:`fastmicro._ext.headers`; the pure-Python twin is
:mod:`fastmicro.http._pyheaders`, which runs the same steps with ``str``
methods where this module has C loops over the characters (``Py_UCS4``
reads, no regular expressions, no intermediate strings). Every function
returns exactly what the Werkzeug function of the same name returns, as
Werkzeug's datastructures; the differences are deliberate and documented on
the twin (``parse_etags`` on a value ending with a newline, where Werkzeug
never returns). Every scan is linear in the length of the value.

A value that is not exactly a ``str`` is handed to Werkzeug's function, so
that the errors it raises are Werkzeug's. So are the rare values the fast
paths do not cover: ranges with numbers of more than 18 digits, and dates
not in the IMF-fixdate layout (those go through
:func:`email.utils.parsedate_to_datetime`, as in Werkzeug).

.. versionadded:: 0.1
"""
cimport cython
from cpython.datetime cimport datetime_new, import_datetime
from cpython.datetime cimport (
    PyDateTime_DATE_GET_HOUR,
    PyDateTime_DATE_GET_MINUTE,
    PyDateTime_DATE_GET_SECOND,
    PyDateTime_DATE_GET_TZINFO,
    PyDateTime_GET_DAY,
    PyDateTime_GET_MONTH,
    PyDateTime_GET_YEAR,
)
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.unicode cimport (
    Py_UNICODE_ISSPACE,
    PyUnicode_DATA,
    PyUnicode_FindChar,
    PyUnicode_KIND,
    PyUnicode_READ,
    PyUnicode_Substring,
)
from posix.time cimport CLOCK_REALTIME, clock_gettime, timespec

import base64
import binascii
import email.utils
from datetime import date, datetime, timezone
from time import mktime, struct_time
from time import time as _now
from urllib.parse import unquote

from werkzeug import http as _werkzeug
from werkzeug.datastructures import (
    Authorization,
    ContentRange,
    ETags,
    IfRange,
    Range,
    RequestCacheControl,
    ResponseCacheControl,
    WWWAuthenticate,
)

cdef extern from "Python.h":
    object PyUnicode_FromKindAndData(int kind, const void* buffer, Py_ssize_t size)
    object PyUnicode_DecodeASCII(const char* s, Py_ssize_t size, const char* errors)
    enum: PyUnicode_4BYTE_KIND

import_datetime()

__all__ = [
    "date_header_now",
    "http_date",
    "parse_authorization_header",
    "parse_cache_control_header",
    "parse_content_range_header",
    "parse_date",
    "parse_dict_header",
    "parse_etags",
    "parse_if_range_header",
    "parse_list_header",
    "parse_options_header",
    "parse_range_header",
    "parse_www_authenticate_header",
    "quote_etag",
    "unquote_etag",
]

cdef object _UTC = timezone.utc
cdef object _datetime = datetime
cdef object _date = date
cdef object _struct_time = struct_time
cdef object _ETags = ETags
cdef object _Range = Range
cdef object _ContentRange = ContentRange
cdef object _IfRange = IfRange
cdef object _Authorization = Authorization
cdef object _WWWAuthenticate = WWWAuthenticate
cdef object _RequestCacheControl = RequestCacheControl
cdef object _ResponseCacheControl = ResponseCacheControl
cdef object _EMPTY = frozenset()
cdef object _unquote = unquote
cdef object _b64decode = base64.b64decode
cdef object _parsedate_to_datetime = email.utils.parsedate_to_datetime
cdef frozenset _CHARSETS = frozenset({"ascii", "us-ascii", "utf-8", "iso-8859-1"})

# RFC 9110 token characters (tchar), by ASCII code.
cdef bint _TCHAR[128]


cdef void _init_tchar():
    cdef int i
    cdef unsigned char ch
    for i in range(128):
        _TCHAR[i] = False
    for i in range(48, 58):
        _TCHAR[i] = True  # 0-9
    for i in range(65, 91):
        _TCHAR[i] = True  # A-Z
        _TCHAR[i + 32] = True  # a-z
    for ch in b"!#$%&'*+-.^_`|~":
        _TCHAR[ch] = True


_init_tchar()


cdef inline bint _is_tchar(Py_UCS4 c) noexcept:
    return c < 128 and _TCHAR[c]


cdef inline bint _is_digit(Py_UCS4 c) noexcept:
    return 48 <= c <= 57


cdef inline Py_ssize_t _skip_space(int kind, void* data, Py_ssize_t pos, Py_ssize_t end) noexcept:
    """First position at or after ``pos`` that is not whitespace (as
    ``str.strip`` sees it)."""
    while pos < end and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, pos)):
        pos += 1
    return pos


cdef inline Py_ssize_t _trim_space(int kind, void* data, Py_ssize_t start, Py_ssize_t end) noexcept:
    """End of ``[start, end)`` with trailing whitespace removed."""
    while end > start and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, end - 1)):
        end -= 1
    return end


cdef str _stripped(str value, Py_ssize_t start, Py_ssize_t end):
    """``value[start:end].strip()``; ``value`` itself when nothing changes."""
    cdef int kind = PyUnicode_KIND(value)
    cdef void* data = PyUnicode_DATA(value)
    start = _skip_space(kind, data, start, end)
    end = _trim_space(kind, data, start, end)
    if start == 0 and end == len(value):
        return value
    return PyUnicode_Substring(value, start, end)


# -- options headers (Content-Type, Content-Disposition) ----------------------


cdef tuple _charset_value(str value):
    """``(charset, text)`` of a value that starts with ``charset'lang'``
    (charset and language are token characters other than ``'``; the text is
    the run of token characters after them, the rest is dropped), or
    ``None``."""
    cdef int kind = PyUnicode_KIND(value)
    cdef void* data = PyUnicode_DATA(value)
    cdef Py_ssize_t n = len(value), i = 0, charset_end = 0, text_start
    cdef Py_UCS4 c
    cdef int part
    for part in range(2):
        while i < n:
            c = PyUnicode_READ(kind, data, i)
            if c == 39 or not _is_tchar(c):  # 39: "'"
                break
            i += 1
        if i >= n or PyUnicode_READ(kind, data, i) != 39:
            return None
        if part == 0:
            charset_end = i
        i += 1
    text_start = i
    while i < n and _is_tchar(PyUnicode_READ(kind, data, i)):
        i += 1
    if i == text_start:
        return None
    return (PyUnicode_Substring(value, 0, charset_end), PyUnicode_Substring(value, text_start, i))


cdef Py_ssize_t _closing_quote(int kind, void* data, Py_ssize_t opening, Py_ssize_t n) noexcept:
    """Index of the quote closing the quoted string opened at ``opening``
    (only ``\\\\`` and ``\\"`` are escapes), or -1."""
    cdef Py_ssize_t i = opening + 1
    cdef Py_UCS4 c, after
    while i < n:
        c = PyUnicode_READ(kind, data, i)
        if c == 92 and i + 1 < n:  # 92: backslash
            after = PyUnicode_READ(kind, data, i + 1)
            if after == 92 or after == 34:
                i += 2
                continue
        elif c == 34:  # 34: '"'
            return i
        i += 1
    return -1


cdef str _unescape_quoted(str inner):
    """The inside of a quoted option value with ``\\\\``, ``\\"`` and
    ``%22`` replaced, in Werkzeug's order (one replacement after the other)."""
    cdef int kind = PyUnicode_KIND(inner)
    cdef void* data = PyUnicode_DATA(inner)
    cdef Py_ssize_t i, n = len(inner)
    cdef Py_UCS4 c
    for i in range(n):
        c = PyUnicode_READ(kind, data, i)
        if c == 92 or c == 37:  # backslash or '%'
            # PERF: rare; str.replace is C already.
            return inner.replace("\\\\", "\\").replace('\\"', '"').replace("%22", '"')
    return inner


cdef object _continuation_base(str key):
    """``"title"`` for ``"title*2"`` (an RFC 2231 continuation), else None."""
    cdef int kind = PyUnicode_KIND(key)
    cdef void* data = PyUnicode_DATA(key)
    cdef Py_ssize_t n = len(key), end = n
    while end and _is_digit(PyUnicode_READ(kind, data, end - 1)):
        end -= 1
    if end == n or end == 0 or PyUnicode_READ(kind, data, end - 1) != 42:  # 42: '*'
        return None
    return PyUnicode_Substring(key, 0, end - 1)


@cython.final
cdef class _Options:
    """The options dict being built, with Werkzeug's charset state: the last
    charset named carries over to later ``*`` keys without a marker, and a
    decoded one to continuation parts."""

    cdef dict options
    cdef dict continued  # key -> pieces of a continued value, joined at the end
    cdef object encoding
    cdef object continued_encoding

    def __cinit__(self):
        self.options = {}
        self.continued = None
        self.encoding = None
        self.continued_encoding = None

    cdef add_star(self, str key, str raw):
        """A ``key*=`` part: decode its charset, then add it."""
        cdef tuple marked = _charset_value(raw)
        if marked is not None:
            self.encoding = (<str>marked[0]).lower()
            raw = marked[1]
        if not self.encoding:
            self.encoding = self.continued_encoding
        if self.encoding in _CHARSETS:
            self.continued_encoding = self.encoding
            raw = _unquote(raw, encoding=self.encoding)
        if raw[0] == '"' and raw[len(raw) - 1] == '"':
            raw = _unescape_quoted(PyUnicode_Substring(raw, 1, len(raw) - 1))
        self.add(key, raw)

    cdef add(self, str key, str value):
        cdef object base = None
        cdef list pieces
        cdef Py_ssize_t n = len(key)
        if n and _is_digit(key[n - 1]):
            base = _continuation_base(key)
        if base is None:
            self.options[key] = value
            if self.continued is not None:
                self.continued.pop(key, None)
            return
        # PERF: appending to a growing str per piece would be quadratic.
        if self.continued is None:
            self.continued = {}
        pieces = self.continued.get(base)
        if pieces is None:
            self.continued[base] = [self.options.get(base, ""), value]
            self.options[base] = ""  # keeps the key's first position
        else:
            pieces.append(value)

    cdef dict result(self):
        if self.continued:
            for key, pieces in self.continued.items():
                self.options[key] = "".join(pieces)
        return self.options


cdef tuple _parse_options(str value):
    cdef int kind = PyUnicode_KIND(value)
    cdef void* data = PyUnicode_DATA(value)
    cdef Py_ssize_t n = len(value)
    cdef Py_ssize_t semicolon, pos, key_end, token_end, closing, unclosed = n
    cdef Py_ssize_t i
    cdef Py_UCS4 c
    cdef bint upper, star
    cdef str main, key
    cdef _Options options

    semicolon = PyUnicode_FindChar(value, 59, 0, n, 1)  # 59: ';'
    if semicolon < 0:
        # PERF: no parameters, the common case of a bare mimetype.
        return _stripped(value, 0, n), {}
    main = _stripped(value, 0, semicolon)
    pos = _skip_space(kind, data, semicolon + 1, n)
    if not main or pos == n:
        return main, {}

    options = _Options()
    while True:
        # A parameter name: token characters directly followed by '='.
        key_end = pos
        upper = False
        while key_end < n:
            c = PyUnicode_READ(kind, data, key_end)
            if not _is_tchar(c):
                break
            if 65 <= c <= 90:
                upper = True
            key_end += 1
        if key_end > pos and key_end < n and PyUnicode_READ(kind, data, key_end) == 61:  # '='
            key = PyUnicode_Substring(value, pos, key_end)
            if upper:
                key = key.lower()
            star = PyUnicode_READ(kind, data, key_end - 1) == 42  # '*'
            if star:
                key = PyUnicode_Substring(key, 0, len(key) - 1)
            pos = key_end + 1
            token_end = pos
            while token_end < n and _is_tchar(PyUnicode_READ(kind, data, token_end)):
                token_end += 1
            if token_end > pos:
                if star:
                    options.add_star(key, PyUnicode_Substring(value, pos, token_end))
                else:
                    options.add(key, PyUnicode_Substring(value, pos, token_end))
                pos = token_end
            elif pos < n and PyUnicode_READ(kind, data, pos) == 34 and pos < unclosed:
                # PERF: once a quoted value is unclosed, every later quote is
                # an escaped one, so later quoted values are unclosed too and
                # are not scanned again (that rescanning is quadratic).
                closing = _closing_quote(kind, data, pos, n)
                if closing < 0:
                    unclosed = pos
                else:
                    if star:
                        options.add_star(key, PyUnicode_Substring(value, pos, closing + 1))
                    else:
                        options.add(
                            key, _unescape_quoted(PyUnicode_Substring(value, pos + 1, closing))
                        )
                    pos = closing + 1
        semicolon = PyUnicode_FindChar(value, 59, pos, n, 1)
        if semicolon < 0:
            break
        pos = _skip_space(kind, data, semicolon + 1, n)
    return main, options.result()


def parse_options_header(value):
    """Split a header such as ``Content-Type`` into its value and a dict of
    its parameters, exactly as :func:`werkzeug.http.parse_options_header`.
    """
    if value is None:
        return "", {}
    if type(value) is not str:
        return _werkzeug.parse_options_header(value)
    return _parse_options(<str>value)


# -- comma separated lists, dicts and Cache-Control ---------------------------


cdef str _unquote_item(str item):
    """Remove the quotes around a whole quoted item and its backslash
    escapes (a backslash before a newline stays)."""
    cdef int kind = PyUnicode_KIND(item)
    cdef void* data = PyUnicode_DATA(item)
    cdef Py_ssize_t n = len(item), i, j, start
    cdef Py_UCS4 c
    cdef Py_UCS4* buf
    if n < 2 or PyUnicode_READ(kind, data, 0) != 34 or PyUnicode_READ(kind, data, n - 1) != 34:
        return item
    start = 1
    n -= 1
    i = PyUnicode_FindChar(item, 92, start, n, 1)
    if i < 0:
        return PyUnicode_Substring(item, start, n)
    buf = <Py_UCS4*>PyMem_Malloc((n - start) * sizeof(Py_UCS4))
    if buf == NULL:
        raise MemoryError()
    try:
        i = start
        j = 0
        while i < n:
            c = PyUnicode_READ(kind, data, i)
            if c == 92 and i + 1 < n and PyUnicode_READ(kind, data, i + 1) != 10:
                c = PyUnicode_READ(kind, data, i + 1)
                i += 1
            buf[j] = c
            j += 1
            i += 1
        return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, j)
    finally:
        PyMem_Free(buf)


cdef list _parse_list(str value):
    cdef int kind = PyUnicode_KIND(value)
    cdef void* data = PyUnicode_DATA(value)
    cdef Py_ssize_t n = len(value), i = 0, start = 0, a, b
    cdef Py_UCS4 c
    cdef list bounds = []
    cdef list result = []
    # One pass: commas inside quoted strings do not separate, and inside them
    # a backslash escapes any character.
    while i < n:
        c = PyUnicode_READ(kind, data, i)
        if c == 34:
            i += 1
            while i < n:
                c = PyUnicode_READ(kind, data, i)
                if c == 92:
                    i += 2
                elif c == 34:
                    break
                else:
                    i += 1
            if i >= n:
                return []  # an unclosed quoted string
        elif c == 44:  # ','
            bounds.append((start, i))
            start = i + 1
        i += 1
    bounds.append((start, n))
    for a, b in bounds:
        a = _skip_space(kind, data, a, b)
        b = _trim_space(kind, data, a, b)
        if a < b:
            result.append(_unquote_item(PyUnicode_Substring(value, a, b)))
    return result


def parse_list_header(value):
    """Split a comma separated header into its items, exactly as
    :func:`werkzeug.http.parse_list_header`.
    """
    if type(value) is not str:
        return _werkzeug.parse_list_header(value)
    return _parse_list(<str>value)


cdef dict _parse_dict(str value):
    cdef dict result = {}
    cdef str item, key, raw
    cdef Py_ssize_t equals, n
    cdef tuple marked
    cdef object encoding
    for item in _parse_list(value):
        n = len(item)
        equals = PyUnicode_FindChar(item, 61, 0, n, 1)
        key = _stripped(item, 0, n if equals < 0 else equals)
        if not key:
            continue  # "=value" has no key
        if equals < 0:
            result[key] = None
            continue
        raw = _stripped(item, equals + 1, n)
        if key[len(key) - 1] == "*":
            key = PyUnicode_Substring(key, 0, len(key) - 1)
            marked = _charset_value(raw)
            if marked is not None:
                encoding = (<str>marked[0]).lower()
                raw = marked[1]
                if encoding in _CHARSETS:
                    raw = _unquote(raw, encoding=encoding)
        result[key] = _unquote_item(raw)
    return result


def parse_dict_header(value):
    """Parse a comma separated list of ``key=value`` items, exactly as
    :func:`werkzeug.http.parse_dict_header`.
    """
    if type(value) is not str:
        return _werkzeug.parse_dict_header(value)
    return _parse_dict(<str>value)


def parse_cache_control_header(value, on_update=None, cls=None):
    """Parse a ``Cache-Control`` header into ``cls`` (default
    ``RequestCacheControl``), exactly as
    :func:`werkzeug.http.parse_cache_control_header`.
    """
    if cls is None:
        cls = _RequestCacheControl
    if not value:
        return cls((), on_update)
    if type(value) is str and (cls is _RequestCacheControl or cls is _ResponseCacheControl):
        # PERF: the state __init__ would give (the dict items, then
        # on_update and provided), set without its chain of super() calls.
        result = dict.__new__(cls)
        dict.update(result, _parse_dict(<str>value))
        result.on_update = on_update
        result.provided = True
        return result
    return cls(parse_dict_header(value), on_update)


# -- ETags -----------------------------------------------------------------------


def quote_etag(etag, weak=False):
    """``"etag"``, or ``W/"etag"`` if ``weak``, as :func:`werkzeug.http.quote_etag`."""
    if type(etag) is not str:
        return _werkzeug.quote_etag(etag, weak)
    if PyUnicode_FindChar(etag, 34, 0, len(<str>etag), 1) >= 0:
        raise ValueError("invalid etag")
    return ('W/"' if weak else '"') + etag + '"'


def unquote_etag(etag):
    """``(tag, weak)`` of one quoted tag, as :func:`werkzeug.http.unquote_etag`."""
    if not etag:
        return None, None
    if type(etag) is not str:
        return _werkzeug.unquote_etag(etag)
    cdef str text = <str>etag
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_ssize_t start = _skip_space(kind, data, 0, len(text))
    cdef Py_ssize_t end = _trim_space(kind, data, start, len(text))
    cdef Py_UCS4 c
    cdef bint weak = False
    if end - start >= 2:
        c = PyUnicode_READ(kind, data, start)
        if (c == 87 or c == 119) and PyUnicode_READ(kind, data, start + 1) == 47:  # W w /
            weak = True
            start += 2
    if end - start >= 1 and PyUnicode_READ(kind, data, start) == 34 and PyUnicode_READ(kind, data, end - 1) == 34:
        if end - start == 1:
            return "", weak
        start += 1
        end -= 1
    return PyUnicode_Substring(text, start, end), weak


cdef struct _ETagScan:
    # Werkzeug's ETag grammar, one tag at a time: an optional W/, then a
    # quoted tag or raw text, then a separator (a comma with any whitespace
    # around it, the end, or a final newline); the shortest tag followed by
    # a separator wins, and tags never span a newline. The searches that can
    # run ahead (next quote followed by a separator, next newline, the end of
    # a whitespace run) are remembered, so the value is scanned in linear time.
    int kind
    void* data
    Py_ssize_t n
    Py_ssize_t quote_from
    Py_ssize_t quote_at
    Py_ssize_t newline_from
    Py_ssize_t newline_at
    Py_ssize_t space_from
    Py_ssize_t space_end


cdef inline Py_ssize_t _scan_space_end(_ETagScan* s, Py_ssize_t pos) noexcept:
    if s.space_from <= pos <= s.space_end:
        return s.space_end
    s.space_from = pos
    s.space_end = _skip_space(s.kind, s.data, pos, s.n)
    return s.space_end


cdef Py_ssize_t _separator_end(_ETagScan* s, Py_ssize_t pos) noexcept:
    cdef Py_ssize_t after = _scan_space_end(s, pos)
    if after < s.n and PyUnicode_READ(s.kind, s.data, after) == 44:
        return _scan_space_end(s, after + 1)
    if pos == s.n or (pos == s.n - 1 and PyUnicode_READ(s.kind, s.data, pos) == 10):
        return pos
    return -1


cdef Py_ssize_t _find(_ETagScan* s, object value, Py_UCS4 ch, Py_ssize_t start) except -2:
    if start >= s.n:
        return -1
    return PyUnicode_FindChar(value, ch, start, s.n, 1)


cdef Py_ssize_t _closing_etag_quote(_ETagScan* s, object value, Py_ssize_t start) except -2:
    if s.quote_from <= start and (s.quote_at >= start or s.quote_at < 0):
        return s.quote_at
    cdef Py_ssize_t found = _find(s, value, 34, start)
    while found >= 0 and _separator_end(s, found + 1) < 0:
        found = _find(s, value, 34, found + 1)
    s.quote_from = start
    s.quote_at = found
    return found


cdef Py_ssize_t _next_newline(_ETagScan* s, object value, Py_ssize_t start) except -2:
    if s.newline_from <= start and s.newline_at >= start:
        return s.newline_at
    cdef Py_ssize_t found = _find(s, value, 10, start)
    s.newline_from = start
    s.newline_at = s.n if found < 0 else found
    return s.newline_at


cdef Py_ssize_t _raw_end(_ETagScan* s, object value, Py_ssize_t start) except -2:
    cdef Py_ssize_t end, comma = _find(s, value, 44, start)
    if comma >= 0:
        end = _trim_space(s.kind, s.data, start, comma)
    elif s.n and PyUnicode_READ(s.kind, s.data, s.n - 1) == 10 and s.n - 1 >= start:
        end = s.n - 1
    else:
        end = s.n
    if _next_newline(s, value, start) < end:
        return -1
    return end


cdef object _parse_etags(str value):
    cdef _ETagScan s
    cdef Py_ssize_t n = len(value), pos = 0, start, end, closing, raw_end
    cdef Py_UCS4 c
    cdef bint is_weak
    cdef list strong = [], weak = []
    cdef object tag
    s.kind = PyUnicode_KIND(value)
    s.data = PyUnicode_DATA(value)
    s.n = n
    s.quote_from = n + 1
    s.quote_at = -1
    s.newline_from = n + 1
    s.newline_at = -1
    s.space_from = n + 1
    s.space_end = -1
    while pos < n:
        start = pos
        c = PyUnicode_READ(s.kind, s.data, pos)
        is_weak = (c == 87 or c == 119) and pos + 1 < n and PyUnicode_READ(s.kind, s.data, pos + 1) == 47
        if is_weak:
            start += 2
        tag = None
        end = -1
        if start < n and PyUnicode_READ(s.kind, s.data, start) == 34:
            closing = _closing_etag_quote(&s, value, start + 1)
            if closing >= 0 and _next_newline(&s, value, start + 1) > closing:
                if closing > start + 1:
                    tag = PyUnicode_Substring(value, start + 1, closing)
                # else: an empty quoted tag; Werkzeug records None for it
                end = _separator_end(&s, closing + 1)
        if end < 0:
            raw_end = _raw_end(&s, value, start)
            if raw_end < 0:
                break
            tag = PyUnicode_Substring(value, start, raw_end)
            end = _separator_end(&s, raw_end)
            if raw_end == start + 1 and PyUnicode_READ(s.kind, s.data, start) == 42:  # "*"
                return _ETags(star_tag=True)
        if is_weak:
            weak.append(tag)
        else:
            strong.append(tag)
        if end == pos:
            break  # the empty match before a final newline (see the twin)
        pos = end
    # PERF: the state ETags.__init__ gives, set directly.
    cdef object etags = _ETags.__new__(_ETags)
    etags._strong = frozenset(strong) if strong else _EMPTY
    etags._weak = frozenset(weak) if weak else _EMPTY
    etags.star_tag = False
    return etags


def parse_etags(value):
    """Parse an ``If-Match`` / ``If-None-Match`` header into ``ETags``, as
    :func:`werkzeug.http.parse_etags` (but see the twin on final newlines).
    """
    if not value:
        return _ETags()
    if type(value) is not str:
        return _werkzeug.parse_etags(value)
    return _parse_etags(<str>value)


# -- ranges -----------------------------------------------------------------------

# Results of _plain_int.
cdef enum:
    INT_INVALID = 0
    INT_OK = 1
    INT_LONG = 2  # valid but too many digits for a C long long


cdef int _plain_int(int kind, void* data, Py_ssize_t start, Py_ssize_t end,
                    long long* out) noexcept:
    """Werkzeug's plain int: stripped, ASCII digits with an optional leading
    ``-``."""
    cdef bint negative = False
    cdef long long number = 0
    cdef Py_UCS4 c
    start = _skip_space(kind, data, start, end)
    end = _trim_space(kind, data, start, end)
    if start < end and PyUnicode_READ(kind, data, start) == 45:  # '-'
        negative = True
        start += 1
    if start == end:
        return INT_INVALID
    if end - start > 18:
        while start < end:
            if not _is_digit(PyUnicode_READ(kind, data, start)):
                return INT_INVALID
            start += 1
        return INT_LONG
    while start < end:
        c = PyUnicode_READ(kind, data, start)
        if not _is_digit(c):
            return INT_INVALID
        number = number * 10 + (<int>c - 48)
        start += 1
    out[0] = -number if negative else number
    return INT_OK


cdef str _lower_units(str units):
    # PERF: "bytes" is nearly always already lower case.
    if units == "bytes":
        return "bytes"
    return units.lower()


cdef object _parse_range(str value, object make_inclusive):
    cdef int kind = PyUnicode_KIND(value)
    cdef void* data = PyUnicode_DATA(value)
    cdef Py_ssize_t n = len(value), equals, a, b, comma, dash
    cdef long long begin, stop, last_end = 0
    cdef int state
    cdef list ranges = []
    equals = PyUnicode_FindChar(value, 61, 0, n, 1)
    if equals < 0:
        return None
    units = _lower_units(_stripped(value, 0, equals))
    a = equals + 1
    while True:
        comma = PyUnicode_FindChar(value, 44, a, n, 1) if a < n else -1
        b = n if comma < 0 else comma
        a = _skip_space(kind, data, a, b)
        b = _trim_space(kind, data, a, b)
        dash = PyUnicode_FindChar(value, 45, a, b, 1) if a < b else -1
        if dash < 0:
            return None
        if dash == a:
            # suffix range: the last N bytes
            if last_end < 0:
                return None
            state = _plain_int(kind, data, a, b, &begin)
            if state == INT_LONG:
                return _werkzeug.parse_range_header(value, make_inclusive)
            if state == INT_INVALID:
                return None
            ranges.append((begin, None))
            last_end = -1
        else:
            state = _plain_int(kind, data, a, dash, &begin)
            if state == INT_LONG:
                return _werkzeug.parse_range_header(value, make_inclusive)
            if state == INT_INVALID or begin < last_end or last_end < 0:
                return None
            if _skip_space(kind, data, dash + 1, b) < b:
                state = _plain_int(kind, data, dash + 1, b, &stop)
                if state == INT_LONG:
                    return _werkzeug.parse_range_header(value, make_inclusive)
                if state == INT_INVALID:
                    return None
                stop += 1
                if begin >= stop:
                    return None
                ranges.append((begin, stop))
                last_end = stop
            else:
                ranges.append((begin, None))
                last_end = -1
        if comma < 0:
            break
        a = comma + 1
    return _Range(units, ranges)


def parse_range_header(value, make_inclusive=True):
    """Parse a ``Range`` header into ``Range``, or None if it is missing or
    malformed, as :func:`werkzeug.http.parse_range_header`.
    """
    if not value:
        return None
    if type(value) is not str:
        return _werkzeug.parse_range_header(value, make_inclusive)
    return _parse_range(<str>value, make_inclusive)


cdef bint _byte_range_valid(object start, object stop, object length):
    if start is None:
        return stop is None and (length is None or length >= 0)
    if stop is None:
        return False
    if length is None:
        return 0 <= start < stop
    return start < stop and 0 <= start < length


cdef object _parse_content_range(str value, object on_update):
    cdef int kind = PyUnicode_KIND(value)
    cdef void* data = PyUnicode_DATA(value)
    cdef Py_ssize_t n = len(value), units_start, units_end, spec, end, slash, dash
    cdef long long number
    cdef int state
    cdef object length, start, stop
    # value.strip().split(None, 1): the units, then the rest, stripped.
    units_start = _skip_space(kind, data, 0, n)
    end = _trim_space(kind, data, units_start, n)
    units_end = units_start
    while units_end < end and not Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, units_end)):
        units_end += 1
    spec = _skip_space(kind, data, units_end, end)
    if units_end == units_start or spec == end:
        return None
    slash = PyUnicode_FindChar(value, 47, spec, end, 1)  # '/'
    if slash < 0:
        return None
    if end - slash == 2 and PyUnicode_READ(kind, data, slash + 1) == 42:
        length = None
    else:
        state = _plain_int(kind, data, slash + 1, end, &number)
        if state == INT_LONG:
            return _werkzeug.parse_content_range_header(value, on_update)
        if state == INT_INVALID:
            return None
        length = number
    units = PyUnicode_Substring(value, units_start, units_end)
    if slash - spec == 1 and PyUnicode_READ(kind, data, spec) == 42:
        if not _byte_range_valid(None, None, length):
            return None
        return _ContentRange(units, None, None, length, on_update=on_update)
    dash = PyUnicode_FindChar(value, 45, spec, slash, 1) if spec < slash else -1
    if dash < 0:
        return None
    state = _plain_int(kind, data, spec, dash, &number)
    if state == INT_LONG:
        return _werkzeug.parse_content_range_header(value, on_update)
    if state == INT_INVALID:
        return None
    start = number
    state = _plain_int(kind, data, dash + 1, slash, &number)
    if state == INT_LONG:
        return _werkzeug.parse_content_range_header(value, on_update)
    if state == INT_INVALID:
        return None
    stop = number + 1
    if not _byte_range_valid(start, stop, length):
        return None
    return _ContentRange(units, start, stop, length, on_update=on_update)


def parse_content_range_header(value, on_update=None):
    """Parse a ``Content-Range`` header into ``ContentRange``, or None if it
    is malformed, as :func:`werkzeug.http.parse_content_range_header`.
    """
    if value is None:
        return None
    if type(value) is not str:
        return _werkzeug.parse_content_range_header(value, on_update)
    return _parse_content_range(<str>value, on_update)


# -- dates ------------------------------------------------------------------------

cdef const char* _MONTH_NAMES = b"JanFebMarAprMayJunJulAugSepOctNovDec"
cdef const char* _WEEKDAY_NAMES = b"MonTueWedThuFriSatSun"
cdef int _MONTH_DAYS[13]
_MONTH_DAYS[:] = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


cdef inline bint _is_leap(long long year) noexcept:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


cdef inline int _two_digits(int kind, void* data, Py_ssize_t i) noexcept:
    """The number of two ASCII digits at ``i``, or -1."""
    cdef Py_UCS4 a = PyUnicode_READ(kind, data, i)
    cdef Py_UCS4 b = PyUnicode_READ(kind, data, i + 1)
    if not (_is_digit(a) and _is_digit(b)):
        return -1
    return (<int>a - 48) * 10 + (<int>b - 48)


cdef inline bint _is_ascii_letter(Py_UCS4 c) noexcept:
    return (65 <= c <= 90) or (97 <= c <= 122)


cdef object _parse_fixdate(str value):
    """``Sun, 06 Nov 1994 08:49:37 GMT``; ``False`` if ``value`` does not
    have that layout (the general parser decides then)."""
    cdef int kind = PyUnicode_KIND(value)
    cdef void* data = PyUnicode_DATA(value)
    cdef int i, day, month = 0, year, year_high, hour, minute, second
    cdef Py_UCS4 c
    cdef char name[3]
    for i in range(3):
        if not _is_ascii_letter(PyUnicode_READ(kind, data, i)):
            return False
    if (PyUnicode_READ(kind, data, 3) != 44 or PyUnicode_READ(kind, data, 4) != 32
            or PyUnicode_READ(kind, data, 7) != 32 or PyUnicode_READ(kind, data, 11) != 32
            or PyUnicode_READ(kind, data, 16) != 32 or PyUnicode_READ(kind, data, 19) != 58
            or PyUnicode_READ(kind, data, 22) != 58 or PyUnicode_READ(kind, data, 25) != 32
            or PyUnicode_READ(kind, data, 26) != 71 or PyUnicode_READ(kind, data, 27) != 77
            or PyUnicode_READ(kind, data, 28) != 84):  # ", " ... ":" ... " GMT"
        return False
    for i in range(3):
        c = PyUnicode_READ(kind, data, 8 + i)
        if not _is_ascii_letter(c):
            return False
        # The month is matched case-insensitively, as email.utils does.
        name[i] = <char>((<int>c & ~32) if i == 0 else (<int>c | 32))
    for i in range(12):
        if (name[0] == _MONTH_NAMES[3 * i] and name[1] == _MONTH_NAMES[3 * i + 1]
                and name[2] == _MONTH_NAMES[3 * i + 2]):
            month = i + 1
            break
    day = _two_digits(kind, data, 5)
    year_high = _two_digits(kind, data, 12)
    year = _two_digits(kind, data, 14)
    hour = _two_digits(kind, data, 17)
    minute = _two_digits(kind, data, 20)
    second = _two_digits(kind, data, 23)
    if month == 0 or day < 0 or year_high < 0 or year < 0 or hour < 0 or minute < 0 or second < 0:
        return False
    year += year_high * 100
    if year < 100:
        # Two-digit years, as email.utils reads them: 69-99 are 19xx.
        year += 1900 if year > 68 else 2000
    # What datetime() would reject (Werkzeug returns None then).
    if (day < 1 or day > (29 if month == 2 and _is_leap(year) else _MONTH_DAYS[month])
            or hour > 23 or minute > 59 or second > 59):
        return None
    return datetime_new(year, month, day, hour, minute, second, 0, _UTC)


cdef bint _fewer_than_three_words(str value):
    """email.utils needs at least three whitespace separated words."""
    cdef int kind = PyUnicode_KIND(value)
    cdef void* data = PyUnicode_DATA(value)
    cdef Py_ssize_t n = len(value), i = 0
    cdef int words = 0
    while words < 3:
        i = _skip_space(kind, data, i, n)
        if i == n:
            return True
        words += 1
        while i < n and not Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)):
            i += 1
    return False


cdef object _parse_date_general(object value):
    if type(value) is str and _fewer_than_three_words(<str>value):
        # PERF: an ETag in If-Range, or junk: no date, without email.utils.
        return None
    try:
        parsed = _parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=_UTC)
    return parsed


def parse_date(value):
    """Parse an HTTP date into an aware datetime (UTC when no zone is given),
    or None, as :func:`werkzeug.http.parse_date`.
    """
    if value is None:
        return None
    cdef object result
    if type(value) is str and len(<str>value) == 29:
        # PERF: the format every sender must generate, read directly.
        result = _parse_fixdate(<str>value)
        if result is not False:
            return result
    return _parse_date_general(value)


cdef inline long long _floor_div(long long a, long long b) noexcept:
    cdef long long q = a // b
    if (a % b != 0) and ((a < 0) != (b < 0)):
        q -= 1
    return q


cdef long long _days_from_civil(long long y, int m, int d) noexcept:
    """Days since 1970-01-01 of a proleptic Gregorian date."""
    y -= m <= 2
    cdef long long era = _floor_div(y, 400)
    cdef long long yoe = y - era * 400
    cdef long long doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    cdef long long doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


cdef void _civil_from_days(long long z, long long* y, int* m, int* d) noexcept:
    z += 719468
    cdef long long era = _floor_div(z, 146097)
    cdef long long doe = z - era * 146097
    cdef long long yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    cdef long long doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    cdef long long mp = (5 * doy + 2) // 153
    d[0] = <int>(doy - (153 * mp + 2) // 5 + 1)
    m[0] = <int>(mp + 3 if mp < 10 else mp - 9)
    y[0] = yoe + era * 400 + (1 if m[0] <= 2 else 0)


cdef inline void _put2(char* buf, int at, int number) noexcept:
    buf[at] = <char>(48 + number // 10)
    buf[at + 1] = <char>(48 + number % 10)


cdef str _format(long long year, int month, int day, int hour, int minute, int second):
    """IMF-fixdate of UTC fields (year 1 to 9999)."""
    cdef char buf[29]
    cdef long long days = _days_from_civil(year, month, day)
    cdef int weekday = <int>((days % 7 + 7 + 3) % 7)  # 1970-01-01 was a Thursday
    cdef int i
    for i in range(3):
        buf[i] = _WEEKDAY_NAMES[3 * weekday + i]
        buf[8 + i] = _MONTH_NAMES[3 * (month - 1) + i]
    buf[3] = 44
    buf[4] = 32
    _put2(buf, 5, day)
    buf[7] = 32
    _put2(buf, 12, <int>(year // 100))
    _put2(buf, 14, <int>(year % 100))
    buf[11] = 32
    buf[16] = 32
    _put2(buf, 17, hour)
    buf[19] = 58
    _put2(buf, 20, minute)
    buf[22] = 58
    _put2(buf, 23, second)
    buf[25] = 32
    buf[26] = 71
    buf[27] = 77
    buf[28] = 84
    return PyUnicode_DecodeASCII(buf, 29, NULL)


cdef str _format_seconds(long long timestamp):
    """IMF-fixdate of a POSIX timestamp in years 1 to 9999."""
    cdef long long days = _floor_div(timestamp, 86400)
    cdef long long rest = timestamp - days * 86400
    cdef long long year
    cdef int month, day
    _civil_from_days(days, &year, &month, &day)
    return _format(year, month, day, <int>(rest // 3600), <int>(rest % 3600 // 60), <int>(rest % 60))


cdef str _format_datetime(object moment):
    return _format(
        PyDateTime_GET_YEAR(moment),
        PyDateTime_GET_MONTH(moment),
        PyDateTime_GET_DAY(moment),
        PyDateTime_DATE_GET_HOUR(moment),
        PyDateTime_DATE_GET_MINUTE(moment),
        PyDateTime_DATE_GET_SECOND(moment),
    )


# POSIX timestamps of 0001-01-01 and 9999-12-31 23:59:59.
cdef long long _MIN_TIMESTAMP = -62135596800
cdef long long _MAX_TIMESTAMP = 253402300799


def http_date(timestamp=None):
    """Format a time as an HTTP date, as :func:`werkzeug.http.http_date`: a
    naive datetime is UTC, an aware one is converted, a date is its
    midnight, a number is a POSIX timestamp, a ``struct_time`` local time,
    None now.
    """
    cdef object kind = type(timestamp)
    cdef object tzinfo
    cdef long long seconds
    if kind is _datetime:
        tzinfo = <object>PyDateTime_DATE_GET_TZINFO(timestamp)
        if tzinfo is not None and tzinfo is not _UTC and tzinfo != _UTC:
            timestamp = timestamp.astimezone(_UTC)
        return _format_datetime(timestamp)
    if kind is _date:
        return _format(
            PyDateTime_GET_YEAR(timestamp), PyDateTime_GET_MONTH(timestamp),
            PyDateTime_GET_DAY(timestamp), 0, 0, 0,
        )
    if kind is int and _MIN_TIMESTAMP <= timestamp <= _MAX_TIMESTAMP:
        seconds = timestamp
        return _format_seconds(seconds)
    if timestamp is None:
        timestamp = _now()
    if isinstance(timestamp, _date):
        if not isinstance(timestamp, _datetime):
            return _format(timestamp.year, timestamp.month, timestamp.day, 0, 0, 0)
        if timestamp.tzinfo is not None and timestamp.tzinfo != _UTC:
            timestamp = timestamp.astimezone(_UTC)
        return _format(
            timestamp.year, timestamp.month, timestamp.day,
            timestamp.hour, timestamp.minute, timestamp.second,
        )
    if isinstance(timestamp, _struct_time):
        timestamp = mktime(timestamp)
    # Floats and the rest: datetime's own rounding and errors.
    return _format_datetime(_datetime.fromtimestamp(timestamp, _UTC))


cdef long long _cached_second = -1
cdef str _cached_date = ""


def date_header_now():
    """The current time as an HTTP date, for the ``Date`` response header.

    PERF: formatting a date costs microseconds; the text only changes once a
    second, so it is formatted once per second and reused.
    """
    global _cached_second, _cached_date
    cdef timespec now
    clock_gettime(CLOCK_REALTIME, &now)
    if now.tv_sec != _cached_second:
        _cached_date = _format_seconds(now.tv_sec)
        _cached_second = now.tv_sec
    return _cached_date


def parse_if_range_header(value):
    """Parse an ``If-Range`` header (a date or an ETag) into ``IfRange``, as
    :func:`werkzeug.http.parse_if_range_header`.
    """
    if not value:
        return _IfRange()
    moment = parse_date(value)
    if moment is not None:
        return _IfRange(date=moment)
    return _IfRange(unquote_etag(value)[0])


# -- authorization ----------------------------------------------------------------


cdef tuple _scheme_and_rest(str value):
    cdef Py_ssize_t n = len(value)
    cdef Py_ssize_t space = PyUnicode_FindChar(value, 32, 0, n, 1)
    if space < 0:
        return value.lower(), ""
    return PyUnicode_Substring(value, 0, space).lower(), _stripped(value, space + 1, n)


cdef bint _has_parameters(str rest):
    """Parameters (``k=v, ...``) rather than a token68: an ``=`` that is not
    part of the trailing base64 padding."""
    cdef int kind = PyUnicode_KIND(rest)
    cdef void* data = PyUnicode_DATA(rest)
    cdef Py_ssize_t end = len(rest)
    while end and PyUnicode_READ(kind, data, end - 1) == 61:
        end -= 1
    return end > 0 and PyUnicode_FindChar(rest, 61, 0, end, 1) >= 0


def parse_authorization_header(value):
    """Parse an ``Authorization`` header, as
    :meth:`werkzeug.datastructures.Authorization.from_header`.
    """
    if not value:
        return None
    if type(value) is not str:
        return _Authorization.from_header(value)
    scheme, rest = _scheme_and_rest(<str>value)
    if scheme == "basic":
        try:
            credentials = _b64decode(rest).decode()
        except (binascii.Error, UnicodeError):
            return None
        username, _, password = credentials.partition(":")
        return _Authorization(scheme, {"username": username, "password": password})
    if _has_parameters(rest):
        return _Authorization(scheme, _parse_dict(rest), None)
    return _Authorization(scheme, None, rest)


def parse_www_authenticate_header(value):
    """Parse a ``WWW-Authenticate`` header, as
    :meth:`werkzeug.datastructures.WWWAuthenticate.from_header`.
    """
    if not value:
        return None
    if type(value) is not str:
        return _WWWAuthenticate.from_header(value)
    scheme, rest = _scheme_and_rest(<str>value)
    if _has_parameters(rest):
        return _WWWAuthenticate(scheme, _parse_dict(rest), None)
    return _WWWAuthenticate(scheme, None, rest)
