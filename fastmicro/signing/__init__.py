"""Signing, itsdangerous-compatible: swap ``itsdangerous`` for
``fastmicro.signing`` in imports.

The classes give byte-identical signatures and serialized strings to
itsdangerous 2.2, verify each other's output, and raise itsdangerous's own
exception classes (re-exported here) with the same messages, so code catching
``itsdangerous.BadSignature`` keeps working. The hot work runs in the core
chosen by :func:`fastmicro.speedups.load` (``"signing"``): compiled
(:mod:`fastmicro._ext.signing`) or pure (:mod:`fastmicro.signing._pysigning`).

Derived keys and the HMAC state of each key are computed once per (secret,
salt, derivation, digest) and kept in bounded caches, so building a
serializer per request (as Flask's session interface does) is cheap.

Differences from itsdangerous, all outside the documented API: a signer
builds its keys on first use, so changing ``secret_keys``, ``salt``,
``key_derivation``, ``digest_method`` or ``algorithm`` after the first
``sign``/``unsign`` has no effect; overriding ``get_signature`` or
``verify_signature`` in a subclass does not change ``sign``/``unsign``
(overriding ``derive_key``, ``get_timestamp``, ``timestamp_to_datetime``,
``make_signer``, ``dump_payload``, ``load_payload`` and ``iter_unsigners``
does, as in itsdangerous); a serializer makes the signer for its default
salt once, at its first use, so attributes of the serializer changed after
that are not seen by it; hmac's warning for a digest without a usable
``block_size`` is not emitted.

.. versionadded:: 0.1
"""
from __future__ import annotations

import collections.abc as cabc
import json
import time
import typing as t
from datetime import datetime, timezone

from itsdangerous._json import _CompactJSON
from itsdangerous.encoding import _base64_alphabet
from itsdangerous.exc import (
    BadData,
    BadHeader,
    BadPayload,
    BadSignature,
    BadTimeSignature,
    SignatureExpired,
)
from itsdangerous.signer import HMACAlgorithm, NoneAlgorithm, SigningAlgorithm

from .. import speedups
from . import _pysigning

__all__ = [
    "BadData",
    "BadHeader",
    "BadPayload",
    "BadSignature",
    "BadTimeSignature",
    "HMACAlgorithm",
    "NoneAlgorithm",
    "Serializer",
    "SignatureExpired",
    "Signer",
    "SigningAlgorithm",
    "TimedSerializer",
    "TimestampSigner",
    "URLSafeSerializer",
    "URLSafeTimedSerializer",
    "base64_decode",
    "base64_encode",
    "want_bytes",
]

_core = speedups.load("signing")


