"""HTTP header parsing, the pure-Python twin of ``ext/headers.pyx``.

Every function gives what the Werkzeug 3.1 function of the same name in
:mod:`werkzeug.http` gives (``parse_authorization_header`` and
``parse_www_authenticate_header`` are ``Authorization.from_header`` and
``WWWAuthenticate.from_header``), and returns Werkzeug's own
datastructures. The scanning is index based and linear in the length of the
value, where some of Werkzeug's regular expressions backtrack. The compiled
module runs the same steps with C loops; the two are meant to be read side by
side. A value that is not exactly a ``str`` is handed to Werkzeug's function,
so that the errors it raises are Werkzeug's.

.. versionadded:: 0.1
"""
from __future__ import annotations

import base64
import binascii
import email.utils
import re
import typing as t
from datetime import date, datetime, timezone
from datetime import time as _midnight
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

# RFC 9110 token characters.
_TCHAR = r"!#$%&'*+\-.^_`|~0-9A-Za-z"
# A parameter name: a token directly followed by "=".
_PARAM_KEY = re.compile(rf"([{_TCHAR}]+)=")
_TOKEN = re.compile(rf"[{_TCHAR}]+")
# The rest of a quoted string after its opening quote, up to and including
# the closing quote; only \\ and \" are escapes. Possessive: a failed search
# never retries a backslash as a plain character.
_QUOTED_REST = re.compile(r'(?:\\[\\"]|[^"])*+"')
# Inside a list item's quoted string every backslash escapes the next character.
_LIST_QUOTED_REST = re.compile(r'[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)
# A backslash escape in a quoted list item (not of a newline).
_SLASH_ESCAPE = re.compile(r"\\([^\n])")
_WHITESPACE = re.compile(r"\s*")
_PLAIN_INT = re.compile(r"-?[0-9]+")
_DIGITS = frozenset("0123456789")
# RFC 2231 charsets decoded; any other charset leaves the value as it is.
_CHARSETS = frozenset({"ascii", "us-ascii", "utf-8", "iso-8859-1"})

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NUMBERS = {name.lower(): number for number, name in enumerate(_MONTHS, 1)}
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# RFC 9110's preferred date format (IMF-fixdate), the one senders generate.
_IMF_FIXDATE = re.compile(
    r"[A-Za-z]{3}, ([0-9]{2}) ([A-Za-z]{3}) ([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT"
)
_UTC = timezone.utc
_EMPTY: frozenset[t.Any] = frozenset()


# -- options headers (Content-Type, Content-Disposition) ----------------------


_CHARSET_PREFIX = re.compile(
    r"([!#$%&*+\-.^_`|~0-9A-Za-z]*)'[!#$%&*+\-.^_`|~0-9A-Za-z]*'([!#$%&'*+\-.^_`|~0-9A-Za-z]+)"
)


def _charset_value_prefix(value: str) -> tuple[str, str] | None:
    """``(charset, text)`` of a value that starts with ``charset'lang'``;
    the text is the run of token characters after it (the rest is dropped)."""
    match = _CHARSET_PREFIX.match(value)
    return None if match is None else (match.group(1), match.group(2))


def _closing_quote(value: str, opening: int) -> int:
    """Index of the quote that closes the quoted string opened at
    ``opening`` (backslash escapes only ``\\`` and ``"``), or -1."""
    match = _QUOTED_REST.match(value, opening + 1)
    return -1 if match is None else match.end() - 1


def _continuation_base(key: str) -> str | None:
    """``"title"`` for ``"title*2"`` (an RFC 2231 continuation), else ``None``."""
    end = len(key)
    while end and key[end - 1] in _DIGITS:
        end -= 1
    if end == len(key) or end == 0 or key[end - 1] != "*":
        return None
    return key[: end - 1]


def parse_options_header(value: str | None) -> tuple[str, dict[str, str]]:
    """Split a header such as ``Content-Type`` into its value and a dict of
    its ``key=value`` parameters, exactly as
    :func:`werkzeug.http.parse_options_header`.

    Keys are lower-cased, values may be tokens or quoted strings (``\\\\``,
    ``\\"`` and ``%22`` unescaped), invalid parameters are skipped, a
    repeated key keeps its last value, and RFC 2231 charsets
    (``filename*=UTF-8''...``) and continuations (``title*0=``,
    ``title*1*=``) are decoded.

    .. versionadded:: 0.1
    """
    if value is None:
        return "", {}
    if type(value) is not str:
        return _werkzeug.parse_options_header(value)
    semicolon = value.find(";")
    if semicolon < 0:
        # PERF: no parameters, the common case of a bare mimetype.
        return value.strip(), {}
    main = value[:semicolon].strip()
    length = len(value)
    pos = _WHITESPACE.match(value, semicolon + 1).end()
    if not main or pos == length:
        return main, {}

    # Collect the valid key=value parts, values still raw.
    parts: list[tuple[str, str]] = []
    # PERF: an opening quote whose closing quote is missing. Every quote after
    # it is then an escaped one, so any later quoted value is unclosed too and
    # need not be scanned again (that rescanning is quadratic).
    unclosed = length
    while True:
        key = _PARAM_KEY.match(value, pos)
        if key is not None:
            name = key.group(1).lower()
            pos = key.end()
            token = _TOKEN.match(value, pos)
            if token is not None:
                parts.append((name, token.group()))
                pos = token.end()
            elif pos < length and value[pos] == '"' and pos < unclosed:
                closing = _closing_quote(value, pos)
                if closing < 0:
                    unclosed = pos
                else:
                    parts.append((name, value[pos : closing + 1]))
                    pos = closing + 1
        semicolon = value.find(";", pos)
        if semicolon < 0:
            break
        pos = _WHITESPACE.match(value, semicolon + 1).end()
    return main, _options(parts)


def _options(parts: list[tuple[str, str]]) -> dict[str, str]:
    """Decode the collected raw parts into the options dict."""
    options: dict[str, str] = {}
    # key -> pieces of an RFC 2231 continued value, joined at the end.
    # PERF: appending to a growing str per piece is quadratic.
    continued: dict[str, list[str]] | None = None
    # Werkzeug's charset state: the last charset named carries over to later
    # "*" keys without a marker, and a decoded one to continuation parts.
    encoding: str | None = None
    continued_encoding: str | None = None
    for key, raw in parts:
        if key[-1] == "*":
            key = key[:-1]
            marked = _charset_value_prefix(raw)
            if marked is not None:
                encoding, raw = marked
                encoding = encoding.lower()
            if not encoding:
                encoding = continued_encoding
            if encoding in _CHARSETS:
                continued_encoding = encoding
                raw = unquote(raw, encoding=encoding)
        if raw[0] == '"' and raw[-1] == '"':
            # Backslash escapes (HTTP) and %22 (HTML form data) are quotes.
            raw = raw[1:-1]
            if "\\" in raw or "%" in raw:
                raw = raw.replace("\\\\", "\\").replace('\\"', '"').replace("%22", '"')
        base = _continuation_base(key) if key and key[-1] in _DIGITS else None
        if base is None:
            options[key] = raw
            if continued is not None:
                continued.pop(key, None)
        else:
            if continued is None:
                continued = {}
            pieces = continued.get(base)
            if pieces is None:
                continued[base] = [options.get(base, ""), raw]
                options[base] = ""  # keeps the key's first position
            else:
                pieces.append(raw)
    if continued:
        for key, pieces in continued.items():
            options[key] = "".join(pieces)
    return options


# -- comma separated lists, dicts and Cache-Control ---------------------------


def _list_items(value: str) -> list[str] | None:
    """The raw comma separated items of ``value`` (commas inside quoted
    strings do not separate), or ``None`` if a quoted string is unclosed."""
    items: list[str] = []
    start = pos = 0
    # PERF: the next comma and quote are found once each, not again for
    # every quoted string between them (that would be quadratic).
    comma = value.find(",")
    quote = value.find('"')
    while True:
        if 0 <= comma < pos:
            comma = value.find(",", pos)
        if 0 <= quote < pos:
            quote = value.find('"', pos)
        if quote >= 0 and (comma < 0 or quote < comma):
            rest = _LIST_QUOTED_REST.match(value, quote + 1)
            if rest is None:
                return None
            pos = rest.end()
            continue
        if comma < 0:
            items.append(value[start:])
            return items
        items.append(value[start:comma])
        start = pos = comma + 1


def _unquote_item(item: str) -> str:
    """Remove the quotes around a whole quoted item and its escapes."""
    if len(item) >= 2 and item[0] == '"' and item[-1] == '"':
        item = item[1:-1]
        if "\\" in item:
            return _SLASH_ESCAPE.sub(r"\1", item)
    return item


def parse_list_header(value: str) -> list[str]:
    """Split a comma separated header into its items, exactly as
    :func:`werkzeug.http.parse_list_header`: items are stripped, empty ones
    dropped, a wholly quoted item is unquoted, and an unclosed quoted string
    gives ``[]``.

    .. versionadded:: 0.1
    """
    if type(value) is not str:
        return _werkzeug.parse_list_header(value)
    items = _list_items(value)
    if items is None:
        return []
    result = []
    for item in items:
        item = item.strip()
        if item:
            result.append(_unquote_item(item))
    return result


def parse_dict_header(value: str) -> dict[str, str | None]:
    """Parse a comma separated list of ``key=value`` items (a key without
    ``=`` maps to ``None``), exactly as :func:`werkzeug.http.parse_dict_header`,
    including ``key*=charset''text`` values.

    .. versionadded:: 0.1
    """
    if type(value) is not str:
        return _werkzeug.parse_dict_header(value)
    result: dict[str, str | None] = {}
    for item in parse_list_header(value):
        equals = item.find("=")
        key = (item if equals < 0 else item[:equals]).strip()
        if not key:
            continue  # "=value" has no key
        if equals < 0:
            result[key] = None
            continue
        raw = item[equals + 1 :].strip()
        if key[-1] == "*":
            key = key[:-1]
            marked = _charset_value_prefix(raw)
            if marked is not None:
                encoding, raw = marked
                if encoding.lower() in _CHARSETS:
                    raw = unquote(raw, encoding=encoding.lower())
        result[key] = _unquote_item(raw)
    return result


def parse_cache_control_header(
    value: str | None,
    on_update: t.Callable[[t.Any], None] | None = None,
    cls: type[t.Any] | None = None,
) -> t.Any:
    """Parse a ``Cache-Control`` header into ``cls`` (default
    :class:`~werkzeug.datastructures.RequestCacheControl`), exactly as
    :func:`werkzeug.http.parse_cache_control_header`.

    .. versionadded:: 0.1
    """
    if cls is None:
        cls = RequestCacheControl
    if not value:
        return cls((), on_update)
    if type(value) is str and (cls is RequestCacheControl or cls is ResponseCacheControl):
        # PERF: the state __init__ would give (the dict items, then
        # on_update and provided), set without its chain of super() calls.
        result = dict.__new__(cls)
        dict.update(result, parse_dict_header(value))
        result.on_update = on_update
        result.provided = True
        return result
    return cls(parse_dict_header(value), on_update)


# -- ETags -----------------------------------------------------------------------


def quote_etag(etag: str, weak: bool = False) -> str:
    """``"etag"``, or ``W/"etag"`` if ``weak``; :exc:`ValueError` if the tag
    contains a quote. As :func:`werkzeug.http.quote_etag`.

    .. versionadded:: 0.1
    """
    if type(etag) is not str:
        return _werkzeug.quote_etag(etag, weak)
    if '"' in etag:
        raise ValueError("invalid etag")
    return f'W/"{etag}"' if weak else f'"{etag}"'


def unquote_etag(etag: str | None) -> tuple[str, bool] | tuple[None, None]:
    """``(tag, weak)`` of one quoted tag, as :func:`werkzeug.http.unquote_etag`.

    .. versionadded:: 0.1
    """
    if not etag:
        return None, None
    if type(etag) is not str:
        return _werkzeug.unquote_etag(etag)
    etag = etag.strip()
    weak = etag[:2] in ("W/", "w/")
    if weak:
        etag = etag[2:]
    if etag[:1] == '"' and etag[-1:] == '"':
        etag = etag[1:-1]
    return etag, weak


class _ETagScanner:
    """Werkzeug's ETag grammar, one tag at a time: an optional ``W/``, then
    a quoted tag or raw text, then a separator (a comma with any whitespace
    around it, or the end of the value, or a final newline). The shortest
    tag that is followed by a separator wins; tags never span a newline.

    The searches that can run ahead of the current tag (the next quote that
    is followed by a separator, the next newline) are remembered, so the
    whole value is scanned in linear time.
    """

    __slots__ = ("value", "length", "quote_from", "quote_at", "newline_from", "newline_at")

    def __init__(self, value: str) -> None:
        self.value = value
        self.length = len(value)
        self.quote_from = self.length + 1
        self.quote_at = -1
        self.newline_from = self.length + 1
        self.newline_at = -1

    def separator_end(self, pos: int) -> int:
        """End of the separator at ``pos``, or -1 if there is none."""
        value, length = self.value, self.length
        after = _WHITESPACE.match(value, pos).end()
        if after < length and value[after] == ",":
            return _WHITESPACE.match(value, after + 1).end()
        if pos == length or (pos == length - 1 and value[pos] == "\n"):
            return pos
        return -1

    def closing_quote(self, start: int) -> int:
        """First quote at or after ``start`` followed by a separator, or -1."""
        if self.quote_from <= start and (self.quote_at >= start or self.quote_at < 0):
            return self.quote_at
        value = self.value
        found = value.find('"', start)
        while found >= 0 and self.separator_end(found + 1) < 0:
            found = value.find('"', found + 1)
        self.quote_from, self.quote_at = start, found
        return found

    def newline(self, start: int) -> int:
        """First newline at or after ``start``, or the length of the value."""
        if self.newline_from <= start and (self.newline_at >= start):
            return self.newline_at
        found = self.value.find("\n", start)
        self.newline_from = start
        self.newline_at = self.length if found < 0 else found
        return self.newline_at

    def raw_end(self, start: int) -> int:
        """Where the raw tag starting at ``start`` ends (its separator
        begins), or -1."""
        value, length = self.value, self.length
        comma = value.find(",", start)
        if comma >= 0:
            end = comma
            while end > start and value[end - 1].isspace():
                end -= 1
        elif length and value[-1] == "\n" and length - 1 >= start:
            end = length - 1
        else:
            end = length
        if self.newline(start) < end:
            return -1
        return end


def parse_etags(value: str | None) -> ETags:
    """Parse an ``If-Match`` / ``If-None-Match`` header into
    :class:`~werkzeug.datastructures.ETags`, as :func:`werkzeug.http.parse_etags`.

    Deliberate difference: Werkzeug loops forever on a value that ends with
    a newline (its pattern then matches the empty string there); this stops
    after recording that empty tag once, which is the set Werkzeug's
    ever-growing list converges to.

    .. versionadded:: 0.1
    """
    if not value:
        return ETags()
    if type(value) is not str:
        return _werkzeug.parse_etags(value)
    strong: list[str | None] = []
    weak: list[str | None] = []
    scanner = _ETagScanner(value)
    length = len(value)
    pos = 0
    while pos < length:
        start = pos
        is_weak = value[pos] in "Ww" and value[pos + 1 : pos + 2] == "/"
        if is_weak:
            start += 2
        quoted = raw = None
        end = -1
        if start < length and value[start] == '"':
            closing = scanner.closing_quote(start + 1)
            if closing >= 0 and scanner.newline(start + 1) > closing:
                quoted = value[start + 1 : closing]
                end = scanner.separator_end(closing + 1)
        if end < 0:
            raw_end = scanner.raw_end(start)
            if raw_end < 0:
                break
            raw = value[start:raw_end]
            end = scanner.separator_end(raw_end)
            if raw == "*":
                return ETags(star_tag=True)
        tag = quoted if quoted else raw
        (weak if is_weak else strong).append(tag)
        if end == pos:
            break  # the empty match before a final newline (see above)
        pos = end
    # PERF: the state ETags.__init__ gives, set directly.
    etags = ETags.__new__(ETags)
    etags._strong = frozenset(strong) if strong else _EMPTY
    etags._weak = frozenset(weak) if weak else _EMPTY
    etags.star_tag = False
    return etags


# -- ranges -----------------------------------------------------------------------


def _plain_int(text: str) -> int | None:
    """The int of ``text`` if, stripped, it is ASCII digits with an optional
    leading ``-`` (and not too long for ``int``), else ``None``."""
    text = text.strip()
    if _PLAIN_INT.fullmatch(text) is None:
        return None
    try:
        return int(text)
    except ValueError:  # more digits than sys.get_int_max_str_digits()
        return None


def parse_range_header(value: str | None, make_inclusive: bool = True) -> Range | None:
    """Parse a ``Range`` header into :class:`~werkzeug.datastructures.Range`
    (ranges are ``(start, stop)`` with ``stop`` exclusive or ``None``), or
    ``None`` if it is missing or malformed. As
    :func:`werkzeug.http.parse_range_header`; ``make_inclusive`` is accepted
    and unused there too.

    .. versionadded:: 0.1
    """
    if not value:
        return None
    if type(value) is not str:
        return _werkzeug.parse_range_header(value, make_inclusive)
    equals = value.find("=")
    if equals < 0:
        return None
    units = value[:equals].strip().lower()
    ranges: list[tuple[int, int | None]] = []
    last_end = 0  # -1 once a range is open ended: nothing may follow it
    for item in value[equals + 1 :].split(","):
        item = item.strip()
        dash = item.find("-")
        if dash < 0:
            return None
        if dash == 0:
            # suffix range: the last N bytes
            if last_end < 0:
                return None
            begin = _plain_int(item)
            if begin is None:
                return None
            end = None
            last_end = -1
        else:
            begin = _plain_int(item[:dash])
            if begin is None or begin < last_end or last_end < 0:
                return None
            stop_text = item[dash + 1 :].strip()
            if stop_text:
                stop = _plain_int(stop_text)
                if stop is None:
                    return None
                end = stop + 1
                if begin >= end:
                    return None
                last_end = end
            else:
                end = None
                last_end = -1
        ranges.append((begin, end))
    return Range(units, ranges)


def _byte_range_valid(start: int | None, stop: int | None, length: int | None) -> bool:
    if start is None:
        return stop is None and (length is None or length >= 0)
    if stop is None:
        return False
    if length is None:
        return 0 <= start < stop
    return start < stop and 0 <= start < length


def parse_content_range_header(
    value: str | None,
    on_update: t.Callable[[ContentRange], None] | None = None,
) -> ContentRange | None:
    """Parse a ``Content-Range`` header into
    :class:`~werkzeug.datastructures.ContentRange`, or ``None`` if it is
    malformed, as :func:`werkzeug.http.parse_content_range_header`.

    .. versionadded:: 0.1
    """
    if value is None:
        return None
    if type(value) is not str:
        return _werkzeug.parse_content_range_header(value, on_update)
    fields = value.split(None, 1)
    if len(fields) != 2:
        return None
    units, spec = fields
    spec = spec.rstrip()
    slash = spec.find("/")
    if slash < 0:
        return None
    span = spec[:slash]
    length_text = spec[slash + 1 :]
    if length_text == "*":
        length = None
    else:
        length = _plain_int(length_text)
        if length is None:
            return None
    if span == "*":
        if not _byte_range_valid(None, None, length):
            return None
        return ContentRange(units, None, None, length, on_update=on_update)
    dash = span.find("-")
    if dash < 0:
        return None
    start = _plain_int(span[:dash])
    stop = _plain_int(span[dash + 1 :])
    if start is None or stop is None:
        return None
    stop += 1
    if not _byte_range_valid(start, stop, length):
        return None
    return ContentRange(units, start, stop, length, on_update=on_update)


# -- dates ------------------------------------------------------------------------


def parse_date(value: str | None) -> datetime | None:
    """Parse an HTTP date (IMF-fixdate, RFC 850, asctime and what
    :func:`email.utils.parsedate_to_datetime` accepts) into an aware
    datetime, UTC when no zone is given, or ``None``. As
    :func:`werkzeug.http.parse_date`, two-digit years included (69-99 are
    19xx, 00-68 20xx).

    .. versionadded:: 0.1
    """
    if value is None:
        return None
    if type(value) is str and len(value) == 29:
        # PERF: the format every sender must generate, read directly.
        fields = _IMF_FIXDATE.fullmatch(value)
        if fields is not None:
            day, month, year, hour, minute, second = fields.groups()
            number = _MONTH_NUMBERS.get(month.lower())
            if number is not None:
                year_number = int(year)
                if year_number < 100:
                    year_number += 1900 if year_number > 68 else 2000
                try:
                    return datetime(
                        year_number, number, int(day), int(hour), int(minute), int(second),
                        tzinfo=_UTC,
                    )
                except ValueError:
                    return None
    if type(value) is str and len(value.split(None, 2)) < 3:
        # PERF: an ETag in If-Range, or junk: email.utils needs at least
        # three words, so there is no date, and no need to ask it.
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=_UTC)
    return parsed


