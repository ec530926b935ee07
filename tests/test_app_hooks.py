"""Request hooks, error handlers, exception propagation and ``url_for``.

Every test runs on the real Flask and on fastmicro (see ``_appfw``).
"""
from __future__ import annotations

import pytest
from werkzeug.exceptions import (
    Forbidden,
    HTTPException,
    ImATeapot,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
)
from werkzeug.routing import BuildError

from _appfw import app, client, fw  # noqa: F401


@pytest.fixture
def prod_app(fw):
    """An app that is not in testing mode: unhandled errors become 500s."""
    return fw.Flask(__name__)


class MyError(Exception):
    pass


class MySubError(MyError):
    pass


class TeapotError(HTTPException):
    code = 418
    description = "short and stout"


# -- before_request / after_request ------------------------------------------------


def test_before_request_order_and_view(app, client, fw):
    calls = []
    app.before_request(lambda: calls.append("b1"))
    app.before_request(lambda: calls.append("b2"))

    @app.route("/")
    def index():
        calls.append("view")
        return "v"

    assert client.get("/").data == b"v"
    assert calls == ["b1", "b2", "view"]


def test_before_request_short_circuit(app, client, fw):
    calls = []

    @app.before_request
    def first():
        calls.append("first")
        if fw.request.args.get("stop"):
            return "stopped", 403, {"X-Stop": "1"}

    @app.before_request
    def second():
        calls.append("second")

    @app.after_request
    def after(response):
        calls.append("after")
        response.headers["X-After"] = "yes"
        return response

    @app.route("/")
    def index():
        calls.append("view")
        return "view"

    rv = client.get("/?stop=1")
    assert rv.status_code == 403
    assert rv.data == b"stopped"
    assert rv.headers["X-Stop"] == "1"
    # after_request still runs on the short-circuit response
    assert rv.headers["X-After"] == "yes"
    assert calls == ["first", "after"]

    calls.clear()
    assert client.get("/").data == b"view"
    assert calls == ["first", "second", "view", "after"]


def test_before_request_short_circuit_dict(app, client, fw):
    app.before_request(lambda: {"blocked": True})
    app.add_url_rule("/", "index", lambda: "never")
    rv = client.get("/")
    assert rv.json == {"blocked": True}


def test_before_request_runs_for_404(app, client, fw):
    calls = []
    app.before_request(lambda: calls.append(fw.request.endpoint))
    rv = client.get("/missing")
    # routing errors are raised by dispatch, after before_request functions
    assert rv.status_code == 404
    assert calls == [None]


def test_before_request_can_answer_404(app, client, fw):
    app.before_request(lambda: "intercepted")
    rv = client.get("/missing")
    assert (rv.status_code, rv.data) == (200, b"intercepted")


def test_after_request_reverse_order(app, client, fw):
    calls = []

    @app.after_request
    def a1(response):
        calls.append("a1")
        response.headers.add("X-Order", "a1")
        return response

    @app.after_request
    def a2(response):
        calls.append("a2")
        response.headers.add("X-Order", "a2")
        return response

    app.add_url_rule("/", "index", lambda: "x")
    rv = client.get("/")
    assert calls == ["a2", "a1"]
    assert rv.headers.getlist("X-Order") == ["a2", "a1"]


def test_after_request_can_replace_response(app, client, fw):
    @app.after_request
    def replace(response):
        return fw.Response("replaced:" + response.get_data(as_text=True), status=201)

    app.add_url_rule("/", "index", lambda: "orig")
    rv = client.get("/")
    assert rv.status_code == 201
    assert rv.data == b"replaced:orig"


def test_after_request_runs_for_error_handler_response(app, client, fw):
    @app.after_request
    def after(response):
        response.headers["X-After"] = str(response.status_code)
        return response

    rv = client.get("/missing")
    assert rv.status_code == 404
    assert rv.headers["X-After"] == "404"


def test_after_request_not_run_when_exception_propagates(app, client, fw):
    calls = []
    app.after_request(lambda r: calls.append("after") or r)

    @app.route("/")
    def index():
        raise MyError("x")

    with pytest.raises(MyError):
        client.get("/")
    assert calls == []


# -- teardown --------------------------------------------------------------------


def test_teardown_request_success(app, client, fw):
    calls = []

    @app.teardown_request
    def td(exc):
        calls.append(("td", exc, fw.has_request_context()))

    app.add_url_rule("/", "index", lambda: "x")
    client.get("/")
    assert calls == [("td", None, True)]


