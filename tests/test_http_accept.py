"""``Accept*`` header parsing and matching: compiled, pure twin and Werkzeug.

The reference is Werkzeug 3.1's :func:`werkzeug.http.parse_accept_header`
and its ``Accept``/``MIMEAccept``/``LanguageAccept``/``CharsetAccept``
classes. The compiled module (:mod:`fastmicro._ext.accept`) is imported
directly and must be built unless ``FASTMICRO_NO_EXTENSIONS`` is set; the
pure twin (:mod:`fastmicro.http._pyaccept`) is always tested.

The compiled module returns its own subclasses (same names) of Werkzeug's
``Accept``, ``MIMEAccept`` and ``LanguageAccept`` so that matching is
compiled; every observable result is compared with Werkzeug's object.
"""
from __future__ import annotations

import importlib
import pickle

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import Accept, CharsetAccept, LanguageAccept, MIMEAccept
from werkzeug.http import parse_accept_header as werkzeug_parse

from fastmicro import speedups
from fastmicro.http import _pyaccept

from _appfw import app, client, fw  # noqa: F401

if speedups.NO_EXTENSIONS:
    compiled = None
else:
    # Required: a missing build must fail here, not silently test the twin.
    compiled = importlib.import_module("fastmicro._ext.accept")

PARSERS = {"pure": _pyaccept.parse_accept_header}
if compiled is not None:
    PARSERS["compiled"] = compiled.parse_accept_header


class MyMIMEAccept(MIMEAccept):
    """An application's subclass: must be built with its own __init__."""

    def _value_matches(self, value, item):
        return item == value


CLASSES = [None, Accept, MIMEAccept, LanguageAccept, CharsetAccept, MyMIMEAccept]

CHROME = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
LANGUAGE = "en-US,en;q=0.9,de-DE;q=0.8,de;q=0.7,fr;q=0.5"
ENCODING = "gzip, deflate, br, zstd"

PROBES = [
    "text/html", "application/json", "TEXT/HTML", "text/*", "*/*", "*", "image/png",
    "text/html;level=1", "text/html; level=1", "application/signed-exchange;v=b3",
    "text", "*/html", "en", "en-US", "en_us", "de-CH", "fr", "gzip", "GZIP", "br",
    "utf-8", "UTF8", "latin-1", "é/ü", "", "a/b/c", "text/html ; q=1",
]


def call(fn, *args):
    try:
        result = fn(*args)
    except Exception as exc:  # noqa: BLE001 - compared below
        return ("raised", type(exc), str(exc))
    if isinstance(result, (list, tuple)):
        return ("ok", list(result), [type(x) for x in result])
    return ("ok", result, type(result))


def state(fn, value, cls):
    """Everything observable about a parse: the exception, or the result's
    class (name and Werkzeug base), items with their types, repr, header,
    and ``provided``."""
    try:
        result = fn(value, cls)
    except Exception as exc:  # noqa: BLE001 - compared below
        return ("raised", type(exc), str(exc))
    base = cls or Accept
    assert isinstance(result, base)
    return (
        "ok",
        type(result).__name__,
        list(result),
        [(type(v), type(q)) for v, q in result],
        repr(result),
        str(result),
        result.to_header(),
        result.provided,
        list(result.values()),
        result.best,
    )


def behaviour(result, probes):
    """Every matching method on each probe, and best_match over them."""
    out = []
    for probe in probes:
        out += [
            call(result.quality, probe),
            call(result.__getitem__, probe),
            call(result.__contains__, probe),
            call(result.find, probe),
            call(result.index, probe),
        ]
    out += [
        call(result.best_match, probes),
        call(result.best_match, tuple(probes), "default"),
        call(result.best_match, iter(probes)),
        call(result.best_match, list(reversed(probes))),
        call(result.best_match, []),
    ]
    for i in range(len(probes)):
        out.append(call(result.best_match, probes[i : i + 3]))
    if isinstance(result, MIMEAccept):
        out += [result.accept_html, result.accept_xhtml, result.accept_json]
    return out


