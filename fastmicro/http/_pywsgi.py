"""WSGI headers in and out, the pure-Python twin of ``ext/wsgi.pyx``.

In: the ``headers_*`` functions are the methods of
:class:`fastmicro.http.environ_headers.EnvironHeaders` that a view calls on
every request (``request.headers.get("User-Agent")``, ``in``, iteration).
Each gives exactly what Werkzeug 3.1's ``EnvironHeaders`` gives; the tests
compare both twins with it.

Out: :func:`status_line` and :func:`sendable_as_is` serve the response's
fast path to ``start_response`` (see ``fastmicro.wrappers.Response``).

.. versionadded:: 0.1
"""
from __future__ import annotations

import typing as t

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

#: Header name -> environ key, for names seen before (bounded: the names
#: come from application code, but a view may pass a client's string).
_environ_keys: dict[str, str] = {}
_MAX_CACHED_KEYS = 512

_BODY_KEYS = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})
_SHADOWED_KEYS = frozenset({"HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"})


def environ_key(name: str) -> str:
    """The environ key Werkzeug reads for the header ``name``:
    ``User-Agent`` -> ``HTTP_USER_AGENT``, ``content-type`` -> ``CONTENT_TYPE``."""
    try:
        return _environ_keys[name]
    except KeyError:
        pass
    key = name.upper().replace("-", "_")
    if key not in _BODY_KEYS:
        key = f"HTTP_{key}"
    if len(_environ_keys) < _MAX_CACHED_KEYS:
        _environ_keys[name] = key
    return key


def header_items(environ: dict[str, t.Any]) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs of the request headers, in the environ's
    order, named as Werkzeug names them (``HTTP_X_FORWARDED_FOR`` ->
    ``X-Forwarded-For``; empty ``CONTENT_TYPE``/``CONTENT_LENGTH`` left out)."""
    items = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            if key not in _SHADOWED_KEYS:
                items.append((key[5:].replace("_", "-").title(), value))
        elif key in _BODY_KEYS and value:
            items.append((key.replace("_", "-").title(), value))
    return items


def headers_init(self: t.Any, environ: dict[str, t.Any]) -> None:
    """``EnvironHeaders(environ)``: an empty header list and the environ."""
    self._list = []
    self.environ = environ


def headers_getitem(self: t.Any, key: t.Any) -> str:
    """``headers[key]``; a missing header raises :exc:`KeyError`."""
    if not isinstance(key, str):
        raise BadRequestKeyError(key)
    return self.environ[environ_key(key)]  # type: ignore[no-any-return]


def headers_get(self: t.Any, key: t.Any, default: t.Any = None, type: t.Any = None) -> t.Any:
    """``headers.get(key, default, type)``: ``default`` when the header is
    missing or ``type`` raises :exc:`ValueError` or :exc:`TypeError`."""
    if not isinstance(key, str):
        # Werkzeug's BadRequestKeyError is a KeyError: the default.
        return default
    try:
        value = self.environ[environ_key(key)]
    except KeyError:
        return default
    if type is None:
        return value
    try:
        return type(value)
    except (ValueError, TypeError):
        return default


def headers_contains(self: t.Any, key: t.Any) -> bool:
    """``key in headers``."""
    if not isinstance(key, str):
        return False
    return environ_key(key) in self.environ


def headers_iter(self: t.Any) -> t.Iterator[tuple[str, str]]:
    """Iterate the ``(name, value)`` pairs (see :func:`header_items`)."""
    return iter(header_items(self.environ))


def headers_len(self: t.Any) -> int:
    """The number of headers iteration yields."""
    return len(header_items(self.environ))


_status_lines: dict[int, str] = {}


def status_line(code: int) -> str:
    """The status line Werkzeug builds for an integer status code:
    ``200 OK``, ``404 NOT FOUND``, ``599 UNKNOWN``."""
    try:
        return _status_lines[code]
    except KeyError:
        pass
    phrase = HTTP_STATUS_CODES.get(code)
    if phrase is None:
        return f"{code} UNKNOWN"
    line = _status_lines[code] = f"{code} {phrase.upper()}"
    return line


def sendable_as_is(header_list: list[tuple[str, str]]) -> bool:
    """Whether Werkzeug's ``get_wsgi_headers`` would leave ``header_list``
    as it is for a body of known length: a ``Content-Length`` is there and
    no ``Location``/``Content-Location`` needs making absolute or IRI-safe."""
    has_length = False
    for key, _ in header_list:
        key = key.lower()
        if key == "content-length":
            has_length = True
        elif key == "location" or key == "content-location":
            return False
    return has_length
