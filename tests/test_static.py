"""The ``static`` route, static folder settings and ``send_from_directory``
path safety, on Flask and fastmicro.

The files served live in ``tests/static/``; the apps of the ``app`` fixture
have ``tests/`` as their root path.
"""
from __future__ import annotations

import datetime
import gc
import importlib
import pathlib
import weakref

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import NotFound
from werkzeug.http import http_date

from _appfw import app, client, fw  # noqa: F401

STATIC = pathlib.Path(__file__).parent / "static"
HELLO = (STATIC / "hello.txt").read_bytes()
DATA = (STATIC / "data.bin").read_bytes()


def get(client, url, method="GET", **kwargs):
    """``client.open`` that reads the body and closes the response, so the
    file it sent is closed (Werkzeug leaves that to the server)."""
    response = client.open(url, method=method, **kwargs)
    response.get_data()
    response.close()
    return response


def _comparable(response) -> tuple:
    # Allow's order comes from a set upstream; compare it as a set.
    headers = sorted(
        (k, ", ".join(sorted(v.split(", "))) if k == "Allow" else v)
        for k, v in response.headers.items()
        if k != "Date"
    )
    return response.status_code, headers, response.get_data()


# -- the static route ----------------------------------------------------------------


def test_static_file(app, client, fw):
    response = get(client, "/static/hello.txt")
    assert response.status_code == 200
    assert response.data == HELLO
    assert response.mimetype == "text/plain"
    assert response.content_type == "text/plain; charset=utf-8"
    assert response.content_length == len(HELLO)
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.last_modified == datetime.datetime.fromtimestamp(
        int((STATIC / "hello.txt").stat().st_mtime), datetime.timezone.utc
    )
    assert response.get_etag()[0]


