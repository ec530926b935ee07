"""Porting a Flask app is changing its import line.

Each app below is written ONCE, as Flask source text (``from flask import
...``). It is executed twice: as-is on the real Flask, and with that line
rewritten to ``from fastmicro import ...``. The same request sequence then
goes through both test clients, and every response must have the same status,
body and Content-Type, Content-Length, Location and Allow headers.
"""
from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path
from typing import Any

import pytest

HELLO_APP = '''
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello_world():
    return "<p>Hello, World!</p>"
'''

JSON_API_APP = '''
from flask import Flask, abort, jsonify, request, url_for

app = Flask(__name__)
app.config["TESTING"] = True
todos = {}
next_id = [1]


def _load():
    data = request.get_json()
    if not isinstance(data, dict) or not isinstance(data.get("title"), str):
        abort(400, description="'title' (a string) is required")
    return data


@app.errorhandler(400)
def bad_request(e):
    return jsonify(error="bad request", message=e.description), 400


@app.errorhandler(404)
def not_found(e):
    return jsonify(error="not found", path=request.path), 404


@app.errorhandler(405)
def method_not_allowed(e):
    return jsonify(error="method not allowed"), 405


@app.get("/todos")
def list_todos():
    done = request.args.get("done")
    items = list(todos.values())
    if done is not None:
        items = [t for t in items if t["done"] == (done == "1")]
    return jsonify(items)


@app.post("/todos")
def create_todo():
    data = _load()
    todo = {"id": next_id[0], "title": data["title"], "done": bool(data.get("done", False))}
    todos[todo["id"]] = todo
    next_id[0] += 1
    response = jsonify(todo)
    response.status_code = 201
    response.headers["Location"] = url_for("get_todo", todo_id=todo["id"])
    return response


@app.get("/todos/<int:todo_id>")
def get_todo(todo_id):
    if todo_id not in todos:
        abort(404)
    return jsonify(todos[todo_id])


@app.route("/todos/<int:todo_id>", methods=["PUT", "PATCH"])
def update_todo(todo_id):
    todo = todos.get(todo_id) or abort(404)
    data = request.get_json()
    if not isinstance(data, dict):
        abort(400, description="expected an object")
    if request.method == "PUT":
        data = _load()
    for key in ("title", "done"):
        if key in data:
            todo[key] = data[key]
    return jsonify(todo)


@app.delete("/todos/<int:todo_id>")
def delete_todo(todo_id):
    if todos.pop(todo_id, None) is None:
        abort(404)
    return "", 204


@app.get("/stats")
def stats():
    return {"count": len(todos), "done": sum(t["done"] for t in todos.values()),
            "ids": sorted(todos)}
'''


