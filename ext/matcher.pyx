# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled URL matcher: Werkzeug's ``StateMachineMatcher``, typed.

Built as :mod:`fastmicro._ext.matcher`; the pure-Python twin with the same
algorithm and names is :mod:`fastmicro.routing._pymatcher`. Contract and
semantics are exactly those of :mod:`werkzeug.routing.matcher`: a trie of
states walked depth first with backtracking, static transitions before
dynamic ones sorted by part weight, then the conversion phase.

Rules are added to a tree of Python objects (``_Node``, ``_Transition``,
``_RuleEntry``), which own everything. Before the first match after a change
the tree is *frozen* into C structs (``CNode``, ``CTrans``, ``CRule``,
``CKey``) holding borrowed pointers into it, and matching walks only those:
no reference counting, no Python objects but the ones returned.

.. versionadded:: 0.1
"""
cimport cython
from cpython.dict cimport PyDict_Copy, PyDict_GetItem, PyDict_SetItem
from cpython.list cimport PyList_Append
from cpython.long cimport PyLong_FromLongLong
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.object cimport PyObject, PyTypeObject, Py_TYPE
from cpython.pycapsule cimport PyCapsule_New
from cpython.ref cimport Py_INCREF, Py_REFCNT, Py_XDECREF
from cpython.sequence cimport PySequence_Contains
from cpython.set cimport PySet_Contains
from libc.string cimport memchr, memcmp, memcpy, memset
from cpython.unicode cimport (
    PyUnicode_DATA,
    PyUnicode_FindChar,
    PyUnicode_GET_LENGTH,
    PyUnicode_KIND,
    PyUnicode_New,
    PyUnicode_READ,
    PyUnicode_Substring,
    Py_UNICODE_ISDECIMAL,
)

import re

from werkzeug.exceptions import HTTPException
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

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object o)
    PyObject* Py_False

cdef extern from *:
    """
    /* The instance dict of o (borrowed), or NULL when it has none or this
       CPython is not known to expose it cheaply. */
    static PyObject *__fm_instance_dict(PyObject *o) {
    #if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000 && !defined(PYPY_VERSION)
        PyObject **p = _PyObject_GetDictPtr(o);
        return p ? *p : NULL;
    #else
        (void)o;
        return NULL;
    #endif
    }
    /* 1 if no class in tp's MRO defines either name (so the instance dict
       alone decides both attributes). */
    static int __fm_type_plain(PyTypeObject *tp, PyObject *a, PyObject *b) {
        return _PyType_Lookup(tp, a) == NULL && _PyType_Lookup(tp, b) == NULL;
    }
    /* The attribute name of tp's MRO (borrowed), or NULL. */
    static PyObject *__fm_type_attr(PyTypeObject *tp, PyObject *name) {
        return _PyType_Lookup(tp, name);
    }
    static unsigned int __fm_type_tag(PyTypeObject *tp) {
        return tp->tp_version_tag;
    }
    /* Changes whenever the dict does; unique among all dicts (3.11). */
    static unsigned long long __fm_dict_version(PyObject *d) {
    #if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000 && !defined(PYPY_VERSION)
        return (unsigned long long)((PyDictObject *)d)->ma_version_tag;
    #else
        (void)d;
        return 0;
    #endif
    }
    /* The bit of a standard method name (an exact str), 0 for any other. */
    static unsigned int __fm_method_bit(PyObject *m) {
        const char *p;
        if (!PyUnicode_IS_ASCII(m))
            return 0;
        p = (const char *)PyUnicode_1BYTE_DATA(m);
        switch (PyUnicode_GET_LENGTH(m)) {
        case 3:
            if (memcmp(p, "GET", 3) == 0) return 1u << 0;
            if (memcmp(p, "PUT", 3) == 0) return 1u << 3;
            return 0;
        case 4:
            if (memcmp(p, "HEAD", 4) == 0) return 1u << 1;
            if (memcmp(p, "POST", 4) == 0) return 1u << 2;
            return 0;
        case 5:
            if (memcmp(p, "PATCH", 5) == 0) return 1u << 5;
            if (memcmp(p, "TRACE", 5) == 0) return 1u << 7;
            return 0;
        case 6:
            return memcmp(p, "DELETE", 6) == 0 ? 1u << 4 : 0;
        case 7:
            if (memcmp(p, "OPTIONS", 7) == 0) return 1u << 6;
            if (memcmp(p, "CONNECT", 7) == 0) return 1u << 8;
            return 0;
        }
        return 0;
    }
    /* PERF: a values dict is a copy of the rule's template (its step
       names, values None; one memcpy of the keys table, no hashing, no
       insertion), whose values are then replaced in place by position.
       CPython 3.11's dict layout, mirrored here and checked at import by
       _check_fast_dict(); elsewhere the copy is not used. */
    typedef struct {
        Py_ssize_t dk_refcnt;
        uint8_t dk_log2_size;
        uint8_t dk_log2_index_bytes;
        uint8_t dk_kind;
        uint32_t dk_version;
        Py_ssize_t dk_usable;
        Py_ssize_t dk_nentries;
        char dk_indices[];
    } __fm_dict_keys;
    typedef struct { PyObject *me_key; PyObject *me_value; } __fm_unicode_entry;
    static int __fm_fast_dict_layout(void) {
    #if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000 && !defined(PYPY_VERSION)
        return 1;
    #else
        return 0;
    #endif
    }
    /* The dict's entry array if it is a combined dict of n str keys in
       order (no deleted entries), else NULL. */
    static __fm_unicode_entry *__fm_dict_entries(PyObject *d, Py_ssize_t n) {
    #if PY_VERSION_HEX >= 0x030B0000 && PY_VERSION_HEX < 0x030C0000 && !defined(PYPY_VERSION)
        PyDictObject *mp = (PyDictObject *)d;
        __fm_dict_keys *k = (__fm_dict_keys *)mp->ma_keys;
        if (mp->ma_values != NULL || k->dk_kind == 0 || k->dk_nentries != n || mp->ma_used != n)
            return NULL;
        return (__fm_unicode_entry *)(k->dk_indices + ((size_t)1 << k->dk_log2_index_bytes));
    #else
        (void)d; (void)n;
        return NULL;
    #endif
    }
    /* Set the value of entry i of a fresh copy (steals value). */
    static inline void __fm_dict_fill(__fm_unicode_entry *e, Py_ssize_t i, PyObject *value) {
        PyObject *old = e[i].me_value;
        e[i].me_value = value;
        Py_DECREF(old);
    }
    /* PERF: (a, b) as map_match_path's result. The last result tuple is
       kept; when nothing else holds it any more (the caller unpacked and
       dropped it) it is refilled instead of allocating a new one, as
       zip() and enumerate() reuse theirs: no tuple can be seen changing. */
    static PyObject *__fm_result = NULL;
    static PyObject *__fm_pair(PyObject *a, PyObject *b) {
        PyObject *t = __fm_result, *oa, *ob;
        if (t != NULL && Py_REFCNT(t) == 1) {
            /* The caller's reference first: a call re-entered while the old
               items are released sees the tuple shared. */
            Py_INCREF(t);
            oa = PyTuple_GET_ITEM(t, 0);
            ob = PyTuple_GET_ITEM(t, 1);
            Py_INCREF(a);
            Py_INCREF(b);
            PyTuple_SET_ITEM(t, 0, a);
            PyTuple_SET_ITEM(t, 1, b);
            if (!PyObject_GC_IsTracked(t))
                PyObject_GC_Track(t);
            Py_DECREF(oa);
            Py_DECREF(ob);
            return t;
        }
        oa = t;  /* the previous one, shared: only the cache's reference */
        t = PyTuple_Pack(2, a, b);
        if (t == NULL)
            return NULL;
        Py_INCREF(t);
        __fm_result = t;
        Py_XDECREF(oa);
        return t;
    }
    /* Drop the values of the kept result tuple if nothing else holds it, so
       that its dict is free to be refilled by _convert_fast. */
    static inline void __fm_release_result(void) {
        PyObject *t = __fm_result, *old;
        if (t != NULL && Py_REFCNT(t) == 1) {
            old = PyTuple_GET_ITEM(t, 1);
            if (old != Py_None) {
                Py_INCREF(Py_None);
                PyTuple_SET_ITEM(t, 1, Py_None);
                Py_DECREF(old);
            }
        }
    }
    static PyObject *__fm_tp_new(PyObject *tp, PyObject *args) {
        return ((PyTypeObject *)tp)->tp_new((PyTypeObject *)tp, args, NULL);
    }
    """
    PyObject* __fm_instance_dict(PyObject* o)
    int __fm_type_plain(PyTypeObject* tp, PyObject* a, PyObject* b)
    PyObject* __fm_type_attr(PyTypeObject* tp, object name)
    unsigned int __fm_type_tag(PyTypeObject* tp)
    unsigned long long __fm_dict_version(PyObject* d)
    object __fm_tp_new(object tp, object args)
    object __fm_pair(object a, object b)
    void __fm_release_result()
    ctypedef struct __fm_unicode_entry:
        PyObject* me_key
        PyObject* me_value
    int __fm_fast_dict_layout()
    __fm_unicode_entry* __fm_dict_entries(object d, Py_ssize_t n)
    void __fm_dict_fill(__fm_unicode_entry* e, Py_ssize_t i, PyObject* value) noexcept
    unsigned int __fm_method_bit(PyObject* m)

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
    # PERF: captures live in the walk's stack frame unless a rule has more.
    INLINE_CAPTURES = 16
    LINEAR_KEYS = 4

# Results of a walk.
cdef enum:
    W_NONE = 0
    W_FOUND = 1
    W_SLASH_REQUIRED = 2  # Werkzeug's SlashRequired: stop, RequestPath

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

cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    static inline uint64_t fm_load_le64(const unsigned char *p) {
        uint64_t w;
        memcpy(&w, p, 8);
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        w = __builtin_bswap64(w);
    #endif
        return w;
    }
    /* The first n <= 8 bytes at p as a little-endian word, zero padded;
       8 bytes must be readable at p. */
    static inline uint64_t fm_prefix8(const unsigned char *p, Py_ssize_t n) {
        uint64_t w = fm_load_le64(p);
        return n >= 8 ? w : (w & ((1ULL << (8 * n)) - 1));
    }
    /* The hash of a static segment of a 1-byte str (only those are in the
       hash tables: a segment of a 1-byte path cannot equal a wider key):
       its bytes in 8-byte little-endian chunks, the last one zero padded
       (empty when the length is a multiple of 8), mixed in turn. */
    #define FM_SEED 0x243F6A8885A308D3ULL
    #define FM_ONES 0x0101010101010101ULL
    #define FM_HIGHS 0x8080808080808080ULL
    #define FM_SLASHES 0x2F2F2F2F2F2F2F2FULL
    static inline uint64_t fm_mix(uint64_t h, uint64_t w) {
        h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
        return h ^ (h >> 32);
    }
    static uint64_t fm_hash1(const unsigned char *p, Py_ssize_t n) {
        uint64_t h = FM_SEED, w = 0;
        Py_ssize_t i = 0, j;
        for (; n - i >= 8; i += 8)
            h = fm_mix(h, fm_load_le64(p + i));
        for (j = 0; i + j < n; j++)
            w |= (uint64_t)p[i + j] << (8 * j);
        return fm_mix(h, w);
    }
    /* The 8 bytes of the 1-byte str data (length bytes) at pos, where
       the end of the str reads as "/" (and what follows as anything). */
    static inline uint64_t fm_word_at(const unsigned char *data, Py_ssize_t pos,
                                      Py_ssize_t length) {
        Py_ssize_t r = length - pos, j;
        uint64_t w;
        if (r >= 8)
            return fm_load_le64(data + pos);
        if (r == 0)
            w = 0;
        else if (length >= 8)
            w = fm_load_le64(data + length - 8) >> (8 * (8 - r));
        else
            for (w = 0, j = 0; j < r; j++)
                w |= (uint64_t)data[pos + j] << (8 * j);
        return w | ((uint64_t)'/' << (8 * r));
    }
    /* The end of the segment of the 1-byte str data (length bytes) at pos
       (the next "/" or length) and its fm_hash1, a word at a time.
       PERF: the "/" is found in each word without a branch per byte (the
       lowest zero byte of word ^ "////////"), and the string's end reads as
       a "/"; a short tail is one load ending at the string's end. */
    static inline Py_ssize_t fm_scan1(const unsigned char *data, Py_ssize_t pos,
                                      Py_ssize_t length, unsigned long long *hash) {
        uint64_t h = FM_SEED, w, x, z;
        Py_ssize_t i = 0, k;
        for (;;) {
            w = fm_word_at(data, pos + i, length);
            x = w ^ FM_SLASHES;
            z = (x - FM_ONES) & ~x & FM_HIGHS;
            if (z) {
                k = __builtin_ctzll(z) >> 3;
                w = k ? (w & (~0ULL >> (64 - 8 * k))) : 0;
                *hash = fm_mix(h, w);
                return pos + i + k;
            }
            h = fm_mix(h, w);
            i += 8;
        }
    }
    """
    Py_ssize_t fm_scan1(const unsigned char* data, Py_ssize_t pos, Py_ssize_t length, unsigned long long* hash) noexcept
    unsigned long long fm_prefix8(const unsigned char* p, Py_ssize_t n) noexcept
    unsigned long long fm_hash1(const unsigned char* p, Py_ssize_t n) noexcept
    unsigned long long fm_word_at(const unsigned char* data, Py_ssize_t pos, Py_ssize_t length) noexcept

