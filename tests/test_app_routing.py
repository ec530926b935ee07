"""URL routing: rules, methods, converters, redirects, hosts.

Every test runs on the real Flask and on fastmicro (see ``_appfw``).
"""
from __future__ import annotations

import uuid

import pytest
from werkzeug.routing import BaseConverter, ValidationError

from _appfw import allow_set, app, client, fw, user_rules  # noqa: F401


# -- route decorators --------------------------------------------------------


def test_route_default_is_get(app, client):
    @app.route("/")
    def index():
        return "hello"

    rv = client.get("/")
    assert rv.status_code == 200
    assert rv.data == b"hello"
    assert rv.mimetype == "text/html"
    assert rv.headers["Content-Type"] == "text/html; charset=utf-8"
    assert rv.headers["Content-Length"] == "5"

    rv = client.post("/")
    assert rv.status_code == 405
    assert allow_set(rv) == {"GET", "HEAD", "OPTIONS"}


def test_route_methods(app, client):
    @app.route("/m", methods=["POST", "put"])
    def m():
        return "m"

    assert client.post("/m").status_code == 200
    assert client.put("/m").status_code == 200
    rv = client.get("/m")
    assert rv.status_code == 405
    assert allow_set(rv) == {"POST", "PUT", "OPTIONS"}
    assert b"Method Not Allowed" in rv.data


@pytest.mark.parametrize("verb", ["get", "post", "put", "delete", "patch"])
def test_shortcut_decorators(app, client, verb):
    getattr(app, verb)("/x")(lambda: verb)
    rv = client.open("/x", method=verb.upper())
    assert rv.status_code == 200
    assert rv.data == verb.encode()
    other = "POST" if verb != "post" else "PUT"
    assert client.open("/x", method=other).status_code == 405


@pytest.mark.parametrize("verb", ["get", "post", "put", "delete", "patch"])
def test_shortcut_rejects_methods(app, verb):
    with pytest.raises(TypeError) as exc:
        getattr(app, verb)("/x", methods=["GET"])
    assert str(exc.value) == "Use the 'route' decorator to use the 'methods' argument."


def test_multiple_routes_same_view(app, client):
    @app.route("/a")
    @app.route("/b")
    def both():
        return "both"

    assert client.get("/a").data == b"both"
    assert client.get("/b").data == b"both"
    assert sorted(r.rule for r in user_rules(app)) == ["/a", "/b"]


def test_missing_route_404(app, client):
    rv = client.get("/nope")
    assert rv.status_code == 404
    assert b"Not Found" in rv.data
    assert rv.mimetype == "text/html"


# -- add_url_rule / endpoint -------------------------------------------------


def test_add_url_rule_endpoint(app, client, fw):
    def view():
        return fw.request.endpoint

    app.add_url_rule("/v", "custom", view)
    assert client.get("/v").data == b"custom"
    assert app.view_functions["custom"] is view
    with app.test_request_context():
        assert fw.url_for("custom") == "/v"


def test_add_url_rule_endpoint_defaults_to_function_name(app, client, fw):
    def my_view():
        return fw.request.endpoint

    app.add_url_rule("/v", view_func=my_view)
    assert client.get("/v").data == b"my_view"
    assert "my_view" in app.view_functions


def test_add_url_rule_without_view_and_endpoint_decorator(app, client):
    app.add_url_rule("/later", "later_ep")
    # registered but without a view function yet
    assert "later_ep" not in app.view_functions

    @app.endpoint("later_ep")
    def later():
        return "later"

    assert app.view_functions["later_ep"] is later
    assert client.get("/later").data == b"later"


def test_add_url_rule_requires_view_or_endpoint(app):
    with pytest.raises(AssertionError) as exc:
        app.add_url_rule("/x")
    assert str(exc.value) == "expected view func if endpoint is not provided."


