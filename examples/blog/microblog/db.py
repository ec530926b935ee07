"""The SQLite connection: one per request, opened on first use."""
from __future__ import annotations

import sqlite3
from datetime import datetime

import click

from fastmicro import Flask, current_app, g
from fastmicro.cli import with_appcontext


def get_db() -> sqlite3.Connection:
    """The request's database connection, opened on first use.

    Rows come back as :class:`sqlite3.Row`, so columns are read by name.
    """
    if "db" not in g:
        g.db = sqlite3.connect(
            current_app.config["DATABASE"], detect_types=sqlite3.PARSE_DECLTYPES
        )
        g.db.row_factory = sqlite3.Row
    return g.db


def close_db(e: BaseException | None = None) -> None:
    """Close the connection, if this request opened one."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_db() -> None:
    """Drop the tables and create them again from ``schema.sql``."""
    db = get_db()
    with current_app.open_resource("schema.sql") as f:
        db.executescript(f.read().decode("utf8"))


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Clear the existing data and create new tables."""
    init_db()
    click.echo("Initialized the database.")


# ``created`` is stored as an ISO timestamp; read it back as a datetime.
sqlite3.register_converter("timestamp", lambda v: datetime.fromisoformat(v.decode()))


def init_app(app: Flask) -> None:
    """Register the teardown and the ``init-db`` command on ``app``."""
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
