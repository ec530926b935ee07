"""A Flask app that knows nothing of fastmicro (no compat import): run
through ``python -m fastmicro.flask_compat`` or a ``sitecustomize``, it must
get fastmicro as ``flask``. Prints what it ran on as one JSON line."""
from __future__ import annotations

import json
import sys

from flask import Flask, session
from flask_login import LoginManager, UserMixin, current_user, login_user


class User(UserMixin):
    id = "ada"


app = Flask(__name__)
app.config["SECRET_KEY"] = "uneditable"
login = LoginManager(app)
login.user_loader(lambda user_id: User() if user_id == "ada" else None)


@app.route("/")
def index():
    if not current_user.is_authenticated:
        login_user(User())
    return {"user": current_user.id, "session_user": session.get("_user_id")}


if __name__ == "__main__":
    client = app.test_client()
    print(
        json.dumps(
            {
                "flask_class": f"{Flask.__module__}.{Flask.__qualname__}",
                "argv": sys.argv[1:],
                "name": __name__,
                "response": client.get("/").get_json(),
            }
        )
    )