def test_add_url_rule_methods_from_view_attribute(app, client):
    def view():
        return "ok"

    view.methods = ["POST"]
    app.add_url_rule("/v", view_func=view)
    assert client.post("/v").status_code == 200
    assert client.get("/v").status_code == 405


def test_add_url_rule_methods_must_not_be_string(app):
    with pytest.raises(TypeError) as exc:
        app.add_url_rule("/v", "v", lambda: "x", methods="POST")
    assert "Allowed methods must be a list of strings" in str(exc.value)


def test_duplicate_endpoint_assertion(app):
    @app.route("/a")
    def index():
        return "a"

    def other():
        return "b"

    with pytest.raises(AssertionError) as exc:
        app.add_url_rule("/b", "index", other)
    assert str(exc.value) == (
        "View function mapping is overwriting an existing endpoint function: index"
    )


def test_same_function_twice_is_allowed(app, client):
    def index():
        return "i"

    app.add_url_rule("/a", "index", index)
    app.add_url_rule("/b", "index", index)
    assert client.get("/a").data == b"i"
    assert client.get("/b").data == b"i"


def test_decorated_duplicate_name_collides(app):
    @app.route("/a")
    def view():
        return "a"

    with pytest.raises(AssertionError) as exc:

        @app.route("/b")
        def view():  # noqa: F811
            return "b"

    assert "overwriting an existing endpoint function: view" in str(exc.value)


# -- automatic HEAD / OPTIONS ------------------------------------------------


def test_automatic_head(app, client):
    @app.route("/")
    def index():
        return "hello world"

    rv = client.head("/")
    assert rv.status_code == 200
    assert rv.data == b""
    assert rv.headers["Content-Length"] == "11"
    assert rv.headers["Content-Type"] == "text/html; charset=utf-8"


def test_automatic_options(app, client):
    @app.route("/", methods=["GET", "POST"])
    def index():
        return "never"

    rv = client.open("/", method="OPTIONS")
    assert rv.status_code == 200
    assert rv.data == b""
    assert allow_set(rv) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_automatic_options_union_of_rules(app, client):
    app.add_url_rule("/x", "a", lambda: "a", methods=["GET"])
    app.add_url_rule("/x", "b", lambda: "b", methods=["DELETE"])
    rv = client.open("/x", method="OPTIONS")
    assert allow_set(rv) == {"GET", "HEAD", "DELETE", "OPTIONS"}
    assert client.delete("/x").data == b"b"


def test_provide_automatic_options_false(app, client):
    def view():
        return "v"

    view.provide_automatic_options = False
    app.add_url_rule("/v", view_func=view)
    rv = client.open("/v", method="OPTIONS")
    assert rv.status_code == 405
    assert allow_set(rv) == {"GET", "HEAD"}


def test_provide_automatic_options_kwarg(app, client):
    app.add_url_rule("/v", "v", lambda: "v", provide_automatic_options=False)
    assert client.open("/v", method="OPTIONS").status_code == 405
    assert "OPTIONS" not in next(iter(user_rules(app))).methods


def test_explicit_options_view(app, client, fw):
    @app.route("/", methods=["OPTIONS"])
    def opts():
        return "mine", 200, {"X-Opt": "1"}

    rv = client.open("/", method="OPTIONS")
    assert rv.data == b"mine"
    assert rv.headers["X-Opt"] == "1"


def test_method_not_allowed_body_and_allow(app, client):
    @app.route("/", methods=["PUT"])
    def index():
        return ""

    rv = client.get("/")
    assert rv.status_code == 405
    assert rv.mimetype == "text/html"
    assert allow_set(rv) == {"PUT", "OPTIONS"}


# -- strict slashes ----------------------------------------------------------


def test_strict_slashes_redirect(app, client):
    @app.route("/dir/")
    def d():
        return "dir"

    rv = client.get("/dir")
    assert rv.status_code == 308
    assert rv.headers["Location"] == "http://localhost/dir/"
    rv = client.get("/dir?a=1&b=%C3%A9")
    assert rv.status_code == 308
    assert rv.headers["Location"] == "http://localhost/dir/?a=1&b=%C3%A9"
    assert client.get("/dir/").data == b"dir"
    rv = client.get("/dir", follow_redirects=True)
    assert rv.status_code == 200
    assert rv.data == b"dir"


