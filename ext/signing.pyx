# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# distutils: libraries = z crypto
"""Compiled signing core: itsdangerous 2.2's bytes, typed.

Built as :mod:`fastmicro._ext.signing`; the pure-Python twin is
:mod:`fastmicro.signing._pysigning`, with the same API and behaviour, and
:mod:`fastmicro.signing` holds the public itsdangerous-compatible classes.
Everything here gives exactly the bytes itsdangerous gives and raises
itsdangerous's own exceptions with its messages:

* HMAC is computed from hashlib objects of the key's inner and outer pads,
  hashed once per (key, digest) and copied per call; that is RFC 2104's
  definition, which :func:`hmac.new` computes too.
* URL-safe base64 without padding is encoded in C. Decoding is done in C for
  canonical input (URL-safe alphabet only, no ``=``, a length that is not
  1 more than a multiple of 4), which ``base64.urlsafe_b64decode`` decodes
  the same way (bits past the last byte ignored); anything else goes through
  itsdangerous's expression itself, so its leniency and errors are kept.
* zlib compression uses one ``z_stream`` with the parameters of
  :func:`zlib.compress` (level -1, 15 window bits, memory level 8, default
  strategy) and ``deflateReset`` between uses, which zlib documents as
  equivalent to a new stream; the same libz library is used by Python's
  zlib module.
* Inputs that are not ``bytes``/``str`` (bytearray, ...), a custom
  ``SigningAlgorithm`` and an empty key list are handed to the pure twin.

.. versionadded:: 0.1
"""
cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_GetItem
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.object cimport PyObject
from cpython.unicode cimport PyUnicode_AsUTF8String
from libc.stdint cimport uint64_t
from libc.string cimport memcmp, memcpy, memset

import base64
import hashlib
import hmac
import json
import struct
import time
import zlib
from datetime import datetime, timezone

from itsdangerous._json import _CompactJSON
from itsdangerous.exc import (
    BadData,
    BadPayload,
    BadSignature,
    BadTimeSignature,
    SignatureExpired,
)

__all__ = [
    "Mac",
    "SignerCore",
    "b64decode",
    "b64encode",
    "cache_sizes",
    "decode_timestamp",
    "derive_key",
    "encode_timestamp",
    "load_payload",
    "urlsafe_dump_payload",
    "urlsafe_dumps",
    "urlsafe_dumps_text",
    "urlsafe_load_payload",
    "urlsafe_loads",
    "urlsafe_loads_text",
    "want_bytes",
]


cdef extern from "openssl/evp.h":
    ctypedef struct EVP_MD:
        pass
    ctypedef struct EVP_MD_CTX:
        pass
    ctypedef struct ENGINE:
        pass
    const EVP_MD* EVP_get_digestbyname(const char* name)
    # Functions in OpenSSL 1.1, macros for EVP_MD_get_* in 3.x.
    int EVP_MD_size(const EVP_MD* md)
    int EVP_MD_block_size(const EVP_MD* md)
    EVP_MD_CTX* EVP_MD_CTX_new()
    void EVP_MD_CTX_free(EVP_MD_CTX* ctx)
    int EVP_DigestInit_ex(EVP_MD_CTX* ctx, const EVP_MD* type, ENGINE* impl)
    int EVP_DigestUpdate(EVP_MD_CTX* ctx, const void* d, size_t cnt)
    int EVP_DigestFinal_ex(EVP_MD_CTX* ctx, unsigned char* md, unsigned int* s)
    int EVP_MD_CTX_copy_ex(EVP_MD_CTX* out, const EVP_MD_CTX* in_)


# SHA-1 (Flask's session digest) through OpenSSL's low-level functions:
# their state is a plain struct, copied with memcpy. Deprecated in OpenSSL 3
# but still built by default; without them this falls back to EVP.
cdef extern from *:
    """
    #include <string.h>
    #include <openssl/sha.h>
    #if !defined(OPENSSL_NO_DEPRECATED_3_0) && !defined(OPENSSL_NO_SHA)
    #define FM_SHA1_AVAILABLE 1
    #if defined(__GNUC__)
    #pragma GCC diagnostic push
    #pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    #endif
    typedef SHA_CTX fm_sha1_ctx;
    static int fm_sha1_start(fm_sha1_ctx *c, const void *pad, size_t n) {
        return SHA1_Init(c) == 1 && SHA1_Update(c, pad, n) == 1;
    }
    static int fm_sha1_hmac(const fm_sha1_ctx *inner, const fm_sha1_ctx *outer,
                            const void *msg, size_t n, unsigned char *out) {
        fm_sha1_ctx c;
        unsigned char h[SHA_DIGEST_LENGTH];
        memcpy(&c, inner, sizeof c);
        if (SHA1_Update(&c, msg, n) != 1 || SHA1_Final(h, &c) != 1) return 0;
        memcpy(&c, outer, sizeof c);
        return SHA1_Update(&c, h, sizeof h) == 1 && SHA1_Final(out, &c) == 1;
    }
    #if defined(__GNUC__)
    #pragma GCC diagnostic pop
    #endif
    #else
    #define FM_SHA1_AVAILABLE 0
    typedef struct { int unused; } fm_sha1_ctx;
    static int fm_sha1_start(fm_sha1_ctx *c, const void *pad, size_t n) { return 0; }
    static int fm_sha1_hmac(const fm_sha1_ctx *inner, const fm_sha1_ctx *outer,
                            const void *msg, size_t n, unsigned char *out) { return 0; }
    #endif
    """
    ctypedef struct fm_sha1_ctx:
        pass
    bint FM_SHA1_AVAILABLE
    int fm_sha1_start(fm_sha1_ctx* c, const void* pad, size_t n) nogil
    int fm_sha1_hmac(const fm_sha1_ctx* inner, const fm_sha1_ctx* outer, const void* msg,
                     size_t n, unsigned char* out) nogil


cdef extern from "zlib.h":
    ctypedef struct z_stream:
        unsigned char* next_in
        unsigned int avail_in
        unsigned char* next_out
        unsigned int avail_out
        void* zalloc
        void* zfree
        void* opaque
    int Z_OK
    int Z_STREAM_END
    int Z_FINISH
    int Z_DEFLATED
    int Z_DEFAULT_COMPRESSION
    int Z_DEFAULT_STRATEGY
    int MAX_WBITS
    int deflateInit2(z_stream* strm, int level, int method, int windowBits,
                     int memLevel, int strategy)
    int deflate(z_stream* strm, int flush)
    int deflateReset(z_stream* strm)
    unsigned long deflateBound(z_stream* strm, unsigned long sourceLen)


