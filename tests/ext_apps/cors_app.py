"""Flask-CORS on an unmodified app: simple and preflight requests get the
right headers, disallowed origins and other paths get none, the
``cross_origin`` decorator, and error responses (which Flask-CORS handles by
wrapping ``app.handle_exception`` and ``app.handle_user_exception``)."""
from __future__ import annotations

from _harness import Checks  # first: installs the switch for "fastmicro"

from flask import Flask, abort  # noqa: E402
from flask_cors import CORS, cross_origin  # noqa: E402

ORIGIN = "https://app.example.com"


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["TESTING"] = False  # errors become responses, as in production
    CORS(
        app,
        # Two origins: the allowed one is echoed per request (with Vary: Origin).
        resources={r"/api/*": {"origins": [ORIGIN, "https://admin.example.com"]}},
        supports_credentials=True,
        max_age=600,
        expose_headers=["X-Total"],
    )

    @app.route("/api/items", methods=["GET", "POST", "DELETE"])
    def items():
        return {"items": [1, 2]}, 200, {"X-Total": "2"}

    @app.get("/api/teapot")
    def teapot():
        abort(418)

    @app.get("/api/crash")
    def crash():
        raise RuntimeError("boom")

    @app.get("/private")
    def private():
        return "no cors here"

    @app.get("/public")
    @cross_origin(origins="*")
    def public():
        return "anyone"

    return app


def scenario(c: Checks) -> None:
    app = create_app()
    client = app.test_client()

    r = client.get("/api/items", headers={"Origin": ORIGIN})
    c.eq("simple: status", r.status_code, 200)
    c.eq("simple: allow-origin", r.headers.get("Access-Control-Allow-Origin"), ORIGIN)
    c.eq("simple: credentials", r.headers.get("Access-Control-Allow-Credentials"), "true")
    c.eq("simple: expose", r.headers.get("Access-Control-Expose-Headers"), "X-Total")
    c.true("simple: vary origin", "Origin" in r.headers.get("Vary", ""))
    c.eq("simple: body", r.get_json(), {"items": [1, 2]})

    r = client.get("/api/items", headers={"Origin": "https://evil.example"})
    c.eq("other origin: still served", r.status_code, 200)
    c.eq("other origin: no allow-origin", r.headers.get("Access-Control-Allow-Origin"), None)

    r = client.get("/api/items")
    c.eq("no Origin: served, varies on Origin", (r.status_code, r.headers.get("Vary")), (200, "Origin"))

    r = client.options(
        "/api/items",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "DELETE",
            "Access-Control-Request-Headers": "Content-Type, X-Requested-With",
        },
    )
    c.eq("preflight: status", r.status_code, 200)
    c.eq("preflight: allow-origin", r.headers.get("Access-Control-Allow-Origin"), ORIGIN)
    methods = {m.strip() for m in r.headers.get("Access-Control-Allow-Methods", "").split(",")}
    c.true("preflight: allow-methods has DELETE", "DELETE" in methods)
    allowed = {h.strip().lower() for h in r.headers.get("Access-Control-Allow-Headers", "").split(",")}
    c.eq("preflight: allow-headers", allowed, {"content-type", "x-requested-with"})
    c.eq("preflight: max-age", r.headers.get("Access-Control-Max-Age"), "600")
    c.eq("preflight: empty body", r.data, b"")

    r = client.options(
        "/api/items",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "DELETE"},
    )
    c.eq("preflight other origin: no allow-origin", r.headers.get("Access-Control-Allow-Origin"), None)

    r = client.get("/private", headers={"Origin": ORIGIN})
    c.eq("path outside resources", (r.text, r.headers.get("Access-Control-Allow-Origin")), ("no cors here", None))

    r = client.get("/public", headers={"Origin": "https://anyone.example"})
    c.eq("cross_origin decorator", (r.text, r.headers.get("Access-Control-Allow-Origin")), ("anyone", "https://anyone.example"))
    c.eq("cross_origin decorator: vary", r.headers.get("Vary"), "Origin")
    r = client.get("/public")
    c.eq("cross_origin decorator, no Origin", r.headers.get("Access-Control-Allow-Origin"), "*")

    r = client.get("/api/missing", headers={"Origin": ORIGIN})
    c.eq("404: status", r.status_code, 404)
    c.eq("404: allow-origin", r.headers.get("Access-Control-Allow-Origin"), ORIGIN)

    r = client.get("/api/teapot", headers={"Origin": ORIGIN})
    c.eq("abort(418): status", r.status_code, 418)
    c.eq("abort(418): allow-origin", r.headers.get("Access-Control-Allow-Origin"), ORIGIN)

    app.logger.disabled = True  # the 500 is expected; keep stderr clean
    r = client.get("/api/crash", headers={"Origin": ORIGIN})
    c.eq("500: status", r.status_code, 500)
    c.eq("500: allow-origin", r.headers.get("Access-Control-Allow-Origin"), ORIGIN)


Checks().report(scenario)
