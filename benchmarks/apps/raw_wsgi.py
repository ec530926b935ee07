"""Hand-written WSGI: the floor every framework is measured against.

It does the minimum to produce the same responses as the Flask app:

* ``/`` and ``/json`` are found with one dict lookup on ``PATH_INFO``;
  ``/json`` parses ``QUERY_STRING`` with :func:`urllib.parse.parse_qsl` and
  encodes with Flask's settings (sorted keys, compact, trailing newline);
* the GitHub table is a segment trie (no regular expressions): the path is
  split on ``/`` and walked one dict lookup per segment, trying the static
  child before the parameter child and backtracking if that branch fails;
  the leaf maps the method to a prebuilt view. A known path with another
  method answers 405 with ``Allow``;
* anything else gets a prebuilt 404 (Werkzeug's page).
* ``/headers``: Werkzeug's ``parse_accept_header`` and ``parse_cookie`` on
  the two headers it needs;
* ``/session``: Werkzeug's ``parse_cookie``, itsdangerous with Flask's cookie
  settings (the same signing and JSON work Flask does), ``dump_cookie``;
* ``/template``: a Jinja template compiled once, rendered with autoescaping;
* ``/form``: ``CONTENT_LENGTH`` bytes of ``wsgi.input`` through ``parse_qsl``;
* ``/static/<file>``: ``os.stat`` + read, ``ETag`` from mtime and size,
  ``Last-Modified`` with ``email.utils.formatdate`` (no 304 handling).

No request/response objects, no header parsing beyond that, no HEAD/OPTIONS
handling.
"""
from __future__ import annotations

import json
import os
from email.utils import formatdate
from urllib.parse import parse_qsl

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import dump_cookie, parse_accept_header, parse_cookie

from .common import (
    HELLO,
    HTML,
    JSON,
    NOT_FOUND_HTML,
    OFFERED,
    SESSION_COOKIE,
    STATIC_DIR,
    TEMPLATE_NAME,
    TEMPLATE_TITLE,
    ITEMS,
    form_body,
    github_body,
    headers_body,
    jinja_env,
    load_routes,
    param_names,
    session_serializer,
    _static_mimetype,
)

_HELLO = HELLO.encode()
_HELLO_HEADERS = [("Content-Type", HTML), ("Content-Length", str(len(_HELLO)))]
_NOT_FOUND = NOT_FOUND_HTML.encode()
_NOT_FOUND_HEADERS = [("Content-Type", HTML), ("Content-Length", str(len(_NOT_FOUND)))]


def _hello(environ, start_response):
    start_response("200 OK", list(_HELLO_HEADERS))
    return [_HELLO]


def _json(environ, start_response):
    name = "world"
    for key, value in parse_qsl(environ.get("QUERY_STRING", "")):
        if key == "name":
            name = value
            break
    body = (
        json.dumps({"name": name, "hello": True}, sort_keys=True, separators=(",", ":"))
        + "\n"
    ).encode()
    start_response("200 OK", [("Content-Type", JSON), ("Content-Length", str(len(body)))])
    return [body]


def _text(start_response, text, ctype=HTML, extra=()):
    body = text.encode()
    start_response("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body))),
                              *extra])
    return [body]


def _headers(environ, start_response):
    best = parse_accept_header(environ.get("HTTP_ACCEPT"), MIMEAccept).best_match(OFFERED)
    theme = parse_cookie(environ.get("HTTP_COOKIE", "")).get("theme")
    return _text(start_response, headers_body(best, theme, environ.get("HTTP_USER_AGENT")))


_SESSION = session_serializer()
_MAX_AGE = 31 * 24 * 3600  # Flask's PERMANENT_SESSION_LIFETIME


def _session(environ, start_response):
    try:
        data = _SESSION.loads(parse_cookie(environ.get("HTTP_COOKIE", ""))[SESSION_COOKIE],
                              max_age=_MAX_AGE)
    except Exception:  # noqa: BLE001 - a bad or missing cookie is a new session
        data = {}
    data["n"] = data.get("n", 0) + 1
    cookie = dump_cookie(SESSION_COOKIE, _SESSION.dumps(data), httponly=True, path="/")
    return _text(start_response, str(data["n"]),
                 extra=(("Vary", "Cookie"), ("Set-Cookie", cookie)))