#: Most entries kept in each cache (derived keys, prepared HMACs).
CACHE_SIZE = 256
cdef Py_ssize_t _CACHE_SIZE = 256

# Largest timestamp datetime.fromtimestamp accepts (9999-12-31T23:59:59Z).
cdef uint64_t _MAX_DATETIME_TS = 253402300799ULL
# Largest sig decoded on the stack (bytes); sha512 is 64.
DEF _RAW_MAX = 128
# Largest output of zlib kept on the stack.
DEF _STACK_OUT = 2048

cdef const char* _B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# Value of a URL-safe base64 byte, -1 for any other byte.
cdef signed char _UNB64[256]


cdef void _init_tables():
    cdef int i
    for i in range(256):
        _UNB64[i] = -1
    for i in range(64):
        _UNB64[<unsigned char>_B64[i]] = i


_init_tables()

cdef bytes _TRANS_5C = bytes([(x ^ 0x5C) for x in range(256)])
cdef bytes _TRANS_36 = bytes([(x ^ 0x36) for x in range(256)])
cdef object _UTC = timezone.utc
cdef object _fromtimestamp = datetime.fromtimestamp
cdef object _compare_digest = hmac.compare_digest
cdef object _CompactJSONType = _CompactJSON
# json.dumps(obj, ensure_ascii=False, separators=(",", ":")), what
# _CompactJSON.dumps calls, builds this very encoder on every call.
cdef object _compact_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
cdef object _compact_encode = _compact_encoder.encode
# PERF: and JSONEncoder.encode builds this C encoder (json.encoder's
# c_make_encoder, with the arguments iterencode passes it) on every call;
# made once here, with its circular-reference markers dict, which is empty
# again after each successful call and cleared after a failed one. A call
# made while it is in use (re-entered from user code, another thread) takes
# the encoder's own path.
cdef dict _markers = {}
cdef object _c_iterencode = None
cdef bint _c_busy = False
if json.encoder.c_make_encoder is not None:
    _c_iterencode = json.encoder.c_make_encoder(
        _markers, _compact_encoder.default, json.encoder.encode_basestring, None,
        ":", ",", False, False, True,
    )
cdef object _encode_basestring = json.encoder.encode_basestring
cdef object _json_loads = json.loads
cdef dict _derived_keys = {}
cdef dict _macs = {}
cdef object _twin_module = None
cdef object _time_module = time

cdef z_stream _zs           # memory level 8, as zlib.compress
cdef bint _zs_ready = False
cdef z_stream _zs_small     # memory level 4, see _small_stream_exact
cdef bint _zs_small_ready = False


cdef object _pure():
    """The pure twin, for the rare inputs handed to it."""
    global _twin_module
    if _twin_module is None:
        from fastmicro.signing import _pysigning
        _twin_module = _pysigning
    return _twin_module


cdef object _remember(dict cache, object key, object value):
    if len(cache) >= _CACHE_SIZE:
        del cache[next(iter(cache))]
    cache[key] = value
    return value


def cache_sizes():
    """Entries in the derived-key and HMAC caches."""
    return len(_derived_keys), len(_macs)


def want_bytes(s, encoding="utf-8", errors="strict"):
    if isinstance(s, str):
        s = s.encode(encoding, errors)
    return s


# ---------------------------------------------------------------- base64

