"""Blueprints: routes, prefixes, nesting, names, hooks, error handlers,
URL processors, static files, templates and commands.

Every test that uses ``fw`` runs on the real Flask and on fastmicro (see
``_appfw``), so Flask proves each expectation.
"""
from __future__ import annotations

import pytest
from werkzeug.exceptions import NotFound

from _appfw import app, client, fw, user_rules  # noqa: F401


def _rules(app) -> dict[str, str]:
    return {r.endpoint: r.rule for r in user_rules(app)}


# -- routes, prefixes and endpoints --------------------------------------------


def test_route_and_endpoint_names(app, client, fw):
    bp = fw.Blueprint("shop", __name__)

    @bp.route("/items/<int:n>")
    def item(n):
        return f"{fw.request.endpoint} {fw.request.blueprint} {n}"

    @bp.get("/list")
    def listing():
        return "list"

    app.register_blueprint(bp, url_prefix="/shop")
    assert client.get("/shop/items/3").data == b"shop.item shop 3"
    assert client.get("/shop/list").data == b"list"
    assert client.post("/shop/list").status_code == 405
    assert client.get("/items/3").status_code == 404
    assert _rules(app) == {"shop.item": "/shop/items/<int:n>", "shop.listing": "/shop/list"}
    assert app.blueprints == {"shop": bp}
    assert list(app.iter_blueprints()) == [bp]


@pytest.mark.parametrize(
    ("bp_prefix", "option", "rule", "expected"),
    [
        (None, None, "/x", "/x"),
        ("/a", None, "/x", "/a/x"),
        ("/a/", None, "/x", "/a/x"),
        ("/a", None, "x", "/a/x"),
        ("/a", None, "", "/a"),
        ("/a", None, "/", "/a/"),
        ("/a", "/b", "/x", "/b/x"),
        (None, "/b/", "/x", "/b/x"),
        ("/a", "", "/x", "/x"),
    ],
)
def test_url_prefix_joining(app, fw, bp_prefix, option, rule, expected):
    bp = fw.Blueprint("bp", __name__, url_prefix=bp_prefix)
    bp.add_url_rule(rule, "view", lambda: "ok")
    options = {} if option is None else {"url_prefix": option}
    app.register_blueprint(bp, **options)
    assert _rules(app) == {"bp.view": expected}


def test_view_function_name_is_endpoint(app, client, fw):
    bp = fw.Blueprint("bp", __name__)

    def page():
        return fw.request.endpoint

    bp.add_url_rule("/p", view_func=page)
    bp.add_url_rule("/q", "named", page)
    app.register_blueprint(bp)
    assert client.get("/p").data == b"bp.page"
    assert client.get("/q").data == b"bp.named"
    assert app.view_functions["bp.page"] is page
    assert app.view_functions["bp.named"] is page


def test_endpoint_decorator(app, client, fw):
    bp = fw.Blueprint("bp", __name__)

    @bp.endpoint("bp.raw")
    def raw():
        return "raw"

    app.register_blueprint(bp)
    app.add_url_rule("/raw", "bp.raw")
    assert client.get("/raw").data == b"raw"


def test_url_defaults(app, client, fw):
    bp = fw.Blueprint("bp", __name__, url_defaults={"kind": "a"})

    @bp.route("/list/<int:page>")
    def listing(page, kind):
        return f"{kind}{page}"

    @bp.route("/own", defaults={"page": 7})
    def own(page, kind):
        return f"{kind}{page}"

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="other", url_prefix="/o", url_defaults={"kind": "b"})
    assert client.get("/list/4").data == b"a4"
    assert client.get("/own").data == b"a7"
    assert client.get("/o/list/2").data == b"b2"
    assert client.get("/o/own").data == b"b7"
    with app.test_request_context():
        assert fw.url_for("bp.listing", page=3) == "/list/3"
        assert fw.url_for("other.own") == "/o/own"


def test_bad_names(fw):
    with pytest.raises(ValueError, match="may not be empty"):
        fw.Blueprint("", __name__)
    with pytest.raises(ValueError, match="may not contain a dot"):
        fw.Blueprint("a.b", __name__)
    bp = fw.Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="'endpoint' may not contain a dot"):
        bp.add_url_rule("/", "a.b", lambda: "")

    def f():
        return ""

    f.__name__ = "x.y"
    with pytest.raises(ValueError, match="'view_func' name may not contain a dot"):
        bp.add_url_rule("/", view_func=f)
    with pytest.raises(ValueError, match="Cannot register a blueprint on itself"):
        bp.register_blueprint(bp)


