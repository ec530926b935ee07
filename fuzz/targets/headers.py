"""Fuzz target: every parser and formatter of the ``headers`` hot path
(``ext/headers.pyx`` / ``fastmicro/http/_pyheaders.py``), on a random value.

Baseline: the pure twin (compiled backend) or Werkzeug 3.1's function of the
same name (pure backend). The one deliberate difference from Werkzeug is
left out of the reference comparison: on a value ending in a newline
Werkzeug's ``parse_etags`` (and so ``parse_if_range_header``) never returns
(tests/test_http_headers.py::test_etags_final_newline).

Werkzeug 3.1.8 raises ``ValueError`` for ``Authorization: Basic`` credentials
that are not ASCII (``base64.b64decode`` of a ``str``; it only catches
``binascii.Error``), a 500 in Flask; fastmicro gives the same
(tests/test_fuzz_regressions.py::test_basic_credentials_not_ascii), so that
error is allowed there, raised alike by both sides. Likewise its
``parse_date`` (and so ``parse_if_range_header``) lets ``OverflowError`` out
for a date with a huge number in it (``Sun, 06 Nov 1994 08:66666666666:37
GMT``: ``email.utils`` and ``datetime``), a 500 for ``If-Modified-Since`` in
Flask (tests/test_fuzz_regressions.py::test_date_with_a_huge_number).
"""
from __future__ import annotations

import time
import typing as t
from datetime import datetime, timedelta, timezone

from werkzeug import http as wz
from werkzeug.datastructures import (
    Authorization,
    RequestCacheControl,
    ResponseCacheControl,
    WWWAuthenticate,
)

from harness import Finding, Reader, backend_modules, check

DESCRIPTION = "every header parser: options, lists, dicts, Cache-Control, ETags, ranges, dates, auth"
#: Instrumented for Python coverage: the code this input can reach.
INSTRUMENT = ("fastmicro.http", "werkzeug.http", "werkzeug.datastructures", "werkzeug._internal")

subject, twin = backend_modules("headers")

#: Werkzeug's function for each name of the hot path.
WERKZEUG: dict[str, t.Callable[..., t.Any]] = {
    "parse_options_header": wz.parse_options_header,
    "parse_list_header": wz.parse_list_header,
    "parse_dict_header": wz.parse_dict_header,
    "parse_cache_control_header": wz.parse_cache_control_header,
    "quote_etag": wz.quote_etag,
    "unquote_etag": wz.unquote_etag,
    "parse_etags": wz.parse_etags,
    "parse_range_header": wz.parse_range_header,
    "parse_content_range_header": wz.parse_content_range_header,
    "parse_date": wz.parse_date,
    "http_date": wz.http_date,
    "parse_if_range_header": wz.parse_if_range_header,
    "parse_authorization_header": Authorization.from_header,
    "parse_www_authenticate_header": WWWAuthenticate.from_header,
}

# Werkzeug's documented errors: a quote inside an ETag; a time that cannot
# be a date (year out of range, a timestamp too large for the platform).
QUOTE_ERRORS = (ValueError,)
DATE_ERRORS = (ValueError, OverflowError, OSError)
# Werkzeug's own error on non-ASCII Basic credentials (see the docstring).
AUTH_ERRORS = (ValueError,)
# Werkzeug's own error on a date with a huge number (see the docstring).
PARSE_DATE_ERRORS = (OverflowError,)


def baseline(name: str, value: str | None) -> t.Callable[..., t.Any] | None:
    if twin is not None:
        return getattr(twin, name)
    if name in ("parse_etags", "parse_if_range_header") and value and value.endswith("\n"):
        return None  # Werkzeug never returns (see the module docstring)
    return WERKZEUG[name]


def compare(name: str, value: t.Any, *args: t.Any, allowed: tuple[type[BaseException], ...] = ()) -> None:
    ours = getattr(subject, name)
    theirs = baseline(name, value if isinstance(value, str) else None)
    check(
        f"{name}{(value, *args)!r:.200}",
        lambda: ours(value, *args),
        None if theirs is None else (lambda: theirs(value, *args)),
        allowed=allowed,
    )


def _updates(calls: list[t.Any]) -> t.Callable[[t.Any], None]:
    return calls.append


def fuzz_cache_control(reader: Reader, value: str) -> None:
    cls = reader.pick([None, RequestCacheControl, ResponseCacheControl])
    compare("parse_cache_control_header", value, None, cls)
    # With an on_update callback: changing the (mutable, response) result
    # must call it, as Werkzeug's datastructure does.
    for module in filter(None, (subject, twin)):
        calls: list[t.Any] = []
        result = module.parse_cache_control_header(value, _updates(calls), ResponseCacheControl)
        result["x-fuzz"] = "1"
        if len(calls) != 1 or calls[0] is not result:
            raise Finding(f"parse_cache_control_header({value!r}): on_update not called once")


def fuzz_http_date(reader: Reader) -> None:
    kind = reader.pick(["int", "float", "datetime", "aware", "date"])
    seconds = reader.number(-(2**40), 2**40) if reader.flag() else reader.number(-(10**11), 10**11)
    if kind == "int":
        timestamp: t.Any = seconds
    elif kind == "float":
        timestamp = seconds + reader.number(0, 999_999) / 1e6
    else:
        try:
            moment = datetime(1970, 1, 1) + timedelta(seconds=seconds % (10**11))
        except OverflowError:
            return
        if kind == "aware":
            zone = timezone(timedelta(minutes=reader.number(-1439, 1439)))
            timestamp = moment.replace(tzinfo=zone)
        elif kind == "date":
            timestamp = moment.date()
        else:
            timestamp = moment
    compare("http_date", timestamp, allowed=DATE_ERRORS)


def fuzz_date_header_now() -> None:
    # The current time, formatted: not comparable between two calls a second
    # apart, so checked against the clock instead.
    before = int(time.time())
    text = subject.date_header_now()
    after = int(time.time())
    parsed = wz.parse_date(text)
    if parsed is None or not before <= parsed.timestamp() <= after:
        raise Finding(f"date_header_now() = {text!r}, clock {before}..{after}")


PARSERS = [
    "parse_options_header",
    "parse_list_header",
    "parse_dict_header",
    "parse_etags",
    "unquote_etag",
    "parse_if_range_header",
    "parse_range_header",
    "parse_content_range_header",
    "parse_date",
    "parse_authorization_header",
    "parse_www_authenticate_header",
]


def test_one_input(data: bytes) -> None:
    reader = Reader(data)
    choice = reader.number(0, len(PARSERS) + 3)
    if choice == len(PARSERS):
        fuzz_http_date(reader)
        return
    if choice == len(PARSERS) + 1:
        fuzz_date_header_now()
        return
    value = reader.text()
    if choice == len(PARSERS) + 2:
        fuzz_cache_control(reader, value)
    elif choice == len(PARSERS) + 3:
        compare("quote_etag", value, reader.flag(), allowed=QUOTE_ERRORS)
    elif PARSERS[choice] == "parse_range_header":
        compare("parse_range_header", value, reader.flag())
    elif PARSERS[choice] == "parse_authorization_header":
        compare("parse_authorization_header", value, allowed=AUTH_ERRORS)
    elif PARSERS[choice] in ("parse_date", "parse_if_range_header"):
        compare(PARSERS[choice], value, allowed=PARSE_DATE_ERRORS)
    else:
        compare(PARSERS[choice], value)