def test_teardown_order_reverse(app, client, fw):
    calls = []
    app.teardown_request(lambda e: calls.append("r1"))
    app.teardown_request(lambda e: calls.append("r2"))
    app.teardown_appcontext(lambda e: calls.append("a1"))
    app.teardown_appcontext(lambda e: calls.append("a2"))
    app.add_url_rule("/", "index", lambda: "x")
    client.get("/")
    assert calls == ["r2", "r1", "a2", "a1"]


def test_teardown_receives_unhandled_exception(prod_app, fw):
    calls = []
    err = MyError("boom")

    @prod_app.teardown_request
    def td(exc):
        calls.append(("request", exc))

    @prod_app.teardown_appcontext
    def tda(exc):
        calls.append(("app", exc))

    @prod_app.route("/")
    def index():
        raise err

    rv = prod_app.test_client().get("/")
    assert rv.status_code == 500
    assert calls == [("request", err), ("app", err)]


def test_teardown_receives_exception_when_propagating(app, client, fw):
    calls = []
    err = MyError("boom")
    app.teardown_request(lambda e: calls.append(e))

    @app.route("/")
    def index():
        raise err

    with pytest.raises(MyError) as exc:
        client.get("/")
    assert exc.value is err
    assert calls == [err]


def test_teardown_gets_none_for_handled_exception(app, client, fw):
    calls = []
    app.teardown_request(lambda e: calls.append(e))
    app.register_error_handler(MyError, lambda e: ("handled", 400))

    @app.route("/")
    def index():
        raise MyError()

    rv = client.get("/")
    assert (rv.status_code, rv.data) == (400, b"handled")
    assert calls == [None]


def test_teardown_gets_none_for_http_exception(app, client, fw):
    calls = []
    app.teardown_request(lambda e: calls.append(e))
    client.get("/missing")
    assert calls == [None]


# -- error handlers -----------------------------------------------------------------


def test_errorhandler_404_by_code(app, client, fw):
    @app.errorhandler(404)
    def not_found(e):
        assert isinstance(e, NotFound)
        return f"custom {e.code}", 404

    rv = client.get("/missing")
    assert rv.status_code == 404
    assert rv.data == b"custom 404"


def test_errorhandler_404_by_class(app, client, fw):
    app.register_error_handler(NotFound, lambda e: ("cls", 404))
    rv = client.get("/missing")
    assert rv.data == b"cls"


def test_errorhandler_status_defaults_to_200(app, client, fw):
    app.register_error_handler(404, lambda e: "no status")
    rv = client.get("/missing")
    assert rv.status_code == 200
    assert rv.data == b"no status"


def test_errorhandler_returns_exception_response(app, client, fw):
    # an HTTPException is a WSGI app: returning it renders its page
    app.register_error_handler(404, lambda e: e)
    rv = client.get("/missing")
    assert rv.status_code == 404
    assert b"Not Found" in rv.data


def test_errorhandler_abort_in_view(app, client, fw):
    @app.errorhandler(403)
    def forbidden(e):
        return {"error": e.description}, 403

    @app.route("/")
    def index():
        fw.abort(403, description="nope")

    rv = client.get("/")
    assert rv.status_code == 403
    assert rv.json == {"error": "nope"}


def test_errorhandler_405(app, client, fw):
    @app.errorhandler(405)
    def not_allowed(e):
        assert isinstance(e, MethodNotAllowed)
        return ",".join(sorted(e.valid_methods)), 405

    app.add_url_rule("/", "index", lambda: "x", methods=["POST"])
    rv = client.get("/")
    assert rv.status_code == 405
    assert rv.data == b"OPTIONS,POST"


def test_errorhandler_500_for_unhandled(prod_app, fw):
    seen = {}
    err = MyError("bad")

    @prod_app.errorhandler(500)
    def ise(e):
        seen["type"] = type(e)
        seen["original"] = e.original_exception
        return "ise handled", 500

    @prod_app.route("/")
    def index():
        raise err

    rv = prod_app.test_client().get("/")
    assert rv.status_code == 500
    assert rv.data == b"ise handled"
    assert seen == {"type": InternalServerError, "original": err}


def test_errorhandler_internal_server_error_class(prod_app, fw):
    seen = []
    prod_app.register_error_handler(
        InternalServerError, lambda e: (seen.append(e.original_exception), ("x", 500))[1]
    )

    @prod_app.route("/")
    def index():
        raise KeyError("k")

    rv = prod_app.test_client().get("/")
    assert rv.status_code == 500
    assert isinstance(seen[0], KeyError)


def test_abort_500_original_exception_none(app, client, fw):
    seen = []

    @app.errorhandler(500)
    def ise(e):
        seen.append(e.original_exception)
        return "ise", 500

    @app.route("/")
    def index():
        fw.abort(500)

    assert client.get("/").status_code == 500
    assert seen == [None]