def test_strict_slashes_redirect_post_keeps_method(app, client):
    @app.route("/dir/", methods=["POST"])
    def d():
        return "posted"

    rv = client.post("/dir")
    assert rv.status_code == 308
    rv = client.post("/dir", follow_redirects=True)
    assert rv.data == b"posted"


def test_no_trailing_slash_rule_404_with_slash(app, client):
    @app.route("/file")
    def f():
        return "f"

    assert client.get("/file").status_code == 200
    assert client.get("/file/").status_code == 404


def test_strict_slashes_false(app, client):
    @app.route("/dir/", strict_slashes=False)
    def d():
        return "dir"

    rv = client.get("/dir")
    assert rv.status_code == 200
    assert rv.data == b"dir"


def test_strict_slashes_off_on_url_map(fw):
    app = fw.Flask(__name__)
    app.url_map.strict_slashes = False

    @app.route("/dir/")
    def d():
        return "dir"

    assert app.test_client().get("/dir").status_code == 200


def test_merge_slashes(app, client):
    @app.route("/a/b")
    def ab():
        return "ab"

    rv = client.get("/a//b")
    assert rv.status_code == 308
    assert rv.headers["Location"] == "http://localhost/a/b"


# -- converters --------------------------------------------------------------


def test_string_converter(app, client, fw):
    @app.route("/s/<name>")
    def s(name):
        return f"{type(name).__name__}:{name}"

    assert client.get("/s/abc").data == b"str:abc"
    assert client.get("/s/a%20b").data == b"str:a b"
    assert client.get("/s/a/b").status_code == 404
    assert client.get("/s/").status_code == 404


def test_string_converter_length_args(app, client):
    @app.route("/min/<string(minlength=3):v>")
    def mn(v):
        return v

    @app.route("/max/<string(maxlength=3):v>")
    def mx(v):
        return v

    @app.route("/len/<string(length=2):v>")
    def ln(v):
        return v

    assert client.get("/min/ab").status_code == 404
    assert client.get("/min/abc").data == b"abc"
    assert client.get("/max/abcd").status_code == 404
    assert client.get("/max/abc").data == b"abc"
    assert client.get("/len/a").status_code == 404
    assert client.get("/len/abc").status_code == 404
    assert client.get("/len/ab").data == b"ab"


def test_int_converter(app, client):
    @app.route("/i/<int:n>")
    def i(n):
        return f"{type(n).__name__}:{n * 2}"

    assert client.get("/i/21").data == b"int:42"
    assert client.get("/i/0").data == b"int:0"
    assert client.get("/i/-1").status_code == 404
    assert client.get("/i/1.5").status_code == 404
    assert client.get("/i/abc").status_code == 404
    assert client.get("/i/").status_code == 404


def test_int_converter_args(app, client):
    @app.route("/r/<int(min=1, max=10):n>")
    def r(n):
        return str(n)

    @app.route("/f/<int(fixed_digits=4):n>")
    def f(n):
        return str(n)

    @app.route("/s/<int(signed=True):n>")
    def s(n):
        return str(n)

    assert client.get("/r/0").status_code == 404
    assert client.get("/r/1").data == b"1"
    assert client.get("/r/10").data == b"10"
    assert client.get("/r/11").status_code == 404
    assert client.get("/f/0042").data == b"42"
    assert client.get("/f/42").status_code == 404
    assert client.get("/f/00042").status_code == 404
    assert client.get("/s/-5").data == b"-5"
    assert client.get("/s/5").data == b"5"


