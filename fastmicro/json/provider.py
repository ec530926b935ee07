"""JSON providers: how an application serializes and parses JSON.

:attr:`app.json <fastmicro.FastMicro.json>` is an instance of
:attr:`~fastmicro.FastMicro.json_provider_class`, :class:`DefaultJSONProvider`
unless changed. Behaves as Flask 3.1's ``flask.json.provider``.

.. versionadded:: 0.1
"""
from __future__ import annotations

import dataclasses
import decimal
import json
import typing as t
import uuid
import weakref
from datetime import date

from werkzeug.http import http_date

try:
    from _json import make_encoder as _c_make_encoder
except ImportError:  # pragma: no cover - interpreters without the C speedups
    _c_make_encoder = None

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.sansio.response import Response

    from ..app import FastMicro

#: Keyword arguments of :meth:`DefaultJSONProvider.dumps` that are served from
#: the encoder cache; any other keyword takes the plain :func:`json.dumps` path.
_CACHED_KWARGS = frozenset(("indent", "separators"))
_COMPACT_SEPARATORS = (",", ":")
#: Encoder cache keys, ``(indent, separators)``, of :meth:`DefaultJSONProvider.response`.
_COMPACT_KEY = (None, _COMPACT_SEPARATORS)
_INDENTED_KEY = (2, None)

_Encode = t.Callable[[t.Any], str]


