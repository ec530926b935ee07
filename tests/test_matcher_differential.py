"""Differential tests: Werkzeug's matcher vs our pure twin vs our compiled one.

Random rule tables and paths mostly derived from them; every matcher must
return the same rule and values, or raise the same exception with the same
details. The full ``MapAdapter.match`` on a Werkzeug ``Map`` and on a
``fastmicro.routing.Map`` must agree too.
"""
from __future__ import annotations

import importlib
import os
import typing as t
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map as WerkzeugMap
from werkzeug.routing import Rule
from werkzeug.routing.converters import BaseConverter
from werkzeug.routing.converters import IntegerConverter
from werkzeug.routing.converters import ValidationError
from werkzeug.routing.exceptions import NoMatch
from werkzeug.routing.exceptions import RequestAliasRedirect
from werkzeug.routing.exceptions import RequestPath
from werkzeug.routing.exceptions import RequestRedirect

from fastmicro.routing import Map
from fastmicro.routing import NeedsFullMatch
from fastmicro.routing import _pymatcher

NO_EXTENSIONS = os.environ.get("FASTMICRO_NO_EXTENSIONS", "") not in ("", "0")

if NO_EXTENSIONS:
    IMPLEMENTATIONS = [_pymatcher]
else:
    # Required: a missing build must fail here, not silently test less.
    IMPLEMENTATIONS = [_pymatcher, importlib.import_module("fastmicro._ext.matcher")]

ROUTES_DIR = Path(__file__).parents[2] / "shared" / "routes"


class LetterConverter(BaseConverter):
    """A custom converter: its own regex, a failing and a changing to_python."""

    regex = "[a-c]+"

    def to_python(self, value: str) -> t.Any:
        if value == "cab":
            raise ValidationError()
        return value.upper()


class ShiftedInt(IntegerConverter):
    """Same regex as int, different to_python: must not take int's fast path."""

    def to_python(self, value: str) -> t.Any:
        return super().to_python(value) + 1000


CONVERTERS = {"letters": LetterConverter, "shifted": ShiftedInt}

# (converter text with {} for the variable name, sample values)
DYNAMIC = [
    ("<{}>", ["x", "ab", "٣", "a b", "\n"]),
    ("<string(minlength=2):{}>", ["x", "xyz"]),
    ("<string(maxlength=2):{}>", ["x", "xyz"]),
    ("<string(length=3):{}>", ["abc", "ab"]),
    ("<string(minlength=0):{}>", ["", "q"]),
    ("<int:{}>", ["7", "42", "007", "-3", "١٢", "1" * 25, "4x"]),
    ("<int(signed=True):{}>", ["-3", "12", "-", "--1"]),
    ("<int(fixed_digits=3):{}>", ["007", "7", "1234"]),
    ("<int(min=3, max=50):{}>", ["2", "3", "50", "51"]),
    ("<float:{}>", ["1.5", "1.", ".5", "1.5.5", "٣.٣"]),
    ("<float(signed=True):{}>", ["-1.5", "2.25"]),
    ("<uuid:{}>", ["12345678-1234-5678-1234-56781234abcd", "12345678-1234-5678-1234-56781234abcg", "x"]),
    ("<any(a, bc, 'd e'):{}>", ["a", "bc", "d e", "b"]),
    ("<path:{}>", ["a", "a/b", "a//b", "/a", "a/\nb", "\nb", "a/b/"]),
    ("<letters:{}>", ["abc", "cab", "d"]),
    ("<shifted:{}>", ["5", "x"]),
]
STATIC = ["a", "b", "ab", "x-y", "1", "é", "page.html"]
MIXED = [
    ("page-<int:{}>.html", ["page-3.html", "page-x.html"]),
    ("<int:{}>-<{}>", ["1-a", "1-", "a-b"]),
    ("v<any(p, 'q.r'):{}>", ["vp", "vq.r", "vqxr"]),
]


@st.composite
def rule_specs(draw: st.DrawFn) -> dict[str, t.Any]:
    """One rule: its text and options, and sample values per segment."""
    count = draw(st.integers(0, 4))
    segments: list[tuple[str, list[str]]] = []
    names = iter(f"v{i}" for i in range(100))
    for _ in range(count):
        choice = draw(st.integers(0, 9))
        if choice < 4:
            word = draw(st.sampled_from(STATIC))
            segments.append((word, [word]))
        elif choice < 9:
            text, samples = draw(st.sampled_from(DYNAMIC))
            segments.append((text.format(next(names)), samples))
        else:
            text, samples = draw(st.sampled_from(MIXED))
            segments.append((text.format(next(names), next(names)), samples))
        if "<path:" in segments[-1][0] and draw(st.booleans()):
            break
    rule = "/" + "/".join(s for s, _ in segments)
    if segments and draw(st.booleans()):
        rule += "/"
    options: dict[str, t.Any] = {}
    methods = draw(st.sampled_from([None, ["GET"], ["POST"], ["GET", "PUT"]]))
    if methods is not None:
        options["methods"] = methods
    if draw(st.integers(0, 3)) == 0:
        options["strict_slashes"] = False
    if draw(st.integers(0, 5)) == 0:
        options["merge_slashes"] = False
    if methods in (None, ["GET"]) and draw(st.integers(0, 8)) == 0:
        options["websocket"] = True
    if draw(st.integers(0, 8)) == 0:
        options["defaults"] = {"extra": 1}
    return {"rule": rule, "options": options, "samples": [s for _, s in segments]}


