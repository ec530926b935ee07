"""What every benchmark app shares: the route table, the scenarios, the
expected responses, and one way to call a WSGI app as a server would.

The apps in this package answer nine scenarios identically (status, body and
content type; JSON bodies are compared parsed, since each framework's JSON
encoder spaces and orders keys its own way):

``hello``
    ``GET /`` -> ``200`` ``text/html; charset=utf-8`` ``Hello, World!``
``late_route``
    the whole GitHub API table (203 routes) is registered; the request hits the
    *last* ``GET`` route of the table, ``GET /user/keys/:id``, so a router
    that scans its rules in order has to go through nearly all of them. The
    view returns ``"<METHOD> <table path> <param>=<value> ..."``.
``not_found``
    ``GET`` a path that no rule matches -> ``404`` with Werkzeug's ``NotFound``
    HTML page (Falcon, Bottle and the raw app are told to answer with the same
    page, so every framework writes the same bytes).
``json``
    ``GET /json?name=bench`` -> ``{"name": "bench", "hello": true}`` as
    ``application/json``.
``headers``
    ``GET /headers`` with a real browser's header set (:data:`BROWSER_HEADERS`);
    the view reads ``User-Agent``, the ``theme`` cookie and the best of
    ``text/html`` / ``application/json`` for the ``Accept`` header.
``session``
    ``GET /session`` with a valid Flask session cookie ``{"n": 1}``; the view
    reads the counter and writes it back incremented: the cookie is verified,
    decoded, re-encoded, re-signed and sent back (``Set-Cookie``).
``template``
    ``GET /template`` renders ``templates/items.html`` (a loop over
    :data:`ITEMS`, some of which need HTML escaping) with autoescaping.
``form``
    ``POST /form`` with an ``application/x-www-form-urlencoded`` body
    (:data:`FORM_BODY`); the view reads four fields.
``static``
    ``GET /static/hello.txt`` through the framework's static-file route:
    ``200`` with the file and the conditional headers ``ETag`` and
    ``Last-Modified``.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

#: The repository checkout (``benchmarks/apps/common.py`` -> three levels up).
REPO = Path(__file__).resolve().parents[2]
#: Where the shared route tables live unless told otherwise (never copied in).
DEFAULT_ROUTES_DIR = REPO.parent / "shared" / "routes"
ROUTES_FILENAME = "github.txt"
#: Environment override for the tests (``compare.py`` has ``--routes-dir``).
ROUTES_DIR_ENV = "FASTMICRO_BENCH_ROUTES_DIR"

HELLO = "Hello, World!"
HTML = "text/html; charset=utf-8"
JSON = "application/json"
JSON_NAME = "bench"
NOT_FOUND_PATH = "/no/such/path/anywhere"
#: Werkzeug's ``NotFound().get_body()``, byte for byte.
NOT_FOUND_HTML = (
    "<!doctype html>\n"
    "<html lang=en>\n"
    "<title>404 Not Found</title>\n"
    "<h1>Not Found</h1>\n"
    "<p>The requested URL was not found on the server. If you entered the URL"
    " manually please check your spelling and try again.</p>\n"
)
#: The ``headers`` scenario's request: what Chrome 120 sends for a page load.
BROWSER_HEADERS = (
    ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                   "Chrome/120.0.0.0 Safari/537.36"),
    ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
               "image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"),
    ("Accept-Encoding", "gzip, deflate, br"),
    ("Accept-Language", "en-US,en;q=0.9,de;q=0.8"),
    ("Cache-Control", "max-age=0"),
    ("Connection", "keep-alive"),
    ("Cookie", "_ga=GA1.1.1234567890.1700000000; theme=dark; "
               "csrftoken=Xq3c9ZbT7mWkLpR2vNs8YdHf; _gid=GA1.1.987654321.1700000000"),
    ("Sec-Ch-Ua", '"Not_A Brand";v="8", "Chromium";v="120", "Google Chrome";v="120"'),
    ("Sec-Ch-Ua-Mobile", "?0"),
    ("Sec-Ch-Ua-Platform", '"Linux"'),
    ("Sec-Fetch-Dest", "document"),
    ("Sec-Fetch-Mode", "navigate"),
    ("Sec-Fetch-Site", "none"),
    ("Sec-Fetch-User", "?1"),
    ("Upgrade-Insecure-Requests", "1"),
)
#: What the ``headers`` view negotiates between.
OFFERED = ["text/html", "application/json"]
#: The ``template`` scenario's list; two items need escaping.
ITEMS = ["alpha", "<beta>", "gamma & delta", "epsilon", 'zeta "quoted"',
         "eta", "theta", "iota", "kappa", "lambda"]
TEMPLATE_TITLE = "Items & more"
TEMPLATE_NAME = "items.html"
#: Where the apps find the template and the static file.
APPS_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = APPS_DIR / "templates"
STATIC_DIR = APPS_DIR / "static"
STATIC_FILE = "hello.txt"
#: The ``form`` scenario's urlencoded body.
FORM_BODY = b"name=bench&email=bench%40example.com&message=Hello%2C+World%21&subscribe=on"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
#: The session cookie's secret (every framework signs with Flask's settings).
SECRET_KEY = "benchmark secret key"
SESSION_COOKIE = "session"
#: Environ key holding a request body, so each call gets a fresh ``wsgi.input``
#: (a copied environ would otherwise share one already-read stream).
BODY_KEY = "fastmicro.bench.body"

#: Values used to fill the late route's parameters (others get ``<name>1``).
SAMPLE_VALUES = {
    "owner": "pallets",
    "repo": "flask",
    "user": "octocat",
    "org": "pallets",
    "id": "42",
    "number": "7",
}


# -- the route table ---------------------------------------------------------

def routes_file(routes_dir: str | os.PathLike | None = None) -> Path:
    """The GitHub table inside ``routes_dir`` (default: env, then shared dir)."""
    if routes_dir is None:
        routes_dir = os.environ.get(ROUTES_DIR_ENV) or DEFAULT_ROUTES_DIR
    path = Path(routes_dir)
    if path.is_dir():
        path = path / ROUTES_FILENAME
    return path


def load_routes(path: str | os.PathLike | None = None) -> list[tuple[str, str]]:
    """``[(METHOD, "/path/:param"), ...]`` in file order.

    ``path`` is the table file or the directory holding ``github.txt``.
    """
    file = routes_file(path)
    if not file.is_file():
        raise FileNotFoundError(
            f"route table not found: {file} (pass --routes-dir or set {ROUTES_DIR_ENV})"
        )
    routes = []
    for lineno, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        method, sep, route = line.partition(" ")
        route = route.strip()
        if not sep or not route.startswith("/"):
            raise ValueError(f"{file}:{lineno}: expected 'METHOD /path', got {line!r}")
        routes.append((method.upper(), route))
    return routes


def param_names(route: str) -> list[str]:
    """The ``:name`` parameters of a table path, in order."""
    return [seg[1:] for seg in route.split("/") if seg.startswith(":")]


def convert(route: str, fmt: str) -> str:
    """Rewrite each ``:name`` segment with ``fmt.format(name)``."""
    return "/".join(
        fmt.format(seg[1:]) if seg.startswith(":") else seg for seg in route.split("/")
    )


def to_rule(route: str) -> str:
    """Werkzeug/Flask/Bottle syntax: ``:name`` -> ``<name>``."""
    return convert(route, "<{}>")


def to_falcon(route: str) -> str:
    """Falcon URI template syntax: ``:name`` -> ``{name}``."""
    return convert(route, "{{{}}}")


def github_body(method: str, route: str, names: list[str], values: dict) -> str:
    """The body every framework's GitHub view returns.

    Built from the parameter values in table order (not ``values``' order,
    which differs between routers).
    """
    parts = [method, route]
    for name in names:
        parts.append(f"{name}={values[name]}")
    return " ".join(parts)


def late_route(routes: list[tuple[str, str]]) -> tuple[str, str]:
    """The last ``GET`` route of the table (``GET /user/keys/:id`` on GitHub)."""
    for method, route in reversed(routes):
        if method == "GET":
            return method, route
    raise ValueError("the route table has no GET route")


def sample_path(route: str) -> tuple[str, dict]:
    """A concrete URL for ``route`` and the values it binds."""
    values = {name: SAMPLE_VALUES.get(name, f"{name}1") for name in param_names(route)}
    url = "/".join(
        values[seg[1:]] if seg.startswith(":") else seg for seg in route.split("/")
    )
    return url, values


# -- scenarios ---------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    method: str
    path: str
    query_string: str
    status: int
    content_type: str
    body: bytes  # Flask's exact body
    #: Request headers (``(name, value)`` pairs) and body.
    headers: tuple = ()
    data: bytes | None = None
    request_content_type: str | None = None
    #: Response headers that must be present (e.g. ``ETag``).
    required_headers: tuple = ()
    #: Compare only the media type of ``Content-Type`` (not its parameters):
    #: frameworks disagree about ``charset`` on static text files.
    mimetype_only: bool = False
    #: Which app of a framework serves it (see :func:`apps.build_apps`).
    app: str = "main"

    @property
    def is_json(self) -> bool:
        return self.content_type == JSON

    def environ(self) -> dict:
        """A WSGI environ for this request, built by Werkzeug's EnvironBuilder.

        A request body is also kept under :data:`BODY_KEY`, from which
        :func:`fresh_environ` gives every call its own ``wsgi.input``.
        """
        from werkzeug.test import EnvironBuilder

        builder = EnvironBuilder(
            path=self.path, method=self.method, query_string=self.query_string,
            headers=list(self.headers), data=self.data,
            content_type=self.request_content_type,
        )
        try:
            env = builder.get_environ()
        finally:
            builder.close()
        if self.data is not None:
            env[BODY_KEY] = self.data
        return env

    @property
    def url(self) -> str:
        return self.path + (f"?{self.query_string}" if self.query_string else "")


SCENARIO_NAMES = ("hello", "late_route", "not_found", "json",
                  "headers", "session", "template", "form", "static")


def session_serializer():
    """Flask's session cookie signer (salt, HMAC key derivation, SHA-1) as a
    plain itsdangerous serializer, for the apps without Flask's sessions."""
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(
        SECRET_KEY, salt="cookie-session",
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )


