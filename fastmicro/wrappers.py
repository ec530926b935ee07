"""Request and Response: Werkzeug's classes with a lean per-request cost.

Both subclass Werkzeug's wrappers, so every attribute a Flask view or an
extension uses is there. What changes is *when* work happens: the request
computes its core attributes on first use instead of in ``__init__``, and the
response skips Werkzeug's header copy and iterator wrapping when they would
change nothing.
"""
from __future__ import annotations

import typing as t

from werkzeug.datastructures import Headers, MultiDict
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser as _WerkzeugFormDataParser
from werkzeug.sansio.http import parse_cookie as _parse_wsgi_cookie
from werkzeug.utils import get_content_type
from werkzeug.wrappers import Request as _WerkzeugRequest
from werkzeug.wrappers import Response as _WerkzeugResponse
from werkzeug.wsgi import _get_server

from . import json, speedups
from .globals import _cv_app
from .http.environ_headers import EnvironHeaders
from .http.parsed_headers import ParsedRequestHeaders, ParsedResponseHeaders

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.datastructures import ImmutableMultiDict
    from werkzeug.routing import Rule
    from werkzeug.wsgi import WSGIEnvironment

_query = speedups.load("query")
_wsgi = speedups.load("wsgi")
_cookies = speedups.load("cookies")


def _wsgi_str(value: str) -> str:
    """Undo WSGI's latin-1 transport encoding of a URL component, as
    Werkzeug's ``_wsgi_decoding_dance``."""
    # PERF: an ASCII string (nearly every path) decodes to itself.
    if value.isascii():
        return value
    return value.encode("latin1").decode(errors="replace")


#: A lazily computed request attribute (see ``lazy_attribute`` in
#: :mod:`fastmicro._pylocal`); compiled, its first read costs no Python frame
#: beyond the compute function.
_from_environ = speedups.load("local").lazy_attribute


class FormDataParser(_WerkzeugFormDataParser):
    """Werkzeug's form parser; ``application/x-www-form-urlencoded`` bodies
    go through the compiled query parser (``multipart/form-data`` stays on
    Werkzeug's parser).

    .. versionadded:: 0.1
    """

    def _parse_urlencoded(
        self,
        stream: t.IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str],
    ) -> tuple[t.IO[bytes], MultiDict[str, str], MultiDict[str, t.Any]]:
        if (
            self.max_form_memory_size is not None
            and content_length is not None
            and content_length > self.max_form_memory_size
        ):
            raise RequestEntityTooLarge()
        # PERF: Werkzeug decodes the body and runs urllib's parse_qsl; the
        # query parser gives the same pairs (and the same UnicodeDecodeError
        # for a body that is not UTF-8, which parse() treats as no form).
        return stream, _query.parse_query(stream.read(), self.cls), self.cls()


