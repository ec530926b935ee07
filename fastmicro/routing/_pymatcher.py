"""Pure-Python twin of :mod:`fastmicro._ext.matcher` (``ext/matcher.pyx``).

A drop-in replacement for Werkzeug's ``StateMachineMatcher`` with exactly its
contract (``add``, ``update``, ``match``, ``merge_slashes``) and semantics. The
algorithm is the compiled module's, line for line: a trie of states walked
depth first with backtracking, over the path by index instead of a list of
split segments, with the common converters matched without ``re``.

.. versionadded:: 0.1
"""
from __future__ import annotations

import re
import typing as t

from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound
from werkzeug.routing.converters import ValidationError
from werkzeug.routing.exceptions import NoMatch
from werkzeug.routing.exceptions import RequestAliasRedirect
from werkzeug.routing.exceptions import RequestPath
from werkzeug.routing.exceptions import WebsocketMismatch

from .exceptions import NeedsFullMatch
from .rules import CONVERT_CALL
from .rules import CONVERT_IDENTITY
from .rules import KIND_ANY
from .rules import KIND_FLOAT
from .rules import KIND_INT
from .rules import KIND_PATH
from .rules import KIND_REGEX
from .rules import KIND_SIGNED_FLOAT
from .rules import KIND_SIGNED_INT
from .rules import KIND_STRING
from .rules import KIND_UUID
from .rules import classify_part
from .rules import conversion_plan
from .rules import regex_group_names

if t.TYPE_CHECKING:
    from werkzeug.routing import Map
    from werkzeug.routing import Rule

__all__ = ["StateMachineMatcher", "Matcher", "map_match_path", "MAX_DEPTH"]

#: Deepest trie walk allowed. The depth is bounded by the longest rule (a
#: path never makes it deeper), so this only guards absurd rule tables.
MAX_DEPTH = 2000

_MERGE_RE = re.compile("/{2,}")
_HEX = frozenset("0123456789abcdefABCDEF")


class _SlashRequired(Exception):
    pass


class _Node:
    __slots__ = ("static", "dynamic", "rules")

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        self.dynamic: list[_Transition] = []
        self.rules: list[_RuleEntry] = []


class _RuleEntry:
    """What matching needs of a rule, read once at add time."""

    __slots__ = ("rule", "methods", "websocket", "strict_slashes", "steps", "full_match")

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.methods = rule.methods
        self.websocket = rule.websocket
        self.strict_slashes = rule.strict_slashes
        self.steps = conversion_plan(rule)
        self.full_match = False


class _Transition:
    __slots__ = (
        "part", "kind", "minlen", "maxlen", "items", "final", "suffixed",
        "pattern", "names", "node",
    )

    def __init__(self, part: t.Any, domain_level: bool) -> None:
        spec = classify_part(part, domain_level)
        self.part = part
        self.kind = spec.kind
        self.minlen = spec.minlen
        self.maxlen = spec.maxlen
        self.items = spec.items
        self.final = part.final
        self.suffixed = part.suffixed
        # Compiled on first use, as Werkzeug compiles at match time: an
        # invalid regex then fails where Werkzeug's would, not at add().
        self.pattern: re.Pattern[str] | None = None
        self.names: list[str] = []
        self.node = _Node()

    def compiled(self) -> re.Pattern[str]:
        if self.pattern is None:
            pattern = re.compile(self.part.content)
            self.names = regex_group_names(pattern)
            self.pattern = pattern
        return self.pattern


def _is_float(seg: str) -> bool:
    whole, dot, frac = seg.partition(".")
    return bool(dot) and whole.isdecimal() and frac.isdecimal()


def _fast_match(tr: _Transition, seg: str) -> bool:
    """Match a whole-segment converter part without ``re``.

    ``str.isdecimal`` is exactly ``re``'s ``\\d`` for str patterns (Unicode
    category Nd), so this agrees with the regex on every input.
    """
    kind = tr.kind
    if kind == KIND_STRING:
        return len(seg) >= tr.minlen and (tr.maxlen < 0 or len(seg) <= tr.maxlen)
    if kind == KIND_INT:
        return seg.isdecimal()
    if kind == KIND_SIGNED_INT:
        return (seg[1:] if seg[:1] == "-" else seg).isdecimal()
    if kind == KIND_FLOAT:
        return _is_float(seg)
    if kind == KIND_SIGNED_FLOAT:
        return _is_float(seg[1:] if seg[:1] == "-" else seg)
    if kind == KIND_UUID:
        return (
            len(seg) == 36
            and seg[8] == seg[13] == seg[18] == seg[23] == "-"
            and all(c in _HEX for c in seg.replace("-", "", 4))
        )
    # KIND_ANY
    return seg in tr.items


