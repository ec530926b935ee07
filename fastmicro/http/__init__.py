"""HTTP parsing for the request: one module per concern.

* query strings (``request.args``): :mod:`fastmicro._ext.query`, compiled
  from ``ext/query.pyx``, or its pure-Python twin :mod:`._pyquery`; pick one
  with ``fastmicro.speedups.load("query")``.

Every parser returns exactly what the Werkzeug code it replaces returns.

.. versionadded:: 0.1
"""
from __future__ import annotations

# Header parsers (Werkzeug's signatures and results): compiled from
# ext/headers.pyx, or the pure-Python twin fastmicro.http._pyheaders.
from .. import speedups as _speedups
from ._pyheaders import __all__ as _header_names

_headers = _speedups.load("headers")
globals().update({_name: getattr(_headers, _name) for _name in _header_names})

# Cookie and Accept* parsing (Werkzeug's signatures and results): compiled
# from ext/cookies.pyx and ext/accept.pyx, or the twins _pycookies/_pyaccept.
_cookies = _speedups.load("cookies")
parse_cookie = _cookies.parse_cookie
dump_cookie = _cookies.dump_cookie
parse_accept_header = _speedups.load("accept").parse_accept_header