class Request(ParsedRequestHeaders, _WerkzeugRequest):
    """The request object, :class:`werkzeug.wrappers.Request` with Flask's
    additions (``url_rule``, ``view_args``, ``endpoint``, ``blueprint``,
    limits from the app's config).

    .. versionadded:: 0.1
    """

    json_module: t.Any = json
    form_data_parser_class = FormDataParser
    #: PERF: Werkzeug's ImmutableMultiDict with compiled ``[]`` and ``get``
    #: (the "query" hot path) for ``args``, ``form``, ``files``, ``cookies``.
    parameter_storage_class = _query.ImmutableMultiDict
    dict_storage_class = _query.ImmutableMultiDict
    #: Whether reading the body is forbidden (Werkzeug's ``shallow``).
    shallow = False

    #: The rule that matched the request, or ``None``.
    url_rule: Rule | None = None
    #: The converted values of the matched rule, or ``None``.
    view_args: dict[str, t.Any] | None = None
    #: The routing error that will be raised at dispatch, if matching failed.
    routing_exception: HTTPException | None = None

    _max_content_length: int | None = None
    _max_form_memory_size: int | None = None
    _max_form_parts: int | None = None

    def __init__(
        self,
        environ: WSGIEnvironment,
        populate_request: bool = True,
        shallow: bool = False,
    ) -> None:
        # PERF: Werkzeug's __init__ computes method, path, headers, server...
        # up front; here they are computed on first access (_from_environ).
        self.environ = environ
        if shallow:
            self.shallow = True
        if populate_request and not shallow:
            environ["werkzeug.request"] = self

    @_from_environ
    def method(self) -> str:
        """The request method, upper case."""
        return self.environ.get("REQUEST_METHOD", "GET").upper()

    @_from_environ
    def scheme(self) -> str:
        """The URL scheme (``http`` or ``https``)."""
        return self.environ.get("wsgi.url_scheme", "http")

    @_from_environ
    def server(self) -> tuple[str, int | None] | None:
        """The server address, ``(host, port)``."""
        return _get_server(self.environ)

    @_from_environ
    def root_path(self) -> str:
        """The prefix the app is mounted under, without a trailing slash."""
        return _wsgi_str(self.environ.get("SCRIPT_NAME") or "").rstrip("/")

    @_from_environ
    def path(self) -> str:
        """The path after the root path, always starting with a slash."""
        return "/" + _wsgi_str(self.environ.get("PATH_INFO") or "").lstrip("/")

    @_from_environ
    def query_string(self) -> bytes:
        """The raw query string."""
        return self.environ.get("QUERY_STRING", "").encode("latin1")

    @_from_environ
    def headers(self) -> EnvironHeaders:
        """The request headers, a read-only view of the environ."""
        return EnvironHeaders(self.environ)

    @_from_environ
    def remote_addr(self) -> str | None:
        """The client address."""
        return self.environ.get("REMOTE_ADDR")

    @_from_environ
    def args(self) -> MultiDict[str, str]:
        """The parsed URL parameters (the part in the URL after the question
        mark).

        By default an :class:`~werkzeug.datastructures.ImmutableMultiDict`
        is returned. This can be changed by setting
        :attr:`parameter_storage_class` to a different type. Invalid bytes
        remain percent encoded.
        """
        # PERF: the compiled query parser (fastmicro.speedups "query");
        # the same result as Werkzeug's parse_qsl expression.
        return _query.parse_query(self.query_string, self.parameter_storage_class)

    @_from_environ
    def cookies(self) -> ImmutableMultiDict[str, str]:
        """The cookies sent with the request, by name (a name may repeat)."""
        # PERF: Werkzeug joins ``headers.getlist("Cookie")``, which walks the
        # whole environ; a WSGI environ holds the one ``HTTP_COOKIE``.
        cookie = self.environ.get("HTTP_COOKIE")
        if cookie and not cookie.isascii():
            # Werkzeug's request parses the WSGI (latin-1) string as it is,
            # not UTF-8 decoded as ``parse_cookie`` does: keep its result.
            return _parse_wsgi_cookie(cookie, cls=self.dict_storage_class)
        return _cookies.parse_cookie(cookie, self.dict_storage_class)

    @property
    def max_content_length(self) -> int | None:  # type: ignore[override]
        """The app's ``MAX_CONTENT_LENGTH`` unless set on this request."""
        if self._max_content_length is not None:
            return self._max_content_length
        ctx = _cv_app.get(None)
        if ctx is None:
            return super().max_content_length
        return ctx.app.config["MAX_CONTENT_LENGTH"]  # type: ignore[no-any-return]

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @property
    def max_form_memory_size(self) -> int | None:  # type: ignore[override]
        """The app's ``MAX_FORM_MEMORY_SIZE`` unless set on this request."""
        if self._max_form_memory_size is not None:
            return self._max_form_memory_size
        ctx = _cv_app.get(None)
        if ctx is None:
            return super().max_form_memory_size
        return ctx.app.config["MAX_FORM_MEMORY_SIZE"]  # type: ignore[no-any-return]

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._max_form_memory_size = value

    @property
    def max_form_parts(self) -> int | None:  # type: ignore[override]
        """The app's ``MAX_FORM_PARTS`` unless set on this request."""
        if self._max_form_parts is not None:
            return self._max_form_parts
        ctx = _cv_app.get(None)
        if ctx is None:
            return super().max_form_parts
        return ctx.app.config["MAX_FORM_PARTS"]  # type: ignore[no-any-return]

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._max_form_parts = value

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule, or ``None``."""
        if self.url_rule is not None:
            return self.url_rule.endpoint  # type: ignore[no-any-return]
        return None

    @property
    def blueprint(self) -> str | None:
        """The registered name of the current blueprint, or ``None``."""
        endpoint = self.endpoint
        if endpoint is not None and "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        """The current blueprint's name and its parents', innermost first."""
        name = self.blueprint
        if name is None:
            return []
        names = name.split(".")
        return [".".join(names[:i]) for i in range(len(names), 0, -1)]

    def close(self) -> None:
        """Close the uploaded files, if any were parsed."""
        # PERF: Werkzeug's close walks an empty MultiDict through a
        # generator on every request; only parsed files need closing.
        if self.__dict__.get("files"):
            super().close()

    def _load_form_data(self) -> None:
        # PERF: urlencoded bodies of known length through the "query" hot
        # path; the rest, and any subclass that changes how forms are read,
        # through Werkzeug.
        ctx = _cv_app.get(None)
        if not (
            _reads_forms_plainly(type(self))
            and _query.load_urlencoded_form(self, None if ctx is None else ctx.app.config)
        ):
            super()._load_form_data()
        if ctx is not None and ctx.app.debug:
            self._explain_enctype()

    def _explain_enctype(self) -> None:
        # In debug mode, reading a file from a form that was not sent as
        # multipart explains the missing enctype (Flask's behaviour).
        files = self.files
        if self.mimetype != "multipart/form-data" and not files:
            from .debughelpers import attach_enctype_error_multidict

            # The helper changes the class of request.files, and an empty
            # one may be shared by many requests (the "query" hot path's):
            # this request gets its own first.
            self.__dict__["files"] = type(files)()
            attach_enctype_error_multidict(self)

    @_from_environ
    def form(self) -> ImmutableMultiDict[str, str]:
        """The form fields of a ``POST``, ``PUT`` or ``PATCH`` body
        (``application/x-www-form-urlencoded`` or ``multipart/form-data``)."""
        self._load_form_data()
        return self.__dict__["form"]  # type: ignore[no-any-return]

    def on_json_loading_failed(self, e: ValueError | None) -> t.Any:
        try:
            return super().on_json_loading_failed(e)
        except BadRequest as ebr:
            ctx = _cv_app.get(None)
            if ctx is not None and ctx.app.debug:
                raise
            raise BadRequest() from ebr


#: The request methods the urlencoded fast path stands in for; a subclass
#: that overrides one takes Werkzeug's path.
_FORM_PATH_STANDS_IN_FOR = (
    "_get_stream_for_parsing",
    "make_form_data_parser",
    "want_form_data_parsed",
    "stream",
    "content_length",
    "mimetype",
    "max_content_length",
    "max_form_memory_size",
)
_plain_form_classes: dict[type, bool] = {}


def _reads_forms_plainly(cls: type) -> bool:
    try:
        return _plain_form_classes[cls]
    except KeyError:
        plain = _plain_form_classes[cls] = cls.form_data_parser_class is FormDataParser and all(
            getattr(cls, name) is getattr(Request, name) for name in _FORM_PATH_STANDS_IN_FOR
        )
        return plain


_content_types: dict[str, str] = {}
#: Bound on the cache: a mimetype may come from the request.
_CONTENT_TYPES_MAX = 256


def _content_type_for(mimetype: str) -> str:
    """The ``Content-Type`` value for ``mimetype`` (the charset added to
    text types), refused, as Werkzeug's header check does, when it holds a
    newline (the fast path builds the header list without that check)."""
    # PERF: get_content_type parses the mimetype on each call; a response
    # class has one default mimetype, so the answer is cached.
    try:
        return _content_types[mimetype]
    except KeyError:
        pass
    value = get_content_type(mimetype, "utf-8")
    if "\r" in value or "\n" in value:
        raise ValueError("Header values must not contain newline characters.")
    if len(_content_types) < _CONTENT_TYPES_MAX:
        _content_types[mimetype] = value
    return value


class Response(ParsedResponseHeaders, _WerkzeugResponse):
    """The response object, :class:`werkzeug.wrappers.Response` with Flask's
    defaults (``text/html`` mimetype, JSON support, ``MAX_COOKIE_SIZE`` from
    the app's config).

    .. versionadded:: 0.1
    """

    default_mimetype: str | None = "text/html"
    json_module = json
    autocorrect_location_header = False

    def __init__(
        self,
        response: t.Any = None,
        status: int | str | None = None,
        headers: t.Any = None,
        mimetype: str | None = None,
        content_type: str | None = None,
        direct_passthrough: bool = False,
    ) -> None:
        # PERF: the common case, a str or bytes body with at most a mimetype,
        # builds the same state as Werkzeug's __init__ without its generic
        # header handling and status parsing.
        body_type = type(response)
        if (
            (body_type is str or body_type is bytes)
            and _is_plain_response_class(type(self))
            and status is None
            and headers is None
            and content_type is None
            and self.automatically_set_content_length
        ):
            if mimetype is None:
                mimetype = self.default_mimetype
            if mimetype is not None:
                self._init_simple(
                    response.encode() if body_type is str else response,
                    self.default_status,
                    _content_type_for(mimetype),
                    direct_passthrough,
                )
                return
        super().__init__(
            response, status, headers, mimetype, content_type, direct_passthrough
        )

    def _init_simple(
        self, body: bytes, status_code: int, content_type: str, direct_passthrough: bool = False
    ) -> None:
        """Set the state Werkzeug's ``__init__`` sets for a bytes body, an
        integer status and a content type."""
        self.headers = headers = Headers()
        headers._list = [  # type: ignore[attr-defined]
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
        ]
        self._status_code = status_code
        self._status = _status_line(status_code)
        self.direct_passthrough = direct_passthrough
        self._on_close = []
        self.response = [body]

    def __call__(
        self, environ: WSGIEnvironment, start_response: t.Callable[..., t.Any]
    ) -> t.Iterable[bytes]:
        # PERF: Werkzeug copies the headers and wraps the body in a
        # ClosingIterator for every response. When the body is a list of
        # bytes with its Content-Length, no Location header needs IRI
        # conversion, no close callback is registered and the status and
        # method allow a body, that work changes nothing; skip it.
        body = self.response
        code = self._status_code
        if (
            type(body) is list
            and _is_plain_response_class(type(self))
            and not self._on_close
            and not self.direct_passthrough
            and 200 <= code
            and code != 204
            and code != 304
            and environ["REQUEST_METHOD"] != "HEAD"
        ):
            headers = self.headers._list  # type: ignore[attr-defined]
            if _wsgi.sendable_as_is(headers) and all(type(chunk) is bytes for chunk in body):
                start_response(self._status, list(headers))
                return body
        return super().__call__(environ, start_response)

    @property
    def max_cookie_size(self) -> int:  # type: ignore[override]
        """The app's ``MAX_COOKIE_SIZE``, or Werkzeug's default outside an
        app context."""
        ctx = _cv_app.get(None)
        if ctx is not None:
            return ctx.app.config["MAX_COOKIE_SIZE"]  # type: ignore[no-any-return]
        return super().max_cookie_size


#: Response methods that the fast paths of Response.__init__ and __call__
#: stand in for; a subclass that overrides one takes Werkzeug's paths.
_FAST_PATH_STANDS_IN_FOR = (
    "set_data",
    "get_wsgi_response",
    "get_wsgi_headers",
    "get_app_iter",
    "iter_encoded",
    "close",
    "_init_simple",
)
_plain_response_classes: dict[type, bool] = {}


def _is_plain_response_class(cls: type) -> bool:
    """Whether ``cls`` keeps every method the fast paths stand in for."""
    try:
        return _plain_response_classes[cls]
    except KeyError:
        plain = _plain_response_classes[cls] = all(
            getattr(cls, name) is getattr(Response, name) for name in _FAST_PATH_STANDS_IN_FOR
        )
        return plain


#: The status line Werkzeug builds for an integer status.
_status_line = _wsgi.status_line
