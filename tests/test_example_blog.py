"""examples/blog: the tutorial's blog application, end to end.

Every test gets a fresh app on its own SQLite file under ``tmp_path``, filled
with two users (``test``/``test``, ``other``/``other``) and one post by
``test``. The package runs twice: as written (on fastmicro) and copied with
its imports pointed at the real Flask, so Flask proves every expectation.
"""
from __future__ import annotations

import importlib
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

BLOG_ROOT = Path(__file__).resolve().parents[1] / "examples" / "blog"


def _as_flask(package: Path) -> None:
    """Point the copied package's imports at the real Flask."""
    for path in package.glob("*.py"):
        code = path.read_text()
        code = code.replace("from fastmicro.cli import", "from flask.cli import")
        code = code.replace("from fastmicro import", "from flask import")
        assert "from fastmicro" not in code
        path.write_text(code)


def _cheap_hash(password: str) -> str:
    return generate_password_hash(password, method="pbkdf2:sha256:1000")


def _forget_microblog() -> None:
    for name in [n for n in sys.modules if n == "microblog" or n.startswith("microblog.")]:
        del sys.modules[name]


@pytest.fixture(scope="module", params=["flask", "fastmicro"])
def fw(request):
    """The framework module (``flask`` or ``fastmicro``) the blog runs on."""
    return importlib.import_module(request.param)


@pytest.fixture(scope="module")
def microblog(fw, tmp_path_factory):
    if fw.__name__ == "flask":
        root = tmp_path_factory.mktemp("flask_blog")
        shutil.copytree(BLOG_ROOT / "microblog", root / "microblog")
        _as_flask(root / "microblog")
    else:
        root = BLOG_ROOT
    # create_app() without a test config makes <root>/instance/; the tests
    # must not leave it behind in the checkout.
    instance = root / "instance"
    instance_existed = instance.exists()
    _forget_microblog()
    sys.path.insert(0, str(root))
    try:
        module = importlib.import_module("microblog")
        assert Path(module.__file__).is_relative_to(root)
        yield module
    finally:
        sys.path.remove(str(root))
        _forget_microblog()
        if not instance_existed and instance.is_dir() and not any(instance.iterdir()):
            instance.rmdir()


@pytest.fixture
def app(microblog, tmp_path):
    db_path = tmp_path / "blog.sqlite"
    app = microblog.create_app({"TESTING": True, "DATABASE": str(db_path)})
    with app.app_context():
        from microblog.db import get_db, init_db

        init_db()
        db = get_db()
        # executescript() cannot bind parameters: two statements instead.
        db.execute(
            "INSERT INTO user (username, password) VALUES ('test', ?), ('other', ?)",
            # PERF: a cheap hash for the fixture users (check_password_hash
            # reads the method from the hash); registration still uses the
            # default, and test_register checks that path.
            (_cheap_hash("test"), _cheap_hash("other")),
        )
        db.execute(
            "INSERT INTO post (title, body, author_id, created)"
            " VALUES ('test title', 'test\nbody', 1, '2018-01-01 00:00:00')"
        )
        db.commit()
    return app


@pytest.fixture
def client(app):
    return app.test_client()


class AuthActions:
    def __init__(self, client) -> None:
        self._client = client

    def login(self, username: str = "test", password: str = "test"):
        return self._client.post(
            "/auth/login", data={"username": username, "password": password}
        )

    def logout(self):
        return self._client.get("/auth/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


# -- the factory ----------------------------------------------------------------


def test_config(fw, microblog, tmp_path) -> None:
    default = microblog.create_app()
    assert isinstance(default, fw.Flask)
    assert not default.testing
    assert default.config["DATABASE"].endswith("microblog.sqlite")
    assert microblog.create_app({"TESTING": True, "DATABASE": str(tmp_path / "x")}).testing


def test_hello(client) -> None:
    response = client.get("/hello")
    assert response.status_code == 200
    assert response.data == b"Hello, World!"


def test_static_css(client) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert b"font-family" in response.data
    response.close()


# -- the database -----------------------------------------------------------------


def test_get_close_db(app) -> None:
    from microblog.db import get_db

    with app.app_context():
        db = get_db()
        assert get_db() is db  # one connection per context

    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        db.execute("SELECT 1")


def test_init_db_command(app) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Initialized" in result.output
    # init-db starts from empty tables.
    with app.app_context():
        from microblog.db import get_db

        assert get_db().execute("SELECT COUNT(*) FROM user").fetchone()[0] == 0


def test_init_db_through_the_command_line(fw, app) -> None:
    """``fastmicro --app microblog init-db`` as a user types it."""
    cli_module = importlib.import_module(f"{fw.__name__}.cli")
    cli, ScriptInfo = cli_module.cli, cli_module.ScriptInfo

    result = app.test_cli_runner().invoke(
        cli, ["init-db"], obj=ScriptInfo(create_app=lambda: app)
    )
    assert result.exit_code == 0, result.output
    assert result.output == "Initialized the database.\n"


def test_command_line_finds_the_factory(fw, microblog, monkeypatch) -> None:
    """``--app microblog`` finds ``create_app`` by name."""
    from click.testing import CliRunner

    cli = importlib.import_module(f"{fw.__name__}.cli").cli
    monkeypatch.chdir(Path(microblog.__file__).parents[1])
    result = CliRunner().invoke(cli, ["--app", "microblog", "routes"])
    assert result.exit_code == 0, result.output
    for endpoint in ("auth.login", "auth.register", "blog.create", "blog.delete", "index"):
        assert endpoint in result.output


def test_created_is_a_datetime(app) -> None:
    from datetime import datetime

    from microblog.db import get_db

    with app.app_context():
        created = get_db().execute("SELECT created FROM post").fetchone()["created"]
    assert created == datetime(2018, 1, 1)


# -- auth -----------------------------------------------------------------------------


def test_register(client, app) -> None:
    assert client.get("/auth/register").status_code == 200
    response = client.post("/auth/register", data={"username": "a", "password": "a"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"

    with app.app_context():
        from microblog.db import get_db

        row = get_db().execute("SELECT * FROM user WHERE username = 'a'").fetchone()
    assert row is not None
    assert row["password"] != "a"  # stored hashed
    assert check_password_hash(row["password"], "a")


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("", "", b"Username is required."),
        ("a", "", b"Password is required."),
        ("test", "test", b"already registered"),
    ],
)
def test_register_validate_input(client, username, password, message) -> None:
    response = client.post(
        "/auth/register", data={"username": username, "password": password}
    )
    assert response.status_code == 200
    assert message in response.data


def test_register_missing_field_is_400(client) -> None:
    assert client.post("/auth/register", data={"username": "a"}).status_code == 400


def test_login(fw, client, auth) -> None:
    assert client.get("/auth/login").status_code == 200
    response = auth.login()
    assert response.headers["Location"] == "/"

    with client:
        page = client.get("/")
        assert fw.session["user_id"] == 1
        assert fw.g.user["username"] == "test"
        assert b"Log Out" in page.data


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [("a", "test", b"Incorrect username."), ("test", "a", b"Incorrect password.")],
)
def test_login_validate_input(auth, username, password, message) -> None:
    response = auth.login(username, password)
    assert response.status_code == 200
    assert message in response.data