cdef inline Py_ssize_t _b64_len(Py_ssize_t n) noexcept:
    """Length of the unpadded base64 of ``n`` bytes."""
    cdef Py_ssize_t r = n % 3
    return (n // 3) * 4 + (r + 1 if r else 0)


cdef Py_ssize_t _b64_encode(const unsigned char* src, Py_ssize_t n, unsigned char* dst) noexcept:
    # PERF: a table lookup per 6 bits, written straight into the result.
    cdef Py_ssize_t i = 0, j = 0
    cdef unsigned int v
    while i + 3 <= n:
        v = (src[i] << 16) | (src[i + 1] << 8) | src[i + 2]
        dst[j] = _B64[v >> 18]
        dst[j + 1] = _B64[(v >> 12) & 63]
        dst[j + 2] = _B64[(v >> 6) & 63]
        dst[j + 3] = _B64[v & 63]
        i += 3
        j += 4
    if n - i == 1:
        v = src[i] << 16
        dst[j] = _B64[v >> 18]
        dst[j + 1] = _B64[(v >> 12) & 63]
        j += 2
    elif n - i == 2:
        v = (src[i] << 16) | (src[i + 1] << 8)
        dst[j] = _B64[v >> 18]
        dst[j + 1] = _B64[(v >> 12) & 63]
        dst[j + 2] = _B64[(v >> 6) & 63]
        j += 3
    return j


cdef inline Py_ssize_t _b64_decoded_len(Py_ssize_t n) noexcept:
    """Bytes decoded from ``n`` canonical characters, -1 if impossible."""
    cdef Py_ssize_t r = n % 4
    if r == 1:
        return -1
    return (n // 4) * 3 + (r - 1 if r else 0)


cdef Py_ssize_t _b64_decode(const unsigned char* src, Py_ssize_t n, unsigned char* dst) noexcept:
    """Decode canonical unpadded URL-safe base64; -1 (nothing promised about
    ``dst``) if the input is not canonical. ``dst`` has room for
    ``_b64_decoded_len(n)`` bytes."""
    cdef Py_ssize_t i = 0, j = 0
    cdef int a, b, c, d
    if n % 4 == 1:
        return -1
    while i + 4 <= n:
        a = _UNB64[src[i]]
        b = _UNB64[src[i + 1]]
        c = _UNB64[src[i + 2]]
        d = _UNB64[src[i + 3]]
        if (a | b | c | d) < 0:
            return -1
        dst[j] = <unsigned char>((a << 2) | (b >> 4))
        dst[j + 1] = <unsigned char>((b << 4) | (c >> 2))
        dst[j + 2] = <unsigned char>((c << 6) | d)
        i += 4
        j += 3
    if n - i >= 2:
        a = _UNB64[src[i]]
        b = _UNB64[src[i + 1]]
        if (a | b) < 0:
            return -1
        dst[j] = <unsigned char>((a << 2) | (b >> 4))
        j += 1
        if n - i == 3:
            c = _UNB64[src[i + 2]]
            if c < 0:
                return -1
            dst[j] = <unsigned char>((b << 4) | (c >> 2))
            j += 1
    return j


cdef bytes _py_b64decode(object data):
    """itsdangerous's expression, for input the C decoder does not take."""
    # (4 - n % 4) % 4: this module is compiled with C division semantics.
    # In place, as itsdangerous: a bytearray argument is padded itself.
    data += b"=" * ((4 - len(data) % 4) % 4)
    try:
        return base64.urlsafe_b64decode(data)
    except (TypeError, ValueError) as e:
        raise BadData("Invalid base64-encoded data") from e


cdef bytes _b64decode_bytes(const unsigned char* src, Py_ssize_t n, object original):
    cdef Py_ssize_t size = _b64_decoded_len(n)
    cdef bytes out
    if size >= 0:
        out = PyBytes_FromStringAndSize(NULL, size)
        if _b64_decode(src, n, <unsigned char*>PyBytes_AS_STRING(out)) == size:
            return out
    if original is None:
        original = PyBytes_FromStringAndSize(<const char*>src, n)
    return _py_b64decode(original)


def b64encode(data):
    """URL-safe base64 without the ``=`` padding."""
    cdef bytes out
    if type(data) is not bytes:
        return _pure().b64encode(data)
    out = PyBytes_FromStringAndSize(NULL, _b64_len(PyBytes_GET_SIZE(data)))
    _b64_encode(<const unsigned char*>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data),
                <unsigned char*>PyBytes_AS_STRING(out))
    return out


def b64decode(data):
    """Decode URL-safe base64 whose padding may be missing; raise
    :exc:`~itsdangerous.exc.BadData` as itsdangerous does."""
    if type(data) is not bytes:
        return _py_b64decode(data)
    return _b64decode_bytes(<const unsigned char*>PyBytes_AS_STRING(data),
                            PyBytes_GET_SIZE(data), data)


# ------------------------------------------------------------- timestamps

cdef inline int _ts_bytes(uint64_t ts, unsigned char* raw) noexcept:
    """Big-endian bytes of ``ts`` without leading zeros, into ``raw``;
    returns their count (0 for 0)."""
    cdef int k = 0, i
    cdef uint64_t v = ts
    while v:
        k += 1
        v >>= 8
    for i in range(k):
        raw[k - 1 - i] = <unsigned char>(ts >> (8 * i))
    return k


def encode_timestamp(timestamp):
    """The base64 of the big-endian bytes of ``timestamp``, leading zero
    bytes stripped."""
    cdef unsigned char raw[8]
    cdef unsigned char enc[11]
    cdef int k
    if type(timestamp) is not int or timestamp < 0 or timestamp > 0xFFFFFFFFFFFFFFFF:
        return _pure().encode_timestamp(timestamp)
    k = _ts_bytes(<uint64_t>timestamp, raw)
    return PyBytes_FromStringAndSize(<const char*>enc, _b64_encode(raw, k, enc))


cdef int _decode_ts(const unsigned char* src, Py_ssize_t n, uint64_t* out) noexcept:
    """1 and ``*out`` for a canonical timestamp, 0 for no timestamp, -1 when
    the input needs itsdangerous's own decoding."""
    cdef unsigned char raw[9]
    cdef Py_ssize_t k, i
    cdef uint64_t v = 0
    if n > 12:
        return -1
    k = _b64_decode(src, n, raw)
    if k < 0:
        return -1
    if k > 8:
        return 0
    for i in range(k):
        v = (v << 8) | raw[i]
    out[0] = v
    return 1


cdef object _py_decode_ts(object data):
    try:
        raw = _py_b64decode(data)
    except Exception:
        return None
    if len(raw) > 8:
        return None
    return int.from_bytes(raw, "big")


def decode_timestamp(data):
    """Reverse of :func:`encode_timestamp`, ``None`` if ``data`` is not one."""
    cdef uint64_t ts
    cdef int r
    if type(data) is not bytes:
        return _py_decode_ts(data)
    r = _decode_ts(<const unsigned char*>PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data), &ts)
    if r == 1:
        return ts
    if r == 0:
        return None
    return _py_decode_ts(data)


# ------------------------------------------------------------------- HMAC

cdef object _constructor(object digest_method):
    if callable(digest_method):
        return digest_method
    if isinstance(digest_method, str):
        return lambda d=b"": hashlib.new(digest_method, d)
    return lambda d=b"": digest_method.new(d)


# hashlib's OpenSSL-backed digests (type _hashlib.HASH) computed with
# OpenSSL's EVP calls directly; the same library hashlib uses.
cdef frozenset _EVP_NAMES = frozenset(["md5", "sha1", "sha224", "sha256", "sha384", "sha512"])
cdef object _HASH_TYPE = type(hashlib.sha256())
cdef EVP_MD_CTX* _scratch = NULL  # only used with the GIL held, no Python calls in between
DEF _MD_MAX = 64


