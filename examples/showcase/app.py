"""A tour of fastmicro: routing with converters, templates, a JSON API, a
form and static files.

Run it with ``python examples/showcase/app.py`` (or ``make serve``) and open
http://127.0.0.1:5000/. ``FASTMICRO_RUN_HOST`` and ``FASTMICRO_RUN_PORT``
change where it listens.

The same file runs on the real Flask by changing the import below to
``from flask import ...``.
"""
from __future__ import annotations

import os
from typing import Any

from fastmicro import Flask, abort, redirect, render_template, request, url_for

SEED_ITEMS = (
    {"name": "Keyboard", "qty": 3},
    {"name": "Mouse", "qty": 7},
    {"name": "Monitor", "qty": 1},
)


class ItemStore:
    """An in-memory list of ``{"id", "name", "qty"}`` dicts."""

    def __init__(self, seed: tuple[dict[str, Any], ...] = ()) -> None:
        self._items: list[dict[str, Any]] = []
        for item in seed:
            self.add(item["name"], item["qty"])

    def all(self) -> list[dict[str, Any]]:
        return [dict(item) for item in self._items]

    def get(self, item_id: int) -> dict[str, Any] | None:
        for item in self._items:
            if item["id"] == item_id:
                return dict(item)
        return None

    def add(self, name: str, qty: int) -> dict[str, Any]:
        item = {"id": len(self._items) + 1, "name": name, "qty": qty}
        self._items.append(item)
        return dict(item)


def validate_item(data: Any) -> tuple[dict[str, Any] | None, str | None]:
    """Return ``(clean item, None)`` or ``(None, error message)``."""
    if not isinstance(data, dict):
        return None, "expected a JSON object"
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        return None, "'name' must be a non-empty string"
    qty = data.get("qty", 0)
    if isinstance(qty, bool) or not isinstance(qty, int) or qty < 0:
        return None, "'qty' must be an integer >= 0"
    return {"name": name.strip(), "qty": qty}, None


def create_app() -> Flask:
    """A fresh app with its own item store."""
    app = Flask(__name__)
    store = ItemStore(SEED_ITEMS)
    app.extensions["items"] = store

    # -- pages and converters --------------------------------------------

    @app.route("/")
    def index() -> str:
        return render_template("index.html", items=store.all())

    @app.route("/items/<int:item_id>")
    def item_page(item_id: int) -> str:
        item = store.get(item_id)
        if item is None:
            abort(404)
        return render_template("item.html", item=item)

    @app.route("/greet/<name>")
    def greet(name: str) -> str:
        return render_template("greet.html", name=name)

    @app.route("/files/<path:subpath>")
    def show_path(subpath: str) -> dict[str, Any]:
        return {"path": subpath, "parts": subpath.split("/")}

    @app.route("/scale/<float:factor>")
    def scale(factor: float) -> dict[str, Any]:
        return {"factor": factor, "items": [
            {"name": i["name"], "qty": i["qty"] * factor} for i in store.all()
        ]}

    # -- JSON API ----------------------------------------------------------

    @app.get("/api/items")
    def api_list() -> dict[str, Any]:
        return {"items": store.all()}

    @app.post("/api/items")
    def api_create() -> tuple[dict[str, Any], int, dict[str, str]]:
        data = request.get_json(silent=True)
        clean, error = validate_item(data)
        if error is not None:
            return {"error": error}, 400, {}
        item = store.add(clean["name"], clean["qty"])
        location = url_for("api_item", item_id=item["id"])
        return item, 201, {"Location": location}

    @app.get("/api/items/<int:item_id>")
    def api_item(item_id: int) -> Any:
        item = store.get(item_id)
        if item is None:
            return {"error": f"no item {item_id}"}, 404
        return item

    # -- a form ------------------------------------------------------------

    @app.route("/order", methods=["GET", "POST"])
    def order() -> Any:
        if request.method == "GET":
            return render_template("order.html", items=store.all(), form={}, error=None)
        form = request.form
        name = form.get("name", "").strip()
        item = store.get(form.get("item_id", 0, type=int))
        qty = form.get("qty", 0, type=int)
        error = None
        if not name:
            error = "Please tell us your name."
        elif item is None:
            error = "Please choose an item."
        elif not 1 <= qty <= item["qty"]:
            error = f"Quantity must be between 1 and {item['qty']}."
        if error is not None:
            return render_template("order.html", items=store.all(), form=form, error=error), 400
        return redirect(url_for("order_done", name=name, item=item["name"], qty=qty))

    @app.route("/order/done")
    def order_done() -> str:
        return render_template(
            "order_done.html",
            name=request.args.get("name", ""),
            item=request.args.get("item", ""),
            qty=request.args.get("qty", 0, type=int),
        )

    return app


app = create_app()


if __name__ == "__main__":
    app.run(
        host=os.environ.get("FASTMICRO_RUN_HOST", "127.0.0.1"),
        port=int(os.environ.get("FASTMICRO_RUN_PORT", "5000")),
    )
