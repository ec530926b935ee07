# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled ``Accept*`` header parsing and matching.

Built as :mod:`fastmicro._ext.accept`; the pure-Python twin is
:mod:`fastmicro.http._pyaccept` (same steps, same function names).
:func:`parse_accept_header` returns what Werkzeug 3.1's
:func:`werkzeug.http.parse_accept_header` returns. For ``cls`` ``None``,
:class:`~werkzeug.datastructures.Accept`,
:class:`~werkzeug.datastructures.MIMEAccept` or
:class:`~werkzeug.datastructures.LanguageAccept` the result is an instance
of this module's subclass of that class (same name, same contents, same
behaviour) whose ``quality``, ``__contains__``, ``best_match`` and
``_value_matches`` are compiled; other classes are Werkzeug's own.

The compiled matching covers ASCII values; anything else (non-ASCII, not a
``str``) is handed to the Werkzeug method it replaces, so results and
exceptions are always Werkzeug's.

.. versionadded:: 0.1
"""
cimport cython
from cpython.dict cimport PyDict_GetItem
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE, PyList_SetSlice
from cpython.object cimport PyObject
from cpython.tuple cimport PyTuple_GET_ITEM
from cpython.unicode cimport (
    Py_UNICODE_ISSPACE,
    PyUnicode_DATA,
    PyUnicode_GET_LENGTH,
    PyUnicode_KIND,
    PyUnicode_READ,
    PyUnicode_Substring,
)
from libc.stdint cimport uint64_t

from werkzeug.datastructures import Accept as _WAccept
from werkzeug.datastructures import CharsetAccept as _WCharsetAccept
from werkzeug.datastructures import LanguageAccept as _WLanguageAccept
from werkzeug.datastructures import MIMEAccept as _WMIMEAccept
from werkzeug.http import dump_options_header, parse_options_header
from werkzeug.http import parse_accept_header as _werkzeug_parse

__all__ = ["parse_accept_header", "Accept", "MIMEAccept", "LanguageAccept"]

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object o)
    object PyFloat_FromString(object s)

# Token characters (Werkzeug's [\w!#$%&'*+\-.^`|~] under re.ASCII); the
# same set is what quote_header_value leaves unquoted.
cdef bint _TOKEN[128]


cdef void _init_tables():
    cdef int i
    for i in range(128):
        _TOKEN[i] = (48 <= i <= 57) or (65 <= i <= 90) or (97 <= i <= 122)
    for i in b"_!#$%&'*+-.^`|~":
        _TOKEN[i] = True


_init_tables()


cdef inline bint _is_token(Py_UCS4 c) noexcept:
    return c < 128 and _TOKEN[c]


# -- parsing ------------------------------------------------------------------


def parse_accept_header(value, cls=None):
    """Parse an ``Accept``, ``Accept-Language``, ``Accept-Encoding`` or
    ``Accept-Charset`` header into ``cls``, as
    :func:`werkzeug.http.parse_accept_header`.

    .. versionadded:: 0.1
    """
    if cls is None:
        cls = _WAccept
    if not value:
        return _fast_class(cls)(None)
    if type(value) is not str:
        return _werkzeug_parse(value, cls)
    cdef list result = []
    cdef object parsed
    for item in split_list(<str>value):
        parsed = parse_item(<str>item)
        if parsed is not None:
            result.append(parsed)
    return _build(cls, result)


cpdef list split_list(str value):
    """Comma separated items, stripped, unquoted, empty ones dropped; no
    items at all when a quote is left open."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(value), i = 0, start = 0
    cdef int kind = PyUnicode_KIND(value)
    cdef void* data = PyUnicode_DATA(value)
    cdef Py_UCS4 c
    cdef bint quoted = False
    cdef list items = []
    # PERF: one pass finds the item bounds; quotes only change the rules
    # (a comma inside quotes does not split) when there are some.
    while i < n:
        c = PyUnicode_READ(kind, data, i)
        if c == 44:  # ,
            _add_item(items, value, kind, data, start, i, quoted)
            start = i + 1
            quoted = False
        elif c == 34:  # "
            quoted = True
            i += 1
            while i < n and PyUnicode_READ(kind, data, i) != 34:
                if PyUnicode_READ(kind, data, i) == 92:
                    i += 1  # the escaped character, whatever it is
                i += 1
            if i >= n:
                return []  # unclosed quoted string
        i += 1
    _add_item(items, value, kind, data, start, n, quoted)
    return items