def test_static_file_in_a_subfolder(app, client):
    response = get(client, "/static/sub/style.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert response.data == (STATIC / "sub" / "style.css").read_bytes()


def test_static_binary_file(app, client):
    response = get(client, "/static/data.bin")
    assert response.status_code == 200
    assert response.mimetype == "application/octet-stream"
    assert response.data == DATA


def test_static_head(app, client):
    response = get(client, "/static/hello.txt", method="HEAD")
    assert response.status_code == 200
    assert response.content_length == len(HELLO)
    assert response.data == b""


@pytest.mark.parametrize("path", ["/static/missing.txt", "/static/sub", "/static/sub/", "/static/"])
def test_static_missing_file_or_folder(app, client, path):
    assert get(client, path).status_code == 404


def test_static_post_not_allowed(app, client):
    response = get(client, "/static/hello.txt", method="POST")
    assert response.status_code == 405


def test_url_for_static(app, fw):
    with app.test_request_context():
        assert fw.url_for("static", filename="hello.txt") == "/static/hello.txt"
        assert fw.url_for("static", filename="sub/style.css") == "/static/sub/style.css"
        assert fw.url_for("static", filename="a b.css", v=2) == "/static/a%20b.css?v=2"
        assert fw.url_for("static", filename="x.css", _external=True) == "http://localhost/static/x.css"


def test_static_endpoint_rule(app):
    (rule,) = [r for r in app.url_map.iter_rules() if r.endpoint == "static"]
    assert rule.rule == "/static/<path:filename>"
    assert rule.methods == {"GET", "HEAD", "OPTIONS"}


# -- conditional and partial responses -------------------------------------------------


def test_if_none_match_gives_304(app, client):
    etag = get(client, "/static/hello.txt").headers["ETag"]
    response = get(client, "/static/hello.txt", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    other = get(client, "/static/hello.txt", headers={"If-None-Match": '"other"'})
    assert other.status_code == 200


def test_if_modified_since_gives_304(app, client):
    last_modified = get(client, "/static/hello.txt").headers["Last-Modified"]
    response = get(client, "/static/hello.txt", headers={"If-Modified-Since": last_modified})
    assert response.status_code == 304
    older = http_date(datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc))
    assert get(client, "/static/hello.txt", headers={"If-Modified-Since": older}).status_code == 200


def test_range_request(app, client):
    response = get(client, "/static/data.bin", headers={"Range": "bytes=10-19"})
    assert response.status_code == 206
    assert response.data == DATA[10:20]
    assert response.headers["Content-Range"] == f"bytes 10-19/{len(DATA)}"
    assert response.content_length == 10
    tail = get(client, "/static/data.bin", headers={"Range": "bytes=-5"})
    assert tail.status_code == 206
    assert tail.data == DATA[-5:]


def test_unsatisfiable_range_gives_416(app, client):
    response = get(client, "/static/data.bin", headers={"Range": f"bytes={len(DATA)}-{len(DATA) + 10}"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(DATA)}"


def test_range_with_stale_if_range_sends_everything(app, client):
    response = get(client, "/static/data.bin", headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert response.status_code == 200
    assert response.data == DATA


# -- path traversal ----------------------------------------------------------------


TRAVERSALS = [
    "/static/../test_static.py",
    "/static/..%2ftest_static.py",
    "/static/%2e%2e/test_static.py",
    "/static/%2e%2e%2ftest_static.py",
    "/static/%2E%2E%2Ftest_static.py",
    "/static/sub/../../test_static.py",
    "/static/sub/%2e%2e/%2e%2e/test_static.py",
    "/static/..%5ctest_static.py",
    "/static/sub\\..\\..\\test_static.py",
    "/static/sub%5c..%5c..%5ctest_static.py",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/%2Fetc/passwd",
    "/static/C:/Windows/win.ini",
    "/static/C:%5cWindows%5cwin.ini",
    "/static/hello.txt%00.css",
    "/static/%00",
]


@pytest.mark.parametrize("url", TRAVERSALS)
def test_traversal_through_the_url_is_404(app, client, url):
    response = get(client, url, follow_redirects=True)
    assert response.status_code == 404
    assert b"import" not in response.data
    assert b"root:" not in response.data


def test_dot_dot_that_stays_inside_is_served(app, client):
    assert get(client, "/static/sub/../hello.txt").data == HELLO
    assert get(client, "/static/sub/%2e%2e/hello.txt").data == HELLO


@pytest.mark.parametrize(
    "path",
    [
        "../test_static.py",
        "sub/../../test_static.py",
        "..\\test_static.py",
        "sub\\..\\hello.txt",
        "/etc/passwd",
        str(STATIC / "hello.txt"),
        "\\etc\\passwd",
        "C:\\Windows\\win.ini",
        "%2e%2e/test_static.py",
        "..",
        "",
        ".",
        "sub",
    ],
)
def test_traversal_through_send_from_directory_is_404(app, fw, path):
    with app.test_request_context():
        with pytest.raises(NotFound):
            fw.send_from_directory(STATIC, path)
        with pytest.raises(NotFound):
            fw.send_from_directory(str(STATIC), path)


def test_send_from_directory_serves_inside(app, fw):
    with app.test_request_context():
        response = fw.send_from_directory(STATIC, "sub/style.css")
        response.direct_passthrough = False
        assert response.data == (STATIC / "sub" / "style.css").read_bytes()
        response.close()


def test_send_from_directory_relative_to_root_path(app, fw):
    with app.test_request_context():
        response = fw.send_from_directory("static", "hello.txt")
        response.direct_passthrough = False
        assert response.data == HELLO
        response.close()


_path_parts = st.sampled_from(
    ["..", ".", "", "sub", "hello.txt", "style.css", "data.bin", "%2e%2e", "%2f", "\\", "/", "C:", "\x00", "~", "test_static.py", "static"]
)
_hostile_paths = st.lists(_path_parts, max_size=6).map("/".join) | st.lists(_path_parts, max_size=6).map("".join)


@settings(max_examples=300, deadline=None)
@given(path=_hostile_paths)
@example(path="sub/../hello.txt")
@example(path="sub/style.css")
@example(path="../tests/static/hello.txt")
def test_send_from_directory_never_leaves_the_folder(path):
    """Generated paths: fastmicro sends a file inside the folder or raises
    NotFound, and does whatever Flask does."""
    outcomes = []
    for name in ("flask", "fastmicro"):
        module = importlib.import_module(name)
        application = module.Flask("_appfw")
        with application.test_request_context():
            try:
                response = module.send_from_directory(STATIC, path)
            except NotFound:
                outcomes.append("404")
                continue
            sent = pathlib.Path(response.response.file.name).resolve()
            response.close()
            assert sent.is_relative_to(STATIC.resolve())
            outcomes.append(str(sent))
    assert outcomes[0] == outcomes[1]


# -- both frameworks answer alike, header for header -------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "headers"),
    [
        ("GET", "/static/hello.txt", {}),
        ("HEAD", "/static/hello.txt", {}),
        ("GET", "/static/sub/style.css", {}),
        ("GET", "/static/data.bin", {"Range": "bytes=0-0,5-9"}),
        ("GET", "/static/data.bin", {"Range": "bytes=3-"}),
        ("GET", "/static/data.bin", {"Range": "bytes=99999-"}),
        ("GET", "/static/data.bin", {"Range": "lines=1-2"}),
        ("GET", "/static/hello.txt", {"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"}),
        ("GET", "/static/hello.txt", {"If-None-Match": "*"}),
        ("OPTIONS", "/static/hello.txt", {}),
        ("DELETE", "/static/hello.txt", {}),
        *(("GET", url, {}) for url in TRAVERSALS),
    ],
)
def test_same_response_as_flask(method, url, headers):
    responses = []
    for name in ("flask", "fastmicro"):
        application = importlib.import_module(name).Flask("_appfw")
        client = application.test_client()
        responses.append(_comparable(get(client, url, method=method, headers=headers)))
    assert responses[0] == responses[1]


# -- static folder settings --------------------------------------------------------------


def test_static_folder_properties(app):
    assert app.has_static_folder
    assert app.static_folder == str(STATIC)
    assert app.static_url_path == "/static"


def test_custom_static_url_path(fw):
    app = fw.Flask("_appfw", static_url_path="/assets")
    client = app.test_client()
    assert get(client, "/assets/hello.txt").data == HELLO
    assert get(client, "/static/hello.txt").status_code == 404
    with app.test_request_context():
        assert fw.url_for("static", filename="hello.txt") == "/assets/hello.txt"


def test_static_url_path_trailing_slash_is_dropped(fw):
    app = fw.Flask("_appfw", static_url_path="/assets/")
    assert app.static_url_path == "/assets"
    assert get(app.test_client(), "/assets/hello.txt").data == HELLO


def test_empty_static_url_path_serves_from_the_root(fw):
    app = fw.Flask("_appfw", static_url_path="")

    @app.route("/")
    def index():
        return "index"

    client = app.test_client()
    assert get(client, "/hello.txt").data == HELLO
    assert get(client, "/").data == b"index"
    with app.test_request_context():
        assert fw.url_for("static", filename="hello.txt") == "/hello.txt"


def test_custom_static_folder(fw, tmp_path):
    (tmp_path / "f.txt").write_bytes(b"custom")
    app = fw.Flask("_appfw", static_folder=str(tmp_path))
    assert app.static_folder == str(tmp_path)
    # The URL is named after the folder.
    assert app.static_url_path == f"/{tmp_path.name}"
    assert get(app.test_client(), f"/{tmp_path.name}/f.txt").data == b"custom"


def test_relative_static_folder_and_url_path(fw, tmp_path):
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "f.txt").write_bytes(b"public")
    app = fw.Flask("_appfw", static_folder="public/", root_path=str(tmp_path), static_url_path="/s")
    assert app.static_folder == str(tmp_path / "public")
    assert get(app.test_client(), "/s/f.txt").data == b"public"


def test_no_static_folder(fw):
    app = fw.Flask("_appfw", static_folder=None)
    assert not app.has_static_folder
    assert app.static_folder is None
    assert app.static_url_path is None
    assert "static" not in app.view_functions
    assert get(app.test_client(), "/static/hello.txt").status_code == 404
    with app.test_request_context():
        with pytest.raises(RuntimeError, match="static_folder"):
            app.send_static_file("hello.txt")


def test_static_folder_changed_after_creation(fw, tmp_path):
    (tmp_path / "f.txt").write_bytes(b"moved")
    app = fw.Flask("_appfw")
    app.static_folder = str(tmp_path)
    # The rule keeps its URL; the files now come from the new folder.
    assert get(app.test_client(), "/static/f.txt").data == b"moved"


def test_send_static_file_directly(app):
    with app.test_request_context():
        response = app.send_static_file("hello.txt")
        response.direct_passthrough = False
        assert response.data == HELLO
        response.close()
        with pytest.raises(NotFound):
            app.send_static_file("../test_static.py")


def test_static_host(fw):
    app = fw.Flask("_appfw", host_matching=True, static_host="cdn.test")

    @app.route("/", host="www.test")
    def index():
        return fw.url_for("static", filename="hello.txt")

    client = app.test_client()
    assert get(client, "/static/hello.txt", base_url="http://cdn.test").data == HELLO
    assert get(client, "/static/hello.txt", base_url="http://www.test").status_code == 404
    # Built from another host, the URL names the static host.
    assert get(client, "/", base_url="http://www.test").text == "http://cdn.test/static/hello.txt"


@pytest.mark.parametrize(
    "kwargs",
    [{"host_matching": True}, {"static_host": "cdn.test"}],
)
def test_static_host_needs_host_matching(fw, kwargs):
    with pytest.raises(AssertionError, match="static_host"):
        fw.Flask("_appfw", **kwargs)


def test_host_matching_without_static_folder_needs_no_static_host(fw):
    app = fw.Flask("_appfw", host_matching=True, static_folder=None)
    assert "static" not in app.view_functions


# -- cache lifetime ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "no-cache"),
        (60, "public, max-age=60"),
        (0, "no-cache, max-age=0"),
        (datetime.timedelta(hours=1), "public, max-age=3600"),
    ],
)
def test_send_file_max_age_default(fw, value, expected):
    app = fw.Flask("_appfw")
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = value
    response = get(app.test_client(), "/static/hello.txt")
    assert response.headers["Cache-Control"] == expected
    if value is not None:
        assert "Expires" in response.headers


