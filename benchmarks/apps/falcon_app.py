"""The benchmark app on Falcon 4: resources with ``on_<method>`` responders.

Falcon's defaults differ from Flask's in two places the scenarios observe, so
the app states Flask's behaviour explicitly (both are plain assignments, no
extra work per request):

* text responses set ``content_type`` to ``text/html; charset=utf-8``
  (Falcon's default media type is JSON);
* the error serializer writes Werkzeug's 404 HTML page instead of Falcon's
  content-negotiated JSON error document (cheaper than the default, if
  anything, so it does not handicap Falcon).
"""
from __future__ import annotations

import falcon

from .common import (
    HELLO,
    NOT_FOUND_HTML,
    github_body,
    load_routes,
    param_names,
    to_falcon,
)

_NOT_FOUND = NOT_FOUND_HTML.encode()


class Hello:
    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_HTML
        resp.text = HELLO


class JsonHello:
    def on_get(self, req, resp):
        resp.media = {"name": req.get_param("name", default="world"), "hello": True}


def _responder(method, route):
    names = param_names(route)

    def responder(self, req, resp, **values):
        resp.content_type = falcon.MEDIA_HTML
        resp.text = github_body(method, route, names, values)

    return responder


def _error_serializer(req, resp, exception):
    resp.content_type = falcon.MEDIA_HTML
    if exception.status_code == 404:
        resp.data = _NOT_FOUND
    else:
        resp.data = f"<title>{exception.status}</title>\n".encode()


def make_app(routes=None):
    """Build the Falcon app (``routes`` as for ``flask_style.make_app``)."""
    if routes is None or not isinstance(routes, list):
        routes = load_routes(routes)
    app = falcon.App()
    app.set_error_serializer(_error_serializer)
    app.add_route("/", Hello())

    # Falcon takes one resource per URI template: group the table's methods.
    by_template: dict[str, dict] = {}
    for method, route in routes:
        by_template.setdefault(to_falcon(route), {})[f"on_{method.lower()}"] = _responder(
            method, route
        )
    for index, (template, responders) in enumerate(by_template.items()):
        resource_cls = type(f"GitHub{index}", (), responders)
        app.add_route(template, resource_cls())

    app.add_route("/json", JsonHello())
    return app