cdef inline void _add_item(list items, str value, int kind, void* data,
                           Py_ssize_t a, Py_ssize_t b, bint quoted) except *:
    while a < b and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, a)):
        a += 1
    while b > a and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, b - 1)):
        b -= 1
    if a == b:
        return
    if quoted:
        items.append(unquote(PyUnicode_Substring(value, a, b)))
    else:
        items.append(PyUnicode_Substring(value, a, b))


cpdef str unquote(str item):
    """Werkzeug's ``unquote_header_value``: drop surrounding quotes and the
    backslash of each escape (not before a newline)."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(item), i
    cdef int kind = PyUnicode_KIND(item)
    cdef void* data = PyUnicode_DATA(item)
    cdef Py_UCS4 c
    cdef list out
    if not (n >= 2 and PyUnicode_READ(kind, data, 0) == 34
            and PyUnicode_READ(kind, data, n - 1) == 34):
        return item
    out = []
    i = 1
    n -= 1
    while i < n:
        c = PyUnicode_READ(kind, data, i)
        if c == 92 and i + 1 < n and PyUnicode_READ(kind, data, i + 1) != 10:
            out.append(chr(PyUnicode_READ(kind, data, i + 1)))
            i += 2
        else:
            out.append(chr(c))
            i += 1
    return "".join(out)


cpdef object parse_item(str item):
    """``(value, quality)`` of one item, ``None`` if its ``q`` is invalid."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(item), semi = 0
    cdef int kind = PyUnicode_KIND(item)
    cdef void* data = PyUnicode_DATA(item)
    cdef str value, rest, raw
    cdef dict options
    cdef list parts
    cdef object quality = 1
    cdef double q
    while semi < n and PyUnicode_READ(kind, data, semi) != 59:
        semi += 1
    if semi == n:
        # PERF: no parameters, the common item: it is its own value (the
        # strip is for a quoted item whose quotes held blanks).
        return (item.strip(), 1)
    value = PyUnicode_Substring(item, 0, semi).strip()
    rest = PyUnicode_Substring(item, semi + 1, n).strip()
    if not value or not rest:
        return (value, 1)
    if _only_q(rest):
        # PERF: the usual parameter, "q=0.8" alone: what the general path
        # computes, without the parts list and the options dict.
        raw = PyUnicode_Substring(rest, 2, PyUnicode_GET_LENGTH(rest))
        if not is_q(raw):
            return None
        quality = PyFloat_FromString(raw)
        q = PyFloat_AS_DOUBLE(quality)
        if q < 0 or q > 1:
            return None
        return (value, quality)
    parts = parameters(rest)
    if parts is None:
        # A parameter named with "*": Werkzeug's RFC 2231 handling.
        value, options = parse_options_header(item)
    else:
        options = {}
        for key, raw in parts:
            n = PyUnicode_GET_LENGTH(raw)  # >= 1: a token or a quoted string
            if raw[0] == '"' and raw[n - 1] == '"':
                raw = PyUnicode_Substring(raw, 1, n - 1).replace(
                    "\\\\", "\\").replace('\\"', '"').replace("%22", '"')
            options[key] = raw
    if "q" in options:
        raw = options.pop("q").strip()
        if not is_q(raw):
            return None
        quality = PyFloat_FromString(raw)
        q = PyFloat_AS_DOUBLE(quality)
        if q < 0 or q > 1:
            return None
    if options:
        if parts is None:
            return (dump_options_header(value, options), quality)
        parts = [value]
        for key, raw in options.items():
            parts.append(f"{key}={quote(raw)}")
        value = "; ".join(parts)
    return (value, quality)