def test_methods_and_automatic_options(app, client, fw):
    bp = fw.Blueprint("bp", __name__)
    bp.add_url_rule("/m", "m", lambda: "m", methods=["POST"])
    bp.add_url_rule("/n", "n", lambda: "n", provide_automatic_options=False)
    app.register_blueprint(bp)
    assert client.post("/m").data == b"m"
    assert client.get("/m").status_code == 405
    assert client.options("/m").headers["Allow"]
    assert client.options("/n").status_code == 405


# -- registering twice -------------------------------------------------------------


def test_register_twice_under_different_names(app, client, fw):
    bp = fw.Blueprint("bp", __name__)
    seen = []

    @bp.route("/")
    def index():
        return fw.url_for(".index") + " " + fw.request.blueprint

    @bp.before_request
    def before():
        seen.append(fw.request.blueprint)

    app.register_blueprint(bp, url_prefix="/one")
    app.register_blueprint(bp, url_prefix="/two", name="two")
    assert client.get("/one/").data == b"/one/ bp"
    assert client.get("/two/").data == b"/two/ two"
    assert seen == ["bp", "two"]
    assert app.blueprints == {"bp": bp, "two": bp}


@pytest.mark.parametrize("same_object", [True, False])
def test_same_name_twice_is_an_error(app, fw, same_object):
    bp = fw.Blueprint("bp", __name__)
    app.register_blueprint(bp)
    second = bp if same_object else fw.Blueprint("bp", __name__)
    which = "this" if same_object else "a different"
    with pytest.raises(ValueError) as info:
        app.register_blueprint(second)
    assert str(info.value) == (
        f"The name 'bp' is already registered for {which} blueprint."
        " Use 'name=' to provide a unique name."
    )


def test_same_name_twice_nested_message(app, fw):
    parent = fw.Blueprint("parent", __name__)
    child = fw.Blueprint("child", __name__)
    parent.register_blueprint(child)
    parent.register_blueprint(child)
    with pytest.raises(ValueError) as info:
        app.register_blueprint(parent)
    assert str(info.value) == (
        "The name 'child' is already registered for this blueprint"
        " 'parent.child'. Use 'name=' to provide a unique name."
    )


def test_setup_after_registration_is_an_error(app, fw):
    bp = fw.Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(AssertionError, match="The setup method 'route' can no longer be called on the blueprint 'bp'"):
        bp.route("/late")
    with pytest.raises(AssertionError, match="'before_request'"):
        bp.before_request(lambda: None)


def test_record_and_record_once(app, fw):
    bp = fw.Blueprint("bp", __name__, url_prefix="/p", subdomain="sub")
    states = []
    once = []

    @bp.record
    def every(state):
        states.append(
            (
                state.app is app,
                state.blueprint is bp,
                state.name,
                state.name_prefix,
                state.url_prefix,
                state.subdomain,
                state.first_registration,
                dict(state.options),
                state.url_defaults,
            )
        )

    bp.record_once(lambda state: once.append(state.name))
    app.register_blueprint(bp)
    app.register_blueprint(bp, name="b2", url_prefix="/q", subdomain="s2", url_defaults={"x": 1})
    assert states == [
        (True, True, "bp", "", "/p", "sub", True, {}, {}),
        (
            True,
            True,
            "b2",
            "",
            "/q",
            "s2",
            False,
            {"name": "b2", "url_prefix": "/q", "subdomain": "s2", "url_defaults": {"x": 1}},
            {"x": 1},
        ),
    ]
    assert once == ["bp"]
    assert bp.deferred_functions[-1].__name__ == "<lambda>"


