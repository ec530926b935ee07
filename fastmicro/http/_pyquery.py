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
from werkzeug.exceptions import BadRequestKeyError

__all__ = ["ImmutableMultiDict", "multidict_get", "multidict_getitem", "parse_query"]


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