@cython.final
cdef class Mac:
    """HMAC with one key and digest, the key's pads hashed once.

    Gives what ``hmac.new(key, msg, digest_method).digest()`` gives.
    """

    cdef object _inner
    cdef object _outer
    cdef object _key
    cdef object _digest_method
    cdef EVP_MD_CTX* _evp_inner
    cdef EVP_MD_CTX* _evp_outer
    cdef bint _sha1
    cdef fm_sha1_ctx _sha1_inner
    cdef fm_sha1_ctx _sha1_outer

    def __cinit__(self):
        self._evp_inner = NULL
        self._evp_outer = NULL
        self._sha1 = False

    def __dealloc__(self):
        if self._evp_inner != NULL:
            EVP_MD_CTX_free(self._evp_inner)
        if self._evp_outer != NULL:
            EVP_MD_CTX_free(self._evp_outer)

    def __init__(self, bytes key not None, digest_method):
        self._key = key
        self._digest_method = digest_method
        cons = _constructor(digest_method)
        inner = cons()
        outer = cons()
        block_size = getattr(inner, "block_size", 64)
        if block_size < 16:
            block_size = 64
        if len(key) > block_size:
            key = cons(key).digest()
        key = key.ljust(block_size, b"\0")
        ipad = key.translate(_TRANS_36)
        opad = key.translate(_TRANS_5C)
        inner.update(ipad)
        outer.update(opad)
        if hasattr(inner, "copy"):
            self._inner = inner
            self._outer = outer
        else:
            self._inner = self._outer = None
        if type(inner) is _HASH_TYPE and inner.name in _EVP_NAMES:
            self._init_evp(inner.name.encode("ascii"), inner.digest_size, block_size, ipad, opad)

    cdef void _init_evp(self, bytes name, Py_ssize_t digest_size, Py_ssize_t block_size,
                        bytes ipad, bytes opad):
        global _scratch
        cdef const EVP_MD* md = EVP_get_digestbyname(name)
        if (md == NULL or EVP_MD_size(md) != digest_size or digest_size > _MD_MAX
                or EVP_MD_block_size(md) != block_size):
            return
        if _scratch == NULL:
            _scratch = EVP_MD_CTX_new()
            if _scratch == NULL:
                return
        self._evp_inner = EVP_MD_CTX_new()
        self._evp_outer = EVP_MD_CTX_new()
        if (self._evp_inner == NULL or self._evp_outer == NULL
                or EVP_DigestInit_ex(self._evp_inner, md, NULL) != 1
                or EVP_DigestInit_ex(self._evp_outer, md, NULL) != 1
                or EVP_DigestUpdate(self._evp_inner, PyBytes_AS_STRING(ipad), block_size) != 1
                or EVP_DigestUpdate(self._evp_outer, PyBytes_AS_STRING(opad), block_size) != 1):
            if self._evp_inner != NULL:
                EVP_MD_CTX_free(self._evp_inner)
            if self._evp_outer != NULL:
                EVP_MD_CTX_free(self._evp_outer)
            self._evp_inner = self._evp_outer = NULL
            return
        if name == b"sha1" and FM_SHA1_AVAILABLE:
            self._sha1 = (fm_sha1_start(&self._sha1_inner, PyBytes_AS_STRING(ipad), block_size)
                          and fm_sha1_start(&self._sha1_outer, PyBytes_AS_STRING(opad),
                                            block_size))

    cdef int _digest_into(self, const unsigned char* msg, Py_ssize_t n,
                          unsigned char* out) noexcept:
        """HMAC of ``msg`` into ``out`` (room for 64 bytes) with OpenSSL;
        its length, or -1 if this digest is not done in C."""
        cdef unsigned char inner[_MD_MAX]
        cdef unsigned int k = 0, m = 0
        if self._sha1:
            # PERF: the hashed pads copied with memcpy, not EVP_MD_CTX_copy_ex
            # (which allocates and frees a context per copy in OpenSSL 3).
            if fm_sha1_hmac(&self._sha1_inner, &self._sha1_outer, msg, n, out):
                return 20
            return -1
        if self._evp_inner == NULL:
            return -1
        # PERF: HMAC entirely in C on the hashed pads: two EVP context
        # copies, no Python hash objects, no intermediate bytes.
        if (EVP_MD_CTX_copy_ex(_scratch, self._evp_inner) != 1
                or EVP_DigestUpdate(_scratch, msg, n) != 1
                or EVP_DigestFinal_ex(_scratch, inner, &k) != 1
                or EVP_MD_CTX_copy_ex(_scratch, self._evp_outer) != 1
                or EVP_DigestUpdate(_scratch, inner, k) != 1
                or EVP_DigestFinal_ex(_scratch, out, &m) != 1):
            return -1
        return <int>m

    cdef object _digest(self, object msg):
        cdef unsigned char out[_MD_MAX]
        cdef int k
        if type(msg) is bytes:
            k = self._digest_into(<const unsigned char*>PyBytes_AS_STRING(msg),
                                  PyBytes_GET_SIZE(msg), out)
            if k >= 0:
                return PyBytes_FromStringAndSize(<const char*>out, k)
        if self._inner is None:
            return hmac.new(self._key, msg, self._digest_method).digest()
        # PERF: copies of the hashed pads instead of hashing two padded keys
        # per signature as hmac.new does; no hmac.HMAC object.
        h = self._inner.copy()
        h.update(msg)
        o = self._outer.copy()
        o.update(h.digest())
        return o.digest()

    def digest(self, msg):
        return self._digest(msg)


cdef Mac _mac_for(bytes key, object digest_method):
    cdef PyObject* hit
    cache_key = (key, digest_method)
    try:
        hit = PyDict_GetItem(_macs, cache_key)
    except TypeError:  # unhashable digest method
        return Mac(key, digest_method)
    if hit != NULL:
        return <Mac>hit
    return _remember(_macs, cache_key, Mac(key, digest_method))


def mac_for(key, digest_method):
    """The :class:`Mac` of ``key`` and ``digest_method``, cached."""
    return _mac_for(key, digest_method)


cdef object _derive(bytes secret_key, object salt, object key_derivation, object digest_method):
    if key_derivation == "concat":
        return digest_method(salt + secret_key).digest()
    elif key_derivation == "django-concat":
        return digest_method(salt + b"signer" + secret_key).digest()
    elif key_derivation == "hmac":
        return _mac_for(secret_key, digest_method)._digest(salt)
    elif key_derivation == "none":
        return secret_key
    raise TypeError("Unknown key derivation method")


def derive_key(secret_key, salt, key_derivation, digest_method):
    """itsdangerous's ``Signer.derive_key``, cached per (secret, salt,
    derivation, digest)."""
    cdef PyObject* hit
    if type(secret_key) is not bytes:
        return _pure().derive_key(secret_key, salt, key_derivation, digest_method)
    cache_key = (secret_key, salt, key_derivation, digest_method)
    try:
        hit = PyDict_GetItem(_derived_keys, cache_key)
    except TypeError:
        return _derive(secret_key, salt, key_derivation, digest_method)
    if hit != NULL:
        return <object>hit
    return _remember(_derived_keys, cache_key,
                     _derive(secret_key, salt, key_derivation, digest_method))


