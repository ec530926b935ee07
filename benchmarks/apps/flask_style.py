"""The benchmark app written once against the Flask API.

``make_app(flask)`` and ``make_app(fastmicro)`` build the *same* source on
either framework, which is the point of the comparison.
"""
from __future__ import annotations

from .common import (
    HELLO,
    ITEMS,
    OFFERED,
    SECRET_KEY,
    TEMPLATE_NAME,
    TEMPLATE_TITLE,
    form_body,
    github_body,
    headers_body,
    load_routes,
    param_names,
    to_rule,
)


def make_app(flask_module, routes=None):
    """Build the app on ``flask_module`` (``flask`` or ``fastmicro``).

    ``routes`` is a ``[(METHOD, path)]`` list, or the table file/directory to
    read it from (default: ``../shared/routes/github.txt`` next to the repo).
    The app has no secret key (see :func:`make_session_app`); its templates
    and static files are ``apps/templates`` and ``apps/static``.
    """
    if routes is None or not isinstance(routes, list):
        routes = load_routes(routes)
    request = flask_module.request
    render_template = flask_module.render_template
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

    @app.route("/headers")
    def headers():
        return headers_body(request.accept_mimetypes.best_match(OFFERED),
                            request.cookies.get("theme"),
                            request.headers.get("User-Agent"))

    @app.route("/template")
    def template():
        return render_template(TEMPLATE_NAME, title=TEMPLATE_TITLE, items=ITEMS)

    @app.route("/form", methods=["POST"])
    def form():
        f = request.form
        return form_body(f["name"], f["email"], f["message"], f.get("subscribe", "off"))

    return app


def make_session_app(flask_module):
    """The ``session`` scenario's app: the only one with a secret key.

    PERF/fairness: Flask opens the session (parses cookies, builds a signing
    serializer) on every request once ``secret_key`` is set, so giving the
    main app a key would slow Flask's other scenarios and change their meaning.
    """
    session = flask_module.session
    app = flask_module.Flask(__name__)
    app.secret_key = SECRET_KEY

    @app.route("/session")
    def count():
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    return app


def _github_view(method, route):
    names = param_names(route)

    def view(**values):
        return github_body(method, route, names, values)

    view.__name__ = f"github_{method.lower()}_{len(names)}"
    return view