def test_make_setup_state_subclass(app, fw):
    seen = []

    class State(fw.blueprints.BlueprintSetupState):
        def add_url_rule(self, rule, endpoint=None, view_func=None, **options):
            seen.append(rule)
            super().add_url_rule(rule, endpoint, view_func, **options)

    class MyBlueprint(fw.Blueprint):
        def make_setup_state(self, app, options, first_registration=False):
            return State(self, app, options, first_registration)

    bp = MyBlueprint("bp", __name__)
    bp.add_url_rule("/s", "s", lambda: "s")
    app.register_blueprint(bp)
    assert seen == ["/s"]
    assert _rules(app) == {"bp.s": "/s"}


# -- nesting ------------------------------------------------------------------------


def test_nested_names_prefixes_and_request_blueprints(app, client, fw):
    parent = fw.Blueprint("parent", __name__, url_prefix="/parent")
    child = fw.Blueprint("child", __name__, url_prefix="/child")
    grandchild = fw.Blueprint("grandchild", __name__)

    def describe():
        return f"{fw.request.endpoint}|{fw.request.blueprint}|{','.join(fw.request.blueprints)}"

    parent.add_url_rule("/", "index", describe)
    child.add_url_rule("/", "index", describe)
    grandchild.add_url_rule("/g", "index", describe)
    child.register_blueprint(grandchild, url_prefix="/grand")
    parent.register_blueprint(child)
    app.register_blueprint(parent)

    assert client.get("/parent/").data == b"parent.index|parent|parent"
    assert client.get("/parent/child/").data == b"parent.child.index|parent.child|parent.child,parent"
    assert client.get("/parent/child/grand/g").data == (
        b"parent.child.grandchild.index|parent.child.grandchild|"
        b"parent.child.grandchild,parent.child,parent"
    )
    assert set(app.blueprints) == {"parent", "parent.child", "parent.child.grandchild"}


@pytest.mark.parametrize(
    ("parent_prefix", "child_prefix", "option", "expected"),
    [
        ("/p", "/c", None, "/p/c/x"),
        ("/p/", "/c/", None, "/p/c/x"),
        ("/p", None, None, "/p/x"),
        (None, "/c", None, "/c/x"),
        ("/p", "/c", "/o", "/p/o/x"),
        (None, None, None, "/x"),
    ],
)
def test_nested_prefix_joining(app, fw, parent_prefix, child_prefix, option, expected):
    parent = fw.Blueprint("p", __name__, url_prefix=parent_prefix)
    child = fw.Blueprint("c", __name__, url_prefix=child_prefix)
    child.add_url_rule("/x", "x", lambda: "x")
    parent.register_blueprint(child, **({} if option is None else {"url_prefix": option}))
    app.register_blueprint(parent)
    assert _rules(app) == {"p.c.x": expected}


def test_nested_twice_under_different_names(app, client, fw):
    parent = fw.Blueprint("parent", __name__)
    child = fw.Blueprint("child", __name__)
    child.add_url_rule("/", "index", lambda: fw.url_for(".index"))
    parent.register_blueprint(child, url_prefix="/a")
    parent.register_blueprint(child, url_prefix="/b", name="b")
    app.register_blueprint(parent, url_prefix="/p")
    assert client.get("/p/a/").data == b"/p/a/"
    assert client.get("/p/b/").data == b"/p/b/"
    assert {"parent.child.index", "parent.b.index"} <= set(app.view_functions)


def test_nested_hooks_order(app, client, fw):
    calls = []
    parent = fw.Blueprint("parent", __name__)
    child = fw.Blueprint("child", __name__)
    for name, owner in (("app", app), ("parent", parent), ("child", child)):

        def before(name=name):
            calls.append(f"before {name}")

        def after(response, name=name):
            calls.append(f"after {name}")
            return response

        def teardown(exc, name=name):
            calls.append(f"teardown {name}")

        def preprocess(endpoint, values, name=name):
            calls.append(f"preprocess {name}")

        owner.before_request(before)
        owner.after_request(after)
        owner.teardown_request(teardown)
        owner.url_value_preprocessor(preprocess)

    child.add_url_rule("/", "index", lambda: calls.append("view") or "ok")
    parent.register_blueprint(child, url_prefix="/c")
    app.register_blueprint(parent, url_prefix="/p")
    assert client.get("/p/c/").data == b"ok"
    assert calls == [
        "preprocess app",
        "preprocess parent",
        "preprocess child",
        "before app",
        "before parent",
        "before child",
        "view",
        "after child",
        "after parent",
        "after app",
        "teardown child",
        "teardown parent",
        "teardown app",
    ]


