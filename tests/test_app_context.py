"""Application and request contexts, ``g``, ``current_app`` and friends.

Every test runs on the real Flask and on fastmicro (see ``_appfw``).
"""
from __future__ import annotations

import threading

import pytest

from _appfw import app, client, fw  # noqa: F401

NO_REQUEST = (
    "Working outside of request context.\n\n"
    "This typically means that you attempted to use functionality that needed\n"
    "an active HTTP request. Consult the documentation on testing for\n"
    "information about how to avoid this problem."
)
NO_APP = (
    "Working outside of application context.\n\n"
    "This typically means that you attempted to use functionality that needed\n"
    "the current application. To solve this, set up an application context\n"
    "with app.app_context(). See the documentation for more information."
)


# -- outside any context -----------------------------------------------------------


def test_no_context_flags(fw):
    assert fw.has_request_context() is False
    assert fw.has_app_context() is False


@pytest.mark.parametrize("attr", ["path", "args", "method"])
def test_request_outside_context(fw, attr):
    with pytest.raises(RuntimeError) as exc:
        getattr(fw.request, attr)
    assert str(exc.value) == NO_REQUEST


def test_request_bool_outside_context(fw):
    assert not fw.request
    assert not fw.current_app
    assert not fw.g


def test_session_outside_context(fw):
    with pytest.raises(RuntimeError) as exc:
        fw.session.get("x")
    assert str(exc.value) == NO_REQUEST


def test_current_app_outside_context(fw):
    with pytest.raises(RuntimeError) as exc:
        fw.current_app.name
    assert str(exc.value) == NO_APP


def test_g_outside_context(fw):
    with pytest.raises(RuntimeError) as exc:
        fw.g.x = 1
    assert str(exc.value) == NO_APP
    with pytest.raises(RuntimeError) as exc:
        fw.g.get("x")
    assert str(exc.value) == NO_APP


def test_url_for_outside_context(fw):
    with pytest.raises(RuntimeError) as exc:
        fw.url_for("index")
    assert str(exc.value) == NO_APP


def test_request_outside_request_but_inside_app_context(app, fw):
    with app.app_context():
        with pytest.raises(RuntimeError) as exc:
            fw.request.path
        assert str(exc.value) == NO_REQUEST


def test_url_for_app_context_without_server_name(app, fw):
    @app.route("/")
    def index():
        return ""

    with app.app_context():
        with pytest.raises(RuntimeError) as exc:
            fw.url_for("index")
    assert str(exc.value) == (
        "Unable to build URLs outside an active request without 'SERVER_NAME'"
        " configured. Also configure 'APPLICATION_ROOT' and"
        " 'PREFERRED_URL_SCHEME' as needed."
    )


@pytest.mark.parametrize(
    "name, call",
    [
        ("after_this_request", lambda fw: fw.after_this_request(lambda r: r)),
        ("copy_current_request_context", lambda fw: fw.copy_current_request_context(lambda: None)),
        ("stream_with_context", lambda fw: fw.stream_with_context(iter(["x"]))),
    ],
)
def test_request_only_helpers_outside_request(app, fw, name, call):
    message = (
        f"'{name}' can only be used when a request context is active,"
        " such as in a view function."
    )
    with pytest.raises(RuntimeError) as exc:
        call(fw)
    assert str(exc.value) == message
    with app.app_context():
        with pytest.raises(RuntimeError) as exc:
            call(fw)
        assert str(exc.value) == message


# -- app_context ----------------------------------------------------------------


def test_app_context(app, fw):
    with app.app_context() as ctx:
        assert fw.has_app_context() is True
        assert fw.has_request_context() is False
        assert fw.current_app._get_current_object() is app
        assert fw.current_app.name == app.name
        assert ctx.app is app
        assert ctx.g is fw.g._get_current_object()
    assert fw.has_app_context() is False


def test_app_context_push_pop(app, fw):
    ctx = app.app_context()
    ctx.push()
    try:
        assert fw.current_app._get_current_object() is app
    finally:
        ctx.pop()
    assert not fw.has_app_context()


def test_app_context_pop_wrong(fw):
    a = fw.Flask("a")
    b = fw.Flask("b")
    ctx_a = a.app_context()
    ctx_b = b.app_context()
    ctx_a.push()
    ctx_b.push()
    with pytest.raises(AssertionError) as exc:
        ctx_a.pop()
    assert str(exc.value).startswith("Popped wrong app context. (")
    assert not fw.has_app_context()


def test_nested_app_contexts_switch_app(fw):
    a = fw.Flask("app_a")
    b = fw.Flask("app_b")
    with a.app_context():
        fw.g.value = "a"
        assert fw.current_app.name == "app_a"
        with b.app_context():
            assert fw.current_app.name == "app_b"
            assert "value" not in fw.g
        assert fw.current_app.name == "app_a"
        assert fw.g.value == "a"


def test_same_app_nested_app_context_has_new_g(app, fw):
    with app.app_context():
        fw.g.x = 1
        with app.app_context():
            assert "x" not in fw.g
        assert fw.g.x == 1


