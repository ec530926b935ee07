"""Tests for :mod:`fastmicro.json`, its provider and the tagged serializer."""
from __future__ import annotations

import dataclasses
import datetime
import decimal
import gc
import io
import json
import typing as t
import uuid
import weakref

import flask
import flask.json.tag
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from _appfw import fw  # noqa: F401

import fastmicro.json as fm_json
from fastmicro import FastMicro
from fastmicro.json.provider import DefaultJSONProvider, JSONProvider
from fastmicro.json.tag import (
    JSONTag,
    PassDict,
    PassList,
    TagBytes,
    TagDateTime,
    TagDict,
    TaggedJSONSerializer,
    TagMarkup,
    TagTuple,
    TagUUID,
)


@pytest.fixture
def app() -> FastMicro:
    app = FastMicro(__name__)
    app.testing = True
    return app


@pytest.fixture
def app_ctx(app: FastMicro) -> t.Iterator[FastMicro]:
    with app.app_context():
        yield app


@dataclasses.dataclass
class Point:
    x: int
    y: int


class HTMLish:
    def __html__(self) -> str:
        return "<b>html</b>"


UID = uuid.UUID("12345678-1234-5678-1234-567812345678")
WHEN = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
WHEN_HTTP = "Tue, 02 Jan 2024 03:04:05 GMT"


# -- module functions without an app ----------------------------------------------


def test_dumps_without_app_uses_json_with_extra_types() -> None:
    assert fm_json.dumps({"b": 1, "a": 2}) == '{"b": 1, "a": 2}'  # not sorted
    assert fm_json.dumps(UID) == f'"{UID}"'
    assert fm_json.dumps(WHEN) == f'"{WHEN_HTTP}"'
    assert fm_json.dumps(decimal.Decimal("0.1")) == '"0.1"'
    assert fm_json.dumps(Point(1, 2)) == '{"x": 1, "y": 2}'
    assert fm_json.dumps("\u00e9") == '"\\u00e9"'
    assert fm_json.dumps("\u00e9", ensure_ascii=False) == '"\u00e9"'


def test_dumps_without_app_custom_default() -> None:
    assert fm_json.dumps(object(), default=lambda o: "custom") == '"custom"'


def test_dump_and_load_without_app() -> None:
    buffer = io.StringIO()
    fm_json.dump({"when": WHEN}, buffer)
    assert buffer.getvalue() == f'{{"when": "{WHEN_HTTP}"}}'
    buffer.seek(0)
    assert fm_json.load(buffer) == {"when": WHEN_HTTP}
    assert fm_json.load(io.BytesIO(b'{"a": [1]}')) == {"a": [1]}


def test_loads_without_app() -> None:
    assert fm_json.loads('{"a": 1}') == {"a": 1}
    assert fm_json.loads(b"[1, 2]") == [1, 2]
    assert fm_json.loads("1.5", parse_float=decimal.Decimal) == decimal.Decimal("1.5")
    with pytest.raises(json.JSONDecodeError):
        fm_json.loads("{")


def test_jsonify_needs_app_context() -> None:
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        fm_json.jsonify(a=1)


# -- module functions with an app --------------------------------------------------


def test_module_functions_use_app_provider(app: FastMicro) -> None:
    class Recording(DefaultJSONProvider):
        calls: list[str] = []

        def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
            self.calls.append("dumps")
            return super().dumps(obj, **kwargs)

        def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
            self.calls.append("loads")
            return super().loads(s, **kwargs)

    app.json = Recording(app)
    with app.app_context():
        assert fm_json.dumps({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'  # sorted
        assert fm_json.loads("[1]") == [1]
        out = io.StringIO()
        fm_json.dump([1], out)
        assert out.getvalue() == "[1]"
        assert fm_json.load(io.StringIO("2")) == 2
    assert Recording.calls == ["dumps", "loads", "dumps", "loads"]


def test_module_dumps_with_app_passes_kwargs(app_ctx: FastMicro) -> None:
    assert fm_json.dumps({"a": [1, 2]}, indent=1) == '{\n "a": [\n  1,\n  2\n ]\n}'
    assert fm_json.dumps({"b": 1, "a": 1}, sort_keys=False) == '{"b": 1, "a": 1}'


# -- the default provider ------------------------------------------------------------


def test_provider_is_app_json(app: FastMicro) -> None:
    assert isinstance(app.json, DefaultJSONProvider)
    assert isinstance(app.json, JSONProvider)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (WHEN, f'"{WHEN_HTTP}"'),
        (datetime.datetime(2024, 1, 2, 3, 4, 5), f'"{WHEN_HTTP}"'),
        (datetime.date(2024, 1, 2), '"Tue, 02 Jan 2024 00:00:00 GMT"'),
        (UID, '"12345678-1234-5678-1234-567812345678"'),
        (decimal.Decimal("12.50"), '"12.50"'),
        (Point(3, 4), '{"x": 3, "y": 4}'),
        (Markup("<i>x</i>"), '"<i>x</i>"'),
        (HTMLish(), '"<b>html</b>"'),
        ({"nested": [UID, (1, 2)]}, f'{{"nested": ["{UID}", [1, 2]]}}'),
    ],
)
def test_provider_extra_types(app: FastMicro, value: t.Any, expected: str) -> None:
    assert app.json.dumps(value) == expected


