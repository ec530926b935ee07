"""The request cycle's fast paths behave as Flask does: the request object
made on first use, and a response nobody observes sent without making a
response object. Each case runs the same app on Flask and on fastmicro, on
both cycles (the compiled one where built) and the plain one."""
from __future__ import annotations

import importlib
import os

import flask
import pytest
from werkzeug.test import EnvironBuilder

import fastmicro
from fastmicro import _pycycle

compiled_cycle = None
if not os.environ.get("FASTMICRO_NO_EXTENSIONS"):
    compiled_cycle = importlib.import_module("fastmicro._ext.cycle")

CYCLES = [_pycycle.wsgi_app, _pycycle.plain_wsgi_app] + (
    [compiled_cycle.wsgi_app] if compiled_cycle is not None else []
)


def build(framework, seen):
    app = framework.Flask(__name__)
    app.secret_key = "key"

    @app.route("/")
    def index():
        return "Hello"

    @app.route("/item/<int:n>")
    def item(n):
        req = framework.request
        seen["request"] = (
            req.method,
            req.path,
            req.url_rule.rule,
            dict(req.view_args),
            req.environ.get("werkzeug.request") is req._get_current_object(),
        )
        return f"item {n}"

    @app.route("/json")
    def as_json():
        return {"a": 1}

    @app.route("/later")
    def later():
        @framework.after_this_request
        def mark(response):
            response.headers["X-Later"] = "1"
            return response

        return "later"

    @app.route("/touch")
    def touch():
        framework.session.get("x")
        return "touched"

    return app


def call(app, cycle, method, path, **kw):
    environ = EnvironBuilder(method=method, path=path, **kw).get_environ()
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"] = status
        captured["headers"] = list(headers)

    if cycle is None:
        body_iter = app.wsgi_app(environ, start_response)
    else:
        body_iter = cycle(app, environ, start_response)
    try:
        body = b"".join(body_iter)
    finally:
        close = getattr(body_iter, "close", None)
        if close is not None:
            close()
    # Werkzeug builds Allow from a set: its order is not part of the answer.
    headers = [
        (k, ", ".join(sorted(v.split(", "))) if k == "Allow" else v)
        for k, v in captured["headers"]
    ]
    return captured["status"], headers, body, environ


CASES = [
    ("GET", "/", {}),
    ("HEAD", "/", {}),
    ("head", "/", {}),
    ("GeT", "/item/7", {}),
    ("PATCH", "/", {}),
    ("GET", "/item/7", {}),
    ("POST", "/item/7", {}),
    ("GET", "/missing", {}),
    ("GET", "/json", {}),
    ("GET", "/later", {}),
    ("GET", "/touch", {}),
    ("GET", "/", {"headers": {"Cookie": "session=not-a-valid-cookie"}}),
    ("GET", "/", {"headers": {"Cookie": "other=1"}}),
]


@pytest.mark.parametrize("cycle", CYCLES)
@pytest.mark.parametrize(("method", "path", "kw"), CASES)
def test_same_response_and_environ_as_flask(cycle, method, path, kw):
    flask_seen, seen = {}, {}
    expected = call(build(flask, flask_seen), None, method, path, **kw)
    got = call(build(fastmicro, seen), cycle, method, path, **kw)
    assert got[:3] == expected[:3]
    # After the request the environ holds None, whether or not the view
    # looked at the request (Flask makes it, then pops it).
    assert got[3]["werkzeug.request"] is None
    assert expected[3]["werkzeug.request"] is None
    assert seen == flask_seen


@pytest.mark.parametrize("cycle", CYCLES[:1] + CYCLES[2:])
def test_request_is_made_only_when_used(cycle):
    app = build(fastmicro, {})
    made = {}

    def preserve(ctx):
        # Called with each context before it is popped. Read the context's
        # own slot: ``ctx.request`` would make the request.
        if isinstance(ctx, fastmicro.ctx.RequestContext):
            made[path] = ctx._request is not None

    for path in ("/", "/item/3"):
        environ = EnvironBuilder(path=path).get_environ()
        environ["werkzeug.debug.preserve_context"] = preserve
        assert b"".join(cycle(app, environ, lambda *args: None))
    assert made == {"/": False, "/item/3": True}


def test_hooks_see_the_matched_request():
    app = fastmicro.Flask(__name__)
    log = []

    @app.url_value_preprocessor
    def pull(endpoint, values):
        log.append(values.pop("lang"))

    @app.before_request
    def before():
        log.append((fastmicro.request.endpoint, dict(fastmicro.request.view_args)))

    @app.route("/<lang>/page/<int:n>")
    def page(n):
        return f"page {n}"

    assert app.test_client().get("/de/page/2").data == b"page 2"
    assert log == ["de", ("page", {"n": 2})]


