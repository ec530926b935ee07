"""The parsed-header attributes of :class:`~fastmicro.Request` and
:class:`~fastmicro.Response`, on the compiled parsers.

Werkzeug's wrappers call the functions of ``werkzeug.http`` by name; these
mixins redefine the same attributes with the same results on the hot paths
``cookies``, ``accept`` and ``headers`` of :mod:`fastmicro.speedups`. Each
attribute keeps Werkzeug's name, type, caching and update behaviour; only
the parser underneath changes.

.. versionadded:: 0.1
"""
from __future__ import annotations

import typing as t
from datetime import datetime

from werkzeug.datastructures import (
    Accept,
    Authorization,
    CallbackDict,
    CharsetAccept,
    ContentRange,
    ETags,
    IfRange,
    LanguageAccept,
    MIMEAccept,
    Range,
    RequestCacheControl,
    ResponseCacheControl,
    WWWAuthenticate,
)
from werkzeug.http import dump_options_header
from werkzeug.utils import header_property

from .. import speedups

_accept = speedups.load("accept")
_cookies = speedups.load("cookies")
_headers = speedups.load("headers")
_lazy = speedups.load("local").lazy_attribute

__all__ = ["ParsedRequestHeaders", "ParsedResponseHeaders"]


#: (header value, result class) -> parsed Accept header; see _parsed_accept.
_accept_cache: dict[tuple[str | None, type | None], Accept] = {}
_ACCEPT_CACHE_SIZE = 256