#: Deepest trie walk allowed. The walk only gets deeper by following a rule's
#: parts, so the depth is bounded by the longest rule, never by the path;
#: this only guards the C stack against absurd rule tables.
MAX_DEPTH = 2000
cdef Py_ssize_t _MAX_DEPTH = MAX_DEPTH

_merge_re = re.compile("/{2,}")


# ---------------------------------------------------------------------------
# The frozen trie: C structs with pointers borrowed from the Python tree.

cdef struct CNode
cdef struct CTrans

ctypedef struct CKey:
    # A static transition: its text (borrowed from the key str) and hash.
    unsigned long long hash
    Py_ssize_t length
    int kind
    const void* data
    # PERF: a 1-byte key of up to 8 bytes is compared as one word, held
    # here: neither the key str nor a byte loop is touched.
    unsigned long long word
    bint word_key
    bint has_slash       # never a path segment (only a whole domain)
    CNode* child
    # PERF: a 1-byte key of up to 7 bytes without "/", for a linear node:
    # its bytes and a "/" after them (wslash) under a mask of that many
    # bytes, compared with the path's word at the segment (where the end
    # of the path reads as "/"): the key and the end of the segment in one
    # comparison. short_key: wslash and wmask are set.
    unsigned long long wslash
    unsigned long long wmask
    bint short_key

