"""The "session" scenario, fastmicro against Flask, side by side.

A request carries a valid session cookie; the view reads a counter from the
session and writes it back, so the cookie is verified, decoded, re-encoded
and re-signed on every request. The same app source runs on both
frameworks; rounds are interleaved and the median per-request time is
reported with the ratio.

Run: ``python benchmarks/bench_session.py [--rounds N] [--batch N]``
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

    return app


def session_environ(app):
    """An environ carrying a session cookie that ``app`` itself issued."""
    client = app.test_client()
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
    args = parser.parse_args()

    apps = {}
    for name, module in (("fastmicro", fastmicro), ("flask", flask)):
        app = make_app(module)
        apps[name] = (app, session_environ(app))
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