def test_errorhandler_custom_exception(app, client, fw):
    @app.errorhandler(MyError)
    def handle(e):
        return f"my:{e}", 409

    @app.route("/")
    def index():
        raise MyError("details")

    rv = client.get("/")
    assert rv.status_code == 409
    assert rv.data == b"my:details"


@pytest.mark.parametrize("sub_first", [True, False])
def test_errorhandler_class_hierarchy(app, client, fw, sub_first):
    handlers = [(MySubError, "sub"), (MyError, "base")]
    if not sub_first:
        handlers.reverse()
    for cls, name in handlers:
        app.register_error_handler(cls, lambda e, name=name: name)

    class MySubSubError(MySubError):
        pass

    app.add_url_rule("/base", "base", lambda: (_ for _ in ()).throw(MyError()))
    app.add_url_rule("/sub", "sub", lambda: (_ for _ in ()).throw(MySubError()))
    app.add_url_rule("/subsub", "subsub", lambda: (_ for _ in ()).throw(MySubSubError()))
    assert client.get("/base").data == b"base"
    assert client.get("/sub").data == b"sub"
    assert client.get("/subsub").data == b"sub"


def test_errorhandler_exception_catches_http_errors(app, client, fw):
    @app.errorhandler(Exception)
    def everything(e):
        code = e.code if isinstance(e, HTTPException) else 500
        return f"{type(e).__name__}", code

    app.add_url_rule("/err", "err", lambda: 1 / 0)
    rv = client.get("/missing")
    assert (rv.status_code, rv.data) == (404, b"NotFound")
    rv = client.get("/err")
    assert (rv.status_code, rv.data) == (500, b"ZeroDivisionError")


def test_errorhandler_http_exception_base(app, client, fw):
    app.register_error_handler(HTTPException, lambda e: (f"http {e.code}", e.code))
    app.add_url_rule("/", "index", lambda: fw.abort(403))
    assert client.get("/missing").data == b"http 404"
    assert client.get("/").data == b"http 403"


def test_errorhandler_code_beats_class_base(app, client, fw):
    app.register_error_handler(HTTPException, lambda e: "base")
    app.register_error_handler(404, lambda e: "code")
    assert client.get("/missing").data == b"code"


def test_errorhandler_custom_http_exception_subclass(app, client, fw):
    app.register_error_handler(TeapotError, lambda e: (e.description, e.code))

    @app.route("/")
    def index():
        raise TeapotError()

    rv = client.get("/")
    assert rv.status_code == 418
    assert rv.data == b"short and stout"


def test_unhandled_custom_http_exception_renders(app, client, fw):
    @app.route("/")
    def index():
        raise TeapotError()

    rv = client.get("/")
    assert rv.status_code == 418
    assert b"short and stout" in rv.data


def test_errorhandler_by_code_matches_class_not_code(app, client, fw):
    app.register_error_handler(418, lambda e: (type(e).__name__, 418))
    app.add_url_rule("/a", "a", lambda: fw.abort(418))

    @app.route("/b")
    def b():
        raise TeapotError()

    assert client.get("/a").data == b"ImATeapot"
    # a code handler is registered for ImATeapot; an unrelated subclass of
    # HTTPException with the same code does not match it
    rv = client.get("/b")
    assert rv.status_code == 418
    assert b"short and stout" in rv.data


def test_register_error_handler_equivalent(app, client, fw):
    def handler(e):
        return "registered", 403

    app.register_error_handler(Forbidden, handler)
    assert app.error_handler_spec[None][403][Forbidden] is handler
    app.add_url_rule("/", "index", lambda: fw.abort(403))
    assert client.get("/").data == b"registered"


def test_errorhandler_returns_function(app):
    def handler(e):
        return ""

    assert app.errorhandler(404)(handler) is handler


def test_errorhandler_unknown_code(app):
    with pytest.raises(ValueError) as exc:
        app.errorhandler(999)(lambda e: "")
    assert str(exc.value) == (
        "'999' is not a recognized HTTP error code. Use a subclass of"
        " HTTPException with that code instead."
    )


def test_errorhandler_instance_rejected(app):
    with pytest.raises(TypeError) as exc:
        app.register_error_handler(MyError(), lambda e: "")
    assert str(exc.value).endswith(
        " is an instance, not a class. Handlers can only be registered for"
        " Exception classes or HTTP error codes."
    )


def test_errorhandler_non_exception_class_rejected(app):
    with pytest.raises(ValueError) as exc:
        app.register_error_handler(int, lambda e: "")
    assert str(exc.value) == (
        "'int' is not a subclass of Exception. Handlers can only be"
        " registered for Exception classes or HTTP error codes."
    )


