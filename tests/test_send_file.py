"""``send_file``: paths and file objects, mimetypes, attachments, conditional
and partial responses, cache lifetime, ``X-Sendfile`` and the server's
``wsgi.file_wrapper``, on Flask and fastmicro."""
from __future__ import annotations

import datetime
import io
import pathlib

import pytest
from werkzeug.test import create_environ

from _appfw import app, client, fw  # noqa: F401

STATIC = pathlib.Path(__file__).parent / "static"
HELLO_PATH = STATIC / "hello.txt"
HELLO = HELLO_PATH.read_bytes()
DATA = (STATIC / "data.bin").read_bytes()


def get(client, url, method="GET", **kwargs):
    """``client.open`` that reads the body and closes the response, so the
    file it sent is closed."""
    response = client.open(url, method=method, **kwargs)
    response.get_data()
    response.close()
    return response


def body(response) -> bytes:
    """The body of a ``send_file`` response made outside a client."""
    response.direct_passthrough = False
    data = response.get_data()
    response.close()
    return data


# -- what can be sent --------------------------------------------------------------


@pytest.mark.parametrize("as_path", [str, pathlib.Path])
def test_send_a_path(app, fw, as_path):
    with app.test_request_context():
        response = fw.send_file(as_path(HELLO_PATH))
        assert response.status_code == 200
        assert response.mimetype == "text/plain"
        assert response.content_length == len(HELLO)
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.get_etag()[0]
        assert response.last_modified is not None
        assert body(response) == HELLO


def test_relative_path_is_relative_to_the_root_path(app, fw):
    with app.test_request_context():
        assert body(fw.send_file("static/hello.txt")) == HELLO


def test_missing_file(app, fw):
    with app.test_request_context():
        with pytest.raises(FileNotFoundError):
            fw.send_file("static/missing.txt")


def test_send_bytesio(app, fw):
    with app.test_request_context():
        response = fw.send_file(io.BytesIO(b"in memory"), mimetype="text/plain")
        assert response.mimetype == "text/plain"
        # No size, no date, no etag for a file object without a path.
        assert response.last_modified is None
        assert response.get_etag() == (None, None)
        assert body(response) == b"in memory"


def test_bytesio_needs_a_mimetype_or_name(app, fw):
    with app.test_request_context():
        with pytest.raises(TypeError, match="download_name"):
            fw.send_file(io.BytesIO(b"x"))
        response = fw.send_file(io.BytesIO(b"x"), download_name="x.json")
        assert response.mimetype == "application/json"
        assert body(response) == b"x"


def test_send_an_open_file(app, fw):
    with app.test_request_context():
        with open(HELLO_PATH, "rb") as f:
            response = fw.send_file(f, mimetype="text/plain")
            assert body(response) == HELLO
        assert f.closed


def test_text_file_object_is_refused(app, fw):
    with app.test_request_context():
        with pytest.raises(ValueError, match="binary mode"):
            fw.send_file(io.StringIO("text"), mimetype="text/plain")


def test_send_file_needs_a_request_context(app, fw):
    with pytest.raises(RuntimeError, match="Working outside of"):
        fw.send_file(HELLO_PATH)
    with app.app_context():
        with pytest.raises(RuntimeError, match="request context"):
            fw.send_file(HELLO_PATH)


# -- mimetype and download name ------------------------------------------------------


def test_mimetype_argument_wins(app, fw):
    with app.test_request_context():
        response = fw.send_file(HELLO_PATH, mimetype="application/x-custom")
        assert response.content_type == "application/x-custom"
        body(response)


def test_unknown_extension_is_octet_stream(app, fw):
    with app.test_request_context():
        response = fw.send_file(STATIC / "data.bin")
        assert response.mimetype == "application/octet-stream"
        assert body(response) == DATA


def test_as_attachment(app, fw):
    with app.test_request_context():
        response = fw.send_file(HELLO_PATH, as_attachment=True)
        assert response.headers["Content-Disposition"] == "attachment; filename=hello.txt"
        body(response)
        response = fw.send_file(HELLO_PATH, as_attachment=True, download_name="report 2024.txt")
        assert response.headers["Content-Disposition"] == 'attachment; filename="report 2024.txt"'
        body(response)