def test_logout(fw, client, auth) -> None:
    auth.login()
    with client:
        response = auth.logout()
        assert "user_id" not in fw.session
    assert response.headers["Location"] == "/"


def test_tampered_session_cookie_is_anonymous(client, auth) -> None:
    auth.login()
    cookie = client.get_cookie("session")
    assert cookie is not None
    client.set_cookie("session", cookie.value[:-2] + "xx")
    page = client.get("/")
    assert b"Log In" in page.data and b"Log Out" not in page.data


# -- the blog -------------------------------------------------------------------------


def test_index(client, auth) -> None:
    response = client.get("/")
    assert b"Log In" in response.data
    assert b"Register" in response.data

    auth.login()
    response = client.get("/")
    assert b"Log Out" in response.data
    assert b"test title" in response.data
    assert b"by test on 2018-01-01" in response.data
    assert b"test\nbody" in response.data
    assert b'href="/1/update"' in response.data


def test_index_escapes_html(client, auth, app) -> None:
    auth.login()
    client.post("/create", data={"title": "<script>x</script>", "body": ""})
    assert b"&lt;script&gt;x&lt;/script&gt;" in client.get("/").data


@pytest.mark.parametrize("path", ["/create", "/1/update", "/1/delete"])
def test_login_required(client, path) -> None:
    response = client.post(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"


def test_author_required(app, client, auth) -> None:
    # Give the post to another user.
    with app.app_context():
        from microblog.db import get_db

        db = get_db()
        db.execute("UPDATE post SET author_id = 2 WHERE id = 1")
        db.commit()

    auth.login()
    # The current user can't modify the other user's post...
    assert client.post("/1/update").status_code == 403
    assert client.post("/1/delete").status_code == 403
    # ...nor sees the edit link.
    assert b'href="/1/update"' not in client.get("/").data


@pytest.mark.parametrize("path", ["/2/update", "/2/delete"])
def test_exists_required(client, auth, path) -> None:
    auth.login()
    response = client.post(path)
    assert response.status_code == 404
    assert b"Post id 2 doesn&#39;t exist." in response.data


def test_create(client, auth, app) -> None:
    auth.login()
    assert client.get("/create").status_code == 200
    response = client.post("/create", data={"title": "created", "body": ""})
    assert response.headers["Location"] == "/"

    with app.app_context():
        from microblog.db import get_db

        assert get_db().execute("SELECT COUNT(id) FROM post").fetchone()[0] == 2


def test_update(client, auth, app) -> None:
    auth.login()
    page = client.get("/1/update")
    assert page.status_code == 200
    assert b'value="test title"' in page.data
    client.post("/1/update", data={"title": "updated", "body": ""})

    with app.app_context():
        from microblog.db import get_db

        post = get_db().execute("SELECT * FROM post WHERE id = 1").fetchone()
        assert post["title"] == "updated"


@pytest.mark.parametrize("path", ["/create", "/1/update"])
def test_create_update_validate(client, auth, path) -> None:
    auth.login()
    response = client.post(path, data={"title": "", "body": ""})
    assert response.status_code == 200
    assert b"Title is required." in response.data


def test_delete(client, auth, app) -> None:
    auth.login()
    response = client.post("/1/delete")
    assert response.headers["Location"] == "/"

    with app.app_context():
        from microblog.db import get_db

        post = get_db().execute("SELECT * FROM post WHERE id = 1").fetchone()
        assert post is None


def test_delete_is_post_only(client, auth) -> None:
    auth.login()
    assert client.get("/1/delete").status_code == 405
