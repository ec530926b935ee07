"""The ``request`` object as seen from a view.

Every test runs on the real Flask and on fastmicro (see ``_appfw``).
"""
from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage, ImmutableMultiDict
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from _appfw import app, client, fw  # noqa: F401


def capture(app, fw, fn, path="/", methods=("GET", "POST", "PUT", "PATCH", "DELETE")):
    """Register ``fn(request)`` as the view for ``path``; return a results dict.

    The view stores what ``fn`` returns under ``"value"`` and answers "ok", so
    assertions run outside the request, on plain values.
    """
    out = {}

    def view(**kwargs):
        out["value"] = fn(fw.request)
        return "ok"

    app.add_url_rule(path, "view", view, methods=list(methods))
    return out


# -- query string ----------------------------------------------------------------


def test_args_basic(app, client, fw):
    out = capture(app, fw, lambda r: r.args)
    client.get("/?a=1&b=two&empty=")
    args = out["value"]
    assert isinstance(args, ImmutableMultiDict)
    assert args["a"] == "1"
    assert args.get("b") == "two"
    assert args["empty"] == ""
    assert args.get("missing") is None
    assert args.get("a", type=int) == 1
    with pytest.raises(KeyError):
        args["missing"]


def test_args_repeated_keys(app, client, fw):
    out = capture(app, fw, lambda r: (r.args["k"], r.args.getlist("k"), r.args.to_dict(flat=False)))
    client.get("/?k=1&k=2&k=3&o=x")
    assert out["value"] == ("1", ["1", "2", "3"], {"k": ["1", "2", "3"], "o": ["x"]})


def test_args_unicode_and_plus(app, client, fw):
    out = capture(app, fw, lambda r: dict(r.args))
    client.get("/?name=%C3%A9t%C3%A9&sp=a+b&enc=a%2Bb&raw=日本")
    assert out["value"] == {"name": "été", "sp": "a b", "enc": "a+b", "raw": "日本"}


def test_args_query_string_dict(app, client, fw):
    out = capture(app, fw, lambda r: (r.args.getlist("x"), r.query_string))
    client.get("/", query_string={"x": ["1", "ü"]})
    assert out["value"] == (["1", "ü"], b"x=1&x=%C3%BC")


def test_missing_arg_key_error_is_400(fw):
    app = fw.Flask(__name__)

    @app.route("/")
    def index():
        return fw.request.args["needed"]

    rv = app.test_client().get("/")
    assert rv.status_code == 400
    assert b"Bad Request" in rv.data


def test_missing_arg_key_error_trapped_in_debug(app, fw):
    from werkzeug.exceptions import BadRequestKeyError

    app.debug = True

    @app.route("/")
    def index():
        return fw.request.args["needed"]

    # TRAP_BAD_REQUEST_ERRORS is None: debug mode re-raises the key error
    with pytest.raises(BadRequestKeyError) as exc:
        app.test_client().get("/")
    assert exc.value.args == ("needed",)
    assert "KeyError: 'needed'" in str(exc.value)

    app.config["TRAP_BAD_REQUEST_ERRORS"] = False
    rv = app.test_client().get("/")
    assert rv.status_code == 400
    assert b"<br>KeyError: &#39;needed&#39;</p>" in rv.data


# -- form / files --------------------------------------------------------------


def test_form_urlencoded(app, client, fw):
    out = capture(app, fw, lambda r: (r.form.to_dict(flat=False), r.mimetype, r.args.to_dict()))
    client.post("/?q=1", data={"a": "1", "b": ["x", "y"], "u": "ü"})
    form, mimetype, args = out["value"]
    assert form == {"a": ["1"], "b": ["x", "y"], "u": ["ü"]}
    assert mimetype == "application/x-www-form-urlencoded"
    assert args == {"q": "1"}