def test_download_name_sets_the_mimetype(app, fw):
    with app.test_request_context():
        response = fw.send_file(STATIC / "data.bin", download_name="page.html")
        assert response.mimetype == "text/html"
        # Not an attachment: no Content-Disposition ... unless asked.
        assert response.headers["Content-Disposition"] == "inline; filename=page.html"
        body(response)


@pytest.mark.parametrize(
    ("name", "disposition"),
    [
        ("Ñandú／pingüino.txt", "attachment; filename=\"Nandu/pinguino.txt\"; filename*=UTF-8''%C3%91and%C3%BA%EF%BC%8Fping%C3%BCino.txt"),
        ("€ rates.csv", "attachment; filename=\" rates.csv\"; filename*=UTF-8''%E2%82%AC%20rates.csv"),
        ("日本.txt", "attachment; filename=.txt; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt"),
    ],
)
def test_non_ascii_download_name(app, fw, name, disposition):
    with app.test_request_context():
        response = fw.send_file(io.BytesIO(b"x"), as_attachment=True, download_name=name)
        assert response.headers["Content-Disposition"] == disposition
        body(response)


def test_attachment_through_a_view(app, client, fw):
    @app.route("/download")
    def download():
        return fw.send_file(io.BytesIO(b"a,b\n"), as_attachment=True, download_name="data.csv")

    response = get(client, "/download")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=data.csv"
    assert response.data == b"a,b\n"


# -- conditional and partial responses ------------------------------------------------


@pytest.fixture
def file_app(app, fw):
    @app.route("/file")
    def send():
        args = fw.request.args
        return fw.send_file(
            STATIC / "data.bin",
            conditional=args.get("conditional", "1") == "1",
            etag=args.get("etag", True) if args.get("etag") != "0" else False,
        )

    return app


