"""examples/rest_api: the MethodView JSON API.

The example's source runs twice: as written (on fastmicro) and with its
imports pointed at the real Flask, so Flask proves every expectation.
"""
from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "examples" / "rest_api" / "app.py"


def _load(framework: str) -> types.ModuleType:
    code = SOURCE.read_text()
    if framework == "flask":
        code = code.replace("from fastmicro.views import", "from flask.views import")
        code = code.replace("from fastmicro import", "from flask import")
        assert "fastmicro import" not in code
    name = f"_example_rest_api_{framework}"
    module = types.ModuleType(name)
    module.__file__ = str(SOURCE)
    sys.modules[name] = module
    try:
        exec(compile(code, str(SOURCE), "exec"), module.__dict__)
    finally:
        del sys.modules[name]
    return module


@pytest.fixture(scope="module", params=["flask", "fastmicro"])
def example(request) -> types.ModuleType:
    return _load(request.param)


@pytest.fixture
def app(example):
    app = example.create_app()
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


DUNE = {"title": "Dune", "author": "Frank Herbert", "year": 1965}


def _add(client, **overrides):
    response = client.post("/books/", json={**DUNE, **overrides})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_runs_on_the_framework_it_was_loaded_for(example) -> None:
    expected = "flask" if example.__name__.endswith("flask") else "fastmicro"
    assert type(example.app).__module__.split(".")[0] == expected
    assert example.MethodView.__module__.split(".")[0] == expected


def test_empty_list(client) -> None:
    response = client.get("/books/")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == []


def test_create_then_get(client) -> None:
    response = client.post("/books/", json=DUNE)
    assert response.status_code == 201
    assert response.headers["Location"] == "/books/1"
    assert response.get_json() == {"id": 1, **DUNE}

    response = client.get("/books/1")
    assert response.status_code == 200
    assert response.get_json() == {"id": 1, **DUNE}
    assert client.get("/books/").get_json() == [{"id": 1, **DUNE}]


def test_filter_by_author(client) -> None:
    _add(client)
    _add(client, title="Emma", author="Jane Austen", year=1815)
    books = client.get("/books/?author=Jane+Austen").get_json()
    assert [book["title"] for book in books] == ["Emma"]
    assert client.get("/books/?author=nobody").get_json() == []


def test_put_replaces(client) -> None:
    _add(client)
    new = {"title": "Dune Messiah", "author": "Frank Herbert", "year": 1969}
    response = client.put("/books/1", json=new)
    assert response.status_code == 200
    assert response.get_json() == {"id": 1, **new}
    # PUT needs every field.
    response = client.put("/books/1", json={"title": "x"})
    assert response.status_code == 400
    assert "Missing field(s): author, year." == response.get_json()["message"]


def test_patch_changes_some_fields(client) -> None:
    _add(client)
    response = client.patch("/books/1", json={"year": 1966})
    assert response.status_code == 200
    assert response.get_json() == {"id": 1, **DUNE, "year": 1966}


def test_delete(client) -> None:
    _add(client)
    response = client.delete("/books/1")
    assert response.status_code == 204
    assert response.data == b""
    assert client.get("/books/1").status_code == 404
    assert client.delete("/books/1").status_code == 404


def test_ids_are_not_reused(client) -> None:
    _add(client)
    client.delete("/books/1")
    assert _add(client)["id"] == 2


def test_404_is_json(client) -> None:
    response = client.get("/books/7")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json() == {"error": "Not Found", "message": "No book with id 7."}
    # An unmatched URL, and a non-integer id, go through the same handler.
    assert client.get("/nowhere").get_json()["error"] == "Not Found"
    assert client.get("/books/abc").status_code == 404


def test_405_is_json_and_keeps_allow(client) -> None:
    response = client.delete("/books/")
    assert response.status_code == 405
    assert response.get_json()["error"] == "Method Not Allowed"
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "POST", "HEAD", "OPTIONS"} <= allowed


def test_415_when_not_json(client) -> None:
    response = client.post("/books/", data="title=Dune", content_type="text/plain")
    assert response.status_code == 415
    assert response.get_json()["error"] == "Unsupported Media Type"
    assert client.post("/books/", data={"title": "Dune"}).status_code == 415


def test_400_when_json_does_not_parse(client) -> None:
    response = client.post("/books/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "Bad Request"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([1, 2], "The body must be a JSON object."),
        ("Dune", "The body must be a JSON object."),
        ({**DUNE, "isbn": "x"}, "Unknown field(s): isbn."),
        ({"title": "Dune"}, "Missing field(s): author, year."),
        ({**DUNE, "year": "1965"}, "'year' must be of type int."),
        ({**DUNE, "year": True}, "'year' must be of type int."),
        ({**DUNE, "title": None}, "'title' must be of type str."),
        ({**DUNE, "title": "  "}, "'title' must not be empty."),
    ],
)
def test_400_on_invalid_book(client, body, message) -> None:
    response = client.post("/books/", json=body)
    assert response.status_code == 400
    assert response.get_json() == {"error": "Bad Request", "message": message}
    assert client.get("/books/").get_json() == []


def test_a_given_store_is_shared(example) -> None:
    store = example.BookStore()
    first = example.create_app(store).test_client()
    second = example.create_app(store).test_client()
    first.post("/books/", json=DUNE)
    assert second.get("/books/1").get_json()["title"] == "Dune"


def test_view_classes_are_made_once(app) -> None:
    # init_every_request = False: one instance serves every request.
    view = app.view_functions["books"]
    assert view.view_class.init_every_request is False
    assert set(view.methods) == {"GET", "POST"}
