"""Fuzz target: the ``matcher`` hot path (``ext/matcher.pyx`` /
``fastmicro/routing/_pymatcher.py``): ``StateMachineMatcher.match`` and
``Map.match_path`` on the real route tables of ``shared/routes`` (GitHub,
Google+, Parse, static) and on random rule tables (static parts, every
common converter with options, custom converters, methods, websockets,
strict and merged slashes), with random paths, often a route's own path
with random values and mutations.

Baseline: the pure twin (compiled backend) or Werkzeug 3.1's own matcher
and ``MapAdapter.match`` (pure backend). ``match_path`` may answer
``NeedsFullMatch`` wherever ``MapAdapter.match`` could redirect: it is then
not compared, as the app hands the request to ``MapAdapter``.
"""
from __future__ import annotations

import typing as t
from pathlib import Path

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map as WerkzeugMap
from werkzeug.routing import Rule
from werkzeug.routing.converters import BaseConverter, IntegerConverter, ValidationError
from werkzeug.routing.exceptions import NoMatch, RequestAliasRedirect, RequestPath, RequestRedirect

from fastmicro.routing import Map
from fastmicro.routing.exceptions import NeedsFullMatch

from harness import Finding, Reader, backend_modules, check

DESCRIPTION = "StateMachineMatcher.match and Map.match_path on real route tables and random rules"
#: Instrumented for Python coverage: the code this input can reach.
INSTRUMENT = ("fastmicro.routing", "werkzeug.routing")

subject, twin = backend_modules("matcher")

ROUTES_DIR = Path(__file__).resolve().parents[3] / "shared" / "routes"
TABLES = ["github", "gplus", "parse", "static"]


class LetterConverter(BaseConverter):
    """A custom converter: its own regex, a failing and a changing to_python."""

    regex = "[a-c]+"

    def to_python(self, value: str) -> t.Any:
        if value == "cab":
            raise ValidationError()
        return value.upper()


class ShiftedInt(IntegerConverter):
    """int's regex with another to_python: must not take int's fast path."""

    def to_python(self, value: str) -> t.Any:
        return super().to_python(value) + 1000


CONVERTERS = {"letters": LetterConverter, "shifted": ShiftedInt}
DYNAMIC = [
    "<{}>", "<string(minlength=2):{}>", "<string(maxlength=2):{}>", "<string(length=3):{}>",
    "<int:{}>", "<int(signed=True):{}>", "<int(fixed_digits=3):{}>", "<int(min=3, max=50):{}>",
    "<float:{}>", "<float(signed=True):{}>", "<uuid:{}>", "<any(a, bc, 'd e'):{}>", "<path:{}>",
    "<letters:{}>", "<shifted:{}>", "page-<int:{}>.html", "v<any(p, 'q.r'):{}>",
]
STATIC = ["a", "b", "ab", "x-y", "1", "é", "page.html", "users", "repos"]
METHODS = [None, ["GET"], ["POST"], ["GET", "PUT"]]


def read_table(name: str) -> list[tuple[str, str]]:
    path = ROUTES_DIR / f"{name}.txt"
    if not path.is_file():
        raise SystemExit(f"matcher target: route table missing: {path} (shared/ beside the repo)")
    routes = []
    for line in path.read_text().splitlines():
        method, route = line.split()
        rule = "/".join(f"<{s[1:]}>" if s.startswith(":") else s for s in route.split("/"))
        routes.append((method, rule))
    return routes


def build(rules_of: t.Callable[[], list[Rule]], merge_slashes: bool = True) -> dict[str, t.Any]:
    """The same rule table in fastmicro's Map, the reference Werkzeug Map
    and a baseline matcher (the twin's, or Werkzeug's own)."""
    ours = Map(rules_of(), converters=CONVERTERS, merge_slashes=merge_slashes)
    ours.update()
    reference = WerkzeugMap(rules_of(), converters=CONVERTERS, merge_slashes=merge_slashes)
    reference.update()
    if twin is None:
        baseline_map, baseline = reference, reference._matcher
    else:
        baseline_map = WerkzeugMap(rules_of(), converters=CONVERTERS, merge_slashes=merge_slashes)
        baseline = twin.StateMachineMatcher(merge_slashes)
        for rule in baseline_map.iter_rules():
            baseline.add(rule)
        baseline.update()
        baseline_map._matcher = baseline
    return {"ours": ours, "reference": reference, "baseline_map": baseline_map, "baseline": baseline}


def table_rules(routes: list[tuple[str, str]]) -> t.Callable[[], list[Rule]]:
    return lambda: [Rule(rule, endpoint=f"{i}", methods=[method]) for i, (method, rule) in enumerate(routes)]


ROUTES = {name: read_table(name) for name in TABLES}
MAPS = {name: build(table_rules(routes)) for name, routes in ROUTES.items()}


def match_outcome(matcher: t.Any, path: str, method: str, websocket: bool) -> t.Any:
    """What Werkzeug's matcher contract lets a caller see."""
    try:
        rule, values = matcher.match("", path, method, websocket)
    except NoMatch as exc:
        return ("NoMatch", sorted(exc.have_match_for), exc.websocket_mismatch)
    except RequestPath as exc:
        return ("RequestPath", exc.path_info)
    except RequestAliasRedirect as exc:
        return ("RequestAliasRedirect", exc.endpoint, dict(exc.matched_values))
    return (rule.endpoint, rule.rule, values)