ctypedef struct CRule:
    PyObject* entry      # the _RuleEntry
    PyObject* methods    # rule.methods, NULL for None
    bint methods_is_set
    # PERF: when methods is a set of exact str, its standard names are bits
    # (other names: methods_other), tested against the request's one bit
    # without touching any str.
    bint methods_fast
    unsigned int method_bits
    bint methods_other
    bint websocket
    bint strict_slashes

cdef struct CTrans:
    int kind
    Py_ssize_t minlen
    Py_ssize_t maxlen
    bint final
    PyObject* tr         # the _Transition (regex and any only need it)
    CNode* node

cdef struct CNode:
    # PERF: static children in an open-addressing table of precomputed
    # hashes (fm_hash1), probed straight from the path's buffer: no
    # substring, no siphash, no dict lookup per segment. Only 1-byte keys
    # are in the table; a wider path compares its segment with each key.
    CKey* keys
    Py_ssize_t nkeys
    # PERF: up to LINEAR_KEYS static children are tried in turn, each
    # compared in place (a word and the "/" after it): no scan for the end
    # of the segment and no hash. More are in a hash table: slots.
    int* slots           # NULL: no hash table
    Py_ssize_t mask
    CNode* empty_child   # the static child "" (trailing slash), or NULL
    CTrans* dyn
    Py_ssize_t ndyn
    CRule* rules
    Py_ssize_t nrules

ctypedef struct CStep:
    PyObject* name
    PyObject* converter
    int code
    Py_ssize_t fixed_digits
    PyObject* min        # NULL for None
    PyObject* max

ctypedef struct Capture:
    # A captured value: path[start:end], or obj (owned) when not NULL.
    Py_ssize_t start
    Py_ssize_t end
    PyObject* obj

# PERF: the state of one match is a C struct on the caller's stack, not an
# object; its captures are index ranges of the path, made into str only by
# the conversion (and only those the rule has converters for).
ctypedef struct Search:
    PyObject* path       # borrowed: the caller holds it
    PyObject* domain
    PyObject* method
    int method_bit       # __fm_method_bit(method), -1: not an exact str
    Py_ssize_t length
    int kind
    const void* data
    bint ascii
    bint websocket
    bint websocket_mismatch
    # PERF: the rules refused for the method, as pointers: the set of
    # their methods is only made when the match fails.
    CRule** refused
    Py_ssize_t nrefused
    Py_ssize_t refcap
    CRule* found
    Capture* caps
    Py_ssize_t ncaps
    Py_ssize_t capcap
    Capture inline_caps[16]
    CRule* inline_refused[8]


cdef inline bint _key_equal(CKey* key, int kind, const void* data,
                            Py_ssize_t start, Py_ssize_t n) noexcept:
    cdef Py_ssize_t i
    cdef const unsigned char* a
    cdef const unsigned char* b
    if key.kind == kind:
        if kind == 1:
            # PERF: segments are short; a byte loop beats a memcmp call.
            a = <const unsigned char*>key.data
            b = <const unsigned char*>data + start
            for i in range(n):
                if a[i] != b[i]:
                    return False
            return True
        return memcmp(key.data, <const char*>data + start * kind, n * kind) == 0
    for i in range(n):
        if PyUnicode_READ(key.kind, key.data, i) != PyUnicode_READ(kind, data, start + i):
            return False
    return True


cdef inline CNode* _lookup(CNode* node, unsigned long long h, int kind, const void* data,
                           Py_ssize_t start, Py_ssize_t n, Py_ssize_t avail) noexcept:
    """The static child for [start, start + n) of a str (hash ``h``), or NULL;
    ``avail``: how many code points of the str there are from ``start``."""
    cdef Py_ssize_t slot = <Py_ssize_t>(h & <unsigned long long>node.mask)
    cdef int index
    cdef CKey* key
    while True:
        index = node.slots[slot]
        if index < 0:
            return NULL
        key = &node.keys[index]
        # PERF: the full 64-bit hash rejects almost every other key before
        # the length and the text are compared.
        if key.hash == h and key.length == n:
            if key.word_key and kind == 1 and avail >= 8:
                if fm_prefix8(<const unsigned char*>data + start, n) == key.word:
                    return key.child
            elif _key_equal(key, kind, data, start, n):
                return key.child
        slot = (slot + 1) & node.mask


cdef inline CNode* _match_linear(CNode* node, int kind, const void* data, Py_ssize_t pos,
                                Py_ssize_t length, Py_ssize_t* end) noexcept:
    """The static child equal to the segment at ``pos`` (its end in ``end``),
    or NULL: each key is compared in place, then the "/" or end after it."""
    cdef Py_ssize_t avail = length - pos, i, n
    cdef CKey* key
    cdef unsigned long long w
    if kind == 1:
        w = fm_word_at(<const unsigned char*>data, pos, length)
        for i in range(node.nkeys):
            key = &node.keys[i]
            if key.short_key:
                if (w & key.wmask) == key.wslash:
                    end[0] = pos + key.length
                    return key.child
                continue
            n = key.length
            if n > avail or key.has_slash:
                continue
            if n < avail and PyUnicode_READ(kind, data, pos + n) != CH_SLASH:
                continue
            if not _key_equal(key, kind, data, pos, n):
                continue
            end[0] = pos + n
            return key.child
        return NULL
    for i in range(node.nkeys):
        key = &node.keys[i]
        n = key.length
        if n > avail or key.has_slash:
            continue
        if n < avail and PyUnicode_READ(kind, data, pos + n) != CH_SLASH:
            continue
        if key.word_key and kind == 1 and avail >= 8:
            if fm_prefix8(<const unsigned char*>data + pos, n) != key.word:
                continue
        elif not _key_equal(key, kind, data, pos, n):
            continue
        end[0] = pos + n
        return key.child
    return NULL


cdef inline CNode* _match_domain(CNode* node, str domain) noexcept:
    cdef int kind = PyUnicode_KIND(domain)
    cdef const void* data = PyUnicode_DATA(domain)
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(domain), i
    if node.slots != NULL and kind == 1:
        return _lookup(node, fm_hash1(<const unsigned char*>data, n), kind, data, 0, n, n)
    for i in range(node.nkeys):
        if node.keys[i].length == n and _key_equal(&node.keys[i], kind, data, 0, n):
            return node.keys[i].child
    return NULL


cdef inline Py_ssize_t _segment_end(int kind, const void* data, Py_ssize_t pos,
                                    Py_ssize_t length) noexcept:
    cdef const void* found
    if kind == 1:
        found = memchr(<const char*>data + pos, CH_SLASH, length - pos)
        return length if found == NULL else <const char*>found - <const char*>data
    while pos < length and PyUnicode_READ(kind, data, pos) != CH_SLASH:
        pos += 1
    return pos


cdef inline Py_ssize_t _align(Py_ssize_t n) noexcept:
    return (n + 7) & ~(<Py_ssize_t>7)


cdef Py_ssize_t _slot_count(Py_ssize_t nkeys) noexcept:
    cdef Py_ssize_t size = 8
    while size < 2 * nkeys:
        size *= 2
    return size


cdef Py_ssize_t _node_size(_Node node) noexcept:
    """Bytes of a frozen node: its CNode and its arrays, in one piece."""
    cdef Py_ssize_t size = _align(sizeof(CNode)), n = len(node.static)
    if n > LINEAR_KEYS:
        size += _align(_slot_count(n) * sizeof(int))
    if n:
        size += n * sizeof(CKey)
    return size + len(node.dynamic) * sizeof(CTrans) + len(node.rules) * sizeof(CRule)


