"""Fuzz target: the ``cookies`` hot path (``ext/cookies.pyx`` /
``fastmicro/http/_pycookies.py``): ``parse_cookie`` on a random header and
``dump_cookie`` with random arguments.

Baseline: the pure twin (compiled backend) or Werkzeug 3.1's
``parse_cookie``/``dump_cookie`` (pure backend). The deliberate difference
(tests/test_http_cookies.py::test_bytes_are_the_raw_header): ``bytes`` are
the raw header, where Werkzeug raises ``AttributeError``; the reference is
then Werkzeug on the latin-1 string those bytes arrive as in WSGI.
"""
from __future__ import annotations

import typing as t
from datetime import datetime, timedelta, timezone

from werkzeug import http as wz
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from harness import Reader, backend_modules, check

DESCRIPTION = "parse_cookie on random headers, dump_cookie with random arguments"
#: Instrumented for Python coverage: the code this input can reach.
INSTRUMENT = ("fastmicro.http", "werkzeug.http", "werkzeug.sansio.http", "werkzeug._internal", "werkzeug.datastructures.structures")

subject, twin = backend_modules("cookies")

# A header that is not UTF-8 once its latin-1 WSGI string is encoded back
# (or a str that is not latin-1) raises as Werkzeug's does.
PARSE_ERRORS = (UnicodeError,)
# SameSite not Strict/Lax/None (ValueError), a domain IDNA cannot encode
# (UnicodeError), a date out of range (ValueError, OverflowError, OSError).
DUMP_ERRORS = (ValueError, UnicodeError, OverflowError, OSError)


def parse_baseline(header: t.Any, cls: t.Any) -> t.Callable[[], t.Any]:
    if twin is not None:
        return lambda: twin.parse_cookie(header, cls)
    if isinstance(header, bytes):
        header = header.decode("latin-1")
    return lambda: wz.parse_cookie(header, cls)


def fuzz_parse(reader: Reader) -> None:
    cls = reader.pick([None, MultiDict, ImmutableMultiDict, dict])
    form = reader.pick(["str", "environ", "bytes"])
    raw = reader.raw()
    header: t.Any
    if form == "bytes":
        header = raw
    else:
        header = raw.decode("latin-1") if reader.flag() else raw.decode("utf-8", "surrogateescape")
        if form == "environ":
            header = {"HTTP_COOKIE": header}
    check(
        f"parse_cookie({header!r:.200}, {cls})",
        lambda: subject.parse_cookie(header, cls),
        parse_baseline(header, cls),
        allowed=PARSE_ERRORS,
        messages=True,
    )


def _expires(reader: Reader) -> t.Any:
    kind = reader.pick([None, "int", "float", "datetime", "aware", "str"])
    seconds = reader.number(-(10**10), 10**11)
    if kind == "int":
        return seconds
    if kind == "float":
        return seconds + reader.number(0, 999) / 1000
    if kind in ("datetime", "aware"):
        moment = datetime(1970, 1, 1) + timedelta(seconds=seconds % (10**11))
        if kind == "aware":
            moment = moment.replace(tzinfo=timezone(timedelta(minutes=reader.number(-1439, 1439))))
        return moment
    if kind == "str":
        return reader.text(40)
    return None


def fuzz_dump(reader: Reader) -> None:
    key = reader.text(30)
    value = reader.text(200)
    kwargs: dict[str, t.Any] = {
        "path": reader.pick(["/", None, "text"]),
        "domain": reader.pick([None, "text"]),
        "secure": reader.flag(),
        "httponly": reader.flag(),
        "partitioned": reader.flag(),
        "samesite": reader.pick([None, "Strict", "lax", "NONE", "text"]),
        "max_size": reader.pick([4093, 0, 80]),
        "expires": _expires(reader),
    }
    max_age = reader.pick([None, "int", "timedelta"])
    if max_age is not None:
        seconds = reader.number(-(10**9), 10**9)
        kwargs["max_age"] = seconds if max_age == "int" else timedelta(seconds=seconds)
    # Expires computed from "now" could differ between the two calls by a
    # second: only with an explicit expires is it synced.
    kwargs["sync_expires"] = kwargs["expires"] is not None and reader.flag()
    for name in ("path", "domain", "samesite"):
        if kwargs[name] == "text":
            kwargs[name] = reader.text(40)
    theirs = twin.dump_cookie if twin is not None else wz.dump_cookie
    check(
        f"dump_cookie({key!r:.60}, {value!r:.100}, **{kwargs!r:.300})",
        lambda: subject.dump_cookie(key, value, **kwargs),
        lambda: theirs(key, value, **kwargs),
        allowed=DUMP_ERRORS,
        messages=True,
    )


def test_one_input(data: bytes) -> None:
    reader = Reader(data)
    if reader.number(0, 3):
        fuzz_parse(reader)
    else:
        fuzz_dump(reader)