cdef bint _only_q(str rest) noexcept:
    """Is ``rest`` ``q=`` (either case) and token characters only?"""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(rest), i
    cdef int kind = PyUnicode_KIND(rest)
    cdef void* data = PyUnicode_DATA(rest)
    cdef Py_UCS4 c
    if n < 3 or PyUnicode_READ(kind, data, 1) != 61:  # =
        return False
    c = PyUnicode_READ(kind, data, 0)
    if c != 113 and c != 81:  # q Q
        return False
    for i in range(2, n):
        if not _is_token(PyUnicode_READ(kind, data, i)):
            return False
    return True


cpdef list parameters(str rest):
    """The ``key=value`` parameters of ``rest`` (keys lower case, quoted
    values still quoted), skipping malformed ones; ``None`` if a key has a
    ``*``."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(rest), i = 0, k, v, e
    cdef int kind = PyUnicode_KIND(rest)
    cdef void* data = PyUnicode_DATA(rest)
    cdef Py_UCS4 c
    cdef list parts = []
    cdef str key
    cdef bint star, closed
    while True:
        # key: token characters then "="
        k = i
        star = False
        while k < n:
            c = PyUnicode_READ(kind, data, k)
            if not _is_token(c):
                break
            if c == 42:  # *
                star = True
            k += 1
        if k > i and k < n and PyUnicode_READ(kind, data, k) == 61:
            if star:
                return None
            key = PyUnicode_Substring(rest, i, k).lower()
            v = k + 1
            e = v
            while e < n and _is_token(PyUnicode_READ(kind, data, e)):
                e += 1
            if e > v:
                parts.append((key, PyUnicode_Substring(rest, v, e)))
                i = e
            elif v < n and PyUnicode_READ(kind, data, v) == 34:
                e = v + 1
                closed = False
                while e < n:
                    c = PyUnicode_READ(kind, data, e)
                    if c == 92 and e + 1 < n and (PyUnicode_READ(kind, data, e + 1) == 92
                                                  or PyUnicode_READ(kind, data, e + 1) == 34):
                        e += 2
                    elif c == 34:
                        parts.append((key, PyUnicode_Substring(rest, v, e + 1)))
                        i = e + 1
                        closed = True
                        break
                    else:
                        e += 1
                if not closed:
                    i = v
            else:
                i = v
        while i < n and PyUnicode_READ(kind, data, i) != 59:
            i += 1
        if i >= n:
            return parts
        i += 1
        while i < n and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)):
            i += 1


cpdef bint is_q(str q):
    """Does ``q`` fully match ``-?\\d+(\\.\\d+)?`` (ASCII digits)?"""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(q), i = 0, start
    cdef int kind = PyUnicode_KIND(q)
    cdef void* data = PyUnicode_DATA(q)
    if n and PyUnicode_READ(kind, data, 0) == 45:  # -
        i = 1
    start = i
    while i < n and 48 <= PyUnicode_READ(kind, data, i) <= 57:
        i += 1
    if i == start:
        return False
    if i == n:
        return True
    if PyUnicode_READ(kind, data, i) != 46:  # .
        return False
    i += 1
    start = i
    while i < n and 48 <= PyUnicode_READ(kind, data, i) <= 57:
        i += 1
    return i > start and i == n


cpdef str quote(str value):
    """Werkzeug's ``quote_header_value`` for a ``str``."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(value), i
    cdef int kind = PyUnicode_KIND(value)
    cdef void* data = PyUnicode_DATA(value)
    if n == 0:
        return '""'
    for i in range(n):
        if not _is_token(PyUnicode_READ(kind, data, i)):
            return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')
    return value