cdef int _fill_node(char* base, _Node node) except -1:
    """Freeze ``node`` at ``base + node.index``; its children are at their
    own offsets. PERF: a node and its arrays are contiguous and the nodes
    are in depth-first order, so a walk touches few cache lines."""
    cdef CNode* c = <CNode*>(base + node.index)
    cdef char* cur = <char*>c + _align(sizeof(CNode))
    cdef Py_ssize_t size, i, j, slot, n
    cdef str key
    cdef _Node child
    cdef _Transition tr
    cdef _RuleEntry entry
    cdef CKey* ck
    n = len(node.static)
    if n:
        size = _slot_count(n)
        if n > LINEAR_KEYS:
            c.slots = <int*>cur
            cur += _align(size * sizeof(int))
            for i in range(size):
                c.slots[i] = -1
            c.mask = size - 1
        c.keys = <CKey*>cur
        c.nkeys = n
        cur += n * sizeof(CKey)
        i = 0
        for key, child in node.static.items():
            ck = &c.keys[i]
            ck.kind = PyUnicode_KIND(key)
            ck.data = PyUnicode_DATA(key)
            ck.length = PyUnicode_GET_LENGTH(key)
            ck.hash = fm_hash1(<const unsigned char*>ck.data, ck.length) if ck.kind == 1 else 0
            ck.child = <CNode*>(base + child.index)
            ck.word_key = ck.kind == 1 and ck.length <= 8
            ck.word = 0
            for j in range(ck.length if ck.word_key else 0):
                ck.word |= (<unsigned long long>(<const unsigned char*>ck.data)[j]) << (8 * j)
            ck.has_slash = "/" in key
            ck.short_key = ck.kind == 1 and ck.length <= 7 and not ck.has_slash
            if ck.short_key:
                ck.wslash = ck.word | (<unsigned long long>CH_SLASH << (8 * ck.length))
                ck.wmask = ~0ULL if ck.length == 7 else (1ULL << (8 * (ck.length + 1))) - 1
            if ck.length == 0:
                c.empty_child = ck.child
            if c.slots != NULL and ck.kind == 1:
                slot = <Py_ssize_t>(ck.hash & <unsigned long long>c.mask)
                while c.slots[slot] != -1:
                    slot = (slot + 1) & c.mask
                c.slots[slot] = <int>i
            i += 1
    n = len(node.dynamic)
    if n:
        c.dyn = <CTrans*>cur
        cur += n * sizeof(CTrans)
        for i in range(n):
            tr = <_Transition>node.dynamic[i]
            c.dyn[i].kind = tr.kind
            c.dyn[i].minlen = tr.minlen
            c.dyn[i].maxlen = tr.maxlen
            c.dyn[i].final = tr.final
            c.dyn[i].tr = <PyObject*>tr
            c.dyn[i].node = <CNode*>(base + tr.node.index)
        c.ndyn = n
    n = len(node.rules)
    if n:
        c.rules = <CRule*>cur
        for i in range(n):
            entry = <_RuleEntry>node.rules[i]
            c.rules[i].entry = <PyObject*>entry
            c.rules[i].methods = NULL if entry.methods is None else <PyObject*>entry.methods
            c.rules[i].methods_is_set = entry.methods_is_set
            c.rules[i].methods_fast = entry.methods_fast
            c.rules[i].method_bits = entry.method_bits
            c.rules[i].methods_other = entry.methods_other
            c.rules[i].websocket = entry.websocket
            c.rules[i].strict_slashes = entry.strict_slashes
        c.nrules = n
    return 0


# ---------------------------------------------------------------------------
# The Python tree that owns the rules.

@cython.final
cdef class _Node:
    cdef dict static
    cdef list dynamic
    cdef list rules
    cdef Py_ssize_t index  # byte offset of its CNode in the frozen arena

    def __cinit__(self):
        self.static = {}
        self.dynamic = []
        self.rules = []


@cython.final
cdef class _Step:
    """One conversion of a rule (a ConversionStep); owns what CStep borrows."""
    cdef str name
    cdef object converter
    cdef int code
    cdef Py_ssize_t fixed_digits
    cdef object min
    cdef object max

    def __cinit__(self, step):
        self.name = step.name
        self.converter = step.converter
        self.code = step.code
        self.fixed_digits = step.fixed_digits or 0
        self.min = step.min
        self.max = step.max


@cython.final
cdef class _RuleEntry:
    """What matching needs of a rule, read once at add time."""
    # PERF: what a successful match reads first, in one or two cache lines.
    cdef readonly object rule
    cdef object defaults
    # PERF: {name: None for each step}, copied for the values dict (see
    # __fm_dict_fill); None when the copy cannot be filled by position.
    cdef object template
    # PERF: the last values dict made from the template and its version
    # then: refilled in place when nothing else holds it any more and it
    # has not been changed since (the caller dropped it).
    cdef object last_values
    cdef unsigned long long last_version
    cdef CStep* csteps
    cdef Py_ssize_t nsteps
    cdef bint alias
    cdef public bint full_match
    cdef bint all_identity
    cdef object methods
    cdef bint methods_is_set
    cdef bint websocket
    cdef bint strict_slashes
    cdef tuple steps
    cdef bint methods_fast
    cdef unsigned int method_bits
    cdef bint methods_other

    def __cinit__(self, rule):
        cdef _Step step
        cdef Py_ssize_t i
        self.rule = rule
        self.methods = rule.methods
        self.methods_is_set = type(rule.methods) is set
        self.defaults = rule.defaults
        self.alias = bool(rule.alias)
        self.websocket = rule.websocket
        self.strict_slashes = rule.strict_slashes
        self.steps = tuple([_Step(s) for s in conversion_plan(rule)])
        self.nsteps = len(self.steps)
        self.csteps = <CStep*>PyMem_Malloc((self.nsteps + 1) * sizeof(CStep))
        if self.csteps == NULL:
            raise MemoryError()
        self.all_identity = True
        for i in range(self.nsteps):
            step = <_Step>self.steps[i]
            self.csteps[i].name = <PyObject*>step.name
            self.csteps[i].converter = <PyObject*>step.converter
            self.csteps[i].code = step.code
            self.csteps[i].fixed_digits = step.fixed_digits
            self.csteps[i].min = NULL if step.min is None else <PyObject*>step.min
            self.csteps[i].max = NULL if step.max is None else <PyObject*>step.max
            if step.code != C_IDENTITY:
                self.all_identity = False
        self.full_match = False
        self.template = None
        if _fast_dict and self.nsteps:
            template = {}
            for i in range(self.nsteps):
                name = (<_Step>self.steps[i]).name
                if type(name) is not str or (<_Step>self.steps[i]).code == C_CALL:
                    break
                template[name] = None
            else:
                if len(template) == self.nsteps and __fm_dict_entries(template, self.nsteps) != NULL:
                    self.template = template
        self.methods_fast = self.methods_is_set and all(
            [type(m) is str for m in self.methods])
        self.method_bits = 0
        self.methods_other = False
        if self.methods_fast:
            for m in self.methods:
                bit = __fm_method_bit(<PyObject*>m)
                self.method_bits |= bit
                if bit == 0:
                    self.methods_other = True

    def __dealloc__(self):
        PyMem_Free(self.csteps)