def _parsed_accept(value: str | None, cls: type | None) -> t.Any:
    # PERF: a handful of browsers send a handful of distinct Accept* values,
    # and a parsed one is immutable, so one parse serves every request that
    # sends the same value. Bounded: a full cache starts over.
    key = (value, cls)
    try:
        return _accept_cache[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable value: Werkzeug's parser decides
        return _accept.parse_accept_header(value, cls)
    parsed = _accept.parse_accept_header(value, cls)
    if len(_accept_cache) >= _ACCEPT_CACHE_SIZE:
        _accept_cache.clear()
    _accept_cache[key] = parsed
    return parsed


class ParsedRequestHeaders:
    """Request attributes parsed from headers, computed once on first use.

    .. versionadded:: 0.1
    """

    headers: t.Any

    @_lazy
    def accept_mimetypes(self) -> MIMEAccept:
        """The ``Accept`` header: the mimetypes the client takes."""
        return _parsed_accept(self.headers.get("Accept"), MIMEAccept)

    @_lazy
    def accept_charsets(self) -> CharsetAccept:
        """The ``Accept-Charset`` header."""
        return _parsed_accept(self.headers.get("Accept-Charset"), CharsetAccept)

    @_lazy
    def accept_encodings(self) -> Accept:
        """The ``Accept-Encoding`` header (``gzip``, ``br``, ...)."""
        return _parsed_accept(self.headers.get("Accept-Encoding"), None)

    @_lazy
    def accept_languages(self) -> LanguageAccept:
        """The ``Accept-Language`` header."""
        return _parsed_accept(self.headers.get("Accept-Language"), LanguageAccept)

    @_lazy
    def cache_control(self) -> RequestCacheControl:
        """The ``Cache-Control`` header."""
        return _headers.parse_cache_control_header(  # type: ignore[no-any-return]
            self.headers.get("Cache-Control"), None, RequestCacheControl
        )

    @_lazy
    def if_match(self) -> ETags:
        """The ETags of the ``If-Match`` header."""
        return _headers.parse_etags(self.headers.get("If-Match"))  # type: ignore[no-any-return]

    @_lazy
    def if_none_match(self) -> ETags:
        """The ETags of the ``If-None-Match`` header."""
        return _headers.parse_etags(self.headers.get("If-None-Match"))  # type: ignore[no-any-return]

    @_lazy
    def if_modified_since(self) -> datetime | None:
        """The ``If-Modified-Since`` date, timezone-aware."""
        return _headers.parse_date(self.headers.get("If-Modified-Since"))  # type: ignore[no-any-return]

    @_lazy
    def if_unmodified_since(self) -> datetime | None:
        """The ``If-Unmodified-Since`` date, timezone-aware."""
        return _headers.parse_date(self.headers.get("If-Unmodified-Since"))  # type: ignore[no-any-return]

    @_lazy
    def if_range(self) -> IfRange:
        """The ``If-Range`` header."""
        return _headers.parse_if_range_header(self.headers.get("If-Range"))  # type: ignore[no-any-return]

    @_lazy
    def range(self) -> Range | None:
        """The ``Range`` header, or ``None``."""
        return _headers.parse_range_header(self.headers.get("Range"))  # type: ignore[no-any-return]

    @_lazy
    def authorization(self) -> Authorization | None:
        """The ``Authorization`` header, or ``None``."""
        return _headers.parse_authorization_header(self.headers.get("Authorization"))  # type: ignore[no-any-return]

    date = header_property(
        "Date", None, _headers.parse_date, doc="The ``Date`` header, timezone-aware.", read_only=True
    )

    def _parse_content_type(self) -> None:
        if not hasattr(self, "_parsed_content_type"):
            self._parsed_content_type = _headers.parse_options_header(
                self.headers.get("Content-Type", "")
            )


class ParsedResponseHeaders:
    """Response attributes parsed from and written to its headers.

    .. versionadded:: 0.1
    """

    headers: t.Any
    max_cookie_size: int
    mimetype: str | None

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: t.Any = None,
        expires: t.Any = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header, as Werkzeug's ``set_cookie``
        (warning when it is over :attr:`max_cookie_size`)."""
        self.headers.add(
            "Set-Cookie",
            _cookies.dump_cookie(
                key,
                value=value,
                max_age=max_age,
                expires=expires,
                path=path,
                domain=domain,
                secure=secure,
                httponly=httponly,
                max_size=self.max_cookie_size,
                samesite=samesite,
                partitioned=partitioned,
            ),
        )

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The parameters of the ``Content-Type``; changing them rewrites
        the header."""

        def on_update(d: CallbackDict[str, str]) -> None:
            self.headers["Content-Type"] = dump_options_header(self.mimetype, d)

        d = _headers.parse_options_header(self.headers.get("content-type", ""))[1]
        return CallbackDict(d, on_update)

    date = header_property(
        "Date", None, _headers.parse_date, _headers.http_date, doc="The ``Date`` header."
    )
    expires = header_property(
        "Expires", None, _headers.parse_date, _headers.http_date, doc="The ``Expires`` header."
    )
    last_modified = header_property(
        "Last-Modified",
        None,
        _headers.parse_date,
        _headers.http_date,
        doc="The ``Last-Modified`` header.",
    )

    @property
    def cache_control(self) -> ResponseCacheControl:
        """The ``Cache-Control`` header; changing it rewrites the header."""

        def on_update(cache_control: t.Any) -> None:
            if not cache_control and "cache-control" in self.headers:
                del self.headers["cache-control"]
            elif cache_control:
                self.headers["Cache-Control"] = cache_control.to_header()

        return _headers.parse_cache_control_header(  # type: ignore[no-any-return]
            self.headers.get("cache-control"), on_update, ResponseCacheControl
        )

    def set_etag(self, etag: str, weak: bool = False) -> None:
        """Set the ``ETag`` header, quoted."""
        self.headers["ETag"] = _headers.quote_etag(etag, weak)

    def get_etag(self) -> tuple[str, bool] | tuple[None, None]:
        """``(etag, is_weak)``, or ``(None, None)`` without an ``ETag``."""
        return _headers.unquote_etag(self.headers.get("ETag"))  # type: ignore[no-any-return]

    @property
    def content_range(self) -> ContentRange:
        """The ``Content-Range`` header (an empty one when it is not set);
        changing it rewrites the header."""

        def on_update(rng: ContentRange) -> None:
            if not rng:
                del self.headers["content-range"]
            else:
                self.headers["Content-Range"] = rng.to_header()

        rv = _headers.parse_content_range_header(self.headers.get("content-range"), on_update)
        if rv is None:
            rv = ContentRange(None, None, None, on_update=on_update)
        return rv  # type: ignore[no-any-return]

    @content_range.setter
    def content_range(self, value: ContentRange | str | None) -> None:
        if not value:
            del self.headers["content-range"]
        elif isinstance(value, str):
            self.headers["Content-Range"] = value
        else:
            self.headers["Content-Range"] = value.to_header()

    @property
    def www_authenticate(self) -> WWWAuthenticate:
        """The ``WWW-Authenticate`` header (a ``basic`` one when it is not
        set); changing it rewrites the header."""
        value = _headers.parse_www_authenticate_header(self.headers.get("WWW-Authenticate"))
        if value is None:
            value = WWWAuthenticate("basic")

        def on_update(value: WWWAuthenticate) -> None:
            self.www_authenticate = value

        value._on_update = on_update
        return value  # type: ignore[no-any-return]

    @www_authenticate.setter
    def www_authenticate(self, value: t.Any) -> None:
        # Werkzeug's setter, unchanged.
        from werkzeug.sansio.response import Response as _SansioResponse

        _SansioResponse.www_authenticate.fset(self, value)  # type: ignore[attr-defined]

    @www_authenticate.deleter
    def www_authenticate(self) -> None:
        from werkzeug.sansio.response import Response as _SansioResponse

        _SansioResponse.www_authenticate.fdel(self)  # type: ignore[attr-defined]
