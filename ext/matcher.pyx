# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled URL matcher: Werkzeug's ``StateMachineMatcher``, typed.

Built as :mod:`fastmicro._ext.matcher`; the pure-Python twin with the same
algorithm and names is :mod:`fastmicro.routing._pymatcher`. Contract and
semantics are exactly those of :mod:`werkzeug.routing.matcher`: a trie of
states walked depth first with backtracking, static transitions before
dynamic ones sorted by part weight, then the conversion phase.

.. versionadded:: 0.1
"""
cimport cython
from cpython.long cimport PyLong_FromLongLong
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.set cimport PySet_Contains
from libc.string cimport memcmp
from cpython.unicode cimport (
    PyUnicode_DATA,
    PyUnicode_FindChar,
    PyUnicode_GET_LENGTH,
    PyUnicode_KIND,
    PyUnicode_READ,
    Py_UNICODE_ISDECIMAL,
)

import re

from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound
from werkzeug.routing.converters import ValidationError
from werkzeug.routing.exceptions import NoMatch
from werkzeug.routing.exceptions import RequestAliasRedirect
from werkzeug.routing.exceptions import RequestPath
from werkzeug.routing.exceptions import WebsocketMismatch

from fastmicro.routing.exceptions import NeedsFullMatch
from fastmicro.routing.rules import classify_part
from fastmicro.routing.rules import conversion_plan
from fastmicro.routing.rules import regex_group_names

__all__ = ["StateMachineMatcher", "Matcher", "map_match_path", "MAX_DEPTH"]

# Kinds and conversion codes: the values of fastmicro.routing.rules.
cdef enum:
    K_REGEX = 0
    K_STRING = 1
    K_INT = 2
    K_SIGNED_INT = 3
    K_FLOAT = 4
    K_SIGNED_FLOAT = 5
    K_UUID = 6
    K_ANY = 7
    K_PATH = 8
    C_IDENTITY = 0
    C_INT = 1
    C_CALL = 2
    # PERF: 18 decimal digits always fit a long long, parsed without int().
    MAX_FAST_DIGITS = 18

# Characters compared against Py_UCS4 values (plain ints keep it all C).
cdef enum:
    CH_NL = 10
    CH_DASH = 45
    CH_DOT = 46
    CH_SLASH = 47
    CH_0 = 48
    CH_9 = 57
    CH_A = 65
    CH_F = 70
    CH_a = 97
    CH_f = 102

#: Deepest trie walk allowed. The walk only gets deeper by following a rule's
#: parts, so the depth is bounded by the longest rule, never by the path;
#: this only guards the C stack against absurd rule tables.
MAX_DEPTH = 2000
cdef Py_ssize_t _MAX_DEPTH = MAX_DEPTH

_merge_re = re.compile("/{2,}")


class _SlashRequired(Exception):
    pass


cdef inline unsigned long long _hash_range(int kind, const void* data,
                                           Py_ssize_t start, Py_ssize_t end) noexcept:
    # FNV-1a over code points: the same for a key and for the equal range of
    # the path whatever their str kinds are.
    cdef unsigned long long h = 14695981039346656037ULL
    cdef Py_ssize_t i
    for i in range(start, end):
        h = (h ^ <unsigned long long>PyUnicode_READ(kind, data, i)) * 1099511628211ULL
    return h


cdef inline bint _equal_range(str key, int kind, const void* data,
                              Py_ssize_t start, Py_ssize_t end) noexcept:
    cdef Py_ssize_t n = end - start, i
    cdef int key_kind = PyUnicode_KIND(key)
    cdef const void* key_data = PyUnicode_DATA(key)
    if PyUnicode_GET_LENGTH(key) != n:
        return False
    if key_kind == kind:
        return memcmp(key_data, <const char*>data + start * kind, n * kind) == 0
    for i in range(n):
        if PyUnicode_READ(key_kind, key_data, i) != PyUnicode_READ(kind, data, start + i):
            return False
    return True


@cython.final
cdef class _Node:
    cdef dict static
    cdef list dynamic
    cdef list rules
    # PERF: most states have no static children; skip the lookup.
    cdef bint has_static
    # PERF: static children in an open-addressing table keyed by a hash of
    # the code points, looked up straight from the path's buffer: no
    # substring object, no siphash, no dict probe per segment.
    cdef list keys
    cdef list children
    cdef Py_ssize_t* slots
    cdef Py_ssize_t mask
    cdef bint table_ready

    def __cinit__(self):
        self.static = {}
        self.dynamic = []
        self.rules = []
        self.has_static = False
        self.slots = NULL
        self.table_ready = False

    def __dealloc__(self):
        PyMem_Free(self.slots)

    cdef int build_table(self) except -1:
        cdef Py_ssize_t size = 8, i, slot
        cdef str key
        while size < 2 * len(self.static):
            size *= 2
        PyMem_Free(self.slots)
        self.slots = NULL
        self.slots = <Py_ssize_t*>PyMem_Malloc(size * sizeof(Py_ssize_t))
        if self.slots == NULL:
            raise MemoryError()
        for i in range(size):
            self.slots[i] = -1
        self.mask = size - 1
        self.keys = list(self.static.keys())
        self.children = list(self.static.values())
        for i in range(len(self.keys)):
            key = self.keys[i]
            slot = <Py_ssize_t>(_hash_range(PyUnicode_KIND(key), PyUnicode_DATA(key), 0,
                                            PyUnicode_GET_LENGTH(key)) & <unsigned long long>self.mask)
            while self.slots[slot] != -1:
                slot = (slot + 1) & self.mask
            self.slots[slot] = i
        self.table_ready = True
        return 0

    cdef _Node lookup(self, int kind, const void* data, Py_ssize_t start, Py_ssize_t end):
        """The static child for the range [start, end) of a str, or None."""
        cdef Py_ssize_t slot, index
        if not self.table_ready:
            self.build_table()
        slot = <Py_ssize_t>(_hash_range(kind, data, start, end) & <unsigned long long>self.mask)
        while True:
            index = self.slots[slot]
            if index < 0:
                return None
            if _equal_range(<str>self.keys[index], kind, data, start, end):
                return <_Node>self.children[index]
            slot = (slot + 1) & self.mask


@cython.final
cdef class _Step:
    """One conversion of a rule (a ConversionStep with C fields)."""
    cdef str name
    cdef object converter
    cdef int code
    cdef object fixed_digits
    cdef object min
    cdef object max

    def __cinit__(self, step):
        self.name = step.name
        self.converter = step.converter
        self.code = step.code
        self.fixed_digits = step.fixed_digits
        self.min = step.min
        self.max = step.max


@cython.final
cdef class _RuleEntry:
    """What matching needs of a rule, read once at add time."""
    cdef readonly object rule
    cdef object methods
    cdef bint methods_is_set
    cdef object defaults
    cdef bint alias
    cdef bint websocket
    cdef bint strict_slashes
    cdef tuple steps
    cdef Py_ssize_t nsteps
    cdef bint all_identity
    cdef public bint full_match

    def __cinit__(self, rule):
        self.rule = rule
        self.methods = rule.methods
        self.methods_is_set = type(rule.methods) is set
        self.defaults = rule.defaults
        self.alias = bool(rule.alias)
        self.websocket = rule.websocket
        self.strict_slashes = rule.strict_slashes
        self.steps = tuple([_Step(step) for step in conversion_plan(rule)])
        self.nsteps = len(self.steps)
        self.all_identity = all([step.code == C_IDENTITY for step in conversion_plan(rule)])
        self.full_match = False


    cdef inline int has_method(self, object method) except -1:
        if self.methods_is_set:
            # PERF: straight to the set, not the generic "in".
            return PySet_Contains(self.methods, method)
        return method in self.methods


@cython.final
cdef class _Transition:
    cdef readonly object part
    cdef int kind
    cdef Py_ssize_t minlen
    cdef Py_ssize_t maxlen
    cdef frozenset items
    cdef bint final
    cdef bint suffixed
    cdef object pattern
    cdef object match
    cdef list names
    cdef _Node node

    def __cinit__(self, part, bint domain_level):
        spec = classify_part(part, domain_level)
        self.part = part
        self.kind = spec.kind
        self.minlen = spec.minlen
        self.maxlen = spec.maxlen
        self.items = spec.items
        self.final = part.final
        self.suffixed = part.suffixed
        self.pattern = None
        self.names = []
        self.node = _Node()

    cdef object compiled_match(self):
        # Compiled on first use, as Werkzeug compiles at match time: an
        # invalid regex then fails where Werkzeug's would, not at add().
        if self.match is None:
            pattern = re.compile(self.part.content)
            self.names = regex_group_names(pattern)
            self.match = pattern.match
        return self.match


cdef inline bint _decimal_run(int kind, const void* data, Py_ssize_t i, Py_ssize_t end) noexcept:
    """True if [i, end) is non-empty and all Unicode decimals (re's \\d)."""
    if i >= end:
        return False
    while i < end:
        if not Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, data, i)):
            return False
        i += 1
    return True


