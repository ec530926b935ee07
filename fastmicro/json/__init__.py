"""JSON helpers that follow the current application's JSON provider.

Each function uses :attr:`current_app.json <fastmicro.FastMicro.json>` when
an application context is active, else Python's :mod:`json` with the extra
types of :class:`~fastmicro.json.provider.DefaultJSONProvider` for dumping.
Behaves as Flask 3.1's ``flask.json``.

.. versionadded:: 0.1
"""
from __future__ import annotations

import json as _json
import typing as t

from ..globals import _cv_app, _no_app_msg
from .provider import _default

if t.TYPE_CHECKING:  # pragma: no cover
    from ..wrappers import Response

__all__ = ["dump", "dumps", "jsonify", "load", "loads"]


def dumps(obj: t.Any, **kwargs: t.Any) -> str:
    """Serialize ``obj`` to a JSON string.

    Calls :meth:`app.json.dumps() <fastmicro.json.provider.JSONProvider.dumps>`
    of the current app, or :func:`json.dumps` without an app context.

    :param obj: The data to serialize.
    :param kwargs: Passed to the ``dumps`` implementation.

    .. versionadded:: 0.1
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.json.dumps(obj, **kwargs)
    kwargs.setdefault("default", _default)
    return _json.dumps(obj, **kwargs)


def dump(obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
    """Serialize ``obj`` as JSON and write it to a text file.

    Calls :meth:`app.json.dump() <fastmicro.json.provider.JSONProvider.dump>`
    of the current app, or :func:`json.dump` without an app context.

    :param obj: The data to serialize.
    :param fp: A file opened for writing text, UTF-8 for valid JSON.
    :param kwargs: Passed to the ``dump`` implementation.

    .. versionadded:: 0.1
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        ctx.app.json.dump(obj, fp, **kwargs)
    else:
        kwargs.setdefault("default", _default)
        _json.dump(obj, fp, **kwargs)


def loads(s: str | bytes, **kwargs: t.Any) -> t.Any:
    """Parse a JSON document.

    Calls :meth:`app.json.loads() <fastmicro.json.provider.JSONProvider.loads>`
    of the current app, or :func:`json.loads` without an app context.

    :param s: Text or UTF-8 bytes.
    :param kwargs: Passed to the ``loads`` implementation.

    .. versionadded:: 0.1
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.json.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def load(fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
    """Parse the JSON document read from a file.

    Calls :meth:`app.json.load() <fastmicro.json.provider.JSONProvider.load>`
    of the current app, or :func:`json.load` without an app context.

    :param fp: A file opened for reading text or UTF-8 bytes.
    :param kwargs: Passed to the ``load`` implementation.

    .. versionadded:: 0.1
    """
    ctx = _cv_app.get(None)
    if ctx is not None:
        return ctx.app.json.load(fp, **kwargs)
    return _json.load(fp, **kwargs)


def jsonify(*args: t.Any, **kwargs: t.Any) -> Response:
    """Serialize the arguments as JSON into an ``application/json``
    response, through
    :meth:`app.json.response() <fastmicro.json.provider.JSONProvider.response>`.

    Needs an active application (or request) context. A dict or list
    returned from a view becomes a JSON response without this call. In
    debug mode the output is indented.

    :param args: One value to serialize, or several to serialize as a list.
    :param kwargs: Serialized as a dict. Give ``args`` or ``kwargs``, not
        both; with neither, ``null`` is serialized.
    :raise RuntimeError: No application context is active.

    .. versionadded:: 0.1
    """
    ctx = _cv_app.get(None)
    if ctx is None:
        raise RuntimeError(_no_app_msg)
    return ctx.app.json.response(*args, **kwargs)  # type: ignore[no-any-return]
