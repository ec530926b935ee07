"""The parsed-header attributes of Request and Response on the compiled
parsers give what Flask's (Werkzeug's) give, and write headers the same way."""
from __future__ import annotations

import warnings
from datetime import datetime, timedelta, timezone

import flask
import pytest
from werkzeug.datastructures import ContentRange, WWWAuthenticate
from werkzeug.test import EnvironBuilder

import fastmicro
from fastmicro import speedups

BROWSER = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8",
    "Accept-Language": "de-CH,de;q=0.9,en;q=0.8",
    "Accept-Encoding": "gzip, deflate, br, zstd",
    "Accept-Charset": "utf-8, iso-8859-1;q=0.5",
    "Cookie": 'session=eyJuIjoxfQ.Z.abc; theme="dark mode"; a=1; a=2',
    "Cache-Control": "no-cache, max-age=0",
    "If-None-Match": '"abc", W/"def"',
    "If-Match": "*",
    "If-Modified-Since": "Sun, 06 Nov 1994 08:49:37 GMT",
    "If-Unmodified-Since": "Sunday, 06-Nov-94 08:49:37 GMT",
    "If-Range": '"abc"',
    "Range": "bytes=0-499, -200",
    "Authorization": "Basic dXNlcjpwYXNz",
    "Date": "Sun Nov  6 08:49:37 1994",
}
HOSTILE = {
    "Accept": 'text/html;q=x, ;;;, "",*/*;q=1.5',
    "Cookie": '"; ;=; a="\\"; b',
    "Cache-Control": 'max-age="5, private=',
    "If-None-Match": 'W/"unterminated',
    "Range": "bytes=9-1",
    "Authorization": "Bearer",
    "Date": "not a date",
}
ATTRIBUTES = [
    "accept_mimetypes",
    "accept_languages",
    "accept_encodings",
    "accept_charsets",
    "cookies",
    "cache_control",
    "if_none_match",
    "if_match",
    "if_modified_since",
    "if_unmodified_since",
    "if_range",
    "range",
    "authorization",
    "date",
    "mimetype",
    "mimetype_params",
]


def _comparable(value):
    if hasattr(value, "to_header"):
        return type(value).__mro__[-3:], value.to_header()
    if hasattr(value, "items") and hasattr(value, "getlist"):
        return list(value.items(multi=True))
    return value


@pytest.mark.parametrize("headers", [BROWSER, HOSTILE, {}], ids=["browser", "hostile", "none"])
@pytest.mark.parametrize("content_type", ["text/plain; charset=utf-8", 'multipart/form-data; boundary="x y"', None])
def test_request_attributes_as_flask(headers, content_type):
    environ = EnvironBuilder(headers=headers, content_type=content_type).get_environ()
    ours, theirs = fastmicro.Request(dict(environ)), flask.Request(dict(environ))
    for name in ATTRIBUTES:
        assert _comparable(getattr(ours, name)) == _comparable(getattr(theirs, name)), name
    assert isinstance(ours.accept_mimetypes, type(theirs.accept_mimetypes))
    assert ours.accept_mimetypes.best_match(["application/json", "text/html"]) == (
        theirs.accept_mimetypes.best_match(["application/json", "text/html"])
    )


def test_request_attributes_are_computed_once():
    request = fastmicro.Request(EnvironBuilder(headers=BROWSER).get_environ())
    assert request.accept_mimetypes is request.accept_mimetypes
    assert request.cookies is request.cookies
    assert request.cookies.getlist("a") == ["1", "2"]


def _response_pair():
    return fastmicro.Response("x"), flask.Response("x")


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"max_age": 60, "path": "/app", "domain": "example.com", "secure": True, "httponly": True},
        {"expires": datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc), "samesite": "Lax"},
        {"max_age": timedelta(days=1), "partitioned": True},
        {"value": 'needs "quoting"; yes'},
        {"value": "\u00fcnicode", "samesite": "Strict"},
    ],
)
def test_set_cookie_as_flask(kwargs):
    ours, theirs = _response_pair()
    ours.set_cookie("k", **kwargs)
    theirs.set_cookie("k", **kwargs)
    # Max-Age and Expires may straddle a second boundary; compare structure.
    assert ours.headers.getlist("Set-Cookie")[0].split(";")[0] == theirs.headers.getlist("Set-Cookie")[0].split(";")[0]
    assert sorted(p.split("=")[0].strip() for p in ours.headers["Set-Cookie"].split(";")) == sorted(
        p.split("=")[0].strip() for p in theirs.headers["Set-Cookie"].split(";")
    )