def test_nested_subdomains(fw):
    app = fw.Flask(__name__, subdomain_matching=True)
    app.config.update(TESTING=True, SERVER_NAME="example.test")
    parent = fw.Blueprint("parent", __name__, subdomain="api")
    child = fw.Blueprint("child", __name__, subdomain="v1")
    plain = fw.Blueprint("plain", __name__)
    child.add_url_rule("/", "index", lambda: "child")
    plain.add_url_rule("/plain", "index", lambda: "plain")
    parent.add_url_rule("/", "index", lambda: "parent")
    parent.register_blueprint(child)
    parent.register_blueprint(plain)
    app.register_blueprint(parent)
    client = app.test_client()
    assert client.get("/", "http://api.example.test/").data == b"parent"
    assert client.get("/", "http://v1.api.example.test/").data == b"child"
    assert client.get("/plain", "http://api.example.test/").data == b"plain"
    assert client.get("/plain", "http://example.test/").status_code == 404
    with app.app_context():
        assert fw.url_for("parent.child.index") == "http://v1.api.example.test/"
        assert fw.url_for("parent.plain.index") == "http://api.example.test/plain"


def test_subdomain_from_registration(fw):
    app = fw.Flask(__name__, subdomain_matching=True)
    app.config.update(TESTING=True, SERVER_NAME="example.test")
    bp = fw.Blueprint("bp", __name__, subdomain="one")
    bp.add_url_rule("/", "index", lambda: fw.request.host)
    app.register_blueprint(bp)
    app.register_blueprint(bp, name="two", subdomain="two")
    client = app.test_client()
    assert client.get("/", "http://one.example.test/").data == b"one.example.test"
    assert client.get("/", "http://two.example.test/").data == b"two.example.test"
    assert client.get("/", "http://example.test/").status_code == 404


# -- blueprint-scoped and app-wide hooks -----------------------------------------


def test_scoped_hooks_only_for_blueprint_requests(app, client, fw):
    calls = []
    bp = fw.Blueprint("bp", __name__)
    bp.before_request(lambda: calls.append("bp before"))
    bp.after_request(lambda r: calls.append("bp after") or r)
    bp.teardown_request(lambda e: calls.append("bp teardown"))
    bp.add_url_rule("/bp", "index", lambda: "bp")
    app.register_blueprint(bp)
    app.add_url_rule("/app", "app_index", lambda: "app")

    assert client.get("/app").data == b"app"
    assert calls == []
    assert client.get("/bp").data == b"bp"
    assert calls == ["bp before", "bp after", "bp teardown"]
    calls.clear()
    assert client.get("/missing").status_code == 404
    assert calls == []


def test_app_wide_hooks(app, client, fw):
    calls = []
    bp = fw.Blueprint("bp", __name__)
    bp.before_app_request(lambda: calls.append("before"))
    bp.after_app_request(lambda r: calls.append("after") or r)
    bp.teardown_app_request(lambda e: calls.append(("teardown", e)))

    @bp.app_url_value_preprocessor
    def preprocess(endpoint, values):
        calls.append(("preprocess", endpoint, values))

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="again")  # record_once: not added twice
    app.add_url_rule("/app/<int:n>", "app_index", lambda n: "app")

    assert client.get("/app/2").data == b"app"
    assert calls == [("preprocess", "app_index", {"n": 2}), "before", "after", ("teardown", None)]
    calls.clear()
    assert client.get("/missing").status_code == 404
    assert calls == [("preprocess", None, None), "before", "after", ("teardown", None)]


def test_before_request_short_circuit_in_blueprint(app, client, fw):
    bp = fw.Blueprint("bp", __name__)
    bp.add_url_rule("/", "index", lambda: "view")

    @bp.before_request
    def stop():
        return "stopped", 403

    app.register_blueprint(bp)
    response = client.get("/")
    assert (response.status_code, response.data) == (403, b"stopped")