def headers_body(best: str | None, theme: str | None, user_agent: str | None) -> str:
    return f"{best} theme={theme} ua={user_agent}"


def form_body(name, email, message, subscribe) -> str:
    return f"{name} <{email}> subscribe={subscribe}: {message}"


def render_items() -> str:
    """The ``template`` body, rendered here with plain Jinja (autoescaping)."""
    return jinja_env().get_template(TEMPLATE_NAME).render(title=TEMPLATE_TITLE, items=ITEMS)


def jinja_env():
    """A Jinja environment like Flask's for ``.html`` files: autoescaping on,
    templates not re-checked on disk for every render."""
    from jinja2 import Environment, FileSystemLoader

    return Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                       auto_reload=False)


def _static_mimetype() -> str:
    import mimetypes

    return mimetypes.guess_type(STATIC_FILE)[0] or "application/octet-stream"


def scenarios(routes: list[tuple[str, str]]) -> list[Scenario]:
    """The nine scenarios, for an app registered with ``routes``."""
    method, route = late_route(routes)
    url, values = sample_path(route)
    late_body = github_body(method, route, param_names(route), values)
    json_body = json.dumps(
        {"name": JSON_NAME, "hello": True}, sort_keys=True, separators=(",", ":")
    ) + "\n"
    return [
        Scenario("hello", "GET / -> 'Hello, World!'", "GET", "/", "", 200, HTML,
                 HELLO.encode()),
        Scenario("late_route",
                 f"{len(routes)} GitHub API routes registered; {method} {route}",
                 method, url, "", 200, HTML, late_body.encode()),
        Scenario("not_found", f"GET {NOT_FOUND_PATH} (matches no rule) -> 404",
                 "GET", NOT_FOUND_PATH, "", 404, HTML, NOT_FOUND_HTML.encode()),
        Scenario("json", f"GET /json?name={JSON_NAME} -> dict -> JSON", "GET", "/json",
                 f"name={JSON_NAME}", 200, JSON, json_body.encode()),
        Scenario("headers",
                 f"GET /headers, {len(BROWSER_HEADERS)} browser headers; reads User-Agent, "
                 "a cookie, Accept negotiation",
                 "GET", "/headers", "", 200, HTML,
                 headers_body("text/html", "dark", dict(BROWSER_HEADERS)["User-Agent"]).encode(),
                 headers=BROWSER_HEADERS),
        Scenario("session", "GET /session with a signed session cookie; counter read and "
                 "written back (Set-Cookie)", "GET", "/session", "", 200, HTML, b"2",
                 headers=(("Cookie", f"{SESSION_COOKIE}={session_serializer().dumps({'n': 1})}"),),
                 required_headers=("Set-Cookie",), app="session"),
        Scenario("template", f"GET /template renders {TEMPLATE_NAME} ({len(ITEMS)}-item loop, "
                 "autoescaped)", "GET", "/template", "", 200, HTML, render_items().encode()),
        Scenario("form", "POST /form, urlencoded body of 4 fields read through the form",
                 "POST", "/form", "", 200, HTML,
                 form_body("bench", "bench@example.com", "Hello, World!", "on").encode(),
                 data=FORM_BODY, request_content_type=FORM_CONTENT_TYPE),
        Scenario("static", f"GET /static/{STATIC_FILE} through the static route "
                 "(200, ETag and Last-Modified)", "GET", f"/static/{STATIC_FILE}", "", 200,
                 _static_mimetype(), (STATIC_DIR / STATIC_FILE).read_bytes(),
                 required_headers=("ETag", "Last-Modified"), mimetype_only=True),
    ]