def _two_hundred_routes_app() -> tuple[str, list[tuple[str, str, dict[str, Any]]]]:
    """Source of an app with 200 routes, and the requests to send it."""
    lines = [
        "from flask import Flask, abort, jsonify, redirect, request, url_for",
        "",
        "app = Flask(__name__)",
        "",
    ]
    requests: list[tuple[str, str, dict[str, Any]]] = []
    for i in range(200):
        kind = i % 8
        if kind == 0:  # static path, string body
            lines += [f'@app.route("/section{i}/static")', f"def view{i}():",
                      f'    return "static {i}"']
            requests += [("GET", f"/section{i}/static", {}), ("POST", f"/section{i}/static", {})]
        elif kind == 1:  # int converter, JSON dict
            lines += [f'@app.route("/section{i}/items/<int:item_id>")', f"def view{i}(item_id):",
                      f'    return {{"route": {i}, "item_id": item_id}}']
            requests += [("GET", f"/section{i}/items/{i * 7}", {}),
                         ("GET", f"/section{i}/items/x{i}", {})]
        elif kind == 2:  # string converter, trailing slash (redirect without it)
            lines += [f'@app.route("/section{i}/users/<name>/")', f"def view{i}(name):",
                      f'    return f"user {{name}} in {i}"']
            requests += [("GET", f"/section{i}/users/u{i}/", {}),
                         ("GET", f"/section{i}/users/u{i}", {})]
        elif kind == 3:  # several methods, request.method and form
            lines += [f'@app.route("/section{i}/form", methods=["GET", "POST", "PUT"])',
                      f"def view{i}():",
                      "    if request.method == 'GET':",
                      f'        return "form {i}"',
                      "    return {'method': request.method, 'form': request.form.to_dict()}, 202"]
            requests += [("GET", f"/section{i}/form", {}),
                         ("POST", f"/section{i}/form", {"data": {"a": str(i)}}),
                         ("DELETE", f"/section{i}/form", {})]
        elif kind == 4:  # path converter, jsonify list
            lines += [f'@app.route("/section{i}/files/<path:subpath>")', f"def view{i}(subpath):",
                      "    return jsonify(subpath.split('/'))"]
            requests += [("GET", f"/section{i}/files/a/b/{i}.txt", {})]
        elif kind == 5:  # redirect via url_for to the previous int route
            target = i - 4
            lines += [f'@app.route("/section{i}/go/<int:n>")', f"def view{i}(n):",
                      f'    return redirect(url_for("view{target}", item_id=n, q="x y"))']
            requests += [("GET", f"/section{i}/go/{i}", {})]
        elif kind == 6:  # abort and query args, tuple with headers
            lines += [f'@app.route("/section{i}/maybe")', f"def view{i}():",
                      "    if request.args.get('ok') != '1':",
                      "        abort(403)",
                      f'    return "ok {i}", 200, {{"Content-Type": "text/plain"}}']
            requests += [("GET", f"/section{i}/maybe", {}), ("GET", f"/section{i}/maybe?ok=1", {})]
        else:  # float converter, explicit endpoint via add_url_rule
            lines += [f"def view{i}(x):", f'    return f"{i}: {{x * 2}}"',
                      f'app.add_url_rule("/section{i}/double/<float:x>", endpoint="double{i}",'
                      f" view_func=view{i})"]
            requests += [("GET", f"/section{i}/double/1.25", {}),
                         ("HEAD", f"/section{i}/double/1.25", {})]
        lines.append("")
    requests += [("GET", "/", {}), ("GET", "/section999/static", {}),
                 ("OPTIONS", "/section3/form", {})]
    return "\n".join(lines), requests


TWO_HUNDRED_ROUTES_APP, TWO_HUNDRED_ROUTES_REQUESTS = _two_hundred_routes_app()

HELLO_REQUESTS = [
    ("GET", "/", {}),
    ("HEAD", "/", {}),
    ("OPTIONS", "/", {}),
    ("POST", "/", {}),
    ("GET", "/?name=x", {}),
    ("GET", "/missing", {}),
    ("GET", "/static/nothing.css", {}),
]

JSON_API_REQUESTS = [
    ("GET", "/todos", {}),
    ("POST", "/todos", {"json": {"title": "write tests"}}),
    ("POST", "/todos", {"json": {"title": "port app", "done": True}}),
    ("POST", "/todos", {"json": {"name": "no title"}}),
    ("POST", "/todos", {"json": ["not", "an", "object"]}),
    ("POST", "/todos", {"data": "{broken", "content_type": "application/json"}),
    ("POST", "/todos", {"data": "title=form", "content_type": "application/x-www-form-urlencoded"}),
    ("GET", "/todos", {}),
    ("GET", "/todos?done=1", {}),
    ("GET", "/todos/1", {}),
    ("GET", "/todos/99", {}),
    ("GET", "/todos/abc", {}),
    ("PATCH", "/todos/1", {"json": {"done": True}}),
    ("PUT", "/todos/2", {"json": {"title": "ported", "done": False}}),
    ("PUT", "/todos/2", {"json": {"done": True}}),
    ("PATCH", "/todos/7", {"json": {"done": True}}),
    ("DELETE", "/todos/1", {}),
    ("DELETE", "/todos/1", {}),
    ("GET", "/todos/1", {}),
    ("POST", "/todos/2", {}),
    ("PUT", "/todos", {}),
    ("GET", "/stats", {}),
    ("OPTIONS", "/todos/2", {}),
    ("GET", "/nowhere", {}),
]