def test_float_converter(app, client):
    @app.route("/f/<float:x>")
    def f(x):
        return repr(x)

    @app.route("/sf/<float(signed=True):x>")
    def sf(x):
        return repr(x)

    assert client.get("/f/1.5").data == b"1.5"
    assert client.get("/f/0.25").data == b"0.25"
    assert client.get("/f/1").status_code == 404
    assert client.get("/f/-1.5").status_code == 404
    assert client.get("/sf/-1.5").data == b"-1.5"


def test_path_converter(app, client):
    @app.route("/p/<path:rest>")
    def p(rest):
        return rest

    @app.route("/p/<path:rest>/edit")
    def edit(rest):
        return "edit:" + rest

    assert client.get("/p/a/b/c").data == b"a/b/c"
    assert client.get("/p/a").data == b"a"
    assert client.get("/p/a/b/edit").data == b"edit:a/b"


def test_uuid_converter(app, client):
    @app.route("/u/<uuid:u>")
    def u(u):
        return f"{type(u).__name__}:{u.hex}"

    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert client.get(f"/u/{value}").data == f"UUID:{value.hex}".encode()
    assert client.get("/u/not-a-uuid").status_code == 404


def test_any_converter(app, client, fw):
    @app.route("/<any(about, help, 'contact us'):page>")
    def page(page):
        return page

    assert client.get("/about").data == b"about"
    assert client.get("/help").data == b"help"
    assert client.get("/contact%20us").data == b"contact us"
    assert client.get("/other").status_code == 404
    with app.test_request_context():
        assert fw.url_for("page", page="help") == "/help"
        with pytest.raises(ValueError) as exc:
            fw.url_for("page", page="other")
        assert str(exc.value) == "'other' is not one of 'about', 'contact us', 'help'"


class ListConverter(BaseConverter):
    def to_python(self, value):
        return value.split(",")

    def to_url(self, value):
        return ",".join(super(ListConverter, self).to_url(v) for v in value)


class EvenConverter(BaseConverter):
    regex = r"\d+"

    def to_python(self, value):
        if int(value) % 2:
            raise ValidationError()
        return int(value)


def test_custom_converter(app, client, fw):
    app.url_map.converters["list"] = ListConverter

    @app.route("/l/<list:items>")
    def lst(items):
        return "|".join(items) + f":{len(items)}"

    assert client.get("/l/a,b,c").data == b"a|b|c:3"
    with app.test_request_context():
        assert fw.url_for("lst", items=["x", "y"]) == "/l/x,y"


def test_custom_converter_validation_error_is_404(app, client):
    app.url_map.converters["even"] = EvenConverter

    @app.route("/e/<even:n>")
    def e(n):
        return str(n + 1)

    assert client.get("/e/4").data == b"5"
    assert client.get("/e/3").status_code == 404


def test_unknown_converter_lookup_error(app):
    with pytest.raises(LookupError) as exc:
        app.add_url_rule("/<nope:x>", "x", lambda x: x)
    assert "the converter 'nope' does not exist" in str(exc.value)


# -- defaults / redirect_to --------------------------------------------------


def test_defaults(app, client):
    @app.route("/page/", defaults={"n": 1})
    @app.route("/page/<int:n>")
    def page(n):
        return f"page {n}"

    assert client.get("/page/").data == b"page 1"
    assert client.get("/page/3").data == b"page 3"
    # a URL that equals the defaults redirects to the canonical one
    rv = client.get("/page/1")
    assert rv.status_code == 308
    assert rv.headers["Location"] == "http://localhost/page/"


def test_defaults_passed_as_view_args(app, client, fw):
    @app.route("/d", defaults={"kind": "x", "n": 3})
    def d(kind, n):
        return f"{kind}{n}:{sorted(fw.request.view_args)}"

    assert client.get("/d").data == b"x3:['kind', 'n']"


def test_redirect_to_string(app, client):
    app.add_url_rule("/old", "old", redirect_to="/new")

    @app.route("/new")
    def new():
        return "new"

    rv = client.get("/old")
    assert rv.status_code == 308
    assert rv.headers["Location"] == "http://localhost/new"
    assert client.get("/old", follow_redirects=True).data == b"new"


