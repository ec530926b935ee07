"""Type aliases for annotating views, hooks and callbacks, named as
:mod:`flask.typing` names them.

Extensions annotate their callbacks with these (``import flask.typing as
ft``), so fastmicro has the module too; under :mod:`fastmicro.flask_compat`
it is what ``flask.typing`` resolves to.

.. versionadded:: 0.1
"""
from __future__ import annotations

import collections.abc as cabc
import typing as t

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIApplication  # noqa: F401
    from werkzeug.datastructures import Headers  # noqa: F401
    from werkzeug.sansio.response import Response  # noqa: F401

# What a view may return as the body: a response object, or something the app
# turns into one. ``Mapping`` (not ``dict``) so that a TypedDict type-checks.
ResponseValue = t.Union[
    "Response",
    str,
    bytes,
    list[t.Any],
    t.Mapping[str, t.Any],
    t.Iterator[str],
    t.Iterator[bytes],
    cabc.AsyncIterable[str],
    cabc.AsyncIterable[bytes],
]

# One header's value, and a set of headers in any of the accepted shapes.
HeaderValue = t.Union[str, list[str], tuple[str, ...]]
HeadersValue = t.Union[
    "Headers",
    t.Mapping[str, HeaderValue],
    t.Sequence[tuple[str, HeaderValue]],
]

# Everything a view may return: a body, optionally with a status and/or
# headers, or a WSGI application.
ResponseReturnValue = t.Union[
    ResponseValue,
    tuple[ResponseValue, HeadersValue],
    tuple[ResponseValue, int],
    tuple[ResponseValue, int, HeadersValue],
    "WSGIApplication",
]

# Bound to Werkzeug's sans-IO response so that an ``after_request`` function
# annotated with any response subclass is accepted.
ResponseClass = t.TypeVar("ResponseClass", bound="Response")

# ``None`` is the app's key in the per-blueprint registries.
AppOrBlueprintKey = t.Optional[str]

AfterRequestCallable = t.Union[
    t.Callable[[ResponseClass], ResponseClass],
    t.Callable[[ResponseClass], t.Awaitable[ResponseClass]],
]
BeforeFirstRequestCallable = t.Union[
    t.Callable[[], None], t.Callable[[], t.Awaitable[None]]
]
BeforeRequestCallable = t.Union[
    t.Callable[[], t.Optional[ResponseReturnValue]],
    t.Callable[[], t.Awaitable[t.Optional[ResponseReturnValue]]],
]
ShellContextProcessorCallable = t.Callable[[], dict[str, t.Any]]
TeardownCallable = t.Union[
    t.Callable[[t.Optional[BaseException]], None],
    t.Callable[[t.Optional[BaseException]], t.Awaitable[None]],
]
TemplateContextProcessorCallable = t.Union[
    t.Callable[[], dict[str, t.Any]],
    t.Callable[[], t.Awaitable[dict[str, t.Any]]],
]
TemplateFilterCallable = t.Callable[..., t.Any]
TemplateGlobalCallable = t.Callable[..., t.Any]
TemplateTestCallable = t.Callable[..., bool]
URLDefaultCallable = t.Callable[[str, dict[str, t.Any]], None]
URLValuePreprocessorCallable = t.Callable[
    [t.Optional[str], t.Optional[dict[str, t.Any]]], None
]

# The argument is ``Any`` rather than ``Exception`` so that a handler may
# annotate the specific exception class it is registered for.
ErrorHandlerCallable = t.Union[
    t.Callable[[t.Any], ResponseReturnValue],
    t.Callable[[t.Any], t.Awaitable[ResponseReturnValue]],
]

RouteCallable = t.Union[
    t.Callable[..., ResponseReturnValue],
    t.Callable[..., t.Awaitable[ResponseReturnValue]],
]