def test_url_value_preprocessor_and_url_defaults(app, client, fw):
    bp = fw.Blueprint("lang", __name__, url_prefix="/<lang_code>")

    @bp.url_defaults
    def add_language_code(endpoint, values):
        values.setdefault("lang_code", fw.g.lang_code)

    @bp.url_value_preprocessor
    def pull_lang_code(endpoint, values):
        fw.g.lang_code = values.pop("lang_code")

    @bp.route("/")
    def index():
        return fw.url_for(".about")

    @bp.route("/about")
    def about():
        return f"{fw.g.lang_code} {fw.url_for('lang.index')}"

    app.register_blueprint(bp)
    assert client.get("/de/").data == b"/de/about"
    assert client.get("/fr/about").data == b"fr /fr/"


def test_app_url_defaults(app, client, fw):
    bp = fw.Blueprint("bp", __name__)

    @bp.app_url_defaults
    def defaults(endpoint, values):
        if "n" in app.url_map._rules_by_endpoint[endpoint][0].arguments:
            values.setdefault("n", 5)

    app.register_blueprint(bp)
    app.add_url_rule("/n/<int:n>", "n", lambda n: str(n))
    with app.test_request_context():
        assert fw.url_for("n") == "/n/5"


def test_url_defaults_of_parent_blueprints(app, fw):
    calls = []
    parent = fw.Blueprint("parent", __name__)
    child = fw.Blueprint("child", __name__)
    parent.url_defaults(lambda endpoint, values: calls.append(("parent", endpoint)))
    child.url_defaults(lambda endpoint, values: calls.append(("child", endpoint)))
    app.url_defaults(lambda endpoint, values: calls.append(("app", endpoint)))
    child.add_url_rule("/c", "c", lambda: "")
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    with app.test_request_context():
        assert fw.url_for("parent.child.c") == "/c"
    assert calls == [
        ("app", "parent.child.c"),
        ("parent", "parent.child.c"),
        ("child", "parent.child.c"),
    ]


# -- relative url_for --------------------------------------------------------------


def test_relative_url_for(app, client, fw):
    bp = fw.Blueprint("bp", __name__, url_prefix="/bp")

    @bp.route("/a")
    def a():
        return fw.url_for(".b") + " " + fw.url_for("bp.b") + " " + fw.url_for(".top")

    @bp.route("/b")
    def b():
        return ""

    @bp.route("/top")
    def top():
        return ""

    @app.route("/top")
    def top_app():
        return fw.url_for(".top_app")

    app.register_blueprint(bp)
    assert client.get("/bp/a").data == b"/bp/b /bp/b /bp/top"
    assert client.get("/top").data == b"/top"


# -- error handlers -----------------------------------------------------------------


class BlueprintError(Exception):
    pass


def test_scoped_error_handlers(app, client, fw):
    bp = fw.Blueprint("bp", __name__)

    @bp.errorhandler(BlueprintError)
    def bp_error(e):
        return "bp handled", 409

    @bp.errorhandler(403)
    def bp_forbidden(e):
        return "bp forbidden", 403

    @app.errorhandler(BlueprintError)
    def app_error(e):
        return "app handled", 400

    @app.errorhandler(403)
    def app_forbidden(e):
        return "app forbidden", 403

    def raise_error():
        raise BlueprintError()

    bp.add_url_rule("/bp/error", "error", raise_error)
    bp.add_url_rule("/bp/forbidden", "forbidden", lambda: fw.abort(403))
    app.add_url_rule("/error", "error", raise_error)
    app.add_url_rule("/forbidden", "forbidden", lambda: fw.abort(403))
    app.register_blueprint(bp)

    assert client.get("/bp/error").data == b"bp handled"
    assert client.get("/bp/forbidden").data == b"bp forbidden"
    assert client.get("/error").data == b"app handled"
    assert client.get("/forbidden").data == b"app forbidden"


@pytest.mark.parametrize("app_handler", [False, True])
def test_routing_404_goes_to_app_handler(app, client, fw, app_handler):
    # An unmatched URL belongs to no blueprint, even under its prefix.
    bp = fw.Blueprint("bp", __name__, url_prefix="/bp")
    bp.register_error_handler(404, lambda e: ("bp 404", 404))
    bp.add_url_rule("/abort", "abort", lambda: fw.abort(404))
    app.register_blueprint(bp)
    if app_handler:
        app.register_error_handler(404, lambda e: ("app 404", 404))
    missing = client.get("/bp/missing")
    assert missing.status_code == 404
    assert (missing.data == b"app 404") is app_handler
    assert client.get("/bp/abort").data == b"bp 404"


