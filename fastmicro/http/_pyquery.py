"""Query string parsing, the pure-Python twin of ``ext/query.pyx``.

:func:`parse_query` gives what Werkzeug 3.1's ``Request.args`` expression
gives; it is that expression, but for query strings with nothing to unquote.
The tests compare both twins with Werkzeug's expression.

.. versionadded:: 0.1
"""
from __future__ import annotations

import typing as t
from urllib.parse import parse_qsl

# Registers the "werkzeug.url_quote" codec error handler used below.
import werkzeug.urls  # noqa: F401

from werkzeug.datastructures import ImmutableMultiDict as _WerkzeugImmutableMultiDict
from io import BytesIO

from werkzeug.exceptions import BadRequestKeyError, ClientDisconnected, RequestEntityTooLarge

__all__ = [
    "ImmutableMultiDict",
    "load_urlencoded_form",
    "multidict_get",
    "multidict_getitem",
    "parse_query",
]


def parse_query(query_string: bytes, storage_class: t.Callable[[t.Any], t.Any]) -> t.Any:
    """Parse ``query_string`` into a ``storage_class`` instance, exactly as
    :attr:`werkzeug.wrappers.Request.args` does.

    Pairs are separated by ``&`` only, empty pairs are skipped, a name
    without ``=`` gets the value ``""``, ``+`` is a space, and percent escapes
    are decoded as UTF-8 with bytes that are not valid UTF-8 left percent
    encoded. A query string that is not valid UTF-8 raises
    :exc:`UnicodeDecodeError`.
    """
    if type(query_string) is bytes and query_string.isascii():
        text = query_string.decode("ascii")
        if "%" not in text and "+" not in text:
            # PERF: nothing to unquote, so parse_qsl's per-pair unquoting
            # and its checks reduce to splitting.
            return storage_class(
                [_pair(field) for field in text.split("&") if field]
            )
    return storage_class(
        parse_qsl(
            query_string.decode(),
            keep_blank_values=True,
            errors="werkzeug.url_quote",
        )
    )


def _pair(field: str) -> tuple[str, str]:
    name, _, value = field.partition("=")
    return name, value


def multidict_getitem(self: t.Any, key: t.Any) -> t.Any:
    """``MultiDict.__getitem__``: the first value of ``key``, or
    :exc:`~werkzeug.exceptions.BadRequestKeyError`."""
    values = dict.get(self, key)
    if values:
        return values[0]
    raise BadRequestKeyError(key)


def multidict_get(self: t.Any, key: t.Any, default: t.Any = None, type: t.Any = None) -> t.Any:
    """``MultiDict.get``: the first value of ``key`` converted by ``type``,
    or ``default`` when it is missing or ``type`` raises ValueError or
    TypeError."""
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


class ImmutableMultiDict(_WerkzeugImmutableMultiDict):  # type: ignore[type-arg]
    """:class:`werkzeug.datastructures.ImmutableMultiDict` whose item
    lookup and ``get`` are the ``query`` hot path's; what ``request.args``,
    ``form``, ``files`` and ``cookies`` are.

    .. versionadded:: 0.1
    """

    __getitem__ = multidict_getitem
    get = multidict_get  # type: ignore[assignment]


_URLENCODED = "application/x-www-form-urlencoded"
_URLENCODED_PARAMS = _URLENCODED + ";"


def load_urlencoded_form(request: t.Any, config: t.Any = None) -> bool:
    """Read and parse the ``application/x-www-form-urlencoded`` body of
    known length of a plain :class:`~fastmicro.Request` as Werkzeug's form
    parsing would, setting its ``stream``, ``form`` and ``files``; or return
    ``False`` to leave the request to Werkzeug. ``config`` is the current
    app's config (``None`` outside an app context).

    The same limits apply (``max_content_length``, then
    ``max_form_memory_size``, each a 413), a body shorter than its
    ``Content-Length`` is a :exc:`~werkzeug.exceptions.ClientDisconnected`
    (400), and a body that is not UTF-8 gives an empty form.
    """
    d = request.__dict__
    if "form" in d or "stream" in d or request.shallow:
        return False
    environ = request.environ
    content_type = environ.get("CONTENT_TYPE")
    length = environ.get("CONTENT_LENGTH")
    if (
        (content_type != _URLENCODED and not str(content_type).startswith(_URLENCODED_PARAMS))
        or not (type(length) is str and length.isascii() and length.isdigit())
        or "HTTP_TRANSFER_ENCODING" in environ
        or environ.get("wsgi.input_terminated")
        # get_data(cache=True) keeps the body here (never a class attribute).
        or d.get("_cached_data") is not None
    ):
        return False
    size = int(length)
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
    if max_content_length is not None and size > max_content_length:
        raise RequestEntityTooLarge()
    if max_form_memory_size is not None and size > max_form_memory_size:
        raise RequestEntityTooLarge()
    # Werkzeug never reads the stream of an empty body (nor should a
    # failing stream then turn an empty form into a 400).
    body = _read_exactly(environ["wsgi.input"], size) if size else b""
    cls = request.parameter_storage_class
    try:
        form = parse_query(body, cls)
    except UnicodeDecodeError:
        form = cls()
    # The body is consumed: the stream left behind reads as empty, as
    # Werkzeug's exhausted one does.
    d["stream"], d["form"], d["files"] = BytesIO(), form, cls()
    return True


def _read_exactly(stream: t.Any, size: int) -> bytes:
    """``size`` bytes of a WSGI input stream, as Werkzeug's ``LimitedStream``
    reads them: a stream that ends early or fails is a disconnected client."""
    try:
        data = stream.read(size)
        if len(data) == size:
            return data  # type: ignore[no-any-return]
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
