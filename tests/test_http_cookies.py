"""Cookie parsing and ``Set-Cookie`` formatting: compiled, pure twin and Werkzeug.

The reference is Werkzeug 3.1's :func:`werkzeug.http.parse_cookie` and
:func:`werkzeug.http.dump_cookie`. The compiled module
(:mod:`fastmicro._ext.cookies`) is imported directly and must be built unless
``FASTMICRO_NO_EXTENSIONS`` is set; the pure twin
(:mod:`fastmicro.http._pycookies`) is always tested.

Deliberate difference, tested below by name: ``bytes`` are accepted as the
raw header (Werkzeug 3.1 raises ``AttributeError``), because a server that
hands over the raw header should not have to fake a latin-1 ``str``.
"""
from __future__ import annotations

import importlib
import time
import warnings
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.http import dump_cookie as werkzeug_dump
from werkzeug.http import parse_cookie as werkzeug_parse

from fastmicro import speedups
from fastmicro.http import _pycookies

from _appfw import app, client, fw  # noqa: F401

if speedups.NO_EXTENSIONS:
    compiled = None
else:
    # Required: a missing build must fail here, not silently test the twin.
    compiled = importlib.import_module("fastmicro._ext.cookies")

MODULES = {"pure": _pycookies}
if compiled is not None:
    MODULES["compiled"] = compiled
PARSERS = {name: module.parse_cookie for name, module in MODULES.items()}
DUMPERS = {name: module.dump_cookie for name, module in MODULES.items()}


class SubMultiDict(MultiDict):
    """A subclass: built by calling it with the pairs."""


CLASSES = [None, MultiDict, ImmutableMultiDict, SubMultiDict, dict]


def outcome(fn, *args, **kwargs):
    """The exception, or the result's type and every (name, value) in order."""
    try:
        result = fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - compared below
        return ("raised", type(exc), str(exc))
    if isinstance(result, MultiDict):
        items = list(result.items(multi=True))
        keys = list(result.keys())
    elif isinstance(result, dict):
        items = list(result.items())
        keys = list(result)
    else:
        return ("ok", type(result), result)
    for key, value in items:
        assert type(key) is str and type(value) is str
    return ("ok", type(result), items, keys)


def check_parse(header, classes=CLASSES):
    for cls in classes:
        expected = outcome(werkzeug_parse, header, cls)
        for name, parse in PARSERS.items():
            assert outcome(parse, header, cls) == expected, (name, header, cls)


# -- backend selection -------------------------------------------------------


def test_hot_path_registered():
    assert speedups.HOT_PATHS["cookies"] == ("fastmicro._ext.cookies", "fastmicro.http._pycookies")
    module = speedups.load("cookies")
    assert module is (_pycookies if compiled is None else compiled)


def test_exported_from_fastmicro_http():
    import fastmicro.http

    module = speedups.load("cookies")
    assert fastmicro.http.parse_cookie is module.parse_cookie
    assert fastmicro.http.dump_cookie is module.dump_cookie


# -- parse_cookie: explicit examples -------------------------------------------