class JSONProvider:
    """The JSON operations of an application; subclass it to use another
    JSON library.

    A subclass implements at least :meth:`dumps` and :meth:`loads`; the other
    methods are built on them. Install it by setting
    :attr:`~fastmicro.FastMicro.json_provider_class` on an application
    subclass, or by assigning an instance to :attr:`app.json`.

    :param app: The application. Kept as a :func:`weakref.proxy` on
        :attr:`_app`, so the provider does not keep the app alive.

    .. versionadded:: 0.1
    """

    def __init__(self, app: FastMicro) -> None:
        self._app: FastMicro = weakref.proxy(app)

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``obj`` to a JSON string.

        :param obj: The data to serialize.
        :param kwargs: May be passed on to the JSON library.

        .. versionadded:: 0.1
        """
        raise NotImplementedError

    def dump(self, obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
        """Serialize ``obj`` as JSON and write it to a text file.

        :param obj: The data to serialize.
        :param fp: A file opened for writing text, UTF-8 for valid JSON.
        :param kwargs: Passed to :meth:`dumps`.

        .. versionadded:: 0.1
        """
        fp.write(self.dumps(obj, **kwargs))

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Parse a JSON document.

        :param s: Text or UTF-8 bytes.
        :param kwargs: May be passed on to the JSON library.

        .. versionadded:: 0.1
        """
        raise NotImplementedError

    def load(self, fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
        """Parse the JSON document read from a file.

        :param fp: A file opened for reading text or UTF-8 bytes.
        :param kwargs: Passed to :meth:`loads`.

        .. versionadded:: 0.1
        """
        return self.loads(fp.read(), **kwargs)

    def _prepare_response_obj(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> t.Any:
        # One positional value is serialized as is, several as a list,
        # keyword arguments as a dict, nothing as ``null``.
        if args and kwargs:
            raise TypeError("app.json.response() takes either args or kwargs, not both")
        if len(args) == 1:
            return args[0]
        if args:
            return args
        return kwargs or None

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """Serialize the arguments as JSON into an ``application/json``
        response.

        :func:`fastmicro.json.jsonify` calls this on the current app.

        :param args: One value to serialize, or several to serialize as a
            list.
        :param kwargs: Serialized as a dict. Give ``args`` or ``kwargs``, not
            both; with neither, ``null`` is serialized.
        :raise TypeError: Both ``args`` and ``kwargs`` were given.

        .. versionadded:: 0.1
        """
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self.dumps(obj), mimetype="application/json")


def _default(o: t.Any) -> t.Any:
    """Convert the extra types :class:`DefaultJSONProvider` supports."""
    if isinstance(o, date):
        return http_date(o)
    if isinstance(o, (decimal.Decimal, uuid.UUID)):
        return str(o)
    if dataclasses.is_dataclass(o):
        return dataclasses.asdict(o)  # type: ignore[arg-type]
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def _build_encoder(
    default: t.Callable[[t.Any], t.Any],
    ensure_ascii: bool,
    sort_keys: bool,
    indent: int | str | None,
    separators: tuple[str, str] | None,
) -> _Encode:
    """Return a function giving the same string as :func:`json.dumps` called
    with these arguments."""
    checked = json.JSONEncoder(
        default=default,
        ensure_ascii=ensure_ascii,
        sort_keys=sort_keys,
        indent=indent,
        separators=separators,
    )
    if _c_make_encoder is None or indent is not None:
        # Python's own encoder is the only one that can indent.
        return checked.encode

    # PERF: ``JSONEncoder.encode`` builds a C encoder and a dict of circular
    # reference markers on every call. The C encoder made here once, without
    # markers, is shared by all calls (it keeps no state between them).
    # Without markers a circular structure ends in RecursionError instead of
    # ValueError("Circular reference detected"); the checked encoder runs
    # again in that case so the caller sees exactly json.dumps's error.
    fast = _c_make_encoder(
        None,
        default,
        json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring,
        None,
        checked.key_separator,
        checked.item_separator,
        sort_keys,
        False,  # skipkeys
        True,  # allow_nan
    )
    join = "".join

    def encode(obj: t.Any) -> str:
        try:
            return join(fast(obj, 0))
        except RecursionError:
            return checked.encode(obj)

    return encode


class DefaultJSONProvider(JSONProvider):
    """JSON operations with Python's :mod:`json` module, also serializing:

    -   :class:`datetime.datetime` and :class:`datetime.date` as :rfc:`822`
        strings (the HTTP date format);
    -   :class:`uuid.UUID` and :class:`decimal.Decimal` as strings;
    -   :mod:`dataclasses` instances through :func:`dataclasses.asdict`;
    -   :class:`~markupsafe.Markup`, or anything with an ``__html__`` method,
        as the string that method returns.

    .. versionadded:: 0.1
    """

    default: t.Callable[[t.Any], t.Any] = staticmethod(_default)  # type: ignore[assignment]
    """Called for any object :mod:`json` cannot serialize; returns a JSON
    serializable value or raises :exc:`TypeError`."""

    ensure_ascii = True
    """Escape non-ASCII characters. Disable for smaller, faster output."""

    sort_keys = True
    """Sort the keys of serialized dicts. The keys must then all be strings;
    they are not converted before sorting."""

    compact: bool | None = None
    """``True``, or ``None`` outside debug mode: :meth:`response` writes no
    indentation, newlines or spaces. ``False``, or ``None`` in debug mode:
    it indents by two spaces."""

    mimetype = "application/json"
    """The mimetype :meth:`response` sets."""

    def __init__(self, app: FastMicro) -> None:
        super().__init__(app)
        # PERF: json.dumps with non-default arguments builds a new
        # JSONEncoder on every call. Encoders are built once per combination
        # of settings and kept here. The attributes they depend on
        # (default, ensure_ascii, sort_keys) may be reassigned at any time on
        # the instance or the class, so each call compares them with the
        # ones the cache was built for and empties the cache on a change.
        self._encoders: dict[tuple[t.Any, t.Any], _Encode] = {}
        self._cached_default: t.Callable[[t.Any], t.Any] | None = None
        self._cached_ensure_ascii: bool | None = None
        self._cached_sort_keys: bool | None = None

    def _valid_encoders(self) -> dict[tuple[t.Any, t.Any], _Encode]:
        # Three comparisons rather than a tuple: this runs on every call.
        # ``!=``, not ``is``: a ``default`` method gives a new (equal) bound
        # method object on every attribute access.
        if (
            self.default != self._cached_default
            or self.ensure_ascii != self._cached_ensure_ascii
            or self.sort_keys != self._cached_sort_keys
        ):
            self._encoders = {}
            self._cached_default = self.default
            self._cached_ensure_ascii = self.ensure_ascii
            self._cached_sort_keys = self.sort_keys
        return self._encoders

    def _encoder(
        self, indent: int | str | None, separators: tuple[str, str] | None
    ) -> _Encode:
        encoders = self._valid_encoders()
        key = (indent, separators)
        encode = encoders.get(key)
        if encode is None:
            encode = encoders[key] = _build_encoder(
                self._cached_default,  # type: ignore[arg-type]
                self._cached_ensure_ascii,  # type: ignore[arg-type]
                self._cached_sort_keys,  # type: ignore[arg-type]
                indent,
                separators,
            )
        return encode

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``obj`` to a JSON string with :func:`json.dumps`.

        :attr:`default`, :attr:`ensure_ascii` and :attr:`sort_keys` are the
        defaults for the arguments of the same names.

        :param obj: The data to serialize.
        :param kwargs: Passed to :func:`json.dumps`.

        .. versionadded:: 0.1
        """
        if not kwargs:
            return self._encoder(None, None)(obj)
        if kwargs.keys() <= _CACHED_KWARGS:
            separators = kwargs.get("separators")
            try:
                encode = self._encoder(
                    kwargs.get("indent"),
                    None if separators is None else tuple(separators),
                )
            except (TypeError, ValueError):
                # Unhashable or malformed arguments: let json.dumps handle
                # (or reject) them.
                pass
            else:
                return encode(obj)
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return json.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Parse a JSON document with :func:`json.loads`.

        :param s: Text or UTF-8 bytes.
        :param kwargs: Passed to :func:`json.loads`.

        .. versionadded:: 0.1
        """
        return json.loads(s, **kwargs)

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """Serialize the arguments as JSON into a response with the
        :attr:`mimetype`, ending with a newline.

        The output is indented when :attr:`compact` is ``False``, or
        ``None`` in debug mode, else it is compact.

        :param args: One value to serialize, or several to serialize as a
            list.
        :param kwargs: Serialized as a dict. Give ``args`` or ``kwargs``, not
            both; with neither, ``null`` is serialized.
        :raise TypeError: Both ``args`` and ``kwargs`` were given.

        .. versionadded:: 0.1
        """
        if args:
            if kwargs:
                raise TypeError("app.json.response() takes either args or kwargs, not both")
            obj = args[0] if len(args) == 1 else args
        else:
            obj = kwargs or None

        return self._app.response_class(self._response_body(obj), mimetype=self.mimetype)

    def _response_body(self, obj: t.Any) -> str:
        """The body :meth:`response` sends for ``obj``."""
        compact = self.compact
        indented = compact is False or (compact is None and self._app.debug)
        if type(self).dumps is DefaultJSONProvider.dumps:
            # PERF: skip dumps() and its keyword dict; the cached encoder
            # gives the identical string.
            encode = self._valid_encoders().get(_INDENTED_KEY if indented else _COMPACT_KEY)
            if encode is None:
                encode = self._encoder(*(_INDENTED_KEY if indented else _COMPACT_KEY))
            body = encode(obj)
        elif indented:
            # A subclass replaced dumps(): honour it, as Flask does.
            body = self.dumps(obj, indent=2)
        else:
            body = self.dumps(obj, separators=_COMPACT_SEPARATORS)
        return f"{body}\n"