@cython.final
cdef class _Transition:
    cdef readonly object part
    cdef int kind
    cdef Py_ssize_t minlen
    cdef Py_ssize_t maxlen
    cdef frozenset items
    cdef bint final
    cdef bint suffixed
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
        self.match = None
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


# ---------------------------------------------------------------------------
# The walk.

cdef inline void _search_init(Search* s, str domain, str path, object method,
                              bint websocket) noexcept:
    s.domain = <PyObject*>domain
    s.method = <PyObject*>method
    s.method_bit = <int>__fm_method_bit(<PyObject*>method) if type(method) is str else -1
    s.websocket = websocket
    s.websocket_mismatch = False
    s.refused = s.inline_refused
    s.nrefused = 0
    s.refcap = 8
    s.found = NULL
    s.caps = s.inline_caps
    s.ncaps = 0
    s.capcap = INLINE_CAPTURES
    _search_set_path(s, path)


cdef inline void _search_set_path(Search* s, str path) noexcept:
    s.path = <PyObject*>path
    s.length = PyUnicode_GET_LENGTH(path)
    s.kind = PyUnicode_KIND(path)
    s.data = PyUnicode_DATA(path)
    s.ascii = PyUnicode_IS_ASCII(path)


cdef inline void _pop_captures(Search* s, Py_ssize_t mark) noexcept:
    while s.ncaps > mark:
        s.ncaps -= 1
        Py_XDECREF(s.caps[s.ncaps].obj)


cdef void _search_clear(Search* s) noexcept:
    _pop_captures(s, 0)
    if s.caps != s.inline_caps:
        PyMem_Free(s.caps)
        s.caps = s.inline_caps
    if s.refused != s.inline_refused:
        PyMem_Free(s.refused)
        s.refused = s.inline_refused
    s.nrefused = 0


cdef int _grow_captures(Search* s) except -1:
    cdef Capture* caps = <Capture*>PyMem_Malloc(2 * s.capcap * sizeof(Capture))
    if caps == NULL:
        raise MemoryError()
    memcpy(caps, s.caps, s.ncaps * sizeof(Capture))
    if s.caps != s.inline_caps:
        PyMem_Free(s.caps)
    s.caps = caps
    s.capcap *= 2
    return 0


cdef inline int _push(Search* s, Py_ssize_t start, Py_ssize_t end) except -1:
    if s.ncaps == s.capcap:
        _grow_captures(s)
    s.caps[s.ncaps].start = start
    s.caps[s.ncaps].end = end
    s.caps[s.ncaps].obj = NULL
    s.ncaps += 1
    return 0


cdef int _push_object(Search* s, object value) except -1:
    if s.ncaps == s.capcap:
        _grow_captures(s)
    Py_INCREF(value)
    s.caps[s.ncaps].start = 0
    s.caps[s.ncaps].end = 0
    s.caps[s.ncaps].obj = <PyObject*>value
    s.ncaps += 1
    return 0


cdef inline int _has_method(Search* s, CRule* rule) except -1:
    """``s.method in rule.methods`` (methods not None)."""
    if rule.methods_fast and s.method_bit >= 0:
        if s.method_bit > 0:
            return (rule.method_bits & <unsigned int>s.method_bit) != 0
        if not rule.methods_other:
            return 0
    if rule.methods_is_set:
        return PySet_Contains(<object>rule.methods, <object>s.method)
    return PySequence_Contains(<object>rule.methods, <object>s.method)


cdef int _refuse(Search* s, CRule* rule) except -1:
    cdef CRule** refused
    if s.nrefused == s.refcap:
        refused = <CRule**>PyMem_Malloc(2 * s.refcap * sizeof(CRule*))
        if refused == NULL:
            raise MemoryError()
        memcpy(refused, s.refused, s.nrefused * sizeof(CRule*))
        if s.refused != s.inline_refused:
            PyMem_Free(s.refused)
        s.refused = refused
        s.refcap *= 2
    s.refused[s.nrefused] = rule
    s.nrefused += 1
    return 0


cdef inline int _accept(Search* s, CRule* rule) except -1:
    if rule.methods != NULL and not _has_method(s, rule):
        _refuse(s, rule)
        return 0
    if rule.websocket != s.websocket:
        s.websocket_mismatch = True
        return 0
    return 1


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


cdef bint _fast_match(CTrans* tr, int kind, const void* data,
                      Py_ssize_t start, Py_ssize_t end) noexcept:
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
    return False


@cython.cdivision(True)
cdef int _match_slow(Search* s, CTrans* ct, Py_ssize_t pos, Py_ssize_t end,
                     Py_ssize_t* after) except -1:
    """A regex or any() transition: 1 (values pushed, ``after`` set) or 0.

    PERF: out of line, so the Python temporaries these need are not part
    of the recursive walk's frame and cleanup.
    """
    cdef _Transition tr = <_Transition>ct.tr
    cdef str path = <str>s.path
    cdef object target, m, groups
    if ct.kind == K_ANY:
        if path[pos:end] in tr.items:
            _push(s, pos, end)
            return 1
        return 0
    if ct.final:
        # The rest of the input; for the domain Werkzeug joins it with the
        # path parts by "/".
        if pos >= 0:
            target = path[pos:]
        else:
            target = <str>s.domain + "/" + path
        after[0] = s.length + 1
    elif pos < 0:
        target = <str>s.domain
    else:
        target = path[pos:end]
    m = tr.compiled_match()(target)
    if m is None:
        return 0
    if tr.suffixed:
        groups = m.groups()
        if groups[len(groups) - 1] == "/":
            after[0] = s.length  # Werkzeug's remaining = [""]
    groups = m.groupdict()
    for name in tr.names:
        _push_object(s, groups[name])
    return 1


cdef int _walk_end(Search* s, CNode* node) except -1:
    """Nothing of the input is left (Werkzeug's ``parts == []``)."""
    cdef Py_ssize_t i
    cdef CRule* rule
    cdef CNode* slash
    for i in range(node.nrules):
        if _accept(s, &node.rules[i]):
            s.found = &node.rules[i]
            return W_FOUND
    slash = node.empty_child
    if slash != NULL:
        for i in range(slash.nrules):
            rule = &slash.rules[i]
            if rule.websocket == s.websocket and (
                rule.methods == NULL or _has_method(s, rule)
            ):
                if rule.strict_slashes:
                    return W_SLASH_REQUIRED
                s.found = rule
                return W_FOUND
    return W_NONE


cdef int _too_deep() except -1:
    raise RecursionError("route table too deep to match")