def check(value, classes=CLASSES, probes=None):
    for cls in classes:
        expected = state(werkzeug_parse, value, cls)
        for name, parse in PARSERS.items():
            assert state(parse, value, cls) == expected, (name, value, cls)
        if expected[0] != "ok":
            continue
        reference = werkzeug_parse(value, cls)
        items = probes if probes is not None else PROBES + [v for v, _ in reference][:6]
        if cls in (MIMEAccept, MyMIMEAccept):
            # MIMEAccept raises on these, Werkzeug alike; keep the rest useful.
            items = [p for p in items if "/" in p and not p.startswith("*/h")] + ["text"]
        want = behaviour(reference, items)
        for name, parse in PARSERS.items():
            result = parse(value, cls)
            assert result == reference
            assert behaviour(result, items) == want, (name, value, cls)


# -- backend selection -------------------------------------------------------


def test_hot_path_registered():
    assert speedups.HOT_PATHS["accept"] == ("fastmicro._ext.accept", "fastmicro.http._pyaccept")
    module = speedups.load("accept")
    assert module is (_pyaccept if compiled is None else compiled)
    import fastmicro.http

    assert fastmicro.http.parse_accept_header is module.parse_accept_header


def test_result_classes_are_werkzeugs():
    modules = {"pure": _pyaccept, "compiled": compiled}
    for name, parse in PARSERS.items():
        module = modules[name]
        for base in (Accept, MIMEAccept, LanguageAccept):
            assert issubclass(getattr(module, base.__name__), base)
            result = parse("a/b", base)
            assert type(result) is getattr(module, base.__name__)
            assert isinstance(result, base) and type(result).__name__ == base.__name__
        assert type(parse("utf-8", CharsetAccept)) is CharsetAccept
        assert type(parse("a/b", MyMIMEAccept)) is MyMIMEAccept
    if compiled is not None:
        assert compiled.MIMEAccept.__module__ == "fastmicro._ext.accept"


# -- explicit examples -------------------------------------------------------

EXAMPLES = [
    None,
    "",
    ",",
    " , ,, ",
    CHROME,
    FIREFOX,
    LANGUAGE,
    ENCODING,
    "*",
    "*/*",
    "text/*, */*, text/html, text/html;level=1, text/html;level=2;q=0.4",
    "text/*;q=0.3, text/html;q=0.7, text/html;level=1, text/html;level=2;q=0.4, */*;q=0.5",
    "TEXT/HTML",
    "text/html;q=1.0",
    "text/html;q=1",
    "text/html;q=0",
    "text/html;q=-0",
    "text/html;q=0.0001",
    "text/html;q=1.0001",
    "text/html;q=2",
    "text/html;q=-1",
    "text/html;q=.5",
    "text/html;q=5.",
    "text/html;q=0.5.5",
    "text/html;q=abc",
    "text/html;q=",
    "text/html;q= 0.5",
    'text/html;q="0.5"',
    "text/html;Q=0.5",
    "text/html;q=0.5;q=0.6",
    "text/html;q=0.5;level=1",
    "text/html;level=1;q=0.5",
    "text/html; charset=UTF-8; q=0.5",
    'text/html; a="b c"; b="x\\"y"; c="%22"; d=""',
    "text/html; a=b c",
    "text/html; =b",
    "text/html; a",
    "text/html; a=; b=c",
    "text/html; a=b;;; c=d",
    "text/html;a*=UTF-8''%C3%A9",
    "text/html;a*0=x;a*1=y",
    "text/html;a*=x",
    "text/html;a**=x",
    ";q=0.5",
    ";",
    "text/html;",
    '"text/html"',
    '"text/html;q=0.5", b',
    '"a,b", c',
    '"unclosed, a',
    'a\\"b, c',
    '"a\\', 
    '"a\\"b"',
    '"a\\\nb"',
    'a"b"c, d',
    "text/html ; q=0.5",
    "text /html",
    "text/ html",
    "text/html/extra",
    "texthtml",
    "*/html",
    "é/ü;q=0.5, ü",
    "en_US, en-us;q=0.5, EN",
    "\x00, \x1f/\x7f",
    "\u00a0text/html\u00a0",
    "text/html\u2028;q=0.5",
    "\ud800",
]