def test_get_send_file_max_age(fw):
    app = fw.Flask("_appfw")
    with app.app_context():
        assert app.get_send_file_max_age("x.css") is None
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = datetime.timedelta(minutes=2)
        assert app.get_send_file_max_age("x.css") == 120
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 7
        assert app.get_send_file_max_age(None) == 7


def test_get_send_file_max_age_override(fw):
    seen = []

    class PerType(fw.Flask):
        def get_send_file_max_age(self, filename):
            seen.append(filename)
            return 600 if filename.endswith(".css") else super().get_send_file_max_age(filename)

    app = PerType("_appfw")
    client = app.test_client()
    assert get(client, "/static/sub/style.css").headers["Cache-Control"] == "public, max-age=600"
    assert get(client, "/static/hello.txt").headers["Cache-Control"] == "no-cache"
    # A None from the override makes send_file ask again, with the full path.
    assert seen == ["sub/style.css", "hello.txt", str(STATIC / "hello.txt")]


# -- the app is not kept alive by its static view -----------------------------------------


def test_app_freed_on_zero_refcount(fw):
    gc.disable()
    try:
        application = fw.Flask("_appfw")
        assert application.view_functions["static"]
        ref = weakref.ref(application)
        del application
        assert ref() is None
    finally:
        gc.enable()
