"""``Accept*`` header parsing, the pure-Python twin of ``ext/accept.pyx``.

:func:`parse_accept_header` returns what Werkzeug 3.1's
:func:`werkzeug.http.parse_accept_header` returns: an instance of ``cls``
(default :class:`~werkzeug.datastructures.Accept`) holding ``(value,
quality)`` pairs sorted by specificity, then quality. The steps are
Werkzeug's: split the list on commas outside quotes (an unclosed quote
means no items), split each item's parameters, take out a valid ``q``
(``-?digits[.digits]`` between 0 and 1, else the item is dropped), and write
the other parameters back after the value.

Parameters named with a ``*`` (RFC 2231 charsets and continuations) are
handed to Werkzeug's own ``parse_options_header``/``dump_options_header``:
no browser sends them in an ``Accept`` header.

.. versionadded:: 0.1
"""
from __future__ import annotations

import typing as t

# The classes the results are instances of (compiled: subclasses of these).
from werkzeug.datastructures import Accept, LanguageAccept, MIMEAccept
from werkzeug.http import dump_options_header, parse_options_header

__all__ = ["parse_accept_header", "Accept", "MIMEAccept", "LanguageAccept"]

#: Characters of an RFC 9110 token (Werkzeug's ``[\w!#$%&'*+\-.^`|~]``).
TOKEN = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_!#$%&'*+-.^`|~"
)
#: Characters of a token that ``quote_header_value`` leaves unquoted.
_PLAIN = frozenset(
    "!#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|~"
)
_DIGITS = frozenset("0123456789")

_A = t.TypeVar("_A", bound=Accept)


def parse_accept_header(value: str | None, cls: type[_A] | None = None) -> _A:
    """Parse an ``Accept``, ``Accept-Language``, ``Accept-Encoding`` or
    ``Accept-Charset`` header into ``cls``, as
    :func:`werkzeug.http.parse_accept_header`.

    .. versionadded:: 0.1
    """
    if cls is None:
        cls = Accept  # type: ignore[assignment]
    if not value:
        return cls(None)  # type: ignore[misc]
    if type(value) is not str:
        from werkzeug.http import parse_accept_header as werkzeug_parse

        return werkzeug_parse(value, cls)
    result = []
    for item in split_list(value):
        parsed = parse_item(item)
        if parsed is not None:
            result.append(parsed)
    return cls(result)  # type: ignore[misc]


def split_list(value: str) -> list[str]:
    """Comma separated items, stripped, unquoted, empty ones dropped; no
    items at all when a quote is left open."""
    if '"' not in value:
        # PERF: no quotes, no escapes: a plain split.
        return [s for s in (p.strip() for p in value.split(",")) if s]
    items = []
    start = 0
    i = 0
    n = len(value)
    while i < n:
        c = value[i]
        if c == ",":
            items.append(value[start:i])
            start = i + 1
        elif c == '"':
            i += 1
            while i < n and value[i] != '"':
                if value[i] == "\\":
                    i += 1  # the escaped character, whatever it is
                i += 1
            if i >= n:
                return []  # unclosed quoted string
        i += 1
    items.append(value[start:])
    return [unquote(s) for s in (p.strip() for p in items) if s]


def unquote(item: str) -> str:
    """Werkzeug's ``unquote_header_value``: drop surrounding quotes and the
    backslash of each escape (not before a newline)."""
    if len(item) >= 2 and item[0] == '"' and item[-1] == '"':
        body = item[1:-1]
        if "\\" not in body:
            return body
        out = []
        i = 0
        n = len(body)
        while i < n:
            c = body[i]
            if c == "\\" and i + 1 < n and body[i + 1] != "\n":
                out.append(body[i + 1])
                i += 2
            else:
                out.append(c)
                i += 1
        return "".join(out)
    return item


def parse_item(item: str) -> tuple[str, float] | None:
    """``(value, quality)`` of one item, ``None`` if its ``q`` is invalid."""
    value, _, rest = item.partition(";")
    value = value.strip()
    rest = rest.strip()
    if not value or not rest:
        return value, 1
    if rest[:2] in ("q=", "Q=") and len(rest) > 2 and TOKEN.issuperset(rest[2:]):
        # PERF: the usual parameter, "q=0.8" alone: what the general path
        # computes, without the parts list and the options dict.
        q = rest[2:]
        if not is_q(q):
            return None
        quality = float(q)
        if quality < 0 or quality > 1:
            return None
        return value, quality
    parts = parameters(rest)
    if parts is None:
        # A parameter named with "*": Werkzeug's RFC 2231 handling.
        value, options = parse_options_header(item)
    else:
        options = {}
        for key, raw in parts:
            if raw[0] == '"' and raw[-1] == '"':
                raw = raw[1:-1].replace("\\\\", "\\").replace('\\"', '"').replace("%22", '"')
            options[key] = raw
    quality: float = 1
    if "q" in options:
        q = options.pop("q").strip()
        if not is_q(q):
            return None
        quality = float(q)
        if quality < 0 or quality > 1:
            return None
    if options:
        if parts is None:
            return dump_options_header(value, options), quality
        value = "; ".join([value, *(f"{k}={quote(v)}" for k, v in options.items())])
    return value, quality


def parameters(rest: str) -> list[tuple[str, str]] | None:
    """The ``key=value`` parameters of ``rest`` (keys lower case, quoted
    values still quoted), skipping malformed ones; ``None`` if a key has a
    ``*``."""
    parts = []
    n = len(rest)
    i = 0
    while True:
        # key: token characters then "="
        k = i
        while k < n and rest[k] in TOKEN:
            k += 1
        if k > i and k < n and rest[k] == "=":
            key = rest[i:k].lower()
            if "*" in key:
                return None
            v = k + 1
            e = v
            while e < n and rest[e] in TOKEN:
                e += 1
            if e > v:
                parts.append((key, rest[v:e]))
                i = e
            elif v < n and rest[v] == '"':
                e = v + 1
                while e < n:
                    if rest[e] == "\\" and e + 1 < n and rest[e + 1] in '\\"':
                        e += 2
                    elif rest[e] == '"':
                        parts.append((key, rest[v : e + 1]))
                        i = e + 1
                        break
                    else:
                        e += 1
                else:
                    i = v
            else:
                i = v
        semi = rest.find(";", i)
        if semi < 0:
            return parts
        i = semi + 1
        while i < n and rest[i].isspace():
            i += 1


def is_q(q: str) -> bool:
    """Does ``q`` fully match ``-?\\d+(\\.\\d+)?`` (ASCII digits)?"""
    i = 1 if q[:1] == "-" else 0
    whole, dot, frac = q[i:].partition(".")
    if not whole or not _DIGITS.issuperset(whole):
        return False
    return not dot or (bool(frac) and _DIGITS.issuperset(frac))


def quote(value: str) -> str:
    """Werkzeug's ``quote_header_value`` for a ``str``."""
    if not value:
        return '""'
    if _PLAIN.issuperset(value):
        return value
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')