cdef inline bint _ct_equal(const unsigned char* a, Py_ssize_t na, const unsigned char* p,
                           Py_ssize_t nb) noexcept:
    # PERF: constant-time comparison in C (every byte looked at, no early
    # exit), no call into hmac.compare_digest. Like it, unequal lengths
    # return at once.
    cdef Py_ssize_t i
    cdef unsigned char acc = 0
    if na != nb:
        return False
    for i in range(na):
        acc |= a[i] ^ p[i]
    return acc == 0


cdef Py_ssize_t _rfind(const unsigned char* data, Py_ssize_t n, const unsigned char* sep,
                       Py_ssize_t s) noexcept:
    """Index of the last ``sep`` in ``data`` (as ``bytes.rfind``), -1 if none."""
    cdef Py_ssize_t i = n - s
    if s == 1:
        # PERF: the usual one-byte separator, a plain backwards scan.
        while i >= 0:
            if data[i] == sep[0]:
                return i
            i -= 1
        return -1
    while i >= 0:
        if memcmp(data + i, sep, s) == 0:
            return i
        i -= 1
    return -1


# ------------------------------------------------------------ the signer

@cython.final
cdef class SignerCore:
    """Signs and verifies with derived keys (oldest first, the last signs).

    ``algorithm`` ``None`` is HMAC with ``digest_method``; anything else is an
    itsdangerous ``SigningAlgorithm`` whose methods are called.
    """

    cdef readonly bytes sep
    cdef list _macs       # newest first
    cdef Mac _sign_mac
    cdef object _twin     # pure SignerCore for the rare cases
    cdef object _keys
    cdef object _digest_method
    cdef object _algorithm
    cdef bint _fast

    def __init__(self, keys, sep, digest_method, algorithm=None):
        self.sep = sep if type(sep) is bytes else None
        self._keys = list(keys)
        self._digest_method = digest_method
        self._algorithm = algorithm
        self._fast = (algorithm is None and len(self._keys) > 0 and type(sep) is bytes
                      and len(sep) > 0 and all(type(k) is bytes for k in self._keys))
        self._twin = None
        if self._fast:
            self._macs = [_mac_for(k, digest_method) for k in reversed(self._keys)]
            self._sign_mac = self._macs[0]
        else:
            self._twin = _pure().SignerCore(self._keys, sep, digest_method, algorithm)

    cdef bytes _signature_of(self, bytes value):
        """``value + sep + b64(hmac(value))`` in one allocation."""
        cdef unsigned char buf[_MD_MAX]
        cdef const unsigned char* raw = buf
        cdef bytes raw_obj
        cdef Py_ssize_t n = PyBytes_GET_SIZE(value), s = PyBytes_GET_SIZE(self.sep)
        cdef Py_ssize_t d = self._sign_mac._digest_into(
            <const unsigned char*>PyBytes_AS_STRING(value), n, buf)
        if d < 0:
            raw_obj = self._sign_mac._digest(value)
            raw = <const unsigned char*>PyBytes_AS_STRING(raw_obj)
            d = PyBytes_GET_SIZE(raw_obj)
        # PERF: the result is allocated once and filled in place: no
        # intermediate base64 bytes, no rstrip, no concatenations.
        cdef bytes out = PyBytes_FromStringAndSize(NULL, n + s + _b64_len(d))
        cdef unsigned char* p = <unsigned char*>PyBytes_AS_STRING(out)
        memcpy(p, PyBytes_AS_STRING(value), n)
        memcpy(p + n, PyBytes_AS_STRING(self.sep), s)
        _b64_encode(raw, d, p + n + s)
        return out

    def get_signature(self, value):
        if not self._fast or type(value) is not bytes:
            return (self._twin_core()).get_signature(value)
        raw = self._sign_mac._digest(value)
        return b64encode(raw)

    cdef object _twin_core(self):
        if self._twin is None:
            self._twin = _pure().SignerCore(self._keys, self.sep, self._digest_method,
                                            self._algorithm)
        return self._twin

    def sign(self, value):
        if type(value) is str:
            value = (<str>value).encode("utf-8")
        if not self._fast or type(value) is not bytes:
            return self._twin_core().sign(value)
        return self._signature_of(<bytes>value)

    cdef bint _verify(self, bytes value, const unsigned char* sig, Py_ssize_t n, object sig_obj) except -1:
        cdef unsigned char raw[_RAW_MAX]
        cdef unsigned char expected[_MD_MAX]
        cdef Py_ssize_t k = -1, d
        cdef bytes computed
        cdef Mac mac
        cdef bytes decoded = None
        if _b64_decoded_len(n) >= 0 and _b64_decoded_len(n) <= _RAW_MAX:
            # PERF: the signature is decoded in C onto the stack.
            k = _b64_decode(sig, n, raw)
        if k < 0:
            if sig_obj is None:
                sig_obj = PyBytes_FromStringAndSize(<const char*>sig, n)
            try:
                decoded = _py_b64decode(sig_obj)
            except Exception:
                return False
        for mac in self._macs:
            if decoded is None:
                d = mac._digest_into(<const unsigned char*>PyBytes_AS_STRING(value),
                                     PyBytes_GET_SIZE(value), expected)
                if d >= 0:
                    if _ct_equal(raw, k, expected, d):
                        return True
                    continue
                computed = mac._digest(value)
                if _ct_equal(raw, k, <const unsigned char*>PyBytes_AS_STRING(computed),
                             PyBytes_GET_SIZE(computed)):
                    return True
            elif _compare_digest(decoded, mac._digest(value)):
                return True
        return False

    def verify_signature(self, value, sig):
        if not self._fast or type(value) is not bytes or type(sig) is not bytes:
            return self._twin_core().verify_signature(value, sig)
        return self._verify(value, <const unsigned char*>PyBytes_AS_STRING(sig),
                            PyBytes_GET_SIZE(sig), sig)

    cdef bytes _unsign(self, bytes signed):
        cdef const unsigned char* data = <const unsigned char*>PyBytes_AS_STRING(signed)
        cdef Py_ssize_t n = PyBytes_GET_SIZE(signed), s = PyBytes_GET_SIZE(self.sep)
        cdef Py_ssize_t i = _rfind(data, n, <const unsigned char*>PyBytes_AS_STRING(self.sep), s)
        if i < 0:
            raise BadSignature(f"No {self.sep!r} found in value")
        value = PyBytes_FromStringAndSize(<const char*>data, i)
        if self._verify(value, data + i + s, n - i - s, None):
            return value
        sig = PyBytes_FromStringAndSize(<const char*>data + i + s, n - i - s)
        raise BadSignature(f"Signature {sig!r} does not match", payload=value)

    def unsign(self, signed_value):
        if type(signed_value) is str:
            signed_value = (<str>signed_value).encode("utf-8")
        if not self._fast or type(signed_value) is not bytes:
            return self._twin_core().unsign(signed_value)
        return self._unsign(<bytes>signed_value)

    cdef bytes _sign_timestamp(self, bytes value, uint64_t timestamp):
        cdef unsigned char raw[8]
        cdef int k = _ts_bytes(timestamp, raw)
        cdef Py_ssize_t n = PyBytes_GET_SIZE(value), s = PyBytes_GET_SIZE(self.sep)
        cdef bytes body = PyBytes_FromStringAndSize(NULL, n + s + _b64_len(k))
        cdef unsigned char* p = <unsigned char*>PyBytes_AS_STRING(body)
        # PERF: value, separator and timestamp written into one buffer, the
        # timestamp packed and encoded in C (no struct, lstrip, base64).
        memcpy(p, PyBytes_AS_STRING(value), n)
        memcpy(p + n, PyBytes_AS_STRING(self.sep), s)
        _b64_encode(raw, k, p + n + s)
        return self._signature_of(body)

    def sign_timestamp(self, value, timestamp):
        if type(value) is str:
            value = (<str>value).encode("utf-8")
        if (not self._fast or type(value) is not bytes or type(timestamp) is not int
                or timestamp < 0 or timestamp > 0xFFFFFFFFFFFFFFFF):
            return self._twin_core().sign_timestamp(value, timestamp)
        return self._sign_timestamp(<bytes>value, <uint64_t>timestamp)

    cdef object _unsign_timestamp(self, bytes signed_value, object max_age, int mode,
                                  object get_timestamp, object to_datetime):
        """``mode`` 0: the value, 1: ``(value, datetime)``, 2: the value, the
        datetime checked (as the serializers' ``return_timestamp=True``)
        but only made when it could fail."""
        cdef bytes result, value
        cdef const unsigned char* data
        cdef Py_ssize_t n, i, s = PyBytes_GET_SIZE(self.sep)
        cdef uint64_t ts = 0
        cdef int r
        cdef object ts_int = None
        sig_error = None
        try:
            result = self._unsign(signed_value)
        except BadSignature as e:
            sig_error = e
            result = e.payload or b""
        data = <const unsigned char*>PyBytes_AS_STRING(result)
        n = PyBytes_GET_SIZE(result)
        i = _rfind(data, n, <const unsigned char*>PyBytes_AS_STRING(self.sep), s)
        if i < 0:
            if sig_error:
                raise sig_error
            raise BadTimeSignature("timestamp missing", payload=result)
        value = PyBytes_FromStringAndSize(<const char*>data, i)
        r = _decode_ts(data + i + s, n - i - s, &ts)
        if r == 1:
            ts_int = ts
        elif r < 0:
            ts_int = _py_decode_ts(PyBytes_FromStringAndSize(<const char*>data + i + s, n - i - s))
        if to_datetime is None:
            to_datetime = _default_to_datetime
        if sig_error is not None:
            ts_dt = None
            if ts_int is not None:
                try:
                    ts_dt = to_datetime(ts_int)
                except (ValueError, OSError, OverflowError) as exc:
                    raise BadTimeSignature("Malformed timestamp", payload=value) from exc
            raise BadTimeSignature(str(sig_error), payload=value, date_signed=ts_dt)
        if ts_int is None:
            raise BadTimeSignature("Malformed timestamp", payload=value)
        if max_age is not None:
            age = (_clock() if get_timestamp is _OWN_CLOCK else get_timestamp()) - ts_int
            if age > max_age:
                raise SignatureExpired(
                    f"Signature age {age} > {max_age} seconds",
                    payload=value,
                    date_signed=to_datetime(ts_int),
                )
            if age < 0:
                raise SignatureExpired(
                    f"Signature age {age} < 0 seconds",
                    payload=value,
                    date_signed=to_datetime(ts_int),
                )
        if mode == 1:
            return value, to_datetime(ts_int)
        if mode == 2 and (to_datetime is not _default_to_datetime or ts_int > _MAX_DATETIME_TS):
            # PERF: the datetime is only made when making it could raise.
            to_datetime(ts_int)
        return value

    def unsign_timestamp(self, signed_value, max_age, return_timestamp, get_timestamp,
                         to_datetime):
        """itsdangerous's ``TimestampSigner.unsign``. ``to_datetime`` ``None``
        is the default conversion."""
        if type(signed_value) is str:
            signed_value = (<str>signed_value).encode("utf-8")
        if not self._fast or type(signed_value) is not bytes:
            return self._twin_core().unsign_timestamp(signed_value, max_age, return_timestamp,
                                                      get_timestamp, to_datetime)
        return self._unsign_timestamp(<bytes>signed_value, max_age,
                                      1 if return_timestamp else 0, get_timestamp, to_datetime)


