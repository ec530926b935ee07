"""Fuzz target: whole requests through the ``cycle`` and ``local`` hot paths
(``ext/cycle.pyx``, ``ext/local.pyx`` / ``fastmicro/_pycycle.py``,
``fastmicro/_pylocal.py``): a random method, path, query string, headers,
cookies and body sent to a fastmicro app and to the same app on Flask 3.1.

The views read the request through the context-local proxies (``request``,
``g``, ``session``, ``current_app``) and the lazily computed attributes;
hooks, converters, aborts, errors and redirects are on the way.

Baseline: Flask on both backends. The request cycle has no reference below
Flask's own: its pure twin is the same algorithm written out, so the app as
a whole is compared with the real Flask (status, headers, body), which is
what the twin is proven against in tests/test_cycle_differential.py.
"""
from __future__ import annotations

import io
import json
import time
import typing as t

import flask
from werkzeug.test import EnvironBuilder

import fastmicro

from harness import Reader, backend_modules, check

DESCRIPTION = "random requests through a fastmicro app and the same Flask app (cycle, proxies)"
#: Instrumented for Python coverage: the code this input can reach.
INSTRUMENT = ("fastmicro", "flask", "werkzeug.routing", "werkzeug.sansio", "werkzeug.wrappers", "werkzeug.http")

# Frozen: a session cookie carries the second it was signed in, and the two
# apps must not sign on either side of a second boundary.
time.time = lambda: 1_700_000_000.5  # type: ignore[assignment]

# Required on the backend requested; the apps below run whichever it is.
backend_modules("cycle")
backend_modules("local")


def build_app(fw: t.Any) -> t.Any:
    app = fw.Flask(__name__)
    app.config.update(SECRET_KEY="fuzz", TESTING=False)

    @app.before_request
    def before() -> t.Any:
        fw.g.seen = fw.request.headers.get("X-Fuzz", "")
        if fw.g.seen == "stop":
            return "stopped early", 202
        return None

    @app.after_request
    def after(response: t.Any) -> t.Any:
        response.headers["X-Seen"] = fw.g.get("seen", "-")
        return response

    @app.route("/", methods=["GET", "POST", "PUT"])
    def index() -> t.Any:
        r = fw.request
        return {
            "method": r.method,
            "path": r.path,
            "args": list(r.args.items(multi=True)),
            "form": list(r.form.items(multi=True)),
            "cookies": list(r.cookies.items(multi=True)),
            "ua": r.headers.get("User-Agent"),
            "accept": r.accept_mimetypes.best_match(["text/html", "application/json"]),
            "mimetype": r.mimetype,
            "endpoint": r.endpoint,
            "app": fw.current_app.name,
            "g": fw.g.seen,
        }

    @app.route("/item/<int:item_id>")
    def item(item_id: int) -> t.Any:
        return fw.jsonify(item=item_id, arg=fw.request.args.get("q", type=int))

    @app.route("/files/<path:name>", methods=["GET", "DELETE"])
    def files(name: str) -> t.Any:
        return f"file {name} via {fw.request.method}"

    @app.route("/dir/")
    def directory() -> t.Any:
        return "a directory"

    @app.route("/session", methods=["GET", "POST"])
    def session_view() -> t.Any:
        count = fw.session.get("count", 0)
        if fw.request.method == "POST":
            fw.session["count"] = count + 1
        return {"count": count}

    @app.route("/abort/<int:code>")
    def abort_view(code: int) -> t.Any:
        fw.abort(code)

    @app.route("/boom")
    def boom() -> t.Any:
        raise RuntimeError("a view that fails")

    @app.errorhandler(418)
    def teapot(error: t.Any) -> t.Any:
        return "short and stout", 418

    return app


ours = build_app(fastmicro)
flask_app = build_app(flask)

PATHS = ["/", "/item/", "/files/", "/dir", "/dir/", "/session", "/abort/", "/boom", "//item/1", "/nope"]
METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]
CONTENT_TYPES = [None, "application/x-www-form-urlencoded", "text/plain", "application/json",
                 "multipart/form-data; boundary=x"]


def call(app: t.Any, environ: dict[str, t.Any], body: bytes) -> t.Any:
    environ = dict(environ, **{"wsgi.input": io.BytesIO(body)})
    seen: dict[str, t.Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: t.Any = None) -> t.Any:
        seen["status"], seen["headers"] = status, headers
        return lambda data: None

    chunks = app(environ, start_response)
    try:
        content = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    headers = sorted((k.lower(), v) for k, v in seen["headers"])
    # Allow's order comes from a set in Werkzeug: compared as a set.
    headers = [(k, ", ".join(sorted(v.split(", "))) if k == "allow" else v) for k, v in headers]
    if headers and any(k == "content-type" and "json" in v for k, v in headers):
        try:
            content = json.loads(content)  # key order is each JSON provider's own
        except ValueError:
            pass
    return seen["status"], headers, content


def test_one_input(data: bytes) -> None:
    reader = Reader(data)
    method = reader.pick(METHODS)
    path = reader.pick(PATHS) + reader.raw(10).decode("utf-8", "replace")
    content_type = reader.pick(CONTENT_TYPES)
    # Header values as a WSGI server hands them over: latin-1 strings.
    headers = {
        "User-Agent": reader.raw(20).decode("latin-1"),
        "Accept": reader.raw(40).decode("latin-1"),
        "Cookie": reader.raw(40).decode("latin-1"),
        "X-Fuzz": reader.pick(["", "stop", "x"]),
    }
    query = reader.raw(40)
    body = reader.raw()
    try:
        environ = EnvironBuilder(
            path="/", method=method, headers=headers, content_type=content_type
        ).get_environ()
    except (ValueError, TypeError):
        return  # a header value Werkzeug's builder refuses (a newline)
    environ.update(
        PATH_INFO=path.encode("utf-8", "surrogateescape").decode("latin-1"),
        QUERY_STRING=query.decode("latin-1"),
        CONTENT_LENGTH=str(len(body)),
    )
    environ.pop("wsgi.input", None)
    check(
        f"{method} {path!r} ?{query!r:.80} {headers!r:.300} body {body!r:.100}",
        lambda: call(ours, environ, body),
        lambda: call(flask_app, environ, body),
    )
