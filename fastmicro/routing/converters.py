"""URL converters: Werkzeug's, re-exported.

The matchers recognise the regexes of these exact classes and match them
without ``re``; subclasses and custom converters work through ``re`` and
their own ``to_python``.

.. versionadded:: 0.1
"""
from __future__ import annotations

from werkzeug.routing.converters import DEFAULT_CONVERTERS
from werkzeug.routing.converters import AnyConverter
from werkzeug.routing.converters import BaseConverter
from werkzeug.routing.converters import FloatConverter
from werkzeug.routing.converters import IntegerConverter
from werkzeug.routing.converters import NumberConverter
from werkzeug.routing.converters import PathConverter
from werkzeug.routing.converters import UnicodeConverter
from werkzeug.routing.converters import UUIDConverter
from werkzeug.routing.converters import ValidationError

__all__ = [
    "DEFAULT_CONVERTERS",
    "AnyConverter",
    "BaseConverter",
    "FloatConverter",
    "IntegerConverter",
    "NumberConverter",
    "PathConverter",
    "UnicodeConverter",
    "UUIDConverter",
    "ValidationError",
]
