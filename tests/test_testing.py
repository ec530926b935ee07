"""Tests for :mod:`fastmicro.testing`: the environ builder and test client."""
from __future__ import annotations

import importlib.metadata
import typing as t

import flask
import pytest
import werkzeug.test
from werkzeug.wrappers import Request as BaseRequest

from fastmicro import FastMicro
from fastmicro.globals import current_app, g, request, session
from fastmicro.testing import EnvironBuilder, FastMicroClient, FlaskClient

WERKZEUG_UA = f"Werkzeug/{importlib.metadata.version('werkzeug')}"


@pytest.fixture
def app() -> FastMicro:
    app = FastMicro(__name__)
    app.testing = True
    app.secret_key = "test secret"

    @app.route("/")
    def index() -> t.Any:
        return {
            "url": request.url,
            "remote_addr": request.remote_addr,
            "user_agent": request.user_agent.string,
            "args": request.args.to_dict(),
        }

    @app.route("/echo", methods=["POST"])
    def echo() -> t.Any:
        return {"json": request.get_json(), "content_type": request.content_type}

    @app.route("/session/set/<value>")
    def set_session(value: str) -> str:
        session["value"] = value
        return "set"

    @app.route("/session/get")
    def get_session() -> t.Any:
        return {"value": session.get("value"), "other": session.get("other")}

    @app.route("/g")
    def set_g() -> str:
        g.marker = request.args.get("m", "none")
        return "ok"

    @app.route("/redirect")
    def redirect() -> t.Any:
        return "", 302, {"Location": "/?after=redirect"}

    return app


@pytest.fixture
def client(app: FastMicro) -> FlaskClient:
    return app.test_client()


# -- EnvironBuilder ---------------------------------------------------------------


def test_builder_defaults(app: FastMicro) -> None:
    builder = EnvironBuilder(app)
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    assert isinstance(builder, werkzeug.test.EnvironBuilder)
    assert builder.app is app
    assert environ["HTTP_HOST"] == "localhost"
    assert environ["wsgi.url_scheme"] == "http"
    assert environ["SCRIPT_NAME"] == ""
    assert environ["PATH_INFO"] == "/"


def test_builder_uses_config(app: FastMicro) -> None:
    app.config.update(
        SERVER_NAME="example.test:8080",
        APPLICATION_ROOT="/root",
        PREFERRED_URL_SCHEME="https",
    )
    builder = EnvironBuilder(app, "/path")
    assert builder.base_url == "https://example.test:8080/root/"
    environ = builder.get_environ()
    assert environ["HTTP_HOST"] == "example.test:8080"
    assert environ["SCRIPT_NAME"] == "/root"
    assert environ["PATH_INFO"] == "/path"
    assert environ["wsgi.url_scheme"] == "https"


def test_builder_subdomain_and_scheme(app: FastMicro) -> None:
    app.config["SERVER_NAME"] = "example.test"
    builder = EnvironBuilder(app, subdomain="api", url_scheme="https")
    assert builder.base_url == "https://api.example.test/"
    builder = EnvironBuilder(app, subdomain="api")
    assert builder.base_url == "http://api.example.test/"


def test_builder_full_url_overrides_scheme_and_host(app: FastMicro) -> None:
    app.config["SERVER_NAME"] = "example.test"
    builder = EnvironBuilder(app, "https://other.test:9000/p/q?x=1&y=2")
    assert builder.base_url == "https://other.test:9000/"
    assert builder.path == "/p/q"
    assert builder.query_string == "x=1&y=2"
    environ = builder.get_environ()
    assert environ["HTTP_HOST"] == "other.test:9000"
    assert environ["wsgi.url_scheme"] == "https"
    assert environ["QUERY_STRING"] == "x=1&y=2"


def test_builder_keeps_query_of_relative_path(app: FastMicro) -> None:
    builder = EnvironBuilder(app, "/search?q=flask")
    assert builder.path == "/search"
    assert builder.query_string == "q=flask"
    assert builder.base_url == "http://localhost/"


