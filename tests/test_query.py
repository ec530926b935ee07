"""Query string parsing (``request.args``): compiled, pure twin and Werkzeug.

The reference is Werkzeug 3.1's ``Request.args`` expression, written out in
:func:`werkzeug_args`. The compiled module (:mod:`fastmicro._ext.query`) is
imported directly and must be built unless ``FASTMICRO_NO_EXTENSIONS`` is
set; the pure twin (:mod:`fastmicro.http._pyquery`) is always tested.
"""
from __future__ import annotations

import importlib
import random
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

import werkzeug.urls  # noqa: F401  (registers "werkzeug.url_quote")
from fastmicro import speedups
from fastmicro.http import _pyquery

from _appfw import app, client, fw  # noqa: F401

if speedups.NO_EXTENSIONS:
    compiled = None
else:
    # Required: a missing build must fail here, not silently test the twin.
    compiled = importlib.import_module("fastmicro._ext.query")

IMPLEMENTATIONS = {"pure": _pyquery.parse_query}
if compiled is not None:
    IMPLEMENTATIONS["compiled"] = compiled.parse_query


def werkzeug_args(query_string, storage_class):
    """``werkzeug.sansio.request.Request.args``, as written in Werkzeug 3.1."""
    return storage_class(
        parse_qsl(
            query_string.decode(),
            keep_blank_values=True,
            errors="werkzeug.url_quote",
        )
    )


class SubMultiDict(MultiDict):
    """A subclass: takes the generic ``storage_class(pairs)`` path."""


class SubImmutableMultiDict(ImmutableMultiDict):
    pass


STORAGE_CLASSES = [ImmutableMultiDict, MultiDict, SubMultiDict, SubImmutableMultiDict, dict, list]


def outcome(fn, query_string, storage_class):
    """Everything observable about a call: the exception or the result's type,
    value, key order and (for MultiDicts) all values in order."""
    try:
        result = fn(query_string, storage_class)
    except Exception as exc:  # noqa: BLE001 - compared below
        return ("raised", type(exc), str(exc))
    state = [type(result), result]
    if isinstance(result, MultiDict):
        state += [
            result.to_dict(flat=False),
            list(result.items(multi=True)),
            list(result.keys()),
            list(dict.items(result)),  # the raw dict-of-lists state
            [type(v) for v in dict.values(result)],
        ]
    elif isinstance(result, dict):
        state += [list(result.items())]
    return ("ok", *state)


def check(query_string, storage_classes=STORAGE_CLASSES):
    for storage_class in storage_classes:
        expected = outcome(werkzeug_args, query_string, storage_class)
        for name, fn in IMPLEMENTATIONS.items():
            got = outcome(fn, query_string, storage_class)
            assert got == expected, (name, query_string, storage_class)
            if got[0] == "ok":
                # str exactly, not a subclass, for every key and value.
                result = fn(query_string, storage_class)
                pairs = (
                    result.items(multi=True)
                    if isinstance(result, MultiDict)
                    else (result.items() if isinstance(result, dict) else result)
                )
                for key, value in pairs:
                    assert type(key) is str and type(value) is str


# -- backend selection -------------------------------------------------------


def test_hot_path_registered():
    assert speedups.HOT_PATHS["query"] == ("fastmicro._ext.query", "fastmicro.http._pyquery")
    module = speedups.load("query")
    if compiled is None:
        assert module is _pyquery
    else:
        assert module is compiled


def test_request_uses_the_hot_path():
    from fastmicro import wrappers

    assert wrappers._query is speedups.load("query")
    from werkzeug.sansio.request import Request as SansIORequest
    from werkzeug.utils import cached_property

    assert type(SansIORequest.__dict__["args"]) is cached_property
    # Ours is computed once and then a plain instance attribute.
    assert type(wrappers.Request.__dict__["args"]) is wrappers._from_environ
    assert "parsed URL parameters" in wrappers.Request.args.__doc__


# -- explicit examples -------------------------------------------------------