cdef inline bint _is_hex(Py_UCS4 c) noexcept:
    return (c >= CH_0 and c <= CH_9) or (c >= CH_a and c <= CH_f) or (c >= CH_A and c <= CH_F)


cdef bint _fast_match(_Transition tr, str path, int kind, const void* data,
                      Py_ssize_t start, Py_ssize_t end) except -1:
    """Match a whole-segment converter part on path[start:end] without re.

    The segment never holds "/", so [^/] is "any character".
    """
    cdef Py_ssize_t n = end - start, i
    cdef Py_UCS4 c
    cdef int k = tr.kind
    if k == K_STRING:
        return n >= tr.minlen and (tr.maxlen < 0 or n <= tr.maxlen)
    if k == K_INT:
        return _decimal_run(kind, data, start, end)
    if k == K_SIGNED_INT:
        if n > 0 and PyUnicode_READ(kind, data, start) == CH_DASH:
            start += 1
        return _decimal_run(kind, data, start, end)
    if k == K_FLOAT or k == K_SIGNED_FLOAT:
        if k == K_SIGNED_FLOAT and n > 0 and PyUnicode_READ(kind, data, start) == CH_DASH:
            start += 1
        # \d+ cannot take the ".", so: digits, exactly one ".", digits.
        i = start
        while i < end and PyUnicode_READ(kind, data, i) != CH_DOT:
            i += 1
        return _decimal_run(kind, data, start, i) and _decimal_run(kind, data, i + 1, end)
    if k == K_UUID:
        if n != 36:
            return False
        for i in range(36):
            c = PyUnicode_READ(kind, data, start + i)
            if i == 8 or i == 13 or i == 18 or i == 23:
                if c != CH_DASH:
                    return False
            elif not _is_hex(c):
                return False
        return True
    if k == K_ANY:
        return path[start:end] in tr.items
    return False