def test_redirect_to_with_arguments(app, client):
    app.add_url_rule("/old/<int:id>", "old", redirect_to="/item/<id>")
    rv = client.get("/old/7")
    assert rv.status_code == 308
    assert rv.headers["Location"] == "http://localhost/item/7"


def test_redirect_to_callable(app, client):
    @app.route("/new/<int:id>")
    def item(id):
        return str(id)

    app.add_url_rule(
        "/old/<int:id>", "old", redirect_to=lambda adapter, id: f"/new/{id * 10}"
    )
    rv = client.get("/old/4")
    assert rv.status_code == 308
    assert rv.headers["Location"] == "http://localhost/new/40"


# -- rule ordering ------------------------------------------------------------


@pytest.mark.parametrize("static_first", [True, False])
def test_static_rule_beats_variable_rule(fw, static_first):
    app = fw.Flask(__name__)

    def add_static():
        app.add_url_rule("/user/me", "me", lambda: "me")

    def add_var():
        app.add_url_rule("/user/<name>", "user", lambda name: "user:" + name)

    if static_first:
        add_static()
        add_var()
    else:
        add_var()
        add_static()
    client = app.test_client()
    assert client.get("/user/me").data == b"me"
    assert client.get("/user/bob").data == b"user:bob"


@pytest.mark.parametrize("int_first", [True, False])
def test_int_converter_beats_string(fw, int_first):
    app = fw.Flask(__name__)
    rules = [
        ("/<int:x>", "i", lambda x: f"int:{x}"),
        ("/<x>", "s", lambda x: f"str:{x}"),
    ]
    if not int_first:
        rules.reverse()
    for rule, ep, view in rules:
        app.add_url_rule(rule, ep, view)
    client = app.test_client()
    assert client.get("/5").data == b"int:5"
    assert client.get("/a").data == b"str:a"


def test_same_rule_first_registered_wins(app, client):
    app.add_url_rule("/x", "first", lambda: "first")
    app.add_url_rule("/x", "second", lambda: "second")
    assert client.get("/x").data == b"first"


def test_method_specific_rules_same_path(app, client):
    app.add_url_rule("/x", "read", lambda: "read", methods=["GET"])
    app.add_url_rule("/x", "write", lambda: "write", methods=["POST"])
    assert client.get("/x").data == b"read"
    assert client.post("/x").data == b"write"
    rv = client.put("/x")
    assert rv.status_code == 405
    assert allow_set(rv) == {"GET", "HEAD", "POST", "OPTIONS"}


# -- non-ASCII ---------------------------------------------------------------


def test_non_ascii_static_path(app, client, fw):
    @app.route("/ünïcode")
    def u():
        return fw.request.path

    rv = client.get("/%C3%BCn%C3%AFcode")
    assert rv.status_code == 200
    assert rv.data.decode() == "/ünïcode"
    assert client.get("/ünïcode").data.decode() == "/ünïcode"
    with app.test_request_context():
        assert fw.url_for("u") == "/%C3%BCn%C3%AFcode"


def test_non_ascii_view_arg_and_query(app, client, fw):
    @app.route("/hello/<name>")
    def hello(name):
        return f"{name}|{fw.request.args['q']}"

    rv = client.get("/hello/%E6%97%A5%E6%9C%AC?q=%E2%82%AC")
    assert rv.data.decode() == "日本|€"
    rv = client.get("/hello/日本", query_string={"q": "ß"})
    assert rv.data.decode() == "日本|ß"


# -- url_map inspection ------------------------------------------------------