@st.composite
def paths(draw: st.DrawFn, specs: list[dict[str, t.Any]]) -> str:
    """A path, usually an instance of one of the rules, often mutated."""
    if not specs or draw(st.integers(0, 9)) == 0:
        return draw(st.text(alphabet="ab/1.-\n٣", max_size=12))
    spec = draw(st.sampled_from(specs))
    parts = [draw(st.sampled_from(samples)) for samples in spec["samples"]]
    path = "/" + "/".join(parts)
    if spec["rule"].endswith("/"):
        path += "/"
    mutation = draw(st.integers(0, 9))
    if mutation == 0:
        path = path.replace("/", "//", 1)
    elif mutation == 1:
        path = path + "/" if not path.endswith("/") else path[:-1]
    elif mutation == 2:
        path = path.lstrip("/")
    elif mutation == 3:
        path += draw(st.sampled_from(["/x", "//", "/\n", "/٣"]))
    return path


def build_rules(specs: list[dict[str, t.Any]]) -> list[Rule]:
    return [Rule(s["rule"], endpoint=i, **s["options"]) for i, s in enumerate(specs)]


def outcome(matcher: t.Any, rules: list[Rule], path: str, method: str, ws: bool) -> t.Any:
    try:
        rule, values = matcher.match("", path, method, ws)
    except NoMatch as exc:
        return ("NoMatch", set(exc.have_match_for), exc.websocket_mismatch)
    except RequestPath as exc:
        return ("RequestPath", exc.path_info)
    except RequestAliasRedirect as exc:
        return ("Alias", exc.endpoint, dict(exc.matched_values))
    except RecursionError:
        return ("RecursionError",)
    index = next(i for i, r in enumerate(rules) if r is rule)
    return (index, values)


def adapter_outcome(url_map: t.Any, path: str, method: str) -> t.Any:
    try:
        return url_map.bind("example.org").match(path, method)
    except RequestRedirect as exc:
        return ("redirect", exc.new_url)
    except HTTPException as exc:
        return (type(exc).__name__, frozenset(getattr(exc, "valid_methods", None) or ()))


def match_path_outcome(url_map: t.Any, path: str, method: str) -> t.Any:
    try:
        rule, values = url_map.match_path(path, method)
    except NeedsFullMatch:
        return "NeedsFullMatch"
    except HTTPException as exc:
        return (type(exc).__name__, frozenset(getattr(exc, "valid_methods", None) or ()))
    return (rule.endpoint, values)


def check_table(specs: list[dict[str, t.Any]], requests: list[tuple[str, str]]) -> None:
    rules = build_rules(specs)
    reference = WerkzeugMap(rules, converters=CONVERTERS)
    reference.update()
    matchers = []
    for module in IMPLEMENTATIONS:
        matcher = module.StateMachineMatcher(reference.merge_slashes)
        for rule in rules:
            if not rule.build_only:
                matcher.add(rule)
        matcher.update()
        matchers.append(matcher)
    ours = Map(build_rules(specs), converters=CONVERTERS)
    for path, method in requests:
        for ws in (False, True):
            expected = outcome(reference._matcher, rules, path, method, ws)
            for module, matcher in zip(IMPLEMENTATIONS, matchers):
                got = outcome(matcher, rules, path, method, ws)
                assert got == expected, (module.__name__, specs, path, method, ws)
        assert adapter_outcome(ours, path, method) == adapter_outcome(reference, path, method), (
            specs,
            path,
            method,
        )
        # Map.match_path (the app's path), twice: nothing kept from the
        # first match may change the second; where it needs no full match,
        # it answers as Werkzeug's adapter.
        first = match_path_outcome(ours, path, method)
        assert match_path_outcome(ours, path, method) == first, (specs, path, method)
        if first != "NeedsFullMatch":
            assert first == adapter_outcome(reference, path, method), (specs, path, method)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[dict[str, t.Any]], list[tuple[str, str]]]:
    specs = draw(st.lists(rule_specs(), min_size=1, max_size=8))
    requests = draw(
        st.lists(st.tuples(paths(specs), st.sampled_from(["GET", "POST", "PUT"])), min_size=1, max_size=12)
    )
    return specs, requests


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_random_tables(table: tuple[list[dict[str, t.Any]], list[tuple[str, str]]]) -> None:
    check_table(*table)


