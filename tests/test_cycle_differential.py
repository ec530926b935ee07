"""The request cycle's implementations give the same response, or raise the
same exception, for the same app and request: the compiled fast cycle, its
pure-Python twin, and the plain cycle that calls every app method as Flask
does (the reference, and the fallback for apps that override a method)."""
from __future__ import annotations

import importlib
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import Forbidden
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response as WerkzeugResponse

import fastmicro
from fastmicro import _pycycle

# The compiled twin is required unless the pure backend is forced.
compiled_cycle = None
if not os.environ.get("FASTMICRO_NO_EXTENSIONS"):
    compiled_cycle = importlib.import_module("fastmicro._ext.cycle")

class _Plain:
    wsgi_app = staticmethod(_pycycle.plain_wsgi_app)


CYCLES = [_Plain, _pycycle] + ([compiled_cycle] if compiled_cycle is not None else [])


class Boom(Exception):
    pass


def make_app(hooks: frozenset[str], propagate: bool) -> fastmicro.Flask:
    app = fastmicro.Flask(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = propagate
    app.secret_key = "test key"
    log = app.extensions.setdefault("log", [])

    @app.route("/")
    def text():
        return "Hello, World!"

    @app.route("/bytes")
    def raw():
        return b"\x00bytes"

    @app.route("/json")
    def as_json():
        return {"name": fastmicro.request.args.get("name", "world")}

    @app.route("/list", methods=["GET", "POST"])
    def as_list():
        return [1, "two", None]

    @app.route("/status/<int:code>")
    def status(code):
        return "with status", code

    @app.route("/headers")
    def headers():
        return "with headers", {"X-Test": "1"}

    @app.route("/werkzeug")
    def werkzeug_response():
        return WerkzeugResponse("werkzeug", status=201, mimetype="text/plain")

    @app.route("/stream")
    def stream():
        return (part for part in ["a", "b", "c"])

    @app.route("/abort")
    def do_abort():
        fastmicro.abort(403)

    @app.route("/boom")
    def boom():
        raise Boom("view failed")

    @app.route("/none")
    def none():
        return None

    @app.route("/redirect")
    def go():
        return fastmicro.redirect(fastmicro.url_for("text"))

    @app.route("/slash/")
    def slash():
        return "slash"

    @app.route("/session")
    def use_session():
        fastmicro.session["n"] = fastmicro.session.get("n", 0) + 1
        return str(fastmicro.session["n"])

    @app.route("/later")
    def later():
        @fastmicro.after_this_request
        def add_header(response):
            response.headers["X-Later"] = "yes"
            return response

        return "later"

    @app.route("/unicode/<name>")
    def unicode_name(name):
        return f"¡hola {name}!"

    if "before" in hooks:

        @app.before_request
        def before():
            log.append("before")
            if fastmicro.request.args.get("stop"):
                return "stopped", 202

    if "after" in hooks:

        @app.after_request
        def after(response):
            response.headers["X-After"] = "1"
            return response

    if "teardown" in hooks:

        @app.teardown_request
        def teardown(exc):
            log.append(("teardown", type(exc).__name__))

    if "errors" in hooks:

        @app.errorhandler(404)
        def not_found(e):
            return {"error": "not found"}, 404

        @app.errorhandler(Boom)
        def boom_handler(e):
            return f"handled {e}", 500

        @app.errorhandler(Forbidden)
        def forbidden(e):
            return "no", 403

    return app


PATHS = [
    "/",
    "/bytes",
    "/json",
    "/json?name=x%C3%A9",
    "/list",
    "/status/201",
    "/status/204",
    "/status/304",
    "/status/599",
    "/headers",
    "/werkzeug",
    "/stream",
    "/abort",
    "/boom",
    "/none",
    "/redirect",
    "/slash",
    "/slash/",
    "/session",
    "/later",
    "/unicode/%C3%A9t%C3%A9",
    "/missing",
    "/?stop=1",
    "//double",
]
paths = st.sampled_from(PATHS)
methods = st.sampled_from(["GET", "HEAD", "POST", "OPTIONS", "DELETE"])
cookies = st.sampled_from([None, "session=garbage", "other=1", "session=.eJyrVspLzE1VslJKL0pNzVPSUSpKLS4tKklMyUxRslIqS8wpTq0FAJVQCWM.x.y"])


def run(twin, app, method, path, cookie):
    builder = EnvironBuilder(path=path.partition("?")[0], query_string=path.partition("?")[2], method=method)
    environ = builder.get_environ()
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    started = []

    def start_response(status, headers, exc_info=None):
        started.append((status, headers))

    try:
        body_iter = twin.wsgi_app(app, environ, start_response)
        body = b"".join(body_iter)
        getattr(body_iter, "close", lambda: None)()
    except Exception as e:  # an exception that propagates to the server
        return ("raised", type(e).__name__, str(e))
    status, headers = started[-1]
    return (status, [_comparable(app, h) for h in headers], body, app.extensions["log"][-3:])


def _comparable(app, header):
    # A session cookie is signed with the current second; compare what it
    # holds and its attributes, not the signature.
    name, value = header
    if name != "Set-Cookie" or not value.startswith("session="):
        return header
    signed, _, attributes = value[len("session=") :].partition(";")
    serializer = app.session_interface.get_signing_serializer(app)
    return name, (serializer.loads(signed) if signed else None, attributes)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hooks=st.frozensets(st.sampled_from(["before", "after", "teardown", "errors"])),
    propagate=st.booleans(),
    method=methods,
    path=paths,
    cookie=cookies,
)
def test_cycles_agree(hooks, propagate, method, path, cookie):
    results = [run(cycle, make_app(hooks, propagate), method, path, cookie) for cycle in CYCLES]
    for result in results[1:]:
        assert result == results[0]


def test_every_case_gets_a_response():
    # With exceptions not propagated, each case gives a response, never an
    # error escaping from the cycle itself.
    for cycle in CYCLES:
        app = make_app(frozenset({"before", "after", "teardown", "errors"}), propagate=False)
        for path in PATHS:
            result = run(cycle, app, "GET", path, None)
            assert result[0] != "raised", (cycle, path, result)


def test_app_without_overrides_uses_the_compiled_cycle():
    app = make_app(frozenset(), propagate=False)
    app.test_client().get("/")
    if compiled_cycle is None:
        assert fastmicro.speedups.backends()["cycle"] == "pure"
        assert app.__dict__["_pycycle_plan"].inline is True
    else:
        assert app.__dict__["_cycle_plan"].inline is True


def test_overridden_method_falls_back_to_the_pure_cycle():
    class Custom(fastmicro.Flask):
        def process_response(self, response):
            response.headers["X-Custom"] = "1"
            return super().process_response(response)

    app = Custom(__name__)
    app.route("/")(lambda: "hi")
    response = app.test_client().get("/")
    assert response.headers["X-Custom"] == "1"
    plan = app.__dict__["_cycle_plan" if compiled_cycle is not None else "_pycycle_plan"]
    assert plan.inline is False


def test_instance_patched_method_falls_back_to_the_pure_cycle():
    app = fastmicro.Flask(__name__)
    app.route("/")(lambda: "hi")
    original = app.make_response
    app.make_response = lambda rv: original(rv.upper())
    assert app.test_client().get("/").data == b"HI"


def test_method_patched_after_the_first_request_is_used():
    app = fastmicro.Flask(__name__)
    app.route("/")(lambda: "hi")
    client = app.test_client()
    assert client.get("/").data == b"hi"
    original = app.make_response
    app.make_response = lambda rv: original(rv.upper())
    assert client.get("/").data == b"HI"