@cython.final
@cython.freelist(4)
cdef class _Search:
    """State of one walk: the input and what failed matches learned."""
    cdef str path
    cdef Py_ssize_t length
    cdef int kind
    cdef const void* data
    cdef str domain
    cdef object method
    cdef bint websocket
    cdef list values
    # PERF: the methods of rules refused for the method, as a list; the
    # set union is only made when NoMatch is raised.
    cdef list refused
    cdef bint websocket_mismatch

    cdef set have_match_for(self):
        cdef set result = set()
        if self.refused is not None:
            for methods in self.refused:
                result.update(methods)
        return result

    cdef inline void setup(self, str domain, str path, object method, bint websocket):
        self.path = path
        self.length = PyUnicode_GET_LENGTH(path)
        self.kind = PyUnicode_KIND(path)
        self.data = PyUnicode_DATA(path)
        self.domain = domain
        self.method = method
        self.websocket = websocket
        self.values = []

    cdef int accept(self, _RuleEntry entry) except -1:
        if entry.methods is not None and not entry.has_method(self.method):
            if self.refused is None:
                self.refused = []
            self.refused.append(entry.methods)
            return 0
        if entry.websocket != self.websocket:
            self.websocket_mismatch = True
            return 0
        return 1

    cdef _RuleEntry walk(self, _Node node, Py_ssize_t pos, Py_ssize_t depth):
        """Match from ``node`` with the rest of the input starting at ``pos``.

        ``pos == -1``: the domain is the current part. ``0 <= pos <= length``:
        the current part is the path segment starting at ``pos`` (so
        ``pos == length`` is Werkzeug's ``parts == [""]``). ``pos > length``:
        nothing is left (``parts == []``).
        """
        cdef Py_ssize_t length = self.length, end, nxt, after, mark
        cdef int kind = self.kind
        cdef const void* data = self.data
        cdef _RuleEntry entry, found
        cdef _Node child, slash
        cdef _Transition tr
        cdef str seg = None
        cdef object target, m, groups
        cdef list values

        if depth > _MAX_DEPTH:
            raise RecursionError("route table too deep to match")

        if pos > length:
            for entry in node.rules:
                if self.accept(entry):
                    return entry
            if node.has_static:
                slash = node.lookup(kind, data, 0, 0)
                if slash is not None:
                    for entry in slash.rules:
                        if entry.websocket == self.websocket and (
                            entry.methods is None or entry.has_method(self.method)
                        ):
                            if entry.strict_slashes:
                                raise _SlashRequired()
                            return entry
            return None

        if pos < 0:
            seg = self.domain
            end = 0
            nxt = 0
        else:
            # PERF: scan for "/" by index over the str's own buffer; no split
            # list, no per-segment objects unless a lookup needs one.
            end = pos
            while end < length and PyUnicode_READ(kind, data, end) != CH_SLASH:
                end += 1
            nxt = end + 1

        if node.has_static:
            if pos < 0:
                child = node.lookup(PyUnicode_KIND(seg), PyUnicode_DATA(seg), 0,
                                    PyUnicode_GET_LENGTH(seg))
            else:
                child = node.lookup(kind, data, pos, end)
            if child is not None:
                found = self.walk(child, nxt, depth + 1)
                if found is not None:
                    return found

        values = self.values
        for tr in node.dynamic:
            mark = len(values)
            after = nxt
            if tr.kind == K_REGEX:
                if tr.final:
                    # The rest of the input; for the domain Werkzeug joins it
                    # with the path parts by "/".
                    if pos >= 0:
                        target = self.path[pos:]
                    else:
                        target = self.domain + "/" + self.path
                    after = length + 1
                elif pos < 0:
                    target = seg
                else:
                    if seg is None:
                        seg = self.path[pos:end]
                    target = seg
                m = tr.compiled_match()(target)
                if m is None:
                    continue
                if tr.suffixed:
                    groups = m.groups()
                    if groups[len(groups) - 1] == "/":
                        after = length  # Werkzeug's remaining = [""]
                groups = m.groupdict()
                for name in tr.names:
                    values.append(groups[name])
            elif tr.kind == K_PATH:
                # PERF: [^/].*?\Z by hand: non-empty, no leading "/", and no
                # "\n" after the first character ("." does not match it).
                if pos >= length or PyUnicode_READ(kind, data, pos) == CH_SLASH:
                    continue
                if PyUnicode_FindChar(self.path, CH_NL, pos + 1, length, 1) >= 0:
                    continue
                values.append(self.path[pos:])
                after = length + 1
            elif _fast_match(tr, self.path, kind, data, pos, end):
                # PERF: the common converters are matched in C, no re.
                if seg is None:
                    seg = self.path[pos:end]
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