class _Search:
    """State of one walk: the input and what failed matches learned."""

    __slots__ = ("path", "length", "domain", "method", "websocket", "values",
                 "have_match_for", "websocket_mismatch")

    def __init__(self, domain: str, path: str, method: str, websocket: bool) -> None:
        self.path = path
        self.length = len(path)
        self.domain = domain
        self.method = method
        self.websocket = websocket
        self.values: list[t.Any] = []
        self.have_match_for: set[str] = set()
        self.websocket_mismatch = False

    def accept(self, entry: _RuleEntry) -> bool:
        if entry.methods is not None and self.method not in entry.methods:
            self.have_match_for.update(entry.methods)
            return False
        if entry.websocket != self.websocket:
            self.websocket_mismatch = True
            return False
        return True

    def walk(self, node: _Node, pos: int, depth: int) -> _RuleEntry | None:
        """Match from ``node`` with the rest of the input starting at ``pos``.

        ``pos == -1``: the domain is the current part. ``0 <= pos <= length``:
        the current part is the path segment starting at ``pos`` (so
        ``pos == length`` is Werkzeug's ``parts == [""]``). ``pos > length``:
        nothing is left (``parts == []``).
        """
        if depth > MAX_DEPTH:
            raise RecursionError("route table too deep to match")
        path = self.path
        length = self.length
        if pos > length:
            for entry in node.rules:
                if self.accept(entry):
                    return entry
            slash = node.static.get("")
            if slash is not None:
                for entry in slash.rules:
                    if entry.websocket == self.websocket and (
                        entry.methods is None or self.method in entry.methods
                    ):
                        if entry.strict_slashes:
                            raise _SlashRequired()
                        return entry
            return None

        if pos < 0:
            seg = self.domain
            nxt = 0
        else:
            end = path.find("/", pos)
            if end < 0:
                end = length
            seg = path[pos:end]
            nxt = end + 1

        child = node.static.get(seg)
        if child is not None:
            found = self.walk(child, nxt, depth + 1)
            if found is not None:
                return found

        values = self.values
        for tr in node.dynamic:
            mark = len(values)
            after = nxt
            if tr.kind == KIND_REGEX:
                if tr.final:
                    # The rest of the input; for the domain Werkzeug joins
                    # it with the path parts by "/".
                    target = path[pos:] if pos >= 0 else self.domain + "/" + path
                    after = length + 1
                else:
                    target = seg
                match = tr.compiled().match(target)
                if match is None:
                    continue
                if tr.suffixed and match.groups()[-1] == "/":
                    after = length  # Werkzeug's remaining = [""]
                groups = match.groupdict()
                for name in tr.names:
                    values.append(groups[name])
            elif tr.kind == KIND_PATH:
                # [^/].*? then \Z: non-empty, no leading "/", and "." does
                # not match "\n" after the first character.
                if pos >= length or path[pos] == "/" or path.find("\n", pos + 1) >= 0:
                    continue
                values.append(path[pos:])
                after = length + 1
            elif _fast_match(tr, seg):
                values.append(seg)
            else:
                continue
            found = self.walk(tr.node, after, depth + 1)
            if found is not None:
                return found
            del values[mark:]

        if pos == length:
            for entry in node.rules:
                if entry.strict_slashes:
                    continue
                if self.accept(entry):
                    return entry
        return None


def _convert(entry: _RuleEntry, values: list[t.Any], search: _Search) -> dict[str, t.Any]:
    result: dict[str, t.Any] = {}
    for step, value in zip(entry.steps, values):
        if step.code == CONVERT_IDENTITY:
            result[step.name] = value
            continue
        try:
            if step.code == CONVERT_CALL:
                value = step.converter.to_python(value)
            else:
                value = _to_int(step, value)
        except ValidationError:
            raise NoMatch(search.have_match_for, search.websocket_mismatch) from None
        result[step.name] = value
    rule = entry.rule
    if rule.defaults:
        result.update(rule.defaults)
    if rule.alias and rule.map.redirect_defaults:
        raise RequestAliasRedirect(result, rule.endpoint)
    return result