# -- building the Accept object -----------------------------------------------

# Up to this many items, each with at most 64 specificity parts, are sorted
# in C; more go through list.sort with Werkzeug's key (same order).
cdef enum:
    SMALL = 64


cdef inline int _spec_mime(str value, uint64_t* bits) except -2:
    """Number of parts of ``re.split(r"/|(?:\\s*;\\s*)", value)`` and in
    ``bits`` which parts are not ``"*"``; -1 when more than 64 parts."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(value), i = 0, start = 0, end, j
    cdef int kind = PyUnicode_KIND(value)
    cdef void* data = PyUnicode_DATA(value)
    cdef Py_UCS4 c = 0
    cdef int count = 0
    bits[0] = 0
    while True:
        # find the end of the part starting at ``start``
        i = start
        end = -1
        while i < n:
            c = PyUnicode_READ(kind, data, i)
            if c == 47:  # /
                end = i
                break
            if c == 59:  # ;
                end = i
                while end > start and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, end - 1)):
                    end -= 1
                break
            i += 1
        if count == 64:
            return -1
        if end < 0:
            end = n
        if not (end - start == 1 and PyUnicode_READ(kind, data, start) == 42):
            bits[0] |= (<uint64_t>1) << (63 - count)
        count += 1
        if i >= n:
            return count
        j = i + 1
        if c == 59:
            while j < n and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, j)):
                j += 1
        start = j


cdef inline int _cmp_key(int la, uint64_t ba, double qa, int lb, uint64_t bb, double qb) noexcept:
    """Compare ``(specificity, quality)`` keys: tuples of booleans (stored
    as bits from the top, with their length), then the quality."""
    cdef int m = la if la < lb else lb
    cdef uint64_t mask
    if m:
        mask = ~((<uint64_t>1 << (64 - m)) - 1) if m < 64 else ~(<uint64_t>0)
        if (ba & mask) != (bb & mask):
            return 1 if (ba & mask) > (bb & mask) else -1
    if la != lb:
        return 1 if la > lb else -1
    if qa != qb:
        return 1 if qa > qb else -1
    return 0


cdef list _sorted(object cls, list items):
    """``items`` in the order ``cls.__init__`` sorts them: by specificity,
    then quality, descending, equal keys kept in order."""
    cdef Py_ssize_t n = PyList_GET_SIZE(items), i, j
    cdef int lens[SMALL]
    cdef uint64_t bits[SMALL]
    cdef double qs[SMALL]
    cdef Py_ssize_t order[SMALL]
    cdef int li
    cdef uint64_t bi
    cdef double qi
    cdef Py_ssize_t oi
    cdef bint mime = issubclass(cls, _WMIMEAccept)
    cdef tuple pair
    if n > SMALL:
        return sorted(items, key=lambda x: (cls._specificity(None, x[0]), x[1]), reverse=True)
    for i in range(n):
        pair = <tuple>PyList_GET_ITEM(items, i)
        value = <object>PyTuple_GET_ITEM(pair, 0)
        if mime:
            lens[i] = _spec_mime(value, &bits[i])
            if lens[i] < 0:
                return sorted(items, key=lambda x: (cls._specificity(None, x[0]), x[1]),
                              reverse=True)
        else:
            lens[i] = 1
            bits[i] = (<uint64_t>(value != "*")) << 63
        qs[i] = <double>(<object>PyTuple_GET_ITEM(pair, 1))
        order[i] = i
    # PERF: a stable insertion sort on C keys; headers have a handful of items.
    for i in range(1, n):
        li = lens[i]
        bi = bits[i]
        qi = qs[i]
        oi = order[i]
        j = i - 1
        while j >= 0 and _cmp_key(lens[j], bits[j], qs[j], li, bi, qi) < 0:
            lens[j + 1] = lens[j]
            bits[j + 1] = bits[j]
            qs[j + 1] = qs[j]
            order[j + 1] = order[j]
            j -= 1
        lens[j + 1] = li
        bits[j + 1] = bi
        qs[j + 1] = qi
        order[j + 1] = oi
    return [<object>PyList_GET_ITEM(items, order[i]) for i in range(n)]


cdef object _fast_class(object cls):
    if cls is _WMIMEAccept:
        return MIMEAccept
    if cls is _WAccept:
        return Accept
    if cls is _WLanguageAccept:
        return LanguageAccept
    return cls


cdef object _build(object cls, list result):
    cdef object fast = _fast_class(cls)
    cdef object obj
    if fast is cls and cls is not _WCharsetAccept:
        return cls(result)  # someone else's class: its own __init__
    # PERF: the state Accept.__init__ leaves, sorted with C keys.
    obj = fast.__new__(fast)
    PyList_SetSlice(obj, 0, 0, _sorted(cls, result))
    obj.provided = True
    return obj


# -- matching -----------------------------------------------------------------


cdef object _spec_tuple(object self, object value):
    """``MIMEAccept._specificity(value)`` from the C bits."""
    cdef uint64_t bits
    cdef int count, i
    if type(value) is not str:
        return _WMIMEAccept._specificity(self, value)
    count = _spec_mime(<str>value, &bits)
    if count < 0:
        return _WMIMEAccept._specificity(self, value)
    return tuple([bool((bits >> (63 - i)) & 1) for i in range(count)])


cdef inline bint _ascii_str(object s) noexcept:
    return type(s) is str and PyUnicode_IS_ASCII(s)


cdef inline unsigned int _fold(unsigned int c) noexcept:
    return c + 32 if 65 <= c <= 90 else c


cdef bint _same_folded(str a, str b, bint lang) noexcept:
    """ASCII ``a.lower() == b.lower()``; for language tags also ``_`` == ``-``
    (what comparing ``re.split("[_-]", x.lower())`` amounts to)."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(a), i
    cdef unsigned int x, y
    cdef int ka = PyUnicode_KIND(a), kb = PyUnicode_KIND(b)
    cdef void* da = PyUnicode_DATA(a)
    cdef void* db = PyUnicode_DATA(b)
    if n != PyUnicode_GET_LENGTH(b):
        return False
    for i in range(n):
        x = _fold(PyUnicode_READ(ka, da, i))
        y = _fold(PyUnicode_READ(kb, db, i))
        if lang:
            if x == 95:
                x = 45
            if y == 95:
                y = 45
        if x != y:
            return False
    return True