def _default_to_datetime(ts):
    return _fromtimestamp(ts, tz=_UTC)


# A get_timestamp no caller can pass: _clock() instead of a call.
cdef object _OWN_CLOCK = object()


cdef object _clock():
    # TimestampSigner.get_timestamp; time.time looked up per call, as
    # itsdangerous does, so that a test can move the clock.
    return int(_time_module.time())


# ------------------------------------------------------ URL-safe payloads

cdef int _stream_ready(z_stream* zs, bint* ready, int mem_level) noexcept:
    if not ready[0]:
        zs.zalloc = NULL
        zs.zfree = NULL
        zs.opaque = NULL
        if deflateInit2(zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, MAX_WBITS, mem_level,
                        Z_DEFAULT_STRATEGY) != Z_OK:
            return -1
        ready[0] = True
        return 0
    # PERF: one long-lived stream reset per use instead of zlib.compress's
    # deflateInit/deflateEnd (allocating and freeing ~256 KiB) per call.
    return 0 if deflateReset(zs) == Z_OK else -1


# Inputs up to this size may use the small stream (its literal buffer holds
# 2**(4 + 6) - 1 = 1023 symbols, so the whole input is one block as with
# memory level 8's 16383).
DEF _SMALL_MAX = 1000
# Payloads this short are never compressed (the twin's NEVER_SHORTER).
DEF _NEVER_SHORTER = 10
# Fewest candidates deflate level 6 follows along a hash chain (max_chain
# 128, divided by 4 once a match of good_length 8 is found).
DEF _MIN_CHAIN = 32


