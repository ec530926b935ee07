"""The test client as driven through a real app: JSON, cookies, redirects,
context preservation. Complements ``test_testing.py`` (fastmicro's client
internals); only behaviour not covered there is here.

Every test runs on the real Flask and on fastmicro (see ``_appfw``).
"""
from __future__ import annotations

import pytest

from _appfw import app, client, fw  # noqa: F401


def test_json_uses_app_provider(app, client, fw):
    app.json.sort_keys = False
    seen = {}

    @app.route("/", methods=["POST"])
    def index():
        seen["raw"] = fw.request.get_data(as_text=True)
        return ""

    client.post("/", json={"b": 1, "a": 2})
    assert seen["raw"] == '{"b": 1, "a": 2}'


def test_response_json_none_for_non_json(app, client, fw):
    app.add_url_rule("/", "index", lambda: "text")
    rv = client.get("/")
    assert rv.json is None


def test_data_and_content_type(app, client, fw):
    @app.route("/", methods=["PUT"])
    def index():
        return fw.request.content_type + "|" + fw.request.get_data(as_text=True)

    rv = client.put("/", data="raw text", content_type="text/plain; charset=utf-8")
    assert rv.data == b"text/plain; charset=utf-8|raw text"


def test_cookies_set_and_sent_back(app, client, fw):
    @app.route("/set")
    def set_cookie():
        r = fw.make_response("set")
        r.set_cookie("token", "abc")
        r.set_cookie("scoped", "s", path="/sub")
        return r

    @app.route("/get")
    def get_cookie():
        return f"{fw.request.cookies.get('token')}|{fw.request.cookies.get('scoped')}"

    @app.route("/sub/get")
    def sub_get():
        return f"{fw.request.cookies.get('token')}|{fw.request.cookies.get('scoped')}"

    client.get("/set")
    assert client.get("/get").data == b"abc|None"
    assert client.get("/sub/get").data == b"abc|s"
    cookie = client.get_cookie("token")
    assert cookie.value == "abc"
    assert cookie.path == "/"


def test_client_set_and_delete_cookie(app, client, fw):
    app.add_url_rule("/", "index", lambda: fw.request.cookies.get("k", "none"))
    client.set_cookie("k", "v")
    assert client.get("/").data == b"v"
    client.delete_cookie("k")
    assert client.get("/").data == b"none"


def test_cookie_deleted_by_server(app, client, fw):
    @app.route("/set")
    def set_():
        r = fw.make_response("")
        r.set_cookie("c", "1")
        return r

    @app.route("/del")
    def delete():
        r = fw.make_response("")
        r.delete_cookie("c")
        return r

    app.add_url_rule("/read", "read", lambda: fw.request.cookies.get("c", "gone"))
    client.get("/set")
    assert client.get("/read").data == b"1"
    client.get("/del")
    assert client.get("/read").data == b"gone"


def test_use_cookies_false(app, fw):
    @app.route("/set")
    def set_():
        r = fw.make_response("")
        r.set_cookie("c", "1")
        return r

    app.add_url_rule("/read", "read", lambda: fw.request.cookies.get("c", "none"))
    c = app.test_client(use_cookies=False)
    c.get("/set")
    assert c.get("/read").data == b"none"


def test_follow_redirects(app, client, fw):
    app.add_url_rule("/a", "a", lambda: fw.redirect("/b"))
    app.add_url_rule("/b", "b", lambda: fw.redirect(fw.url_for("c")))
    app.add_url_rule("/c", "c", lambda: "end:" + fw.request.path)

    rv = client.get("/a", follow_redirects=True)
    assert rv.status_code == 200
    assert rv.data == b"end:/c"
    assert rv.request.path == "/c"
    assert [r.status_code for r in rv.history] == [302, 302]
    assert [r.request.path for r in rv.history] == ["/a", "/b"]


def test_no_follow_redirects(app, client, fw):
    app.add_url_rule("/a", "a", lambda: fw.redirect("/b"))
    rv = client.get("/a")
    assert rv.status_code == 302
    assert rv.headers["Location"] == "/b"
    assert rv.history == ()


@pytest.mark.parametrize(
    "code, method, body",
    [(302, "GET", ""), (303, "GET", ""), (307, "POST", "k=v"), (308, "POST", "k=v")],
)
def test_redirect_method_handling(app, client, fw, code, method, body):
    app.add_url_rule("/start", "start", lambda: fw.redirect("/end", code=code), methods=["POST"])

    @app.route("/end", methods=["GET", "POST"])
    def end():
        return fw.request.method + ":" + fw.request.get_data(as_text=True)

    rv = client.post("/start", data={"k": "v"}, follow_redirects=True)
    assert rv.data.decode() == f"{method}:{body}"


def test_redirect_loop_detected(app, client, fw):
    app.add_url_rule("/loop", "loop", lambda: fw.redirect("/loop"))
    from werkzeug.test import ClientRedirectError

    with pytest.raises(ClientRedirectError) as exc:
        client.get("/loop", follow_redirects=True)
    assert str(exc.value) == "Loop detected: A 302 redirect to /loop was already made."


def test_cookies_kept_across_redirects(app, client, fw):
    @app.route("/login")
    def login():
        r = fw.redirect("/home")
        r.set_cookie("user", "amy")
        return r

    app.add_url_rule("/home", "home", lambda: "hi " + fw.request.cookies.get("user", "?"))
    assert client.get("/login", follow_redirects=True).data == b"hi amy"


def test_with_client_preserves_request_context(app, client, fw):
    app.add_url_rule("/p", "p", lambda: "x")
    with client:
        client.get("/p?q=1")
        assert fw.request.path == "/p"
        assert fw.request.args["q"] == "1"
        assert fw.has_request_context()
        assert fw.current_app._get_current_object() is app
    assert not fw.has_request_context()
    assert not fw.has_app_context()


def test_with_client_preserves_g(app, client, fw):
    @app.route("/")
    def index():
        fw.g.value = 42
        return ""

    with client:
        client.get("/")
        assert fw.g.value == 42


def test_request_methods_shortcuts(app, client, fw):
    app.add_url_rule(
        "/", "index", lambda: fw.request.method,
        methods=["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"],
    )
    assert client.post("/").data == b"POST"
    assert client.put("/").data == b"PUT"
    assert client.delete("/").data == b"DELETE"
    assert client.patch("/").data == b"PATCH"
    assert client.options("/").data == b"OPTIONS"
    assert client.head("/").data == b""


def test_response_attributes(app, client, fw):
    app.add_url_rule("/", "index", lambda: ("body", 201, {"X-A": "a"}))
    rv = client.get("/")
    assert rv.status == "201 CREATED"
    assert rv.get_data(as_text=True) == "body"
    assert rv.text == "body"
    assert rv.headers["X-A"] == "a"
    assert rv.request.path == "/"