cdef inline bint _is_star(object s) noexcept:
    return type(s) is str and PyUnicode_GET_LENGTH(s) == 1 and PyUnicode_READ(
        PyUnicode_KIND(s), PyUnicode_DATA(s), 0) == 42


cdef int _simple_matches(object self, int flavour, object value, object item) except -1:
    """``self._value_matches(value, item)`` for Accept (flavour 0) and
    LanguageAccept (1) in C when both are ASCII; else Werkzeug's method."""
    if _is_star(item):
        return 1
    if _ascii_str(value) and _ascii_str(item):
        return _same_folded(<str>value, <str>item, flavour == 1)
    if flavour == 1:
        return _WLanguageAccept._value_matches(self, value, item)
    return _WAccept._value_matches(self, value, item)


cdef list _mime_parts(str s):
    """``_normalize_mime(s)`` for an ASCII ``s``: lower-cased type, subtype
    and sorted parameters (``re.split(r"/|(?:\\s*;\\s*)", s.lower())``)."""
    s = s.lower()
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(s), i, start = 0, end
    cdef int kind = PyUnicode_KIND(s)
    cdef void* data = PyUnicode_DATA(s)
    cdef Py_UCS4 c = 0
    cdef list parts = []
    while True:
        i = start
        end = n
        while i < n:
            c = PyUnicode_READ(kind, data, i)
            if c == 47:
                end = i
                break
            if c == 59:
                end = i
                while end > start and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, end - 1)):
                    end -= 1
                break
            i += 1
        parts.append(PyUnicode_Substring(s, start, end))
        if i >= n:
            break
        start = i + 1
        if c == 59:
            while start < n and Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, start)):
                start += 1
    return parts


