"""Fuzz target: the ``query`` hot path (``ext/query.pyx`` /
``fastmicro/http/_pyquery.py``): ``parse_query`` on a random query string,
lookups in the resulting ``ImmutableMultiDict``, and urlencoded form loading
through a real :class:`fastmicro.Request` with a random body,
``Content-Length``, content type, stream behaviour and limits.

Baseline: the pure twin (compiled backend) or Werkzeug 3.1 (pure backend):
``Request.args``' ``parse_qsl`` expression, Werkzeug's ``MultiDict``
lookups and ``werkzeug.wrappers.Request`` reading the same form.
"""
from __future__ import annotations

import io
import typing as t
from urllib.parse import parse_qsl

import werkzeug.urls  # noqa: F401  (registers the "werkzeug.url_quote" error handler)
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request as WerkzeugRequest

import fastmicro
from fastmicro.wrappers import Request

from harness import Reader, backend_modules, check

DESCRIPTION = "parse_query, MultiDict lookups, urlencoded forms through a real Request"
#: Instrumented for Python coverage: the code this input can reach.
INSTRUMENT = ("fastmicro.http", "fastmicro.wrappers", "werkzeug.formparser", "werkzeug.wrappers", "werkzeug.sansio", "werkzeug.wsgi", "werkzeug.urls", "werkzeug.datastructures.structures")

subject, twin = backend_modules("query")

#: A query string that is not UTF-8 (Werkzeug's ``.decode()``).
QUERY_ERRORS = (UnicodeDecodeError,)
#: ``d[key]`` of a missing key (BadRequestKeyError is a KeyError).
LOOKUP_ERRORS = (KeyError,)
#: A body over a limit (413) or shorter than its Content-Length (400); the
#: server's own stream error where Werkzeug lets it through (a stream read to
#: its end because the server says it is terminated).
FORM_ERRORS = (HTTPException, OSError)

app = fastmicro.FastMicro(__name__)


def werkzeug_args(query_string: bytes, storage_class: t.Any) -> t.Any:
    """``werkzeug.sansio.request.Request.args``, as written in Werkzeug 3.1."""
    return storage_class(
        parse_qsl(query_string.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
    )


def fuzz_parse(reader: Reader) -> None:
    storage = reader.pick(["module", MultiDict, dict, list])
    probes = [reader.text(8) for _ in range(reader.number(0, 3))]
    query = reader.raw()
    ours_class = subject.ImmutableMultiDict if storage == "module" else storage
    if twin is not None:
        theirs_class = twin.ImmutableMultiDict if storage == "module" else storage
        theirs = lambda: twin.parse_query(query, theirs_class)  # noqa: E731
    else:
        theirs_class = ImmutableMultiDict if storage == "module" else storage
        theirs = lambda: werkzeug_args(query, theirs_class)  # noqa: E731
    result = check(
        f"parse_query({query!r:.200}, {storage})",
        lambda: subject.parse_query(query, ours_class),
        theirs,
        allowed=QUERY_ERRORS,
        messages=True,
    )
    if result.error is not None or storage != "module":
        return
    ours, reference = result.value, theirs()
    for key in probes + list(reference)[:3]:
        check(f"[{key!r}] of {query!r:.200}", lambda: ours[key], lambda: reference[key],
              allowed=LOOKUP_ERRORS)
        check(f".get({key!r}) of {query!r:.200}", lambda: ours.get(key, "default", int),
              lambda: reference.get(key, "default", int))


class Trickle(io.RawIOBase):
    """A WSGI input that hands over at most ``step`` bytes per read (a slow
    client), and may fail after its data like a dropped connection."""

    def __init__(self, data: bytes, step: int, fail: bool) -> None:
        self._data, self._step, self._fail = data, step, fail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: t.Any) -> int:
        # Even a read of nothing fails: Werkzeug never reads the stream of
        # an empty body (tests/test_fuzz_regressions.py, found here).
        if not self._data and self._fail:
            raise OSError("connection reset")
        size = min(len(buffer), self._step, len(self._data))
        buffer[:size] = self._data[:size]
        self._data = self._data[size:]
        return size