EXAMPLES = [
    b"",
    b"&",
    b"&&&",
    b"=",
    b"==",
    b"a",
    b"a=",
    b"=a",
    b"a=1",
    b"a=1&b=2",
    b"a=1&a=2&b=3&a=4",
    b"b=1&a=2&b=3",
    b"a=1;b=2",  # ';' is not a separator
    b"a=1&&b=2&",
    b"&a&",
    b"a=b=c",
    b"a==b",
    b"a+b=c+d",
    b"++=++",
    b"a=%20",
    b"a=%2B",  # an escaped '+' stays '+'
    b"a=%2b%2B+",
    b"%61=%62",
    b"a=%",
    b"a=%%",
    b"a=%4",
    b"a=%zz",
    b"a=%4g",
    b"a=%g4",
    b"a=%%41",
    b"a=%+1",
    b"%=%",
    b"%4=%4",
    b"a=%C3%A9",
    b"a=%c3%a9",
    b"a=%E2%82%AC",
    b"a=%F0%9F%98%80",
    b"a=%C3",  # truncated
    b"a=%C3%28",  # invalid continuation
    b"a=%E2%82",  # truncated 3-byte
    b"a=%E2%82%28",
    b"a=%ff",
    b"a=%FF%FE",
    b"a=%80",
    b"a=%ED%A0%80",  # surrogate
    b"a=%F4%90%80%80",  # above U+10FFFF
    b"a=%C0%AF",  # overlong
    b"a=%00",
    b"a=%0A%0D",
    "a=é".encode(),
    "é=€&ü".encode(),
    "a=%C3é%A9".encode(),  # escapes split by a raw character
    "a=%E2%82€%AC".encode(),
    "a=é%A9".encode(),
    "a=%C3€".encode(),
    "a=😀+%F0%9F%98%80".encode(),
    b"a=\xff",  # not UTF-8: UnicodeDecodeError
    b"a=1&b=\xc3",
    b"\xc3\x28",
    b"a=%C3&b=\xe9",
    b"\xed\xa0\x80",
    b"a=\x00&b=\x7f",
    b"a=%2526",  # double encoding stays single-decoded
    b"a=%26&b=%3D",  # escaped separators
    b"a[]=1&a[]=2",
    b"a=1#frag",
    b"?a=1",
    b" a = 1 ",
    b"a=1\nb=2",
]


@pytest.mark.parametrize("query_string", EXAMPLES, ids=repr)
def test_examples(query_string):
    check(query_string)


@pytest.mark.parametrize("name", sorted(IMPLEMENTATIONS))
def test_known_values(name):
    parse = IMPLEMENTATIONS[name]
    args = parse(b"a=1&b=x+y&a=%C3%A9&c&d=%zz&e=%C3", ImmutableMultiDict)
    assert type(args) is ImmutableMultiDict
    assert args.getlist("a") == ["1", "é"]
    assert args["b"] == "x y"
    assert args["c"] == ""
    assert args["d"] == "%zz"
    assert args["e"] == "%C3"
    assert list(args.items(multi=True)) == [
        ("a", "1"), ("a", "é"), ("b", "x y"), ("c", ""), ("d", "%zz"), ("e", "%C3"),
    ]
    assert parse(b"a=%c3", MultiDict)["a"] == "%C3"  # re-quoted in upper case
    assert parse(b"a=1;b=2", MultiDict).to_dict() == {"a": "1;b=2"}
    with pytest.raises(TypeError):
        args["x"] = "y"  # immutable as Werkzeug's
    mutable = parse(b"a=1", MultiDict)
    mutable.add("a", "2")
    assert mutable.getlist("a") == ["1", "2"]


@pytest.mark.parametrize("name", sorted(IMPLEMENTATIONS))
def test_invalid_utf8_raises_like_decode(name):
    parse = IMPLEMENTATIONS[name]
    for query_string in (b"a=\xff", b"x=1&y=2&z=\xe2\x82", b"\x80=1", b"a=%41&\xc3\x28"):
        with pytest.raises(UnicodeDecodeError) as info:
            parse(query_string, ImmutableMultiDict)
        with pytest.raises(UnicodeDecodeError) as ref:
            query_string.decode()
        assert str(info.value) == str(ref.value)
        assert (info.value.start, info.value.end) == (ref.value.start, ref.value.end)


