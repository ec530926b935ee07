"""The app that ``benchmarks/loadtest_mixed.py`` serves under load: a small
fastmicro app with the requests a real one gets, good and bad.

Good: a page, JSON, a session read and a session write (with a valid signed
cookie), a form POST, a JSON POST. Bad: a tampered session cookie (401: no
user), a malformed JSON body (400), a body over ``MAX_CONTENT_LENGTH`` (413),
hostile header and cookie values that every parser reads (200: a bad value
is ignored, never an error), bad percent-encoding in the path and the query,
an unknown path (404) and a wrong method (405). None of them may ever be a
5xx.

Every response repeats the request's ``X-Mix-Kind`` header, so the load
generator can count the statuses per kind of request, whichever connection
answered it.
"""
from __future__ import annotations

import typing as t

from fastmicro import Flask, Response, abort, jsonify, request, session

#: The body of ``GET /`` (what ``loadtest.start`` waits for).
HELLO = "Hello, World!"
SECRET_KEY = "loadtest mixed secret key"
#: Bodies above this are refused with 413 before they are read.
MAX_CONTENT_LENGTH = 8 * 1024
#: Request header naming the kind of request; echoed on the response.
KIND_HEADER = "X-Mix-Kind"
#: What the valid session cookie holds.
SESSION_DATA = {"user": "bench", "n": 1}

app = Flask(__name__)
app.secret_key = SECRET_KEY
app.config["MAX_CONTENT_LENGTH"] = MAX_CONTENT_LENGTH


@app.after_request
def echo_kind(response: Response) -> Response:
    # Runs for error responses too (404, 405, 400, 413 are all responses
    # made by the framework before the after-request hooks).
    kind = request.headers.get(KIND_HEADER)
    if kind is not None:
        response.headers[KIND_HEADER] = kind
    return response


@app.route("/")
def hello() -> str:
    return HELLO


@app.route("/json")
def json_hello() -> dict[str, t.Any]:
    return {"name": request.args.get("name", "world"), "hello": True}


@app.route("/session")
def read_session() -> str:
    user = session.get("user")
    if user is None:
        abort(401)  # no session, or one that did not verify
    return f"{user} {session.get('n', 0)}"


@app.route("/session", methods=["POST"])
def write_session() -> str:
    if "user" not in session:
        abort(401)
    session["n"] = session.get("n", 0) + 1
    return str(session["n"])


@app.route("/form", methods=["POST"])
def form() -> str:
    fields = request.form
    return f"{fields['name']} <{fields.get('email', '')}>"


@app.route("/api/echo", methods=["POST"])
def echo_json() -> Response:
    # A malformed body makes get_json raise BadRequest: a 400.
    return jsonify(request.get_json())


@app.route("/inspect")
def inspect() -> str:
    """Read every parsed header: hostile values must parse to "nothing"."""
    parts = [
        request.accept_mimetypes.best_match(["text/html", "application/json"]),
        request.accept_languages.best_match(["en", "de"]),
        request.accept_encodings.best_match(["gzip", "br"]),
        request.cookies.get("theme"),
        request.if_none_match,
        request.if_modified_since,
        request.range,
        request.authorization,
        request.cache_control.max_age,
        request.user_agent.string,
        request.mimetype_params,
    ]
    return " | ".join(str(part) for part in parts)


@app.route("/p/<path:name>")
def path_echo(name: str) -> str:
    return f"{len(name)} {sorted(request.args.items(multi=True))!r}"


def session_cookie(data: dict[str, t.Any] | None = None) -> str:
    """A session cookie value this app accepts (signed with its key)."""
    serializer = app.session_interface.get_signing_serializer(app)
    assert serializer is not None  # the app has a secret key
    return serializer.dumps(SESSION_DATA if data is None else data)


def tampered_session_cookie() -> str:
    """The valid cookie with its signature's last characters changed."""
    value = session_cookie()
    return value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB")
