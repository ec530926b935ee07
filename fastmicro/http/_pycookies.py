"""Cookie parsing and ``Set-Cookie`` formatting, the pure-Python twin of
``ext/cookies.pyx``.

:func:`parse_cookie` and :func:`dump_cookie` return what Werkzeug 3.1's
:func:`werkzeug.http.parse_cookie` and :func:`werkzeug.http.dump_cookie`
return, exceptions and warnings included. Werkzeug finds cookie pairs with a
backtracking regular expression; here the same pairs are found by a
left-to-right scan that never looks at a character twice more than a
constant number of times (see :func:`_pairs`), so a hostile header costs
linear time.

One deliberate extension: ``bytes`` are accepted and read as the raw header,
that is exactly like the WSGI ``str`` ``cookie.decode("latin-1")`` (Werkzeug
3.1 raises :exc:`AttributeError` for bytes).

.. versionadded:: 0.1
"""
from __future__ import annotations

import re
import typing as t
import warnings
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from werkzeug.datastructures import MultiDict
from werkzeug.http import http_date
from werkzeug.sansio.http import parse_cookie as _werkzeug_parse

__all__ = ["parse_cookie", "dump_cookie"]

#: What ``\s`` matches in Werkzeug's ASCII cookie regex.
_WS = " \t\n\r\f\v"
# PERF: the scan jumps between the few characters that matter with C-speed
# searches instead of stepping over every character in Python.
_NAME_END = re.compile("[=;]")
_VALUE_STOP = re.compile("[;\n]")
_QUOTE_STOP = re.compile(r'["\\]')


def parse_cookie(
    header: t.Any = None, cls: type[MultiDict[str, str]] | None = None
) -> MultiDict[str, str]:
    """Parse a ``Cookie`` header into ``cls`` (default
    :class:`~werkzeug.datastructures.MultiDict`), as
    :func:`werkzeug.http.parse_cookie`.

    :param header: the header as a WSGI ``str`` (latin-1 tunnelled UTF-8),
        ``bytes``, a WSGI environ (its ``HTTP_COOKIE``) or ``None``.
    :param cls: the mapping class to build from the ``(name, value)`` pairs.

    .. versionadded:: 0.1
    """
    if cls is None:
        cls = MultiDict
    if isinstance(header, dict):
        cookie = header.get("HTTP_COOKIE")
    else:
        cookie = header
    if cookie:
        if type(cookie) is bytes:
            # The raw header: what the latin-1 WSGI string stands for.
            cookie = cookie.decode()
        elif type(cookie) is not str or not cookie.isascii():
            # PERF: skipped for ASCII, where it changes nothing.
            cookie = cookie.encode("latin1").decode()
    if not cookie:
        return cls()
    if type(cookie) is not str:
        return _werkzeug_parse(cookie, cls)
    return cls(_pairs(cookie))


def _skip_ws(text: str, i: int) -> int:
    while text[i] in _WS:  # text ends with ";", which stops the loop
        i += 1
    return i


def _closing_quote(text: str, i: int) -> int:
    """Index of the ``"`` closing a quoted value whose body starts at ``i``,
    or -1. A backslash escapes any character but a newline."""
    n = len(text)
    while True:
        m = _QUOTE_STOP.search(text, i)
        if m is None:
            return -1
        i = m.start()
        if text[i] == '"':
            return i
        if i + 1 < n and text[i + 1] != "\n":
            i += 2
        else:
            return -1


def _value_end(text: str, p: int) -> tuple[int, int]:
    """Where an unquoted value starting at ``p`` ends (before the blanks
    ahead of its ``;``), or -1 when a newline comes first that is not among
    those blanks; then also the index of that newline."""
    m = _VALUE_STOP.search(text, p)  # text ends with ";", so m is found
    i = m.start()
    if text[i] == "\n" and text[_skip_ws(text, i)] != ";":
        return -1, i
    while i > p and text[i - 1] in _WS:
        i -= 1
    return i, -1


