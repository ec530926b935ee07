"""What extensions rely on: ``app.extensions`` and ``init_app``, the app
context and its teardown, the logger, the config keys that change error
handling and URL building, the URL build error handlers, the aborter and
redirect hooks, and the CLI test runner.

Every test that uses ``fw`` runs on the real Flask and on fastmicro (see
``_appfw``).
"""
from __future__ import annotations

import importlib
import io
import logging
import threading

import pytest
from werkzeug.exceptions import BadRequest, BadRequestKeyError, HTTPException, NotFound
from werkzeug.routing import BuildError

from _appfw import allow_set, app, client, fw  # noqa: F401


class Resource:
    def __init__(self) -> None:
        self.closed = False


class Database:
    """An extension written the way Flask's docs describe: state on
    ``app.extensions``, resources on ``g``, cleanup on app-context teardown."""

    def __init__(self, fw, app=None) -> None:
        self.fw = fw
        self.opened: list[Resource] = []
        if app is not None:
            self.init_app(app)

    def init_app(self, app) -> None:
        app.config.setdefault("DATABASE_URL", "sqlite://")
        app.extensions["database"] = self
        app.teardown_appcontext(self.teardown)

    def connection(self) -> Resource:
        g = self.fw.g
        if "db" not in g:
            g.db = Resource()
            self.opened.append(g.db)
        return g.db

    def teardown(self, exc) -> None:
        resource = self.fw.g.pop("db", None)
        if resource is not None:
            resource.closed = True


# -- app.extensions and the factory pattern ------------------------------------


def test_extensions_dict_and_factory(fw):
    db = Database(fw)

    def create_app(url):
        app = fw.Flask(__name__)
        app.config["DATABASE_URL"] = url
        db.init_app(app)

        @app.route("/")
        def index():
            ext = fw.current_app.extensions["database"]
            return f"{fw.current_app.config['DATABASE_URL']} {ext.connection() is ext.connection()}"

        return app

    one, two = create_app("one://"), create_app("two://")
    assert one.extensions == {"database": db}
    assert two.extensions["database"] is db
    assert one.test_client().get("/").data == b"one:// True"
    assert two.test_client().get("/").data == b"two:// True"
    assert [r.closed for r in db.opened] == [True, True]

    with one.app_context():
        resource = db.connection()
        assert fw.current_app._get_current_object() is one
        assert not resource.closed
    assert resource.closed
    assert fw.Flask(__name__).extensions == {}


def test_current_app_in_app_context(app, fw):
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        fw.current_app.name
    with app.app_context() as ctx:
        assert fw.current_app._get_current_object() is app
        assert fw.current_app.name == app.name
        assert ctx.app is app
        assert fw.g._get_current_object() is ctx.g
        other = fw.Flask("other")
        with other.app_context():
            assert fw.current_app._get_current_object() is other
        assert fw.current_app._get_current_object() is app


def test_teardown_appcontext_order_and_exception(app, fw):
    calls = []
    app.teardown_appcontext(lambda exc: calls.append(("first", exc)))

    @app.teardown_appcontext
    def second(exc):
        calls.append(("second", exc))

    assert second.__name__ == "second"
    with app.app_context():
        pass
    error = ValueError("x")
    with pytest.raises(ValueError):
        with app.app_context():
            raise error
    assert calls == [("second", None), ("first", None), ("second", error), ("first", error)]


def test_teardown_appcontext_after_request_teardown(app, client, fw):
    calls = []
    app.teardown_request(lambda exc: calls.append("request"))
    app.teardown_appcontext(lambda exc: calls.append(("app", fw.has_request_context())))
    app.add_url_rule("/", "index", lambda: "ok")
    client.get("/")
    assert calls == ["request", ("app", False)]


def test_copy_current_request_context(app, client, fw):
    results = []

    @app.route("/<name>")
    def index(name):
        fw.g.marker = "g of the request"

        @fw.copy_current_request_context
        def work(suffix):
            results.append((fw.request.view_args["name"] + suffix, fw.current_app.name))

        thread = threading.Thread(target=work, args=("!",))
        thread.start()
        thread.join()
        return "ok"

    client.get("/ann")
    assert results == [("ann!", app.name)]
    with pytest.raises(RuntimeError, match="'copy_current_request_context' can only be used"):
        fw.copy_current_request_context(lambda: None)


# -- the logger ---------------------------------------------------------------------


@pytest.fixture
def logging_module(fw):
    return importlib.import_module(f"{fw.__name__}.logging")