cdef object _parse_int(str value):
    """int(value) for a value that matched \\d+ or -?\\d+."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(value), i = 0
    cdef int kind = PyUnicode_KIND(value)
    cdef const void* data = PyUnicode_DATA(value)
    cdef long long acc = 0
    cdef bint negative = False
    cdef Py_UCS4 c
    if n > 0 and PyUnicode_READ(kind, data, 0) == CH_DASH:
        negative = True
        i = 1
    # PERF: ASCII digits that fit a long long are parsed here; non-ASCII
    # decimals (int() accepts them) and long numbers go to int().
    if n - i == 0 or n - i > MAX_FAST_DIGITS:
        return int(value)
    while i < n:
        c = PyUnicode_READ(kind, data, i)
        if c < CH_0 or c > CH_9:
            return int(value)
        acc = acc * 10 + (<long long>c - CH_0)
        i += 1
    return PyLong_FromLongLong(-acc if negative else acc)


cdef dict _convert(_RuleEntry entry, list values, _Search search):
    cdef dict result = {}
    cdef Py_ssize_t i, n = len(values)
    cdef object value, number
    cdef _Step step
    if n > entry.nsteps:
        n = entry.nsteps  # zip() stops at the shorter
    for i in range(n):
        step = <_Step>entry.steps[i]
        value = values[i]
        if entry.all_identity or step.code == C_IDENTITY:
            # PERF: UnicodeConverter/PathConverter/AnyConverter.to_python is
            # the identity; no call.
            result[step.name] = value
            continue
        if step.code == C_INT and type(value) is str:
            # PERF: IntegerConverter.to_python without the Python call.
            if step.fixed_digits and len(value) != step.fixed_digits:
                raise NoMatch(search.have_match_for(), search.websocket_mismatch)
            number = _parse_int(value)
            if (step.min is not None and number < step.min) or (
                step.max is not None and number > step.max
            ):
                raise NoMatch(search.have_match_for(), search.websocket_mismatch)
            result[step.name] = number
            continue
        try:
            value = step.converter.to_python(value)
        except ValidationError:
            raise NoMatch(search.have_match_for(), search.websocket_mismatch) from None
        result[step.name] = value
    rule = entry.rule
    if entry.defaults:
        result.update(entry.defaults)
    if entry.alias and rule.map.redirect_defaults:
        raise RequestAliasRedirect(result, rule.endpoint)
    return result


cdef bint _has_double_slash(str path):
    cdef Py_ssize_t i, n = PyUnicode_GET_LENGTH(path)
    cdef int kind = PyUnicode_KIND(path)
    cdef const void* data = PyUnicode_DATA(path)
    for i in range(1, n):
        if PyUnicode_READ(kind, data, i) == CH_SLASH and PyUnicode_READ(kind, data, i - 1) == CH_SLASH:
            return True
    return False


cdef class StateMachineMatcher:
    """Werkzeug's matcher contract, see :mod:`werkzeug.routing.matcher`.

    .. versionadded:: 0.1
    """
    cdef _Node _root
    cdef list _entries
    cdef public object merge_slashes

    def __init__(self, merge_slashes):
        self._root = _Node()
        self._entries = []
        self.merge_slashes = merge_slashes

    def add(self, rule):
        """Add a bound ``rule``; parts equal to an existing transition share it."""
        cdef _Node node = self._root, child
        cdef _Transition tr
        cdef _RuleEntry entry
        for index, part in enumerate(rule._parts):
            if part.static:
                child = node.static.get(part.content)
                if child is None:
                    child = _Node()
                    node.static[part.content] = child
                    node.has_static = True
                    node.table_ready = False
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

    def update(self):
        """Sort every state's dynamic transitions by weight (stable)."""
        cdef _Node node
        cdef _Transition tr
        stack = [self._root]
        while stack:
            node = stack.pop()
            node.dynamic.sort(key=_weight)
            stack.extend(node.static.values())
            for tr in node.dynamic:
                stack.append(tr.node)

    def set_full_match_rules(self, rules):
        """Mark the rules :func:`map_match_path` must hand to ``MapAdapter``."""
        cdef _RuleEntry entry
        ids = {id(rule) for rule in rules}
        for entry in self._entries:
            entry.full_match = id(entry.rule) in ids

    cdef tuple _match_entry(self, str domain, str path, object method, bint websocket):
        cdef _Search search = _Search.__new__(_Search)
        cdef _Search retry
        cdef _RuleEntry found
        search.setup(domain, path, method, websocket)
        try:
            found = search.walk(self._root, -1, 0)
        except _SlashRequired:
            raise RequestPath(f"{path}/") from None
        if found is not None:
            if found.nsteps == 0 and not found.defaults and not found.alias:
                return found, {}
            return found, _convert(found, search.values, search)
        # PERF: merging changes nothing when there is no "//": the same walk
        # would fail the same way, so skip it.
        if self.merge_slashes and _has_double_slash(path):
            path = _merge_re.sub("/", path)
            retry = _Search.__new__(_Search)
            retry.setup(domain, path, method, websocket)
            retry.refused = search.refused
            retry.websocket_mismatch = search.websocket_mismatch
            try:
                found = retry.walk(self._root, -1, 0)
            except _SlashRequired:
                raise RequestPath(f"{path}/") from None
            if found is not None and found.rule.merge_slashes is not False:
                raise RequestPath(path)
            search = retry
        raise NoMatch(search.have_match_for(), search.websocket_mismatch)

    def _match_entry_py(self, domain, path, method, websocket):
        return self._match_entry(domain, path, method, websocket)

    def match(self, str domain, str path, method, websocket):
        """Return ``(rule, values)`` or raise ``NoMatch``, ``RequestPath`` or
        ``RequestAliasRedirect``, exactly as Werkzeug's matcher."""
        cdef tuple result = self._match_entry(domain, path, method, bool(websocket))
        return (<_RuleEntry>result[0]).rule, result[1]


