"""Behaviour of fastmicro.routing.Map and Router (either matcher backend)."""
from __future__ import annotations

import uuid

import pytest
from werkzeug.routing import BaseConverter

from fastmicro import speedups
from fastmicro.routing import BuildError
from fastmicro.routing import Map
from fastmicro.routing import MethodNotAllowed
from fastmicro.routing import NeedsFullMatch
from fastmicro.routing import NotFound
from fastmicro.routing import RequestRedirect
from fastmicro.routing import Router
from fastmicro.routing import Rule


def test_map_uses_selected_matcher() -> None:
    assert type(Map()._matcher) is speedups.load("matcher").StateMachineMatcher


@pytest.mark.parametrize(
    ("rule", "path", "expected"),
    [
        ("/<v>", "/abc", "abc"),
        ("/<string(minlength=2):v>", "/ab", "ab"),
        ("/<string(maxlength=2):v>", "/ab", "ab"),
        ("/<string(length=3):v>", "/abc", "abc"),
        ("/<int:v>", "/42", 42),
        ("/<int:v>", "/١٢", 12),
        ("/<int(signed=True):v>", "/-42", -42),
        ("/<int(fixed_digits=3):v>", "/007", 7),
        ("/<int(min=3, max=5):v>", "/4", 4),
        ("/<float:v>", "/1.5", 1.5),
        ("/<float(signed=True):v>", "/-1.5", -1.5),
        ("/<uuid:v>", "/12345678-1234-5678-1234-567812345678", uuid.UUID(int=0x12345678123456781234567812345678)),
        ("/<any(a, 'b c'):v>", "/b c", "b c"),
        ("/<path:v>", "/a/b/c", "a/b/c"),
        ("/page-<int:v>.html", "/page-3.html", 3),
    ],
)
def test_converters_match(rule: str, path: str, expected: object) -> None:
    url_map = Map([Rule(rule, endpoint="e")])
    matched, values = url_map.match_path(path, "GET")
    assert matched.endpoint == "e" and values == {"v": expected}


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ("/<string(minlength=2):v>", "/a"),
        ("/<string(maxlength=2):v>", "/abc"),
        ("/<int:v>", "/-1"),
        ("/<int:v>", "/4a"),
        ("/<int(fixed_digits=3):v>", "/7"),
        ("/<int(min=3, max=5):v>", "/6"),
        ("/<float:v>", "/1"),
        ("/<uuid:v>", "/12345678-1234-5678-1234-56781234567g"),
        ("/<any(a, b):v>", "/c"),
        ("/<path:v>", "/a/\nb"),
        ("/<v>", "/a/b"),
    ],
)
def test_converters_reject(rule: str, path: str) -> None:
    with pytest.raises(NotFound):
        Map([Rule(rule, endpoint="e")]).match_path(path, "GET")


def test_methods_head_options_and_405() -> None:
    url_map = Map([Rule("/r", endpoint="get", methods=["GET"]), Rule("/r", endpoint="post", methods=["POST"])])
    assert url_map.match_path("/r", "HEAD")[0].endpoint == "get"
    assert url_map.match_path("/r", "POST")[0].endpoint == "post"
    with pytest.raises(MethodNotAllowed) as info:
        url_map.match_path("/r", "DELETE")
    assert set(info.value.valid_methods) == {"GET", "HEAD", "POST"}


def test_strict_slashes_redirect_via_adapter() -> None:
    url_map = Map([Rule("/dir/", endpoint="d")])
    with pytest.raises(NeedsFullMatch):
        url_map.match_path("/dir", "GET")
    with pytest.raises(RequestRedirect) as info:
        url_map.bind("example.org").match("/dir", query_args="q=1")
    assert info.value.code == 308 and info.value.new_url == "http://example.org/dir/?q=1"