cdef int _walk(Search* s, CNode* node, Py_ssize_t pos, Py_ssize_t depth) except -1:
    """Match from ``node`` with the rest of the input starting at ``pos``.

    ``pos == -1``: the domain is the current part. ``0 <= pos <= length``:
    the current part is the path segment starting at ``pos`` (so
    ``pos == length`` is Werkzeug's ``parts == [""]``). ``pos > length``:
    nothing is left (``parts == []``). Returns a ``W_*`` result; the rule
    found is ``s.found`` and its values are ``s.caps``.
    """
    cdef Py_ssize_t length = s.length, end, nxt, after, mark, i
    cdef int kind = s.kind, r
    cdef const void* data = s.data
    cdef unsigned long long h = 0
    cdef CNode* child = NULL
    cdef CTrans* tr

    if depth > _MAX_DEPTH:
        return _too_deep()
    if pos > length:
        return _walk_end(s, node)

    if pos < 0:
        end = -1  # nxt = 0: the path's first segment follows
        if PyUnicode_GET_LENGTH(<str>s.domain) == 0:
            # PERF: the usual empty domain is the static child "", if any.
            child = node.empty_child
        elif node.nkeys:
            child = _match_domain(node, <str>s.domain)
    elif node.slots != NULL and kind == 1:
        # PERF: one pass over the str's own buffer finds the "/" ending the
        # segment and hashes it: no split list, no substring.
        end = fm_scan1(<const unsigned char*>data, pos, length, &h)
        child = _lookup(node, h, kind, data, pos, end - pos, length - pos)
    else:
        # PERF: the end of the segment is only looked for when a dynamic
        # transition needs it. (A wider path is rare: its segments are
        # compared with every key, the tables only hold 1-byte ones.)
        end = -2
        if node.nkeys:
            child = _match_linear(node, kind, data, pos, length, &end)

    if child != NULL:
        r = _walk(s, child, end + 1, depth + 1)
        if r != W_NONE:
            return r

    if node.ndyn == 0:
        return _walk_rest(s, node, pos)
    if pos < 0:
        end = 0
        nxt = 0
    else:
        if end == -2:  # (a static child found gave the end already)
            end = _segment_end(kind, data, pos, length)
        nxt = end + 1
    for i in range(node.ndyn):
        tr = &node.dyn[i]
        mark = s.ncaps
        after = nxt
        if tr.kind == K_PATH:
            # PERF: [^/].*?\Z by hand: non-empty, no leading "/", and no
            # "\n" after the first character ("." does not match it).
            if pos >= length or PyUnicode_READ(kind, data, pos) == CH_SLASH:
                continue
            if kind == 1:
                if memchr(<const char*>data + pos + 1, CH_NL, length - pos - 1) != NULL:
                    continue
            elif PyUnicode_FindChar(<object>s.path, CH_NL, pos + 1, length, 1) >= 0:
                continue
            _push(s, pos, length)
            after = length + 1
        elif tr.kind == K_REGEX or tr.kind == K_ANY:
            if not _match_slow(s, tr, pos, end, &after):
                continue
        elif tr.kind == K_STRING:
            # PERF: the default converter, inline: only the length to check.
            if end - pos < tr.minlen or (tr.maxlen >= 0 and end - pos > tr.maxlen):
                continue
            _push(s, pos, end)
        elif _fast_match(tr, kind, data, pos, end):
            # PERF: the common converters are matched in C, no re.
            _push(s, pos, end)
        else:
            continue
        r = _walk(s, tr.node, after, depth + 1)
        if r != W_NONE:
            return r
        _pop_captures(s, mark)
    return _walk_rest(s, node, pos)


cdef inline int _walk_rest(Search* s, CNode* node, Py_ssize_t pos) except -1:
    """The end of a walk step: rules that take an empty last segment."""
    cdef Py_ssize_t i
    cdef CRule* rule
    if pos == s.length:
        for i in range(node.nrules):
            rule = &node.rules[i]
            if rule.strict_slashes:
                continue
            if _accept(s, rule):
                s.found = rule
                return W_FOUND
    return W_NONE


# ---------------------------------------------------------------------------
# Conversion.

cdef inline str _substring(Search* s, Py_ssize_t start, Py_ssize_t end):
    cdef str result
    if s.ascii and end > start:
        # PERF: a range of an ASCII str is ASCII: allocate and copy, no
        # scan for the largest character as PyUnicode_Substring does.
        result = PyUnicode_New(end - start, 127)
        memcpy(PyUnicode_DATA(result), <const char*>s.data + start, end - start)
        return result
    return PyUnicode_Substring(<object>s.path, start, end)


cdef inline object _capture(Search* s, Capture* c):
    if c.obj != NULL:
        return <object>c.obj
    return _substring(s, c.start, c.end)


cdef object _parse_int(str source, Py_ssize_t i, Py_ssize_t n):
    """int(source[i:n]) for a range that matched \\d+ or -?\\d+."""
    cdef int kind = PyUnicode_KIND(source)
    cdef const void* data = PyUnicode_DATA(source)
    cdef Py_ssize_t start = i
    cdef long long acc = 0
    cdef bint negative = False
    cdef Py_UCS4 c
    if n > i and PyUnicode_READ(kind, data, i) == CH_DASH:
        negative = True
        i += 1
    # PERF: ASCII digits that fit a long long are parsed here; non-ASCII
    # decimals (int() accepts them) and long numbers go to int().
    if n - i == 0 or n - i > MAX_FAST_DIGITS:
        return int(source[start:n])
    while i < n:
        c = PyUnicode_READ(kind, data, i)
        if c < CH_0 or c > CH_9:
            return int(source[start:n])
        acc = acc * 10 + (<long long>c - CH_0)
        i += 1
    return PyLong_FromLongLong(-acc if negative else acc)


cdef object _convert_int(Search* s, CStep* step, Capture* c):
    """IntegerConverter.to_python without the Python call, or None."""
    cdef object number
    cdef str text
    if c.obj != NULL:
        text = <str>c.obj
        if step.fixed_digits and PyUnicode_GET_LENGTH(text) != step.fixed_digits:
            return None
        number = _parse_int(text, 0, PyUnicode_GET_LENGTH(text))
    else:
        if step.fixed_digits and c.end - c.start != step.fixed_digits:
            return None
        # PERF: parsed from the path's buffer; a substring is only made for
        # int() when the digits are not ASCII or too many for a long long.
        number = _parse_int(<str>s.path, c.start, c.end)
    if (step.min != NULL and number < <object>step.min) or (
        step.max != NULL and number > <object>step.max
    ):
        return None
    return number


cdef object _convert_fast(Search* s, _RuleEntry entry):
    """``_convert`` by filling a copy of ``entry.template``: the values dict,
    None when a converter refused, or False when this cannot be used."""
    cdef object result = entry.last_values
    cdef __fm_unicode_entry* e
    cdef Py_ssize_t i
    cdef object value
    cdef CStep* step
    cdef Capture* c
    # Reused when only entry.last_values and this function hold it and it
    # is unchanged: no one can see it change. (Its version is left as it is:
    # comparing versions needs a reference to the dict, and anyone holding
    # one prevents this.)
    if result is None or Py_REFCNT(result) != 2 \
            or __fm_dict_version(<PyObject*>result) != entry.last_version:
        result = PyDict_Copy(entry.template)
    e = __fm_dict_entries(result, entry.nsteps)
    if e == NULL:
        return False
    for i in range(entry.nsteps):
        step = &entry.csteps[i]
        c = &s.caps[i]
        if step.code == C_IDENTITY:
            value = _capture(s, c)
        elif c.obj == NULL or type(<object>c.obj) is str:
            value = _convert_int(s, step, c)
            if value is None:
                return None
        else:
            return False
        # (values are str, int or None: the copy needs no GC tracking)
        Py_INCREF(value)
        __fm_dict_fill(e, i, <PyObject*>value)
    if not entry.defaults:  # (the defaults are added to the result)
        entry.last_values = result
        entry.last_version = __fm_dict_version(<PyObject*>result)
    return result