def _format_utc(moment: datetime) -> str:
    """IMF-fixdate of a datetime whose fields are UTC."""
    return "%s, %02d %s %04d %02d:%02d:%02d GMT" % (
        _WEEKDAYS[moment.weekday()],
        moment.day,
        _MONTHS[moment.month - 1],
        moment.year,
        moment.hour,
        moment.minute,
        moment.second,
    )


def http_date(timestamp: datetime | date | int | float | struct_time | None = None) -> str:
    """Format a time as an HTTP date (``Sun, 06 Nov 1994 08:49:37 GMT``), as
    :func:`werkzeug.http.http_date`: a naive datetime is taken as UTC, an
    aware one converted, a date is its midnight, a number is a POSIX
    timestamp, a ``struct_time`` is local time, ``None`` is now.

    .. versionadded:: 0.1
    """
    if isinstance(timestamp, date):
        if not isinstance(timestamp, datetime):
            return "%s, %02d %s %04d 00:00:00 GMT" % (
                _WEEKDAYS[timestamp.weekday()],
                timestamp.day,
                _MONTHS[timestamp.month - 1],
                timestamp.year,
            )
        if timestamp.tzinfo is not None and timestamp.tzinfo != _UTC:
            timestamp = timestamp.astimezone(_UTC)
        return _format_utc(timestamp)
    if isinstance(timestamp, struct_time):
        timestamp = mktime(timestamp)
    if timestamp is None:
        timestamp = _now()
    return _format_utc(datetime.fromtimestamp(timestamp, _UTC))


