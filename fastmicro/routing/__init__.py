"""URL routing: Werkzeug's rules, map and converters, with fastmicro's
compiled URL matcher.

Like :mod:`werkzeug.routing`, one module per concern:

* :mod:`.map` -- :class:`Map`, Werkzeug's map with the fast matcher and
  :meth:`Map.match_path`;
* :mod:`.router` -- :class:`Router`, a standalone router;
* :mod:`.rules` -- :class:`Rule` and the part analysis both matchers share;
* :mod:`.converters`, :mod:`.exceptions` -- re-exports, plus
  :class:`NeedsFullMatch`;
* :mod:`._pymatcher` -- the pure-Python matcher; the compiled twin is
  :mod:`fastmicro._ext.matcher`, chosen by :mod:`fastmicro.speedups`.

.. versionadded:: 0.1
"""
from __future__ import annotations

from werkzeug.routing import MapAdapter

from .converters import AnyConverter
from .converters import BaseConverter
from .converters import FloatConverter
from .converters import IntegerConverter
from .converters import PathConverter
from .converters import UnicodeConverter
from .converters import UUIDConverter
from .converters import ValidationError
from .exceptions import BuildError
from .exceptions import MethodNotAllowed
from .exceptions import NeedsFullMatch
from .exceptions import NotFound
from .exceptions import RequestRedirect
from .exceptions import WebsocketMismatch
from .map import Map
from .router import Router
from .rules import Rule

__all__ = [
    "AnyConverter",
    "BaseConverter",
    "BuildError",
    "FloatConverter",
    "IntegerConverter",
    "Map",
    "MapAdapter",
    "MethodNotAllowed",
    "NeedsFullMatch",
    "NotFound",
    "PathConverter",
    "RequestRedirect",
    "Router",
    "Rule",
    "UnicodeConverter",
    "UUIDConverter",
    "ValidationError",
    "WebsocketMismatch",
]
