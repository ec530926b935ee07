"""Tagged JSON: lossless JSON for a few types JSON lacks.

The session cookie is serialized with :class:`TaggedJSONSerializer`. A value
JSON cannot represent is written as a one-item object whose key is a tag,
such as ``{" t": [1, 2]}`` for the tuple ``(1, 2)``. The wire format is
Flask 3.1's, so a session cookie written by a Flask application can be read
by a fastmicro application with the same secret key, and the other way round.

More types can be supported by registering a :class:`JSONTag` subclass. For
example, to keep :class:`~collections.OrderedDict` (which must be checked
before plain dicts, hence ``index=0``)::

    from collections import OrderedDict

    from fastmicro.json.tag import JSONTag

    class TagOrderedDict(JSONTag):
        __slots__ = ()
        key = " od"

        def check(self, value):
            return isinstance(value, OrderedDict)

        def to_json(self, value):
            return [[k, self.serializer.tag(v)] for k, v in value.items()]

        def to_python(self, value):
            return OrderedDict(value)

    app.session_interface.serializer.register(TagOrderedDict, index=0)

.. versionadded:: 0.1
"""
from __future__ import annotations

import typing as t
from base64 import b64decode, b64encode
from datetime import datetime
from uuid import UUID

from markupsafe import Markup
from werkzeug.http import http_date, parse_date

from ..json import dumps, loads

__all__ = [
    "JSONTag",
    "PassDict",
    "PassList",
    "TagBytes",
    "TagDateTime",
    "TagDict",
    "TagMarkup",
    "TagTuple",
    "TagUUID",
    "TaggedJSONSerializer",
]


class JSONTag:
    """Base class of the type tags of a :class:`TaggedJSONSerializer`.

    :param serializer: The serializer this tag is registered with, for
        tagging nested values.

    .. versionadded:: 0.1
    """

    __slots__ = ("serializer",)

    #: The key marking a value of this type. A tag with an empty key only
    #: converts a value on the way out and is never seen when loading.
    key: str = ""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        self.serializer = serializer

    def check(self, value: t.Any) -> bool:
        """Whether ``value`` is handled by this tag."""
        raise NotImplementedError

    def to_json(self, value: t.Any) -> t.Any:
        """Convert ``value`` to JSON-compatible data, without the tag."""
        raise NotImplementedError

    def to_python(self, value: t.Any) -> t.Any:
        """Convert the JSON data found under the tag back to the Python
        value."""
        raise NotImplementedError

    def tag(self, value: t.Any) -> t.Any:
        """Convert ``value`` and wrap it as ``{key: data}``."""
        return {self.key: self.to_json(value)}


class TagDict(JSONTag):
    """Tag for one-item dicts whose key is itself a registered tag key.

    Such a dict would be mistaken for a tagged value, so it is tagged in turn,
    with ``__`` appended to its key; loading removes the suffix.

    .. versionadded:: 0.1
    """

    __slots__ = ()
    key = " di"

    def check(self, value: t.Any) -> bool:
        return (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)) in self.serializer.tags
        )

    def to_json(self, value: t.Any) -> t.Any:
        (key, item), = value.items()
        return {f"{key}__": self.serializer.tag(item)}

    def to_python(self, value: t.Any) -> t.Any:
        key = next(iter(value))
        return {key[:-2]: value[key]}


class PassDict(JSONTag):
    """Dicts stay objects; their values are tagged.

    .. versionadded:: 0.1
    """

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, dict)

    def to_json(self, value: t.Any) -> t.Any:
        # JSON keys are always strings, so keys are not tagged.
        tag = self.serializer.tag
        return {k: tag(v) for k, v in value.items()}

    tag = to_json


class TagTuple(JSONTag):
    """Tuples become tagged arrays.

    .. versionadded:: 0.1
    """

    __slots__ = ()
    key = " t"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, tuple)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    def to_python(self, value: t.Any) -> t.Any:
        return tuple(value)


class PassList(JSONTag):
    """Lists stay arrays; their items are tagged.

    .. versionadded:: 0.1
    """

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, list)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    tag = to_json


class TagBytes(JSONTag):
    """Bytes become tagged base64 strings.

    .. versionadded:: 0.1
    """

    __slots__ = ()
    key = " b"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, bytes)

    def to_json(self, value: t.Any) -> t.Any:
        return b64encode(value).decode("ascii")

    def to_python(self, value: t.Any) -> t.Any:
        return b64decode(value)


class TagMarkup(JSONTag):
    """Anything with an ``__html__`` method becomes the tagged string it
    returns, loaded back as :class:`~markupsafe.Markup`.

    .. versionadded:: 0.1
    """

    __slots__ = ()
    key = " m"

    def check(self, value: t.Any) -> bool:
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: t.Any) -> t.Any:
        return str(value.__html__())

    def to_python(self, value: t.Any) -> t.Any:
        return Markup(value)


class TagUUID(JSONTag):
    """UUIDs become tagged hex strings.

    .. versionadded:: 0.1
    """

    __slots__ = ()
    key = " u"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, UUID)

    def to_json(self, value: t.Any) -> t.Any:
        return value.hex

    def to_python(self, value: t.Any) -> t.Any:
        return UUID(value)