# (second, its formatted date) of the last date_header_now() call.
_date_cache: tuple[int, str] = (-1, "")


def date_header_now() -> str:
    """The current time as an HTTP date, for the ``Date`` response header.

    PERF: formatting a date costs microseconds; the text only changes once a
    second, so it is formatted once per second and reused.

    .. versionadded:: 0.1
    """
    global _date_cache
    second = int(_now())
    cached = _date_cache
    if cached[0] == second:
        return cached[1]
    text = _format_utc(datetime.fromtimestamp(second, _UTC))
    _date_cache = (second, text)
    return text


def parse_if_range_header(value: str | None) -> IfRange:
    """Parse an ``If-Range`` header (a date or an ETag) into
    :class:`~werkzeug.datastructures.IfRange`, as
    :func:`werkzeug.http.parse_if_range_header`.

    .. versionadded:: 0.1
    """
    if not value:
        return IfRange()
    moment = parse_date(value)
    if moment is not None:
        return IfRange(date=moment)
    return IfRange(unquote_etag(value)[0])


# -- authorization ----------------------------------------------------------------


def _scheme_and_rest(value: str) -> tuple[str, str]:
    space = value.find(" ")
    if space < 0:
        return value.lower(), ""
    return value[:space].lower(), value[space + 1 :].strip()