def test_form_raw_urlencoded_body(app, client, fw):
    out = capture(app, fw, lambda r: (dict(r.form), r.data, r.get_data()))
    client.post(
        "/",
        data="a=1&b=%C3%A9",
        content_type="application/x-www-form-urlencoded",
    )
    form, data, raw = out["value"]
    assert form == {"a": "1", "b": "é"}
    # the body was parsed into form, so data is empty (get_data cached it)
    assert data == b""


def test_multipart_form_and_files(app, client, fw):
    def fn(r):
        f = r.files["upload"]
        return (
            dict(r.form),
            f.filename,
            f.read(),
            f.mimetype,
            f.name,
            sorted(r.files),
            r.mimetype,
            isinstance(f, FileStorage),
        )

    out = capture(app, fw, fn)
    client.post(
        "/",
        data={
            "field": "value",
            "upload": (io.BytesIO(b"file contents"), "hello.txt", "text/plain"),
            "other": (io.BytesIO(b""), "empty.bin"),
        },
    )
    form, filename, body, mimetype, name, keys, req_mimetype, is_fs = out["value"]
    assert form == {"field": "value"}
    assert filename == "hello.txt"
    assert body == b"file contents"
    assert mimetype == "text/plain"
    assert name == "upload"
    assert keys == ["other", "upload"]
    assert req_mimetype == "multipart/form-data"
    assert is_fs


def test_multipart_multiple_files_same_field(app, client, fw):
    out = capture(app, fw, lambda r: [(f.filename, f.read()) for f in r.files.getlist("f")])
    client.post(
        "/",
        data={"f": [(io.BytesIO(b"1"), "a.txt"), (io.BytesIO(b"2"), "b.txt")]},
    )
    assert out["value"] == [("a.txt", b"1"), ("b.txt", b"2")]


def test_files_empty_for_urlencoded(app, client, fw):
    out = capture(app, fw, lambda r: (len(r.files), dict(r.form)))
    client.post("/", data={"a": "b"})
    assert out["value"] == (0, {"a": "b"})


def test_form_empty_for_get(app, client, fw):
    out = capture(app, fw, lambda r: (dict(r.form), dict(r.files), r.data))
    client.get("/")
    assert out["value"] == ({}, {}, b"")


def test_max_content_length(fw):
    app = fw.Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.route("/", methods=["POST"])
    def index():
        return str(len(fw.request.form))

    client = app.test_client()
    rv = client.post("/", data={"k": "x" * 50})
    assert rv.status_code == 413
    assert b"Request Entity Too Large" in rv.data
    assert client.post("/", data={"k": "x"}).data == b"1"


def test_max_content_length_on_request(app, fw):
    app.config["MAX_CONTENT_LENGTH"] = 123
    with app.test_request_context():
        assert fw.request.max_content_length == 123


# -- JSON ------------------------------------------------------------------------


def test_json_body(app, client, fw):
    out = capture(app, fw, lambda r: (r.json, r.get_json(), r.is_json, r.mimetype))
    client.post("/", json={"a": [1, 2], "é": None})
    assert out["value"] == (
        {"a": [1, 2], "é": None},
        {"a": [1, 2], "é": None},
        True,
        "application/json",
    )


def test_json_vendor_mimetype(app, client, fw):
    out = capture(app, fw, lambda r: r.get_json())
    client.post("/", data='{"x": 1}', content_type="application/vnd.thing+json")
    assert out["value"] == {"x": 1}


def test_json_force(app, client, fw):
    out = capture(app, fw, lambda r: (r.is_json, r.get_json(force=True)))
    client.post("/", data='{"f": true}', content_type="text/plain")
    assert out["value"] == (False, {"f": True})


def test_json_silent_wrong_type(app, client, fw):
    out = capture(app, fw, lambda r: r.get_json(silent=True))
    client.post("/", data="x=1")
    assert out["value"] is None


def test_json_silent_bad_json(app, client, fw):
    out = capture(app, fw, lambda r: r.get_json(silent=True))
    client.post("/", data="{bad", content_type="application/json")
    assert out["value"] is None


