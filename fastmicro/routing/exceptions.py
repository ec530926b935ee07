"""Routing exceptions: Werkzeug's, plus :class:`NeedsFullMatch`.

.. versionadded:: 0.1
"""
from __future__ import annotations

from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound
from werkzeug.routing.exceptions import BuildError
from werkzeug.routing.exceptions import NoMatch
from werkzeug.routing.exceptions import RequestAliasRedirect
from werkzeug.routing.exceptions import RequestPath
from werkzeug.routing.exceptions import RequestRedirect
from werkzeug.routing.exceptions import RoutingException
from werkzeug.routing.exceptions import WebsocketMismatch

__all__ = [
    "BuildError",
    "MethodNotAllowed",
    "NeedsFullMatch",
    "NoMatch",
    "NotFound",
    "RequestAliasRedirect",
    "RequestPath",
    "RequestRedirect",
    "RoutingException",
    "WebsocketMismatch",
]


class NeedsFullMatch(RoutingException):
    """Raised by :meth:`fastmicro.routing.Map.match_path` when the answer
    depends on more than the path: a redirect (trailing slash, merged
    slashes, ``redirect_to``, alias or default redirects) needs the server
    name, script root and query string to build its URL.

    The caller then matches with
    ``map.bind_to_environ(environ).match(return_rule=True)``, which gives
    Werkzeug's exact answer.

    .. versionadded:: 0.1
    """