def test_error_in_error_handler_500(prod_app, fw):
    @prod_app.errorhandler(MyError)
    def broken(e):
        raise ValueError("handler broke")

    @prod_app.route("/")
    def index():
        raise MyError()

    rv = prod_app.test_client().get("/")
    assert rv.status_code == 500
    assert b"Internal Server Error" in rv.data


# -- unhandled exceptions & propagation -------------------------------------------


def test_unhandled_exception_500(prod_app, fw):
    @prod_app.route("/")
    def index():
        raise MyError("hidden")

    rv = prod_app.test_client().get("/")
    assert rv.status_code == 500
    assert rv.mimetype == "text/html"
    assert b"Internal Server Error" in rv.data
    assert b"hidden" not in rv.data


def test_unhandled_exception_propagates_in_testing(app, client, fw):
    @app.route("/")
    def index():
        raise MyError("visible")

    with pytest.raises(MyError) as exc:
        client.get("/")
    assert str(exc.value) == "visible"


def test_propagate_exceptions_config(prod_app, fw):
    prod_app.config["PROPAGATE_EXCEPTIONS"] = True

    @prod_app.route("/")
    def index():
        raise MyError("p")

    with pytest.raises(MyError):
        prod_app.test_client().get("/")


def test_propagate_exceptions_false_overrides_testing(app, fw):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/")
    def index():
        raise MyError()

    assert app.test_client().get("/").status_code == 500


def test_debug_propagates(prod_app, fw):
    prod_app.debug = True

    @prod_app.route("/")
    def index():
        raise MyError()

    with pytest.raises(MyError):
        prod_app.test_client().get("/")


def test_http_exceptions_never_propagate(app, client, fw):
    app.add_url_rule("/", "index", lambda: fw.abort(401))
    rv = client.get("/")
    assert rv.status_code == 401
    assert b"Unauthorized" in rv.data


def test_trap_http_exceptions(app, client, fw):
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    with pytest.raises(NotFound):
        client.get("/missing")


def test_abort_in_before_request(app, client, fw):
    calls = []

    @app.before_request
    def guard():
        if "token" not in fw.request.args:
            fw.abort(401)

    @app.after_request
    def after(response):
        calls.append(response.status_code)
        return response

    @app.route("/")
    def index():
        calls.append("view")
        return "secret"

    rv = client.get("/")
    assert rv.status_code == 401
    assert calls == [401]
    calls.clear()
    assert client.get("/?token=1").data == b"secret"
    assert calls == ["view", 200]


def test_abort_in_before_request_handled(app, client, fw):
    app.before_request(lambda: fw.abort(403))
    app.register_error_handler(403, lambda e: ("denied", 403))
    app.add_url_rule("/", "index", lambda: "x")
    rv = client.get("/")
    assert (rv.status_code, rv.data) == (403, b"denied")


def test_exception_in_after_request(prod_app, fw):
    @prod_app.after_request
    def broken(response):
        raise MyError()

    # after_request errors skip user handlers for the class: they go straight
    # to the 500 handling
    prod_app.register_error_handler(MyError, lambda e: ("after broke", 502))
    prod_app.add_url_rule("/", "index", lambda: "x")
    rv = prod_app.test_client().get("/")
    assert rv.status_code == 500
    assert b"Internal Server Error" in rv.data


# -- url_for -------------------------------------------------------------------------


@pytest.fixture
def url_app(app):
    app.add_url_rule("/", "index", lambda: "")
    app.add_url_rule("/item/<int:id>", "item", lambda id: "")
    app.add_url_rule("/p/<path:p>", "path", lambda p: "")
    app.add_url_rule("/m", "m_get", lambda: "", methods=["GET"])
    app.add_url_rule("/m/post", "m_post", lambda: "", methods=["POST"])
    def both():
        return ""

    app.add_url_rule("/both/get", "both", both, methods=["GET"])
    app.add_url_rule("/both/post", "both", both, methods=["POST"])
    return app


def test_url_for_basic(url_app, fw):
    with url_app.test_request_context():
        assert fw.url_for("index") == "/"
        assert fw.url_for("item", id=5) == "/item/5"
        assert fw.url_for("path", p="a/b c") == "/p/a/b%20c"


def test_url_for_query_args(url_app, fw):
    with url_app.test_request_context():
        assert fw.url_for("index", a=1, b="x") == "/?a=1&b=x"
        assert fw.url_for("item", id=2, tag=["x", "y"]) == "/item/2?tag=x&tag=y"
        assert fw.url_for("index", q="é ü&=") == "/?q=%C3%A9+%C3%BC%26%3D"
        assert fw.url_for("index", none=None) == "/"


