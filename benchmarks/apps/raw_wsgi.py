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

No request/response objects, no header parsing beyond that, no HEAD/OPTIONS
handling.
"""
from __future__ import annotations

import json
from urllib.parse import parse_qsl

from .common import HELLO, HTML, JSON, NOT_FOUND_HTML, github_body, load_routes, param_names

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
    static = {"/": _hello, "/json": _json}
    trie = _build_trie(routes)

    def app(environ, start_response):
        path = environ.get("PATH_INFO") or "/"
        handler = static.get(path)
        if handler is not None:
            return handler(environ, start_response)
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
