"""The request cycle in plain Python: the pure twin of ``ext/cycle.pyx``.

This is Flask's cycle as the app's methods spell it: make the request
context, push it (which matches the URL), run ``full_dispatch_request``,
send the response, pop the contexts. Every step goes through the app's
(overridable) methods. The compiled twin runs the same steps with the stock
methods inlined, and hands any app that overrides one of them to this
function.
"""
from __future__ import annotations

import sys
import typing as t

from .globals import _cv_app, _cv_request

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import FastMicro


def app_call(
    app: FastMicro, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]
) -> t.Iterable[bytes]:
    """``FastMicro.__call__``: call ``app.wsgi_app``, which middleware may
    have replaced."""
    return app.wsgi_app(environ, start_response)


def wsgi_app(
    app: FastMicro, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]
) -> t.Iterable[bytes]:
    """Handle one request on ``app`` (see :meth:`FastMicro.wsgi_app`)."""
    ctx = app.request_context(environ)
    error: BaseException | None = None
    try:
        try:
            ctx.push()
            response = app.full_dispatch_request()
        except Exception as e:
            error = e
            response = app.handle_exception(e)
        except:  # noqa: E722
            error = sys.exc_info()[1]
            raise
        return response(environ, start_response)
    finally:
        if "werkzeug.debug.preserve_context" in environ:
            environ["werkzeug.debug.preserve_context"](_cv_app.get())
            environ["werkzeug.debug.preserve_context"](_cv_request.get())
        if error is not None and app.should_ignore_error(error):
            error = None
        ctx.pop(error)