def test_provider_unknown_type(app: FastMicro) -> None:
    with pytest.raises(TypeError, match="^Object of type object is not JSON serializable$"):
        app.json.dumps({"a": object()})


def test_provider_dataclass_class_is_not_an_instance(app: FastMicro) -> None:
    with pytest.raises(TypeError):
        app.json.dumps(Point)


def test_provider_defaults(app: FastMicro) -> None:
    assert app.json.dumps({"b": "\u00e9", "a": None}) == '{"a": null, "b": "\\u00e9"}'
    assert app.json.loads(b'{"x": "\\u00e9"}') == {"x": "\u00e9"}
    assert app.json.loads("[1.5]", parse_float=decimal.Decimal) == [decimal.Decimal("1.5")]


def test_provider_kwargs_override_attributes(app: FastMicro) -> None:
    data = {"b": "\u00e9", "a": 1}
    assert app.json.dumps(data, sort_keys=False) == '{"b": "\\u00e9", "a": 1}'
    assert app.json.dumps(data, ensure_ascii=False) == '{"a": 1, "b": "\u00e9"}'
    assert app.json.dumps(data, separators=[",", ":"]) == '{"a":1,"b":"\\u00e9"}'
    assert app.json.dumps([1], indent="\t") == "[\n\t1\n]"
    assert app.json.dumps(object(), default=repr).startswith('"<object object')
    with pytest.raises(ValueError, match="Out of range float values"):
        app.json.dumps(float("nan"), allow_nan=False)
    assert app.json.dumps(float("nan")) == "NaN"


def test_provider_bad_separators_rejected_like_json(app: FastMicro) -> None:
    with pytest.raises(ValueError):
        app.json.dumps([1], separators=(",", ":", "?"))
    with pytest.raises(TypeError):
        app.json.dumps([1], separators=42)


def test_provider_circular_reference(app: FastMicro) -> None:
    data: dict[str, t.Any] = {"a": []}
    data["a"].append(data)
    with pytest.raises(ValueError, match="^Circular reference detected$"):
        app.json.dumps(data)
    with pytest.raises(ValueError, match="^Circular reference detected$"):
        app.json.dumps(data, separators=(",", ":"))
    # The provider still works afterwards.
    assert app.json.dumps({"a": [1]}) == '{"a": [1]}'


def test_provider_same_object_twice_is_not_circular(app: FastMicro) -> None:
    shared = [1, 2]
    assert app.json.dumps({"a": shared, "b": shared}) == '{"a": [1, 2], "b": [1, 2]}'


def test_provider_attribute_changes_take_effect(app: FastMicro) -> None:
    data = {"b": "\u00e9", "a": Point(1, 2)}
    assert app.json.dumps(data) == '{"a": {"x": 1, "y": 2}, "b": "\\u00e9"}'

    app.json.sort_keys = False  # type: ignore[misc]
    assert app.json.dumps(data) == '{"b": "\\u00e9", "a": {"x": 1, "y": 2}}'

    app.json.ensure_ascii = False  # type: ignore[misc]
    assert app.json.dumps(data) == '{"b": "\u00e9", "a": {"x": 1, "y": 2}}'

    app.json.default = lambda o: "P"  # type: ignore[method-assign]
    assert app.json.dumps(data) == '{"b": "\u00e9", "a": "P"}'
    assert app.json.dumps(data, separators=(",", ":")) == '{"b":"\u00e9","a":"P"}'

    del app.json.default  # back to the class attribute
    app.json.sort_keys = True  # type: ignore[misc]
    assert app.json.dumps(data) == '{"a": {"x": 1, "y": 2}, "b": "\u00e9"}'


