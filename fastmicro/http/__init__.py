"""HTTP parsing for the request and response: one module per concern, each
a hot path of :mod:`fastmicro.speedups` (compiled from ``ext/<name>.pyx``, or
its pure-Python twin ``fastmicro/http/_py<name>.py``):

* ``query``: query strings and urlencoded bodies (``request.args``,
  ``request.form``);
* ``wsgi``: the request headers view and the response's way out;
* ``cookies``: :func:`parse_cookie`, :func:`dump_cookie`;
* ``accept``: :func:`parse_accept_header`;
* ``headers``: option, cache-control, ETag, range, authorization and date
  headers.

Every parser takes Werkzeug's arguments and returns exactly what the
``werkzeug.http`` function of the same name returns (the differences, where
Werkzeug hangs or goes quadratic, are named in the tests).

.. versionadded:: 0.1
"""
from __future__ import annotations

from .. import speedups as _speedups

_headers = _speedups.load("headers")
_cookies = _speedups.load("cookies")
_accept = _speedups.load("accept")

parse_cookie = _cookies.parse_cookie
dump_cookie = _cookies.dump_cookie
parse_accept_header = _accept.parse_accept_header
date_header_now = _headers.date_header_now
http_date = _headers.http_date
parse_authorization_header = _headers.parse_authorization_header
parse_cache_control_header = _headers.parse_cache_control_header
parse_content_range_header = _headers.parse_content_range_header
parse_date = _headers.parse_date
parse_dict_header = _headers.parse_dict_header
parse_etags = _headers.parse_etags
parse_if_range_header = _headers.parse_if_range_header
parse_list_header = _headers.parse_list_header
parse_options_header = _headers.parse_options_header
parse_range_header = _headers.parse_range_header
parse_www_authenticate_header = _headers.parse_www_authenticate_header
quote_etag = _headers.quote_etag
unquote_etag = _headers.unquote_etag

__all__ = [
    "date_header_now",
    "dump_cookie",
    "http_date",
    "parse_accept_header",
    "parse_authorization_header",
    "parse_cache_control_header",
    "parse_content_range_header",
    "parse_cookie",
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