@pytest.mark.parametrize("name", sorted(IMPLEMENTATIONS))
def test_non_bytes_inputs(name):
    parse = IMPLEMENTATIONS[name]
    # bytearray has .decode(): Werkzeug's expression accepts it.
    check(bytearray(b"a=1&b=%C3%A9"))
    for bad in ("a=1", None, 5, memoryview(b"a=1")):
        expected = outcome(werkzeug_args, bad, ImmutableMultiDict)
        assert expected[0] == "raised"
        assert outcome(parse, bad, ImmutableMultiDict) == expected


@pytest.mark.parametrize("name", sorted(IMPLEMENTATIONS))
def test_storage_class_errors_propagate(name):
    parse = IMPLEMENTATIONS[name]

    def broken(pairs):
        raise RuntimeError(f"got {list(pairs)!r}")

    assert outcome(parse, b"a=1", broken) == outcome(werkzeug_args, b"a=1", broken)
    # Decoding fails before the storage class is called.
    assert outcome(parse, b"a=\xff", broken) == outcome(werkzeug_args, b"a=\xff", broken)
    assert outcome(parse, b"a=1", None) == outcome(werkzeug_args, b"a=1", None)


def test_every_byte_and_escape():
    for byte in range(256):
        b = bytes([byte])
        check(b"k=" + b + b"&" + b + b"=v&x" + b + b"y", [ImmutableMultiDict])
        check(b"k=%" + b"%02X" % byte + b"&k=%" + b"%02x" % byte, [ImmutableMultiDict])


def test_ten_thousand_params():
    rng = random.Random(1234)
    parts = []
    for i in range(10_000):
        key = rng.choice([b"k%d" % (i % 97), b"a", b"b+c", b"%C3%A9", "ü".encode(), b""])
        value = rng.choice([b"%d" % i, b"", b"x%20y", b"%ff", b"+", b"%4", "€".encode()])
        parts.append(key + b"=" + value if rng.random() < 0.9 else key)
    query_string = b"&".join(parts)
    check(query_string)
    result = IMPLEMENTATIONS[sorted(IMPLEMENTATIONS)[0]](query_string, MultiDict)
    assert sum(len(v) for v in dict.values(result)) == sum(1 for p in parts if p)


def test_huge_fields():
    check(b"a=" + b"x" * 1_000_000)
    check(b"a=" + b"%41" * 200_000 + b"&b=" + b"+" * 100_000)
    check(("k=" + "é" * 100_000).encode() + b"%C3" * 1000)
    check(b"&" * 100_000)


# -- hypothesis: differential --------------------------------------------------

_HEX = "0123456789abcdefABCDEF"

ascii_text = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E, blacklist_characters="%&=+"),
    max_size=6,
).map(str.encode)
escape_valid = st.tuples(st.sampled_from(_HEX), st.sampled_from(_HEX)).map(
    lambda t: ("%" + t[0] + t[1]).encode()
)
escape_broken = st.sampled_from(
    [b"%", b"%%", b"%4", b"%zz", b"%g1", b"%1g", b"%+", b"%=", b"%&", b"% 1", b"%\xc3\xa9"]
)
unicode_raw = st.text(max_size=4).map(lambda s: s.encode("utf-8", "surrogatepass"))
unicode_escaped = st.text(max_size=4).map(
    lambda s: "".join(f"%{b:02X}" for b in s.encode("utf-8", "surrogatepass")).encode()
)
invalid_sequences = [
    b"\x80", b"\xbf", b"\xc0\xaf", b"\xc3", b"\xc3\x28", b"\xe2\x82", b"\xe2\x28\xa1",
    b"\xed\xa0\x80", b"\xf0\x9f\x98", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xfe", b"\xff",
]
invalid_raw = st.sampled_from(invalid_sequences)
invalid_escaped = st.sampled_from(invalid_sequences).map(
    lambda s: "".join(f"%{b:02x}" for b in s).encode()
)
structure = st.sampled_from([b"&", b"=", b"+", b"&&", b"==", b";", b"&=", b"=&"])
raw_bytes = st.binary(max_size=4)

