"""Flask-WTF on an unmodified app: a form with CSRF protection (a valid
token passes, a missing, forged or other session's token gets 400), the
header token, ``csrf.exempt``, ``CSRFError`` handlers and form rendering."""
from __future__ import annotations

import re

from _harness import Checks  # first: installs the switch for "fastmicro"

from flask import Flask, render_template_string  # noqa: E402
from flask_wtf import FlaskForm  # noqa: E402
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf  # noqa: E402
from wtforms import StringField  # noqa: E402
from wtforms.validators import DataRequired, Length  # noqa: E402


class NameForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=10)])


def create_app() -> tuple[Flask, CSRFProtect]:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="wtf-test-secret", TESTING=True)
    csrf = CSRFProtect(app)

    @app.route("/form", methods=["GET", "POST"])
    def form():
        f = NameForm()
        if f.validate_on_submit():
            return f"hello {f.name.data}"
        if f.errors:
            return {"errors": f.errors}, 422
        return render_template_string(
            '<form method="post">{{ form.hidden_tag() }}{{ form.name() }}</form>', form=f
        )

    @app.get("/token")
    def token():
        return generate_csrf()

    @app.post("/api/ping")
    def ping():
        return "pong"

    @app.post("/webhook")
    @csrf.exempt
    def webhook():
        return "received"

    return app, csrf


def scenario(c: Checks) -> None:
    app, _ = create_app()
    client = app.test_client()

    page = client.get("/form")
    c.eq("form page", page.status_code, 200)
    m = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    c.true("hidden csrf field rendered", m)
    token = m.group(1) if m else ""

    r = client.post("/form", data={"csrf_token": token, "name": "ada"})
    c.eq("valid token passes", (r.status_code, r.text), (200, "hello ada"))

    r = client.post("/form", data={"csrf_token": token, "name": ""})
    c.eq("valid token, invalid form", (r.status_code, r.get_json()), (422, {"errors": {"name": ["This field is required."]}}))

    r = client.post("/form", data={"name": "ada"})
    c.eq("missing token is 400", r.status_code, 400)
    c.true("missing token reason", "The CSRF token is missing." in r.text)

    r = client.post("/form", data={"csrf_token": token[:-4] + "abcd", "name": "ada"})
    c.eq("forged token is 400", r.status_code, 400)
    c.true("forged token reason", "The CSRF token is invalid." in r.text)

    other = app.test_client()
    other.get("/token")
    r = other.post("/form", data={"csrf_token": token, "name": "ada"})
    c.eq("other session's token is 400", r.status_code, 400)
    c.true("other session reason", "The CSRF tokens do not match." in r.text)

    header_token = client.get("/token").text
    r = client.post("/api/ping", headers={"X-CSRFToken": header_token})
    c.eq("token in header passes", (r.status_code, r.text), (200, "pong"))
    c.eq("no token on plain POST view", client.post("/api/ping").status_code, 400)

    c.eq("exempt view", client.post("/webhook").text, "received")
    c.eq("GET is not checked", client.get("/form").status_code, 200)

    # An app-level handler for CSRFError replaces the 400 page.
    app2, _ = create_app()

    @app2.errorhandler(CSRFError)
    def csrf_error(e: CSRFError):
        return {"csrf": e.description}, 400

    r = app2.test_client().post("/api/ping")
    c.eq("CSRFError handler", (r.status_code, r.get_json()), (400, {"csrf": "The CSRF token is missing."}))

    # With CSRF disabled the form validates without a token (testing setups).
    app3, _ = create_app()
    app3.config["WTF_CSRF_ENABLED"] = False
    r = app3.test_client().post("/form", data={"name": "ada"})
    c.eq("WTF_CSRF_ENABLED=False", r.text, "hello ada")


Checks().report(scenario)
