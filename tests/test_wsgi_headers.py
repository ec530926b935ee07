"""``request.headers``: both twins of the ``wsgi`` hot path against
Werkzeug's ``EnvironHeaders`` on generated environs and lookups."""
from __future__ import annotations

import importlib
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import EnvironHeaders as WerkzeugEnvironHeaders
from werkzeug.exceptions import BadRequestKeyError
from werkzeug.test import EnvironBuilder

from fastmicro import speedups
from fastmicro.http import _pywsgi
from fastmicro.http.environ_headers import EnvironHeaders


def _compiled():
    try:
        return importlib.import_module("fastmicro._ext.wsgi")
    except ImportError:
        if os.environ.get("FASTMICRO_EXPECT_COMPILED") == "1":
            raise
        return None


def _view_class(module):
    return type(
        f"Headers_{module.__name__}",
        (WerkzeugEnvironHeaders,),
        {
            "__init__": module.headers_init,
            "__getitem__": module.headers_getitem,
            "get": module.headers_get,
            "__contains__": module.headers_contains,
            "__iter__": module.headers_iter,
            "__len__": module.headers_len,
        },
    )


TWINS = [_view_class(_pywsgi)] + ([_view_class(m)] if (m := _compiled()) else [])

_name_chars = st.sampled_from("abcXYZ09-_ \u00df\u00e9\u0130\u01c5")
_header_names = st.text(_name_chars, max_size=8) | st.sampled_from(
    ["User-Agent", "user-agent", "Content-Type", "content-length", "Cookie", "X-2fa", "Http2-Settings"]
)
_environ_keys = (
    st.builds(lambda s: "HTTP_" + s, st.text(st.sampled_from("ABCXYZ09_-\u00dfe\u0130x"), max_size=8))
    | st.sampled_from(
        ["CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "HTTP_",
         "REQUEST_METHOD", "wsgi.input", "HTTP_USER_AGENT", "HTTP_X__Y", "HTTP_2FA"]
    )
)
_environs = st.dictionaries(_environ_keys, st.text(max_size=5), max_size=8)


def _outcome(func):
    try:
        return ("ok", func())
    except Exception as exc:  # the same exception type and args
        return ("raised", type(exc), exc.args)


@settings(max_examples=800, deadline=None)
@given(environ=_environs, names=st.lists(_header_names, max_size=4))
def test_twins_match_werkzeug(environ, names):
    reference = WerkzeugEnvironHeaders(environ)
    for cls in TWINS:
        ours = cls(environ)
        assert list(ours) == list(reference)
        assert len(ours) == len(reference)
        assert list(ours.items()) == list(reference.items())
        assert ours.to_wsgi_list() == reference.to_wsgi_list()
        for name in names:
            assert _outcome(lambda: ours[name]) == _outcome(lambda: reference[name])
            assert ours.get(name) == reference.get(name)
            assert ours.get(name, "d", type=int) == reference.get(name, "d", type=int)
            assert (name in ours) == (name in reference)
            assert ours.getlist(name) == reference.getlist(name)


@pytest.mark.parametrize("cls", TWINS)
def test_non_string_keys(cls):
    ours, reference = cls({"HTTP_X": "1"}), WerkzeugEnvironHeaders({"HTTP_X": "1"})
    with pytest.raises(BadRequestKeyError):
        ours[1]
    with pytest.raises(BadRequestKeyError):
        reference[1]
    assert ours.get(1, "d") == reference.get(1, "d") == "d"
    assert (1 in ours) == (1 in reference) is False


@pytest.mark.parametrize("cls", TWINS)
def test_a_missing_header_is_a_plain_key_error(cls):
    # Werkzeug raises the environ's KeyError here, not BadRequestKeyError.
    with pytest.raises(KeyError) as ours:
        cls({})["X-Missing"]
    with pytest.raises(KeyError) as theirs:
        WerkzeugEnvironHeaders({})["X-Missing"]
    assert type(ours.value) is type(theirs.value)
    assert ours.value.args == theirs.value.args == ("HTTP_X_MISSING",)