def _to_int(step: t.Any, value: str) -> int:
    # IntegerConverter.to_python with its options read once at add time.
    if step.fixed_digits and len(value) != step.fixed_digits:
        raise ValidationError()
    number = int(value)
    if (step.min is not None and number < step.min) or (
        step.max is not None and number > step.max
    ):
        raise ValidationError()
    return number


class StateMachineMatcher:
    """Werkzeug's matcher contract, see :mod:`werkzeug.routing.matcher`.

    .. versionadded:: 0.1
    """

    def __init__(self, merge_slashes: bool) -> None:
        self._root = _Node()
        self.merge_slashes = merge_slashes
        self._entries: list[_RuleEntry] = []

    def add(self, rule: Rule) -> None:
        """Add a bound ``rule``; parts equal to an existing transition share it."""
        node = self._root
        for index, part in enumerate(rule._parts):
            if part.static:
                child = node.static.get(part.content)
                if child is None:
                    child = node.static[part.content] = _Node()
                node = child
                continue
            for tr in node.dynamic:
                if tr.part == part:
                    break
            else:
                tr = _Transition(part, index == 0)
                node.dynamic.append(tr)
            node = tr.node
        entry = _RuleEntry(rule)
        node.rules.append(entry)
        self._entries.append(entry)

    def update(self) -> None:
        """Sort every state's dynamic transitions by weight (stable)."""
        stack = [self._root]
        while stack:
            node = stack.pop()
            node.dynamic.sort(key=lambda tr: tr.part.weight)
            stack.extend(node.static.values())
            stack.extend(tr.node for tr in node.dynamic)

    def set_full_match_rules(self, rules: t.Iterable[Rule]) -> None:
        """Mark the rules :func:`map_match_path` must hand to ``MapAdapter``."""
        ids = {id(rule) for rule in rules}
        for entry in self._entries:
            entry.full_match = id(entry.rule) in ids

    def _match_entry(
        self, domain: str, path: str, method: str, websocket: bool
    ) -> tuple[_RuleEntry, dict[str, t.Any]]:
        search = _Search(domain, path, method, websocket)
        try:
            found = search.walk(self._root, -1, 0)
        except _SlashRequired:
            raise RequestPath(f"{path}/") from None
        if found is not None:
            return found, _convert(found, search.values, search)
        # Merging changes nothing when there is no "//": the same walk
        # would fail the same way, so skip it.
        if self.merge_slashes and "//" in path:
            path = _MERGE_RE.sub("/", path)
            retry = _Search(domain, path, method, websocket)
            retry.have_match_for = search.have_match_for
            retry.websocket_mismatch = search.websocket_mismatch
            try:
                found = retry.walk(self._root, -1, 0)
            except _SlashRequired:
                raise RequestPath(f"{path}/") from None
            if found is not None and found.rule.merge_slashes is not False:
                raise RequestPath(path)
            search = retry
        raise NoMatch(search.have_match_for, search.websocket_mismatch)

    def match(
        self, domain: str, path: str, method: str, websocket: bool
    ) -> tuple[Rule, t.MutableMapping[str, t.Any]]:
        """Return ``(rule, values)`` or raise ``NoMatch``, ``RequestPath`` or
        ``RequestAliasRedirect``, exactly as Werkzeug's matcher."""
        entry, values = self._match_entry(domain, path, method, websocket)
        return entry.rule, values


Matcher = StateMachineMatcher


def map_match_path(
    map: Map, path_info: str, method: str, domain: str = ""
) -> tuple[Rule, dict[str, t.Any]]:
    """Implementation of :meth:`fastmicro.routing.Map.match_path`."""
    if map._remap:
        map.update()
    path = "/" + path_info.lstrip("/") if path_info else ""
    try:
        entry, values = map._matcher._match_entry(domain, path, method, False)
    except NoMatch as exc:
        error = _no_match_error(exc)
    except (RequestPath, RequestAliasRedirect):
        raise NeedsFullMatch() from None
    else:
        if entry.full_match:
            raise NeedsFullMatch()
        return entry.rule, values
    # Raised outside the except block, as the compiled twin does: no
    # __context__ (Werkzeug's adapter raises it "from None" inside).
    raise error from None


def _no_match_error(exc: NoMatch) -> Exception:
    if exc.have_match_for:
        return MethodNotAllowed(valid_methods=list(exc.have_match_for))
    if exc.websocket_mismatch:
        return WebsocketMismatch()
    return NotFound()