EXAMPLES = [
    None,
    "",
    ";",
    ";;;",
    "=",
    "==",
    "a",
    "a=",
    "=a",
    "a=b",
    "a=b; c=d",
    "a=b;c=d",
    "a=1; a=2; b=3; a=4",
    " a = b ; c = d ",
    'a="b"',
    'a="b c"',
    'a="b;c"; d=e',
    'a="b\\"c"',
    'a="b\\\\c"',
    'a="\\303\\251"',  # octal UTF-8: é
    'a="\\303"',  # half a character: replaced
    'a="\\377\\400\\1"',
    'a="\\q\\"\\\\\\',
    'a="x"y"; b=1',
    'a="x" ; b=1',
    'a="x" y; b=1',
    'a="unclosed; b=1',
    'a=""',
    'a="',
    'a=" ',
    '"a"=b',
    "a=b=c",
    "a==b",
    "a=b\nc; d=e",  # a newline inside a value: Werkzeug's search restarts
    "a=b\n; c=d",
    "a=b \n ;c=d",
    "a=\nb; c=d",
    "a=b\n=c\n=d; e=f",
    'a="b\\\nc"; d=e',
    'a="b\nc"; d=e',
    "a=\x00; b=\x7f",
    "\x1c a \x1f=\x1db\x1e",  # str.strip() strips these, the regex does not
    "a=\u00a0b\u00a0; c",
    "a=b,c; d=e",
    "$Version=1; a=b; $Path=/",
    "café=crème",
    "caf\xc3\xa9=cr\xc3\xa8me",  # the WSGI (latin-1) form of UTF-8
    "a=\xff",  # not UTF-8 once re-encoded: UnicodeDecodeError
    "a=€",  # not latin-1: UnicodeEncodeError
    "a=\ud800",
    "session=eyJfZnJlc2giOmZhbHNlfQ.Z3x9Aw.abcDEF-ghi_jkl; theme=dark; _ga=GA1.2.1.2",
]


@pytest.mark.parametrize("header", EXAMPLES, ids=repr)
def test_parse_examples(header):
    check_parse(header)
    check_parse({"HTTP_COOKIE": header})


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_parse_known_values(name):
    parse = PARSERS[name]
    cookies = parse('a=1; b="x;y"; a=2; c; d="\\303\\251\\"q\\""')
    assert type(cookies) is MultiDict
    assert cookies.getlist("a") == ["1", "2"]
    assert cookies["b"] == "x;y"
    assert cookies["c"] == ""
    assert cookies["d"] == 'é"q"'
    immutable = parse({"HTTP_COOKIE": "a=1"}, ImmutableMultiDict)
    assert type(immutable) is ImmutableMultiDict
    with pytest.raises(TypeError):
        immutable["x"] = "y"
    assert parse({}) == MultiDict()
    assert parse(None, ImmutableMultiDict) == ImmutableMultiDict()


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_bytes_are_the_raw_header(name):
    """Deliberate difference: Werkzeug 3.1 raises AttributeError for bytes;
    we read them as the raw header, i.e. as the latin-1 WSGI string."""
    parse = PARSERS[name]
    with pytest.raises(AttributeError):
        werkzeug_parse(b"a=b")
    for raw in [b"", b"a=b; c=d", "café=crème".encode(), b'a="\\303\\251"', b"a=\n; b"]:
        assert outcome(parse, raw) == outcome(werkzeug_parse, raw.decode("latin-1"))
        assert outcome(parse, {"HTTP_COOKIE": raw}) == outcome(parse, raw)
    with pytest.raises(UnicodeDecodeError) as info:
        parse(b"a=\xff")
    with pytest.raises(UnicodeDecodeError) as ref:
        werkzeug_parse("a=\xff")
    assert str(info.value) == str(ref.value)


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_parse_odd_arguments(name):
    parse = PARSERS[name]

    class Environ(dict):
        pass

    def broken(pairs=()):
        raise RuntimeError(f"got {list(pairs)!r}")

    for header in [5, 0, [], ["a=b"], object(), Environ(HTTP_COOKIE="a=b"), {"HTTP_COOKIE": 5}]:
        assert outcome(parse, header) == outcome(werkzeug_parse, header), header
    assert outcome(parse, "a=b", broken) == outcome(werkzeug_parse, "a=b", broken)
    assert outcome(parse, "", broken) == outcome(werkzeug_parse, "", broken)


# -- parse_cookie: generated -------------------------------------------------

COOKIE_PIECES = st.sampled_from(
    ["a", "b", "=", ";", "; ", " ", "\t", "\n", '"', "\\", "\\0", "\\303", "\\251", "\\4",
     ",", "é", "\xc3\xa9", "\x00", "\x1f", "\u00a0", "\u2028", "€", "\ud800", "$", "sess"]
)
COOKIE_TEXT = st.one_of(
    st.lists(COOKIE_PIECES, max_size=40).map("".join),
    st.text(max_size=60),
    st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=60),
)


