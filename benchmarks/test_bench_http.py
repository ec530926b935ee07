"""pytest-benchmark: the header parsers of :mod:`fastmicro.http` against Werkzeug's.

Each case parses a real browser's header value with the function fastmicro
exports (compiled or pure, whichever backend is active) and with
:mod:`werkzeug.http`'s function of the same name, grouped together, and
checks that both return the same result.
"""
from __future__ import annotations

import datetime
import sys
from pathlib import Path

import pytest
import werkzeug.http
from werkzeug.datastructures import LanguageAccept, MIMEAccept, RequestCacheControl

sys.path.insert(0, str(Path(__file__).parent))

import fastmicro.http  # noqa: E402
from apps.common import BROWSER_HEADERS  # noqa: E402

HEADERS = dict(BROWSER_HEADERS)
WHEN = datetime.datetime(2026, 11, 24, 8, 49, 37, tzinfo=datetime.timezone.utc)

#: case id -> (function name, positional args, keyword args)
CASES = {
    "parse_cookie": ("parse_cookie", (HEADERS["Cookie"],), {}),
    "dump_cookie": ("dump_cookie", ("session", "eyJuIjoxfQ.Z0Mx1A.signature-value"),
                    {"httponly": True, "path": "/", "samesite": "Lax"}),
    "parse_accept_header: Accept": ("parse_accept_header", (HEADERS["Accept"], MIMEAccept), {}),
    "parse_accept_header: Accept-Language": (
        "parse_accept_header", (HEADERS["Accept-Language"], LanguageAccept), {}),
    "parse_options_header": ("parse_options_header",
                             ("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxk",),
                             {}),
    "parse_date": ("parse_date", ("Tue, 24 Nov 2026 08:49:37 GMT",), {}),
    "http_date": ("http_date", (WHEN,), {}),
    "parse_cache_control_header": ("parse_cache_control_header",
                                   ("max-age=0, no-cache", None, RequestCacheControl), {}),
    "parse_list_header": ("parse_list_header", ('token, "quoted, value", other',), {}),
    "parse_dict_header": ("parse_dict_header", ('a=1, b="two words", c',), {}),
    "parse_etags": ("parse_etags", ('W/"67ab43", "54ed21", "7892dd"',), {}),
    "parse_range_header": ("parse_range_header", ("bytes=0-499, 1000-",), {}),
}


def _comparable(value):
    # Werkzeug's header objects compare by content only for some types; their
    # repr shows type and content for all of them.
    return repr(value)


@pytest.mark.parametrize("impl", ["fastmicro", "werkzeug"])
@pytest.mark.parametrize("case", list(CASES))
def test_header_parser(benchmark, case: str, impl: str) -> None:
    name, args, kwargs = CASES[case]
    fn = getattr(fastmicro.http if impl == "fastmicro" else werkzeug.http, name)
    benchmark.group = f"http: {case}"
    result = benchmark(fn, *args, **kwargs)
    expected = getattr(werkzeug.http, name)(*args, **kwargs)
    assert _comparable(result) == _comparable(expected)