class TagDateTime(JSONTag):
    """Datetimes become tagged HTTP date strings (UTC, whole seconds),
    loaded back as timezone-aware UTC datetimes.

    .. versionadded:: 0.1
    """

    __slots__ = ()
    key = " d"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, datetime)

    def to_json(self, value: t.Any) -> t.Any:
        return http_date(value)

    def to_python(self, value: t.Any) -> t.Any:
        return parse_date(value)


class TaggedJSONSerializer:
    """Serialize to compact JSON, keeping the types :class:`dict`,
    :class:`tuple`, :class:`bytes`, :class:`~markupsafe.Markup`,
    :class:`~uuid.UUID` and :class:`~datetime.datetime`.

    Used as the intermediate serializer of :mod:`itsdangerous` for the
    session cookie.

    .. versionadded:: 0.1
    """

    __slots__ = ("tags", "order", "_stock")

    #: The tag classes every new serializer registers, in checking order.
    default_tags: list[type[JSONTag]] = [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]

    def __init__(self) -> None:
        #: Tag key -> tag, for loading.
        self.tags: dict[str, JSONTag] = {}
        #: The tags in the order their :meth:`JSONTag.check` is tried.
        self.order: list[JSONTag] = []
        for tag_class in self.default_tags:
            self.register(tag_class)
        # PERF: with exactly the stock tags, values that no tag touches can
        # skip the tagging walk (see _is_untagged and loads). Any register()
        # after this point, or a subclass that tags differently, turns it off.
        cls = type(self)
        self._stock = (
            [type(tag) for tag in self.order] == _STOCK_TAGS
            and cls.tag is TaggedJSONSerializer.tag
            and cls.untag is TaggedJSONSerializer.untag
        )

    def register(
        self,
        tag_class: type[JSONTag],
        force: bool = False,
        index: int | None = None,
    ) -> None:
        """Instantiate ``tag_class`` for this serializer and add it.

        :param tag_class: The :class:`JSONTag` subclass to register.
        :param force: Replace a tag already registered under the same key.
        :param index: Position in the checking order; ``None`` appends.
            Give a special case of an existing tag a lower index.
        :raise KeyError: The key is already registered and ``force`` is
            false.

        .. versionadded:: 0.1
        """
        self._stock = False
        tag = tag_class(self)
        key = tag.key
        if key:
            if not force and key in self.tags:
                raise KeyError(f"Tag '{key}' is already registered.")
            self.tags[key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)

    def tag(self, value: t.Any) -> t.Any:
        """Return the tagged, JSON-compatible form of ``value``.

        .. versionadded:: 0.1
        """
        for tag in self.order:
            if tag.check(value):
                return tag.tag(value)
        return value

    def untag(self, value: dict[str, t.Any]) -> t.Any:
        """Return the Python value of a tagged object, or the object itself
        when it is not tagged.

        .. versionadded:: 0.1
        """
        if len(value) != 1:
            return value
        key = next(iter(value))
        tag = self.tags.get(key)
        if tag is None:
            return value
        return tag.to_python(value[key])

    def _untag_scan(self, value: t.Any) -> t.Any:
        # Innermost values first, so a tag's data is already Python values.
        if isinstance(value, dict):
            scan = self._untag_scan
            return self.untag({k: scan(v) for k, v in value.items()})
        if isinstance(value, list):
            scan = self._untag_scan
            return [scan(item) for item in value]
        return value

    def dumps(self, value: t.Any) -> str:
        """Tag ``value`` and serialize it to compact JSON.

        .. versionadded:: 0.1
        """
        if self._stock and _is_untagged(value, self.tags):
            return dumps(value, separators=(",", ":"))
        return dumps(self.tag(value), separators=(",", ":"))

    def loads(self, value: str | bytes) -> t.Any:
        """Parse JSON and convert every tagged object back.

        .. versionadded:: 0.1
        """
        data = loads(value)
        # PERF: every stock tag key starts with a space, so JSON text with no
        # string that starts with one (literally or escaped) holds no tag.
        if self._stock and _cannot_hold_stock_tag(value):
            return data
        return self._untag_scan(data)


#: The stock tag classes, in checking order.
_STOCK_TAGS: list[type[JSONTag]] = list(TaggedJSONSerializer.default_tags)

_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def _is_untagged(value: t.Any, tag_keys: dict[str, JSONTag]) -> bool:
    """Whether the stock tags leave ``value`` as it is: JSON scalars, and
    lists and dicts of them, where no dict is a single tag-like key."""
    kind = type(value)
    if kind in _JSON_SCALARS:
        return True
    if kind is dict:
        if len(value) == 1 and next(iter(value)) in tag_keys:
            return False
        return all(_is_untagged(item, tag_keys) for item in value.values())
    if kind is list:
        return all(_is_untagged(item, tag_keys) for item in value)
    return False


def _cannot_hold_stock_tag(text: str | bytes) -> bool:
    # Bytes may be UTF-16 or UTF-32 JSON, where the search below would miss
    # a tag: only text takes the fast path (itsdangerous passes text).
    return type(text) is str and '" ' not in text and "\\u" not in text