def test_json_wrong_content_type_415(app, client, fw):
    @app.route("/", methods=["POST"])
    def index():
        return {"got": fw.request.json}

    rv = client.post("/", data="x=1")
    assert rv.status_code == 415
    assert b"Unsupported Media Type" in rv.data
    assert b"Did not attempt to load JSON data because the request" in rv.data


def test_json_wrong_content_type_exception(app, fw):
    with app.test_request_context("/", method="POST", data="text", content_type="text/plain"):
        with pytest.raises(UnsupportedMediaType) as exc:
            fw.request.get_json()
        assert exc.value.description == (
            "Did not attempt to load JSON data because the request"
            " Content-Type was not 'application/json'."
        )


def test_bad_json_400(app, client, fw):
    @app.route("/", methods=["POST"])
    def index():
        return {"got": fw.request.get_json()}

    rv = client.post("/", data="{not json", content_type="application/json")
    assert rv.status_code == 400
    assert b"The browser (or proxy) sent a request that this server" in rv.data
    assert b"Failed to decode JSON object" not in rv.data


def test_bad_json_400_debug_message(app, client, fw):
    app.debug = True

    @app.route("/", methods=["POST"])
    def index():
        return {"got": fw.request.get_json()}

    rv = client.post("/", data="{not json", content_type="application/json")
    assert rv.status_code == 400
    assert b"Failed to decode JSON object: " in rv.data


def test_bad_json_exception(app, fw):
    with app.test_request_context(
        "/", method="POST", data="[1,", content_type="application/json"
    ):
        with pytest.raises(BadRequest) as exc:
            fw.request.get_json()
        assert exc.value.description == (
            "The browser (or proxy) sent a request that this server could not understand."
        )


def test_json_cached(app, client, fw):
    out = capture(app, fw, lambda r: r.get_json() is r.get_json())
    client.post("/", json={"a": 1})
    assert out["value"] is True


def test_json_on_get_without_body(app, client, fw):
    out = capture(app, fw, lambda r: (r.is_json, r.get_json(silent=True)))
    client.get("/")
    assert out["value"] == (False, None)


# -- raw data / values -----------------------------------------------------------


def test_data_raw_body(app, client, fw):
    out = capture(app, fw, lambda r: (r.data, r.get_data(as_text=True), r.content_length, r.content_type))
    client.post("/", data=b"\xc3\xa9 raw", content_type="application/octet-stream")
    assert out["value"] == (b"\xc3\xa9 raw", "é raw", 6, "application/octet-stream")


def test_stream(app, client, fw):
    out = capture(app, fw, lambda r: r.stream.read())
    client.put("/", data=b"streamed", content_type="application/x-custom")
    assert out["value"] == b"streamed"


def test_values_combines_args_and_form(app, client, fw):
    out = capture(app, fw, lambda r: (r.values.getlist("k"), r.values["a"], r.values["f"]))
    client.post("/?k=arg&a=1", data={"k": "form", "f": "2"})
    assert out["value"] == (["arg", "form"], "1", "2")


def test_values_get_ignores_form(app, client, fw):
    out = capture(app, fw, lambda r: r.values.to_dict())
    client.get("/?x=1")
    assert out["value"] == {"x": "1"}


# -- cookies / headers -----------------------------------------------------------


def test_cookies(app, client, fw):
    out = capture(app, fw, lambda r: dict(r.cookies))
    client.set_cookie("a", "1")
    client.set_cookie("b", "h\u00e9")
    client.get("/")
    assert out["value"] == {"a": "1", "b": "h\u00e9"}


def test_cookies_from_header(app, fw):
    out = capture(app, fw, lambda r: (r.cookies.get("x"), r.cookies.get("y"), r.cookies.get("z")))
    client = app.test_client(use_cookies=False)
    client.get("/", headers={"Cookie": 'x=1; y="quoted val"'})
    assert out["value"] == ("1", "quoted val", None)