def test_app_context_reentrant_push(app, fw):
    ctx = app.app_context()
    with ctx:
        fw.g.n = 1
        with ctx:
            assert fw.g.n == 1
        assert fw.has_app_context()
    assert not fw.has_app_context()


# -- g -----------------------------------------------------------------------------


def test_g_attribute_api(app, fw):
    with app.app_context():
        g = fw.g
        assert "x" not in g
        g.x = 42
        assert g.x == 42
        assert "x" in g
        assert g.get("x") == 42
        assert g.get("missing") is None
        assert g.get("missing", "d") == "d"
        assert g.setdefault("y", 5) == 5
        assert g.setdefault("y", 6) == 5
        assert sorted(g) == ["x", "y"]
        assert g.pop("x") == 42
        assert "x" not in g
        assert g.pop("x", "default") == "default"
        with pytest.raises(KeyError):
            g.pop("x")
        with pytest.raises(AttributeError):
            g.nope
        del g.y
        assert list(g) == []


def test_g_is_per_request(app, client, fw):
    seen = []

    @app.route("/")
    def index():
        seen.append("counter" in fw.g)
        fw.g.counter = 1
        return ""

    client.get("/")
    client.get("/")
    assert seen == [False, False]


def test_g_shared_between_hooks_and_view(app, client, fw):
    @app.before_request
    def before():
        fw.g.user = "alice"

    @app.route("/")
    def index():
        return fw.g.user

    @app.after_request
    def after(response):
        response.headers["X-User"] = fw.g.user
        return response

    rv = client.get("/")
    assert rv.data == b"alice"
    assert rv.headers["X-User"] == "alice"


def test_app_ctx_globals_class(fw):
    class MyG(fw.ctx._AppCtxGlobals):
        marker = "custom"

    class App(fw.Flask):
        app_ctx_globals_class = MyG

    app = App(__name__)
    with app.app_context():
        assert fw.g.marker == "custom"
        assert isinstance(fw.g._get_current_object(), MyG)


# -- request contexts ---------------------------------------------------------------


def test_test_request_context(app, fw):
    @app.route("/hello/<name>")
    def hello(name):
        return ""

    with app.test_request_context("/hello/x?a=1", method="GET") as ctx:
        assert fw.has_request_context() is True
        assert fw.has_app_context() is True
        assert fw.request.path == "/hello/x"
        assert fw.request.args["a"] == "1"
        assert fw.request.method == "GET"
        assert fw.current_app._get_current_object() is app
        assert ctx.request is fw.request._get_current_object()
        assert ctx.app is app
        # matching already happened when the context was pushed
        assert fw.request.endpoint == "hello"
        assert fw.request.view_args == {"name": "x"}
        assert fw.url_for("hello", name="y") == "/hello/y"
    assert fw.has_request_context() is False
    assert fw.has_app_context() is False


def test_test_request_context_base_url_and_json(app, fw):
    with app.test_request_context(
        "/p", base_url="https://example.test/root/", json={"a": 1}
    ):
        assert fw.request.url == "https://example.test/root/p"
        assert fw.request.script_root == "/root"
        assert fw.request.get_json() == {"a": 1}


def test_request_context_push_pop(app, fw):
    ctx = app.test_request_context("/x")
    ctx.push()
    try:
        assert fw.request.path == "/x"
        assert fw.has_app_context()
    finally:
        ctx.pop()
    assert not fw.has_request_context()
    assert not fw.has_app_context()


def test_request_context_reuses_active_app_context(app, fw):
    # Flask 3.1: the request context pushes an app context only when the
    # active one is missing or belongs to another app.
    with app.app_context():
        fw.g.outer = "yes"
        with app.test_request_context():
            assert fw.g.outer == "yes"
            fw.g.inner = 1
        assert fw.has_app_context()
        assert not fw.has_request_context()
        assert fw.g.inner == 1


def test_request_context_for_other_app_pushes_its_app_context(fw):
    a = fw.Flask("first")
    b = fw.Flask("second")
    with a.app_context():
        fw.g.x = "a"
        with b.test_request_context():
            assert fw.current_app.name == "second"
            assert "x" not in fw.g
        assert fw.current_app.name == "first"
        assert fw.g.x == "a"


def test_app_context_inside_request_context_keeps_request(app, fw):
    # the two contexts are independent: a new app context does not hide
    # the active request
    with app.test_request_context("/r"):
        fw.g.x = 1
        with app.app_context():
            assert fw.has_request_context()
            assert fw.request.path == "/r"
            assert "x" not in fw.g
        assert fw.g.x == 1


def test_nested_request_contexts(app, fw):
    with app.test_request_context("/outer"):
        fw.g.level = "outer"
        with app.test_request_context("/inner"):
            assert fw.request.path == "/inner"
            # same app: the app context (and g) is reused
            assert fw.g.level == "outer"
        assert fw.request.path == "/outer"
    assert not fw.has_request_context()


def test_request_context_in_view(app, client, fw):
    seen = {}

    @app.route("/v")
    def v():
        seen["req"] = fw.has_request_context()
        seen["app"] = fw.has_app_context()
        seen["current_app"] = fw.current_app._get_current_object()
        return ""

    client.get("/v")
    assert seen == {"req": True, "app": True, "current_app": app}
    assert not fw.has_request_context()