def test_preserved_context_makes_the_request_after_the_response():
    # The test client keeps the context of the last request; the request is
    # made on first use there, after the cycle popped the context, and the
    # environ keeps the None that popping left.
    app = build(fastmicro, {})
    with app.test_client() as client:
        client.get("/?q=1")
        assert fastmicro.request.args["q"] == "1"
        assert fastmicro.request.environ["werkzeug.request"] is None


def test_error_handler_sees_the_routing_exception():
    for framework in (flask, fastmicro):
        app = framework.Flask(__name__)

        @app.errorhandler(404)
        def missing(e):
            req = framework.request
            return f"{type(req.routing_exception).__name__} {req.path}", 404

        response = app.test_client().get("/nowhere")
        assert (response.status_code, response.data) == (404, b"NotFound /nowhere")


def test_unobserved_response_gets_the_response_class_defaults():
    class TextResponse(fastmicro.Response):
        default_mimetype = "text/plain"
        default_status = 202

    app = fastmicro.Flask(__name__)
    app.response_class = TextResponse
    app.route("/")(lambda: "hi")
    response = app.test_client().get("/")
    assert response.status == "202 ACCEPTED"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Length"] == "2"
    # A change to the class after the first request is seen (the cycle's
    # plan notices the class changed).
    TextResponse.default_status = 203
    assert app.test_client().get("/").status_code == 203


def test_content_length_header_of_large_bodies():
    app = fastmicro.Flask(__name__)
    app.add_url_rule("/big", "big", lambda: "x" * 5000)
    app.add_url_rule("/small", "small", lambda: "x" * 4095)
    client = app.test_client()
    assert client.get("/big").headers["Content-Length"] == "5000"
    assert client.get("/small").headers["Content-Length"] == "4095"


def test_app_attributes_rebound_after_first_request_are_seen():
    # The compiled cycle keeps the app's hook registries between requests
    # while the app's __dict__ is unchanged; rebinding one changes it.
    app = fastmicro.Flask(__name__)
    app.route("/")(lambda: "hi")
    client = app.test_client()
    assert client.get("/").data == b"hi"
    log = []
    app.teardown_request_funcs = {None: [lambda exc: log.append("down")]}
    app.view_functions = {"<lambda>": lambda: "rebound"}
    assert client.get("/").data == b"rebound"
    assert log == ["down"]
    # A registry emptied in place is seen too.
    app.teardown_request_funcs[None].clear()
    assert client.get("/").data == b"rebound"
    assert log == ["down"]


def test_deleted_app_attribute_fails_as_on_flask():
    # Not something to do; the cycle's lookup fails as attribute access
    # does, and the error becomes a 500 as on Flask.
    for framework in (flask, fastmicro):
        app = framework.Flask(__name__)
        app.route("/")(lambda: "hi")
        client = app.test_client()
        assert client.get("/").data == b"hi"
        del app.__dict__["after_request_funcs"]
        assert client.get("/").status_code == 500


# -- context objects: the compiled cycle keeps one of each that nothing holds
# for the next request. These hold for Flask; they fail if a kept context
# carried anything over, or if a context still held were reused.


def _sequence_app(framework, log):
    # build()'s app ("/later" adds a header through after_this_request) with
    # a view that saves a session and one that reads ``g`` and the request.
    app = build(framework, {})

    @app.route("/count")
    def count():
        framework.session["n"] = framework.session.get("n", 0) + 1
        return "counted"

    @app.route("/look/<name>")
    def look(name):
        g = framework.g
        log.append((name, framework.request.path, "x" in g, framework.request.view_args))
        g.x = name
        return name

    return app


@pytest.mark.parametrize("cycle", [None] + CYCLES)
def test_nothing_carries_over_to_the_next_request(cycle):
    steps = ["/later", "/", "/count", "/", "/look/a", "/look/b", "/", "/later"]
    flask_log, log = [], []
    flask_app = _sequence_app(flask, flask_log)
    app = _sequence_app(fastmicro, log)
    for path in steps:
        expected = call(flask_app, None, "GET", path)
        got = call(app, cycle, "GET", path)
        assert got[:3] == expected[:3], path
    assert log == flask_log == [
        ("a", "/look/a", False, {"name": "a"}),
        ("b", "/look/b", False, {"name": "b"}),
    ]