@pytest.mark.parametrize("value", EXAMPLES, ids=repr)
def test_examples(value):
    check(value)


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_known_values(name):
    parse = PARSERS[name]
    accept = parse(CHROME, MIMEAccept)
    assert accept[0] == ("application/signed-exchange; v=b3", 0.7)
    assert accept.best_match(["text/html", "application/json"]) == "text/html"
    assert accept.best_match(["application/json"]) == "application/json"  # via */*
    assert accept.quality("application/json") == 0.8
    assert accept.accept_html and accept.accept_json
    assert "image/webp" in accept
    with pytest.raises(ValueError, match="invalid mimetype 'html'"):
        accept.quality("html")
    language = parse(LANGUAGE, LanguageAccept)
    assert language.best_match(["de", "en_us"]) == "en_us"
    assert language.best_match(["de-AT"]) == "de-AT"  # primary tag fallback
    assert language.best_match(["it"], default="x") == "x"
    encodings = parse(ENCODING)
    assert type(encodings).__name__ == "Accept"
    assert encodings.best_match(["br", "gzip"]) == "br"  # equal quality: the first
    assert encodings.best_match(["compress", "GZIP"]) == "GZIP"
    assert parse(None, MIMEAccept).provided is False
    assert parse("", MIMEAccept).best_match(["a/b"], "c") == "c"
    assert parse("a/b;q=0.5", MIMEAccept).to_header() == "a/b;q=0.5"
    assert parse("a/b;q=0.5", MIMEAccept) == [("a/b", 0.5)]


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_results_pickle_and_stay_immutable(name):
    result = PARSERS[name](CHROME, MIMEAccept)
    copy = pickle.loads(pickle.dumps(result))
    assert copy == result and repr(copy) == repr(result)
    with pytest.raises(TypeError):
        result.append(("x/y", 1))
    with pytest.raises(TypeError):
        result[0] = ("x/y", 1)


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_odd_arguments(name):
    parse = PARSERS[name]
    for value in [b"text/html", 0, 5, ["a"], object()]:
        for cls in (None, MIMEAccept):
            assert state(parse, value, cls) == state(werkzeug_parse, value, cls), value

    def broken(values=()):
        raise RuntimeError(f"got {values!r}")

    assert call(parse, "a, b", broken) == call(werkzeug_parse, "a, b", broken)
    assert call(parse, "", broken) == call(werkzeug_parse, "", broken)


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_matching_odd_probes(name):
    for cls in (Accept, MIMEAccept, LanguageAccept, CharsetAccept):
        reference = werkzeug_parse(CHROME + ",en-US,*", cls)
        result = PARSERS[name](CHROME + ",en-US,*", cls)
        for probe in [None, 5, b"text/html", "é", "text/é", ["text/html"]]:
            for method in ("quality", "__contains__", "find", "index"):
                assert call(getattr(result, method), probe) == call(
                    getattr(reference, method), probe
                ), (cls, method, probe)
            assert call(result.best_match, [probe]) == call(reference.best_match, [probe])
        assert call(result.best_match, None) == call(reference.best_match, None)


# -- generated ---------------------------------------------------------------

PIECES = st.sampled_from(
    ["text", "html", "/", "*", ",", ", ", ";", "; ", "=", "q", "q=", "0.5", "1", "0", "-",
     ".", "level=1", '"', "\\", " ", "\t", "\n", "en", "-US", "_", "é", "\u00a0", "\x00",
     "a*", "''", "%22", "UTF-8", "\ud800", "*/*", "image/webp", "Q"]
)
HEADERS = st.one_of(
    st.lists(PIECES, max_size=30).map("".join),
    st.text(max_size=40),
)


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(HEADERS)
@example('a;b="\\"";q=1')
@example("a/b;x=1;q=0.5,a/b;q=0.5;x=1")
def test_parse_differential(value):
    for cls in CLASSES:
        expected = state(werkzeug_parse, value, cls)
        for name, parse in PARSERS.items():
            assert state(parse, value, cls) == expected, (name, value, cls)


