"""Flask-SQLAlchemy on SQLite with an unmodified app: models, one session
per request (scoped to the app context), teardown removing it and rolling
back what was not committed, ``get_or_404`` and ``paginate``."""
from __future__ import annotations

from _harness import Checks  # first: installs the switch for "fastmicro"

from flask import Flask, request  # noqa: E402
from flask_sqlalchemy import SQLAlchemy  # noqa: E402
from sqlalchemy import String, select  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column  # noqa: E402


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Book(db.Model):  # type: ignore[name-defined]
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80), unique=True)


def create_app() -> tuple[Flask, list[int]]:
    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", TESTING=True)
    db.init_app(app)
    sessions_seen: list[int] = []

    @app.post("/books")
    def add_book():
        book = Book(title=request.form["title"])
        db.session.add(book)
        if request.form.get("commit", "yes") == "yes":
            db.session.commit()
        sessions_seen.append(id(db.session()))
        return {"id": book.id}, 201

    @app.get("/books")
    def list_books():
        sessions_seen.append(id(db.session()))
        titles = db.session.scalars(select(Book.title).order_by(Book.id)).all()
        return {"titles": titles}

    @app.get("/books/<int:book_id>")
    def get_book(book_id: int):
        return {"title": db.get_or_404(Book, book_id).title}

    @app.get("/page")
    def page():
        p = db.paginate(select(Book).order_by(Book.id), max_per_page=2)
        return {"titles": [b.title for b in p.items], "page": p.page, "pages": p.pages, "total": p.total}

    return app, sessions_seen


def scenario(c: Checks) -> None:
    app, sessions_seen = create_app()
    c.true("extension registered", app.extensions.get("sqlalchemy") is db)
    with app.app_context():
        db.create_all()
        c.eq("empty table", db.session.scalar(select(db.func.count(Book.id))), 0)

    client = app.test_client()
    c.eq("create", (client.post("/books", data={"title": "Dune"}).status_code), 201)
    r = client.post("/books", data={"title": "Emma"})
    c.eq("create returns id", r.get_json(), {"id": 2})
    c.eq("list", client.get("/books").get_json(), {"titles": ["Dune", "Emma"]})

    # Not committed: the request's session is removed at teardown, which rolls
    # the pending insert back, so the next request does not see it.
    r = client.post("/books", data={"title": "Ghost", "commit": "no"})
    c.eq("uncommitted request ok", r.status_code, 201)
    c.eq("uncommitted row rolled back", client.get("/books").get_json(), {"titles": ["Dune", "Emma"]})
    c.eq("no session left after requests", len(db.session.registry.registry), 0)
    c.eq("one session per request", len(sessions_seen), 5)

    # Inside one app context, the session is the same object throughout and
    # is removed when the context ends.
    with app.app_context():
        first = db.session()
        c.true("same session within a context", db.session() is first)
        c.eq("context sees committed rows", db.session.get(Book, 1).title, "Dune")
    c.eq("session removed with the context", len(db.session.registry.registry), 0)

    c.eq("get_or_404 found", client.get("/books/2").get_json(), {"title": "Emma"})
    c.eq("get_or_404 missing", client.get("/books/99").status_code, 404)

    client.post("/books", data={"title": "Ulysses"})
    r = client.get("/page?page=2&per_page=2")
    c.eq("paginate", r.get_json(), {"titles": ["Ulysses"], "page": 2, "pages": 2, "total": 3})
    c.eq("paginate out of range", client.get("/page?page=9&per_page=2").status_code, 404)
    c.eq("paginate bad page is 404", client.get("/page?page=x").status_code, 404)

    # A unique-constraint error inside a view: the app's 500 handling, then
    # teardown still removes the broken session.
    app.config["TESTING"] = False
    app.logger.disabled = True
    c.eq("integrity error is 500", client.post("/books", data={"title": "Dune"}).status_code, 500)
    c.eq("after error, app still works", client.get("/books").get_json()["titles"], ["Dune", "Emma", "Ulysses"])
    c.eq("no session left after error", len(db.session.registry.registry), 0)


Checks().report(scenario)
