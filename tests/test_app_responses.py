"""Turning view return values into responses.

Every test runs on the real Flask and on fastmicro (see ``_appfw``).
"""
from __future__ import annotations

import pytest
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.wrappers import Response as WerkzeugResponse

from _appfw import app, client, fw  # noqa: F401

INVALID_NONE = (
    "The view function for {!r} did not return a valid response. The function"
    " either returned None or ended without a return statement."
)
INVALID_TYPE = (
    "The view function did not return a valid response. The return type must"
    " be a string, dict, list, tuple with headers or status, Response instance,"
    " or WSGI callable, but it was a {}."
)
INVALID_TUPLE = (
    "The view function did not return a valid response tuple. The tuple must"
    " have the form (body, status, headers), (body, status), or (body, headers)."
)


def serve(app, rv, path="/", method="GET", **kw):
    """Register a view returning ``rv`` (called if callable) and request it."""
    view = rv if callable(rv) and not isinstance(rv, WerkzeugResponse) else None

    def endpoint():
        return view() if view is not None else rv

    app.add_url_rule(path, "view", endpoint, methods=[method])
    return app.test_client().open(path, method=method, **kw)


# -- plain bodies --------------------------------------------------------------


def test_return_str(app):
    rv = serve(app, "héllo")
    assert rv.status_code == 200
    assert rv.status == "200 OK"
    assert rv.data == "héllo".encode()
    assert rv.headers["Content-Type"] == "text/html; charset=utf-8"
    assert rv.headers["Content-Length"] == "6"


def test_return_bytes(app):
    rv = serve(app, b"\x00\xffraw")
    assert rv.data == b"\x00\xffraw"
    assert rv.headers["Content-Type"] == "text/html; charset=utf-8"
    assert rv.headers["Content-Length"] == "5"


def test_return_bytearray(app):
    rv = serve(app, lambda: bytearray(b"ba"))
    assert rv.data == b"ba"


def test_return_empty_str(app):
    rv = serve(app, "")
    assert rv.status_code == 200
    assert rv.data == b""
    assert rv.headers["Content-Length"] == "0"


def test_return_dict_is_json(app):
    rv = serve(app, lambda: {"b": 1, "a": [1, 2], "u": "é"})
    assert rv.status_code == 200
    assert rv.mimetype == "application/json"
    assert rv.headers["Content-Type"] == "application/json"
    # default provider: sorted keys, compact output, non-ASCII escaped
    assert rv.data == b'{"a":[1,2],"b":1,"u":"\\u00e9"}\n'
    assert rv.json == {"a": [1, 2], "b": 1, "u": "é"}
    assert rv.get_json() == {"a": [1, 2], "b": 1, "u": "é"}


def test_return_list_is_json(app):
    rv = serve(app, lambda: [1, "two", None, True])
    assert rv.mimetype == "application/json"
    assert rv.data == b'[1,"two",null,true]\n'
    assert rv.is_json


def test_return_empty_list_is_json(app):
    rv = serve(app, lambda: [])
    assert rv.data == b"[]\n"
    assert rv.mimetype == "application/json"


def test_return_generator_streams(app):
    def view():
        def gen():
            yield "a"
            yield b"b"
            yield "c"

        return gen()

    rv = serve(app, view)
    assert rv.status_code == 200
    assert rv.data == b"abc"
    assert "Content-Length" not in rv.headers
    assert rv.headers["Content-Type"] == "text/html; charset=utf-8"


def test_return_generator_with_status_and_headers(app):
    rv = serve(app, lambda: ((c for c in "xyz"), 201, {"X-G": "1"}))
    assert rv.status_code == 201
    assert rv.data == b"xyz"
    assert rv.headers["X-G"] == "1"


def test_streaming_response_is_lazy(app, fw):
    consumed = []

    def gen():
        consumed.append(1)
        yield "one"
        consumed.append(2)
        yield "two"

    @app.route("/")
    def index():
        return fw.Response(gen(), mimetype="text/plain")

    rv = app.test_client().get("/", buffered=False)
    assert rv.is_streamed
    assert 2 not in consumed  # not buffered: the generator is not exhausted
    chunks = list(rv.response)
    assert b"".join(chunks) == b"onetwo"
    assert consumed == [1, 2]
    rv.close()