cdef object _convert(Search* s):
    """The values dict of ``s.found``, or None when a converter refused."""
    cdef _RuleEntry entry = <_RuleEntry>s.found.entry
    cdef dict result
    cdef Py_ssize_t i, n = s.ncaps
    cdef object value
    cdef CStep* step
    cdef Capture* c
    if entry.template is not None and n >= entry.nsteps:
        value = _convert_fast(s, entry)
        if value is not False:
            if value is not None:
                if entry.defaults:
                    value.update(entry.defaults)
                if entry.alias and entry.rule.map.redirect_defaults:
                    raise RequestAliasRedirect(value, entry.rule.endpoint)
            return value
    result = {}
    if n > entry.nsteps:
        n = entry.nsteps  # zip() stops at the shorter
    for i in range(n):
        step = &entry.csteps[i]
        c = &s.caps[i]
        if entry.all_identity or step.code == C_IDENTITY:
            # PERF: UnicodeConverter/PathConverter/AnyConverter.to_python is
            # the identity; no call.
            PyDict_SetItem(result, <object>step.name, _capture(s, c))
            continue
        if step.code == C_INT and (c.obj == NULL or type(<object>c.obj) is str):
            value = _convert_int(s, step, c)
            if value is None:
                return None
            PyDict_SetItem(result, <object>step.name, value)
            continue
        try:
            value = (<object>step.converter).to_python(_capture(s, c))
        except ValidationError:
            return None
        PyDict_SetItem(result, <object>step.name, value)
    if entry.defaults:
        result.update(entry.defaults)
    if entry.alias and entry.rule.map.redirect_defaults:
        raise RequestAliasRedirect(result, entry.rule.endpoint)
    return result


cdef bint _has_double_slash(str path):
    cdef Py_ssize_t i, n = PyUnicode_GET_LENGTH(path)
    cdef int kind = PyUnicode_KIND(path)
    cdef const void* data = PyUnicode_DATA(path)
    for i in range(1, n):
        if PyUnicode_READ(kind, data, i) == CH_SLASH and PyUnicode_READ(kind, data, i - 1) == CH_SLASH:
            return True
    return False


cdef set _have_match_for(Search* s):
    cdef set result = set()
    cdef Py_ssize_t i
    for i in range(s.nrefused):
        result.update(<object>s.refused[i].methods)
    return result


cdef class StateMachineMatcher:
    """Werkzeug's matcher contract, see :mod:`werkzeug.routing.matcher`.

    .. versionadded:: 0.1
    """
    cdef _Node _root
    cdef list _entries
    cdef public object merge_slashes
    # The frozen trie, one block; the root is at its start. _frozen keeps
    # the nodes (and so everything the structs borrow).
    cdef CNode* _cnodes
    cdef list _frozen
    cdef bint _ready

    def __init__(self, merge_slashes):
        self._root = _Node()
        self._entries = []
        self.merge_slashes = merge_slashes
        self._ready = False

    def __dealloc__(self):
        self._free_frozen()

    cdef void _free_frozen(self) noexcept:
        PyMem_Free(self._cnodes)
        self._cnodes = NULL
        self._ready = False

    cdef int _freeze(self) except -1:
        cdef list nodes = []
        cdef list stack = [self._root]
        cdef _Node node
        cdef _Transition tr
        cdef Py_ssize_t total = 0
        cdef char* arena
        while stack:
            node = <_Node>stack.pop()
            node.index = total
            total += _align(_node_size(node))
            nodes.append(node)
            stack.extend(node.static.values())
            for tr in node.dynamic:
                stack.append(tr.node)
        self._free_frozen()
        arena = <char*>PyMem_Malloc(total)
        if arena == NULL:
            raise MemoryError()
        memset(arena, 0, total)
        self._cnodes = <CNode*>arena
        for node in nodes:
            _fill_node(arena, node)
        self._frozen = nodes
        self._ready = True
        return 0

    def add(self, rule):
        """Add a bound ``rule``; parts equal to an existing transition share it."""
        cdef _Node node = self._root, child
        cdef _Transition tr
        cdef _RuleEntry entry
        self._ready = False
        for index, part in enumerate(rule._parts):
            if part.static:
                child = node.static.get(part.content)
                if child is None:
                    child = _Node()
                    node.static[part.content] = child
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
        self._freeze()

    def set_full_match_rules(self, rules):
        """Mark the rules :func:`map_match_path` must hand to ``MapAdapter``."""
        cdef _RuleEntry entry
        ids = {id(rule) for rule in rules}
        for entry in self._entries:
            entry.full_match = id(entry.rule) in ids

    cdef object _run(self, Search* s, str domain, str path, object method, bint websocket):
        """Match into ``s``: the values dict, or None for no match (the
        reasons are in ``s``). The caller clears ``s`` however this ends."""
        cdef str merged
        cdef int r
        if not self._ready:
            self._freeze()
        _search_init(s, domain, path, method, websocket)
        r = _walk(s, self._cnodes, -1, 0)
        if r == W_FOUND:
            if s.ncaps == 0 and not (<_RuleEntry>s.found.entry).defaults \
                    and not (<_RuleEntry>s.found.entry).alias:
                return {}
            return _convert(s)
        if r == W_SLASH_REQUIRED:
            raise RequestPath(f"{path}/")
        # PERF: merging changes nothing when there is no "//": the same walk
        # would fail the same way, so skip it.
        if self.merge_slashes and _has_double_slash(path):
            merged = _merge_re.sub("/", path)
            _pop_captures(s, 0)
            _search_set_path(s, merged)  # what was refused is kept
            r = _walk(s, self._cnodes, -1, 0)
            if r == W_SLASH_REQUIRED:
                raise RequestPath(f"{merged}/")
            if r == W_FOUND and (<_RuleEntry>s.found.entry).rule.merge_slashes is not False:
                raise RequestPath(merged)
        return None

    def match(self, str domain, str path, method, websocket):
        """Return ``(rule, values)`` or raise ``NoMatch``, ``RequestPath`` or
        ``RequestAliasRedirect``, exactly as Werkzeug's matcher."""
        cdef Search s
        s.caps = s.inline_caps
        s.ncaps = 0
        s.refused = s.inline_refused
        s.nrefused = 0
        try:
            values = self._run(&s, domain, path, method, bool(websocket))
            if values is None:
                raise NoMatch(_have_match_for(&s), s.websocket_mismatch)
            return (<_RuleEntry>s.found.entry).rule, values
        finally:
            _search_clear(&s)


def _weight(_Transition tr):
    return tr.part.weight


Matcher = StateMachineMatcher


# ---------------------------------------------------------------------------
# Map.match_path.

cdef object _plain_map_type = None
cdef unsigned int _plain_map_tag = 0
# The last map dict read, by address and version, and its (borrowed)
# matcher: while that dict is unchanged it still holds the matcher, and
# a different or changed dict has another version.
cdef PyObject* _last_dict = NULL
cdef unsigned long long _last_version = 0
cdef PyObject* _last_matcher = NULL


cdef StateMachineMatcher _map_matcher(object map):
    """``map._matcher`` after ``if map._remap: map.update()``."""
    global _plain_map_type, _plain_map_tag, _last_dict, _last_version, _last_matcher
    cdef PyTypeObject* tp = Py_TYPE(map)
    cdef PyObject* d
    cdef PyObject* remap
    cdef PyObject* matcher
    cdef unsigned long long version
    cdef unsigned int tag = __fm_type_tag(tp)
    if tag != 0 and tag == _plain_map_tag and <PyObject*>_plain_map_type == <PyObject*>tp:
        # PERF: both attributes come from the instance dict, valid because
        # no class of the map's type defines either name (checked below; the
        # version tag changes whenever any of those classes does). When the
        # dict has not changed since the last call, not even that: its
        # version says both values are the ones read then.
        d = __fm_instance_dict(<PyObject*>map)
        if d != NULL:
            version = __fm_dict_version(d)
            if d == _last_dict and version == _last_version and version != 0:
                return <StateMachineMatcher>_last_matcher
            remap = PyDict_GetItem(<object>d, "_remap")
            matcher = PyDict_GetItem(<object>d, "_matcher")
            if remap == Py_False and matcher != NULL \
                    and Py_TYPE(<object>matcher) == <PyTypeObject*>StateMachineMatcher:
                _last_dict = d
                _last_version = version
                _last_matcher = matcher
                return <StateMachineMatcher>matcher
    elif __fm_type_plain(tp, <PyObject*>"_remap", <PyObject*>"_matcher"):
        tag = __fm_type_tag(tp)  # the lookups assign one if it had none
        if tag != 0:
            _plain_map_type = <object>tp
            _plain_map_tag = tag
    if map._remap:
        map.update()
    return map._matcher