MIME = st.builds(
    lambda t, s, p: f"{t}/{s}{p}",
    st.sampled_from(["text", "TEXT", "*", "image", "application", "a b"]),
    st.sampled_from(["html", "*", "json", "xml", "HTML", "webp", ""]),
    st.sampled_from(["", ";level=1", "; level=1", ";a=b;level=1", ";level=2", " ;x=y"]),
)


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    items=st.lists(
        st.tuples(MIME, st.sampled_from(["", ";q=0.5", ";q=1", ";q=0", ";q=0.8"])),
        max_size=8,
    ),
    probes=st.lists(MIME, max_size=5),
)
def test_mime_matching_differential(items, probes):
    value = ",".join(m + q for m, q in items)
    check(value, classes=[MIMEAccept], probes=[p for p in probes if not p.startswith("*/") or p == "*/*"])


LANG = st.builds(
    lambda a, b: a + b,
    st.sampled_from(["en", "EN", "de", "fr", "*", "zh", "en_", "é"]),
    st.sampled_from(["", "-US", "_us", "-GB", "-Hant-TW", "-"]),
)


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    items=st.lists(st.tuples(LANG, st.sampled_from(["", ";q=0.5", ";q=0.9", ";q=0"])), max_size=6),
    probes=st.lists(LANG, max_size=5),
)
def test_language_and_plain_matching_differential(items, probes):
    value = ",".join(m + q for m, q in items)
    check(value, classes=[LanguageAccept, Accept, CharsetAccept], probes=probes)


@pytest.mark.parametrize(
    "value",
    [
        "a/b;" + ";".join(f"p{i}=v{i}" for i in range(10_000)),
        "a/b;" + "/" * 200 + ";x=1",
        ";" * 10_000,
        "," * 10_000,
        ";,=" * 5_000,
        '"' * 10_001,
        ",".join(f"t{i}/s{i};q=0.{i % 10}" for i in range(2_000)),
        ",".join(["*/*", "a/*", "a/b"] * 100),
    ],
    ids=lambda v: repr(v[:10]) + f"*{len(v)}",
)
def test_storms(value):
    check(value, classes=[None, MIMEAccept], probes=["a/b", "t1/s1"])


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_linear_on_a_megabyte(name):
    """A megabyte of items and parameters parses; the result has every item."""
    parse = PARSERS[name]
    count = (1 << 20) // 16
    value = ",".join(f"a/b{i % 100:02d};q=0.5" for i in range(count))
    result = parse(value, MIMEAccept)
    assert len(result) == count
    params = "a/b;" + ";".join("k=v" for _ in range((1 << 20) // 4))
    assert parse(params, MIMEAccept)[0] == ("a/b; k=v", 1)


# -- through the framework -----------------------------------------------------


def test_request_accept_attributes_match(fw, app, client):
    seen = {}

    @app.route("/")
    def index():
        seen["mimetypes"] = fw.request.accept_mimetypes
        seen["languages"] = fw.request.accept_languages
        seen["encodings"] = fw.request.accept_encodings
        seen["charsets"] = fw.request.accept_charsets
        return "ok"

    client.get("/", headers={
        "Accept": CHROME, "Accept-Language": LANGUAGE,
        "Accept-Encoding": ENCODING, "Accept-Charset": "utf-8, iso-8859-1;q=0.5",
    })
    for parse in PARSERS.values():
        for attr, header, cls in [
            ("mimetypes", CHROME, MIMEAccept),
            ("languages", LANGUAGE, LanguageAccept),
            ("encodings", ENCODING, None),
            ("charsets", "utf-8, iso-8859-1;q=0.5", CharsetAccept),
        ]:
            ours = parse(header, cls)
            assert isinstance(ours, cls or Accept) and isinstance(seen[attr], cls or Accept)
            assert ours == seen[attr] and repr(ours) == repr(seen[attr])
        assert seen["mimetypes"].best_match(["text/html", "application/json"]) == "text/html"