# -- tuples --------------------------------------------------------------------


def test_tuple_body_status(app):
    rv = serve(app, ("created", 201))
    assert rv.status_code == 201
    assert rv.status == "201 CREATED"
    assert rv.data == b"created"


def test_tuple_body_status_string(app):
    rv = serve(app, ("teapot", "418 I'M A TEAPOT"))
    assert rv.status_code == 418
    assert rv.status == "418 I'M A TEAPOT"


def test_tuple_body_custom_status_string(app):
    rv = serve(app, ("x", "299 Custom Thing"))
    assert rv.status_code == 299
    assert rv.status == "299 Custom Thing"


def test_tuple_unknown_int_status(app):
    rv = serve(app, ("x", 299))
    assert rv.status == "299 UNKNOWN"


def test_tuple_body_headers_dict(app):
    rv = serve(app, ("h", {"X-A": "1", "Content-Type": "text/plain"}))
    assert rv.status_code == 200
    assert rv.headers["X-A"] == "1"
    assert rv.headers["Content-Type"] == "text/plain"


def test_tuple_body_headers_list(app):
    rv = serve(app, ("h", [("X-A", "1"), ("X-A", "2")]))
    assert rv.status_code == 200
    assert rv.headers.getlist("X-A") == ["1", "2"]


def test_tuple_body_status_headers(app):
    rv = serve(app, ("all", 202, {"X-B": "b"}))
    assert rv.status_code == 202
    assert rv.headers["X-B"] == "b"
    assert rv.data == b"all"


def test_tuple_body_status_headers_list(app):
    rv = serve(app, ("all", 400, [("X-C", "c")]))
    assert rv.status_code == 400
    assert rv.headers["X-C"] == "c"


def test_tuple_dict_body_with_status_and_headers(app):
    rv = serve(app, lambda: ({"ok": False}, 422, {"X-E": "1"}))
    assert rv.status_code == 422
    assert rv.mimetype == "application/json"
    assert rv.json == {"ok": False}
    assert rv.headers["X-E"] == "1"


def test_tuple_response_object_status_and_headers(app, fw):
    rv = serve(app, lambda: (fw.Response("r", status=200), 203, {"X-R": "r"}))
    assert rv.status_code == 203
    assert rv.data == b"r"
    assert rv.headers["X-R"] == "r"


def test_tuple_headers_replace_existing(app, fw):
    def view():
        resp = fw.Response("r", headers={"X-Dup": "old"})
        return resp, {"X-Dup": "new"}

    rv = serve(app, view)
    assert rv.headers.getlist("X-Dup") == ["new"]


@pytest.mark.parametrize("value", [("a", 200, {}, "extra"), ("a",), ()])
def test_tuple_invalid_length(app, value):
    with pytest.raises(TypeError) as exc:
        serve(app, lambda: value)
    assert str(exc.value) == INVALID_TUPLE


def test_tuple_none_body(app):
    with pytest.raises(TypeError) as exc:
        serve(app, lambda: (None, 404))
    assert str(exc.value) == INVALID_NONE.format("view")


# -- Response objects ----------------------------------------------------------


def test_return_response_object_untouched(app, fw):
    resp = fw.Response("body", status=207, mimetype="text/plain", headers={"X": "y"})
    rv = serve(app, lambda: resp)
    assert rv.status_code == 207
    assert rv.data == b"body"
    assert rv.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert rv.headers["X"] == "y"


def test_return_werkzeug_response_is_coerced(app, fw):
    seen = {}

    @app.after_request
    def after(response):
        seen["type"] = type(response)
        return response

    rv = serve(app, lambda: WerkzeugResponse("wz", status=202, mimetype="text/csv"))
    assert rv.status_code == 202
    assert rv.data == b"wz"
    assert rv.mimetype == "text/csv"
    assert issubclass(seen["type"], fw.Response)
    assert seen["type"] is app.response_class


def test_return_wsgi_callable(app):
    def wsgi_app(environ, start_response):
        start_response("201 CREATED", [("Content-Type", "text/plain"), ("X-W", "1")])
        return [b"from ", b"wsgi"]

    rv = serve(app, lambda: wsgi_app)
    assert rv.status_code == 201
    assert rv.data == b"from wsgi"
    assert rv.headers["X-W"] == "1"