def test_nested_error_handler_lookup(app, client, fw):
    parent = fw.Blueprint("parent", __name__)
    child = fw.Blueprint("child", __name__)
    grandchild = fw.Blueprint("grandchild", __name__)

    @parent.errorhandler(BlueprintError)
    def parent_error(e):
        return f"parent handled {fw.request.blueprint}"

    @child.errorhandler(KeyError)
    def child_key_error(e):
        return "child key"

    def raise_error():
        raise BlueprintError()

    def raise_key():
        raise KeyError("k")

    for bp in (parent, child, grandchild):
        bp.add_url_rule("/error", "error", raise_error)
        bp.add_url_rule("/key", "key", raise_key)
    child.register_blueprint(grandchild, url_prefix="/g")
    parent.register_blueprint(child, url_prefix="/c")
    app.register_blueprint(parent, url_prefix="/p")
    app.register_error_handler(KeyError, lambda e: "app key")

    assert client.get("/p/error").data == b"parent handled parent"
    assert client.get("/p/c/error").data == b"parent handled parent.child"
    assert client.get("/p/c/g/error").data == b"parent handled parent.child.grandchild"
    assert client.get("/p/key").data == b"app key"
    assert client.get("/p/c/key").data == b"child key"
    assert client.get("/p/c/g/key").data == b"child key"


def test_app_errorhandler(app, client, fw):
    bp = fw.Blueprint("bp", __name__)

    @bp.app_errorhandler(404)
    def not_found(e):
        assert isinstance(e, NotFound)
        return "custom 404", 404

    @bp.app_errorhandler(BlueprintError)
    def handled(e):
        return "handled"

    def raise_error():
        raise BlueprintError()

    app.add_url_rule("/error", "error", raise_error)
    app.register_blueprint(bp)
    assert client.get("/nothing").data == b"custom 404"
    assert client.get("/error").data == b"handled"


def test_unhandled_error_in_blueprint_view_is_500(fw):
    app = fw.Flask(__name__)
    bp = fw.Blueprint("bp", __name__)
    bp.register_error_handler(500, lambda e: (f"bp 500 {type(e.original_exception).__name__}", 500))

    def fail():
        raise BlueprintError()

    bp.add_url_rule("/fail", "fail", fail)
    app.register_blueprint(bp)
    response = app.test_client().get("/fail", errors_stream=_Sink())
    assert (response.status_code, response.data) == (500, b"bp 500 BlueprintError")