@pytest.fixture
def clean_logger():
    """Leave the loggers the tests configure as they were."""
    saved = {}

    def track(name):
        logger = logging.getLogger(name)
        saved.setdefault(name, (logger.level, list(logger.handlers), logger.disabled, logger.propagate))
        # pytest's capture handlers sit on the root logger; without
        # propagation the app's logger is judged on its own handlers.
        logger.propagate = False
        return logger

    yield track
    for name, (level, handlers, disabled, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.disabled = disabled
        logger.propagate = propagate


def test_logger_setup(fw, logging_module, clean_logger):
    logger = clean_logger("extension_api_logger_app")
    logger.handlers.clear()
    logger.setLevel(logging.NOTSET)
    app = fw.Flask("extension_api_logger_app")
    assert app.logger is logger
    assert app.logger is app.logger
    assert logger.name == app.name
    assert logger.level == logging.NOTSET
    assert logging_module.default_handler in logger.handlers
    formatter = logging_module.default_handler.formatter
    assert formatter._fmt == "[%(asctime)s] %(levelname)s in %(module)s: %(message)s"
    assert logging_module.has_level_handler(logger)


def test_logger_debug_level(fw, logging_module, clean_logger):
    logger = clean_logger("extension_api_debug_app")
    logger.setLevel(logging.NOTSET)
    app = fw.Flask("extension_api_debug_app")
    app.debug = True
    assert app.logger.level == logging.DEBUG


def test_logger_keeps_configured_handler(fw, logging_module, clean_logger):
    logger = clean_logger("extension_api_configured_app")
    handler = logging.StreamHandler(io.StringIO())
    logger.handlers[:] = [handler]
    app = fw.Flask("extension_api_configured_app")
    assert app.logger.handlers == [handler]


def test_logger_writes_to_wsgi_errors(fw, logging_module, clean_logger):
    logger = clean_logger("extension_api_stream_app")
    logger.handlers.clear()
    app = fw.Flask("extension_api_stream_app")

    @app.route("/")
    def index():
        app.logger.error("from the view")
        return "ok"

    stream = io.StringIO()
    app.test_client().get("/", errors_stream=stream)
    assert stream.getvalue().endswith("ERROR in test_extension_api: from the view\n")
    assert stream.getvalue().startswith("[")


def test_unhandled_exception_is_logged(fw, logging_module, clean_logger):
    clean_logger("extension_api_exc_app").handlers.clear()
    app = fw.Flask("extension_api_exc_app")

    @app.route("/boom")
    def boom():
        raise ZeroDivisionError("no")

    stream = io.StringIO()
    response = app.test_client().get("/boom", errors_stream=stream)
    assert response.status_code == 500
    text = stream.getvalue()
    assert "ERROR in app: Exception on /boom [GET]" in text
    assert "ZeroDivisionError: no" in text


def test_wsgi_errors_stream_outside_request(logging_module):
    import sys

    assert logging_module.wsgi_errors_stream._get_current_object() is sys.stderr


# -- debug, testing and the error config keys ----------------------------------------


def test_debug_and_testing_flags(fw, monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.delenv("FASTMICRO_DEBUG", raising=False)
    app = fw.Flask(__name__)
    assert app.debug is False
    assert app.testing is False
    app.debug = True
    app.testing = True
    assert app.config["DEBUG"] is True
    assert app.config["TESTING"] is True
    app.config["DEBUG"] = False
    assert app.debug is False


@pytest.mark.parametrize(
    ("testing", "debug", "propagate", "raises"),
    [
        (False, False, None, False),
        (True, False, None, True),
        (False, True, None, True),
        (True, True, False, False),
        (False, False, True, True),
    ],
)
def test_propagate_exceptions(fw, testing, debug, propagate, raises):
    app = fw.Flask(__name__)
    app.logger.disabled = True
    app.config.update(TESTING=testing, DEBUG=debug, PROPAGATE_EXCEPTIONS=propagate)

    @app.route("/")
    def index():
        raise ZeroDivisionError()

    try:
        if raises:
            with pytest.raises(ZeroDivisionError):
                app.test_client().get("/")
        else:
            assert app.test_client().get("/").status_code == 500
    finally:
        app.logger.disabled = False


def test_trap_http_exceptions(app, client, fw):
    app.add_url_rule("/abort", "abort", lambda: fw.abort(403))
    assert client.get("/abort").status_code == 403
    assert client.get("/missing").status_code == 404
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    with pytest.raises(HTTPException) as info:
        client.get("/abort")
    assert info.value.code == 403
    with pytest.raises(NotFound):
        client.get("/missing")


@pytest.mark.parametrize(
    ("debug", "trap", "outcome"),
    [
        (False, None, 400),
        (True, None, BadRequestKeyError),
        (False, True, BadRequestKeyError),
        (True, False, 400),
    ],
)
def test_trap_bad_request_errors_key_error(fw, debug, trap, outcome):
    app = fw.Flask(__name__)
    # Testing: a trapped error propagates instead of becoming a 500.
    app.config.update(TESTING=True, DEBUG=debug, TRAP_BAD_REQUEST_ERRORS=trap)
    app.add_url_rule("/", "index", lambda: fw.request.args["missing"])
    client = app.test_client()
    if isinstance(outcome, int):
        response = client.get("/")
        assert response.status_code == outcome
        # The key is named in debug mode only.
        assert (b"missing" in response.data) is bool(debug)
    else:
        with pytest.raises(outcome):
            client.get("/")


@pytest.mark.parametrize("trap", [None, True])
def test_trap_bad_request_errors_plain_bad_request(fw, trap):
    app = fw.Flask(__name__)
    app.config.update(TESTING=True, TRAP_BAD_REQUEST_ERRORS=trap)
    app.add_url_rule("/", "index", lambda: fw.abort(400))
    client = app.test_client()
    if trap:
        with pytest.raises(BadRequest):
            client.get("/")
    else:
        assert client.get("/").status_code == 400


def test_trap_http_exception_override(fw):
    class App(fw.Flask):
        def trap_http_exception(self, e):
            return e.code == 418

    app = App(__name__)
    app.testing = True
    app.add_url_rule("/tea", "tea", lambda: fw.abort(418))
    app.add_url_rule("/gone", "gone", lambda: fw.abort(410))
    with pytest.raises(HTTPException):
        app.test_client().get("/tea")
    assert app.test_client().get("/gone").status_code == 410


# -- URLs outside a request -------------------------------------------------------------


@pytest.fixture
def url_app(fw):
    app = fw.Flask(__name__)
    app.add_url_rule("/page/<int:n>", "page", lambda n: "")
    app.add_url_rule("/post", "post_only", lambda: "", methods=["POST"])
    app.add_url_rule("/post", "post_only", methods=["PUT"])
    return app


def test_url_for_needs_server_name_outside_request(url_app, fw):
    with url_app.app_context():
        with pytest.raises(RuntimeError, match="without 'SERVER_NAME' configured"):
            fw.url_for("page", n=1)


@pytest.mark.parametrize(
    ("config", "kwargs", "expected"),
    [
        ({}, {}, "http://example.test/page/1"),
        ({}, {"_external": False}, "/page/1"),
        ({}, {"_scheme": "https"}, "https://example.test/page/1"),
        ({}, {"_anchor": "sec 2"}, "http://example.test/page/1#sec%202"),
        ({}, {"q": "a b"}, "http://example.test/page/1?q=a+b"),
        ({"APPLICATION_ROOT": "/root"}, {}, "http://example.test/root/page/1"),
        ({"APPLICATION_ROOT": "/root"}, {"_external": False}, "/root/page/1"),
        ({"PREFERRED_URL_SCHEME": "https"}, {}, "https://example.test/page/1"),
        ({"SERVER_NAME": "example.test:8080"}, {}, "http://example.test:8080/page/1"),
    ],
)
def test_url_for_with_server_name(url_app, fw, config, kwargs, expected):
    url_app.config["SERVER_NAME"] = "example.test"
    url_app.config.update(config)
    with url_app.app_context():
        assert fw.url_for("page", n=1, **kwargs) == expected
    assert url_app.url_for("page", n=1, **kwargs) == expected


def test_url_for_scheme_needs_external(url_app, fw):
    url_app.config["SERVER_NAME"] = "example.test"
    with url_app.app_context():
        with pytest.raises(ValueError, match="When specifying '_scheme', '_external' must be True."):
            fw.url_for("page", n=1, _scheme="https", _external=False)


def test_url_for_method(url_app, fw):
    url_app.config["SERVER_NAME"] = "example.test"
    with url_app.app_context():
        assert fw.url_for("post_only", _method="POST", _external=False) == "/post"
        with pytest.raises(BuildError):
            fw.url_for("post_only", _method="GET")


def test_url_for_in_request_uses_request_host(url_app, fw):
    url_app.config["SERVER_NAME"] = "example.test"
    with url_app.test_request_context("/", base_url="http://example.test/app/"):
        assert fw.url_for("page", n=2) == "/app/page/2"
        assert fw.url_for("page", n=2, _external=True) == "http://example.test/app/page/2"
        assert fw.url_for("page", n=2, _scheme="https", _external=True) == "https://example.test/app/page/2"


def test_server_name_does_not_restrict_requests(fw):
    # Flask 3.1: SERVER_NAME no longer makes requests for other hosts a 404.
    app = fw.Flask(__name__)
    app.config["SERVER_NAME"] = "example.test"
    app.add_url_rule("/", "index", lambda: fw.request.host)
    client = app.test_client()
    assert client.get("/", "http://example.test/").data == b"example.test"
    assert client.get("/", "http://other.test/").data == b"other.test"


def test_url_build_error_handlers(app, fw):
    seen = []

    def first(error, endpoint, values):
        seen.append(("first", endpoint, dict(values)))
        return None

    def second(error, endpoint, values):
        seen.append(("second", endpoint))
        if endpoint == "known_elsewhere":
            return "/elsewhere"
        raise BuildError(endpoint, values, None)

    app.url_build_error_handlers.extend([first, second])
    with app.test_request_context():
        assert fw.url_for("known_elsewhere", x=1) == "/elsewhere"
        with pytest.raises(BuildError) as info:
            fw.url_for("unknown")
    assert info.value.endpoint == "unknown"
    assert seen[0] == (
        "first",
        "known_elsewhere",
        {"x": 1, "_anchor": None, "_method": None, "_scheme": None, "_external": False},
    )
    assert seen[1] == ("second", "known_elsewhere")
    assert seen[2][:2] == ("first", "unknown")
    assert seen[3] == ("second", "unknown")


def test_handle_url_build_error_override(fw):
    class App(fw.Flask):
        def handle_url_build_error(self, error, endpoint, values):
            return f"/fallback/{endpoint}"

    app = App(__name__)
    with app.test_request_context():
        assert fw.url_for("nothing") == "/fallback/nothing"


# -- default OPTIONS, aborter, redirect ------------------------------------------------------


def test_make_default_options_response(app, client, fw):
    app.add_url_rule("/r", "r", lambda: "", methods=["GET", "POST"])
    with app.test_request_context("/r", method="OPTIONS"):
        response = app.make_default_options_response()
        assert isinstance(response, app.response_class)
        assert allow_set(response) == {"GET", "HEAD", "POST", "OPTIONS"}
        assert response.data == b""
    assert allow_set(client.options("/r")) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_make_default_options_response_override(fw):
    class App(fw.Flask):
        def make_default_options_response(self):
            response = super().make_default_options_response()
            response.headers["X-Options"] = "custom"
            return response

    app = App(__name__)
    app.add_url_rule("/", "index", lambda: "")
    response = app.test_client().options("/")
    assert response.headers["X-Options"] == "custom"
    assert allow_set(response) == {"GET", "HEAD", "OPTIONS"}


def test_custom_aborter(fw):
    from werkzeug.exceptions import Aborter, HTTPException

    class PaymentRequired(HTTPException):
        code = 402
        description = "pay up"

    class MyAborter(Aborter):
        def __init__(self):
            super().__init__(extra={402: PaymentRequired})

    class App(fw.Flask):
        aborter_class = MyAborter

    app = App(__name__)
    assert isinstance(app.aborter, MyAborter)
    app.add_url_rule("/", "index", lambda: fw.abort(402))
    response = app.test_client().get("/")
    assert response.status_code == 402
    assert b"pay up" in response.data
    with app.app_context(), pytest.raises(PaymentRequired):
        fw.abort(402)


def test_make_aborter_override(fw):
    made = []

    class App(fw.Flask):
        def make_aborter(self):
            aborter = super().make_aborter()
            made.append(aborter)
            return aborter

    app = App(__name__)
    assert made == [app.aborter]


def test_abort_outside_app_context(fw):
    with pytest.raises(NotFound):
        fw.abort(404)


def test_app_redirect(app, client, fw):
    class App(fw.Flask):
        def redirect(self, location, code=302):
            response = super().redirect(location, code)
            response.headers["X-Redirect"] = "app"
            return response

    my_app = App(__name__)
    my_app.add_url_rule("/", "index", lambda: fw.redirect("/target"))
    response = my_app.test_client().get("/")
    assert (response.status_code, response.location, response.headers["X-Redirect"]) == (302, "/target", "app")
    assert isinstance(response, my_app.response_class)

    response = app.redirect("/x", 301)
    assert (response.status_code, response.location) == (301, "/x")
    outside = fw.redirect("/y")
    assert (outside.status_code, outside.location) == (302, "/y")


# -- the CLI runner --------------------------------------------------------------------------------


def test_test_cli_runner(fw):
    app = fw.Flask(__name__)

    @app.cli.command("hello")
    def hello():
        print(f"hello from {fw.current_app.name}")

    runner = app.test_cli_runner()
    assert runner.app is app
    result = runner.invoke(args=["hello"])
    assert (result.exit_code, result.output) == (0, f"hello from {app.name}\n")
    result = runner.invoke(hello)
    assert (result.exit_code, result.output) == (0, f"hello from {app.name}\n")


def test_test_cli_runner_class(fw):
    testing = importlib.import_module(f"{fw.__name__}.testing")

    class Runner(testing.FlaskCliRunner):
        pass

    class App(fw.Flask):
        test_cli_runner_class = Runner

    app = App(__name__)
    assert isinstance(app.test_cli_runner(), Runner)