APPS = {
    "hello": (HELLO_APP, HELLO_REQUESTS),
    "two_hundred_routes": (TWO_HUNDRED_ROUTES_APP, TWO_HUNDRED_ROUTES_REQUESTS),
    "json_api": (JSON_API_APP, JSON_API_REQUESTS),
}

_counter = itertools.count()


def _port(source: str) -> str:
    """The one change a port makes: the import line."""
    lines = source.splitlines(keepends=True)
    imports = [n for n, line in enumerate(lines) if line.startswith("from flask import ")]
    assert len(imports) == 1, "the app must import flask on exactly one line"
    n = imports[0]
    lines[n] = lines[n].replace("from flask import ", "from fastmicro import ", 1)
    ported = "".join(lines)
    assert "flask" not in ported.replace("Flask", "")
    return ported


def _exec_app(source: str, tmp_path: Path, tag: str):
    """Execute ``source`` as a module file and return its ``app``."""
    name = f"_ported_{tag}_{next(_counter)}"
    path = tmp_path / tag / f"{name}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    return module.app


def _summary(response) -> dict[str, Any]:
    allow = response.headers.get("Allow")
    return {
        "status": response.status,
        "body": response.get_data(),
        "Content-Type": response.headers.get("Content-Type"),
        "Content-Length": response.headers.get("Content-Length"),
        "Location": response.headers.get("Location"),
        # The order of Allow comes from a set in Werkzeug (it varies with the
        # hash seed even on Flask), so the methods are compared as a set.
        "Allow": None if allow is None else sorted(m.strip() for m in allow.split(",")),
    }


def _run(app, requests) -> list[dict[str, Any]]:
    client = app.test_client()
    results = []
    for method, url, kwargs in requests:
        response = client.open(url, method=method, **kwargs)
        try:
            results.append(_summary(response))
        finally:
            response.close()
    return results


@pytest.mark.parametrize("name", list(APPS))
def test_ported_app_answers_like_flask(name: str, tmp_path: Path) -> None:
    import fastmicro
    import flask

    source, requests = APPS[name]
    flask_app = _exec_app(source, tmp_path, "flask")
    fm_app = _exec_app(_port(source), tmp_path, "fastmicro")
    assert type(flask_app) is flask.Flask
    assert isinstance(fm_app, fastmicro.FastMicro)
    assert sorted(r.rule for r in fm_app.url_map.iter_rules()) == sorted(
        r.rule for r in flask_app.url_map.iter_rules()
    )

    expected = _run(flask_app, requests)
    got = _run(fm_app, requests)
    assert len(expected) == len(got) == len(requests)
    differences = [
        f"{method} {url}: {key}: flask={want[key]!r} fastmicro={have[key]!r}"
        for (method, url, _), want, have in zip(requests, expected, got)
        for key in want
        if want[key] != have[key]
    ]
    assert not differences, "\n".join(differences)


def test_two_hundred_routes_app_has_200_routes(tmp_path: Path) -> None:
    app = _exec_app(_port(TWO_HUNDRED_ROUTES_APP), tmp_path, "count")
    assert len([r for r in app.url_map.iter_rules() if r.endpoint != "static"]) == 200


def test_sequences_exercise_every_kind_of_answer(tmp_path: Path) -> None:
    """The request sequences are not trivial: on the real Flask they produce
    successes, redirects, client errors and every compared header."""
    import flask  # noqa: F401

    statuses: set[int] = set()
    headers: set[str] = set()
    for source, requests in APPS.values():
        for result in _run(_exec_app(source, tmp_path, "flask"), requests):
            statuses.add(int(result["status"].split()[0]))
            headers |= {k for k in ("Location", "Allow") if result[k] is not None}
    assert {200, 201, 204, 308, 302, 400, 403, 404, 405} <= statuses
    assert headers == {"Location", "Allow"}
