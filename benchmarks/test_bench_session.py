"""pytest-benchmark: the session request (see bench_session.py) and the
session interface's open/save on fastmicro and Flask.

The request carries a valid session cookie; the view reads a counter and
writes it back, so the cookie is verified, decoded, re-encoded and re-signed.
Runs on whichever fastmicro backend is active.
"""
from __future__ import annotations

import sys
from pathlib import Path

import flask
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import bench_session  # noqa: E402
import fastmicro  # noqa: E402

MODULES = {"fastmicro": fastmicro, "flask": flask}


@pytest.fixture(scope="module")
def session_apps():
    built = {}
    for name, module in MODULES.items():
        app = bench_session.make_app(module)
        built[name] = (app, bench_session.session_environ(app))
    return built


def _run(app, environ):
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    body = app(dict(environ), start_response)
    try:
        data = b"".join(body)
    finally:
        getattr(body, "close", lambda: None)()
    return seen, data


@pytest.mark.parametrize("framework", list(MODULES))
def test_session_request(benchmark, session_apps, framework: str) -> None:
    app, environ = session_apps[framework]
    benchmark.group = "session: request"
    seen, data = benchmark(_run, app, environ)
    assert seen["status"] == "200 OK"
    assert data == b"2"
    assert seen["headers"]["Set-Cookie"].startswith("session=")


@pytest.mark.parametrize("framework", list(MODULES))
def test_open_and_save_session(benchmark, session_apps, framework: str) -> None:
    """The session interface alone: open from the cookie, then save."""
    module = MODULES[framework]
    app, environ = session_apps[framework]
    interface = app.session_interface
    benchmark.group = "session: open + save"

    def open_and_save():
        with app.request_context(dict(environ)):
            request = module.request._get_current_object()
            session = interface.open_session(app, request)
            session["n"] = session.get("n", 0) + 1
            response = app.response_class("x")
            interface.save_session(app, session, response)
            return response.headers["Set-Cookie"]

    cookie = benchmark(open_and_save)
    assert cookie.startswith("session=")