@pytest.mark.parametrize("framework", [flask, fastmicro])
def test_contexts_still_held_after_the_request_stay_as_they_were(framework):
    import contextvars
    import weakref

    app = framework.Flask(__name__)
    kept = []
    weak = []

    @app.route("/keep/<name>")
    def keep(name):
        framework.g.name = name
        kept.append(
            (
                framework.globals._cv_request.get(),
                framework.globals._cv_app.get(),
                contextvars.copy_context(),
            )
        )
        return name

    @app.route("/weak/<name>")
    def weak_only(name):
        weak.append(weakref.ref(framework.globals._cv_request.get()))
        return name

    @app.route("/attr/<name>")
    def attr(name):
        ctx = framework.globals._cv_request.get()
        app_ctx = framework.globals._cv_app.get()
        seen = (hasattr(ctx, "custom"), hasattr(app_ctx, "custom"))
        ctx.custom = app_ctx.custom = name
        return repr(seen)

    for name in ("a", "b", "c"):
        assert call(app, None, "GET", f"/keep/{name}")[2] == name.encode()
        assert call(app, None, "GET", f"/weak/{name}")[2] == name.encode()
        assert call(app, None, "GET", f"/attr/{name}")[2] == b"(False, False)"
    assert len({id(ctx) for ctx, _, _ in kept}) == 3
    for (ctx, app_ctx, copied), name in zip(kept, "abc"):
        assert ctx.request.path == f"/keep/{name}"
        assert ctx.app is app and app_ctx.app is app
        assert app_ctx.g.name == name
        assert copied[framework.globals._cv_request] is ctx
        assert copied[framework.globals._cv_app] is app_ctx
    # Held only weakly: gone after the request, not kept for another.
    assert [ref() for ref in weak] == [None, None, None]


# -- matching: the compiled cycle calls the compiled matcher directly, with
# the map's host_matching and default_subdomain read once per change of
# the map. A map that is not the stock one, or a change to it, is seen.


@pytest.mark.parametrize("cycle", [None] + CYCLES)
def test_host_matching_switched_on_after_the_first_request_is_seen(cycle):
    results = []
    for framework, cyc in ((flask, None), (fastmicro, cycle)):
        app = framework.Flask(__name__)
        app.route("/")(lambda: "home")
        first = call(app, cyc, "GET", "/")[0]
        # Rules without a host then match only an empty host: 404, as Flask.
        app.url_map.host_matching = True
        second = call(app, cyc, "GET", "/")[0]
        app.url_map.host_matching = False
        third = call(app, cyc, "GET", "/")[0]
        results.append((first, second, third))
    assert results[0] == results[1] == ("200 OK", "404 NOT FOUND", "200 OK")


@pytest.mark.parametrize("cycle", [None] + CYCLES)
def test_map_subclass_match_path_and_host_matching_are_honoured(cycle):
    calls = []

    class CountingMap(fastmicro.routing.Map):
        def match_path(self, path_info, method, domain=""):
            calls.append((path_info, method, domain))
            return super().match_path(path_info, method, domain)

    class HostMap(fastmicro.routing.Map):
        @property
        def host_matching(self):
            return True

        @host_matching.setter
        def host_matching(self, value):
            pass

    class CountingApp(fastmicro.Flask):
        url_map_class = CountingMap

    class HostApp(fastmicro.Flask):
        url_map_class = HostMap

    counting = CountingApp(__name__)
    counting.route("/")(lambda: "home")
    assert call(counting, cycle, "GET", "/")[:3:2] == ("200 OK", b"home")
    assert calls == [("/", "GET", "")]

    hosts = HostApp(__name__)
    hosts.route("/", host="example.test")(lambda: "example")
    assert call(hosts, cycle, "GET", "/", base_url="http://example.test")[:3:2] == (
        "200 OK",
        b"example",
    )
    assert call(hosts, cycle, "GET", "/", base_url="http://other.test")[0] == "404 NOT FOUND"


@pytest.mark.parametrize("cycle", [None] + CYCLES)
def test_trusted_hosts_changed_after_the_first_request_is_seen(cycle):
    results = []
    for framework, cyc in ((flask, None), (fastmicro, cycle)):
        app = framework.Flask(__name__)
        app.route("/")(lambda: "home")
        statuses = [call(app, cyc, "GET", "/", base_url="http://evil.test")[0]]
        app.config["TRUSTED_HOSTS"] = ["good.test"]
        statuses.append(call(app, cyc, "GET", "/", base_url="http://evil.test")[0])
        statuses.append(call(app, cyc, "GET", "/", base_url="http://good.test")[0])
        app.config["TRUSTED_HOSTS"] = None
        statuses.append(call(app, cyc, "GET", "/", base_url="http://evil.test")[0])
        results.append(statuses)
    assert results[0] == results[1] == ["200 OK", "400 BAD REQUEST", "200 OK", "200 OK"]
