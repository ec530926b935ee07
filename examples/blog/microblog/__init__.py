"""microblog: the blog application the fastmicro tutorial builds.

``create_app`` is the application factory: the ``fastmicro`` command finds it
by name (``fastmicro --app microblog init-db``), and the tests call it with
their own configuration.
"""
from __future__ import annotations

import os
from typing import Any

from fastmicro import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the blog application.

    :param test_config: configuration that replaces ``config.py`` from the
        instance folder; the tests pass ``TESTING`` and their own ``DATABASE``.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        # "dev" is fine on a laptop; a deployment sets a random SECRET_KEY in
        # instance/config.py (see the deployment chapter).
        SECRET_KEY="dev",
        DATABASE=os.path.join(app.instance_path, "microblog.sqlite"),
    )

    if test_config is None:
        # The instance config, if any, overrides the defaults above.
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)

    # The instance folder holds the database; it is not created for us.
    os.makedirs(app.instance_path, exist_ok=True)

    @app.route("/hello")
    def hello() -> str:
        return "Hello, World!"

    from . import db

    db.init_app(app)

    from . import auth

    app.register_blueprint(auth.bp)

    from . import blog

    app.register_blueprint(blog.bp)
    # The index page is "blog.index"; "index" names the same URL so that
    # url_for("index") works everywhere.
    app.add_url_rule("/", endpoint="index")

    return app