def test_builder_explicit_base_url(app: FastMicro) -> None:
    app.config["SERVER_NAME"] = "ignored.test"
    builder = EnvironBuilder(app, "/x", base_url="https://given.test/mount/")
    assert builder.base_url == "https://given.test/mount/"
    assert builder.get_environ()["SCRIPT_NAME"] == "/mount"


@pytest.mark.parametrize("extra", [{"subdomain": "api"}, {"url_scheme": "https"}])
def test_builder_base_url_excludes_subdomain_and_scheme(
    app: FastMicro, extra: dict[str, str]
) -> None:
    with pytest.raises(AssertionError, match='Cannot pass "subdomain" or "url_scheme" with "base_url".'):
        EnvironBuilder(app, base_url="http://localhost/", **extra)


def test_builder_json_uses_app_provider(app: FastMicro) -> None:
    app.json.sort_keys = False  # type: ignore[misc]
    builder = EnvironBuilder(app, json={"b": 1, "a": 2})
    assert builder.content_type == "application/json"
    assert builder.input_stream is not None
    assert builder.input_stream.read() == b'{"b": 1, "a": 2}'
    assert builder.json_dumps({"z": 1, "y": 2}, separators=(",", ":")) == '{"z":1,"y":2}'


def test_test_request_context_uses_builder(app: FastMicro) -> None:
    app.config["SERVER_NAME"] = "example.test"
    with app.test_request_context("/p?a=b", subdomain="www", method="POST"):
        assert request.url == "http://www.example.test/p?a=b"
        assert request.method == "POST"
        assert request.args["a"] == "b"


# -- the client -------------------------------------------------------------------


def test_app_test_client_class(app: FastMicro, client: FlaskClient) -> None:
    assert FastMicroClient is FlaskClient
    assert isinstance(client, FlaskClient)
    assert isinstance(client, werkzeug.test.Client)
    assert client.application is app


def test_client_environ_base(client: FlaskClient) -> None:
    assert client.environ_base == {"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": WERKZEUG_UA}
    data = client.get("/?a=1").json
    assert data == {
        "url": "http://localhost/?a=1",
        "remote_addr": "127.0.0.1",
        "user_agent": WERKZEUG_UA,
        "args": {"a": "1"},
    }


def test_client_environ_base_overrides(client: FlaskClient) -> None:
    client.environ_base["REMOTE_ADDR"] = "10.0.0.1"
    assert client.get("/").json["remote_addr"] == "10.0.0.1"  # type: ignore[index]
    data = client.get("/", environ_base={"HTTP_USER_AGENT": "Custom"}).json
    assert data["user_agent"] == "Custom"  # type: ignore[index]
    assert data["remote_addr"] == "10.0.0.1"  # type: ignore[index]
    data = client.get("/", headers={"User-Agent": "Header"}).json
    assert data["user_agent"] == "Header"  # type: ignore[index]


def test_client_uses_app_config_for_urls(app: FastMicro, client: FlaskClient) -> None:
    app.config.update(SERVER_NAME="example.test", PREFERRED_URL_SCHEME="https")
    assert client.get("/").json["url"] == "https://example.test/"  # type: ignore[index]
    assert client.get("http://example.test/?x=1").json["url"] == "http://example.test/?x=1"  # type: ignore[index]


def test_client_json_request_and_response(client: FlaskClient) -> None:
    response = client.post("/echo", json={"b": [1, 2], "a": None})
    assert response.status_code == 200
    assert response.json == {"json": {"a": None, "b": [1, 2]}, "content_type": "application/json"}


def test_response_json_module_is_app_provider(app: FastMicro, client: FlaskClient) -> None:
    response = client.get("/")
    assert response.json_module is app.json


def test_open_with_environ_builder(app: FastMicro, client: FlaskClient) -> None:
    builder = EnvironBuilder(app, "/?via=builder")
    response = client.open(builder)
    builder.close()
    data = response.json
    assert data["args"] == {"via": "builder"}  # type: ignore[index]
    assert data["remote_addr"] == "127.0.0.1"  # type: ignore[index]
    assert data["user_agent"] == WERKZEUG_UA  # type: ignore[index]