def test_strict_slashes_false_and_merge_slashes() -> None:
    url_map = Map([Rule("/dir/", endpoint="d", strict_slashes=False), Rule("/a/b", endpoint="ab")])
    assert url_map.match_path("/dir", "GET")[0].endpoint == "d"
    with pytest.raises(NeedsFullMatch):
        url_map.match_path("/a//b", "GET")
    with pytest.raises(RequestRedirect) as info:
        url_map.bind("h").match("/a//b")
    assert info.value.new_url == "http://h/a/b"
    assert Map([Rule("/a/b", endpoint="ab")], merge_slashes=False).bind("h").test("/a//b") is False


def test_defaults_and_default_redirects() -> None:
    url_map = Map(
        [
            Rule("/page/", endpoint="page", defaults={"n": 1}),
            Rule("/page/<int:n>", endpoint="page"),
            Rule("/other", endpoint="other", defaults={"x": "y"}),
        ]
    )
    assert url_map.match_path("/page/", "GET")[1] == {"n": 1}
    assert url_map.match_path("/other", "GET")[1] == {"x": "y"}
    with pytest.raises(NeedsFullMatch):  # /page/1 may redirect to /page/
        url_map.match_path("/page/1", "GET")
    with pytest.raises(RequestRedirect) as info:
        url_map.bind("h").match("/page/1")
    assert info.value.new_url == "http://h/page/"


def test_redirect_to_and_alias_need_full_match() -> None:
    url_map = Map([Rule("/old", endpoint="old", redirect_to="/new"), Rule("/new", endpoint="new")])
    with pytest.raises(NeedsFullMatch):
        url_map.match_path("/old", "GET")
    with pytest.raises(RequestRedirect) as info:
        url_map.bind("h").match("/old")
    assert info.value.new_url == "http://h/new"
    aliased = Map([Rule("/a", endpoint="e"), Rule("/b", endpoint="e", alias=True)])
    with pytest.raises(NeedsFullMatch):
        aliased.match_path("/b", "GET")


def test_host_matching_and_subdomains() -> None:
    hosts = Map([Rule("/", endpoint="www", host="www.example.org"), Rule("/", endpoint="sub", host="<s>.example.org")], host_matching=True)
    assert hosts.bind("www.example.org").match("/") == ("www", {})
    assert hosts.bind("api.example.org").match("/") == ("sub", {"s": "api"})
    assert hosts.match_path("/", "GET", "api.example.org")[1] == {"s": "api"}
    subs = Map([Rule("/", endpoint="root"), Rule("/", endpoint="user", subdomain="<user>")])
    assert subs.bind("example.org", subdomain="bob").match("/") == ("user", {"user": "bob"})
    assert subs.match_path("/", "GET")[0].endpoint == "root"


def test_custom_converter() -> None:
    class ListConverter(BaseConverter):
        regex = r"[a-z]+(?:,[a-z]+)*"

        def to_python(self, value: str) -> list[str]:
            return value.split(",")

        def to_url(self, value: list[str]) -> str:
            return ",".join(value)

    url_map = Map([Rule("/l/<list:items>", endpoint="l")], converters={"list": ListConverter})
    assert url_map.match_path("/l/a,b", "GET")[1] == {"items": ["a", "b"]}
    assert url_map.bind("h").build("l", {"items": ["x", "y"]}) == "/l/x,y"


def test_rule_ordering_static_before_dynamic_and_weights() -> None:
    url_map = Map([Rule("/<v>", endpoint="any"), Rule("/<int:v>", endpoint="int"), Rule("/me", endpoint="me")])
    assert url_map.match_path("/me", "GET")[0].endpoint == "me"
    assert url_map.match_path("/5", "GET")[0].endpoint == "int"
    assert url_map.match_path("/x", "GET")[0].endpoint == "any"


def test_unicode_paths_and_empty_path() -> None:
    url_map = Map([Rule("/café/<v>", endpoint="c"), Rule("/", endpoint="root")])
    assert url_map.match_path("/café/naïve", "GET")[1] == {"v": "naïve"}
    assert url_map.match_path("café/x", "GET")[0].endpoint == "c"  # lstrip("/") + "/"
    assert url_map.match_path("///", "GET")[0].endpoint == "root"
    with pytest.raises(NeedsFullMatch):  # "" -> redirect to "/"
        url_map.match_path("", "GET")