token = st.one_of(
    ascii_text,
    structure,
    structure,
    escape_valid,
    escape_broken,
    unicode_raw,
    unicode_escaped,
    invalid_raw,
    invalid_escaped,
    raw_bytes,
)
query_strings = st.one_of(
    st.lists(token, max_size=40).map(b"".join),
    st.binary(max_size=64),
    # Mostly-valid: no raw invalid bytes, so most parse instead of raising.
    st.lists(
        st.one_of(ascii_text, structure, escape_valid, escape_broken, unicode_raw,
                  unicode_escaped, invalid_escaped),
        max_size=40,
    ).map(b"".join),
)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query_string=query_strings, storage_class=st.sampled_from(STORAGE_CLASSES))
@example(query_string=b"a=%C3\xc3\xa9%A9", storage_class=ImmutableMultiDict)
@example(query_string=b"a=%E2%82\xe2\x82\xac%AC", storage_class=MultiDict)
def test_differential(query_string, storage_class):
    check(query_string, [storage_class])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fields=st.lists(st.lists(token, max_size=8).map(b"".join), min_size=1, max_size=60),
    count=st.integers(min_value=2_000, max_value=10_000),
    rnd=st.randoms(use_true_random=False),
)
def test_differential_huge(fields, count, rnd):
    # Thousands of parameters drawn from a few generated fields (generating
    # each of 10,000 fields through hypothesis would take minutes).
    query_string = b"&".join(rnd.choice(fields) for _ in range(count))
    check(query_string, [ImmutableMultiDict, list])


# -- through the app: fastmicro's request.args vs Flask's ----------------------

APP_QUERIES = [
    b"",
    b"a=1&a=2&b=x+y&c",
    b"q=%C3%A9t%C3%A9&page=2&sort=-date",
    b"a=%ff%C3&b=%zz&&c=",
    "city=Zürich&emoji=😀".encode(),
    b"a=1;b=2",
    b"bad=\xff",
]


@pytest.mark.parametrize("query_string", APP_QUERIES, ids=repr)
def test_request_args_like_flask(query_string):
    import flask

    import fastmicro

    def run(module, storage_class=None):
        application = module.Flask(__name__)
        application.config["TESTING"] = True
        if storage_class is not None:
            application.request_class = type(
                "R", (application.request_class,), {"parameter_storage_class": storage_class}
            )
        seen = {}

        @application.route("/")
        def view():
            seen["first"] = outcome(lambda qs, sc: module.request.args, None, None)
            # cached: the same object on the second read
            try:
                seen["cached"] = module.request.args is module.request.args
            except Exception as exc:  # noqa: BLE001
                seen["cached"] = type(exc)
            return "ok"

        response = application.test_client().get(
            "/", environ_overrides={"QUERY_STRING": query_string.decode("latin1")}
        )
        assert response.status_code == 200
        first = seen["first"]
        if first[0] == "ok" and type(first[1]) is type and first[1] is not ImmutableMultiDict:
            # fastmicro's default storage class: Werkzeug's, with compiled
            # lookups; compared as Werkzeug's (tested on its own below).
            if issubclass(first[1], ImmutableMultiDict) and storage_class is None:
                seen["first"] = (first[0], ImmutableMultiDict, *first[2:])
        return seen

    for storage_class in (None, MultiDict, dict):
        ours = run(fastmicro, storage_class)
        theirs = run(flask, storage_class)
        assert ours == theirs, storage_class
    ours = run(fastmicro)
    if ours["first"][0] == "ok":
        assert ours["first"][2] == werkzeug_args(query_string, ImmutableMultiDict)


def test_request_args_fixture(app, client, fw):
    out = {}

    @app.route("/items")
    def items():
        out["args"] = fw.request.args
        return "ok"

    client.get("/items?tag=a&tag=b&q=caf%C3%A9+au+lait&flag")
    args = out["args"]
    assert isinstance(args, ImmutableMultiDict)
    if fw.__name__ == "fastmicro":
        assert type(args) is speedups.load("query").ImmutableMultiDict
    assert args.getlist("tag") == ["a", "b"]
    assert args["q"] == "café au lait"
    assert args["flag"] == ""
