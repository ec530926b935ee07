"""Shared by the header parser tests: the implementations under test and a
comparable snapshot of everything a call does.

The compiled module (:mod:`fastmicro._ext.headers`) is imported directly and
must be built unless ``FASTMICRO_NO_EXTENSIONS`` is set (a missing build fails
the import here rather than silently testing only the twin); the pure twin
(:mod:`fastmicro.http._pyheaders`) is always tested. The reference is
Werkzeug 3.1 itself.
"""
from __future__ import annotations

import importlib
from datetime import date, datetime

from werkzeug import http as wz
from werkzeug.datastructures import (
    Authorization,
    ContentRange,
    ETags,
    IfRange,
    Range,
    WWWAuthenticate,
)
from werkzeug.datastructures.cache_control import _CacheControl

from fastmicro import speedups
from fastmicro.http import _pyheaders

if speedups.NO_EXTENSIONS:
    compiled = None
else:
    # Required: a missing build must fail here, not silently test the twin.
    compiled = importlib.import_module("fastmicro._ext.headers")

MODULES = {"pure": _pyheaders}
if compiled is not None:
    MODULES["compiled"] = compiled

#: Werkzeug's function for each name the modules export.
WERKZEUG = {
    "parse_options_header": wz.parse_options_header,
    "parse_list_header": wz.parse_list_header,
    "parse_dict_header": wz.parse_dict_header,
    "parse_cache_control_header": wz.parse_cache_control_header,
    "parse_etags": wz.parse_etags,
    "quote_etag": wz.quote_etag,
    "unquote_etag": wz.unquote_etag,
    "parse_if_range_header": wz.parse_if_range_header,
    "parse_range_header": wz.parse_range_header,
    "parse_content_range_header": wz.parse_content_range_header,
    "parse_date": wz.parse_date,
    "http_date": wz.http_date,
    "parse_authorization_header": Authorization.from_header,
    "parse_www_authenticate_header": WWWAuthenticate.from_header,
}


def snapshot(value):
    """A plain, comparable description of a parser's result: its type and
    all of its state (datastructures by their attributes and ``to_header``)."""
    if isinstance(value, (str, int, float, bool, type(None))):
        return (type(value), value)
    if isinstance(value, tuple):
        return ("tuple", [snapshot(v) for v in value])
    if isinstance(value, list):
        return ("list", [snapshot(v) for v in value])
    if isinstance(value, datetime):
        return (
            type(value),
            value.timetuple()[:6],
            value.microsecond,
            type(value.tzinfo),
            value.utcoffset(),
        )
    if isinstance(value, date):
        return (type(value), value.isoformat())
    if isinstance(value, _CacheControl):
        return (
            type(value),
            list(value.items()),
            value.provided,
            value.on_update,
            _header(value),
        )
    if isinstance(value, dict):  # after the dict subclasses above
        return (type(value), [(snapshot(k), snapshot(v)) for k, v in value.items()])
    if isinstance(value, ETags):
        return (
            type(value),
            value._strong,
            value._weak,
            value.star_tag,
            sorted(value.to_header().split(", ")),
        )
    if isinstance(value, Range):
        return (type(value), value.units, snapshot(list(value.ranges)), _header(value))
    if isinstance(value, ContentRange):
        return (
            type(value),
            value.units,
            value.start,
            value.stop,
            value.length,
            value.on_update,
            _header(value),
        )
    if isinstance(value, IfRange):
        return (type(value), value.etag, snapshot(value.date), _header(value))
    if isinstance(value, (Authorization, WWWAuthenticate)):
        return (
            type(value),
            value.type,
            snapshot(dict(value.parameters)) if value.parameters is not None else None,
            type(value.parameters),
            value.token,
            _header(value),
        )
    raise AssertionError(f"no snapshot for {type(value)!r}")


def _header(value):
    try:
        return ("ok", value.to_header())
    except Exception as exc:  # noqa: BLE001 - compared as an outcome
        return ("raised", type(exc))


def outcome(fn, *args, **kwargs):
    """The snapshot of ``fn(*args, **kwargs)``, or the exception type raised."""
    try:
        result = fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - compared between implementations
        return ("raised", type(exc))
    return ("ok", snapshot(result))


def check(name, *args, reference=True, **kwargs):
    """Every implementation of ``name`` gives Werkzeug's outcome (or, with
    ``reference=False``, the pure twin's) for the same arguments."""
    if reference:
        expected = outcome(WERKZEUG[name], *args, **kwargs)
        label = "werkzeug"
    else:
        expected = outcome(getattr(_pyheaders, name), *args, **kwargs)
        label = "pure"
    for impl, module in MODULES.items():
        got = outcome(getattr(module, name), *args, **kwargs)
        assert got == expected, (impl, "differs from", label, name, args, kwargs)
    return expected