cdef class _MimeValue:
    """A server-side mimetype, normalised once per call."""
    cdef object value
    cdef bint has_slash
    cdef str type_, subtype
    cdef list params

    def __init__(self, str value):
        cdef list parts
        self.value = value
        self.has_slash = "/" in value
        if self.has_slash:
            parts = _mime_parts(value)
            self.type_ = parts[0]
            self.subtype = parts[1]
            self.params = sorted(parts[2:])


cdef int _mime_matches(_MimeValue v, object item) except -1:
    """``MIMEAccept._value_matches(v.value, item)`` for ASCII ``str``s."""
    cdef list parts, params
    cdef str item_type, item_subtype
    if "/" not in item:
        return 0
    if not v.has_slash:
        raise ValueError(f"invalid mimetype {v.value!r}")
    if v.type_ == "*" and v.subtype != "*":
        raise ValueError(f"invalid mimetype {v.value!r}")
    parts = _mime_parts(<str>item)
    item_type = parts[0]
    item_subtype = parts[1]
    if item_type == "*":
        return item_subtype == "*"
    if v.type_ == "*" and v.subtype == "*":
        return 1
    if item_type != v.type_:
        return 0
    if item_subtype == "*" or v.subtype == "*":
        return 1
    if item_subtype != v.subtype:
        return 0
    params = parts[2:]
    if not params and not v.params:
        return 1
    params.sort()
    return params == v.params


cdef bint _all_ascii(object items) noexcept:
    cdef Py_ssize_t i
    for i in range(PyList_GET_SIZE(items)):
        if not _ascii_str(<object>PyTuple_GET_ITEM(<tuple>PyList_GET_ITEM(items, i), 0)):
            return False
    return True


cdef object _mime_best_single(object self, _MimeValue v):
    """``(client item, quality)`` of the first item matching ``v``."""
    cdef Py_ssize_t i
    cdef tuple pair
    for i in range(PyList_GET_SIZE(self)):
        pair = <tuple>PyList_GET_ITEM(self, i)
        if _mime_matches(v, <object>PyTuple_GET_ITEM(pair, 0)):
            return pair
    return None


cdef object _simple_best_single(object self, int flavour, object value):
    cdef Py_ssize_t i
    cdef tuple pair
    for i in range(PyList_GET_SIZE(self)):
        pair = <tuple>PyList_GET_ITEM(self, i)
        if _simple_matches(self, flavour, value, <object>PyTuple_GET_ITEM(pair, 0)):
            return pair
    return None


cdef object _best_match(object self, int flavour, object matches, object default):
    """Werkzeug's ``Accept.best_match`` loop with the compiled matchers."""
    cdef object result = default, best_spec = (-1,), spec, found
    cdef object best_quality = -1, quality
    for server_item in matches:
        if flavour == 2:
            found = _mime_best_single(self, _MimeValue(server_item))
        else:
            found = _simple_best_single(self, flavour, server_item)
        if found is None:
            continue
        client_item = (<tuple>found)[0]
        quality = (<tuple>found)[1]
        if flavour == 2:
            spec = _spec_tuple(self, client_item)
        else:
            spec = (client_item != "*",)
        if quality <= 0 or quality < best_quality:
            continue
        if quality > best_quality or spec > best_spec:
            result = server_item
            best_quality = quality
            best_spec = spec
    return result


