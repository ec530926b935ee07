"""The benchmark app on Bottle (``<name>`` rule syntax, a dict -> JSON).

A custom 404 handler returns Werkzeug's 404 page so every framework writes
the same bytes; Bottle's default error page goes through a template and is
slower, so this does not handicap Bottle.
"""
from __future__ import annotations

import bottle

from .common import HELLO, NOT_FOUND_HTML, github_body, load_routes, param_names, to_rule


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

    @app.error(404)
    def not_found(error):
        return NOT_FOUND_HTML

    return app


def _github_view(method, route):
    names = param_names(route)

    def view(**values):
        return github_body(method, route, names, values)

    return view
