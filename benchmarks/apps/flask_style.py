"""The benchmark app written once against the Flask API.

``make_app(flask)`` and ``make_app(fastmicro)`` build the *same* source on
either framework, which is the point of the comparison.
"""
from __future__ import annotations

from .common import HELLO, github_body, load_routes, param_names, to_rule


def make_app(flask_module, routes=None):
    """Build the app on ``flask_module`` (``flask`` or ``fastmicro``).

    ``routes`` is a ``[(METHOD, path)]`` list, or the table file/directory to
    read it from (default: ``../shared/routes/github.txt`` next to the repo).
    """
    if routes is None or not isinstance(routes, list):
        routes = load_routes(routes)
    request = flask_module.request
    app = flask_module.Flask(__name__)

    @app.route("/")
    def hello():
        return HELLO

    # One view function per table line, each under its own endpoint.
    for index, (method, route) in enumerate(routes):
        app.add_url_rule(
            to_rule(route),
            endpoint=f"github_{index}",
            view_func=_github_view(method, route),
            methods=[method],
        )

    @app.route("/json")
    def json_hello():
        return {"name": request.args.get("name", "world"), "hello": True}

    return app


def _github_view(method, route):
    names = param_names(route)

    def view(**values):
        return github_body(method, route, names, values)

    view.__name__ = f"github_{method.lower()}_{len(names)}"
    return view