def test_response_class_is_app_response_class(app, fw):
    assert app.response_class is fw.Response
    assert issubclass(fw.Response, WerkzeugResponse)
    assert fw.Response.default_mimetype == "text/html"


# -- invalid return values ---------------------------------------------------


def test_return_none_type_error(app):
    def view():
        pass

    app.add_url_rule("/", "x", view)
    with pytest.raises(TypeError) as exc:
        app.test_client().get("/")
    assert str(exc.value) == (
        "The view function for 'x' did not return a valid response. The function"
        " either returned None or ended without a return statement."
    )


@pytest.mark.parametrize(
    "value, name",
    [(42, "int"), (1.5, "float"), ({1, 2}, "set"), (True, "bool"), (object(), "object")],
)
def test_return_bad_type_error(app, value, name):
    with pytest.raises(TypeError) as exc:
        serve(app, lambda: value)
    assert str(exc.value) == INVALID_TYPE.format(name)


def test_return_bad_callable_type_error(app):
    def not_wsgi():
        return "x"

    with pytest.raises(TypeError) as exc:
        serve(app, lambda: not_wsgi)
    message = str(exc.value)
    assert message.endswith(
        "\n" + INVALID_TYPE.format("function")
    ), message


def test_bad_return_is_500_without_testing(fw):
    app = fw.Flask(__name__)

    @app.route("/")
    def index():
        return None

    rv = app.test_client().get("/")
    assert rv.status_code == 500
    assert b"Internal Server Error" in rv.data


# -- make_response ------------------------------------------------------------


def test_make_response_variants(app, fw):
    with app.test_request_context():
        r = fw.make_response()
        assert isinstance(r, fw.Response)
        assert r.status_code == 200
        assert r.data == b""
        assert r.mimetype == "text/html"

        r = fw.make_response("Awesome")
        assert r.data == b"Awesome"
        assert r.status_code == 200

        r = fw.make_response("W00t", 404)
        assert r.status_code == 404
        assert r.data == b"W00t"

        r = fw.make_response("x", 201, {"X-K": "v"})
        assert (r.status_code, r.headers["X-K"]) == (201, "v")

        r = fw.make_response(("tuple", 202, [("X-T", "t")]))
        assert (r.data, r.status_code, r.headers["X-T"]) == (b"tuple", 202, "t")

        r = fw.make_response({"a": 1})
        assert r.mimetype == "application/json"
        assert r.json == {"a": 1}

        r = fw.make_response(c for c in "gen")
        assert r.get_data() == b"gen"


def test_make_response_passes_response_through(app, fw):
    with app.test_request_context():
        resp = fw.Response("same")
        assert fw.make_response(resp) is resp
        other = fw.make_response(resp, 404)
        assert other.status_code == 404


def test_make_response_in_view_then_modify(app, client, fw):
    @app.route("/")
    def index():
        r = fw.make_response("body")
        r.headers["X-Mod"] = "yes"
        r.status_code = 206
        return r

    rv = client.get("/")
    assert rv.status_code == 206
    assert rv.headers["X-Mod"] == "yes"


def test_app_make_response_none(app, fw):
    with app.test_request_context("/p"):
        with pytest.raises(TypeError) as exc:
            app.make_response(None)
        assert "did not return a valid response" in str(exc.value)


# -- jsonify -------------------------------------------------------------------


def test_jsonify_dict_and_kwargs(app, fw):
    with app.test_request_context():
        r = fw.jsonify({"b": 2, "a": 1})
        assert r.status_code == 200
        assert r.mimetype == "application/json"
        assert r.data == b'{"a":1,"b":2}\n'
        r = fw.jsonify(x=1, y="z")
        assert r.get_json() == {"x": 1, "y": "z"}


def test_jsonify_positional_args(app, fw):
    with app.test_request_context():
        assert fw.jsonify(1, 2, 3).get_json() == [1, 2, 3]
        assert fw.jsonify([1, 2]).data == b"[1,2]\n"
        assert fw.jsonify().data == b"null\n"
        assert fw.jsonify("s").data == b'"s"\n'


def test_jsonify_args_and_kwargs_error(app, fw):
    with app.test_request_context():
        with pytest.raises(TypeError) as exc:
            fw.jsonify(1, a=2)
        assert str(exc.value) == "app.json.response() takes either args or kwargs, not both"


