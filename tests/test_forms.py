"""Form bodies (``request.form``, ``request.files``), the limits and their
413s, on the real Flask and on fastmicro (see ``_appfw``)."""
from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder

import flask

import fastmicro
from _appfw import app, client, fw  # noqa: F401

URLENCODED = "application/x-www-form-urlencoded"


def _form_app(fw):
    application = fw.Flask(__name__)

    @application.post("/")
    def form():
        r = fw.request
        return {
            "form": [list(item) for item in r.form.items(multi=True)],
            "files": sorted(r.files),
            "rest": r.get_data().decode("latin1"),
        }

    return application


def _post(application, body: bytes, content_type: str | None = URLENCODED, **environ):
    env = EnvironBuilder(method="POST", data=body, content_type=content_type).get_environ()
    env.update(environ)
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = status

    out = b"".join(application(env, start_response))
    return seen["status"], out


@pytest.mark.parametrize(
    "body",
    [
        b"a=1&b=2&a=3",
        b"name=J%C3%BCrgen+M&email=j%40example.com",
        b"",
        b"&&=&x",
        b"bad=%ff%fe&ok=1",  # invalid UTF-8 in an escape: re-quoted
        b"raw=\xff",  # invalid UTF-8 in the body: no form at all
        b"\xc3\xbc=\xc3\xa4",
        b"a;b=c",
        b"k=" + b"v" * 70_000,  # longer than one 64 KiB read
    ],
)
@pytest.mark.parametrize(
    "content_type", [URLENCODED, URLENCODED + "; charset=UTF-8", "Application/X-WWW-Form-Urlencoded"]
)
def test_urlencoded_bodies_as_flask(body, content_type):
    results = {
        name: _post(_form_app(module), body, content_type)
        for name, module in (("flask", flask), ("fastmicro", fastmicro))
    }
    assert results["fastmicro"] == results["flask"]
    assert results["flask"][0] == "200 OK"


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=40) | st.text(alphabet="ab=&%+2Fc\u00fc", max_size=30).map(str.encode))
def test_generated_urlencoded_bodies_as_flask(body):
    assert _post(_form_app(fastmicro), body) == _post(_form_app(flask), body)


@pytest.mark.parametrize("declared", ["10", "100"])
def test_a_body_shorter_than_its_content_length_is_a_400(fw, declared):
    env = {"CONTENT_LENGTH": declared, "wsgi.input": io.BytesIO(b"a=1")}
    status, _ = _post(_form_app(fw), b"a=1", **env)
    assert status == "400 BAD REQUEST"


def test_a_server_terminated_stream_is_read_to_its_end(fw):
    env = {"wsgi.input_terminated": True, "CONTENT_LENGTH": ""}
    status, out = _post(_form_app(fw), b"a=1&b=2", **env)
    assert status == "200 OK"
    assert b'["a","1"]' in out


@pytest.mark.parametrize(
    ("key", "limit", "status"),
    [
        ("MAX_CONTENT_LENGTH", 4, "413 REQUEST ENTITY TOO LARGE"),
        ("MAX_CONTENT_LENGTH", 7, "200 OK"),
        ("MAX_FORM_MEMORY_SIZE", 4, "413 REQUEST ENTITY TOO LARGE"),
        ("MAX_FORM_MEMORY_SIZE", 7, "200 OK"),
    ],
)
def test_form_limits(fw, key, limit, status):
    application = _form_app(fw)
    application.config[key] = limit
    assert _post(application, b"a=1&b=2")[0] == status


def test_max_form_parts_for_multipart(fw):
    application = _form_app(fw)
    application.config["MAX_FORM_PARTS"] = 2
    c = application.test_client()
    multipart = "multipart/form-data"
    ok = c.post("/", data={"a": "1", "b": "2"}, content_type=multipart)
    too_many = c.post("/", data={"a": "1", "b": "2", "c": "3"}, content_type=multipart)
    assert ok.status_code == 200
    assert ok.json["form"] == [["a", "1"], ["b", "2"]]
    assert too_many.status_code == 413


def test_multipart_files_stay_on_werkzeugs_parser(fw):
    c = _form_app(fw).test_client()
    response = c.post("/", data={"f": (io.BytesIO(b"content"), "a.txt"), "x": "1"})
    assert response.json == {"form": [["x", "1"]], "files": ["f"], "rest": ""}


