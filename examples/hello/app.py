"""The smallest fastmicro app.

Run it with ``python examples/hello/app.py`` and open http://127.0.0.1:5000/.
"""
from __future__ import annotations

import os

from markupsafe import escape

from fastmicro import Flask, request

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    name = request.args.get("name", "World")
    return f"Hello, {escape(name)}!"


if __name__ == "__main__":
    app.run(
        host=os.environ.get("FASTMICRO_RUN_HOST", "127.0.0.1"),
        port=int(os.environ.get("FASTMICRO_RUN_PORT", "5000")),
    )