def test_jsonify_special_types(app, fw):
    import datetime
    import decimal
    import uuid

    with app.test_request_context():
        value = {
            "d": datetime.date(2020, 1, 2),
            "dt": datetime.datetime(2020, 1, 2, 3, 4, 5),
            "dec": decimal.Decimal("1.50"),
            "u": uuid.UUID("12345678123456781234567812345678"),
        }
        data = fw.jsonify(value).get_json()
    assert data == {
        "d": "Thu, 02 Jan 2020 00:00:00 GMT",
        "dt": "Thu, 02 Jan 2020 03:04:05 GMT",
        "dec": "1.50",
        "u": "12345678-1234-5678-1234-567812345678",
    }


def test_jsonify_unserializable(app, fw):
    with app.test_request_context():
        with pytest.raises(TypeError) as exc:
            fw.jsonify(object())
        assert str(exc.value) == "Object of type object is not JSON serializable"


def test_jsonify_in_view_with_status(app, client, fw):
    @app.route("/")
    def index():
        return fw.jsonify(error="nope"), 400

    rv = client.get("/")
    assert rv.status_code == 400
    assert rv.json == {"error": "nope"}


def test_json_sort_keys_off(app, fw):
    app.json.sort_keys = False
    with app.test_request_context():
        assert fw.jsonify({"b": 1, "a": 2}).data == b'{"b":1,"a":2}\n'


def test_json_dumps_and_loads_helpers(app, fw):
    with app.app_context():
        assert fw.json.dumps({"b": 1, "a": "é"}) == '{"a": "\\u00e9", "b": 1}'
        assert fw.json.loads('{"x": [1]}') == {"x": [1]}


# -- redirect ------------------------------------------------------------------


def test_redirect_default_302(app, client, fw):
    @app.route("/")
    def index():
        return fw.redirect("/target")

    rv = client.get("/")
    assert rv.status_code == 302
    assert rv.headers["Location"] == "/target"
    assert rv.mimetype == "text/html"
    assert b"/target" in rv.data


@pytest.mark.parametrize("code", [301, 303, 307, 308])
def test_redirect_code(app, client, fw, code):
    @app.route("/")
    def index():
        return fw.redirect("https://example.test/x?y=1", code=code)

    rv = client.get("/")
    assert rv.status_code == code
    assert rv.headers["Location"] == "https://example.test/x?y=1"


def test_redirect_unicode_location(app, client, fw):
    @app.route("/")
    def index():
        return fw.redirect("/ünï?q=€")

    rv = client.get("/")
    assert rv.headers["Location"] == "/%C3%BCn%C3%AF?q=%E2%82%AC"


def test_redirect_outside_app_context(fw):
    r = fw.redirect("/x", 301)
    assert r.status_code == 301
    assert r.headers["Location"] == "/x"


def test_redirect_with_url_for(app, client, fw):
    @app.route("/")
    def index():
        return fw.redirect(fw.url_for("dest", n=3))

    @app.route("/dest/<int:n>")
    def dest(n):
        return str(n)

    rv = client.get("/")
    assert rv.headers["Location"] == "/dest/3"
    assert client.get("/", follow_redirects=True).data == b"3"


# -- abort -----------------------------------------------------------------------


def test_abort_404(app, client, fw):
    @app.route("/")
    def index():
        fw.abort(404)

    rv = client.get("/")
    assert rv.status_code == 404
    assert b"Not Found" in rv.data
    assert rv.mimetype == "text/html"


@pytest.mark.parametrize("code", [400, 401, 403, 410, 418, 429, 503])
def test_abort_codes(app, client, fw, code):
    @app.route("/")
    def index():
        fw.abort(code)

    rv = client.get("/")
    assert rv.status_code == code


def test_abort_with_description(app, client, fw):
    @app.route("/")
    def index():
        fw.abort(403, description="Go away <now>")

    rv = client.get("/")
    assert rv.status_code == 403
    assert b"Go away &lt;now&gt;" in rv.data


def test_abort_with_response(app, client, fw):
    @app.route("/")
    def index():
        fw.abort(fw.Response("custom", status=409, headers={"X-Ab": "1"}))

    rv = client.get("/")
    assert rv.status_code == 409
    assert rv.data == b"custom"
    assert rv.headers["X-Ab"] == "1"