def test_data_read_first_then_form(fw):
    application = fw.Flask(__name__)

    @application.post("/")
    def both():
        data = fw.request.get_data()
        return {"data": data.decode(), "form": fw.request.form.to_dict()}

    response = application.test_client().post("/", data="a=1", content_type=URLENCODED)
    assert response.json == {"data": "a=1", "form": {"a": "1"}}


def test_stream_is_consumed_by_form(fw):
    application = fw.Flask(__name__)

    @application.post("/")
    def both():
        form = fw.request.form.to_dict()
        return {"form": form, "stream": fw.request.stream.read().decode()}

    response = application.test_client().post("/", data="a=1", content_type=URLENCODED)
    assert response.json == {"form": {"a": "1"}, "stream": ""}


def test_form_parsed_once_and_immutable(fw):
    application = fw.Flask(__name__)

    @application.post("/")
    def once():
        first = fw.request.form
        assert fw.request.form is first
        assert fw.request.values["a"] == "1"
        with pytest.raises(TypeError):
            first["b"] = "2"
        return "ok"

    assert application.test_client().post("/", data={"a": "1"}).data == b"ok"


class _Trickle(io.RawIOBase):
    """A stream that returns a few bytes per read, then maybe fails."""

    def __init__(self, data: bytes, fail: bool = False):
        self.data, self.fail = data, fail

    def readable(self):
        return True

    def readinto(self, buffer):
        if not self.data:
            if self.fail:
                raise OSError("connection reset")
            return 0
        n = min(3, len(buffer), len(self.data))
        buffer[:n], self.data = self.data[:n], self.data[n:]
        return n


@pytest.mark.parametrize(
    ("stream", "declared", "status"),
    [
        (lambda: _Trickle(b"a=1&b=22"), "8", "200 OK"),
        (lambda: _Trickle(b"a=1&b=22"), "9", "400 BAD REQUEST"),
        (lambda: _Trickle(b"a=1", fail=True), "8", "400 BAD REQUEST"),
    ],
)
def test_bodies_arriving_in_pieces(fw, stream, declared, status):
    env = {"CONTENT_LENGTH": declared, "wsgi.input": stream()}
    got, out = _post(_form_app(fw), b"", **env)
    assert got == status
    if status == "200 OK":
        assert b'["b","22"]' in out


@pytest.mark.parametrize(("attribute", "limit", "status"), [
    ("max_content_length", 4, 413), ("max_content_length", 100, 200),
    ("max_form_memory_size", 4, 413), ("max_form_memory_size", 100, 200),
])
def test_a_request_limit_set_in_a_hook_wins_over_the_config(fw, attribute, limit, status):
    application = _form_app(fw)
    application.config["MAX_CONTENT_LENGTH"] = 1000
    application.config["MAX_FORM_MEMORY_SIZE"] = 1000

    @application.before_request
    def tighten():
        setattr(fw.request, attribute, limit)

    response = application.test_client().post("/", data="a=1&b=2", content_type=URLENCODED)
    assert response.status_code == status


def test_limits_outside_an_app_context():
    from fastmicro.wrappers import Request

    env = EnvironBuilder(method="POST", data=b"a=1", content_type=URLENCODED).get_environ()
    request = Request(env)
    request.max_form_memory_size = 2
    with pytest.raises(Exception) as raised:
        request.form
    assert getattr(raised.value, "code", None) == 413
    assert Request(EnvironBuilder(method="POST", data=b"a=1", content_type=URLENCODED).get_environ()).form["a"] == "1"


@pytest.mark.parametrize("first", ["form", "files"])
def test_debug_mode_explains_a_missing_enctype(fw, first):
    application = fw.Flask(__name__)
    application.debug = True

    @application.post("/")
    def upload():
        getattr(fw.request, first)
        try:
            fw.request.files["upload"]
        except KeyError as e:
            return type(e).__name__ + ": " + str(e).split("\n")[0][:60]
        return "no error"

    body = application.test_client().post("/", data="upload=a.txt", content_type=URLENCODED).data
    assert body.startswith(b"DebugFilesKeyError")


def test_debug_enctype_help_leaves_other_requests_alone():
    """The debug helper changes the class of ``request.files``; the empty
    files object of urlencoded forms is shared, so it must not be the one."""
    from fastmicro import speedups

    application = _form_app(fastmicro)
    application.debug = True
    for _ in range(3):
        assert _post(application, b"a=1")[0] == "200 OK"
    plain = fastmicro.Flask(__name__)
    seen = []

    @plain.post("/")
    def files_class():
        seen.append(type(fastmicro.request.files))
        return "ok"

    _post(plain, b"a=1")
    assert seen == [speedups.load("query").ImmutableMultiDict]