def test_headers(app, client, fw):
    out = capture(
        app,
        fw,
        lambda r: (
            r.headers["X-Custom"],
            r.headers.get("x-custom"),
            r.headers.getlist("X-Multi"),
            r.headers.get("Missing"),
            r.headers["Host"],
        ),
    )
    client.get("/", headers=[("X-Custom", "v"), ("X-Multi", "1"), ("X-Multi", "2")])
    # WSGI merges repeated headers with a comma
    assert out["value"] == ("v", "v", ["1, 2"], None, "localhost")


def test_missing_header_key_error_is_500(fw):
    app = fw.Flask(__name__)

    @app.route("/")
    def index():
        return fw.request.headers["X-Needed"]

    # unlike args/form, a missing header is a plain KeyError
    rv = app.test_client().get("/")
    assert rv.status_code == 500


# -- method / URL pieces ------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_method(app, client, fw, method):
    out = capture(app, fw, lambda r: r.method)
    client.open("/", method=method)
    assert out["value"] == method


def test_url_parts(app, client, fw):
    def fn(r):
        return {
            "path": r.path,
            "full_path": r.full_path,
            "script_root": r.script_root,
            "url": r.url,
            "base_url": r.base_url,
            "url_root": r.url_root,
            "host_url": r.host_url,
            "host": r.host,
            "scheme": r.scheme,
            "is_secure": r.is_secure,
            "query_string": r.query_string,
        }

    out = capture(app, fw, fn, path="/a/<b>")
    client.get("/a/b%20c?x=1&y=%C3%A9")
    assert out["value"] == {
        "path": "/a/b c",
        "full_path": "/a/b c?x=1&y=%C3%A9",
        "script_root": "",
        "url": "http://localhost/a/b%20c?x=1&y=é",
        "base_url": "http://localhost/a/b%20c",
        "url_root": "http://localhost/",
        "host_url": "http://localhost/",
        "host": "localhost",
        "scheme": "http",
        "is_secure": False,
        "query_string": b"x=1&y=%C3%A9",
    }


def test_full_path_without_query(app, client, fw):
    out = capture(app, fw, lambda r: r.full_path)
    client.get("/")
    assert out["value"] == "/?"


def test_https_and_port(app, client, fw):
    out = capture(app, fw, lambda r: (r.scheme, r.is_secure, r.host, r.host_url, r.url))
    client.get("/?q=1", base_url="https://example.test:8443")
    assert out["value"] == (
        "https",
        True,
        "example.test:8443",
        "https://example.test:8443/",
        "https://example.test:8443/?q=1",
    )


def test_script_root(app, client, fw):
    out = capture(app, fw, lambda r: (r.script_root, r.path, r.url, r.url_root))
    client.get("/", base_url="http://localhost/app/")
    assert out["value"] == ("/app", "/", "http://localhost/app/", "http://localhost/app/")


def test_unicode_path(app, client, fw):
    out = capture(app, fw, lambda r: (r.path, r.full_path, r.url), path="/é/<x>")
    client.get("/%C3%A9/%E2%82%AC")
    assert out["value"] == ("/é/€", "/é/€?", "http://localhost/é/€")


