# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled query string parsing: Werkzeug's ``Request.args``, typed.

Built as :mod:`fastmicro._ext.query`; the pure-Python twin is
:mod:`fastmicro.http._pyquery`. :func:`parse_query` returns exactly what
Werkzeug 3.1 computes for ``request.args``::

    storage_class(parse_qsl(query_string.decode(), keep_blank_values=True,
                            errors="werkzeug.url_quote"))

that is: pairs separated by ``&`` only (not ``;``), empty pairs skipped, a
name without ``=`` gets ``""``, ``+`` is a space, ``%XX`` escapes (either
case of hex digit) are decoded to bytes and the bytes to UTF-8, bytes that
are not valid UTF-8 are re-quoted as ``%XX`` (upper case) by Werkzeug's
``werkzeug.url_quote`` error handler, malformed escapes stay as they are, and
a query string that is not valid UTF-8 raises the ``UnicodeDecodeError``
``bytes.decode()`` raises.

Why working on the bytes gives the same strings as ``parse_qsl`` on the
decoded str: ``unquote`` percent-decodes the ASCII runs of a field and keeps
the (valid UTF-8) non-ASCII runs as they are. Decoding a field's bytes with
the escapes replaced, non-ASCII bytes included, yields the same text: a raw
non-ASCII run starts with a UTF-8 lead byte and ends on a complete
character, so the decoder resynchronises at both of its ends exactly as when
the runs are decoded separately, and the error handler quotes each invalid
byte on its own whatever error range it arrives in.

.. versionadded:: 0.1
"""
cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_GetItem, PyDict_GetItemWithError, PyDict_SetItem
from cpython.list cimport PyList_Append
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.object cimport PyObject
from cpython.unicode cimport PyUnicode_DecodeASCII, PyUnicode_DecodeUTF8

from urllib.parse import parse_qsl

# Importing werkzeug.urls registers the "werkzeug.url_quote" error handler.
import werkzeug.urls  # noqa: F401
from werkzeug.datastructures import ImmutableMultiDict as _WerkzeugImmutableMultiDict
from werkzeug.datastructures import MultiDict
from io import BytesIO

from werkzeug.exceptions import BadRequestKeyError, ClientDisconnected, RequestEntityTooLarge

__all__ = [
    "ImmutableMultiDict",
    "load_urlencoded_form",
    "multidict_get",
    "multidict_getitem",
    "parse_query",
]

# Bytes compared against unsigned char values.
cdef enum:
    CH_SPACE = 32
    CH_PERCENT = 37
    CH_AMP = 38
    CH_PLUS = 43
    CH_EQUALS = 61
    CH_HIGH = 128  # first non-ASCII byte

# What a field (a name or a value) contains, besides plain ASCII.
cdef enum:
    F_PERCENT = 1
    F_PLUS = 2
    F_HIGH = 4

cdef const char* URL_QUOTE = b"werkzeug.url_quote"

# Value of a hex digit byte, -1 for any other byte.
cdef signed char _HEX[256]


cdef void _init_hex():
    cdef int i
    for i in range(256):
        _HEX[i] = -1
    for i in range(10):
        _HEX[48 + i] = i  # 0-9
    for i in range(6):
        _HEX[65 + i] = 10 + i  # A-F
        _HEX[97 + i] = 10 + i  # a-f


_init_hex()

cdef object _MultiDict = MultiDict
cdef object _BadRequestKeyError = BadRequestKeyError
cdef object _builtin_type = type


@cython.binding(True)
def multidict_getitem(self, key):
    """``MultiDict.__getitem__``: the first value of ``key``, or
    :exc:`~werkzeug.exceptions.BadRequestKeyError`."""
    # PERF: one C dict lookup; Werkzeug's method is a Python frame doing a
    # membership test, then the lookup.
    cdef PyObject* hit = PyDict_GetItemWithError(self, key)
    if hit != NULL:
        values = <object>hit
        if len(values) > 0:
            return values[0]
    raise _BadRequestKeyError(key)


@cython.binding(True)
def multidict_get(self, key, default=None, type=None):
    """``MultiDict.get``: the first value of ``key`` converted by ``type``,
    or ``default`` when it is missing or ``type`` raises ValueError or
    TypeError."""
    cdef PyObject* hit
    if _builtin_type(self).__getitem__ is multidict_getitem:
        # PERF: no exception raised and caught for a missing key.
        hit = PyDict_GetItemWithError(self, key)
        if hit == NULL or len(<object>hit) == 0:
            return default
        value = (<object>hit)[0]
    else:
        try:
            value = self[key]
        except KeyError:
            return default
    if type is None:
        return value
    try:
        return type(value)
    except (ValueError, TypeError):
        return default


class ImmutableMultiDict(_WerkzeugImmutableMultiDict):
    """:class:`werkzeug.datastructures.ImmutableMultiDict` whose item
    lookup and ``get`` are compiled; what ``request.args``, ``form``,
    ``files`` and ``cookies`` are.

    .. versionadded:: 0.1
    """

    __getitem__ = multidict_getitem
    get = multidict_get


cdef object _ImmutableMultiDict = ImmutableMultiDict
cdef object _WImmutableMultiDict = _WerkzeugImmutableMultiDict
cdef object _parse_qsl = parse_qsl


cdef object _werkzeug_args(object query_string, object storage_class):
    """Werkzeug's expression itself, for anything that is not exactly bytes."""
    return storage_class(
        _parse_qsl(
            query_string.decode(),
            keep_blank_values=True,
            errors="werkzeug.url_quote",
        )
    )