def test_shared_prefixes_and_backtracking() -> None:
    specs = [
        {"rule": "/a/<int:x>/b", "options": {}, "samples": []},
        {"rule": "/a/<v>/c", "options": {}, "samples": []},
        {"rule": "/a/<path:p>/d", "options": {}, "samples": []},
        {"rule": "/a/1/<v>/", "options": {"methods": ["POST"]}, "samples": []},
        {"rule": "/<path:p>/", "options": {"strict_slashes": False}, "samples": []},
    ]
    requests = [
        (p, m)
        for p in ["/a/1/b", "/a/1/c", "/a/1/x/d", "/a/1/x", "/a/1/x/", "/q/r", "/q/r/", "//a//1//b"]
        for m in ["GET", "POST"]
    ]
    check_table(specs, requests)


def _github_routes() -> list[tuple[str, str]]:
    table = ROUTES_DIR / "github.txt"
    if not table.exists():
        pytest.fail(f"route table missing: {table} (expected ../shared/routes beside the repo)")
    routes = []
    for line in table.read_text().splitlines():
        method, route = line.split()
        routes.append((method, "/".join(f"<{s[1:]}>" if s[:1] == ":" else s for s in route.split("/"))))
    return routes


def test_github_table() -> None:
    routes = _github_routes()
    rules = [Rule(r, endpoint=i, methods=[m]) for i, (m, r) in enumerate(routes)]
    reference = WerkzeugMap(rules)
    reference.update()
    matchers = []
    for module in IMPLEMENTATIONS:
        matcher = module.StateMachineMatcher(True)
        for rule in rules:
            matcher.add(rule)
        matcher.update()
        matchers.append(matcher)
    for index, (method, rule_text) in enumerate(routes):
        path = rule_text.replace("<", "v").replace(">", "")
        for probe in (method, "PATCH"):
            expected = outcome(reference._matcher, rules, path, probe, False)
            if probe == method:
                assert expected[0] == index or rules[expected[0]].rule == rule_text
            for matcher in matchers:
                assert outcome(matcher, rules, path, probe, False) == expected, path


@pytest.mark.parametrize("module", IMPLEMENTATIONS, ids=lambda m: m.__name__)
def test_huge_paths_do_not_crash(module: t.Any) -> None:
    # The walk only recurses along rule parts, so path length never deepens
    # it: a 1 MB path and 100,000 empty segments are matched iteratively.
    url_map = WerkzeugMap(
        [Rule("/<path:p>", endpoint="p"), Rule("/a/<x>", endpoint="x"), Rule("/b/", endpoint="b")]
    )
    url_map.update()
    matcher = module.StateMachineMatcher(True)
    for rule in url_map.iter_rules():
        matcher.add(rule)
    matcher.update()
    rules = list(url_map.iter_rules())
    big = "/" + "a" * 1_000_000
    rule, values = matcher.match("", big, "GET", False)
    assert rule.endpoint == "p" and values["p"] == big[1:]
    slashes = "/" * 100_000
    huge = [
        big + "\n",
        slashes,
        "/a" + slashes,
        "/b" + slashes,
        "/b" + slashes + "x\n",
        "/x" * 100_000,
        "/a/" + "é" * 1_000_000,
    ]
    for path in huge:
        # Werkzeug's walk is recursive too, but also only along rule parts.
        expected = outcome(url_map._matcher, rules, path, "GET", False)
        assert outcome(matcher, rules, path, "GET", False) == expected


@pytest.mark.parametrize("module", IMPLEMENTATIONS, ids=lambda m: m.__name__)
def test_deep_rule_table(module: t.Any) -> None:
    # Only rule parts deepen the walk. Werkzeug cannot even compile a rule
    # much deeper than this (its URL builder recurses), so MAX_DEPTH (a
    # RecursionError instead of a C stack overflow) is a guard only.
    depth = 400
    url_map = WerkzeugMap([Rule("/s" * depth, endpoint="deep"), Rule("/s" * (depth - 1) + "/<x>", endpoint="x")])
    url_map.update()
    rules = list(url_map.iter_rules())
    matcher = module.StateMachineMatcher(True)
    for rule in rules:
        matcher.add(rule)
    matcher.update()
    assert module.MAX_DEPTH > depth
    for path in ("/s" * depth, "/s" * (depth - 1) + "/t", "/s" * (depth + 1), "/s" * depth + "/"):
        expected = outcome(url_map._matcher, rules, path, "GET", False)
        assert outcome(matcher, rules, path, "GET", False) == expected