@pytest.mark.parametrize("cls", TWINS)
def test_a_browser_request(cls):
    environ = EnvironBuilder(
        method="POST",
        data=b"a=1",
        content_type="application/x-www-form-urlencoded",
        headers={"User-Agent": "Mozilla/5.0", "Accept-Language": "de", "X-Forwarded-For": "10.0.0.1"},
    ).get_environ()
    ours, reference = cls(environ), WerkzeugEnvironHeaders(environ)
    assert list(ours) == list(reference)
    assert ours["user-agent"] == "Mozilla/5.0"
    assert ours.get("Content-Length", type=int) == 3
    assert ours == reference
    with pytest.raises(TypeError):
        ours["X"] = "y"
    with pytest.raises(TypeError):
        ours.copy()


def test_request_headers_use_the_selected_twin():
    from fastmicro.wrappers import Request

    request = Request(EnvironBuilder(headers={"X-A": "1"}).get_environ())
    assert type(request.headers) is EnvironHeaders
    assert EnvironHeaders.get is speedups.load("wsgi").headers_get
    assert request.headers.get("x-a") == "1"


# -- the way out: status lines and the response header check ------------------

TWIN_MODULES = [module for module in (_pywsgi, _compiled()) if module is not None]


@pytest.mark.parametrize("module", TWIN_MODULES)
@pytest.mark.parametrize("code", [200, 201, 204, 302, 404, 418, 451, 500, 599, 999, 0, -1, 2**70])
def test_status_line_as_werkzeug(module, code):
    from werkzeug.wrappers import Response as WerkzeugResponse

    reference = WerkzeugResponse(status=code).status if code >= 0 and code < 2**64 else None
    if reference is None:
        reference = f"{code} UNKNOWN"
    assert module.status_line(code) == reference


_header_keys = st.sampled_from(
    ["Content-Length", "content-length", "CONTENT-LENGTH", "Location", "location", "Content-Location",
     "Content-Type", "X-Length", "Content-Lengths", "\u212aey", "Loc\u0130tion", ""]
) | st.text(max_size=6)


@settings(max_examples=1000, deadline=None)
@given(headers=st.lists(st.tuples(_header_keys, st.just("1")), max_size=5))
def test_sendable_as_is_matches_werkzeugs_header_fixups(headers):
    """``True`` exactly when Werkzeug's ``get_wsgi_headers`` returns the
    same list for a 200 with a one-chunk body."""
    from werkzeug.datastructures import Headers
    from werkzeug.wrappers import Response as WerkzeugResponse

    response = WerkzeugResponse([b"x"])
    response.headers = Headers(headers)
    environ = EnvironBuilder().get_environ()
    unchanged = response.get_wsgi_headers(environ).to_wsgi_list() == headers
    has_length = any(k.lower() == "content-length" for k, _ in headers)
    for module in TWIN_MODULES:
        result = module.sendable_as_is(list(headers))
        assert result == (has_length and not any(
            k.lower() in ("location", "content-location") for k, _ in headers
        ))
        if result:
            assert unchanged


@pytest.mark.parametrize("module", TWIN_MODULES)
@pytest.mark.parametrize("kind", [tuple, iter])
def test_sendable_as_is_takes_any_iterable_like_its_twin(module, kind):
    headers = [("Content-Type", "text/plain"), ("Content-Length", "1")]
    assert module.sendable_as_is(kind(headers)) is True
    assert module.sendable_as_is(kind(headers + [("Location", "/x")])) is False


@pytest.mark.parametrize("module", TWIN_MODULES)
def test_sendable_as_is_rejects_malformed_items_like_its_twin(module):
    with pytest.raises((ValueError, TypeError)):
        module.sendable_as_is([("Content-Length",)])


def test_the_view_holds_the_environ_and_an_empty_list():
    environ = {"HTTP_X": "1"}
    for cls in TWINS + [EnvironHeaders]:
        headers = cls(environ)
        assert headers.environ is environ
        assert headers._list == []
        assert headers == WerkzeugEnvironHeaders(environ)