def test_url_for_external(url_app, fw):
    with url_app.test_request_context(base_url="http://example.test:8080"):
        assert fw.url_for("index", _external=True) == "http://example.test:8080/"
        assert fw.url_for("item", id=1, _external=True) == "http://example.test:8080/item/1"


def test_url_for_anchor(url_app, fw):
    with url_app.test_request_context():
        assert fw.url_for("index", _anchor="top") == "/#top"
        assert fw.url_for("item", id=1, _anchor="a b", x=1) == "/item/1?x=1#a%20b"
        assert fw.url_for("index", _anchor="x/y?z") == "/#x/y?z"


def test_url_for_method(url_app, fw):
    with url_app.test_request_context():
        assert fw.url_for("both", _method="GET") == "/both/get"
        assert fw.url_for("both", _method="POST") == "/both/post"
        with pytest.raises(BuildError):
            fw.url_for("m_get", _method="POST")


def test_url_for_scheme(url_app, fw):
    with url_app.test_request_context():
        assert fw.url_for("index", _scheme="https", _external=True) == "https://localhost/"
        # in a request, _scheme alone implies _external
        assert fw.url_for("item", id=1, _scheme="https") == "https://localhost/item/1"
        with pytest.raises(ValueError) as exc:
            fw.url_for("index", _scheme="https", _external=False)
        assert str(exc.value) == "When specifying '_scheme', '_external' must be True."
    url_app.config["SERVER_NAME"] = "srv.test"
    with url_app.app_context():
        with pytest.raises(ValueError) as exc:
            fw.url_for("index", _scheme="https", _external=False)
        assert str(exc.value) == "When specifying '_scheme', '_external' must be True."


def test_url_for_build_error(url_app, fw):
    with url_app.test_request_context():
        with pytest.raises(BuildError) as exc:
            fw.url_for("nope")
        assert exc.value.endpoint == "nope"
        assert str(exc.value).startswith("Could not build url for endpoint 'nope'.")
        with pytest.raises(BuildError) as exc:
            fw.url_for("item")
        assert str(exc.value) == (
            "Could not build url for endpoint 'item'. Did you forget to specify"
            " values ['id']?"
        )


def test_url_for_build_error_in_view_is_500(fw):
    app = fw.Flask(__name__)

    @app.route("/")
    def index():
        return fw.url_for("nope")

    assert app.test_client().get("/").status_code == 500


def test_url_build_error_handler(app, fw):
    def handler(error, endpoint, values):
        return f"/fallback/{endpoint}"

    app.url_build_error_handlers.append(handler)
    with app.test_request_context():
        assert fw.url_for("missing", x=1) == "/fallback/missing"


def test_url_for_script_root(url_app, fw):
    with url_app.test_request_context(base_url="http://localhost/root"):
        assert fw.url_for("item", id=3) == "/root/item/3"
        assert fw.url_for("index", _external=True) == "http://localhost/root/"


def test_url_for_outside_request_with_server_name(url_app, fw):
    url_app.config["SERVER_NAME"] = "example.test"
    with url_app.app_context():
        # outside a request, URLs are external by default
        assert fw.url_for("index") == "http://example.test/"
        assert fw.url_for("item", id=7) == "http://example.test/item/7"
        assert fw.url_for("item", id=7, _external=False) == "/item/7"


def test_url_for_outside_request_root_and_scheme(url_app, fw):
    url_app.config.update(
        SERVER_NAME="example.test",
        APPLICATION_ROOT="/app",
        PREFERRED_URL_SCHEME="https",
    )
    with url_app.app_context():
        assert fw.url_for("item", id=1) == "https://example.test/app/item/1"
        assert fw.url_for("index", _scheme="http", _external=True) == "http://example.test/app/"


def test_app_url_for_method(url_app):
    url_app.config["SERVER_NAME"] = "srv.test"
    with url_app.app_context():
        assert url_app.url_for("item", id=1) == "http://srv.test/item/1"
    with url_app.test_request_context():
        assert url_app.url_for("item", id=1) == "/item/1"


def test_url_defaults_and_value_preprocessor(app, client, fw):
    @app.url_defaults
    def add_lang(endpoint, values):
        values.setdefault("lang", "en")

    @app.url_value_preprocessor
    def pull_lang(endpoint, values):
        fw.g.lang = values.pop("lang")

    @app.route("/<lang>/page")
    def page():
        return fw.g.lang + " " + fw.url_for("page")

    assert client.get("/de/page").data == b"de /en/page"
