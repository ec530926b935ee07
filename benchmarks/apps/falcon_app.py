"""The benchmark app on Falcon 4: resources with ``on_<method>`` responders.

Falcon's defaults differ from Flask's in two places the scenarios observe, so
the app states Flask's behaviour explicitly (both are plain assignments, no
extra work per request):

* text responses set ``content_type`` to ``text/html; charset=utf-8``
  (Falcon's default media type is JSON);
* the error serializer writes Werkzeug's 404 HTML page instead of Falcon's
  content-negotiated JSON error document (cheaper than the default, if
  anything, so it does not handicap Falcon).

The other scenarios, idiomatically: ``req.user_agent``, ``req.cookies`` and
``req.client_prefers`` (headers); ``req.get_media()`` on the urlencoded body
(form); ``app.add_static_route`` (static, with Falcon's own ``ETag`` and
``Last-Modified``); Jinja, which Falcon leaves to the app (template). Falcon
has no sessions: the session resource uses itsdangerous with Flask's cookie
settings, as a Falcon app would.
"""
from __future__ import annotations

import falcon

from .common import (
    HELLO,
    ITEMS,
    NOT_FOUND_HTML,
    OFFERED,
    SESSION_COOKIE,
    STATIC_DIR,
    TEMPLATE_NAME,
    TEMPLATE_TITLE,
    form_body,
    github_body,
    headers_body,
    jinja_env,
    load_routes,
    param_names,
    session_serializer,
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


class Headers:
    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_HTML
        theme = req.cookies.get("theme")
        resp.text = headers_body(req.client_prefers(OFFERED), theme, req.user_agent)


class Session:
    serializer = session_serializer()
    max_age = 31 * 24 * 3600  # Flask's PERMANENT_SESSION_LIFETIME

    def on_get(self, req, resp):
        data = {}
        values = req.get_cookie_values(SESSION_COOKIE)
        if values:
            try:
                data = self.serializer.loads(values[0], max_age=self.max_age)
            except Exception:  # noqa: BLE001 - a bad cookie is a new session
                data = {}
        data["n"] = data.get("n", 0) + 1
        resp.set_cookie(SESSION_COOKIE, self.serializer.dumps(data), secure=False,
                        http_only=True, path="/")
        resp.vary = ("Cookie",)
        resp.content_type = falcon.MEDIA_HTML
        resp.text = str(data["n"])


class Template:
    template = jinja_env().get_template(TEMPLATE_NAME)

    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self.template.render(title=TEMPLATE_TITLE, items=ITEMS)


class Form:
    def on_post(self, req, resp):
        f = req.get_media()
        resp.content_type = falcon.MEDIA_HTML
        resp.text = form_body(f["name"], f["email"], f["message"], f.get("subscribe", "off"))


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
    app.add_route("/headers", Headers())
    app.add_route("/session", Session())
    app.add_route("/template", Template())
    app.add_route("/form", Form())
    app.add_static_route("/static", str(STATIC_DIR))
    return app