cdef str _field(const unsigned char* data, Py_ssize_t start, Py_ssize_t end,
                int flags, unsigned char* buf):
    """The text of ``data[start:end]``, a name or a value.

    ``buf`` has room for ``end - start`` bytes when ``flags`` has
    ``F_PERCENT`` or ``F_PLUS``.
    """
    cdef Py_ssize_t i = start, j = 0
    cdef unsigned char c
    cdef signed char hi, lo
    if flags == 0:
        # PERF: the common field, plain ASCII, becomes a str in one copy.
        return PyUnicode_DecodeASCII(<const char*>data + start, end - start, NULL)
    if flags == F_HIGH:
        # Raw UTF-8 without escapes: unquote returns it unchanged. The whole
        # query string was validated already, so this cannot fail.
        return PyUnicode_DecodeUTF8(<const char*>data + start, end - start, NULL)
    # PERF: '+' and '%XX' are rewritten in one pass into a scratch buffer
    # that is never longer than the field.
    while i < end:
        c = data[i]
        if c == CH_PLUS:
            buf[j] = CH_SPACE
        elif c == CH_PERCENT and i + 2 < end:
            hi = _HEX[data[i + 1]]
            lo = _HEX[data[i + 2]]
            if hi >= 0 and lo >= 0:
                buf[j] = <unsigned char>((hi << 4) | lo)
                i += 3
                j += 1
                continue
            buf[j] = c
        else:
            buf[j] = c
        i += 1
        j += 1
    if flags & F_PERCENT:
        return PyUnicode_DecodeUTF8(<const char*>buf, j, URL_QUOTE)
    # Only '+' (and maybe valid raw UTF-8): nothing can be invalid.
    return PyUnicode_DecodeUTF8(<const char*>buf, j, NULL)


cdef object _parse(bytes query_string, object storage_class):
    cdef const unsigned char* data = <const unsigned char*>PyBytes_AS_STRING(query_string)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(query_string)
    cdef Py_ssize_t i = 0, start, equals, end
    cdef unsigned char c
    cdef int flags, name_flags
    cdef bint validated = False
    cdef bint multi = (
        storage_class is _ImmutableMultiDict
        or storage_class is _WImmutableMultiDict
        or storage_class is _MultiDict
    )
    cdef unsigned char* buf = NULL
    cdef str name, value
    cdef object result = None
    cdef list pairs = None
    cdef PyObject* values

    if multi:
        # PERF: the state MultiDict.__init__ builds (a dict of key -> list of
        # values, in first-seen key order), filled directly: no pair tuples,
        # no setdefault calls. PyDict_SetItem bypasses the immutable
        # subclass's __setitem__.
        result = storage_class.__new__(storage_class)
    else:
        pairs = []
    try:
        # PERF: one pass over the bytes; each field is classified while it
        # is scanned so that plain ones are decoded without a second look.
        while i < n:
            start = i
            equals = -1
            name_flags = 0
            flags = 0
            while i < n:
                c = data[i]
                if c == CH_AMP:
                    break
                if c == CH_EQUALS:
                    if equals < 0:
                        equals = i
                        name_flags = flags
                        flags = 0
                elif c == CH_PERCENT:
                    flags = flags | F_PERCENT
                elif c == CH_PLUS:
                    flags = flags | F_PLUS
                elif c >= CH_HIGH:
                    flags = flags | F_HIGH
                i += 1
            end = i
            i += 1
            if end == start:
                continue  # empty pair, as parse_qsl
            if equals < 0:
                name_flags = flags
                flags = 0
                equals = end

            if not validated and (name_flags | flags) & F_HIGH:
                # Werkzeug decodes the whole query string strictly first.
                # PERF: only done when a non-ASCII byte shows up; the error
                # raised is the one bytes.decode() raises.
                PyUnicode_DecodeUTF8(<const char*>data, n, NULL)
                validated = True
            if buf == NULL and (name_flags | flags) & (F_PERCENT | F_PLUS):
                buf = <unsigned char*>PyMem_Malloc(n)
                if buf == NULL:
                    raise MemoryError()

            name = _field(data, start, equals, name_flags, buf)
            if equals < end:
                value = _field(data, equals + 1, end, flags, buf)
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
    finally:
        PyMem_Free(buf)

    if multi:
        return result
    return storage_class(pairs)