def test_teardown_on_context_pop(app, fw):
    calls = []

    @app.teardown_request
    def td_req(exc):
        calls.append(("request", exc))

    @app.teardown_appcontext
    def td_app(exc):
        calls.append(("app", exc))

    with app.test_request_context():
        assert calls == []
    assert calls == [("request", None), ("app", None)]

    calls.clear()
    with app.app_context():
        pass
    assert calls == [("app", None)]


def test_teardown_receives_exception_from_with_block(app, fw):
    calls = []

    @app.teardown_request
    def td(exc):
        calls.append(exc)

    err = ValueError("boom")
    with pytest.raises(ValueError):
        with app.test_request_context():
            raise err
    assert calls == [err]


# -- after_this_request ------------------------------------------------------------


def test_after_this_request(app, client, fw):
    @app.route("/")
    def index():
        @fw.after_this_request
        def add_header(response):
            response.headers["X-Foo"] = "a header"
            return response

        return "Test"

    @app.route("/plain")
    def plain():
        return "plain"

    rv = client.get("/")
    assert rv.headers["X-Foo"] == "a header"
    assert rv.data == b"Test"
    assert "X-Foo" not in client.get("/plain").headers


def test_after_this_request_order_and_replacement(app, client, fw):
    order = []

    @app.after_request
    def app_after(response):
        order.append("app")
        return response

    @app.route("/")
    def index():
        def first(response):
            order.append("first")
            return response

        def second(response):
            order.append("second")
            return fw.Response("replaced", status=202)

        fw.after_this_request(first)
        fw.after_this_request(second)
        return "original"

    rv = client.get("/")
    # after_this_request functions run first, in registration order
    assert order == ["first", "second", "app"]
    assert rv.status_code == 202
    assert rv.data == b"replaced"


def test_after_this_request_in_before_request(app, client, fw):
    @app.before_request
    def before():
        fw.after_this_request(lambda r: (r.headers.__setitem__("X-B", "1"), r)[1])

    @app.route("/")
    def index():
        return "x"

    assert client.get("/").headers["X-B"] == "1"


# -- stream_with_context -------------------------------------------------------------


def test_stream_with_context_generator(app, client, fw):
    @app.route("/")
    def index():
        def gen():
            yield "Hello "
            yield fw.request.args["name"]
            yield "!"

        return fw.Response(fw.stream_with_context(gen()))

    rv = client.get("/?name=World")
    assert rv.data == b"Hello World!"


def test_stream_with_context_decorator(app, client, fw):
    @app.route("/")
    def index():
        @fw.stream_with_context
        def gen():
            yield "Hello "
            yield fw.request.args["name"]
            yield fw.g.get("tag", "?")

        fw.g.tag = "!"
        return fw.Response(gen())

    rv = client.get("/?name=World")
    assert rv.data == b"Hello World!"


def test_stream_with_context_teardown_after_stream(app, fw):
    calls = []

    @app.teardown_request
    def td(exc):
        calls.append("teardown")

    @app.route("/")
    def index():
        def gen():
            calls.append("start")
            yield fw.request.path
            calls.append("end")

        return fw.Response(fw.stream_with_context(gen()))

    rv = app.test_client().get("/")
    assert rv.data == b"/"
    assert calls.index("start") < calls.index("end")
    assert calls[-1] == "teardown"


def test_generator_without_context_loses_request(app, fw):
    @app.route("/")
    def index():
        def gen():
            yield "start;"
            yield str(fw.has_request_context())

        return fw.Response(gen())

    rv = app.test_client().get("/")
    assert rv.data == b"start;False"


# -- copy_current_request_context ----------------------------------------------------


def test_copy_current_request_context_in_thread(app, client, fw):
    result = {}

    @app.route("/")
    def index():
        fw.g.marker = "from-g"

        @fw.copy_current_request_context
        def work():
            result["path"] = fw.request.path
            result["arg"] = fw.request.args["q"]
            result["app"] = fw.current_app.name
            result["g"] = fw.g.get("marker")

        t = threading.Thread(target=work)
        t.start()
        t.join()
        return "ok"

    assert client.get("/?q=1").data == b"ok"
    # Flask 3.1: the copy is a request context only; pushing it in the thread
    # pushes a fresh app context, so g is not shared
    assert result == {"path": "/", "arg": "1", "app": app.name, "g": None}


def test_copy_current_request_context_returns_value(app, fw):
    with app.test_request_context("/c"):

        @fw.copy_current_request_context
        def work(a, b=2):
            return (fw.request.path, a + b)

    # called after the original context ended
    assert not fw.has_request_context()
    assert work(1, b=3) == ("/c", 4)
    assert not fw.has_request_context()


def test_thread_without_copy_has_no_context(app, client, fw):
    result = {}

    @app.route("/")
    def index():
        def work():
            result["req"] = fw.has_request_context()
            result["app"] = fw.has_app_context()

        t = threading.Thread(target=work)
        t.start()
        t.join()
        return ""

    client.get("/")
    assert result == {"req": False, "app": False}