def path_outcome(url_map: t.Any, path: str, method: str) -> t.Any:
    """``match_path`` (ours, and the twin's on the baseline map)."""
    match_path = subject.map_match_path if url_map.__class__ is Map else twin.map_match_path
    try:
        rule, values = match_path(url_map, path, method)
    except NeedsFullMatch:
        return ("NeedsFullMatch",)
    except HTTPException as exc:
        return (type(exc).__name__, sorted(getattr(exc, "valid_methods", None) or ()))
    return (rule.endpoint, rule.rule, values)


def adapter_outcome(url_map: t.Any, path: str, method: str) -> t.Any:
    """``MapAdapter.match`` in match_path's terms: a redirect is where
    match_path must step aside."""
    try:
        rule, values = url_map.bind("localhost").match(path, method, return_rule=True)
    except RequestRedirect:
        return ("NeedsFullMatch",)
    except HTTPException as exc:
        return (type(exc).__name__, sorted(getattr(exc, "valid_methods", None) or ()))
    return (rule.endpoint, rule.rule, values)


def compare(maps: dict[str, t.Any], path: str, method: str, websocket: bool) -> None:
    what = f"{path!r:.200} {method} ws={websocket}"
    check(f"match {what}", lambda: match_outcome(maps["ours"]._matcher, path, method, websocket),
          lambda: match_outcome(maps["baseline"], path, method, websocket))
    ours = check(f"match_path {what}", lambda: path_outcome(maps["ours"], path, method), None).value
    if twin is not None:
        theirs = path_outcome(maps["baseline_map"], path, method)
    else:
        theirs = adapter_outcome(maps["reference"], path, method)
    if ours != ("NeedsFullMatch",) and ours != theirs:
        raise Finding(f"match_path {what}: {ours!r:.300} != baseline {theirs!r:.300}")


def path_text(reader: Reader, limit: int | None = None) -> str:
    """Random path text as a request gives it: Werkzeug decodes the WSGI
    path's bytes as UTF-8, invalid bytes replaced (never a lone surrogate)."""
    return reader.raw(limit).decode("utf-8", "replace")


def route_path(reader: Reader, rule: str) -> str:
    """``rule``'s path with each variable replaced by random text."""
    parts = []
    for segment in rule.split("/"):
        if segment.startswith("<"):
            segment = reader.pick(["1", "abc", "x y", "٣", path_text(reader, 6)])
        parts.append(segment)
    return "/".join(parts)


def mutate(reader: Reader, path: str) -> str:
    mutation = reader.number(0, 7)
    if mutation == 0:
        return path.replace("/", "//", 1)
    if mutation == 1:
        return path[:-1] if path.endswith("/") else path + "/"
    if mutation == 2:
        return path.lstrip("/")
    if mutation == 3:
        return path + path_text(reader, 6)
    return path


def fuzz_table(reader: Reader) -> None:
    name = reader.pick(TABLES)
    method = reader.pick(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
    if reader.number(0, 3):
        _, rule = reader.pick(ROUTES[name])
        path = mutate(reader, route_path(reader, rule))
    else:
        path = path_text(reader)
    compare(MAPS[name], path, method, reader.number(0, 7) == 7)


def random_rule(reader: Reader) -> tuple[str, dict[str, t.Any]]:
    names = iter(f"v{i}" for i in range(20))
    segments = []
    for _ in range(reader.number(0, 4)):
        if reader.flag():
            segments.append(reader.pick(STATIC))
        else:
            segments.append(reader.pick(DYNAMIC).format(next(names)))
    rule = "/" + "/".join(segments) + ("/" if segments and reader.flag() else "")
    options: dict[str, t.Any] = {}
    methods = reader.pick(METHODS)
    if methods is not None:
        options["methods"] = methods
    if reader.number(0, 3) == 3:
        options["strict_slashes"] = False
    if reader.number(0, 5) == 5:
        options["merge_slashes"] = False
    if methods in (None, ["GET"]) and reader.number(0, 7) == 7:
        options["websocket"] = True
    if reader.number(0, 7) == 7:
        options["defaults"] = {"extra": 1}
    return rule, options


def fuzz_rules(reader: Reader) -> None:
    specs = [random_rule(reader) for _ in range(reader.number(1, 5))]
    merge = reader.number(0, 5) != 5
    requests = [
        (
            mutate(reader, route_path(reader, reader.pick(specs)[0])) if reader.number(0, 3) else path_text(reader, 16),
            reader.pick(["GET", "POST", "PUT"]),
            reader.number(0, 7) == 7,
        )
        for _ in range(reader.number(1, 4))
    ]
    try:
        maps = build(lambda: [Rule(r, endpoint=f"{i}", **o) for i, (r, o) in enumerate(specs)], merge)
    except (ValueError, LookupError):
        return  # a table Werkzeug refuses (e.g. a duplicate variable)
    for path, method, websocket in requests:
        compare(maps, path, method, websocket)


def test_one_input(data: bytes) -> None:
    reader = Reader(data)
    if reader.flag():
        fuzz_table(reader)
    else:
        fuzz_rules(reader)