def test_rules_added_after_matching_and_iter_rules() -> None:
    url_map = Map([Rule("/a", endpoint="a")])
    url_map.match_path("/a", "GET")
    url_map.add(Rule("/b", endpoint="b"))
    assert url_map.match_path("/b", "GET")[0].endpoint == "b"
    assert sorted(r.endpoint for r in url_map.iter_rules()) == ["a", "b"]


def test_repeated_matches_follow_changes_to_the_map() -> None:
    # Whatever the matcher keeps between matches, each answer must be the
    # one Werkzeug gives for the map as it is now.
    url_map = Map(
        [
            Rule("/x/", endpoint="slash", strict_slashes=False, methods=["GET"]),
            Rule("/<name>", endpoint="name", methods=["POST"]),
        ]
    )
    for _ in range(2):
        rule, values = url_map.match_path("/x", "GET")
        assert (rule.endpoint, values) == ("slash", {})
        values["changed"] = True  # the caller's own dict
    assert url_map.match_path("/x", "POST") == (url_map._rules_by_endpoint["name"][0], {"name": "x"})
    held = url_map.match_path("/y", "POST")[1]
    again = url_map.match_path("/y", "POST")[1]
    assert held == again == {"name": "y"} and held is not again
    held["name"] = "changed"
    del again["name"]
    assert url_map.match_path("/y", "POST")[1] == {"name": "y"}
    assert held == {"name": "changed"} and again == {}
    url_map.add(Rule("/x", endpoint="plain", methods=["GET", "POST"]))
    for method in ("GET", "POST", "GET"):
        assert url_map.match_path("/x", method)[0].endpoint == "plain"
        assert url_map.bind("h").match("/x", method)[0] == "plain"
    assert url_map.match_path("/x/", "GET")[0].endpoint == "slash"
    with pytest.raises(MethodNotAllowed):
        url_map.match_path("/x/", "POST")
    url_map.update()
    url_map._matcher.set_full_match_rules([url_map._rules_by_endpoint["plain"][0]])
    with pytest.raises(NeedsFullMatch):
        url_map.match_path("/x", "GET")


def test_repeated_matches_per_domain_and_method() -> None:
    url_map = Map(
        [
            Rule("/x", endpoint="api", subdomain="api", methods=["GET"]),
            Rule("/x", endpoint="www", subdomain="www", methods=["GET", "PUT"]),
            Rule("/any", endpoint="any"),
        ],
        default_subdomain="www",
    )
    for _ in range(2):
        assert url_map.match_path("/x", "GET", "api")[0].endpoint == "api"
        assert url_map.match_path("/x", "PUT", "www")[0].endpoint == "www"
        assert url_map.match_path("/x", "GET", "www")[0].endpoint == "www"
        with pytest.raises(MethodNotAllowed):
            url_map.match_path("/x", "PUT", "api")
        with pytest.raises(NotFound):
            url_map.match_path("/x", "GET", "other")
        for method in ("GET", "HEAD", "DELETE", "CONNECT", "BREW"):
            assert url_map.match_path("/any", method, "www")[0].endpoint == "any"


def test_build() -> None:
    url_map = Map([Rule("/u/<name>/<int:n>", endpoint="u")])
    adapter = url_map.bind("h")
    assert adapter.build("u", {"name": "a b/ü", "n": 3, "q": "x&y"}) == "/u/a%20b/%C3%BC/3?q=x%26y"  # "/" is kept, as Werkzeug does
    with pytest.raises(BuildError):
        adapter.build("missing")


def test_router() -> None:
    router = Router()
    router.add("/users/<int:id>", "user", methods=["GET"])
    router.add("/users/", "users")
    router.add("/old", "old", redirect_to="/users/")
    assert router.match("/users/42") == ("user", {"id": 42})
    with pytest.raises(MethodNotAllowed) as info:
        router.match("/users/42", "POST")
    assert set(info.value.valid_methods) == {"GET", "HEAD"}
    with pytest.raises(NotFound):
        router.match("/nope")
    with pytest.raises(RequestRedirect) as redirect:
        router.match("/users")
    assert redirect.value.new_url == "http://localhost/users/"
    with pytest.raises(RequestRedirect):
        router.match("/old")
    assert router.build("user", {"id": 7, "tab": "a b"}) == "/users/7?tab=a+b"