def content_length(reader: Reader) -> t.Callable[[bytes], str | None]:
    """How the declared length relates to the body (read after the choices)."""
    kind = reader.pick(["exact", "short", "long", "none", "text"])
    delta = reader.number(1, 50)
    text = reader.pick([" 3", "+3", "3 ", "-1", "\u0663", "0x3", "", "1e2"])
    if kind == "exact":
        return lambda body: str(len(body))
    if kind == "short":
        return lambda body: str(max(0, len(body) - delta))
    if kind == "long":
        return lambda body: str(len(body) + delta)
    if kind == "text":
        return lambda body: text
    return lambda body: None


def form_environ(reader: Reader) -> dict[str, t.Any]:
    environ: dict[str, t.Any] = {
        "REQUEST_METHOD": reader.pick(["POST", "PUT", "PATCH", "GET"]),
        "CONTENT_TYPE": reader.pick([
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=utf-8",
            "application/x-www-form-urlencoded;charset=latin-1",
            "Application/X-WWW-Form-Urlencoded",
            "application/x-www-form-urlencodedx",
            "text/plain",
            "",
        ]),
        "wsgi.url_scheme": "http",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "PATH_INFO": "/",
    }
    if reader.number(0, 7) == 7:
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    if reader.number(0, 7) == 7:
        environ["wsgi.input_terminated"] = True
    return environ


def read_form(make_request: t.Callable[[], t.Any], load: t.Callable[[t.Any], None],
              limits: tuple[int | None, int | None], environ: dict[str, t.Any],
              body: bytes, step: int, fail: bool) -> tuple[t.Any, ...]:
    """Build a request on a fresh copy of the input, set its limits, load its
    form with ``load`` and return what a view would see."""
    environ = dict(environ, **{"wsgi.input": Trickle(body, step, fail)})
    request = make_request(environ)
    request.max_content_length, request.max_form_memory_size = limits
    load(request)
    form, files = request.form, request.files
    return (list(form.items(multi=True)), list(files.items(multi=True)), request.get_data())


def fuzz_form(reader: Reader) -> None:
    limits = (reader.pick([None, 0, 10, 100, 1000]), reader.pick([None, 0, 10, 100, 1000]))
    step = reader.pick([1 << 20, 1, 7])
    fail = reader.number(0, 7) == 7
    in_app = reader.flag()
    environ = form_environ(reader)
    declare = content_length(reader)
    body = reader.raw()  # the rest of the input
    declared = declare(body)
    if declared is not None:
        environ["CONTENT_LENGTH"] = declared

    def ours() -> t.Any:
        return read_form(Request, lambda r: r.form, limits, environ, body, step, fail)

    if twin is not None:
        def load_with_twin(request: t.Any) -> None:
            # fastmicro's Request._load_form_data with the twin's loader.
            if not twin.load_urlencoded_form(request, None):
                WerkzeugRequest._load_form_data(request)

        def theirs() -> t.Any:
            return read_form(Request, load_with_twin, limits, environ, body, step, fail)
    else:
        def theirs() -> t.Any:
            return read_form(WerkzeugRequest, lambda r: r.form, limits, environ, body, step, fail)

    what = f"form of {environ!r:.300} body {body!r:.200} limits {limits} step {step} fail {fail}"
    if in_app:
        # The same request limits inside an app context (which reads the
        # app's config for limits not set on the request).
        with app.app_context():
            check(what, ours, theirs, allowed=FORM_ERRORS)
    else:
        check(what, ours, theirs, allowed=FORM_ERRORS)


def test_one_input(data: bytes) -> None:
    reader = Reader(data)
    if reader.number(0, 2):
        fuzz_parse(reader)
    else:
        fuzz_form(reader)
