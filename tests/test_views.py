"""Class-based views: ``View`` and ``MethodView``.

Every test runs on the real Flask and on fastmicro (see ``_appfw``), each
framework with its own ``views`` module.
"""
from __future__ import annotations

import importlib
from functools import wraps

import pytest

from _appfw import allow_set, app, client, fw  # noqa: F401


@pytest.fixture
def views(fw):
    return importlib.import_module(f"{fw.__name__}.views")


def test_view_dispatch_and_url_values(app, client, views, fw):
    class Hello(views.View):
        """Says hello."""

        def __init__(self, greeting):
            self.greeting = greeting

        def dispatch_request(self, name):
            return f"{self.greeting}, {name}! ({fw.request.endpoint})"

    view = Hello.as_view("hello", "Hi")
    app.add_url_rule("/hello/<name>", view_func=view)
    assert client.get("/hello/Ann").data == b"Hi, Ann! (hello)"
    assert view.__name__ == "hello"
    assert view.__doc__ == "Says hello."
    assert view.__module__ == __name__
    assert view.view_class is Hello
    assert view.methods is None
    assert view.provide_automatic_options is None
    assert allow_set(client.options("/hello/x")) == {"GET", "HEAD", "OPTIONS"}
    assert client.post("/hello/x").status_code == 405


def test_view_without_dispatch_request(app, client, views):
    class Empty(views.View):
        pass

    app.add_url_rule("/", view_func=Empty.as_view("empty"))
    with pytest.raises(NotImplementedError):
        client.get("/")


@pytest.mark.parametrize("every_request", [True, False])
def test_init_every_request(app, client, views, every_request):
    made = []

    class Counter(views.View):
        init_every_request = every_request

        def __init__(self, start, step=1):
            made.append(self)
            self.count = start
            self.step = step

        def dispatch_request(self):
            self.count += self.step
            return str(self.count)

    view = Counter.as_view("counter", 10, step=2)
    app.add_url_rule("/", view_func=view)
    assert len(made) == (0 if every_request else 1)
    assert [client.get("/").data for _ in range(3)] == (
        [b"12", b"12", b"12"] if every_request else [b"12", b"14", b"16"]
    )
    assert len(made) == 3 if every_request else 1


def test_view_class_is_swappable(app, client, views):
    class Real(views.View):
        def dispatch_request(self):
            return "real"

    class Fake(views.View):
        def dispatch_request(self):
            return "fake"

    view = Real.as_view("v")
    app.add_url_rule("/", view_func=view)
    view.view_class = Fake
    assert client.get("/").data == b"fake"


def test_methods_and_automatic_options(app, client, views):
    class Form(views.View):
        methods = ["GET", "POST"]
        provide_automatic_options = False

        def dispatch_request(self):
            return "form"

    app.add_url_rule("/", view_func=Form.as_view("form"))
    assert client.post("/").data == b"form"
    assert client.put("/").status_code == 405
    assert client.options("/").status_code == 405


def test_decorators(app, client, views):
    calls = []

    def tag(label):
        def decorator(f):
            @wraps(f)
            def wrapper(**kwargs):
                calls.append((label, f.__name__))
                return f(**kwargs)

            return wrapper

        return decorator

    class Decorated(views.View):
        decorators = [tag("inner"), tag("outer")]

        def dispatch_request(self):
            return "ok"

    view = Decorated.as_view("decorated")
    app.add_url_rule("/", view_func=view)
    assert client.get("/").data == b"ok"
    # The first decorator is the innermost; each saw the endpoint's name.
    assert calls == [("outer", "decorated"), ("inner", "decorated")]
    assert view.view_class is Decorated
    assert view.__name__ == "decorated"