class _Sink:
    """A ``wsgi.errors`` stream that keeps the logged traceback off stderr."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


# -- templates ----------------------------------------------------------------------


def test_template_helpers(app, fw):
    bp = fw.Blueprint("bp", __name__)

    @bp.app_template_filter()
    def shout(s):
        return s.upper()

    @bp.app_template_filter("rev")
    def reverse(s):
        return s[::-1]

    @bp.app_template_test()
    def even(n):
        return n % 2 == 0

    @bp.app_template_test("big")
    def large(n):
        return n > 100

    @bp.app_template_global()
    def answer():
        return 42

    @bp.app_template_global("pi")
    def three():
        return 3

    bp.add_app_template_filter(lambda s: s + "!", "bang")
    app.register_blueprint(bp)
    with app.app_context():
        rendered = fw.render_template_string(
            "{{ 'hi'|shout }} {{ 'ab'|rev }} {{ 2 is even }} {{ 3 is big }}"
            " {{ answer() }} {{ pi() }} {{ 'x'|bang }}"
        )
    assert rendered == "HI ba True False 42 3 x!"


def test_context_processors(app, client, fw):
    bp = fw.Blueprint("bp", __name__)
    bp.context_processor(lambda: {"who": "bp", "scoped": True})
    bp.app_context_processor(lambda: {"everywhere": "yes"})
    template = "{{ who|default('none') }} {{ scoped|default(False) }} {{ everywhere }}"
    bp.add_url_rule("/bp", "index", lambda: fw.render_template_string(template))
    app.add_url_rule("/app", "index", lambda: fw.render_template_string(template))
    app.register_blueprint(bp)
    assert client.get("/bp").data == b"bp True yes"
    assert client.get("/app").data == b"none False yes"


def test_template_folder(app, client, fw, tmp_path):
    (tmp_path / "bp_templates").mkdir()
    (tmp_path / "bp_templates" / "page.html").write_text("bp page {{ value }}")
    bp = fw.Blueprint("bp", __name__, template_folder="bp_templates", root_path=str(tmp_path))
    bp.add_url_rule("/", "index", lambda: fw.render_template("page.html", value=1))
    app.register_blueprint(bp)
    assert bp.jinja_loader is not None
    assert client.get("/").data == b"bp page 1"


# -- static files ----------------------------------------------------------------------


def test_static_folder(app, client, fw, tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "style.css").write_text("body {}")
    bp = fw.Blueprint("bp", __name__, static_folder="assets", root_path=str(tmp_path), url_prefix="/bp")
    app.register_blueprint(bp)
    assert bp.has_static_folder
    assert bp.static_folder == str(tmp_path / "assets")
    assert bp.static_url_path == "/assets"
    assert _rules(app) == {"bp.static": "/bp/assets/<path:filename>"}
    response = client.get("/bp/assets/style.css")
    assert response.status_code == 200
    assert response.data == b"body {}"
    assert response.mimetype == "text/css"
    response.close()
    assert client.get("/bp/assets/missing.css").status_code == 404
    with app.test_request_context():
        assert fw.url_for("bp.static", filename="style.css") == "/bp/assets/style.css"


def test_static_url_path_and_max_age(app, client, fw, tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "a.txt").write_text("a")
    bp = fw.Blueprint("bp", __name__, static_folder="static", static_url_path="/files", root_path=str(tmp_path))
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 60
    app.register_blueprint(bp, url_prefix="/x")
    response = client.get("/x/files/a.txt")
    assert response.data == b"a"
    assert response.cache_control.max_age == 60
    response.close()
    with app.app_context():
        assert bp.get_send_file_max_age("a.txt") == 60


def test_send_static_file_without_folder(app, fw):
    bp = fw.Blueprint("bp", __name__)
    assert not bp.has_static_folder
    assert bp.static_url_path is None
    with app.test_request_context(), pytest.raises(RuntimeError, match="'static_folder' must be set"):
        bp.send_static_file("x")


def test_open_resource(fw, tmp_path):
    (tmp_path / "data.txt").write_text("héllo", encoding="utf-8")
    bp = fw.Blueprint("bp", __name__, root_path=str(tmp_path))
    with bp.open_resource("data.txt", "r") as f:
        assert f.read() == "héllo"
    with bp.open_resource("data.txt") as f:
        assert f.read() == "héllo".encode()
    with pytest.raises(ValueError, match="only be opened for reading"):
        bp.open_resource("data.txt", "w")


def test_root_path_and_repr(fw):
    bp = fw.Blueprint("bp", __name__)
    assert bp.root_path == str(__import__("pathlib").Path(__file__).parent)
    assert bp.import_name == __name__
    assert repr(bp) == "<Blueprint 'bp'>"


# -- commands -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bp_group", "option", "expected"),
    [
        (Ellipsis, Ellipsis, ["bp", "hello"]),
        ("grp", Ellipsis, ["grp", "hello"]),
        (None, Ellipsis, ["hello"]),
        (Ellipsis, "opt", ["opt", "hello"]),
        ("grp", None, ["hello"]),
    ],
)
def test_cli_group(fw, bp_group, option, expected):
    app = fw.Flask(__name__)
    kwargs = {} if bp_group is Ellipsis else {"cli_group": bp_group}
    bp = fw.Blueprint("bp", __name__, **kwargs)

    @bp.cli.command("hello")
    def hello():
        print(f"hello from {fw.current_app.name}")

    assert bp.cli.name == "bp"
    options = {} if option is Ellipsis else {"cli_group": option}
    app.register_blueprint(bp, **options)
    result = app.test_cli_runner().invoke(args=expected)
    assert result.exit_code == 0, result.output
    assert result.output == f"hello from {app.name}\n"


def test_cli_without_commands_adds_no_group(fw):
    app = fw.Flask(__name__)
    bp = fw.Blueprint("bp", __name__)
    before = dict(app.cli.commands)
    app.register_blueprint(bp)
    assert dict(app.cli.commands) == before


# -- registration timing, dotted app endpoints --------------------------------------


def test_register_after_first_request_is_an_error(app, client, fw):
    app.add_url_rule("/", "index", lambda: "ok")
    client.get("/")
    with pytest.raises(AssertionError, match="The setup method 'register_blueprint' can no longer be called"):
        app.register_blueprint(fw.Blueprint("late", __name__))


def test_dotted_app_endpoint_counts_as_blueprint(app, client, fw):
    # request.blueprint is read from the endpoint, whoever registered it.
    app.add_url_rule("/", "a.b.c", lambda: f"{fw.request.blueprint} {fw.request.blueprints}")
    assert client.get("/").data == b"a.b ['a.b', 'a']"


# -- the three request cycles agree on blueprint apps -------------------------------------


class _Plain:
    """The plain cycle, which calls every app method as Flask does."""

    @staticmethod
    def wsgi_app(app, environ, start_response):
        from fastmicro import _pycycle

        return _pycycle.plain_wsgi_app(app, environ, start_response)


def _cycles():
    import importlib
    import os

    from fastmicro import _pycycle

    cycles = [_Plain, _pycycle]
    if not os.environ.get("FASTMICRO_NO_EXTENSIONS"):
        cycles.append(importlib.import_module("fastmicro._ext.cycle"))
    return cycles


def _blueprint_app(fastmicro):
    app = fastmicro.Flask(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.logger.disabled = True
    log = app.extensions.setdefault("log", [])
    parent = fastmicro.Blueprint("parent", __name__, url_prefix="/p")
    child = fastmicro.Blueprint("child", __name__, url_prefix="/<lang>")
    for name, owner in (("app", app), ("parent", parent), ("child", child)):
        owner.before_request(lambda name=name: log.append(f"before {name}"))
        owner.after_request(lambda r, name=name: log.append(f"after {name}") or r)
        owner.teardown_request(lambda e, name=name: log.append(f"teardown {name} {type(e).__name__}"))

    @child.url_value_preprocessor
    def pull(endpoint, values):
        fastmicro.g.lang = values.pop("lang")

    @child.url_defaults
    def push(endpoint, values):
        values.setdefault("lang", fastmicro.g.lang)

    @child.route("/page")
    def page():
        return {"lang": fastmicro.g.lang, "self": fastmicro.url_for(".page")}

    @child.route("/fail")
    def fail():
        raise BlueprintError()

    @child.route("/missing")
    def missing():
        fastmicro.abort(404)

    @child.route("/crash")
    def crash():
        raise ZeroDivisionError()

    @parent.before_request
    async def stop():
        if fastmicro.request.args.get("stop"):
            return "stopped", 409
        return None

    parent.register_error_handler(BlueprintError, lambda e: ("parent handled", 400))
    child.register_error_handler(404, lambda e: ("child 404", 404))
    parent.add_url_rule("/", "index", lambda: "parent index")
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    app.add_url_rule("/", "index", lambda: "app index")
    return app


@pytest.mark.parametrize(
    "path",
    ["/", "/p/", "/p/en/page", "/p/de/page?stop=1", "/p/en/fail", "/p/en/missing", "/p/en/crash", "/p/nothing"],
)
def test_cycles_agree_on_blueprint_apps(path):
    """The plain, pure and compiled cycles answer a blueprint app as Flask
    does (same status, headers, body and hook calls)."""
    import flask
    from werkzeug.test import EnvironBuilder

    import fastmicro

    class _Flask:
        @staticmethod
        def wsgi_app(app, environ, start_response):
            return app.wsgi_app(environ, start_response)

    outcomes = []
    for cycle in [_Flask, *_cycles()]:
        app = _blueprint_app(flask if cycle is _Flask else fastmicro)
        environ = EnvironBuilder(path=path.partition("?")[0], query_string=path.partition("?")[2]).get_environ()
        captured = {}

        def start_response(status, headers, exc_info=None, captured=captured):
            captured["status"] = status
            captured["headers"] = sorted(headers)

        body = b"".join(cycle.wsgi_app(app, environ, start_response))
        outcomes.append((captured["status"], captured["headers"], body, app.extensions["log"]))
    assert all(outcome == outcomes[0] for outcome in outcomes[1:]), outcomes
