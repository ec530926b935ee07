"""Flask-Login on an unmodified app: login, ``login_required``, the
remember-me cookie, ``current_user``, logout and the login signals."""
from __future__ import annotations

from _harness import Checks  # first: installs the switch for "fastmicro"

from flask import Flask, jsonify, request  # noqa: E402
from flask_login import (  # noqa: E402
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
    user_logged_in,
    user_logged_out,
)

USERS = {"alice": "wonderland", "bob": "builder"}


class User(UserMixin):
    def __init__(self, user_id: str) -> None:
        self.id = user_id


def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="login-test-secret", TESTING=True)
    manager = LoginManager(app)
    manager.login_view = "login"

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        return User(user_id) if user_id in USERS else None

    @app.post("/login")
    def login():
        name = request.form.get("name", "")
        if USERS.get(name) != request.form.get("password"):
            return "bad credentials", 401
        login_user(User(name), remember=request.form.get("remember") == "yes")
        return f"welcome {current_user.id}"

    @app.get("/login")
    def login_form():
        return "please log in"

    @app.route("/protected")
    @login_required
    def protected():
        return jsonify(user=current_user.id, authenticated=current_user.is_authenticated)

    @app.route("/whoami")
    def whoami():
        return jsonify(anonymous=current_user.is_anonymous, id=current_user.get_id())

    @app.post("/logout")
    def logout():
        logout_user()
        return "bye"

    return app


def scenario(c: Checks) -> None:
    app = create_app()
    logged_in: list[str] = []
    logged_out: list[str] = []
    user_logged_in.connect(lambda sender, user: logged_in.append(user.id), app, weak=False)
    user_logged_out.connect(lambda sender, user: logged_out.append(user.id), app, weak=False)

    client = app.test_client()
    r = client.get("/whoami")
    c.eq("anonymous user", r.get_json(), {"anonymous": True, "id": None})

    r = client.get("/protected")
    c.eq("login_required redirects", r.status_code, 302)
    c.eq("redirect target", r.headers["Location"], "/login?next=%2Fprotected")

    r = client.post("/login", data={"name": "alice", "password": "wrong"})
    c.eq("bad password", (r.status_code, r.text), (401, "bad credentials"))
    c.eq("still anonymous", client.get("/protected").status_code, 302)

    r = client.post("/login", data={"name": "alice", "password": "wonderland"})
    c.eq("login", (r.status_code, r.text), (200, "welcome alice"))
    c.eq("user_logged_in signal", logged_in, ["alice"])
    c.eq("no remember cookie without remember", client.get_cookie("remember_token"), None)
    r = client.get("/protected")
    c.eq("protected after login", (r.status_code, r.get_json()), (200, {"user": "alice", "authenticated": True}))

    r = client.post("/logout")
    c.eq("logout", r.text, "bye")
    c.eq("user_logged_out signal", logged_out, ["alice"])
    c.eq("protected after logout", client.get("/protected").status_code, 302)

    # Remember me: the cookie alone (no session) logs the user back in.
    r = client.post("/login", data={"name": "bob", "password": "builder", "remember": "yes"})
    c.eq("login with remember", r.status_code, 200)
    cookie = client.get_cookie("remember_token")
    c.true("remember cookie set", cookie is not None and cookie.value.startswith("bob|"))
    c.true("remember cookie httponly", cookie is not None and cookie.http_only)

    fresh = app.test_client()
    c.eq("fresh client is anonymous", fresh.get("/protected").status_code, 302)
    fresh.set_cookie("remember_token", cookie.value)
    r = fresh.get("/protected")
    c.eq("remember cookie restores user", (r.status_code, r.get_json()), (200, {"user": "bob", "authenticated": True}))

    forged = app.test_client()
    forged.set_cookie("remember_token", "alice|" + "0" * 128)
    c.eq("forged remember cookie rejected", forged.get("/protected").status_code, 302)

    r = fresh.post("/logout")
    c.eq("logout clears remember cookie", fresh.get_cookie("remember_token"), None)
    c.eq("anonymous after remember logout", fresh.get("/whoami").get_json()["anonymous"], True)

    # current_user inside a test request context, as extension tests do.
    with app.test_request_context("/"):
        c.eq("current_user in bare context", current_user.is_anonymous, True)
        login_user(User("alice"))
        c.eq("login_user in request context", current_user.id, "alice")


Checks().report(scenario)