cdef object _fast_not_found_args = ()
cdef bint _fast_not_found = False


cdef object _make_not_found():
    cdef object exc
    if _fast_not_found:
        # PERF: NotFound() runs HTTPException.__init__ and
        # BaseException.__init__ as Python calls; this is tp_new plus the one
        # attribute __init__ sets, checked equal at import.
        exc = __fm_tp_new(NotFound, _fast_not_found_args)
        exc.response = None
        return exc
    return NotFound()


def _check_fast_not_found():
    global _fast_not_found
    _fast_not_found = False
    expected = NotFound()
    _fast_not_found = True
    got = _make_not_found()
    _fast_not_found = (
        type(got) is type(expected)
        and got.args == expected.args
        and got.__dict__ == expected.__dict__
        and type(expected).__init__ is HTTPException.__init__
    )
    return _fast_not_found


_check_fast_not_found()


cdef bint _fast_dict = False


def _check_fast_dict():
    """Enable the template copy of values dicts if this CPython's dicts are
    laid out as ``__fm_dict_entries`` expects (checked on real dicts)."""
    global _fast_dict
    cdef __fm_unicode_entry* e
    cdef Py_ssize_t i, n
    _fast_dict = False
    if not __fm_fast_dict_layout():
        return False
    for n in (1, 2, 5, 6, 11):
        names = [f"name{i}" for i in range(n)]
        template = dict.fromkeys(names)
        copy = template.copy()
        e = __fm_dict_entries(copy, n)
        if e == NULL:
            return False
        for i in range(n):
            if e[i].me_key != <PyObject*>names[i] or e[i].me_value != <PyObject*>None:
                return False
        for i in range(n):
            value = str(i * 7)
            Py_INCREF(value)
            __fm_dict_fill(e, i, <PyObject*>value)
        if copy != {names[i]: str(i * 7) for i in range(n)} or list(copy) != names:
            return False
        if template != dict.fromkeys(names) or copy.get("name0") != "0":
            return False
    _fast_dict = True
    return True


_check_fast_dict()


cdef object _no_match_error(Search* s):
    cdef set have_match_for = _have_match_for(s)
    if have_match_for:
        return MethodNotAllowed(valid_methods=list(have_match_for))
    if s.websocket_mismatch:
        return WebsocketMismatch()
    return _make_not_found()


def map_match_path(map, str path_info, str method, str domain=""):
    """Implementation of :meth:`fastmicro.routing.Map.match_path`."""
    return _match_path(map, path_info, method, domain)


cdef object _match_path(object map, str path_info, str method, str domain):
    cdef StateMachineMatcher matcher = _map_matcher(map)
    cdef Search s
    cdef str path
    cdef object values
    cdef _RuleEntry entry
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
    s.caps = s.inline_caps
    s.ncaps = 0
    s.refused = s.inline_refused
    s.nrefused = 0
    __fm_release_result()
    try:
        values = matcher._run(&s, domain, path, method, False)
        if values is None:
            error = _no_match_error(&s)
            # Raised outside any except block: no __context__ to suppress
            # (Werkzeug raises NotFound() from None inside except NoMatch).
            raise error from None
    except (RequestPath, RequestAliasRedirect):
        raise NeedsFullMatch() from None
    finally:
        _search_clear(&s)
    entry = <_RuleEntry>s.found.entry
    if entry.full_match:
        raise NeedsFullMatch()
    # PERF: the result tuple is reused when the last one was dropped.
    return __fm_pair(entry.rule, values)


# ---------------------------------------------------------------------------
# The request cycle's entry: ``ext/cycle.pyx`` calls cycle_match through the
# capsule below, not Map.match_path.

# A map type whose match_path is map_match_path and whose classes define
# neither host_matching nor default_subdomain, so the instance dict alone
# holds both. The version tag changes whenever one of its classes does.
cdef object _direct_map_type = None
cdef unsigned int _direct_map_tag = 0
# Those two attributes of the map dict _attrs_dict (not owned) at version
# _attrs_version: while the dict's version is unchanged, so are they.
cdef PyObject* _attrs_dict = NULL
cdef unsigned long long _attrs_version = 0
cdef bint _attrs_host_matching = False
cdef str _attrs_domain = ""


cdef bint _is_direct_map(object map) except -1:
    global _direct_map_type, _direct_map_tag
    cdef PyTypeObject* tp = Py_TYPE(map)
    cdef unsigned int tag = __fm_type_tag(tp)
    if tag != 0 and tag == _direct_map_tag and <PyObject*>_direct_map_type == <PyObject*>tp:
        return True
    ours = map_match_path
    if (
        __fm_type_attr(tp, "match_path") == <PyObject*>ours
        and __fm_type_plain(tp, <PyObject*>"host_matching", <PyObject*>"default_subdomain")
    ):
        tag = __fm_type_tag(tp)  # the lookups assign one if it had none
        if tag != 0:
            _direct_map_type = <object>tp
            _direct_map_tag = tag
            return True
    return False


cdef object cycle_match(object map, str path_info, str method):
    """``map.match_path(path_info, method, map.default_subdomain or "")``
    for the request cycle, or None when ``map.host_matching`` is set (the
    cycle then matches the whole environ).

    PERF: a C call with the two map attributes read from the map dict once
    per change of it, instead of a Python method call and two attribute
    lookups on every request.
    """
    global _attrs_dict, _attrs_version, _attrs_host_matching, _attrs_domain
    cdef PyObject* d
    cdef PyObject* host_matching
    cdef PyObject* domain
    cdef unsigned long long version
    if _is_direct_map(map):
        d = __fm_instance_dict(<PyObject*>map)
        if d != NULL:
            version = __fm_dict_version(d)
            if not (d == _attrs_dict and version == _attrs_version and version != 0):
                host_matching = PyDict_GetItem(<object>d, "host_matching")
                domain = PyDict_GetItem(<object>d, "default_subdomain")
                if host_matching == NULL or domain == NULL or Py_TYPE(<object>domain) != <PyTypeObject*>str:
                    return _generic_cycle_match(map, path_info, method)
                _attrs_host_matching = bool(<object>host_matching)
                _attrs_domain = <str>domain
                _attrs_dict = d
                _attrs_version = version
            if _attrs_host_matching:
                return None
            return _match_path(map, path_info, method, _attrs_domain)
    return _generic_cycle_match(map, path_info, method)


cdef object _generic_cycle_match(object map, str path_info, str method):
    if map.host_matching:
        return None
    return map.match_path(path_info, method, map.default_subdomain or "")


# The cycle's entry point, as a C function pointer:
# ``object cycle_match(object map, str path_info, str method)``.
cycle_match_capsule = PyCapsule_New(<void*>cycle_match, "fastmicro._ext.matcher.cycle_match", NULL)
