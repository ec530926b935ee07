"""Regression tests for what the fuzz targets of ``fuzz/`` found, each the
minimal input, on Flask and fastmicro (the ``fw`` fixture) or on the
implementations directly. See fuzz/README.md for how findings are made.
"""
from __future__ import annotations

import io

from werkzeug.test import EnvironBuilder

from _appfw import fw  # noqa: F401

URLENCODED = "application/x-www-form-urlencoded"


class _DroppedConnection(io.RawIOBase):
    """A WSGI input whose every read fails, as a reset connection's."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        raise OSError("connection reset by peer")


def _call(application, environ) -> tuple[str, bytes]:
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = status

    body = b"".join(application(environ, start_response))
    return seen["status"], body


def test_empty_urlencoded_body_does_not_read_the_stream(fw):
    """Found by fuzz/targets/query.py (pure twin vs Werkzeug): with
    ``Content-Length: 0`` Werkzeug never reads ``wsgi.input``, so an empty
    form is an empty form whatever the stream does; fastmicro's urlencoded
    fast path (``load_urlencoded_form``) called ``stream.read(0)`` and turned
    the stream's error into a 400."""
    application = fw.Flask(__name__)

    @application.post("/")
    def view():
        return {"form": list(fw.request.form.items(multi=True)), "data": fw.request.get_data().decode()}

    environ = EnvironBuilder(method="POST", content_type=URLENCODED).get_environ()
    environ["CONTENT_LENGTH"] = "0"
    environ["wsgi.input"] = _DroppedConnection()
    status, body = _call(application, environ)
    assert status == "200 OK", body
    assert body == b'{"data":"","form":[]}\n'


def test_accept_parameter_named_star(fw):
    """Found by fuzz/targets/accept.py: a parameter named ``*`` in an
    ``Accept`` header (``text/html;*=1``) makes Werkzeug 3.1.8's
    ``parse_accept_header`` raise ``IndexError`` (``dump_options_header``
    reads ``key[-1]`` of an empty key), so ``request.accept_mimetypes`` is a
    500 in Flask. fastmicro's parsers give Werkzeug's result, this one
    included: pinned here so that a change on either side is noticed."""
    application = fw.Flask(__name__)

    @application.route("/")
    def view():
        return str(fw.request.accept_mimetypes.best)

    environ = EnvironBuilder(headers={"Accept": "text/html;*=1"}).get_environ()
    status, _ = _call(application, environ)
    assert status == "500 INTERNAL SERVER ERROR"
    environ = EnvironBuilder(headers={"Accept": "text/html;x*=1"}).get_environ()
    assert _call(application, environ) == ("200 OK", b"text/html; x=1")


def test_basic_credentials_not_ascii(fw):
    """Found by fuzz/targets/headers.py: ``Authorization: Basic`` followed by
    characters that are not ASCII (latin-1 bytes from the client) makes
    Werkzeug 3.1.8's ``Authorization.from_header`` raise ``ValueError``
    (``base64.b64decode`` of such a ``str``; only ``binascii.Error`` is
    caught), so ``request.authorization`` is a 500 in Flask. fastmicro's
    parser gives Werkzeug's result, this one included: pinned here so that a
    change on either side is noticed."""
    application = fw.Flask(__name__)

    @application.route("/")
    def view():
        auth = fw.request.authorization
        return "none" if auth is None else f"{auth.username}:{auth.password}"

    environ = EnvironBuilder(headers={"Authorization": "Basic \xff\xffM"}).get_environ()
    assert _call(application, environ)[0] == "500 INTERNAL SERVER ERROR"
    environ = EnvironBuilder(headers={"Authorization": "Basic a"}).get_environ()
    assert _call(application, environ) == ("200 OK", b"none")  # binascii.Error: no credentials
    environ = EnvironBuilder(headers={"Authorization": "Basic dTpw"}).get_environ()
    assert _call(application, environ) == ("200 OK", b"u:p")


def test_date_with_a_huge_number(fw):
    """Found by fuzz/targets/headers.py: an HTTP date with a huge number in
    it makes Werkzeug 3.1.8's ``parse_date`` raise ``OverflowError`` (from
    ``email.utils``/``datetime``; only ``TypeError``/``ValueError`` are
    caught), so ``request.if_modified_since`` is a 500 in Flask. fastmicro's
    parser gives Werkzeug's result, this one included: pinned here so that a
    change on either side is noticed."""
    application = fw.Flask(__name__)

    @application.route("/")
    def view():
        return str(fw.request.if_modified_since)

    huge = "Sun, 06 Nov 1994 08:66666666666:37 GMT"
    environ = EnvironBuilder(headers={"If-Modified-Since": huge}).get_environ()
    assert _call(application, environ)[0] == "500 INTERNAL SERVER ERROR"
    fine = "Sun, 06 Nov 1994 08:49:37 GMT"
    environ = EnvironBuilder(headers={"If-Modified-Since": fine}).get_environ()
    assert _call(application, environ) == ("200 OK", b"1994-11-06 08:49:37+00:00")