def test_conditional_etag(file_app, client):
    etag = get(client, "/file").headers["ETag"]
    response = get(client, "/file", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""


def test_conditional_last_modified(file_app, client):
    last_modified = get(client, "/file").headers["Last-Modified"]
    assert get(client, "/file", headers={"If-Modified-Since": last_modified}).status_code == 304


def test_range(file_app, client):
    response = get(client, "/file", headers={"Range": "bytes=100-199"})
    assert response.status_code == 206
    assert response.data == DATA[100:200]
    assert response.headers["Content-Range"] == f"bytes 100-199/{len(DATA)}"
    assert get(client, "/file", headers={"Range": "bytes=5000-"}).status_code == 416


def test_not_conditional_ignores_validators_and_ranges(file_app, client):
    etag = get(client, "/file").headers["ETag"]
    response = get(client, "/file?conditional=0", headers={"If-None-Match": etag, "Range": "bytes=0-1"})
    assert response.status_code == 200
    assert response.data == DATA
    assert "Accept-Ranges" not in response.headers


def test_custom_etag_and_no_etag(file_app, client):
    response = get(client, "/file?etag=v1")
    assert response.headers["ETag"] == '"v1"'
    assert get(client, "/file", headers={"If-None-Match": '"v1"'}).status_code == 200
    assert get(client, "/file?etag=v1", headers={"If-None-Match": '"v1"'}).status_code == 304
    assert "ETag" not in get(client, "/file?etag=0").headers


def test_last_modified_argument(app, fw):
    when = datetime.datetime(2020, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc)
    with app.test_request_context():
        response = fw.send_file(io.BytesIO(b"x"), mimetype="text/plain", last_modified=when)
        assert response.last_modified == when
        body(response)
        response = fw.send_file(io.BytesIO(b"x"), mimetype="text/plain", last_modified=when.timestamp())
        assert response.last_modified == when
        body(response)


def test_bytesio_range(app, client, fw):
    @app.route("/mem")
    def mem():
        return fw.send_file(io.BytesIO(DATA), mimetype="application/octet-stream")

    response = get(client, "/mem", headers={"Range": "bytes=0-3"})
    assert response.status_code == 206
    assert response.data == DATA[:4]


# -- cache lifetime ----------------------------------------------------------------


def test_max_age(app, fw):
    with app.test_request_context():
        response = fw.send_file(HELLO_PATH, max_age=120)
        assert response.headers["Cache-Control"] == "public, max-age=120"
        assert response.expires is not None
        body(response)


def test_max_age_callable(app, fw):
    seen = []

    def max_age(path):
        seen.append(path)
        return 30

    with app.test_request_context():
        response = fw.send_file(HELLO_PATH, max_age=max_age)
        assert response.headers["Cache-Control"] == "public, max-age=30"
        body(response)
    assert seen == [str(HELLO_PATH)]


def test_max_age_default_from_config(app, fw):
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = datetime.timedelta(seconds=90)
    with app.test_request_context():
        response = fw.send_file(HELLO_PATH)
        assert response.headers["Cache-Control"] == "public, max-age=90"
        body(response)


# -- X-Sendfile and the server's file wrapper ------------------------------------------


def test_use_x_sendfile(app, fw):
    app.config["USE_X_SENDFILE"] = True

    @app.route("/")
    def index():
        return fw.send_file(HELLO_PATH)

    response = get(app.test_client(), "/")
    assert response.headers["X-Sendfile"] == str(HELLO_PATH)
    assert response.data == b""
    # The server sends the file: the body is empty, the length is the file's.
    assert response.content_length == len(HELLO)


def test_use_x_sendfile_ignored_for_file_objects(app, fw):
    app.config["USE_X_SENDFILE"] = True
    with app.test_request_context():
        response = fw.send_file(io.BytesIO(b"mem"), mimetype="text/plain")
        assert "X-Sendfile" not in response.headers
        assert body(response) == b"mem"


class RecordingWrapper:
    """A server's ``wsgi.file_wrapper``: records what it was given."""

    instances: list[RecordingWrapper] = []

    def __init__(self, file, block_size=8192):
        self.file = file
        self.block_size = block_size
        self.closed = False
        self.instances.append(self)

    def __iter__(self):
        while True:
            chunk = self.file.read(self.block_size)
            if not chunk:
                return
            yield chunk

    def close(self):
        self.closed = True
        self.file.close()


@pytest.fixture
def wrapper():
    RecordingWrapper.instances = []
    return RecordingWrapper


@pytest.mark.parametrize("source", ["path", "bytesio"])
def test_file_wrapper_through_the_client(app, fw, wrapper, source):
    @app.route("/")
    def index():
        if source == "path":
            return fw.send_file(HELLO_PATH)
        return fw.send_file(io.BytesIO(HELLO), mimetype="text/plain")

    client = app.test_client()
    response = get(client, "/", environ_base={"wsgi.file_wrapper": wrapper})
    assert response.data == HELLO
    (instance,) = wrapper.instances
    assert instance.closed


def test_file_wrapper_is_the_wsgi_result(app, fw, wrapper):
    """The server gets its own wrapper back, so it can use sendfile()."""

    @app.route("/")
    def index():
        return fw.send_file(HELLO_PATH)

    environ = create_environ("/")
    environ["wsgi.file_wrapper"] = wrapper
    started = []
    result = app(environ, lambda status, headers, exc_info=None: started.append((status, headers)))
    try:
        (instance,) = wrapper.instances
        assert result is instance
        assert started[0][0] == "200 OK"
        assert ("Content-Length", str(len(HELLO))) in started[0][1]
        assert b"".join(result) == HELLO
    finally:
        result.close()
    assert instance.closed


def test_no_file_wrapper_for_head_or_304(app, fw, wrapper):
    @app.route("/")
    def index():
        return fw.send_file(HELLO_PATH)

    client = app.test_client()
    etag = get(client, "/").headers["ETag"]
    wrapper.instances.clear()
    response = get(client, "/", headers={"If-None-Match": etag}, environ_base={"wsgi.file_wrapper": wrapper})
    assert response.status_code == 304
    assert response.data == b""
    assert all(w.closed for w in wrapper.instances)