def test_open_with_werkzeug_builder_keeps_its_environ_base(client: FlaskClient) -> None:
    builder = werkzeug.test.EnvironBuilder("/", environ_base={"REMOTE_ADDR": "10.1.1.1"})
    data = client.open(builder).json
    builder.close()
    assert data["remote_addr"] == "10.1.1.1"  # type: ignore[index]
    assert data["user_agent"] == WERKZEUG_UA  # type: ignore[index]


def test_open_with_environ_dict(app: FastMicro, client: FlaskClient) -> None:
    environ = werkzeug.test.create_environ("/?via=dict", "http://localhost/")
    environ.pop("REMOTE_ADDR", None)
    data = client.open(environ).json
    assert data["args"] == {"via": "dict"}  # type: ignore[index]
    assert data["remote_addr"] == "127.0.0.1"  # type: ignore[index]


def test_open_with_request(client: FlaskClient) -> None:
    environ = werkzeug.test.create_environ("/?via=request")
    environ["REMOTE_ADDR"] = "192.0.2.1"
    original = BaseRequest(environ)
    data = client.open(original).json
    assert data["args"] == {"via": "request"}  # type: ignore[index]
    assert data["remote_addr"] == "192.0.2.1"  # type: ignore[index]
    assert data["user_agent"] == WERKZEUG_UA  # type: ignore[index]
    # The request given is copied, not changed.
    assert "HTTP_USER_AGENT" not in original.environ


def test_follow_redirects(client: FlaskClient) -> None:
    response = client.get("/redirect", follow_redirects=True)
    assert response.status_code == 200
    assert response.json["args"] == {"after": "redirect"}  # type: ignore[index]
    assert [r.status_code for r in response.history] == [302]


# -- context preservation -----------------------------------------------------------


def test_no_context_after_request_without_with(client: FlaskClient) -> None:
    client.get("/?a=1")
    with pytest.raises(RuntimeError, match="Working outside of request context"):
        request.args


def test_with_client_keeps_last_request_context(app: FastMicro, client: FlaskClient) -> None:
    with client:
        client.get("/?first=1")
        assert request.args["first"] == "1"
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
        client.get("/?second=2")
        assert request.args.to_dict() == {"second": "2"}
        client.get("/g?m=kept")
        assert g.marker == "kept"
    with pytest.raises(RuntimeError, match="Working outside of request context"):
        request.args
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        g.marker


def test_with_client_redirect_keeps_final_context(client: FlaskClient) -> None:
    with client:
        client.get("/redirect", follow_redirects=True)
        assert request.path == "/"
        assert request.args["after"] == "redirect"


def test_with_client_session_visible(client: FlaskClient) -> None:
    with client:
        client.get("/session/set/hello")
        assert session["value"] == "hello"


def test_preserved_context_teardown_runs_on_exit(app: FastMicro, client: FlaskClient) -> None:
    torn_down: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        torn_down.append(request.path)

    # As in Flask 3.1, the request's teardown runs when the request ends;
    # the preserved context is pushed again and its pop, at the next request
    # or at the end of the block, runs teardown once more.
    with client:
        client.get("/?a=1")
        assert torn_down == ["/"]
        assert request.path == "/"
        client.get("/g")
        assert torn_down == ["/", "/", "/g"]
    assert torn_down == ["/", "/", "/g", "/g"]

    client.get("/")
    assert torn_down == ["/", "/", "/g", "/g", "/"]


def test_nested_with_client(client: FlaskClient) -> None:
    with client:
        with pytest.raises(RuntimeError, match="^Cannot nest client invocations$"):
            with client:
                pass


def test_with_client_returns_client(client: FlaskClient) -> None:
    with client as entered:
        assert entered is client
        assert client.preserve_context is True
    assert client.preserve_context is False


# -- session_transaction -------------------------------------------------------------


