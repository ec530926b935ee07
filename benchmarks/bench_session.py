"""The "session" scenario, fastmicro against Flask, side by side.

A request carries a valid session cookie; the view reads a counter from the
session and writes it back, so the cookie is verified, decoded, re-encoded
and re-signed on every request. The same app source runs on both
frameworks; rounds are interleaved and the median per-request time is
reported with the ratio.

With ``--login`` the session also holds what Flask-Login and Flask-WTF
keep in it (a user id, ``_fresh``, a 128-character ``_id``, a CSRF token):
a cookie of about 300 bytes, long enough that compressing it is tried on
every save.

Run: ``python benchmarks/bench_session.py [--rounds N] [--batch N] [--login]``
"""
from __future__ import annotations

import argparse
import statistics
import time

import flask
from werkzeug.test import EnvironBuilder

import fastmicro

SECRET = "benchmark secret key"


def make_app(module):
    app = module.Flask(__name__)
    app.secret_key = SECRET

    @app.route("/count")
    def count():
        module.session["n"] = module.session.get("n", 0) + 1
        return str(module.session["n"])

    @app.route("/login")
    def login():
        module.session.update(LOGIN)
        return "ok"

    return app


#: What Flask-Login and Flask-WTF keep in a logged-in user's session.
LOGIN = {
    "_user_id": "1042",
    "_fresh": True,
    "_id": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" * 2,
    "csrf_token": "c2f6c1e4b9a84f7e8d2b5a1c3e9f0a7b6d4c2e1f",
}


def session_environ(app, login=False):
    """An environ carrying a session cookie that ``app`` itself issued."""
    client = app.test_client()
    if login:
        client.get("/login")
    response = client.get("/count")
    cookie = response.headers["Set-Cookie"].split(";", 1)[0]
    environ = EnvironBuilder(path="/count").get_environ()
    environ["HTTP_COOKIE"] = cookie
    return environ


def call(app, environ):
    def start_response(status, headers, exc_info=None):
        pass

    body = app(dict(environ), start_response)
    for _ in body:
        pass
    close = getattr(body, "close", None)
    if close is not None:
        close()


def check(apps):
    for name, (app, environ) in apps.items():
        seen = {}

        def start_response(status, headers, exc_info=None, seen=seen):
            seen["status"], seen["headers"] = status, dict(headers)

        body = b"".join(app(dict(environ), start_response))
        assert seen["status"] == "200 OK", (name, seen)
        assert body == b"2", (name, body)
        assert seen["headers"]["Set-Cookie"].startswith("session="), (name, seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--login", action="store_true",
                        help="a logged-in user's session (about 300 bytes) instead of the counter alone")
    args = parser.parse_args()

    apps = {}
    for name, module in (("fastmicro", fastmicro), ("flask", flask)):
        app = make_app(module)
        apps[name] = (app, session_environ(app, login=args.login))
    check(apps)

    samples: dict[str, list[float]] = {name: [] for name in apps}
    names = list(apps)
    for round_number in range(args.rounds):
        order = names[round_number % 2 :] + names[: round_number % 2]
        for name in order:
            app, environ = apps[name]
            start = time.perf_counter()
            for _ in range(args.batch):
                call(app, environ)
            samples[name].append((time.perf_counter() - start) / args.batch * 1e6)

    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(f"fastmicro backend: {fastmicro.speedups.backends()}")
    for name, value in medians.items():
        print(f"  {name:10} {value:8.2f} us per request")
    ratio = medians["flask"] / medians["fastmicro"]
    print(f"  Flask/fastmicro = {ratio:.2f}x (target >= 15x)")


if __name__ == "__main__":
    main()