def test_abort_raises_http_exception(app, fw):
    with app.test_request_context():
        with pytest.raises(NotFound) as exc:
            fw.abort(404)
        assert exc.value.code == 404
        with pytest.raises(HTTPException) as exc:
            fw.abort(fw.Response("r", 400))
        assert exc.value.response.status_code == 400


def test_abort_unknown_code(app, fw):
    with app.test_request_context():
        with pytest.raises(LookupError) as exc:
            fw.abort(299)
        assert str(exc.value) == "no exception for 299"


def test_abort_outside_context(fw):
    with pytest.raises(NotFound):
        fw.abort(404)


# -- HEAD ------------------------------------------------------------------------


def test_head_has_no_body(app, client):
    @app.route("/")
    def index():
        return "content", 201, {"X-H": "h"}

    rv = client.head("/")
    assert rv.status_code == 201
    assert rv.data == b""
    assert rv.headers["X-H"] == "h"
    assert rv.headers["Content-Length"] == "7"


def test_head_json(app, client):
    @app.route("/")
    def index():
        return {"a": 1}

    rv = client.head("/")
    assert rv.data == b""
    assert rv.mimetype == "application/json"
    assert rv.headers["Content-Length"] == "8"


def test_head_method_seen_by_view(app, client, fw):
    seen = []

    @app.route("/")
    def index():
        seen.append(fw.request.method)
        return "x"

    client.head("/")
    assert seen == ["HEAD"]


# -- cookies -------------------------------------------------------------------


def test_set_cookie(app, client, fw):
    @app.route("/")
    def index():
        r = fw.make_response("c")
        r.set_cookie("name", "value", max_age=60, path="/p", httponly=True)
        r.set_cookie("plain", "v2")
        return r

    rv = client.get("/")
    cookies = rv.headers.getlist("Set-Cookie")
    assert len(cookies) == 2
    first = cookies[0]
    assert first.startswith("name=value; ")
    assert "Max-Age=60" in first
    assert "Path=/p" in first
    assert "HttpOnly" in first
    assert "Expires=" in first
    assert cookies[1] == "plain=v2; Path=/"
    assert client.get_cookie("plain").value == "v2"


def test_set_cookie_samesite_secure(app, client, fw):
    @app.route("/")
    def index():
        r = fw.make_response("c")
        r.set_cookie("s", "1", secure=True, samesite="Lax", domain="localhost")
        return r

    cookie = client.get("/").headers["Set-Cookie"]
    assert "Secure" in cookie
    assert "SameSite=Lax" in cookie
    assert "Domain=localhost" in cookie


def test_set_cookie_quotes_special_values(app, client, fw):
    @app.route("/")
    def index():
        r = fw.make_response("c")
        r.set_cookie("q", "a b;c")
        return r

    assert client.get("/").headers["Set-Cookie"] == 'q="a b\\073c"; Path=/'


def test_delete_cookie(app, client, fw):
    @app.route("/set")
    def set_():
        r = fw.make_response("s")
        r.set_cookie("gone", "1")
        return r

    @app.route("/del")
    def delete():
        r = fw.make_response("d")
        r.delete_cookie("gone")
        return r

    client.get("/set")
    assert client.get_cookie("gone").value == "1"
    rv = client.get("/del")
    header = rv.headers["Set-Cookie"]
    assert header.startswith("gone=; ")
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in header
    assert "Max-Age=0" in header
    assert client.get_cookie("gone") is None


# -- mimetype / misc response attributes -------------------------------------


def test_response_mimetype_argument(app, client, fw):
    @app.route("/")
    def index():
        return fw.Response("a,b", mimetype="text/csv")

    rv = client.get("/")
    assert rv.mimetype == "text/csv"
    assert rv.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_response_content_type_argument(app, client, fw):
    @app.route("/")
    def index():
        return fw.Response(b"\x89PNG", content_type="image/png")

    rv = client.get("/")
    assert rv.headers["Content-Type"] == "image/png"
    assert rv.mimetype == "image/png"


def test_response_set_mimetype_in_view(app, client, fw):
    @app.route("/")
    def index():
        r = fw.make_response("<x/>")
        r.mimetype = "application/xml"
        return r

    rv = client.get("/")
    assert rv.headers["Content-Type"] == "application/xml; charset=utf-8"