def want_bytes(s: str | bytes, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    if isinstance(s, str):
        s = s.encode(encoding, errors)
    return s


def base64_encode(string: str | bytes) -> bytes:
    """URL-safe base64 of bytes or text (UTF-8), without padding."""
    return _core.b64encode(want_bytes(string))


def base64_decode(string: str | bytes) -> bytes:
    """Decode URL-safe base64 (bytes, or text whose non-ASCII characters are
    ignored); raise :exc:`BadData` if it is not base64."""
    return _core.b64decode(want_bytes(string, encoding="ascii", errors="ignore"))


def _lazy_sha1(string: bytes = b"") -> t.Any:
    # Looked up at call time: FIPS builds may lack sha1.
    import hashlib

    return hashlib.sha1(string)


def _make_keys_list(secret_key: t.Any) -> list[bytes]:
    if isinstance(secret_key, (str, bytes)):
        return [want_bytes(secret_key)]
    return [want_bytes(s) for s in secret_key]


class Signer:
    """Signs bytes and verifies them, as :class:`itsdangerous.Signer`.

    :param secret_key: the key, or a list of keys oldest to newest (the
        newest signs, all verify).
    :param salt: combined with the key to separate signing contexts.
    :param sep: separator between value and signature (not a base64
        character).
    :param key_derivation: ``"django-concat"`` (default), ``"concat"``,
        ``"hmac"`` or ``"none"``.
    :param digest_method: hash constructor, :func:`hashlib.sha1` by default.
    :param algorithm: an itsdangerous ``SigningAlgorithm`` instead of HMAC.
    """

    default_digest_method: t.Any = staticmethod(_lazy_sha1)
    default_key_derivation: str = "django-concat"

    def __init__(
        self,
        secret_key: str | bytes | cabc.Iterable[str] | cabc.Iterable[bytes],
        salt: str | bytes | None = b"itsdangerous.Signer",
        sep: str | bytes = b".",
        key_derivation: str | None = None,
        digest_method: t.Any | None = None,
        algorithm: SigningAlgorithm | None = None,
    ):
        self.secret_keys: list[bytes] = _make_keys_list(secret_key)
        self.sep: bytes = want_bytes(sep)
        if self.sep in _base64_alphabet:
            raise ValueError(
                "The given separator cannot be used because it may be"
                " contained in the signature itself. ASCII letters,"
                " digits, and '-_=' must not be used."
            )
        if salt is not None:
            salt = want_bytes(salt)
        else:
            salt = b"itsdangerous.Signer"
        self.salt = salt
        if key_derivation is None:
            key_derivation = self.default_key_derivation
        self.key_derivation: str = key_derivation
        if digest_method is None:
            digest_method = self.default_digest_method
        self.digest_method: t.Any = digest_method
        if algorithm is None:
            algorithm = HMACAlgorithm(self.digest_method)
        self.algorithm: SigningAlgorithm = algorithm
        self._signer_core: t.Any = None

    @property
    def secret_key(self) -> bytes:
        """The newest (last) of :attr:`secret_keys`."""
        return self.secret_keys[-1]

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        """The signing key derived from ``secret_key`` (default: the newest)
        and the salt; cached."""
        if secret_key is None:
            secret_key = self.secret_keys[-1]
        else:
            secret_key = want_bytes(secret_key)
        return _core.derive_key(secret_key, self.salt, self.key_derivation, self.digest_method)  # type: ignore[no-any-return]

    def _core(self) -> t.Any:
        """The core signer, built on first use (so that derivation errors
        are raised where itsdangerous raises them)."""
        core = self._signer_core
        if core is not None:
            return core
        algorithm = self.algorithm
        if type(algorithm) is HMACAlgorithm:
            digest_method, algorithm = algorithm.digest_method, None
        else:
            digest_method = self.digest_method
        try:
            if type(self).derive_key is Signer.derive_key:
                derive, salt, kd, dm = _core.derive_key, self.salt, self.key_derivation, self.digest_method
                keys = [derive(k, salt, kd, dm) for k in self.secret_keys]
            else:
                keys = [self.derive_key(k) for k in self.secret_keys]
        except Exception:
            # Deriving fails (unknown derivation, bad digest...): follow
            # itsdangerous's steps, which fail only where it derives.
            return _DerivingCore(self)
        core = self._signer_core = _core.SignerCore(keys, self.sep, digest_method, algorithm)
        return core

    def get_signature(self, value: str | bytes) -> bytes:
        """The base64 signature of ``value`` with the newest key."""
        return self._core().get_signature(want_bytes(value))  # type: ignore[no-any-return]

    def sign(self, value: str | bytes) -> bytes:
        """``value + sep + signature``."""
        return self._core().sign(value)  # type: ignore[no-any-return]

    def verify_signature(self, value: str | bytes, sig: str | bytes) -> bool:
        """Whether ``sig`` is the signature of ``value`` with any key."""
        core = self._core()
        if isinstance(sig, str):
            # base64_decode's reading of text: non-ASCII characters dropped.
            sig = sig.encode("ascii", "ignore")
        return core.verify_signature(want_bytes(value), sig)  # type: ignore[no-any-return]

    def unsign(self, signed_value: str | bytes) -> bytes:
        """The value, if the signature is valid; else :exc:`BadSignature`."""
        return self._core().unsign(signed_value)  # type: ignore[no-any-return]

    def validate(self, signed_value: str | bytes) -> bool:
        """Whether the signature exists and is valid."""
        try:
            self.unsign(signed_value)
            return True
        except BadSignature:
            return False


class _DerivingCore(_pysigning.SignerCore):
    """A core deriving keys on every use exactly as itsdangerous does, for
    signers whose keys cannot be derived up front."""

    __slots__ = ("_signer",)

    def __init__(self, signer: Signer) -> None:
        self.sep = signer.sep
        self._signer = signer

    def get_signature(self, value: bytes) -> bytes:
        signer = self._signer
        return base64_encode(signer.algorithm.get_signature(signer.derive_key(), value))

    def verify_signature(self, value: bytes, sig: bytes) -> bool:
        try:
            raw = base64_decode(sig)
        except Exception:
            return False
        signer = self._signer
        for secret_key in reversed(signer.secret_keys):
            if signer.algorithm.verify_signature(signer.derive_key(secret_key), value, raw):
                return True
        return False


class TimestampSigner(Signer):
    """A :class:`Signer` that also records when it signed, as
    :class:`itsdangerous.TimestampSigner`."""

    def get_timestamp(self) -> int:
        """The current time, an integer."""
        return int(time.time())

    def timestamp_to_datetime(self, ts: int) -> datetime:
        """``ts`` as an aware UTC :class:`~datetime.datetime`."""
        return datetime.fromtimestamp(ts, tz=timezone.utc)

    def _to_datetime(self) -> t.Any:
        # None tells the core to use its own (identical) default conversion.
        if type(self).timestamp_to_datetime is TimestampSigner.timestamp_to_datetime:
            return None
        return self.timestamp_to_datetime

    def sign(self, value: str | bytes) -> bytes:
        """``value + sep + timestamp + sep + signature``."""
        return self._core().sign_timestamp(value, self.get_timestamp())  # type: ignore[no-any-return]

    def unsign(  # type: ignore[override]
        self,
        signed_value: str | bytes,
        max_age: int | None = None,
        return_timestamp: bool = False,
    ) -> tuple[bytes, datetime] | bytes:
        """The value (and its signing time if ``return_timestamp``) if the
        signature is valid and not older than ``max_age`` seconds; else
        :exc:`BadSignature`, :exc:`BadTimeSignature` or
        :exc:`SignatureExpired`."""
        return self._core().unsign_timestamp(  # type: ignore[no-any-return]
            signed_value, max_age, return_timestamp, self.get_timestamp, self._to_datetime()
        )

    def validate(self, signed_value: str | bytes, max_age: int | None = None) -> bool:  # type: ignore[override]
        """Whether the signature exists, is valid and is not too old."""
        try:
            self.unsign(signed_value, max_age=max_age)
            return True
        except BadSignature:
            return False


def is_text_serializer(serializer: t.Any) -> bool:
    """Whether ``serializer`` produces text (rather than bytes)."""
    return isinstance(serializer.dumps({}), str)


class Serializer:
    """Serializes and signs data, as :class:`itsdangerous.Serializer`."""

    default_serializer: t.Any = json
    default_signer: type[Signer] = Signer
    default_fallback_signers: list[t.Any] = []

    def __init__(
        self,
        secret_key: str | bytes | cabc.Iterable[str] | cabc.Iterable[bytes],
        salt: str | bytes | None = b"itsdangerous",
        serializer: t.Any | None = None,
        serializer_kwargs: dict[str, t.Any] | None = None,
        signer: type[Signer] | None = None,
        signer_kwargs: dict[str, t.Any] | None = None,
        fallback_signers: list[t.Any] | None = None,
    ):
        self.secret_keys: list[bytes] = _make_keys_list(secret_key)
        if salt is not None:
            salt = want_bytes(salt)
        self.salt = salt
        if serializer is None:
            serializer = self.default_serializer
        self.serializer: t.Any = serializer
        self.is_text_serializer: bool = is_text_serializer(serializer)
        if signer is None:
            signer = self.default_signer
        self.signer: type[Signer] = signer
        self.signer_kwargs: dict[str, t.Any] = signer_kwargs or {}
        if fallback_signers is None:
            fallback_signers = list(self.default_fallback_signers)
        self.fallback_signers: list[t.Any] = fallback_signers
        self.serializer_kwargs: dict[str, t.Any] = serializer_kwargs or {}
        self._default_signer: Signer | None = None

    @property
    def secret_key(self) -> bytes:
        """The newest (last) of :attr:`secret_keys`."""
        return self.secret_keys[-1]

    def load_payload(self, payload: bytes, serializer: t.Any | None = None) -> t.Any:
        """Deserialize ``payload`` (bytes); :exc:`BadPayload` if that fails."""
        if serializer is None:
            return _core.load_payload(self.serializer, payload, self.is_text_serializer)
        return _core.load_payload(serializer, payload, is_text_serializer(serializer))

    def dump_payload(self, obj: t.Any) -> bytes:
        """Serialize ``obj`` to bytes (text is encoded as UTF-8)."""
        return want_bytes(self.serializer.dumps(obj, **self.serializer_kwargs))

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        """A new signer for ``salt`` (default: the serializer's)."""
        if salt is None:
            salt = self.salt
        return self.signer(self.secret_keys, salt=salt, **self.signer_kwargs)

    def _signer_for(self, salt: str | bytes | None) -> Signer:
        # PERF: the default salt's signer is made once per serializer, as
        # long as make_signer is itsdangerous's.
        if salt is None and type(self).make_signer is Serializer.make_signer:
            signer = self._default_signer
            if signer is None:
                signer = self._default_signer = self.make_signer(None)
            return signer
        return self.make_signer(salt)

    def iter_unsigners(self, salt: str | bytes | None = None) -> cabc.Iterator[Signer]:
        """The signers to try: the configured one, then the fallbacks."""
        if salt is None:
            salt = self.salt
        yield self._signer_for(None) if salt is self.salt else self.make_signer(salt)
        for fallback in self.fallback_signers:
            if isinstance(fallback, dict):
                kwargs = fallback
                fallback = self.signer
            elif isinstance(fallback, tuple):
                fallback, kwargs = fallback
            else:
                kwargs = self.signer_kwargs
            for secret_key in self.secret_keys:
                yield fallback(secret_key, salt=salt, **kwargs)

    def dumps(self, obj: t.Any, salt: str | bytes | None = None) -> t.Any:
        """``obj`` serialized and signed (text if the serializer gives text)."""
        payload = want_bytes(self.dump_payload(obj))
        rv = self._signer_for(salt).sign(payload)
        if self.is_text_serializer:
            return rv.decode("utf-8")
        return rv

    def dump(self, obj: t.Any, f: t.IO[t.Any], salt: str | bytes | None = None) -> None:
        f.write(self.dumps(obj, salt))

    def loads(self, s: str | bytes, salt: str | bytes | None = None, **kwargs: t.Any) -> t.Any:
        """Reverse of :meth:`dumps`; :exc:`BadSignature` if no signer
        verifies ``s``."""
        s = want_bytes(s)
        last_exception = None
        for signer in self.iter_unsigners(salt):
            try:
                return self.load_payload(signer.unsign(s))
            except BadSignature as err:
                last_exception = err
        raise t.cast(BadSignature, last_exception)

    def load(self, f: t.IO[t.Any], salt: str | bytes | None = None) -> t.Any:
        return self.loads(f.read(), salt)

    def loads_unsafe(self, s: str | bytes, salt: str | bytes | None = None) -> tuple[bool, t.Any]:
        """``(signature_valid, payload)``, never raising; for debugging."""
        return self._loads_unsafe_impl(s, salt)

    def _loads_unsafe_impl(
        self,
        s: str | bytes,
        salt: str | bytes | None,
        load_kwargs: dict[str, t.Any] | None = None,
        load_payload_kwargs: dict[str, t.Any] | None = None,
    ) -> tuple[bool, t.Any]:
        if load_kwargs is None:
            load_kwargs = {}
        try:
            return True, self.loads(s, salt=salt, **load_kwargs)
        except BadSignature as e:
            if e.payload is None:
                return False, None
            if load_payload_kwargs is None:
                load_payload_kwargs = {}
            try:
                return False, self.load_payload(e.payload, **load_payload_kwargs)
            except BadPayload:
                return False, None

    def load_unsafe(self, f: t.IO[t.Any], salt: str | bytes | None = None) -> tuple[bool, t.Any]:
        return self.loads_unsafe(f.read(), salt=salt)


class TimedSerializer(Serializer):
    """A :class:`Serializer` signing with :class:`TimestampSigner`."""

    default_signer: type[Signer] = TimestampSigner

    def loads(  # type: ignore[override]
        self,
        s: str | bytes,
        max_age: int | None = None,
        return_timestamp: bool = False,
        salt: str | bytes | None = None,
    ) -> t.Any:
        """Reverse of :meth:`dumps`; :exc:`SignatureExpired` if older than
        ``max_age`` seconds."""
        s = want_bytes(s)
        last_exception = None
        for signer in self.iter_unsigners(salt):
            try:
                base64d, timestamp = signer.unsign(s, max_age=max_age, return_timestamp=True)  # type: ignore[call-arg,misc]
                payload = self.load_payload(base64d)
                if return_timestamp:
                    return payload, timestamp
                return payload
            except SignatureExpired:
                raise
            except BadSignature as err:
                last_exception = err
        raise t.cast(BadSignature, last_exception)

    def loads_unsafe(  # type: ignore[override]
        self,
        s: str | bytes,
        max_age: int | None = None,
        salt: str | bytes | None = None,
    ) -> tuple[bool, t.Any]:
        return self._loads_unsafe_impl(s, salt, load_kwargs={"max_age": max_age})


# Methods whose overriding turns the single-call fast paths off.
_HOOKS = ("make_signer", "dump_payload", "load_payload", "iter_unsigners", "_signer_for")


class URLSafeSerializerMixin(Serializer):
    """Compresses (zlib, if shorter) and base64-encodes the payload so that
    the result is URL-safe."""

    default_serializer: t.Any = _CompactJSON
    _fast_core: t.Any = None

    def load_payload(self, payload: bytes, *args: t.Any, serializer: t.Any | None = None, **kwargs: t.Any) -> t.Any:
        return super().load_payload(_core.urlsafe_load_payload(payload), *args, **kwargs)

    def dump_payload(self, obj: t.Any) -> bytes:
        return _core.urlsafe_dump_payload(super().dump_payload(obj))  # type: ignore[no-any-return]

    def _find_fast_core(self, base: type, signer_class: type) -> t.Any:
        """The signer core for one-call ``dumps``/``loads`` with the default
        salt, or ``False`` when itsdangerous's steps must be followed (a
        hook overridden, fallback signers, another signer class, a signer
        that cannot be built yet)."""
        cls = type(self)
        if self.fallback_signers or not all(getattr(cls, h) is getattr(base, h) for h in _HOOKS):
            return False
        try:
            signer = self._signer_for(None)
            if type(signer) is not signer_class:
                return False
            core = signer._core()
            return core if core is signer._signer_core else False
        except Exception:
            return False


class URLSafeSerializer(URLSafeSerializerMixin, Serializer):
    """A URL-safe :class:`Serializer`, as :class:`itsdangerous.URLSafeSerializer`."""

    def dumps(self, obj: t.Any, salt: str | bytes | None = None) -> t.Any:
        core = self._fast_core
        if core is None:
            core = self._fast_core = self._find_fast_core(URLSafeSerializer, Signer)
        if core is False or salt is not None:
            return super().dumps(obj, salt)
        return _core.urlsafe_dumps(
            core, self.serializer, self.serializer_kwargs, obj, None, self.is_text_serializer
        )

    def loads(self, s: str | bytes, salt: str | bytes | None = None, **kwargs: t.Any) -> t.Any:
        core = self._fast_core
        if core is None:
            core = self._fast_core = self._find_fast_core(URLSafeSerializer, Signer)
        if core is False or salt is not None or kwargs:
            return super().loads(s, salt, **kwargs)
        return _core.urlsafe_loads(
            core, self.serializer, self.is_text_serializer, s, False, None, False, None, None
        )


class URLSafeTimedSerializer(URLSafeSerializerMixin, TimedSerializer):
    """A URL-safe :class:`TimedSerializer`, as
    :class:`itsdangerous.URLSafeTimedSerializer` (Flask's session cookie)."""

    def dumps(self, obj: t.Any, salt: str | bytes | None = None) -> t.Any:
        core = self._fast_core
        if core is None:
            core = self._fast_core = self._find_fast_core(URLSafeTimedSerializer, TimestampSigner)
        if core is False or salt is not None:
            return super().dumps(obj, salt)
        # PERF: TimestampSigner.get_timestamp inlined (the signer is exactly
        # that class); time.time looked up per call as itsdangerous does.
        return _core.urlsafe_dumps(
            core,
            self.serializer,
            self.serializer_kwargs,
            obj,
            int(time.time()),
            self.is_text_serializer,
        )

    def loads(  # type: ignore[override]
        self,
        s: str | bytes,
        max_age: int | None = None,
        return_timestamp: bool = False,
        salt: str | bytes | None = None,
    ) -> t.Any:
        core = self._fast_core
        if core is None:
            core = self._fast_core = self._find_fast_core(URLSafeTimedSerializer, TimestampSigner)
        if core is False or salt is not None:
            return super().loads(s, max_age, return_timestamp, salt)
        return _core.urlsafe_loads(
            core,
            self.serializer,
            self.is_text_serializer,
            s,
            True,
            max_age,
            return_timestamp,
            _now,
            None,
        )


def _now() -> int:
    """``TimestampSigner.get_timestamp``, for signers of exactly that class."""
    return int(time.time())