def test_iter_rules(app):
    @app.route("/")
    def index():
        return ""

    @app.route("/x/<int:id>", methods=["POST"])
    def x(id):
        return ""

    rules = sorted(user_rules(app), key=lambda r: r.rule)
    assert [r.rule for r in rules] == ["/", "/x/<int:id>"]
    assert [r.endpoint for r in rules] == ["index", "x"]
    assert rules[0].methods == {"GET", "HEAD", "OPTIONS"}
    assert rules[1].methods == {"POST", "OPTIONS"}
    assert rules[1].arguments == {"id"}
    assert [r.rule for r in app.url_map.iter_rules("x")] == ["/x/<int:id>"]


# -- subdomains and hosts ------------------------------------------------------


def test_server_name_does_not_restrict_host(fw):
    # Flask 3.1: SERVER_NAME no longer restricts requests to that host.
    app = fw.Flask(__name__)
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/")
    def index():
        return fw.request.host

    client = app.test_client()
    assert client.get("/", base_url="http://example.test").data == b"example.test"
    rv = client.get("/", base_url="http://other.test")
    assert rv.status_code == 200
    assert rv.data == b"other.test"


def test_subdomain_matching(fw):
    app = fw.Flask(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/", subdomain="api")
    def api():
        return "api"

    @app.route("/")
    def index():
        return "root"

    @app.route("/u", subdomain="<user>")
    def user(user):
        return "user:" + user

    client = app.test_client()
    assert client.get("/", base_url="http://api.example.test").data == b"api"
    assert client.get("/", base_url="http://example.test").data == b"root"
    assert client.get("/u", base_url="http://bob.example.test").data == b"user:bob"
    assert client.get("/u", base_url="http://example.test").status_code == 404
    with app.test_request_context():
        assert fw.url_for("api") == "http://api.example.test/"
        assert fw.url_for("user", user="amy") == "http://amy.example.test/u"
        assert fw.url_for("index") == "/"


def test_subdomain_without_matching_is_ignored(fw):
    app = fw.Flask(__name__)
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/")
    def index():
        return "root"

    client = app.test_client()
    # subdomain_matching is off: the current subdomain is ignored
    assert client.get("/", base_url="http://api.example.test").data == b"root"


def test_host_matching(fw):
    app = fw.Flask(__name__, host_matching=True, static_folder=None)

    @app.route("/", host="a.test")
    def a():
        return "a"

    @app.route("/", host="b.test")
    def b():
        return "b"

    @app.route("/h", host="<name>.test")
    def h(name):
        return "h:" + name

    client = app.test_client()
    assert client.get("/", base_url="http://a.test").data == b"a"
    assert client.get("/", base_url="http://b.test").data == b"b"
    assert client.get("/h", base_url="http://zed.test").data == b"h:zed"
    assert client.get("/", base_url="http://c.test").status_code == 404
    with app.test_request_context(base_url="http://a.test"):
        assert fw.url_for("a") == "/"
        assert fw.url_for("b") == "http://b.test/"


# -- setup after first request -----------------------------------------------


@pytest.mark.parametrize(
    "method, args",
    [
        ("route", ("/late",)),
        ("add_url_rule", ("/late", "late", lambda: "")),
        ("before_request", (lambda: None,)),
        ("after_request", (lambda r: r,)),
        ("errorhandler", (404,)),
        ("register_error_handler", (404, lambda e: "")),
        ("teardown_request", (lambda e: None,)),
        ("endpoint", ("late",)),
    ],
)
def test_setup_method_after_first_request(app, client, method, args):
    @app.route("/")
    def index():
        return "x"

    assert client.get("/").status_code == 200
    with pytest.raises(AssertionError) as exc:
        getattr(app, method)(*args)
    assert str(exc.value) == (
        f"The setup method '{method}' can no longer be called on the application."
        " It has already handled its first request, any changes will not be"
        " applied consistently.\n"
        "Make sure all imports, decorators, functions, etc. needed to set up"
        " the application are done before running it."
    )


def test_setup_allowed_before_first_request_after_test_client(app):
    # creating a client or a context is not "handling a request"
    app.test_client()
    with app.test_request_context():
        pass

    @app.route("/")
    def index():
        return "ok"

    assert app.test_client().get("/").data == b"ok"