def test_method_view_dispatch(app, client, views, fw):
    class Items(views.MethodView):
        def get(self, item_id=None):
            return f"get {item_id}"

        def post(self):
            return f"post {fw.request.get_data(as_text=True)}", 201

        def delete(self, item_id):
            return "", 204

    assert Items.methods == {"GET", "POST", "DELETE"}
    items = Items.as_view("items")
    app.add_url_rule("/items/", view_func=items, methods=["GET", "POST"])
    app.add_url_rule("/items/<int:item_id>", view_func=items, methods=["GET", "DELETE"])
    assert client.get("/items/").data == b"get None"
    assert client.get("/items/3").data == b"get 3"
    response = client.post("/items/", data="body")
    assert (response.status_code, response.data) == (201, b"post body")
    assert client.delete("/items/3").status_code == 204
    assert client.put("/items/3").status_code == 405
    head = client.head("/items/3")
    assert head.status_code == 200
    assert head.data == b""
    assert head.content_length == len(b"get 3")


def test_method_view_methods_inferred(app, client, views):
    class Base(views.MethodView):
        def get(self):
            return "base get"

    class Child(Base):
        def patch(self):
            return "child patch"

    class Explicit(views.MethodView):
        methods = ["GET"]

        def get(self):
            return "explicit"

        def post(self):
            return "never routed"

    class Nothing(views.MethodView):
        pass

    class Mixin:
        def put(self):
            return "mixin put"

    class WithMixin(Mixin, views.MethodView):
        pass

    class ExplicitBase(views.MethodView):
        methods = ["PROPFIND"]

        def propfind(self):
            return "propfind"

    class FromExplicitBase(ExplicitBase):
        def get(self):
            return "get"

    assert Base.methods == {"GET"}
    assert Child.methods == {"GET", "PATCH"}
    assert Explicit.methods == ["GET"]
    assert Nothing.methods is None
    assert WithMixin.methods == {"PUT"}
    assert FromExplicitBase.methods == {"PROPFIND", "GET"}

    app.add_url_rule("/child", view_func=Child.as_view("child"))
    app.add_url_rule("/explicit", view_func=Explicit.as_view("explicit"))
    app.add_url_rule("/propfind", view_func=FromExplicitBase.as_view("propfind"))
    assert client.get("/child").data == b"base get"
    assert client.patch("/child").data == b"child patch"
    assert allow_set(client.options("/child")) == {"GET", "HEAD", "PATCH", "OPTIONS"}
    assert client.post("/explicit").status_code == 405
    assert client.open("/propfind", method="PROPFIND").data == b"propfind"


def test_method_view_head_method(app, client, views):
    class Headed(views.MethodView):
        def get(self):
            return "get body"

        def head(self):
            return "", 200, {"X-Head": "yes"}

    app.add_url_rule("/", view_func=Headed.as_view("headed"))
    response = client.head("/")
    assert response.headers["X-Head"] == "yes"
    assert client.get("/").data == b"get body"


def test_method_view_unimplemented_method(app, client, views):
    class OnlyGet(views.MethodView):
        def get(self):
            return "get"

    app.add_url_rule("/", view_func=OnlyGet.as_view("only"), methods=["GET", "POST"])
    with pytest.raises(AssertionError, match="Unimplemented method 'POST'"):
        client.post("/")


def test_method_view_in_blueprint(app, client, views, fw):
    bp = fw.Blueprint("api", __name__, url_prefix="/api")

    class User(views.MethodView):
        init_every_request = False

        def get(self, name):
            return {"name": name, "endpoint": fw.request.endpoint, "url": fw.url_for(".user", name=name)}

    bp.add_url_rule("/users/<name>", view_func=User.as_view("user"))
    app.register_blueprint(bp)
    assert client.get("/api/users/ann").json == {
        "name": "ann",
        "endpoint": "api.user",
        "url": "/api/users/ann",
    }


def test_async_method_view(app, client, views):
    class Async(views.MethodView):
        async def get(self):
            return "async get"

        async def post(self):
            return {"posted": True}

    class AsyncView(views.View):
        async def dispatch_request(self, n):
            return f"async view {n}"

    app.add_url_rule("/", view_func=Async.as_view("async_mv"))
    app.add_url_rule("/v/<int:n>", view_func=AsyncView.as_view("async_v"))
    assert Async.methods == {"GET", "POST"}
    assert client.get("/").data == b"async get"
    assert client.post("/").json == {"posted": True}
    assert client.get("/v/2").data == b"async view 2"


def test_http_method_funcs(views):
    assert views.http_method_funcs == frozenset(
        ["get", "post", "head", "options", "delete", "put", "trace", "patch"]
    )