def _weight(_Transition tr):
    return tr.part.weight


Matcher = StateMachineMatcher


def map_match_path(map, str path_info, str method, str domain=""):
    """Implementation of :meth:`fastmicro.routing.Map.match_path`."""
    cdef StateMachineMatcher matcher
    cdef tuple result
    cdef _RuleEntry entry
    cdef str path
    if map._remap:
        map.update()
    matcher = map._matcher
    if not path_info:
        path = ""
    elif PyUnicode_READ(PyUnicode_KIND(path_info), PyUnicode_DATA(path_info), 0) == CH_SLASH and (
        PyUnicode_GET_LENGTH(path_info) == 1
        or PyUnicode_READ(PyUnicode_KIND(path_info), PyUnicode_DATA(path_info), 1) != CH_SLASH
    ):
        # PERF: the usual PATH_INFO already is "/" + path_info.lstrip("/").
        path = path_info
    else:
        path = "/" + path_info.lstrip("/")
    try:
        result = matcher._match_entry(domain, path, method, False)
    except NoMatch as exc:
        if exc.have_match_for:
            raise MethodNotAllowed(valid_methods=list(exc.have_match_for)) from None
        if exc.websocket_mismatch:
            raise WebsocketMismatch() from None
        raise NotFound() from None
    except (RequestPath, RequestAliasRedirect):
        raise NeedsFullMatch() from None
    entry = <_RuleEntry>result[0]
    if entry.full_match:
        raise NeedsFullMatch()
    return entry.rule, result[1]