# -- calling an app ----------------------------------------------------------

@dataclass
class Response:
    status: str
    headers: list
    body: bytes

    @property
    def status_code(self) -> int:
        return int(self.status.split(None, 1)[0])

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


def fresh_environ(environ: dict) -> dict:
    """A copy of ``environ`` for one call, with its own ``wsgi.input`` when it
    carries a body (:data:`BODY_KEY`)."""
    env = dict(environ)
    body = env.get(BODY_KEY)
    if body is not None:
        env["wsgi.input"] = io.BytesIO(body)
    return env


def call(app, environ: dict) -> Response:
    """Call ``app`` on a copy of ``environ`` and consume/close its iterable."""
    captured = []

    def start_response(status, headers, exc_info=None):
        captured[:] = [status, list(headers)]
        return _write

    result = app(fresh_environ(environ), start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if not captured:
        raise AssertionError("the app never called start_response")
    return Response(captured[0], captured[1], body)


def _write(data):  # the legacy write() callable; none of the apps use it
    raise AssertionError("write() should not be used")


def _norm_ctype(value: str | None) -> str | None:
    return None if value is None else value.replace(" ", "").lower()


def check_response(framework: str, scenario: Scenario, resp: Response) -> list[str]:
    """Problems with ``resp`` as the answer to ``scenario`` (empty when fine).

    Flask-style apps and the raw app must write Flask's exact bytes; Falcon and
    Bottle are compared on the parsed JSON for the JSON scenario.
    """
    problems = []
    if resp.status_code != scenario.status:
        problems.append(f"status {resp.status!r}, expected {scenario.status}")
    ctype = resp.header("Content-Type")
    got, want = _norm_ctype(ctype), _norm_ctype(scenario.content_type)
    if scenario.mimetype_only and got is not None:
        got, want = got.split(";", 1)[0], want.split(";", 1)[0]
    if got != want:
        problems.append(f"Content-Type {ctype!r}, expected {scenario.content_type!r}")
    if scenario.is_json and framework in ("falcon", "bottle"):
        try:
            ok = json.loads(resp.body) == json.loads(scenario.body)
        except ValueError:
            ok = False
    else:
        ok = resp.body == scenario.body
    if not ok:
        problems.append(f"body {resp.body[:300]!r}, expected {scenario.body[:300]!r}")
    for name in scenario.required_headers:
        if resp.header(name) is None:
            problems.append(f"no {name} header")
    if "Set-Cookie" in scenario.required_headers:
        cookie = resp.header("Set-Cookie") or ""
        if not cookie.startswith(f"{SESSION_COOKIE}="):
            problems.append(f"Set-Cookie {cookie!r} does not set {SESSION_COOKIE!r}")
        else:
            value = cookie.split(";", 1)[0].split("=", 1)[1].strip('"')
            try:
                data = session_serializer().loads(value)
            except Exception as exc:  # noqa: BLE001 - report what the app sent
                problems.append(f"Set-Cookie does not verify: {type(exc).__name__}: {exc}")
            else:
                if data != {"n": 2}:
                    problems.append(f"session cookie holds {data!r}, expected {{'n': 2}}")
    return problems
