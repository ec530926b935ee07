"""Rules, and the classification of rule parts shared by both matchers.

Rules themselves are Werkzeug's (Flask's ``url_rule_class`` is Werkzeug's
:class:`~werkzeug.routing.Rule`, so fastmicro keeps it). What lives here is
the add-time analysis both matcher twins use, written once: which dynamic
parts can be matched without a regular expression, and which converters can
be applied without calling ``to_python``.

.. versionadded:: 0.1
"""
from __future__ import annotations

import re
import typing as t

from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter
from werkzeug.routing.converters import IntegerConverter
from werkzeug.routing.converters import PathConverter
from werkzeug.routing.converters import UnicodeConverter
from werkzeug.routing.rules import RulePart

__all__ = [
    "Rule",
    "RulePart",
    "classify_part",
    "conversion_plan",
    "KIND_REGEX",
    "KIND_STRING",
    "KIND_INT",
    "KIND_SIGNED_INT",
    "KIND_FLOAT",
    "KIND_SIGNED_FLOAT",
    "KIND_UUID",
    "KIND_ANY",
    "KIND_PATH",
    "CONVERT_IDENTITY",
    "CONVERT_INT",
    "CONVERT_CALL",
]

# How a dynamic part is matched. Everything but KIND_REGEX is a fixed regular
# expression text that Werkzeug's own converters produce, re-implemented by
# hand in both matchers; KIND_REGEX runs ``re.compile(part.content).match``.
KIND_REGEX = 0
KIND_STRING = 1  # [^/]{m,n} / [^/]{m,} / [^/]{n}
KIND_INT = 2  # \d+
KIND_SIGNED_INT = 3  # -?\d+
KIND_FLOAT = 4  # \d+\.\d+
KIND_SIGNED_FLOAT = 5  # -?\d+\.\d+
KIND_UUID = 6
KIND_ANY = 7  # (?:a|b|c), a set of literals
KIND_PATH = 8  # [^/].*? in a final part

# How a captured value is converted.
CONVERT_IDENTITY = 0  # to_python is BaseConverter's identity
CONVERT_INT = 1  # IntegerConverter: parse, fixed_digits/min/max checks
CONVERT_CALL = 2  # anything else: converter.to_python(value)

# One converter group that is the whole part; the group name is fixed because
# it is the first (and only) converter of its part.
_PREFIX = "(?P<__werkzeug_0>"
_SUFFIX = r")\Z"

_FIXED_TEXTS = {
    IntegerConverter.regex: KIND_INT,
    "-?" + IntegerConverter.regex: KIND_SIGNED_INT,
    r"\d+\.\d+": KIND_FLOAT,
    r"-?\d+\.\d+": KIND_SIGNED_FLOAT,
    (
        r"[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-"
        r"[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}"
    ): KIND_UUID,
}

_STRING_RE = re.compile(r"\[\^/\]\{([0-9]+)(?:(,)([0-9]*))?\}", re.ASCII)

# Larger repeat counts go to ``re`` so that its own limits and errors apply.
_MAX_REPEAT = 65535


class PartSpec(t.NamedTuple):
    """How one dynamic part is matched."""

    kind: int
    minlen: int = 0
    maxlen: int = -1  # -1: unbounded
    items: frozenset[str] = frozenset()


_REGEX_SPEC = PartSpec(KIND_REGEX)


def _split_any(body: str) -> list[str] | None:
    """Undo ``"|".join(re.escape(item) for item in items)``, or ``None``."""
    items = []
    current: list[str] = []
    chars = iter(body)
    for char in chars:
        if char == "\\":
            char = next(chars, None)  # type: ignore[arg-type]
            if char is None:
                return None
            current.append(char)
        elif char == "|":
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    # Only accept text that re-escapes to itself: then every item is a
    # literal and the regex means exactly "equals one of the items".
    if "|".join(re.escape(item) for item in items) != body:
        return None
    return items


def _classify_string(inner: str) -> PartSpec | None:
    match = _STRING_RE.fullmatch(inner)
    if match is None:
        return None
    low_text, comma, high_text = match.groups()
    low = int(low_text)
    high = int(high_text) if high_text else -1
    if comma is None:
        high = low
    # Only the canonical spelling UnicodeConverter produces; leading zeros,
    # huge counts or min > max (a re.error) are left to ``re``.
    canonical = f"[^/]{{{low}}}" if comma is None else f"[^/]{{{low},{high_text}}}"
    if canonical != inner or low > _MAX_REPEAT or high > _MAX_REPEAT:
        return None
    if high != -1 and high < low:
        return None
    return PartSpec(KIND_STRING, low, high)


def classify_part(part: RulePart, domain_level: bool) -> PartSpec:
    """Return how the dynamic ``part`` can be matched.

    Classification is by the exact regular expression text in
    ``part.content``, so a custom converter that happens to use the same
    regex is matched the same way (the regex *is* the matching semantics);
    its own ``to_python`` is still called by :func:`conversion_plan`.

    ``domain_level`` parts are matched against the host or subdomain, which
    may hold any character, so they always use ``re``.
    """
    content = part.content
    if (
        domain_level
        or part.static
        or part.suffixed
        or not content.startswith(_PREFIX)
        or not content.endswith(_SUFFIX)
    ):
        return _REGEX_SPEC
    inner = content[len(_PREFIX) : -len(_SUFFIX)]
    if part.final:
        return PartSpec(KIND_PATH) if inner == PathConverter.regex else _REGEX_SPEC
    kind = _FIXED_TEXTS.get(inner)
    if kind is not None:
        return PartSpec(kind)
    spec = _classify_string(inner)
    if spec is not None:
        return spec
    if inner.startswith("(?:") and inner.endswith(")"):
        items = _split_any(inner[3:-1])
        if items is not None:
            return PartSpec(KIND_ANY, items=frozenset(items))
    return _REGEX_SPEC


def regex_group_names(pattern: re.Pattern[str]) -> list[str]:
    """The converter groups of a compiled part, in Werkzeug's order.

    Werkzeug sorts ``groupdict()`` items by name (so ``__werkzeug_10`` comes
    before ``__werkzeug_2``) and keeps names starting with ``__werkzeug_``.
    """
    return sorted(name for name in pattern.groupindex if name[:11] == "__werkzeug_")


class ConversionStep(t.NamedTuple):
    """How one value of a rule is converted."""

    name: str
    converter: t.Any
    code: int
    fixed_digits: int = 0
    min: int | None = None
    max: int | None = None


def _int_bound(value: t.Any) -> bool:
    return value is None or type(value) is int


def conversion_plan(rule: Rule) -> list[ConversionStep]:
    """Return the conversion steps of ``rule``, in Werkzeug's pairing order.

    Werkzeug pairs ``rule._converters`` keys with the captured values by
    position (``zip``), so the plan is in the dict's order. Only converters
    of the exact built-in types are fast-pathed; a subclass may override
    ``to_python``.
    """
    steps = []
    for name, converter in rule._converters.items():
        kind = type(converter)
        if kind is UnicodeConverter or kind is PathConverter or kind is AnyConverter:
            steps.append(ConversionStep(str(name), converter, CONVERT_IDENTITY))
        elif (
            kind is IntegerConverter
            and type(converter.fixed_digits) is int
            and _int_bound(converter.min)
            and _int_bound(converter.max)
        ):
            steps.append(
                ConversionStep(
                    str(name),
                    converter,
                    CONVERT_INT,
                    converter.fixed_digits,
                    converter.min,
                    converter.max,
                )
            )
        else:
            steps.append(ConversionStep(str(name), converter, CONVERT_CALL))
    return steps