def test_set_cookie_bad_samesite_and_size_warning():
    ours, theirs = _response_pair()
    with pytest.raises(ValueError):
        ours.set_cookie("k", samesite="Sometimes")
    with pytest.raises(ValueError):
        theirs.set_cookie("k", samesite="Sometimes")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours.set_cookie("k", "v" * 5000)
        theirs.set_cookie("k", "v" * 5000)
    assert len(caught) == 2
    assert str(caught[0].message) == str(caught[1].message)


def test_delete_cookie_as_flask():
    ours, theirs = _response_pair()
    ours.delete_cookie("k", path="/p", domain="d.example", secure=True, samesite="None")
    theirs.delete_cookie("k", path="/p", domain="d.example", secure=True, samesite="None")
    assert ours.headers["Set-Cookie"] == theirs.headers["Set-Cookie"]


def test_response_header_attributes_as_flask():
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    ours, theirs = fastmicro.Response("x"), flask.Response("x")
    for response in (ours, theirs):
        response.cache_control.max_age = 30
        response.set_etag("v1", weak=True)
        response.last_modified = when
        response.content_range = ContentRange("bytes", 0, 10, 100)
        response.www_authenticate = WWWAuthenticate("basic", {"realm": "x"})
        response.mimetype_params["charset"] = "latin-1"
    assert ours.headers.to_wsgi_list() == theirs.headers.to_wsgi_list()
    assert ours.get_etag() == theirs.get_etag() == ("v1", True)
    assert ours.last_modified == theirs.last_modified == when
    assert ours.content_range.to_header() == theirs.content_range.to_header()
    assert ours.www_authenticate.to_header() == theirs.www_authenticate.to_header()
    assert ours.cache_control.max_age == 30


def test_header_injection_is_refused():
    for module in (fastmicro, flask):
        response = module.Response("x")
        with pytest.raises(ValueError):
            response.headers["X-Bad"] = "a\r\nSet-Cookie: evil=1"
        with pytest.raises(ValueError):
            response.headers.add("X-Bad", "a\nb")


def test_a_view_setting_a_bad_header_gets_a_500():
    for module in (fastmicro, flask):
        app = module.Flask(__name__)

        @app.route("/")
        def bad():
            return "x", 200, {"X-Bad": "a\r\nb"}

        assert app.test_client().get("/").status_code == 500


def test_the_parsers_come_from_speedups():
    from fastmicro.http import parsed_headers

    assert parsed_headers._accept is speedups.load("accept")
    assert parsed_headers._cookies is speedups.load("cookies")
    assert parsed_headers._headers is speedups.load("headers")


def test_parsed_accept_values_are_shared_and_bounded():
    from fastmicro.http import parsed_headers

    def request(accept):
        return fastmicro.Request(EnvironBuilder(headers={"Accept": accept}).get_environ())

    first, second = request("text/html;q=0.5"), request("text/html;q=0.5")
    assert first.accept_mimetypes is second.accept_mimetypes  # immutable, so shared
    with pytest.raises(TypeError):
        first.accept_mimetypes.append(("x/y", 1))
    assert request("text/plain").accept_mimetypes.best_match(["text/plain"]) == "text/plain"
    for n in range(parsed_headers._ACCEPT_CACHE_SIZE + 5):
        assert request(f"text/x{n}").accept_mimetypes.best_match([f"text/x{n}"]) == f"text/x{n}"
    assert len(parsed_headers._accept_cache) <= parsed_headers._ACCEPT_CACHE_SIZE
    # Languages and encodings are cached under their own class.
    langs = fastmicro.Request(EnvironBuilder(headers={"Accept-Language": "text/html;q=0.5"}).get_environ())
    assert type(langs.accept_languages) is not type(first.accept_mimetypes)


def test_best_match_answers_stay_right_for_a_shared_accept_value():
    from werkzeug.datastructures import MIMEAccept
    from werkzeug.http import parse_accept_header

    value = "text/html;q=0.9,application/json,*/*;q=0.1"
    reference = parse_accept_header(value, MIMEAccept)
    requests = [fastmicro.Request(EnvironBuilder(headers={"Accept": value}).get_environ()) for _ in range(3)]
    offers = [["text/html", "application/json"], ("text/html",), ["image/png"], [], ["text/html", "image/png"]]
    for request in requests:
        for offer in offers * 2:
            assert request.accept_mimetypes.best_match(offer) == reference.best_match(offer)
            sentinel = object()
            expected = reference.best_match(offer, sentinel)
            got = request.accept_mimetypes.best_match(offer, sentinel)
            assert got is expected or got == expected