def test_session_transaction(client: FlaskClient) -> None:
    with client.session_transaction() as sess:
        sess["value"] = "preset"
        sess["other"] = [1, (2, 3)]
    assert client.get("/session/get").json == {"value": "preset", "other": [1, [2, 3]]}

    client.get("/session/set/changed")
    with client.session_transaction() as sess:
        assert sess["value"] == "changed"
        assert sess["other"] == [1, (2, 3)]
        del sess["other"]
    assert client.get("/session/get").json == {"value": "changed", "other": None}


def test_session_transaction_passes_request_args(app: FastMicro, client: FlaskClient) -> None:
    app.config["SERVER_NAME"] = "example.test"
    with client.session_transaction("/", base_url="http://example.test/") as sess:
        sess["value"] = "for example.test"
    assert client.get("/session/get").json["value"] == "for example.test"  # type: ignore[index]


def test_session_transaction_without_cookies(app: FastMicro) -> None:
    client = app.test_client(use_cookies=False)
    with pytest.raises(
        TypeError, match=r"^Cookies are disabled\. Create a client with 'use_cookies=True'\.$"
    ):
        with client.session_transaction():
            pass


def test_session_transaction_without_secret_key(app: FastMicro, client: FlaskClient) -> None:
    app.secret_key = None
    with pytest.raises(RuntimeError, match=r"^Session backend did not open a session\.$"):
        with client.session_transaction():
            pass


def test_session_transaction_null_session_not_saved(app: FastMicro, client: FlaskClient) -> None:
    interface = app.session_interface

    class NullInterface(type(interface)):  # type: ignore[misc]
        def open_session(self, app: t.Any, request: t.Any) -> t.Any:
            return self.make_null_session(app)

        def save_session(self, *args: t.Any) -> None:
            raise AssertionError("a null session is never saved")

    app.session_interface = NullInterface()
    with client.session_transaction() as sess:
        assert app.session_interface.is_null_session(sess)
        assert sess.get("value") is None
    assert client.get_cookie("session") is None


def test_session_transaction_unmodified_session(client: FlaskClient) -> None:
    with client.session_transaction() as sess:
        assert dict(sess) == {}
    assert client.get_cookie("session") is None


# -- sessions are interchangeable with Flask's ------------------------------------------


def _flask_app() -> flask.Flask:
    other = flask.Flask(__name__)
    other.secret_key = "test secret"

    @other.route("/set")
    def set_value() -> str:
        flask.session["value"] = ("tuple", b"bytes")
        return "ok"

    @other.route("/get")
    def get_value() -> t.Any:
        return repr(flask.session.get("value"))

    return other


def test_session_cookie_from_flask_is_read(client: FlaskClient) -> None:
    flask_client = _flask_app().test_client()
    flask_client.get("/set")
    cookie = flask_client.get_cookie("session")
    assert cookie is not None
    client.set_cookie("session", cookie.value)
    with client.session_transaction() as sess:
        assert sess["value"] == ("tuple", b"bytes")


def test_session_cookie_read_by_flask(client: FlaskClient) -> None:
    with client.session_transaction() as sess:
        sess["value"] = ("tuple", b"bytes")
    cookie = client.get_cookie("session")
    assert cookie is not None
    flask_client = _flask_app().test_client()
    flask_client.set_cookie("session", cookie.value)
    assert flask_client.get("/get").text == repr(("tuple", b"bytes"))


# -- CLI runner ----------------------------------------------------------------------


def test_cli_runner_invokes_command(app: FastMicro) -> None:
    import click

    from fastmicro.testing import FlaskCliRunner

    @click.command()
    @click.argument("name")
    @click.option("--shout", is_flag=True)
    def hello(name: str, shout: bool) -> None:
        text = f"Hello, {name}"
        click.echo(text.upper() if shout else text)

    runner = app.test_cli_runner()
    assert isinstance(runner, FlaskCliRunner)
    assert runner.app is app
    result = runner.invoke(hello, ["World", "--shout"])
    assert result.exit_code == 0
    assert result.output == "HELLO, WORLD\n"

    result = runner.invoke(hello, [])
    assert result.exit_code == 2
    assert "Missing argument 'NAME'" in result.output