cdef bint _small_stream_exact(const unsigned char* s, Py_ssize_t n) noexcept:
    """Whether the memory level 4 stream provably gives the same bytes as
    memory level 8 (zlib.compress) for this input.

    The memory level changes the hash table size (11 or 15 bits), the literal
    buffer size and nothing else that deflate's output depends on. Chains
    visited by ``longest_match`` hold the earlier positions whose 3-byte hash
    equals the current one's, most recent first; a candidate whose first two
    bytes match also matches on the third (both hashes have >= 8 bits and
    mix the third byte in last, unshifted), so candidates with other bytes
    are rejected without effect, and every real match is in the chain under
    either hash, in the same order. The result is therefore the same unless
    a chain is cut short by the chain limit (at least 32 visits): so we
    require every hash bucket, under both hashes, to hold at most 32
    positions. The input must also fit the small literal buffer.
    """
    cdef unsigned char c11[2048]
    cdef unsigned short keys[2048]
    cdef unsigned char c15[2048]
    cdef Py_ssize_t p
    cdef unsigned int h, slot
    if n > _SMALL_MAX:
        return False
    if n <= _MIN_CHAIN:
        return True
    memset(c11, 0, sizeof(c11))
    memset(c15, 0, sizeof(c15))
    for p in range(n - 2):
        h = ((s[p] << 8) ^ (s[p + 1] << 4) ^ s[p + 2]) & 0x7FF
        c11[h] += 1
        if c11[h] > _MIN_CHAIN:
            return False
        # 15-bit hash counted in an open-addressing table (n <= 1000 keys
        # in 2048 slots) instead of a 32768-entry array.
        h = ((s[p] << 10) ^ (s[p + 1] << 5) ^ s[p + 2]) & 0x7FFF
        slot = (h * 2654435761u) >> 21
        while c15[slot] and keys[slot] != h:
            slot = (slot + 1) & 2047
        keys[slot] = <unsigned short>h
        c15[slot] += 1
        if c15[slot] > _MIN_CHAIN:
            return False
    return True


cdef Py_ssize_t _compress(const unsigned char* src, Py_ssize_t n, unsigned char* dst,
                          Py_ssize_t room) noexcept:
    """zlib.compress(src) into ``dst``; its length, or -1 on failure."""
    cdef z_stream* zs
    cdef int rc
    if _small_stream_exact(src, n):
        # PERF: a 4 KiB hash table to clear per call instead of 64 KiB,
        # when that provably changes nothing in the output.
        zs = &_zs_small
        if _stream_ready(zs, &_zs_small_ready, 4) < 0:
            return -1
    else:
        zs = &_zs
        if _stream_ready(zs, &_zs_ready, 8) < 0:
            return -1
    zs.next_in = <unsigned char*>src
    zs.avail_in = <unsigned int>n
    zs.next_out = dst
    zs.avail_out = <unsigned int>room
    rc = deflate(zs, Z_FINISH)
    if rc != Z_STREAM_END:
        return -1
    return room - zs.avail_out


cdef bytes _urlsafe_dump(bytes data):
    cdef const unsigned char* src = <const unsigned char*>PyBytes_AS_STRING(data)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data), room, clen = -1
    cdef unsigned char stack[_STACK_OUT]
    cdef unsigned char* buf = stack
    cdef bytes out, compressed
    if n >= 0x40000000:
        compressed = zlib.compress(data)
        if PyBytes_GET_SIZE(compressed) < n - 1:
            return b"." + b64encode(compressed)
        return b64encode(data)
    if n <= _NEVER_SHORTER:
        # PERF: compression cannot win (see the twin's NEVER_SHORTER).
        out = PyBytes_FromStringAndSize(NULL, _b64_len(n))
        _b64_encode(src, n, <unsigned char*>PyBytes_AS_STRING(out))
        return out
    room = n + (n >> 12) + (n >> 14) + (n >> 25) + 64  # >= deflateBound
    if room > _STACK_OUT:
        buf = <unsigned char*>PyMem_Malloc(room)
        if buf == NULL:
            raise MemoryError()
    try:
        clen = _compress(src, n, buf, room)
        if clen < 0:
            # Not expected; zlib's own call gives the same bytes (or error).
            compressed = zlib.compress(data)
            clen = PyBytes_GET_SIZE(compressed)
            if clen < n - 1:
                return b"." + b64encode(compressed)
            clen = n
        if clen < n - 1:
            out = PyBytes_FromStringAndSize(NULL, 1 + _b64_len(clen))
            (<unsigned char*>PyBytes_AS_STRING(out))[0] = 46  # "."
            _b64_encode(buf, clen, <unsigned char*>PyBytes_AS_STRING(out) + 1)
        else:
            out = PyBytes_FromStringAndSize(NULL, _b64_len(n))
            _b64_encode(src, n, <unsigned char*>PyBytes_AS_STRING(out))
        return out
    finally:
        if buf != stack:
            PyMem_Free(buf)


def urlsafe_dump_payload(data):
    """zlib-compressed (marked by a leading ``.``) if that is shorter, then
    URL-safe base64."""
    if type(data) is not bytes:
        return _pure().urlsafe_dump_payload(data)
    return _urlsafe_dump(<bytes>data)


cdef bytes _urlsafe_load(bytes payload):
    cdef const unsigned char* src = <const unsigned char*>PyBytes_AS_STRING(payload)
    cdef Py_ssize_t n = PyBytes_GET_SIZE(payload)
    cdef bint decompress = n > 0 and src[0] == 46  # "."
    if decompress:
        src += 1
        n -= 1
    try:
        data = _b64decode_bytes(src, n, None)
    except Exception as e:
        raise BadPayload(
            "Could not base64 decode the payload because of an exception",
            original_error=e,
        ) from e
    if decompress:
        try:
            data = zlib.decompress(data)
        except Exception as e:
            raise BadPayload(
                "Could not zlib decompress the payload before decoding the payload",
                original_error=e,
            ) from e
    return data


