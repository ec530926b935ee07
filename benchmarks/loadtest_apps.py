"""The hello-world apps ``loadtest.py`` serves: one source for fastmicro
and Flask, and the raw WSGI callable they are measured against.

All three answer ``GET /`` with ``Hello, World!`` as
``text/html; charset=utf-8`` with a ``Content-Length``: the same bytes.
Attributes are made on first access (module ``__getattr__``), so a server
process imports only the framework it serves.
"""
from __future__ import annotations

import importlib
import typing as t

HELLO = b"Hello, World!"
_HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(HELLO)))]


def raw(environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]) -> list[bytes]:
    """The floor: no routing, no request or response objects."""
    start_response("200 OK", list(_HEADERS))
    return [HELLO]


def make_app(framework: str) -> t.Any:
    """The hello app on ``framework`` (``"fastmicro"`` or ``"flask"``)."""
    module = importlib.import_module(framework)
    app = module.Flask(__name__)

    @app.route("/")
    def hello() -> str:
        return "Hello, World!"

    return app


def __getattr__(name: str) -> t.Any:
    # ``fastmicro_app`` / ``flask_app``: built once, on first access.
    if name in ("fastmicro_app", "flask_app"):
        app = globals()[name] = make_app(name[: -len("_app")])
        return app
    raise AttributeError(name)
