"""What every benchmark app shares: the route table, the scenarios, the
expected responses, and one way to call a WSGI app as a server would.

The apps in this package answer four scenarios identically (status, body and
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
"""
from __future__ import annotations

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

    @property
    def is_json(self) -> bool:
        return self.content_type == JSON

    def environ(self) -> dict:
        """A WSGI environ for this request, built by Werkzeug's EnvironBuilder."""
        from werkzeug.test import EnvironBuilder

        builder = EnvironBuilder(
            path=self.path, method=self.method, query_string=self.query_string
        )
        try:
            return builder.get_environ()
        finally:
            builder.close()

    @property
    def url(self) -> str:
        return self.path + (f"?{self.query_string}" if self.query_string else "")


SCENARIO_NAMES = ("hello", "late_route", "not_found", "json")


def scenarios(routes: list[tuple[str, str]]) -> list[Scenario]:
    """The four scenarios, for an app registered with ``routes``."""
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


def call(app, environ: dict) -> Response:
    """Call ``app`` on a copy of ``environ`` and consume/close its iterable."""
    captured = []

    def start_response(status, headers, exc_info=None):
        captured[:] = [status, list(headers)]
        return _write

    result = app(dict(environ), start_response)
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
    if _norm_ctype(ctype) != _norm_ctype(scenario.content_type):
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
    return problems
