"""The benchmark app on Bottle (``<name>`` rule syntax, a dict -> JSON).

A custom 404 handler returns Werkzeug's 404 page so every framework writes
the same bytes; Bottle's default error page goes through a template and is
slower, so this does not handicap Bottle.

The other scenarios, idiomatically: ``request.headers``/``get_cookie``
(headers), ``request.forms`` (form), ``static_file`` (static, with Bottle's
own ``ETag`` and ``Last-Modified``), ``jinja2_template`` with autoescaping
(template; Bottle's own template language writes other bytes). Bottle has
no content negotiation, so the headers view asks Werkzeug's
``parse_accept_header``; and no sessions (its signed cookies pickle), so the
session view uses itsdangerous with Flask's cookie settings.
"""
from __future__ import annotations

import bottle
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from .common import (
    HELLO,
    ITEMS,
    NOT_FOUND_HTML,
    OFFERED,
    SESSION_COOKIE,
    STATIC_DIR,
    TEMPLATE_NAME,
    TEMPLATE_TITLE,
    TEMPLATES_DIR,
    form_body,
    github_body,
    headers_body,
    load_routes,
    param_names,
    session_serializer,
    to_rule,
)

#: Framework features the scenario needs that Bottle lacks (printed by compare.py).
NOTES = {
    "headers": "no Accept negotiation in Bottle: Werkzeug's parse_accept_header",
    "session": "no sessions in Bottle: itsdangerous with Flask's cookie settings",
}


def make_app(routes=None):
    """Build the Bottle app (``routes`` as for ``flask_style.make_app``)."""
    if routes is None or not isinstance(routes, list):
        routes = load_routes(routes)
    request = bottle.request
    app = bottle.Bottle()

    @app.get("/")
    def hello():
        return HELLO

    for method, route in routes:
        app.route(to_rule(route), method, _github_view(method, route))

    @app.get("/json")
    def json_hello():
        return {"name": request.query.get("name", "world"), "hello": True}

    @app.get("/headers")
    def headers():
        best = parse_accept_header(request.headers.get("Accept"), MIMEAccept).best_match(OFFERED)
        return headers_body(best, request.get_cookie("theme"),
                            request.headers.get("User-Agent"))

    serializer = session_serializer()
    max_age = 31 * 24 * 3600  # Flask's PERMANENT_SESSION_LIFETIME

    @app.get("/session")
    def session():
        try:
            data = serializer.loads(request.get_cookie(SESSION_COOKIE), max_age=max_age)
        except Exception:  # noqa: BLE001 - a bad or missing cookie is a new session
            data = {}
        data["n"] = data.get("n", 0) + 1
        bottle.response.set_cookie(SESSION_COOKIE, serializer.dumps(data), httponly=True,
                                   path="/")
        bottle.response.set_header("Vary", "Cookie")
        return str(data["n"])

    lookup = [str(TEMPLATES_DIR)]
    settings = {"autoescape": True, "auto_reload": False}

    @app.get("/template")
    def template():
        return bottle.jinja2_template(TEMPLATE_NAME, title=TEMPLATE_TITLE, items=ITEMS,
                                      template_lookup=lookup, template_settings=settings)

    @app.post("/form")
    def form():
        f = request.forms
        return form_body(f.get("name"), f.get("email"), f.get("message"),
                         f.get("subscribe", "off"))

    static_root = str(STATIC_DIR)

    @app.get("/static/<filename:path>")
    def static(filename):
        return bottle.static_file(filename, root=static_root)

    @app.error(404)
    def not_found(error):
        return NOT_FOUND_HTML

    return app


def _github_view(method, route):
    names = param_names(route)

    def view(**values):
        return github_body(method, route, names, values)

    return view