class Accept(_WAccept):
    """Werkzeug's :class:`~werkzeug.datastructures.Accept` with compiled
    matching.

    .. versionadded:: 0.1
    """

    def _value_matches(self, value, item):
        return bool(_simple_matches(self, 0, value, item))

    def quality(self, key):
        if type(self) is not Accept:
            return _WAccept.quality(self, key)
        found = _simple_best_single(self, 0, key)
        return 0 if found is None else (<tuple>found)[1]

    def __contains__(self, value):
        if type(self) is not Accept:
            return _WAccept.__contains__(self, value)
        return _simple_best_single(self, 0, value) is not None

    def best_match(self, matches, default=None):
        if type(self) is not Accept:
            return _WAccept.best_match(self, matches, default)
        return _best_match(self, 0, matches, default)


class LanguageAccept(_WLanguageAccept):
    """Werkzeug's :class:`~werkzeug.datastructures.LanguageAccept` with
    compiled matching (the primary-tag fallbacks stay Werkzeug's).

    .. versionadded:: 0.1
    """

    def _value_matches(self, value, item):
        return bool(_simple_matches(self, 1, value, item))

    def quality(self, key):
        if type(self) is not LanguageAccept:
            return _WLanguageAccept.quality(self, key)
        found = _simple_best_single(self, 1, key)
        return 0 if found is None else (<tuple>found)[1]

    def __contains__(self, value):
        if type(self) is not LanguageAccept:
            return _WLanguageAccept.__contains__(self, value)
        return _simple_best_single(self, 1, value) is not None

    def best_match(self, matches, default=None):
        cdef object result
        if type(self) is not LanguageAccept or type(matches) not in (list, tuple):
            return _WLanguageAccept.best_match(self, matches, default)
        result = _best_match(self, 1, matches, None)
        if result is not None:
            return result
        # The primary-tag fallbacks, Werkzeug's (it redoes the exact pass).
        return _WLanguageAccept.best_match(self, matches, default)


class MIMEAccept(_WMIMEAccept):
    """Werkzeug's :class:`~werkzeug.datastructures.MIMEAccept` with compiled
    matching for ASCII mimetypes.

    .. versionadded:: 0.1
    """

    def _value_matches(self, value, item):
        if _ascii_str(value) and _ascii_str(item):
            return bool(_mime_matches(_MimeValue(value), item))
        return _WMIMEAccept._value_matches(self, value, item)

    def quality(self, key):
        if type(self) is not MIMEAccept or not _ascii_str(key) or not _all_ascii(self):
            return _WMIMEAccept.quality(self, key)
        found = _mime_best_single(self, _MimeValue(key))
        return 0 if found is None else (<tuple>found)[1]

    def __contains__(self, value):
        if type(self) is not MIMEAccept or not _ascii_str(value) or not _all_ascii(self):
            return _WMIMEAccept.__contains__(self, value)
        return _mime_best_single(self, _MimeValue(value)) is not None

    def best_match(self, matches, default=None):
        cdef dict memo
        cdef PyObject* hit
        if (type(self) is not MIMEAccept or type(matches) not in (list, tuple)
                or not _all_ascii(self)):
            return _WMIMEAccept.best_match(self, matches, default)
        # PERF: the object is immutable and, through the request's cache of
        # parsed Accept values, shared by every request sending the same
        # header, so an answer for the same offer holds for all of them.
        # Only with the default None, so the answer is never another
        # (equal but distinct) default object.
        key = None
        if default is None:
            key = tuple(matches)
            try:
                memo = self.__dict__["_best_matches"]
            except KeyError:
                memo = self.__dict__["_best_matches"] = {}
            hit = PyDict_GetItem(memo, key)  # the matches are str: hashable
            if hit != NULL:
                return <object>hit
        for server_item in matches:
            if not _ascii_str(server_item):
                return _WMIMEAccept.best_match(self, matches, default)
        result = _best_match(self, 2, matches, default)
        if key is not None and len(memo) < 32:
            memo[key] = result
        return result