def test_remote_addr(app, client, fw):
    out = capture(app, fw, lambda r: r.remote_addr)
    client.get("/")
    assert out["value"] == "127.0.0.1"
    client.get("/", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert out["value"] == "10.1.2.3"


def test_accept_mimetypes(app, client, fw):
    def fn(r):
        a = r.accept_mimetypes
        return (
            a.best,
            a.best_match(["text/html", "application/json"]),
            a["application/json"],
            "text/plain" in a,
            a.accept_json,
        )

    out = capture(app, fw, fn)
    client.get("/", headers={"Accept": "application/json, text/html;q=0.5"})
    assert out["value"] == ("application/json", "application/json", 1, False, True)


def test_accept_languages_and_charsets(app, client, fw):
    out = capture(app, fw, lambda r: (r.accept_languages.best, r.accept_encodings.best))
    client.get("/", headers={"Accept-Language": "de;q=0.7, fr", "Accept-Encoding": "gzip"})
    assert out["value"] == ("fr", "gzip")


def test_authorization_basic(app, client, fw):
    out = capture(app, fw, lambda r: (r.authorization.type, r.authorization.username, r.authorization.password))
    client.get("/", auth=("user", "pässword"))
    assert out["value"] == ("basic", "user", "pässword")


def test_authorization_bearer(app, client, fw):
    out = capture(app, fw, lambda r: (r.authorization.type, r.authorization.token))
    client.get("/", headers={"Authorization": "Bearer abc.def"})
    assert out["value"] == ("bearer", "abc.def")


def test_authorization_missing(app, client, fw):
    out = capture(app, fw, lambda r: r.authorization)
    client.get("/")
    assert out["value"] is None


def test_user_agent(app, client, fw):
    out = capture(app, fw, lambda r: (r.user_agent.string, str(r.user_agent), r.headers.get("User-Agent")))
    client.get("/", headers={"User-Agent": "Mozilla/5.0 test"})
    assert out["value"] == ("Mozilla/5.0 test", "Mozilla/5.0 test", "Mozilla/5.0 test")


def test_default_user_agent(app, client, fw):
    from importlib.metadata import version

    out = capture(app, fw, lambda r: r.user_agent.string)
    client.get("/")
    assert out["value"] == f"Werkzeug/{version('werkzeug')}"


# -- routing information ----------------------------------------------------------


def test_endpoint_view_args_url_rule(app, client, fw):
    def fn(r):
        return (r.endpoint, r.view_args, r.url_rule.rule, r.url_rule.endpoint, r.blueprint, r.blueprints)

    out = capture(app, fw, fn, path="/item/<int:id>/<name>")
    client.get("/item/5/x")
    assert out["value"] == ("view", {"id": 5, "name": "x"}, "/item/<int:id>/<name>", "view", None, [])


def test_routing_info_on_404(app, client, fw):
    seen = {}

    @app.errorhandler(404)
    def nf(e):
        r = fw.request
        seen.update(
            endpoint=r.endpoint,
            view_args=r.view_args,
            url_rule=r.url_rule,
            routing_exception=type(r.routing_exception).__name__,
        )
        return "nf", 404

    client.get("/nothing")
    assert seen == {
        "endpoint": None,
        "view_args": None,
        "url_rule": None,
        "routing_exception": "NotFound",
    }


def test_routing_exception_405(app, client, fw):
    seen = {}

    @app.route("/", methods=["POST"])
    def index():
        return ""

    @app.errorhandler(405)
    def nf(e):
        seen["exc"] = type(fw.request.routing_exception).__name__
        seen["methods"] = sorted(e.valid_methods)
        return "no", 405

    client.get("/")
    assert seen == {"exc": "MethodNotAllowed", "methods": ["OPTIONS", "POST"]}


def test_request_in_test_request_context(app, fw):
    with app.test_request_context(
        "/p?x=1", method="POST", data={"f": "v"}, headers={"X-H": "h"}
    ):
        r = fw.request
        assert r.path == "/p"
        assert r.method == "POST"
        assert r.args["x"] == "1"
        assert r.form["f"] == "v"
        assert r.headers["X-H"] == "h"
        # no matching rule was registered
        assert r.url_rule is None
        assert r.endpoint is None


def test_request_class(app, fw):
    from werkzeug.wrappers import Request as WerkzeugRequest

    assert app.request_class is fw.Request
    assert issubclass(fw.Request, WerkzeugRequest)
    with app.test_request_context():
        assert isinstance(fw.request._get_current_object(), fw.Request)


def test_request_environ(app, client, fw):
    out = capture(app, fw, lambda r: (r.environ["REQUEST_METHOD"], r.environ["PATH_INFO"], r.environ["wsgi.url_scheme"]))
    client.get("/")
    assert out["value"] == ("GET", "/", "http")
