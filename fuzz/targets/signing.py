"""Fuzz target: the ``signing`` hot path (``ext/signing.pyx`` /
``fastmicro/signing/_pysigning.py``) through ``fastmicro.signing``:
``Signer.unsign``, ``TimestampSigner.unsign`` and the loads of
``URLSafeSerializer``/``URLSafeTimedSerializer`` with random tokens; with
random tokens carrying a valid signature (signed by the baseline) so the
timestamp and payload decoding behind the signature check are reached; and
the core's base64, timestamp and payload decoders on random bytes.

Baseline: ``fastmicro.signing`` loaded a second time on the pure core
(compiled backend), or itsdangerous 2.2 (pure backend). Results, exception
classes, messages, ``payload`` and ``date_signed`` must be the same; only the
``BadData`` family may be raised, and, as itsdangerous does, the error of
turning a validly signed but absurd timestamp into a ``datetime`` (only a
holder of the key can make one). The clock is frozen so that two calls
around a second boundary cannot disagree on an expiry.
"""
from __future__ import annotations

import hashlib
import time
import typing as t

import itsdangerous
from itsdangerous.exc import BadData

from fastmicro import signing as fastmicro_signing

from harness import Reader, backend_modules, check, signing_on

DESCRIPTION = "Signer/TimestampSigner/URLSafe(Timed)Serializer with random and validly signed tokens"
#: Instrumented for Python coverage: the code this input can reach.
INSTRUMENT = ("fastmicro.signing", "itsdangerous")

NOW = 1_700_000_000
time.time = lambda: NOW + 0.5  # type: ignore[assignment]  # frozen for the whole process

core, pure_core = backend_modules("signing")


ours = fastmicro_signing
theirs: t.Any = signing_on(pure_core) if pure_core is not None else itsdangerous

SECRETS: list[t.Any] = ["secret", b"\x00key", "k" * 200, ["old", "new"], [b"a", "b", "c"]]
SALTS: list[t.Any] = [None, "cookie-session", b"", "salt\xe9"]
DERIVATIONS = ["django-concat", "concat", "hmac", "none"]
DIGESTS = [None, hashlib.sha1, hashlib.sha256, hashlib.sha512]
#: datetime.fromtimestamp of a validly signed timestamp out of its range.
DATETIME_ERRORS = (ValueError, OverflowError, OSError)


def as_outcome(call: t.Callable[[], t.Any]) -> t.Callable[[], t.Any]:
    """``call``'s result, or everything about its BadData (others escape)."""
    def run() -> t.Any:
        try:
            return ("ok", call())
        except BadData as exc:
            return (
                type(exc).__name__,
                str(exc),
                getattr(exc, "payload", None),
                getattr(exc, "date_signed", None),
                type(getattr(exc, "original_error", None)).__name__,
            )
    return run


def signer_kwargs(reader: Reader) -> dict[str, t.Any]:
    kwargs: dict[str, t.Any] = {
        "key_derivation": reader.pick(DERIVATIONS),
        "digest_method": reader.pick(DIGESTS),
    }
    salt = reader.pick(SALTS)
    if salt is not None:
        kwargs["salt"] = salt
    return kwargs


def token(reader: Reader, sign: t.Callable[[bytes], bytes]) -> t.Any:
    """A token: the raw input, or a valid signature over the raw input,
    maybe mutated at one place; as bytes or str."""
    kind = reader.pick(["raw", "signed", "mutated", "truncated"])
    position = reader.number(0, 1 << 16)
    replacement = reader.number(0, 255)
    data = reader.raw()
    if kind != "raw":
        data = sign(data)
        if kind == "mutated" and data:
            i = position % len(data)
            data = data[:i] + bytes([replacement]) + data[i + 1 :]
        elif kind == "truncated":
            data = data[: position % (len(data) + 1)]
    if reader.flag():
        return data.decode("latin-1")
    return data


def fuzz_signer(reader: Reader, secret: t.Any, kwargs: dict[str, t.Any]) -> None:
    timed = reader.flag()
    name = "TimestampSigner" if timed else "Signer"
    max_age = reader.pick([None, 0, 10, 10**6])
    with_time = reader.flag()
    # A plain Signer's signature over arbitrary bytes is also valid for the
    # TimestampSigner: its timestamp decoding gets any bytes.
    signer = itsdangerous.Signer(secret, **kwargs)
    value = token(reader, signer.sign)
    mine, other = getattr(ours, name)(secret, **kwargs), getattr(theirs, name)(secret, **kwargs)
    if timed:
        check(
            f"{name}({secret!r}, {kwargs}).unsign({value!r:.300}, {max_age}, {with_time})",
            as_outcome(lambda: mine.unsign(value, max_age=max_age, return_timestamp=with_time)),
            as_outcome(lambda: other.unsign(value, max_age=max_age, return_timestamp=with_time)),
            allowed=DATETIME_ERRORS,
        )
    else:
        check(
            f"{name}({secret!r}, {kwargs}).unsign({value!r:.300})",
            as_outcome(lambda: mine.unsign(value)),
            as_outcome(lambda: other.unsign(value)),
        )
    check(f"{name}.validate({value!r:.300})", lambda: mine.validate(value),
          lambda: other.validate(value), allowed=DATETIME_ERRORS)


def fuzz_serializer(reader: Reader, secret: t.Any, kwargs: dict[str, t.Any]) -> None:
    timed = reader.flag()
    name = "URLSafeTimedSerializer" if timed else "URLSafeSerializer"
    salt = kwargs.pop("salt", "itsdangerous")
    max_age = reader.pick([None, 0, 10, 10**6])
    signer_class = itsdangerous.TimestampSigner if timed and reader.flag() else itsdangerous.Signer
    signer = signer_class(secret, salt=salt, **kwargs)
    value = token(reader, signer.sign)
    mine = getattr(ours, name)(secret, salt=salt, signer_kwargs=kwargs)
    other = getattr(theirs, name)(secret, salt=salt, signer_kwargs=kwargs)
    extra = {"max_age": max_age} if timed else {}
    check(
        f"{name}({secret!r}, {salt!r}, {kwargs}).loads({value!r:.300}, {extra})",
        as_outcome(lambda: mine.loads(value, **extra)),
        as_outcome(lambda: other.loads(value, **extra)),
        allowed=DATETIME_ERRORS,
    )
    check(f"{name}.loads_unsafe({value!r:.300})", as_outcome(lambda: mine.loads_unsafe(value)),
          as_outcome(lambda: other.loads_unsafe(value)), allowed=DATETIME_ERRORS)


def fuzz_core(reader: Reader) -> None:
    name = reader.pick(["b64decode", "decode_timestamp", "urlsafe_load_payload", "b64encode"])
    data = reader.raw()
    check(
        f"core.{name}({data!r:.300})",
        as_outcome(lambda: getattr(core, name)(data)),
        None if pure_core is None else as_outcome(lambda: getattr(pure_core, name)(data)),
    )


def test_one_input(data: bytes) -> None:
    reader = Reader(data)
    choice = reader.number(0, 4)
    if choice == 4:
        fuzz_core(reader)
        return
    secret = reader.pick(SECRETS)
    kwargs = signer_kwargs(reader)
    if choice < 2:
        fuzz_signer(reader, secret, kwargs)
    else:
        fuzz_serializer(reader, secret, kwargs)
