"""A JSON REST API with class-based views (``MethodView``).

A collection of books at ``/books/`` and each book at ``/books/<id>``:

========  ===============  =====================================
method    URL              does
========  ===============  =====================================
GET       ``/books/``      list the books (``?author=`` filters)
POST      ``/books/``      add a book, ``201`` with ``Location``
GET       ``/books/<id>``  one book
PUT       ``/books/<id>``  replace a book
PATCH     ``/books/<id>``  change some fields of a book
DELETE    ``/books/<id>``  remove a book, ``204``
========  ===============  =====================================

Errors are JSON too: ``{"error": ..., "message": ...}`` with the status code
(400 bad JSON or a bad field, 404 no such book, 405, 415 not JSON).

Run it with ``python examples/rest_api/app.py``.
"""
from __future__ import annotations

import os
import threading
from typing import Any

from werkzeug.exceptions import BadRequest, HTTPException, NotFound

from fastmicro import Flask, Response, jsonify, request, url_for
from fastmicro.views import MethodView

#: The fields of a book and their types; all are required on POST and PUT.
FIELDS: dict[str, type] = {"title": str, "author": str, "year": int}


class BookStore:
    """Books in memory, keyed by id. A lock makes it safe under a threaded server."""

    def __init__(self) -> None:
        self._books: dict[int, dict[str, Any]] = {}
        self._next_id = 1
        self._lock = threading.Lock()

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(book) for book in self._books.values()]

    def get(self, book_id: int) -> dict[str, Any]:
        with self._lock:
            book = self._books.get(book_id)
        if book is None:
            raise NotFound(f"No book with id {book_id}.")
        return dict(book)

    def add(self, fields: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            book = {"id": self._next_id, **fields}
            self._books[self._next_id] = book
            self._next_id += 1
            return dict(book)

    def update(self, book_id: int, fields: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            book = self._books.get(book_id)
            if book is None:
                raise NotFound(f"No book with id {book_id}.")
            book.update(fields)
            return dict(book)

    def delete(self, book_id: int) -> None:
        with self._lock:
            if self._books.pop(book_id, None) is None:
                raise NotFound(f"No book with id {book_id}.")


def book_fields(partial: bool = False) -> dict[str, Any]:
    """The request's JSON body checked against :data:`FIELDS`.

    ``request.get_json()`` itself answers 415 when the body is not JSON and
    400 when it does not parse; this adds 400 for anything but an object, an
    unknown field, a field of the wrong type or (unless ``partial``) a
    missing one.
    """
    data = request.get_json()
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise BadRequest(f"Unknown field(s): {', '.join(unknown)}.")
    if not partial:
        missing = [name for name in FIELDS if name not in data]
        if missing:
            raise BadRequest(f"Missing field(s): {', '.join(missing)}.")
    for name, value in data.items():
        expected = FIELDS[name]
        # bool is an int subclass; a year of `true` is still wrong.
        if not isinstance(value, expected) or isinstance(value, bool):
            raise BadRequest(f"{name!r} must be of type {expected.__name__}.")
    if isinstance(data.get("title"), str) and not data["title"].strip():
        raise BadRequest("'title' must not be empty.")
    return data


class BookList(MethodView):
    """``/books/``: the collection."""

    init_every_request = False

    def __init__(self, store: BookStore) -> None:
        self.store = store

    def get(self) -> Response:
        books = self.store.all()
        author = request.args.get("author")
        if author is not None:
            books = [book for book in books if book["author"] == author]
        return jsonify(books)

    def post(self) -> tuple[Response, int, dict[str, str]]:
        book = self.store.add(book_fields())
        location = url_for("book", book_id=book["id"])
        return jsonify(book), 201, {"Location": location}


class BookItem(MethodView):
    """``/books/<id>``: one book."""

    init_every_request = False

    def __init__(self, store: BookStore) -> None:
        self.store = store

    def get(self, book_id: int) -> dict[str, Any]:
        return self.store.get(book_id)

    def put(self, book_id: int) -> dict[str, Any]:
        return self.store.update(book_id, book_fields())

    def patch(self, book_id: int) -> dict[str, Any]:
        return self.store.update(book_id, book_fields(partial=True))

    def delete(self, book_id: int) -> tuple[str, int]:
        self.store.delete(book_id)
        return "", 204


def create_app(store: BookStore | None = None) -> Flask:
    """The API application, with its own (or the given) :class:`BookStore`."""
    app = Flask(__name__)
    store = store if store is not None else BookStore()
    app.extensions["books"] = store

    app.add_url_rule("/books/", view_func=BookList.as_view("books", store))
    app.add_url_rule("/books/<int:book_id>", view_func=BookItem.as_view("book", store))

    @app.errorhandler(HTTPException)
    def json_error(error: HTTPException) -> tuple[dict[str, Any], int, list[tuple[str, str]]]:
        # Every HTTP error (404, 405, 415, the 400s raised above) as JSON,
        # keeping the Allow header a 405 carries.
        body = {"error": error.name, "message": error.description}
        allow = [(k, v) for k, v in error.get_headers() if k == "Allow"]
        return body, error.code or 500, allow

    return app


app = create_app()

if __name__ == "__main__":
    app.run(
        host=os.environ.get("FASTMICRO_RUN_HOST", "127.0.0.1"),
        port=int(os.environ.get("FASTMICRO_RUN_PORT", "5000")),
    )