def urlsafe_load_payload(payload):
    """Reverse of :func:`urlsafe_dump_payload`, raising
    :exc:`~itsdangerous.exc.BadPayload` as itsdangerous does."""
    if type(payload) is not bytes:
        return _pure().urlsafe_load_payload(payload)
    return _urlsafe_load(<bytes>payload)


cdef object _load_payload(object serializer, bytes payload, bint is_text):
    cdef str text
    try:
        if is_text:
            text = payload.decode("utf-8")
            if serializer is _CompactJSONType:
                # PERF: _CompactJSON.loads is json.loads; called directly.
                return _json_loads(text)
            return serializer.loads(text)
        return serializer.loads(payload)
    except Exception as e:
        raise _unserializing_failed(e) from e


cdef object _unserializing_failed(object error):
    # itsdangerous's error for a payload that did not load.
    return BadPayload(
        "Could not load the payload because an exception"
        " occurred on unserializing the data.",
        original_error=error,
    )


def load_payload(serializer, payload, is_text):
    """``serializer.loads`` of the payload (decoded first for a text
    serializer), any error raised as :exc:`~itsdangerous.exc.BadPayload`."""
    if type(payload) is not bytes:
        return _pure().load_payload(serializer, payload, is_text)
    return _load_payload(serializer, <bytes>payload, is_text)


cdef str _compact_json(object obj):
    """``_CompactJSON.dumps(obj)``."""
    global _c_busy
    if isinstance(obj, str):
        return _encode_basestring(obj)
    if _c_iterencode is None or _c_busy:
        return _compact_encode(obj)
    _c_busy = True
    try:
        chunks = _c_iterencode(obj, 0)
    except BaseException:
        _markers.clear()
        raise
    finally:
        _c_busy = False
    if not isinstance(chunks, (list, tuple)):
        chunks = list(chunks)
    return "".join(chunks)


cdef object _sign_fast(SignerCore core, bytes payload, object timestamp):
    # ``sign`` or ``sign_timestamp`` for a core with the typed signer
    # (core._fast). PERF: the typed signer called directly, no method
    # dispatch.
    if timestamp is None:
        return core._signature_of(payload)
    if type(timestamp) is int and 0 <= timestamp <= 0xFFFFFFFFFFFFFFFF:
        return core._sign_timestamp(payload, <uint64_t>timestamp)
    return core.sign_timestamp(payload, timestamp)


def urlsafe_dumps(SignerCore core not None, serializer, dict serializer_kwargs, obj, timestamp,
                  bint is_text):
    """``URLSafe(Timed)Serializer.dumps``: serialize, compress if shorter,
    base64, sign (with ``timestamp`` unless it is ``None``)."""
    if serializer is _CompactJSONType and not serializer_kwargs:
        dumped = _compact_json(obj)
    elif serializer_kwargs:
        dumped = serializer.dumps(obj, **serializer_kwargs)
    else:
        dumped = serializer.dumps(obj)
    if type(dumped) is str:
        dumped = (<str>dumped).encode("utf-8")
    elif type(dumped) is not bytes:
        return _pure().urlsafe_dumps(core._twin_core(), _Fixed(dumped), {}, obj, timestamp,
                                     is_text)
    payload = _urlsafe_dump(<bytes>dumped)
    if not core._fast:
        rv = core.sign(payload) if timestamp is None else core.sign_timestamp(payload, timestamp)
    else:
        rv = _sign_fast(core, payload, timestamp)
    if is_text:
        return rv.decode("utf-8")
    return rv


class _Fixed:
    """A serializer whose ``dumps`` returns what was already dumped."""

    def __init__(self, dumped):
        self.dumped = dumped

    def dumps(self, obj):
        return self.dumped


def urlsafe_loads(SignerCore core not None, serializer, bint is_text, s, bint timed, max_age,
                  bint return_timestamp, get_timestamp, to_datetime):
    """``URLSafe(Timed)Serializer.loads`` with a single signer."""
    if type(s) is str:
        s = (<str>s).encode("utf-8")
    if not core._fast or type(s) is not bytes:
        return _pure().urlsafe_loads(core._twin_core(), serializer, is_text, s, timed, max_age,
                                     return_timestamp, get_timestamp, to_datetime)
    if not timed:
        return _load_payload(serializer, _urlsafe_load(core._unsign(<bytes>s)), is_text)
    if return_timestamp:
        base64d, timestamp = core._unsign_timestamp(<bytes>s, max_age, 1, get_timestamp,
                                                    to_datetime)
        return _load_payload(serializer, _urlsafe_load(base64d), is_text), timestamp
    return _load_payload(serializer,
                         _urlsafe_load(core._unsign_timestamp(<bytes>s, max_age, 2,
                                                              get_timestamp, to_datetime)),
                         is_text)


def urlsafe_dumps_text(SignerCore core not None, text, timestamp):
    """``urlsafe_dumps(core, serializer, {}, obj, timestamp, True)`` for a
    text serializer whose ``dumps(obj)`` gave the str ``text``."""
    if type(text) is not str or not core._fast:
        return _pure().urlsafe_dumps_text(core._twin_core(), text, timestamp)
    # PERF: no serializer to call and no arguments for it.
    payload = _urlsafe_dump(PyUnicode_AsUTF8String(text))
    return (<bytes>_sign_fast(core, payload, timestamp)).decode("utf-8")


def urlsafe_loads_text(SignerCore core not None, s, max_age):
    """The text ``urlsafe_loads(core, serializer, True, s, True, max_age,
    False, get_timestamp, None)`` would hand ``serializer.loads``, with
    TimestampSigner's own clock (``int(time.time())``, looked up per call);
    :exc:`~itsdangerous.exc.BadPayload` if it is no UTF-8."""
    if type(s) is str:
        s = (<str>s).encode("utf-8")
    if not core._fast or type(s) is not bytes:
        return _pure().urlsafe_loads_text(core._twin_core(), s, max_age)
    # PERF: no serializer and no get_timestamp callable to call.
    payload = _urlsafe_load(core._unsign_timestamp(<bytes>s, max_age, 2, _OWN_CLOCK, None))
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _unserializing_failed(e) from e