def _pairs(cookie: str) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs Werkzeug's ``_cookie_re.findall`` finds,
    stripped, unquoted, and without the nameless ones.

    A pair is ``name`` up to the first ``=`` or ``;``; after ``=`` (and
    blanks) comes a quoted value if its closing quote is followed by blanks
    and ``;``, else the text up to the next ``;`` if it has no newline. When
    neither fits, Werkzeug's search retries one character later, which lands
    the next name just after the ``=``.
    """
    text = cookie + ";"
    n = len(text)
    out: list[tuple[str, str]] = []
    pos = 0
    # Unquoted values starting at or before this index are known to fail
    # (they reach a newline): keeps repeated failures linear.
    dead_end = -1
    while pos < n:
        stop = _NAME_END.search(text, pos).start()
        if text[stop] == ";":
            value = ""
            end = stop + 1
        else:
            p = _skip_ws(text, stop + 1)
            end = -1
            if text[p] == '"':
                close = _closing_quote(text, p + 1)
                if close >= 0:
                    after = _skip_ws(text, close + 1)
                    if text[after] == ";":
                        value = text[p : close + 1]
                        end = after + 1
            if end < 0 and p > dead_end:
                value_end, newline = _value_end(text, p)
                if value_end >= 0:
                    value = text[p:value_end]
                    end = _skip_ws(text, value_end) + 1
                else:
                    dead_end = newline
            if end < 0:
                # No pair starts at pos, nor before the "=".
                pos = stop + 1
                continue
        name = text[pos:stop].strip()
        if name:
            value = value.strip()
            if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
                value = _unslash(value[1:-1])
            out.append((name, value))
        pos = end
        while pos < n and text[pos] in _WS:
            pos += 1
    return out


def _unslash(body: str) -> str:
    """Undo ``\\ooo`` (three octal digits, first 0-3) and ``\\c`` escapes
    in the bytes of a quoted value; decode as UTF-8, invalid bytes replaced."""
    if "\\" not in body:
        return body  # PERF: encoding and decoding would change nothing
    data = body.encode()
    n = len(data)
    out = bytearray()
    i = 0
    while True:
        j = data.find(b"\\", i)
        if j < 0:
            out += data[i:]
            break
        out += data[i:j]
        if (
            j + 3 < n
            and 48 <= data[j + 1] <= 51
            and 48 <= data[j + 2] <= 55
            and 48 <= data[j + 3] <= 55
        ):
            out.append((data[j + 1] - 48) * 64 + (data[j + 2] - 48) * 8 + data[j + 3] - 48)
            i = j + 4
        elif j + 1 < n and data[j + 1] != 10:
            out.append(data[j + 1])
            i = j + 2
        else:
            out.append(92)
            i = j + 1
    return out.decode(errors="replace")


# -- dump_cookie --------------------------------------------------------------

#: What a cookie value may hold without quotes (RFC 6265 plus a few
#: characters Werkzeug accepts).
_NO_QUOTE_RE = re.compile(r"[\w!#$%&'()*+\-./:<=>?@\[\]^`{|}~]*", re.A)
#: Byte -> its escape inside a quoted value (bytes not listed are kept).
_ESCAPES = {34: b'\\"', 92: b"\\\\"}
_ESCAPES.update((b, b"\\%03o" % b) for b in [*range(0x1A), 44, 59, *range(0x7F, 256)])
_PATH_SAFE = "%!$&'()*+,/:=@"
_PATH_NO_QUOTE = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-~" + _PATH_SAFE
)
_SAMESITE = frozenset(("Strict", "Lax", "None"))


def dump_cookie(
    key: str,
    value: str = "",
    max_age: timedelta | int | None = None,
    expires: str | datetime | int | float | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    sync_expires: bool = True,
    max_size: int = 4093,
    samesite: str | None = None,
    partitioned: bool = False,
) -> str:
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
    if path is not None:
        if not (type(path) is str and _PATH_NO_QUOTE.issuperset(path)):
            path = quote(path, safe=_PATH_SAFE)
    if domain:
        domain = domain.partition(":")[0].lstrip(".").encode("idna").decode("ascii")
    if isinstance(max_age, timedelta):
        max_age = int(max_age.total_seconds())
    if expires is not None:
        if not isinstance(expires, str):
            expires = _expires_date(expires)
    elif max_age is not None and sync_expires:
        expires = _expires_date(datetime.now(tz=timezone.utc).timestamp() + max_age)
    if samesite is not None:
        samesite = samesite.title()
        if samesite not in _SAMESITE:
            raise ValueError("SameSite must be 'Strict', 'Lax', or 'None'.")
    if partitioned:
        secure = True
    # (The compiled twin checks the characters against a table instead; in
    # Python the regex is the fast way. Raises Werkzeug's TypeError.)
    if not _NO_QUOTE_RE.fullmatch(value):
        value = _quote_value(value)
    if type(key) is str and key.isascii():
        # PERF: the latin-1 "mojibake" of an ASCII key is the key itself.
        parts = [f"{key}={value}"]
    else:
        parts = [f"{key.encode().decode('latin1')}={value}"]
    for name, attr in (
        ("Domain", domain),
        ("Expires", expires),
        ("Max-Age", max_age),
        ("Secure", secure),
        ("HttpOnly", httponly),
        ("Path", path),
        ("SameSite", samesite),
        ("Partitioned", partitioned),
    ):
        if attr is None or attr is False:
            continue
        if attr is True:
            parts.append(name)
        else:
            parts.append(f"{name}={attr}")
    header = "; ".join(parts)
    size = len(header)
    if max_size and size > max_size:
        _warn_size(key, len(value), size, max_size, 3)
    return header


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _expires_date(value: t.Any) -> str:
    """Werkzeug's ``http_date(value)``; UTC (or naive) datetimes and numbers
    are formatted here.

    PERF: Werkzeug goes through ``email.utils``; this is one ``%``. Anything
    else (dates, aware datetimes in other zones, struct_time, errors) is
    Werkzeug's call.
    """
    if type(value) is int and value == 0:
        return "Thu, 01 Jan 1970 00:00:00 GMT"  # PERF: delete_cookie's expires
    if type(value) is int or type(value) is float:
        # What email.utils.formatdate(value, usegmt=True) computes from.
        value = datetime.fromtimestamp(value, timezone.utc)
    elif not (type(value) is datetime and (value.tzinfo is None or value.tzinfo is timezone.utc)):
        return http_date(value)
    return "%s, %02d %s %04d %02d:%02d:%02d GMT" % (
        _DAYS[value.weekday()], value.day, _MONTHS[value.month - 1], value.year,
        value.hour, value.minute, value.second,
    )


def _quote_value(value: str) -> str:
    data = value.encode()
    escapes = _ESCAPES
    body = b"".join([escapes.get(b, data[i : i + 1]) for i, b in enumerate(data)])
    return f'"{body.decode("ascii")}"'


def _warn_size(key: str, value_size: int, size: int, max_size: int, stacklevel: int) -> None:
    warnings.warn(
        f"The '{key}' cookie is too large: the value was {value_size} bytes but the"
        f" header required {size - value_size} extra bytes. The final size"
        f" was {size} bytes but the limit is {max_size} bytes. Browsers may"
        " silently ignore cookies larger than this.",
        stacklevel=stacklevel,
    )