@settings(max_examples=2500, deadline=None, suppress_health_check=list(HealthCheck))
@given(COOKIE_TEXT)
@example('a="b\\" ; c=d')
@example("=\n=\n=;")
def test_parse_differential(header):
    check_parse(header, classes=[None, ImmutableMultiDict, dict])


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=60))
def test_parse_bytes_differential(raw):
    for parse in PARSERS.values():
        assert outcome(parse, raw) == outcome(werkzeug_parse, raw.decode("latin-1"))


@pytest.mark.parametrize(
    "header",
    [
        ";" * 10_000,
        "=" * 10_000,
        "a=b;" * 5_000,
        '"' * 10_000,
        "\\" * 10_000,
        "a=\n" * 3_000 + ";",
        '="' * 5_000,
        "a=" + "x" * 20_000 + "\n",
    ],
    ids=lambda h: repr(h[:8]) + f"*{len(h)}",
)
def test_parse_storms(header):
    check_parse(header, classes=[None])


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_parse_linear_on_a_megabyte(name):
    """Patterns that make Werkzeug's regex search retry at every position
    (quadratic); ours scans each character a bounded number of times. The
    assertion is on the work's result: every pair found."""
    parse = PARSERS[name]
    size = 1 << 20
    # "=x" values that hit a newline before any ";": no pair, restart each time.
    hostile = ("=x" * (size // 2)) + "\nk=v"
    assert list(parse(hostile).items(multi=True)) == [("x\nk", "v")]
    pairs = "a=b; " * (size // 5)
    assert len(parse(pairs).getlist("a")) == size // 5
    quoted = 'q="' + "\\x" * (size // 2) + '"'
    assert parse(quoted)["q"] == "x" * (size // 2)


# -- dump_cookie ---------------------------------------------------------------


def dump_outcome(fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = outcome(fn, *args, **kwargs)
    return result, [(w.category, str(w.message)) for w in caught]


def check_dump(*args, **kwargs):
    expected = dump_outcome(werkzeug_dump, *args, **kwargs)
    for name, dump in DUMPERS.items():
        got = dump_outcome(dump, *args, **kwargs)
        if got != expected and "max_age" in kwargs and kwargs.get("expires") is None:
            # Expires is "now + max_age": a second may have ticked over.
            expected = dump_outcome(werkzeug_dump, *args, **kwargs)
        assert got == expected, (name, args, kwargs)


DUMP_EXAMPLES = [
    dict(key="a"),
    dict(key="a", value="b"),
    dict(key="session", value="eyJfZnJlc2giOmZhbHNlfQ.Z3x9Aw.abcDEF-ghi_jkl", httponly=True),
    dict(key="a", value="b c"),
    dict(key="a", value='b"c\\d'),
    dict(key="a", value="b;c,d"),
    dict(key="a", value="é€😀"),
    dict(key="a", value="\x00\x19\x1a\x1f\x7f"),
    dict(key="a", value="!#$%&'()*+-./:<=>?@[]^`{|}~"),
    dict(key="a", value="\ud800"),
    dict(key="a", value=b"bytes"),
    dict(key="a", value=5),
    dict(key="é", value="x"),
    dict(key="a;b=c", value="x"),
    dict(key=b"a", value="x"),
    dict(key="a", path=None),
    dict(key="a", path=""),
    dict(key="a", path="/a b/é;x?y#z"),
    dict(key="a", path="/%2F/"),
    dict(key="a", path=b"/bytes"),
    dict(key="a", path=5),
    dict(key="a", domain="example.com"),
    dict(key="a", domain=".Example.COM:8080"),
    dict(key="a", domain="localhost"),
    dict(key="a", domain="bücher.de"),
    dict(key="a", domain=""),
    dict(key="a", domain="a..b"),
    dict(key="a", expires=0),
    dict(key="a", expires=1.5),
    dict(key="a", expires=2**31),
    dict(key="a", expires=datetime(2030, 1, 2, 3, 4, 5)),
    dict(key="a", expires=datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))),
    dict(key="a", expires=date(2030, 1, 2)),
    dict(key="a", expires="Thu, 01 Jan 1970 00:00:00 GMT"),
    dict(key="a", expires=""),
    dict(key="a", expires=[1]),
    dict(key="a", expires=True),
    dict(key="a", expires=-1.5),
    dict(key="a", expires=10**20),
    dict(key="a", expires=float("nan")),
    dict(key="a", expires=time.gmtime(0)),
    dict(key="a", expires=datetime(1, 1, 1)),
    dict(key="a", expires=datetime(9999, 12, 31, 23, 59, 59, 999999)),
    dict(key="a", expires=datetime(2024, 2, 29, 12, 0, 0, tzinfo=timezone.utc)),
    dict(key="a", expires=datetime(2024, 2, 29, 1, 0, 0, tzinfo=timezone(timedelta(hours=5)))),
    dict(key="a", max_age=0, expires=0),  # what delete_cookie passes
    dict(key="a", max_age=timedelta(days=1, seconds=1.5), expires=0),
    dict(key="a", max_age=10, sync_expires=False),
    dict(key="a", max_age=1.5, sync_expires=False),
    dict(key="a", max_age="10", sync_expires=False),
    dict(key="a", max_age="10"),
    dict(key="a", max_age=60),
    dict(key="a", secure=True, httponly=True),
    dict(key="a", secure=1, httponly=0),
    dict(key="a", secure=None, httponly="yes"),
    dict(key="a", samesite="lax"),
    dict(key="a", samesite="STRICT"),
    dict(key="a", samesite="none"),
    dict(key="a", samesite="None"),
    dict(key="a", samesite="bogus"),
    dict(key="a", samesite=""),
    dict(key="a", samesite=5),
    dict(key="a", partitioned=True),
    dict(key="a", partitioned=1),
    dict(key="a", partitioned=True, secure=False),
    dict(key="a", value="x" * 5000),
    dict(key="a", value="x" * 5000, max_size=0),
    dict(key="a", value="x" * 100, max_size=50),
    dict(key="a", value='"' * 100, max_size=50),
    dict(key="a", value="x", max_size=None),
    dict(key="a", value="x", max_size=-1),
    dict(key="a", value="x", max_size="big"),
    dict(key="a", value="x", max_size=4.5),
]


@pytest.mark.parametrize("kwargs", DUMP_EXAMPLES, ids=repr)
def test_dump_examples(kwargs):
    check_dump(**kwargs)


def test_dump_positional_arguments():
    check_dump("a", "b c", 10, 0, "/p", "example.com", True, True, False, 10, "Lax", True)


@pytest.mark.parametrize("name", sorted(DUMPERS))
def test_dump_known_values(name):
    dump = DUMPERS[name]
    assert dump("a", "b") == "a=b; Path=/"
    assert dump("a", "b c;") == 'a="b c\\073"; Path=/'
    assert dump("a", "", expires=0, max_age=0, path="/x", domain="example.com",
                secure=True, httponly=True, samesite="lax", partitioned=True) == (
        "a=; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0;"
        " Secure; HttpOnly; Path=/x; SameSite=Lax; Partitioned"
    )
    with pytest.raises(ValueError, match="SameSite must be 'Strict', 'Lax', or 'None'."):
        dump("a", samesite="sometimes")


@pytest.mark.parametrize("name", sorted(DUMPERS))
def test_dump_size_warning_points_at_the_caller(name):
    dump = DUMPERS[name]
    with pytest.warns(UserWarning) as caught:
        dump("big", "x" * 5000)  # the warning must name this line
    [warning] = caught
    assert warning.filename == __file__
    with pytest.warns(UserWarning) as ref:
        werkzeug_dump("big", "x" * 5000)
    assert str(warning.message) == str(ref[0].message)
    assert "The 'big' cookie is too large" in str(warning.message)


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    key=st.text(max_size=10),
    value=st.one_of(COOKIE_TEXT, st.text(alphabet="ab!#$%&'()*+-./:<=>?@[]^`{|}~_", max_size=20)),
    path=st.one_of(st.none(), st.just("/"), st.text(max_size=12)),
    domain=st.one_of(st.none(), st.sampled_from(["example.com", ".a.b:1", "localhost", ""])),
    max_age=st.one_of(st.none(), st.integers(-10, 10**6)),
    expires=st.one_of(
        st.none(),
        st.integers(0, 2**32),
        st.text(max_size=5),
        st.floats(-1e10, 1e11),
        st.datetimes(timezones=st.sampled_from(
            [None, timezone.utc, timezone(timedelta(hours=-5, minutes=-30))])),
        st.dates(),
    ),
    secure=st.sampled_from([False, True, None, 1, 0]),
    httponly=st.sampled_from([False, True, None, 1]),
    samesite=st.one_of(st.none(), st.sampled_from(["lax", "Strict", "NONE", "x", ""])),
    partitioned=st.sampled_from([False, True, 1]),
    max_size=st.sampled_from([4093, 0, 20, 200]),
)
def test_dump_differential(key, value, path, domain, max_age, expires, secure, httponly,
                           samesite, partitioned, max_size):
    check_dump(key, value, max_age=max_age, expires=expires, path=path, domain=domain,
               secure=secure, httponly=httponly, max_size=max_size, samesite=samesite,
               partitioned=partitioned, sync_expires=expires is None and max_age is not None)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_round_trip(name):
    module = MODULES[name]
    for value in ["plain", "with space", 'q"uote', "back\\slash", "semi;colon", "é€😀", "\x00\x7f"]:
        header = module.dump_cookie("k", value)
        assert module.parse_cookie(header.split("; Path=")[0])["k"] == value


# -- through the framework -----------------------------------------------------


def test_request_cookies_match(fw, app, client):
    """What request.cookies holds, on Flask and on fastmicro, is what our
    parse_cookie returns for the same environ."""
    seen = {}

    @app.route("/")
    def index():
        seen["cookies"] = fw.request.cookies
        seen["environ"] = fw.request.environ
        return "ok"

    header = 'a=1; b="x;y"; a=2; s=eyJ.Zz-_; c'
    client.get("/", headers={"Cookie": header})
    expected = list(seen["cookies"].items(multi=True))
    # Werkzeug's class; fastmicro's is its subclass with compiled lookups.
    assert isinstance(seen["cookies"], ImmutableMultiDict)
    for parse in PARSERS.values():
        ours = parse(seen["environ"], ImmutableMultiDict)
        assert list(ours.items(multi=True)) == expected


def test_response_set_and_delete_cookie_match(fw, app, client):
    """Set-Cookie headers from set_cookie/delete_cookie are what dump_cookie
    gives for the same arguments (Werkzeug's Response passes them so)."""
    @app.route("/")
    def index():
        response = fw.make_response("ok")
        response.set_cookie("a", "b c", max_age=None, path="/p", domain="example.com",
                            secure=True, httponly=True, samesite="Lax")
        response.delete_cookie("old", path="/", domain=None, partitioned=True)
        return response

    headers = client.get("/").headers.getlist("Set-Cookie")
    for dump in DUMPERS.values():
        assert headers == [
            dump("a", "b c", path="/p", domain="example.com", secure=True, httponly=True,
                 samesite="Lax"),
            dump("old", expires=0, max_age=0, path="/", partitioned=True),
        ]