_TEMPLATE = jinja_env().get_template(TEMPLATE_NAME)


def _template(environ, start_response):
    return _text(start_response, _TEMPLATE.render(title=TEMPLATE_TITLE, items=ITEMS))


def _form(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    fields = dict(parse_qsl(environ["wsgi.input"].read(length).decode()))
    return _text(start_response, form_body(fields["name"], fields["email"], fields["message"],
                                           fields.get("subscribe", "off")))


_STATIC_TYPE = _static_mimetype() + "; charset=utf-8"


def _static(environ, start_response, name):
    path = os.path.join(STATIC_DIR, name)
    if "/" in name or name.startswith(".") or not os.path.isfile(path):
        return _not_found(start_response)
    st = os.stat(path)
    with open(path, "rb") as fh:
        body = fh.read()
    start_response("200 OK", [
        ("Content-Type", _STATIC_TYPE), ("Content-Length", str(len(body))),
        ("ETag", f'"{int(st.st_mtime):x}-{st.st_size:x}"'),
        ("Last-Modified", formatdate(st.st_mtime, usegmt=True)),
        ("Cache-Control", "no-cache"),
    ])
    return [body]


def _not_found(start_response):
    start_response("404 NOT FOUND", list(_NOT_FOUND_HEADERS))
    return [_NOT_FOUND]


class _Node:
    __slots__ = ("static", "param", "param_name", "handlers")

    def __init__(self):
        self.static = {}
        self.param = None
        self.param_name = None
        self.handlers = None  # {METHOD: (route, names)}


def _build_trie(routes):
    root = _Node()
    for method, route in routes:
        node = root
        for seg in route.strip("/").split("/"):
            if seg.startswith(":"):
                if node.param is None:
                    node.param = _Node()
                    node.param_name = seg[1:]
                node = node.param
            else:
                node = node.static.setdefault(seg, _Node())
        if node.handlers is None:
            node.handlers = {}
        node.handlers[method] = (route, param_names(route))
    return root


def _match(node, segs, index, values):
    if index == len(segs):
        return node if node.handlers is not None else None
    seg = segs[index]
    child = node.static.get(seg)
    if child is not None:
        found = _match(child, segs, index + 1, values)
        if found is not None:
            return found
    if node.param is not None and seg:
        values.append(seg)
        found = _match(node.param, segs, index + 1, values)
        if found is not None:
            return found
        values.pop()
    return None


def make_app(routes=None):
    """Build the raw WSGI callable (``routes`` as for ``flask_style.make_app``)."""
    if routes is None or not isinstance(routes, list):
        routes = load_routes(routes)
    static = {"/": _hello, "/json": _json, "/headers": _headers, "/session": _session,
              "/template": _template}
    trie = _build_trie(routes)

    def app(environ, start_response):
        path = environ.get("PATH_INFO") or "/"
        handler = static.get(path)
        if handler is not None:
            return handler(environ, start_response)
        if path == "/form" and environ["REQUEST_METHOD"] == "POST":
            return _form(environ, start_response)
        if path.startswith("/static/"):
            return _static(environ, start_response, path[8:])
        values = []
        leaf = _match(trie, path[1:].split("/"), 0, values)
        if leaf is None:
            return _not_found(start_response)
        method = environ["REQUEST_METHOD"]
        view = leaf.handlers.get(method)
        if view is None:
            allow = ", ".join(sorted(leaf.handlers))
            start_response("405 METHOD NOT ALLOWED", [("Allow", allow), ("Content-Length", "0")])
            return [b""]
        route, names = view
        body = github_body(method, route, names, dict(zip(names, values))).encode()
        start_response("200 OK", [("Content-Type", HTML), ("Content-Length", str(len(body)))])
        return [body]

    return app