def test_provider_class_attribute_changes_take_effect(
    app: FastMicro, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert app.json.dumps({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'
    monkeypatch.setattr(DefaultJSONProvider, "sort_keys", False)
    assert app.json.dumps({"b": 1, "a": 2}) == '{"b": 1, "a": 2}'


def test_provider_subclass_default_method(app: FastMicro) -> None:
    class SetProvider(DefaultJSONProvider):
        def default(self, o: t.Any) -> t.Any:  # type: ignore[override]
            if isinstance(o, set):
                return sorted(o)
            return super().default(o)

    app.json = SetProvider(app)
    assert app.json.dumps({"s": {3, 1}, "u": UID}) == f'{{"s": [1, 3], "u": "{UID}"}}'
    with pytest.raises(TypeError, match="Object of type object"):
        app.json.dumps(object())


def test_provider_holds_app_weakly() -> None:
    app = FastMicro(__name__)
    provider = app.json
    ref = weakref.ref(app)
    del app
    gc.collect()
    assert ref() is None
    with pytest.raises(ReferenceError):
        provider._app.debug


def test_provider_dump_and_load(app: FastMicro) -> None:
    out = io.StringIO()
    app.json.dump({"b": 1, "a": UID}, out)
    assert out.getvalue() == f'{{"a": "{UID}", "b": 1}}'
    out.seek(0)
    assert app.json.load(out) == {"a": str(UID), "b": 1}


def test_base_provider_is_abstract(app: FastMicro) -> None:
    provider = JSONProvider(app)
    with pytest.raises(NotImplementedError):
        provider.dumps({})
    with pytest.raises(NotImplementedError):
        provider.loads("{}")
    with pytest.raises(NotImplementedError):
        provider.dump({}, io.StringIO())
    with pytest.raises(NotImplementedError):
        provider.load(io.StringIO("{}"))


# -- response / jsonify ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "body"),
    [
        ((), {}, b"null\n"),
        (({"b": 1, "a": [1, 2]},), {}, b'{"a":[1,2],"b":1}\n'),
        (([1, "x"],), {}, b'[1,"x"]\n'),
        ((1, "two", None), {}, b'[1,"two",null]\n'),
        (("s",), {}, b'"s"\n'),
        ((None,), {}, b"null\n"),
        ((0,), {}, b"0\n"),
        (({},), {}, b"{}\n"),
        ((), {"b": 2, "a": UID}, f'{{"a":"{UID}","b":2}}\n'.encode()),
    ],
)
def test_jsonify_variants(
    app_ctx: FastMicro, args: tuple[t.Any, ...], kwargs: dict[str, t.Any], body: bytes
) -> None:
    response = fm_json.jsonify(*args, **kwargs)
    assert isinstance(response, app_ctx.response_class)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Type"] == "application/json"
    assert response.get_data() == body
    assert response.get_json() == json.loads(body)


def test_jsonify_args_and_kwargs(app_ctx: FastMicro) -> None:
    with pytest.raises(TypeError, match=r"^app\.json\.response\(\) takes either args or kwargs, not both$"):
        fm_json.jsonify(1, a=2)


def test_base_provider_response(app: FastMicro) -> None:
    class Minimal(JSONProvider):
        def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
            return f"<{obj!r}>"

    provider = Minimal(app)
    response = provider.response(1, 2)
    assert response.get_data() == b"<(1, 2)>"
    assert response.mimetype == "application/json"
    assert provider.response(a=1).get_data() == b"<{'a': 1}>"
    assert provider.response().get_data() == b"<None>"
    with pytest.raises(TypeError, match="either args or kwargs"):
        provider.response(1, a=1)


def test_response_indented_in_debug(app: FastMicro) -> None:
    app.debug = True
    with app.app_context():
        response = fm_json.jsonify(b=1, a=[1])
    assert response.get_data(as_text=True) == '{\n  "a": [\n    1\n  ],\n  "b": 1\n}\n'


@pytest.mark.parametrize(
    ("compact", "debug", "indented"),
    [(None, False, False), (None, True, True), (True, True, False), (False, False, True)],
)
def test_response_compact_setting(
    app: FastMicro, compact: bool | None, debug: bool, indented: bool
) -> None:
    app.debug = debug
    app.json.compact = compact  # type: ignore[misc]
    text = app.json.response({"a": 1}).get_data(as_text=True)
    assert text == ('{\n  "a": 1\n}\n' if indented else '{"a":1}\n')


def test_response_follows_attributes(app: FastMicro) -> None:
    app.json.mimetype = "application/vnd.api+json"  # type: ignore[misc]
    app.json.ensure_ascii = False  # type: ignore[misc]
    app.json.sort_keys = False  # type: ignore[misc]
    response = app.json.response({"z": "\u00e9", "a": 1})
    assert response.mimetype == "application/vnd.api+json"
    assert response.get_data(as_text=True) == '{"z":"\u00e9","a":1}\n'


def test_response_uses_overridden_dumps(app: FastMicro) -> None:
    seen: list[dict[str, t.Any]] = []

    class Custom(DefaultJSONProvider):
        def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
            seen.append(kwargs)
            return "custom"

    app.json = Custom(app)
    assert app.json.response([1]).get_data() == b"custom\n"
    app.json.compact = False  # type: ignore[misc]
    app.json.response([1])
    assert seen == [{"separators": (",", ":")}, {"indent": 2}]


def test_response_uses_app_response_class(app: FastMicro) -> None:
    class MyResponse(app.response_class):  # type: ignore[name-defined, misc]
        pass

    app.response_class = MyResponse
    assert type(app.json.response(1)) is MyResponse


def test_jsonify_through_a_view(app: FastMicro) -> None:
    @app.route("/data")
    def data() -> t.Any:
        return fm_json.jsonify(items=[UID], when=WHEN)

    response = app.test_client().get("/data")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert response.json == {"items": [str(UID)], "when": WHEN_HTTP}
    assert response.data.endswith(b"}\n")


# -- equivalence of the cached encoders with json.dumps -----------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.decimals(allow_nan=False)
    | st.uuids()
    | st.datetimes(),
    lambda children: st.lists(children, max_size=4)
    | st.tuples(children, children)
    | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=15,
)


@settings(max_examples=150, deadline=None)
@given(
    value=json_values,
    ensure_ascii=st.booleans(),
    sort_keys=st.booleans(),
    layout=st.sampled_from([{}, {"separators": (",", ":")}, {"indent": 2}, {"indent": None}]),
)
def test_provider_output_equals_json_dumps(
    value: t.Any, ensure_ascii: bool, sort_keys: bool, layout: dict[str, t.Any]
) -> None:
    app = FastMicro(__name__)
    app.json.ensure_ascii = ensure_ascii  # type: ignore[misc]
    app.json.sort_keys = sort_keys  # type: ignore[misc]
    expected = json.dumps(
        value,
        default=flask.json.provider._default,
        ensure_ascii=ensure_ascii,
        sort_keys=sort_keys,
        **layout,
    )
    assert app.json.dumps(value, **layout) == expected
    # Twice: the second call comes from the cache.
    assert app.json.dumps(value, **layout) == expected


# -- tagged JSON -------------------------------------------------------------------


def assert_same(a: t.Any, b: t.Any) -> None:
    """Equal, and of the same types all the way down."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            assert_same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, float) and a != a:
        assert b != b
    else:
        assert a == b


@pytest.mark.parametrize(
    "value",
    [
        {" t": (1, 2, 3)},
        {" di": "value"},
        {" di": {" di": 1}},
        {" t__": "x"},
        {" m": "not markup"},
        {"x": 1, " t": "two keys are never tagged"},
        {"a": {" u": "nested"}},
        (),
        (1, [2, (3, b"\x00\xff")]),
        [(1,), {"k": (2,)}],
        b"\x00bytes\xff",
        b"",
        Markup("<strong>x</strong>"),
        UID,
        WHEN,
        datetime.datetime(1999, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc),
        "plain",
        " t",
        42,
        1.5,
        None,
        True,
        [],
        {},
    ],
)
def test_tag_round_trip(value: t.Any) -> None:
    serializer = TaggedJSONSerializer()
    assert_same(serializer.loads(serializer.dumps(value)), value)


def test_tag_wire_format() -> None:
    s = TaggedJSONSerializer()
    assert s.dumps((1, 2)) == '{" t":[1,2]}'
    assert s.dumps(b"hi") == '{" b":"aGk="}'
    assert s.dumps(Markup("<i>")) == '{" m":"<i>"}'
    assert s.dumps(UID) == '{" u":"12345678123456781234567812345678"}'
    assert s.dumps(WHEN) == f'{{" d":"{WHEN_HTTP}"}}'
    assert s.dumps({" t": 1}) == '{" di":{" t__":1}}'
    assert s.dumps({"a": (1,), "b": [b"x"]}) == '{"a":{" t":[1]},"b":[{" b":"eA=="}]}'


def test_tag_dict_single_key_like_a_tag() -> None:
    s = TaggedJSONSerializer()
    for key in s.tags:
        value = {key: [key]}
        encoded = s.dumps(value)
        assert json.loads(encoded) == {" di": {f"{key}__": [key]}}
        assert s.loads(encoded) == value


def test_tag_naive_datetime_loads_as_utc() -> None:
    s = TaggedJSONSerializer()
    loaded = s.loads(s.dumps(datetime.datetime(2024, 1, 2, 3, 4, 5, 999)))
    assert loaded == WHEN
    assert loaded.tzinfo is datetime.timezone.utc


def test_tag_html_object_loads_as_markup() -> None:
    s = TaggedJSONSerializer()
    loaded = s.loads(s.dumps(HTMLish()))
    assert type(loaded) is Markup
    assert loaded == "<b>html</b>"


def test_tag_unsupported_type() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        TaggedJSONSerializer().dumps({1, 2})


def test_untag_leaves_untagged_objects() -> None:
    s = TaggedJSONSerializer()
    assert s.untag({"a": 1}) == {"a": 1}
    assert s.untag({"a": 1, " t": [1]}) == {"a": 1, " t": [1]}
    assert s.untag({" t": [1]}) == (1,)


def test_tag_order_and_registry() -> None:
    s = TaggedJSONSerializer()
    assert [type(tag) for tag in s.order] == [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]
    assert sorted(s.tags) == [" b", " d", " di", " m", " t", " u"]
    assert all(tag.serializer is s for tag in s.order)


def test_register_duplicate_key() -> None:
    class Other(JSONTag):
        key = " t"

    s = TaggedJSONSerializer()
    with pytest.raises(KeyError, match="Tag ' t' is already registered."):
        s.register(Other)
    s.register(Other, force=True)
    assert type(s.tags[" t"]) is Other


def test_register_custom_tag_with_index() -> None:
    class Reversed(str):
        pass

    class TagReversed(JSONTag):
        __slots__ = ()
        key = " r"

        def check(self, value: t.Any) -> bool:
            return isinstance(value, Reversed)

        def to_json(self, value: t.Any) -> t.Any:
            return str(value)[::-1]

        def to_python(self, value: t.Any) -> t.Any:
            return Reversed(value[::-1])

    s = TaggedJSONSerializer()
    s.register(TagReversed, index=0)
    assert type(s.order[0]) is TagReversed
    assert s.dumps({"x": Reversed("abc")}) == '{"x":{" r":"cba"}}'
    loaded = s.loads('{"x":{" r":"cba"}}')
    assert type(loaded["x"]) is Reversed and loaded["x"] == "abc"
    # A one-item dict keyed like the new tag is now escaped too.
    assert s.dumps({" r": 1}) == '{" di":{" r__":1}}'


def test_intermediate_tag_without_key_is_not_in_tags() -> None:
    class Upper(JSONTag):
        __slots__ = ()

        def check(self, value: t.Any) -> bool:
            return isinstance(value, set)

        def to_json(self, value: t.Any) -> t.Any:
            return sorted(value)

        tag = to_json

    s = TaggedJSONSerializer()
    s.register(Upper)
    assert "" not in s.tags
    assert s.dumps({3, 1}) == "[1,3]"


def test_base_tag_is_abstract() -> None:
    tag = JSONTag(TaggedJSONSerializer())
    for method in (tag.check, tag.to_json, tag.to_python, tag.tag):
        with pytest.raises(NotImplementedError):
            method(1)


def test_tagged_dumps_uses_app_provider(app_ctx: FastMicro) -> None:
    # With an app, app.json sorts the keys.
    assert TaggedJSONSerializer().dumps({"b": 1, "a": (1,)}) == '{"a":{" t":[1]},"b":1}'


def test_tagged_dumps_without_app_keeps_order() -> None:
    assert TaggedJSONSerializer().dumps({"b": 1, "a": 2}) == '{"b":1,"a":2}'


# -- wire compatibility with Flask ----------------------------------------------------

tag_keys = st.sampled_from([" t", " di", " b", " m", " u", " d", " t__", " di__", ""])
tag_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary()
    | st.uuids()
    | st.builds(Markup, st.text())
    # HTTP dates keep whole seconds, and parse_date reads years below 100
    # as two-digit years: both are limits of the format, shared with Flask.
    | st.datetimes(
        min_value=datetime.datetime(1000, 1, 1),
        timezones=st.just(datetime.timezone.utc),
    ).map(lambda d: d.replace(microsecond=0))
)
tag_values = st.recursive(
    tag_leaves,
    lambda children: st.lists(children, max_size=4)
    | st.lists(children, max_size=3).map(tuple)
    | st.dictionaries(st.text(max_size=4) | tag_keys, children, max_size=4)
    | st.builds(lambda k, v: {k: v}, tag_keys, children),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(value=tag_values)
def test_wire_compatible_with_flask(value: t.Any) -> None:
    ours = TaggedJSONSerializer()
    theirs = flask.json.tag.TaggedJSONSerializer()

    ours_text = ours.dumps(value)
    assert ours_text == theirs.dumps(value)
    # Flask reads what we write, we read what Flask writes; nothing is lost.
    assert_same(theirs.loads(ours_text), value)
    assert_same(ours.loads(theirs.dumps(value)), value)


@settings(max_examples=100, deadline=None)
@given(value=tag_values)
def test_wire_compatible_with_flask_inside_apps(value: t.Any) -> None:
    ours_app = FastMicro(__name__)
    theirs_app = flask.Flask(__name__)
    with ours_app.app_context(), theirs_app.app_context():
        ours_text = TaggedJSONSerializer().dumps(value)
        theirs_text = flask.json.tag.TaggedJSONSerializer().dumps(value)
        assert ours_text == theirs_text
        assert_same(flask.json.tag.TaggedJSONSerializer().loads(ours_text), value)
        assert_same(TaggedJSONSerializer().loads(theirs_text), value)


# -- on Flask and fastmicro: JSON through the request cycle ---------------------------


@pytest.fixture
def fw_app(fw: t.Any) -> t.Any:
    """A testing app of the framework under test (Flask or fastmicro)."""
    application = fw.Flask(__name__)
    application.testing = True
    return application


@pytest.fixture
def echo_app(fw_app: t.Any, fw: t.Any) -> t.Any:
    """``/echo`` answers ``{"got": request.get_json(**flags)}``; the flags
    come from the query string."""

    @fw_app.route("/echo", methods=["GET", "POST"])
    def echo() -> t.Any:
        flags = {k: fw.request.args[k] == "1" for k in ("force", "silent", "cache") if k in fw.request.args}
        return {"got": fw.request.get_json(**flags)}

    return fw_app


def test_get_json(echo_app: t.Any) -> None:
    client = echo_app.test_client()
    response = client.post("/echo", json={"a": [1, "é"]})
    assert response.status_code == 200
    assert response.json == {"got": {"a": [1, "é"]}}
    response = client.post("/echo", data='{"x": 1}', content_type="application/vnd.api+json")
    assert response.json == {"got": {"x": 1}}
    response = client.post("/echo", data=b'[1]', content_type="application/json; charset=utf-8")
    assert response.json == {"got": [1]}


@pytest.mark.parametrize(
    ("data", "content_type"),
    [('{"a": 1}', "text/plain"), ("", None), ('{"a": 1}', "application/x-www-form-urlencoded")],
)
def test_get_json_wrong_mimetype_is_415(echo_app: t.Any, data: str, content_type: str | None) -> None:
    client = echo_app.test_client()
    response = client.post("/echo", data=data, content_type=content_type)
    assert response.status_code == 415
    assert b"Content-Type was not" in response.data
    assert client.get("/echo").status_code == 415


@pytest.mark.parametrize("data", ["{", "", "[1,]", "{'a': 1}", "\xff"])
def test_get_json_bad_json_is_400(echo_app: t.Any, data: str) -> None:
    response = echo_app.test_client().post("/echo", data=data, content_type="application/json")
    assert response.status_code == 400
    # Outside debug mode the parser's message is not shown.
    assert b"Failed to decode JSON" not in response.data


def test_get_json_bad_json_in_debug_shows_the_error(fw_app: t.Any, fw: t.Any) -> None:
    fw_app.debug = True
    fw_app.testing = False

    @fw_app.post("/")
    def index() -> t.Any:
        return {"got": fw.request.get_json()}

    response = fw_app.test_client().post("/", data="{", content_type="application/json")
    assert response.status_code == 400
    assert b"Failed to decode JSON object" in response.data


def test_get_json_force_and_silent(echo_app: t.Any) -> None:
    client = echo_app.test_client()
    assert client.post("/echo?force=1", data='{"a": 1}', content_type="text/plain").json == {"got": {"a": 1}}
    assert client.post("/echo?force=1", data="{", content_type="text/plain").status_code == 400
    assert client.post("/echo?silent=1", data='{"a": 1}', content_type="text/plain").json == {"got": None}
    assert client.post("/echo?silent=1", data="{", content_type="application/json").json == {"got": None}
    assert client.post("/echo?force=1&silent=1", data="{", content_type="text/plain").json == {"got": None}


def test_get_json_cache(fw_app: t.Any, fw: t.Any) -> None:
    @fw_app.post("/")
    def index() -> t.Any:
        first = fw.request.get_json()
        second = fw.request.get_json()
        uncached = fw.request.get_json(cache=False)
        return {
            "same": first is second,
            "json_same": fw.request.json is first,
            "uncached_new": uncached is not first and uncached == first,
        }

    response = fw_app.test_client().post("/", json={"a": 1})
    assert response.json == {"same": True, "json_same": True, "uncached_new": True}


def test_get_json_silent_failure_is_cached(fw_app: t.Any, fw: t.Any) -> None:
    @fw_app.post("/")
    def index() -> t.Any:
        silent = fw.request.get_json(silent=True)
        try:
            fw.request.get_json()
        except HTTPException as e:
            return {"silent": silent, "then": e.code}
        return {"silent": silent, "then": None}

    response = fw_app.test_client().post("/", data="{", content_type="application/json")
    assert response.json == {"silent": None, "then": 400}


def test_request_json_property(fw_app: t.Any, fw: t.Any) -> None:
    @fw_app.post("/")
    def index() -> t.Any:
        return {"json": fw.request.json, "is_json": fw.request.is_json}

    client = fw_app.test_client()
    assert client.post("/", json=[1]).json == {"json": [1], "is_json": True}
    assert client.post("/", data="x", content_type="text/plain").status_code == 415


def test_on_json_loading_failed_override(fw: t.Any) -> None:
    class LenientRequest(fw.Request):
        def on_json_loading_failed(self, e: ValueError | None) -> t.Any:
            return {"error": "wrong type" if e is None else "bad json"}

    class LenientApp(fw.Flask):
        request_class = LenientRequest

    application = LenientApp(__name__)

    @application.post("/")
    def index() -> t.Any:
        return {"got": fw.request.get_json()}

    client = application.test_client()
    assert client.post("/", data="{", content_type="application/json").json == {"got": {"error": "bad json"}}
    assert client.post("/", data="{}", content_type="text/plain").json == {"got": {"error": "wrong type"}}


def test_get_json_uses_the_app_provider(fw: t.Any) -> None:
    class DecimalJSON(fw.json.provider.DefaultJSONProvider):
        def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
            kwargs.setdefault("parse_float", decimal.Decimal)
            return super().loads(s, **kwargs)

    class DecimalApp(fw.Flask):
        json_provider_class = DecimalJSON

    application = DecimalApp(__name__)

    @application.post("/")
    def index() -> t.Any:
        value = fw.request.get_json()["price"]
        return {"type": type(value).__name__, "value": value}

    response = application.test_client().post("/", data='{"price": 0.10}', content_type="application/json")
    # The Decimal goes back out as a string (the provider's default).
    assert response.json == {"type": "Decimal", "value": "0.10"}


# -- on Flask and fastmicro: JSON responses ----------------------------------------------


def test_json_error_handler_for_http_exceptions(fw_app: t.Any, fw: t.Any) -> None:
    """The "Returning API Errors as JSON" example of Flask's documentation."""

    @fw_app.errorhandler(HTTPException)
    def handle_exception(e: HTTPException) -> t.Any:
        response = e.get_response()
        response.data = fw.json.dumps({"code": e.code, "name": e.name, "description": e.description})
        response.content_type = "application/json"
        return response

    @fw_app.route("/teapot")
    def teapot() -> t.Any:
        fw.abort(418, description="short and stout")

    @fw_app.route("/only-get")
    def only_get() -> t.Any:
        return "x"

    client = fw_app.test_client()
    response = client.get("/missing")
    assert response.status_code == 404
    assert response.content_type == "application/json"
    assert response.json["name"] == "Not Found"
    assert response.json["code"] == 404
    response = client.get("/teapot")
    assert (response.status_code, response.json["description"]) == (418, "short and stout")
    response = client.post("/only-get")
    assert response.status_code == 405
    assert response.json["name"] == "Method Not Allowed"
    assert sorted(response.headers["Allow"].split(", ")) == ["GET", "HEAD", "OPTIONS"]


def test_error_handler_returning_a_dict(fw_app: t.Any, fw: t.Any) -> None:
    @fw_app.errorhandler(404)
    def not_found(e: HTTPException) -> t.Any:
        return {"error": e.name}, 404

    @fw_app.errorhandler(ValueError)
    def value_error(e: ValueError) -> t.Any:
        return fw.jsonify(error=str(e)), 422

    @fw_app.route("/boom")
    def boom() -> t.Any:
        raise ValueError("bad value")

    client = fw_app.test_client()
    response = client.get("/nowhere")
    assert (response.status_code, response.json, response.mimetype) == (404, {"error": "Not Found"}, "application/json")
    response = client.get("/boom")
    assert (response.status_code, response.json) == (422, {"error": "bad value"})


def test_views_return_json(fw_app: t.Any, fw: t.Any) -> None:
    @fw_app.route("/dict")
    def as_dict() -> t.Any:
        return {"b": 1, "a": [UID, WHEN, decimal.Decimal("1.50"), Point(1, 2), HTMLish()]}

    @fw_app.route("/list")
    def as_list() -> t.Any:
        return [1, "x"], 201, {"X-Extra": "yes"}

    @fw_app.route("/args")
    def args() -> t.Any:
        return fw.jsonify(1, 2)

    @fw_app.route("/kwargs")
    def kwargs() -> t.Any:
        return fw.jsonify(b=2, a=1)

    @fw_app.route("/both")
    def both() -> t.Any:
        return fw.jsonify(1, a=2)

    client = fw_app.test_client()
    response = client.get("/dict")
    assert response.data == (
        f'{{"a":["{UID}","{WHEN_HTTP}","1.50",{{"x":1,"y":2}},"<b>html</b>"],"b":1}}\n'.encode()
    )
    response = client.get("/list")
    assert (response.status_code, response.data, response.headers["X-Extra"]) == (201, b'[1,"x"]\n', "yes")
    assert client.get("/args").data == b"[1,2]\n"
    assert client.get("/kwargs").data == b'{"a":1,"b":2}\n'
    with pytest.raises(TypeError, match="either args or kwargs"):
        client.get("/both")


def test_unserializable_return_is_an_error(fw_app: t.Any) -> None:
    @fw_app.route("/")
    def index() -> t.Any:
        return {"x": object()}

    with pytest.raises(TypeError, match="not JSON serializable"):
        fw_app.test_client().get("/")


def test_pretty_in_debug(fw_app: t.Any, fw: t.Any) -> None:
    @fw_app.route("/")
    def index() -> t.Any:
        return fw.jsonify(b=[1], a=None)

    client = fw_app.test_client()
    assert client.get("/").data == b'{"a":null,"b":[1]}\n'
    fw_app.debug = True
    assert client.get("/").data == b'{\n  "a": null,\n  "b": [\n    1\n  ]\n}\n'
    fw_app.json.compact = True
    assert client.get("/").data == b'{"a":null,"b":[1]}\n'


def test_provider_attributes_through_a_view(fw_app: t.Any) -> None:
    fw_app.json.sort_keys = False
    fw_app.json.ensure_ascii = False
    fw_app.json.mimetype = "application/problem+json"

    @fw_app.route("/")
    def index() -> t.Any:
        return {"z": "é", "a": 1}

    response = fw_app.test_client().get("/")
    assert response.content_type == "application/problem+json"
    assert response.data == '{"z":"é","a":1}\n'.encode()


def test_json_provider_class_swap(fw: t.Any) -> None:
    class Tagged(fw.json.provider.DefaultJSONProvider):
        sort_keys = False

        @staticmethod
        def default(o: t.Any) -> t.Any:
            if isinstance(o, set):
                return sorted(o)
            return fw.json.provider.DefaultJSONProvider.default(o)

        def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
            return "/*tagged*/" + super().dumps(obj, **kwargs)

    class TaggedApp(fw.Flask):
        json_provider_class = Tagged

    application = TaggedApp(__name__)
    assert isinstance(application.json, Tagged)

    @application.route("/")
    def index() -> t.Any:
        return {"z": {3, 1}, "a": UID}

    @application.route("/jsonify")
    def jsonified() -> t.Any:
        return fw.jsonify([{2}])

    client = application.test_client()
    assert client.get("/").data == f'/*tagged*/{{"z":[1,3],"a":"{UID}"}}\n'.encode()
    assert client.get("/jsonify").data == b"/*tagged*/[[2]]\n"
    with application.app_context():
        assert fw.json.dumps({"s": {1}}) == '/*tagged*/{"s": [1]}'


def test_assigning_app_json(fw_app: t.Any, fw: t.Any) -> None:
    class Upper(fw.json.provider.DefaultJSONProvider):
        def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
            return super().dumps(obj, **kwargs).upper()

    fw_app.json = Upper(fw_app)

    @fw_app.route("/")
    def index() -> t.Any:
        return {"a": "x"}

    assert fw_app.test_client().get("/").data == b'{"A":"X"}\n'


def test_module_functions_inside_and_outside_an_app(fw_app: t.Any, fw: t.Any) -> None:
    value = {"b": "é", "a": [WHEN, UID]}
    outside = f'{{"b": "\\u00e9", "a": ["{WHEN_HTTP}", "{UID}"]}}'
    assert fw.json.dumps(value) == outside
    assert fw.json.loads(b'{"a": 1}') == {"a": 1}
    buffer = io.StringIO()
    fw.json.dump([1], buffer)
    assert buffer.getvalue() == "[1]"
    assert fw.json.load(io.StringIO('{"x": [null]}')) == {"x": [None]}
    with fw_app.app_context():
        assert fw.json.dumps(value) == f'{{"a": ["{WHEN_HTTP}", "{UID}"], "b": "\\u00e9"}}'
        assert fw.json.dumps(value, sort_keys=False, ensure_ascii=False) == outside.replace("\\u00e9", "é")
        assert fw.json.loads('{"a": 1}') == {"a": 1}
        assert fw.json.load(io.BytesIO(b"[2]")) == [2]
        buffer = io.StringIO()
        fw.json.dump({"b": 1, "a": 2}, buffer)
        assert buffer.getvalue() == '{"a": 2, "b": 1}'
    with pytest.raises(ValueError):
        fw.json.loads("{")
    with pytest.raises(TypeError):
        fw.json.dumps(object())


def test_jsonify_outside_an_app_context(fw: t.Any) -> None:
    with pytest.raises(RuntimeError, match="application context"):
        fw.jsonify(1)