def parse_query(query_string, storage_class):
    """Parse ``query_string`` into a ``storage_class`` instance, exactly as
    :attr:`werkzeug.wrappers.Request.args` does.

    ``storage_class`` :class:`~werkzeug.datastructures.ImmutableMultiDict`
    or :class:`~werkzeug.datastructures.MultiDict` is built directly; any
    other class is called with the list of ``(name, value)`` pairs.
    """
    if type(query_string) is bytes:
        return _parse(<bytes>query_string, storage_class)
    return _werkzeug_args(query_string, storage_class)


cdef str _URLENCODED = "application/x-www-form-urlencoded"
cdef str _URLENCODED_PARAMS = _URLENCODED + ";"
cdef object _BytesIO = BytesIO
cdef object _NO_FILES = ImmutableMultiDict()


def load_urlencoded_form(request, config=None):
    """Read and parse the ``application/x-www-form-urlencoded`` body of known
    length of a plain :class:`~fastmicro.Request` as Werkzeug's form parsing
    would, setting its ``stream``, ``form`` and ``files``; or return
    ``False`` to leave the request to Werkzeug. See the pure twin."""
    # PERF: Werkzeug gets here through its input stream wrapper, a parser
    # object, a dispatch on the mimetype and two Content-Length parses; for
    # the most common form that is most of the cost of request.form.
    cdef dict d = request.__dict__
    if "form" in d or "stream" in d or request.shallow:
        return False
    environ = request.environ
    content_type = environ.get("CONTENT_TYPE")
    length = environ.get("CONTENT_LENGTH")
    if (
        (content_type != _URLENCODED and not str(content_type).startswith(_URLENCODED_PARAMS))
        or not (type(length) is str and (<str>length).isascii() and (<str>length).isdigit())
        or "HTTP_TRANSFER_ENCODING" in environ
        or environ.get("wsgi.input_terminated")
        # get_data(cache=True) keeps the body here (never a class attribute).
        # PERF: a dict lookup; getattr with a default would build and drop
        # an AttributeError, message included, on every request.
        or d.get("_cached_data") is not None
    ):
        return False
    size_obj = int(length)
    if config is None:
        max_content_length = request.max_content_length
        max_form_memory_size = request.max_form_memory_size
    else:
        # The request's own limits, else the app's, as Request's properties
        # give them inside an app context.
        max_content_length = request._max_content_length
        if max_content_length is None:
            max_content_length = config["MAX_CONTENT_LENGTH"]
        max_form_memory_size = request._max_form_memory_size
        if max_form_memory_size is None:
            max_form_memory_size = config["MAX_FORM_MEMORY_SIZE"]
    if max_content_length is not None and size_obj > max_content_length:
        raise RequestEntityTooLarge()
    if max_form_memory_size is not None and size_obj > max_form_memory_size:
        raise RequestEntityTooLarge()
    # Werkzeug never reads the stream of an empty body (see the twin).
    body = _read_exactly(environ["wsgi.input"], size_obj) if size_obj else b""
    cls = request.parameter_storage_class
    try:
        # PERF: the typed parser itself, not its Python-level entry point.
        form = _parse(<bytes>body, cls) if type(body) is bytes else parse_query(body, cls)
    except UnicodeDecodeError:
        form = cls()
    # PERF: a urlencoded body has no files; the request's own storage class
    # is immutable, so one empty instance serves every request.
    files = _NO_FILES if cls is _ImmutableMultiDict else cls()
    d["stream"] = _BytesIO()
    d["form"] = form
    d["files"] = files
    return True


cdef object _read_exactly(stream, size):
    """``size`` bytes of a WSGI input stream, as Werkzeug's LimitedStream
    reads them: a stream that ends early or fails is a disconnected client."""
    cdef list chunks
    try:
        data = stream.read(size)
        if len(data) == size:
            return data
        chunks = [data]
        remaining = size - len(data)
        while remaining > 0:
            if not data:
                raise ClientDisconnected()
            data = stream.read(remaining)
            chunks.append(data)
            remaining -= len(data)
    except (OSError, ValueError) as e:
        raise ClientDisconnected() from e
    return b"".join(chunks)
