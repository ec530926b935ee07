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