def test_response_get_json(app, client, fw):
    @app.route("/")
    def index():
        return fw.Response('{"k": [1, 2]}', mimetype="application/json")

    @app.route("/text")
    def text():
        return "not json"

    rv = client.get("/")
    assert rv.is_json
    assert rv.get_json() == {"k": [1, 2]}
    assert rv.json == {"k": [1, 2]}
    rv = client.get("/text")
    assert not rv.is_json
    assert rv.get_json(silent=True) is None
    assert rv.get_json(force=True, silent=True) is None


def test_response_vendor_json_mimetype(app, client, fw):
    @app.route("/")
    def index():
        return fw.Response('{"a": 1}', mimetype="application/vnd.api+json")

    rv = client.get("/")
    assert rv.is_json
    assert rv.json == {"a": 1}


def test_max_cookie_size_default(app, fw):
    with app.app_context():
        assert fw.Response().max_cookie_size == 4093
        app.config["MAX_COOKIE_SIZE"] = 100
        assert fw.Response().max_cookie_size == 100


# -- unknown status codes / custom response classes -------------------------------


def test_http_exception_with_unknown_code(app, client, fw):
    class OddError(HTTPException):
        code = 599
        description = "odd"

    @app.route("/raise")
    def raise_():
        raise OddError()

    @app.route("/return")
    def return_():
        return OddError()

    for path in ("/raise", "/return"):
        rv = client.get(path)
        assert rv.status == "599 UNKNOWN"
        assert b"<title>599 Unknown Error</title>" in rv.data
        assert b"<p>odd</p>" in rv.data


def test_response_class_unknown_default_status(app, client, fw):
    class StatusResponse(fw.Response):
        default_status = 299

    app.response_class = StatusResponse
    app.add_url_rule("/", "index", lambda: "hi")
    rv = client.get("/")
    assert rv.status == "299 UNKNOWN"
    assert rv.data == b"hi"


def test_response_class_get_wsgi_headers_override(app, client, fw):
    class HeaderResponse(fw.Response):
        def get_wsgi_headers(self, environ):
            headers = super().get_wsgi_headers(environ)
            headers["X-Wsgi"] = "added"
            return headers

    app.response_class = HeaderResponse
    app.add_url_rule("/", "index", lambda: "hi")
    app.add_url_rule("/json", "json", lambda: {"a": 1})
    assert client.get("/").headers["X-Wsgi"] == "added"
    assert client.get("/json").headers["X-Wsgi"] == "added"


def test_response_class_get_app_iter_override(app, client, fw):
    class UpperResponse(fw.Response):
        def get_app_iter(self, environ):
            return [chunk.upper() for chunk in super().get_app_iter(environ)]

    app.response_class = UpperResponse
    app.add_url_rule("/", "index", lambda: "hi")
    assert client.get("/").data == b"HI"


def test_response_class_set_data_override(app, client, fw):
    class PrefixResponse(fw.Response):
        def set_data(self, value):
            if isinstance(value, str):
                value = "prefix:" + value
            super().set_data(value)

    app.response_class = PrefixResponse
    app.add_url_rule("/", "index", lambda: "hi")
    rv = client.get("/")
    assert rv.data == b"prefix:hi"
    assert rv.headers["Content-Length"] == "9"


@pytest.mark.parametrize("code", [204, 304])
def test_no_body_statuses(app, client, fw, code):
    app.add_url_rule("/", "index", lambda: ("ignored body", code, {"X-K": "k"}))
    rv = client.get("/")
    assert rv.status_code == code
    assert rv.data == b""
    assert "Content-Length" not in rv.headers
    assert rv.headers["X-K"] == "k"


def test_location_iri_converted(app, client, fw):
    app.add_url_rule("/", "index", lambda: ("", 302, {"Location": "/ünï", "Content-Location": "/é"}))
    rv = client.get("/")
    assert rv.headers["Location"] == "/%C3%BCn%C3%AF"
    assert rv.headers["Content-Location"] == "/%C3%A9"


def test_response_call_on_close(app, client, fw):
    closed = []

    @app.route("/")
    def index():
        r = fw.Response("body")
        r.call_on_close(lambda: closed.append(True))
        return r

    rv = client.get("/")
    assert rv.data == b"body"
    rv.close()
    assert closed == [True]
