"""Flask-Caching with its simple cache on an unmodified app: cached views
(by path, by query string, ``unless``), memoized functions and their
deletion, the cache API in an app context, and the Jinja ``{% cache %}``
tag it adds to the app's environment."""
from __future__ import annotations

from _harness import Checks  # first: installs the switch for "fastmicro"

from flask import Flask, render_template_string, request  # noqa: E402
from flask_caching import Cache  # noqa: E402


def create_app() -> tuple[Flask, Cache, dict[str, int]]:
    app = Flask(__name__)
    app.config["TESTING"] = True
    cache = Cache(app, config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300})
    calls = {"view": 0, "search": 0, "square": 0, "fragment": 0, "nocache": 0}

    @app.get("/expensive")
    @cache.cached()
    def expensive():
        calls["view"] += 1
        return f"computed {calls['view']}"

    @app.get("/search")
    @cache.cached(query_string=True)
    def search():
        calls["search"] += 1
        return {"q": request.args.get("q"), "call": calls["search"]}

    @app.get("/fresh")
    @cache.cached(unless=lambda: request.args.get("fresh") == "1")
    def fresh():
        calls["nocache"] += 1
        return str(calls["nocache"])

    @cache.memoize()
    def square(n: int) -> int:
        calls["square"] += 1
        return n * n

    @app.get("/square/<int:n>")
    def square_view(n: int):
        return str(square(n))

    @app.get("/fragment")
    def fragment():
        def bump() -> int:
            calls["fragment"] += 1
            return calls["fragment"]

        return render_template_string("[{% cache 60, 'frag' %}{{ bump() }}{% endcache %}]", bump=bump)

    app.square = square  # type: ignore[attr-defined]
    return app, cache, calls


def scenario(c: Checks) -> None:
    app, cache, calls = create_app()
    client = app.test_client()

    c.eq("first call computes", client.get("/expensive").text, "computed 1")
    c.eq("second call is cached", client.get("/expensive").text, "computed 1")
    c.eq("view ran once", calls["view"], 1)

    a = client.get("/search?q=a").get_json()
    b = client.get("/search?q=b").get_json()
    c.eq("query_string keys differ", (a, b), ({"q": "a", "call": 1}, {"q": "b", "call": 2}))
    c.eq("query_string cached", client.get("/search?q=a").get_json(), {"q": "a", "call": 1})

    client.get("/fresh")
    client.get("/fresh")
    c.eq("cached without unless", calls["nocache"], 1)
    c.eq("unless bypasses", client.get("/fresh?fresh=1").text, "2")

    c.eq("memoize", [client.get("/square/4").text, client.get("/square/4").text], ["16", "16"])
    c.eq("memoized once", calls["square"], 1)
    with app.app_context():
        cache.delete_memoized(app.square, 4)
    c.eq("after delete_memoized", client.get("/square/4").text, "16")
    c.eq("recomputed after delete", calls["square"], 2)

    c.eq("fragment first", client.get("/fragment").text, "[1]")
    c.eq("fragment cached", client.get("/fragment").text, "[1]")

    with app.app_context():
        cache.set("answer", 42)
        c.eq("cache.get", cache.get("answer"), 42)
        c.eq("cache.add existing", cache.add("answer", 0), False)
        c.eq("cache.delete", (cache.delete("answer"), cache.get("answer")), (True, None))
        cache.clear()
    c.eq("after clear the view recomputes", client.get("/expensive").text, "computed 2")
    c.eq("simple cache backend", type(cache.cache).__name__, "SimpleCache")


Checks().report(scenario)