def _has_parameters(rest: str) -> bool:
    """Parameters (``k=v, ...``) rather than a token68: an ``=`` that is not
    part of the trailing base64 padding."""
    return "=" in rest.rstrip("=")


def parse_authorization_header(value: str | None) -> Authorization | None:
    """Parse an ``Authorization`` header, as
    :meth:`werkzeug.datastructures.Authorization.from_header`: ``Basic``
    credentials are decoded into ``username`` and ``password`` (``None`` if
    they are not valid base64 or UTF-8), other schemes give parameters or a
    token.

    .. versionadded:: 0.1
    """
    if not value:
        return None
    if type(value) is not str:
        return Authorization.from_header(value)
    scheme, rest = _scheme_and_rest(value)
    if scheme == "basic":
        try:
            credentials = base64.b64decode(rest).decode()
        except (binascii.Error, UnicodeError):
            return None
        colon = credentials.find(":")
        if colon < 0:
            username, password = credentials, ""
        else:
            username, password = credentials[:colon], credentials[colon + 1 :]
        return Authorization(scheme, {"username": username, "password": password})
    if _has_parameters(rest):
        return Authorization(scheme, parse_dict_header(rest), None)
    return Authorization(scheme, None, rest)


def parse_www_authenticate_header(value: str | None) -> WWWAuthenticate | None:
    """Parse a ``WWW-Authenticate`` header, as
    :meth:`werkzeug.datastructures.WWWAuthenticate.from_header`.

    .. versionadded:: 0.1
    """
    if not value:
        return None
    if type(value) is not str:
        return WWWAuthenticate.from_header(value)
    scheme, rest = _scheme_and_rest(value)
    if _has_parameters(rest):
        return WWWAuthenticate(scheme, parse_dict_header(rest), None)
    return WWWAuthenticate(scheme, None, rest)