def test_long_and_non_ascii_ints() -> None:
    url_map = Map([Rule("/<int:v>", endpoint="e"), Rule("/s/<int(signed=True):v>", endpoint="s")])
    assert url_map.match_path("/" + "1" * 25, "GET")[1] == {"v": int("1" * 25)}
    assert url_map.match_path("/s/-" + "9" * 19, "GET")[1] == {"v": -int("9" * 19)}
    assert url_map.match_path("/١٢٣", "GET")[1] == {"v": 123}


def test_not_found_is_werkzeugs() -> None:
    from werkzeug.exceptions import NotFound as WerkzeugNotFound

    with pytest.raises(WerkzeugNotFound) as info:
        Map([Rule("/a", endpoint="a")]).match_path("/b", "GET")
    expected = WerkzeugNotFound()
    exc = info.value
    assert type(exc) is WerkzeugNotFound
    assert exc.args == expected.args and vars(exc) == vars(expected)
    assert exc.__cause__ is None and exc.__suppress_context__
    assert exc.code == 404 and exc.description == expected.description


def test_matcher_replaced_or_map_changed_after_matching() -> None:
    url_map = Map([Rule("/a", endpoint="a")])
    assert url_map.match_path("/a", "GET")[0].endpoint == "a"
    fresh = Map([Rule("/b", endpoint="b")])
    fresh.update()
    url_map._matcher = fresh._matcher  # another matcher, same map
    assert url_map.match_path("/b", "GET")[0].endpoint == "b"
    with pytest.raises(NotFound):
        url_map.match_path("/a", "GET")
    other = Map([Rule("/a", endpoint="other")])
    assert other.match_path("/a", "GET")[0].endpoint == "other"  # no cross-talk
    assert url_map.match_path("/b", "GET")[0].endpoint == "b"


def test_methods_standard_custom_and_str_subclass() -> None:
    class Method(str):
        pass

    url_map = Map(
        [
            Rule("/r", endpoint="purge", methods=["PURGE"]),
            Rule("/r", endpoint="get", methods=["GET"]),
            Rule("/any", endpoint="any"),
        ]
    )
    assert url_map.match_path("/r", "PURGE")[0].endpoint == "purge"
    assert url_map.match_path("/r", "GET")[0].endpoint == "get"
    assert url_map.match_path("/r", "".join(["G", "ET"]))[0].endpoint == "get"  # not interned
    url_map.update()
    assert url_map._matcher.match("", "/r", Method("GET"), False)[0].endpoint == "get"
    assert url_map.match_path("/any", "BREW")[0].endpoint == "any"
    with pytest.raises(MethodNotAllowed) as info:
        url_map.match_path("/r", "BREW")
    assert set(info.value.valid_methods) == {"PURGE", "GET", "HEAD"}


def test_static_segments_many_and_few_children() -> None:
    # Up to a few static children are compared in place, more are hashed:
    # both must agree with Werkzeug on prefixes, lengths and non-ASCII.
    names = ["a", "ab", "abc", "abcdefgh", "abcdefghi", "é", "x-y", "€"]
    for count in (1, 3, len(names)):
        rules = [Rule(f"/{n}/end", endpoint=n) for n in names[:count]]
        url_map = Map(rules)
        for n in names:
            for path in (f"/{n}/end", f"/{n}", f"/{n}x/end", f"/{n[:-1]}/end", f"/{n}/end/"):
                try:
                    got = url_map.match_path(path, "GET")[0].endpoint
                except (NotFound, NeedsFullMatch) as exc:
                    got = type(exc).__name__
                try:
                    want = url_map.bind("h").match(path)[0]
                except NotFound:
                    want = "NotFound"
                except RequestRedirect:
                    want = "NeedsFullMatch"
                assert got == want, (count, path)
