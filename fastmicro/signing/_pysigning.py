"""Signing core, the pure-Python twin of ``ext/signing.pyx``.

The hot part of :mod:`fastmicro.signing`: key derivation (cached), HMAC
signatures, URL-safe base64 without padding, timestamp packing and the
URL-safe serializer's payload pipeline, each giving exactly the bytes and
raising exactly the exceptions (itsdangerous's own classes, same messages)
that itsdangerous 2.2 gives. :mod:`fastmicro.signing` holds the public,
itsdangerous-compatible classes and picks this module or the compiled one
through :func:`fastmicro.speedups.load`.

.. versionadded:: 0.1
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
import time
import typing as t
import zlib
from datetime import datetime, timezone

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

#: Most entries kept in each cache (derived keys, prepared HMACs); the
#: oldest entry is dropped first.
CACHE_SIZE = 256

_TRANS_5C = bytes((x ^ 0x5C) for x in range(256))
_TRANS_36 = bytes((x ^ 0x36) for x in range(256))
_UTC = timezone.utc
#: The largest timestamp the default conversion takes (9999-12-31T23:59:59Z).
_MAX_DATETIME_TS = 253402300799
_derived_keys: dict[t.Any, bytes] = {}
_macs: dict[t.Any, Mac] = {}


def _remember(cache: dict[t.Any, t.Any], key: t.Any, value: t.Any) -> t.Any:
    if len(cache) >= CACHE_SIZE:
        del cache[next(iter(cache))]
    cache[key] = value
    return value


def cache_sizes() -> tuple[int, int]:
    """Entries in the derived-key and HMAC caches."""
    return len(_derived_keys), len(_macs)


def want_bytes(s: str | bytes, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    if isinstance(s, str):
        s = s.encode(encoding, errors)
    return s


# base64's URL-safe alphabet to the standard one and back.
_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")


def b64encode(data: bytes) -> bytes:
    """URL-safe base64 without the ``=`` padding."""
    # PERF: base64.urlsafe_b64encode's steps, without its two Python frames.
    return binascii.b2a_base64(data, newline=False).translate(_TO_URLSAFE).rstrip(b"=")


def b64decode(data: bytes) -> bytes:
    """Decode URL-safe base64 whose padding may be missing; raise
    :exc:`~itsdangerous.exc.BadData` as itsdangerous does."""
    # In place, as itsdangerous: a bytearray argument is padded itself.
    data += b"=" * (-len(data) % 4)
    try:
        if type(data) is bytes:
            # PERF: base64.urlsafe_b64decode's steps for bytes, without its
            # three Python frames.
            return binascii.a2b_base64(data.translate(_TO_STANDARD))
        return base64.urlsafe_b64decode(data)
    except (TypeError, ValueError) as e:
        raise BadData("Invalid base64-encoded data") from e


def encode_timestamp(timestamp: int) -> bytes:
    """The base64 of the big-endian bytes of ``timestamp``, leading zero
    bytes stripped."""
    return b64encode(struct.pack(">Q", timestamp).lstrip(b"\x00"))


def decode_timestamp(data: bytes) -> int | None:
    """Reverse of :func:`encode_timestamp`, ``None`` if ``data`` is not one."""
    try:
        raw = b64decode(data)
    except Exception:
        return None
    if len(raw) > 8:
        return None
    return int.from_bytes(raw, "big")


def _constructor(digest_method: t.Any) -> t.Callable[..., t.Any]:
    """What :mod:`hmac` calls to make a hash object from ``digestmod``."""
    if callable(digest_method):
        return digest_method  # type: ignore[no-any-return]
    if isinstance(digest_method, str):
        return lambda d=b"": hashlib.new(digest_method, d)
    return lambda d=b"": digest_method.new(d)


class Mac:
    """HMAC with one key and digest, the key's pads hashed once.

    Gives what ``hmac.new(key, msg, digest_method).digest()`` gives.
    """

    __slots__ = ("_inner", "_outer", "_key", "_digest_method")

    def __init__(self, key: bytes, digest_method: t.Any) -> None:
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
        inner.update(key.translate(_TRANS_36))
        outer.update(key.translate(_TRANS_5C))
        if hasattr(inner, "copy"):
            self._inner = inner
            self._outer = outer
        else:
            self._inner = self._outer = None

    def digest(self, msg: bytes) -> bytes:
        if self._inner is None:
            return hmac.new(self._key, msg, self._digest_method).digest()
        # PERF: copies of the hashes of the pads, not two new hashes of them.
        h = self._inner.copy()
        h.update(msg)
        o = self._outer.copy()
        o.update(h.digest())
        return o.digest()  # type: ignore[no-any-return]


def mac_for(key: bytes, digest_method: t.Any) -> Mac:
    """The :class:`Mac` of ``key`` and ``digest_method``, cached."""
    cache_key = (key, digest_method)
    try:
        return _macs[cache_key]
    except KeyError:
        return _remember(_macs, cache_key, Mac(key, digest_method))  # type: ignore[no-any-return]
    except TypeError:  # unhashable digest method
        return Mac(key, digest_method)


def _derive(secret_key: bytes, salt: bytes, key_derivation: str, digest_method: t.Any) -> bytes:
    if key_derivation == "concat":
        return digest_method(salt + secret_key).digest()  # type: ignore[no-any-return]
    elif key_derivation == "django-concat":
        return digest_method(salt + b"signer" + secret_key).digest()  # type: ignore[no-any-return]
    elif key_derivation == "hmac":
        return mac_for(secret_key, digest_method).digest(salt)
    elif key_derivation == "none":
        return secret_key
    raise TypeError("Unknown key derivation method")


def derive_key(secret_key: bytes, salt: bytes, key_derivation: str, digest_method: t.Any) -> bytes:
    """itsdangerous's ``Signer.derive_key``, cached per (secret, salt,
    derivation, digest)."""
    cache_key = (secret_key, salt, key_derivation, digest_method)
    try:
        return _derived_keys[cache_key]
    except KeyError:
        return _remember(  # type: ignore[no-any-return]
            _derived_keys, cache_key, _derive(secret_key, salt, key_derivation, digest_method)
        )
    except TypeError:
        return _derive(secret_key, salt, key_derivation, digest_method)


def _default_to_datetime(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=_UTC)


class SignerCore:
    """Signs and verifies with derived keys (oldest first, the last signs).

    ``algorithm`` ``None`` is HMAC with ``digest_method``; anything else is an
    itsdangerous ``SigningAlgorithm`` whose methods are called.
    """

    __slots__ = ("sep", "_keys", "_macs", "_algorithm")

    def __init__(self, keys: list[bytes], sep: bytes, digest_method: t.Any, algorithm: t.Any = None) -> None:
        self.sep = sep
        self._keys = list(keys)
        self._algorithm = algorithm
        if algorithm is None:
            # Newest first: the order keys are tried in, the first signs.
            self._macs = [mac_for(k, digest_method) for k in reversed(self._keys)]
        else:
            self._macs = []

    def get_signature(self, value: bytes) -> bytes:
        if self._algorithm is None:
            if not self._macs:
                raise IndexError("list index out of range")
            return b64encode(self._macs[0].digest(value))
        return b64encode(self._algorithm.get_signature(self._keys[-1], value))

    def sign(self, value: str | bytes) -> bytes:
        value = want_bytes(value)
        return value + self.sep + self.get_signature(value)

    def verify_signature(self, value: bytes, sig: bytes) -> bool:
        try:
            raw = b64decode(sig)
        except Exception:
            return False
        if self._algorithm is None:
            for mac in self._macs:
                if hmac.compare_digest(raw, mac.digest(value)):
                    return True
            return False
        for key in reversed(self._keys):
            if self._algorithm.verify_signature(key, value, raw):
                return True
        return False

    def unsign(self, signed_value: str | bytes) -> bytes:
        signed_value = want_bytes(signed_value)
        sep = self.sep
        if sep not in signed_value:
            raise BadSignature(f"No {sep!r} found in value")
        value, sig = signed_value.rsplit(sep, 1)
        if self.verify_signature(value, sig):
            return value
        raise BadSignature(f"Signature {sig!r} does not match", payload=value)

    def sign_timestamp(self, value: str | bytes, timestamp: int) -> bytes:
        value = want_bytes(value) + self.sep + encode_timestamp(timestamp)
        return value + self.sep + self.get_signature(value)

    def unsign_timestamp(
        self,
        signed_value: str | bytes,
        max_age: t.Any,
        return_timestamp: int,
        get_timestamp: t.Callable[[], int],
        to_datetime: t.Callable[[int], datetime] | None,
    ) -> t.Any:
        """itsdangerous's ``TimestampSigner.unsign``. ``to_datetime`` ``None``
        is the default conversion."""
        return self._unsign_timestamp(
            signed_value, max_age, 1 if return_timestamp else 0, get_timestamp, to_datetime
        )

    def _unsign_timestamp(
        self,
        signed_value: str | bytes,
        max_age: t.Any,
        mode: int,
        get_timestamp: t.Callable[[], int],
        to_datetime: t.Callable[[int], datetime] | None,
    ) -> t.Any:
        """``mode`` 0: the value, 1: ``(value, datetime)``, 2: the value, the
        datetime checked (as the serializers' ``return_timestamp=True``)
        but only made when it could fail."""
        if to_datetime is None:
            to_datetime = _default_to_datetime
        try:
            result = self.unsign(signed_value)
            sig_error = None
        except BadSignature as e:
            sig_error = e
            result = e.payload or b""
        sep = self.sep
        if sep not in result:
            if sig_error:
                raise sig_error
            raise BadTimeSignature("timestamp missing", payload=result)
        value, ts_bytes = result.rsplit(sep, 1)
        ts_int = decode_timestamp(ts_bytes)
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
            age = get_timestamp() - ts_int
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


#: Payloads up to this length are never compressed: a zlib stream of one or
#: more bytes is at least 9 bytes (2 header, 4 checksum, and a deflate block
#: of at least 3: block header, one literal, end of block), and compression
#: is kept only when it saves 2 bytes or more. PERF: zlib's set-up costs more
#: than the rest of signing a small session.
NEVER_SHORTER = 10


def urlsafe_dump_payload(data: bytes) -> bytes:
    """zlib-compressed (marked by a leading ``.``) if that is shorter, then
    URL-safe base64."""
    if len(data) <= NEVER_SHORTER:
        return b64encode(data)
    compressed = zlib.compress(data)
    if len(compressed) < len(data) - 1:
        return b"." + b64encode(compressed)
    return b64encode(data)


def urlsafe_load_payload(payload: bytes) -> bytes:
    """Reverse of :func:`urlsafe_dump_payload`, raising
    :exc:`~itsdangerous.exc.BadPayload` as itsdangerous does."""
    decompress = False
    if payload.startswith(b"."):
        payload = payload[1:]
        decompress = True
    try:
        data = b64decode(payload)
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


def _unserializing_failed(error: Exception) -> BadPayload:
    """itsdangerous's error for a payload that did not load."""
    return BadPayload(
        "Could not load the payload because an exception"
        " occurred on unserializing the data.",
        original_error=error,
    )


def load_payload(serializer: t.Any, payload: bytes, is_text: bool) -> t.Any:
    """``serializer.loads`` of the payload (decoded first for a text
    serializer), any error raised as :exc:`~itsdangerous.exc.BadPayload`."""
    try:
        if is_text:
            return serializer.loads(payload.decode("utf-8"))
        return serializer.loads(payload)
    except Exception as e:
        raise _unserializing_failed(e) from e


def urlsafe_dumps(
    core: SignerCore,
    serializer: t.Any,
    serializer_kwargs: dict[str, t.Any],
    obj: t.Any,
    timestamp: int | None,
    is_text: bool,
) -> t.Any:
    """``URLSafe(Timed)Serializer.dumps``: serialize, compress if shorter,
    base64, sign (with ``timestamp`` unless it is ``None``)."""
    payload = urlsafe_dump_payload(want_bytes(serializer.dumps(obj, **serializer_kwargs)))
    if timestamp is None:
        rv = core.sign(payload)
    else:
        rv = core.sign_timestamp(payload, timestamp)
    if is_text:
        return rv.decode("utf-8")
    return rv


def urlsafe_loads(
    core: SignerCore,
    serializer: t.Any,
    is_text: bool,
    s: str | bytes,
    timed: bool,
    max_age: t.Any,
    return_timestamp: bool,
    get_timestamp: t.Callable[[], int],
    to_datetime: t.Callable[[int], datetime] | None,
) -> t.Any:
    """``URLSafe(Timed)Serializer.loads`` with a single signer."""
    s = want_bytes(s)
    if not timed:
        return load_payload(serializer, urlsafe_load_payload(core.unsign(s)), is_text)
    if return_timestamp:
        base64d, timestamp = core._unsign_timestamp(s, max_age, 1, get_timestamp, to_datetime)
        return load_payload(serializer, urlsafe_load_payload(base64d), is_text), timestamp
    base64d = core._unsign_timestamp(s, max_age, 2, get_timestamp, to_datetime)
    return load_payload(serializer, urlsafe_load_payload(base64d), is_text)


def _clock() -> int:
    # TimestampSigner.get_timestamp; time.time looked up per call, as
    # itsdangerous does, so that a test can move the clock.
    return int(time.time())


def urlsafe_dumps_text(core: SignerCore, text: str, timestamp: int | None) -> str:
    """``urlsafe_dumps(core, serializer, {}, obj, timestamp, True)`` for a
    text serializer whose ``dumps(obj)`` gave the str ``text``."""
    payload = urlsafe_dump_payload(text.encode("utf-8"))
    if timestamp is None:
        rv = core.sign(payload)
    else:
        rv = core.sign_timestamp(payload, timestamp)
    return rv.decode("utf-8")


def urlsafe_loads_text(core: SignerCore, s: str | bytes, max_age: t.Any) -> str:
    """The text ``urlsafe_loads(core, serializer, True, s, True, max_age,
    False, get_timestamp, None)`` would hand ``serializer.loads``, with
    TimestampSigner's own clock (``int(time.time())``, looked up per call);
    :exc:`~itsdangerous.exc.BadPayload` if it is no UTF-8."""
    s = want_bytes(s)
    payload = urlsafe_load_payload(core._unsign_timestamp(s, max_age, 2, _clock, None))
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _unserializing_failed(e) from e
