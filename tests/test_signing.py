"""Signing: compiled core, pure twin and the real itsdangerous, compared.

:mod:`fastmicro.signing` is loaded twice, once on each core
(:mod:`fastmicro._ext.signing`, imported directly and required unless
``FASTMICRO_NO_EXTENSIONS`` is set, and :mod:`fastmicro.signing._pysigning`),
and every scenario is run on both and on itsdangerous 2.2: signatures and
serialized strings must be byte-identical, each implementation must accept
the others' output, and bad input must raise the same exception class with
the same message, payload and ``date_signed``.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import time
import zlib
from contextlib import contextmanager
from unittest import mock

import itsdangerous
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fastmicro import speedups
from fastmicro.signing import _pysigning

if speedups.NO_EXTENSIONS:
    compiled = None
else:
    # Required: a missing build must fail here, not silently test the twin.
    compiled = importlib.import_module("fastmicro._ext.signing")

CORES = {"pure": _pysigning}
if compiled is not None:
    CORES["compiled"] = compiled


def signing_on(core):
    """A fresh ``fastmicro.signing`` module running on ``core``."""
    spec = importlib.util.find_spec("fastmicro.signing")
    module = importlib.util.module_from_spec(spec)
    saved = speedups._loaded.get("signing")
    speedups._loaded["signing"] = (core, "test")
    try:
        spec.loader.exec_module(module)
    finally:
        if saved is None:
            speedups._loaded.pop("signing", None)
        else:
            speedups._loaded["signing"] = saved
    return module


LIBS = {"itsdangerous": itsdangerous}
LIBS.update({name: signing_on(core) for name, core in CORES.items()})

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW = 1_700_000_000


def _lazy_sha1(string=b""):
    """A digest that is a Python function, as Flask's session digest."""
    return hashlib.sha1(string)


secrets = st.one_of(
    st.binary(max_size=80),
    st.text(max_size=40),
    st.binary(min_size=129, max_size=300),  # longer than sha512's block
    st.lists(st.one_of(st.binary(max_size=40), st.text(max_size=20)), min_size=1, max_size=3),
)
salts = st.one_of(st.none(), st.binary(max_size=30), st.text(max_size=20))
values = st.one_of(
    st.binary(max_size=200),
    st.text(max_size=80),
    st.binary(min_size=3000, max_size=6000),
)
derivations = st.sampled_from(["django-concat", "concat", "hmac", "none"])
digests = st.sampled_from([None, hashlib.sha1, hashlib.sha256, hashlib.sha512, _lazy_sha1])
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=30),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=6), st.dictionaries(st.text(max_size=10), children, max_size=6)
    ),
    max_leaves=30,
)


def outcome(fn, *args, **kwargs):
    """What a call does: its result, or everything about its exception."""
    try:
        return ("ok", fn(*args, **kwargs))
    except Exception as exc:  # noqa: BLE001 - compared
        return (
            "raised",
            type(exc),
            str(exc),
            getattr(exc, "payload", None),
            getattr(exc, "date_signed", None),
            type(getattr(exc, "original_error", None)),
        )


def same(results):
    first = next(iter(results.values()))
    assert all(r == first for r in results.values()), results
    return first


@contextmanager
def frozen(ts):
    with mock.patch("time.time", return_value=ts + 0.5):
        yield


def signer_kwargs(salt, derivation, digest):
    kwargs = {"key_derivation": derivation, "digest_method": digest}
    if salt is not None:
        kwargs["salt"] = salt
    return kwargs


# -- the public API -------------------------------------------------------------


def test_exceptions_are_itsdangerous_own():
    for lib in LIBS.values():
        for name in ("BadData", "BadSignature", "BadTimeSignature", "SignatureExpired",
                     "BadPayload", "BadHeader"):
            assert getattr(lib, name) is getattr(itsdangerous, name)


def test_speedups_selects_the_core():
    import fastmicro.signing as public

    expected = _pysigning if speedups.NO_EXTENSIONS else compiled
    assert speedups.load("signing") is expected
    assert public._core is expected
    assert speedups.backends()["signing"] == ("pure" if speedups.NO_EXTENSIONS else "compiled")


def test_names_match_itsdangerous():
    import fastmicro.signing as public

    for name in ("Signer", "TimestampSigner", "Serializer", "URLSafeSerializer",
                 "URLSafeTimedSerializer", "TimedSerializer", "base64_encode",
                 "base64_decode", "want_bytes"):
        assert hasattr(public, name)


@pytest.mark.parametrize("lib", [n for n in LIBS if n != "itsdangerous"])
def test_bad_separator_and_derivation(lib):
    mod = LIBS[lib]
    for sep in ["a", b"-", "=", b""]:
        a = outcome(itsdangerous.Signer, "k", sep=sep)
        b = outcome(mod.Signer, "k", sep=sep)
        assert a[:3] == b[:3]
    # An unknown derivation fails when used, as in itsdangerous.
    s = mod.Signer("k", key_derivation="nope")
    r = itsdangerous.Signer("k", key_derivation="nope")
    assert outcome(s.sign, b"v")[:3] == outcome(r.sign, b"v")[:3]
    assert outcome(s.unsign, b"v.x")[:3] == outcome(r.unsign, b"v.x")[:3]
    assert outcome(s.sign, b"v")[1] is TypeError


# -- Signer ----------------------------------------------------------------------


@settings(max_examples=300, **SETTINGS)
@given(secret=secrets, salt=salts, value=values, derivation=derivations, digest=digests)
@example(secret=b"", salt=b"", value=b"", derivation="none", digest=None)
@example(secret=["old", "new"], salt="s", value="héllo", derivation="hmac", digest=hashlib.sha512)
def test_signer_differential(secret, salt, value, derivation, digest):
    kwargs = signer_kwargs(salt, derivation, digest)
    signers = {name: lib.Signer(secret, **kwargs) for name, lib in LIBS.items()}
    signed = same({name: s.sign(value) for name, s in signers.items()})
    same({name: s.get_signature(value) for name, s in signers.items()})
    same({name: s.derive_key() for name, s in signers.items()})
    expected = value.encode() if isinstance(value, str) else value
    for s in signers.values():
        assert s.unsign(signed) == expected
        assert s.unsign(signed.decode("latin-1").encode("latin-1")) == expected
        assert s.validate(signed)
    # Each one's output verifies with the others'.
    for name, s in signers.items():
        own = s.sign(value)
        for other in signers.values():
            assert other.unsign(own) == expected


@settings(max_examples=200, **SETTINGS)
@given(
    secret=secrets,
    other=st.binary(min_size=1, max_size=20),
    value=values,
    derivation=derivations,
    digest=digests,
)
def test_key_rotation(secret, other, value, derivation, digest):
    keys = [secret] if isinstance(secret, (str, bytes)) else list(secret)
    kwargs = {"key_derivation": derivation, "digest_method": digest}
    old = itsdangerous.Signer(keys[-1], **kwargs).sign(value)
    for lib in LIBS.values():
        rotated = lib.Signer([*keys, other], **kwargs)
        # The last key signs, every key verifies.
        assert rotated.sign(value) == itsdangerous.Signer(other, **kwargs).sign(value)
        assert rotated.unsign(old) == itsdangerous.Signer(keys[-1], **kwargs).unsign(old)
    same({name: outcome(lib.Signer(other, **kwargs).unsign, old) for name, lib in LIBS.items()})


def mutations(signed: bytes):
    """Tampered, truncated, junk-laden and separator-less variants."""
    yield b""
    yield signed[:-1]
    yield signed[:1]
    yield signed + b"A"
    yield signed + b"="
    yield signed + b"=="
    yield signed.replace(b".", b"")
    yield signed.replace(b".", b"!")
    yield b"." + signed
    yield signed + b"."
    yield signed + b".."
    yield signed[:-2] + b"!!"
    yield signed[:-3] + b"+/="
    yield signed[:-1] + b"\xff"
    for i in range(0, len(signed), max(1, len(signed) // 12)):
        flipped = bytearray(signed)
        flipped[i] ^= 1
        yield bytes(flipped)
        yield signed[:i] + b"*" + signed[i:]
        yield signed[:i] + signed[i + 1:]
    head, _, sig = signed.rpartition(b".")
    # Non-canonical signatures: other trailing bits, padding, URL-unsafe
    # alphabet (itsdangerous's base64 decoder accepts some of them).
    for c in b"AQgwEFG-_+/=":
        yield head + b"." + sig[:-1] + bytes([c])
    yield head + b"." + sig + b"="
    yield head + b"." + sig.replace(b"-", b"+").replace(b"_", b"/")
    yield head + b"." + sig[:5] + b"\n" + sig[5:]


@settings(max_examples=150, **SETTINGS)
@given(secret=secrets, salt=salts, value=st.binary(max_size=60), derivation=derivations,
       digest=digests)
@example(secret=b"k", salt=None, value=b"", derivation="django-concat", digest=None)
def test_signer_bad_input(secret, salt, value, derivation, digest):
    kwargs = signer_kwargs(salt, derivation, digest)
    signers = {name: lib.Signer(secret, **kwargs) for name, lib in LIBS.items()}
    signed = signers["itsdangerous"].sign(value)
    for bad in mutations(signed):
        same({name: outcome(s.unsign, bad) for name, s in signers.items()})
        same({name: outcome(s.verify_signature, value, bad.rpartition(b".")[2])
              for name, s in signers.items()})
    same({name: outcome(lib.Signer(b"wrong" + signers["itsdangerous"].secret_key, **kwargs).unsign, signed)
          for name, lib in LIBS.items()})


# -- TimestampSigner -------------------------------------------------------------


@settings(max_examples=200, **SETTINGS)
@given(
    secret=secrets,
    salt=salts,
    value=values,
    derivation=derivations,
    digest=digests,
    signed_at=st.one_of(st.integers(0, 2**40), st.sampled_from([0, 1, 255, 256, 2**32, NOW])),
    delay=st.integers(-5, 100),
    max_age=st.one_of(st.none(), st.integers(0, 50), st.floats(0, 50)),
)
def test_timestamp_signer(secret, salt, value, derivation, digest, signed_at, delay, max_age):
    kwargs = signer_kwargs(salt, derivation, digest)
    signers = {name: lib.TimestampSigner(secret, **kwargs) for name, lib in LIBS.items()}
    with frozen(signed_at):
        signed = same({name: s.sign(value) for name, s in signers.items()})
    with frozen(signed_at + delay):
        for kwargs2 in ({}, {"max_age": max_age}, {"max_age": max_age, "return_timestamp": True}):
            same({name: outcome(s.unsign, signed, **kwargs2) for name, s in signers.items()})
            same({name: outcome(s.validate, signed, max_age) for name, s in signers.items()})
        for bad in mutations(signed):
            same({name: outcome(s.unsign, bad, max_age=max_age) for name, s in signers.items()})


@pytest.mark.parametrize("ts", [0, 1, 253402300799, 253402300800, 2**63, 2**64 - 1])
def test_timestamp_extremes(ts):
    """Timestamps at and past datetime's range (signed by a subclass)."""
    results = {}
    for name, lib in LIBS.items():
        class Fixed(lib.TimestampSigner):
            def get_timestamp(self):
                return ts

        signed = Fixed("k").sign(b"v")
        results[name] = (
            signed,
            outcome(lib.TimestampSigner("k").unsign, signed, return_timestamp=True),
            outcome(lib.TimestampSigner("k").unsign, signed),
            outcome(lib.TimestampSigner("k").unsign, signed, max_age=10),
            outcome(lib.TimestampSigner("other").unsign, signed),
            outcome(lib.URLSafeTimedSerializer("k").loads, _token_with_ts(lib, ts)),
            outcome(lib.URLSafeTimedSerializer("k").loads, _token_with_ts(lib, ts),
                    return_timestamp=True),
        )
    same(results)


def _token_with_ts(lib, ts):
    class Fixed(lib.TimestampSigner):
        def get_timestamp(self):
            return ts

    return lib.URLSafeTimedSerializer("k", signer=Fixed).dumps({"a": 1})


def test_bad_timestamps():
    results = {}
    for name, lib in LIBS.items():
        s = lib.TimestampSigner("k")
        plain = lib.Signer("k", salt="itsdangerous.Signer")
        cases = [
            plain.sign(b"no-timestamp"),
            plain.sign(b"v.!!!"),
            plain.sign(b"v.AAAAAAAAAAAA"),  # 9 bytes: not a timestamp
            plain.sign(b"v."),
            plain.sign(b"v.A"),
            plain.sign(b"v.AB=="),
            b"v.AAAA.bad",
            b"v.!.bad",
            b"nodots",
            b"v.////////////.bad",
        ]
        results[name] = [outcome(s.unsign, c, max_age=5) for c in cases]
    same(results)


def test_signature_expired_details():
    results = {}
    for name, lib in LIBS.items():
        s = lib.TimestampSigner("k")
        with frozen(NOW):
            signed = s.sign("v")
        with frozen(NOW + 100):
            r = outcome(s.unsign, signed, max_age=10)
        with frozen(NOW - 100):
            r2 = outcome(s.unsign, signed, max_age=10)
        assert r[1] is itsdangerous.SignatureExpired and r[4] is not None
        results[name] = (r, r2)
    same(results)


# -- serializers -----------------------------------------------------------------


@settings(max_examples=200, **SETTINGS)
@given(
    secret=secrets,
    salt=salts,
    obj=json_values,
    derivation=derivations,
    digest=digests,
    delay=st.integers(0, 20),
    max_age=st.one_of(st.none(), st.integers(0, 10)),
)
@example(secret="k", salt="cookie-session", obj={"a": "x" * 200}, derivation="hmac",
         digest=_lazy_sha1, delay=0, max_age=None)
def test_urlsafe_timed_serializer(secret, salt, obj, derivation, digest, delay, max_age):
    kw = {"signer_kwargs": {"key_derivation": derivation, "digest_method": digest}}
    if salt is not None:
        kw["salt"] = salt
    sers = {name: lib.URLSafeTimedSerializer(secret, **kw) for name, lib in LIBS.items()}
    with frozen(NOW):
        token = same({name: s.dumps(obj) for name, s in sers.items()})
        assert isinstance(token, str)
    with frozen(NOW + delay):
        for s in sers.values():
            for other in sers.values():
                with frozen(NOW):
                    theirs = other.dumps(obj)
                assert s.loads(theirs) == json.loads(json.dumps(obj))
            same({name: outcome(s.loads, token, max_age=max_age) for name, s in sers.items()})
        same({name: outcome(s.loads, token, max_age=max_age, return_timestamp=True)
              for name, s in sers.items()})
        same({name: outcome(s.loads_unsafe, token, max_age=max_age) for name, s in sers.items()})
        for bad in mutations(token.encode()):
            same({name: outcome(s.loads, bad, max_age=max_age) for name, s in sers.items()})
            same({name: outcome(s.loads_unsafe, bad) for name, s in sers.items()})


@settings(max_examples=150, **SETTINGS)
@given(secret=secrets, salt=salts, obj=json_values, derivation=derivations, digest=digests)
def test_urlsafe_and_plain_serializers(secret, salt, obj, derivation, digest):
    kw = {"signer_kwargs": {"key_derivation": derivation, "digest_method": digest}}
    if salt is not None:
        kw["salt"] = salt
    for cls in ("URLSafeSerializer", "Serializer"):
        sers = {name: getattr(lib, cls)(secret, **kw) for name, lib in LIBS.items()}
        token = same({name: s.dumps(obj) for name, s in sers.items()})
        same({name: s.dumps(obj, salt="other") for name, s in sers.items()})
        for s in sers.values():
            assert s.loads(token) == json.loads(json.dumps(obj))
        raw = token.encode() if isinstance(token, str) else token
        for bad in mutations(raw):
            same({name: outcome(s.loads, bad) for name, s in sers.items()})
            same({name: outcome(s.loads_unsafe, bad) for name, s in sers.items()})
        same({name: outcome(s.loads, token, salt="other") for name, s in sers.items()})


def _signed_payload(lib, payload: bytes, timed=True):
    signer = (lib.TimestampSigner if timed else lib.Signer)("k", salt="itsdangerous")
    with frozen(NOW):
        return signer.sign(payload)


@pytest.mark.parametrize("payload", [
    b"",
    b"!!!",
    b"e30",                      # {}
    b"bm90IGpzb24",              # not json
    b"_-_-",                     # invalid utf-8 once decoded
    b".e30",                     # "compressed" but not zlib
    b"." + itsdangerous.base64_encode(zlib.compress(b"{bad")),
    b"." + itsdangerous.base64_encode(zlib.compress(b'{"a": 1}')),
    b"." + itsdangerous.base64_encode(zlib.compress(b'{"a": 1}'))[:-3],
    b"abcde",                    # 1 more than a multiple of 4
    b"ZXl-",
    b"77u_e30",                  # BOM + {}
])
def test_bad_payloads(payload):
    for timed in (True, False):
        cls = "URLSafeTimedSerializer" if timed else "URLSafeSerializer"
        results = {}
        for name, lib in LIBS.items():
            token = _signed_payload(lib, payload, timed)
            s = getattr(lib, cls)("k")
            with frozen(NOW):
                results[name] = (token, outcome(s.loads, token), outcome(s.loads_unsafe, token))
        same(results)


def test_flask_session_serializer_and_fallbacks():
    from fastmicro.sessions import session_json_serializer

    obj = {"user_id": 42, "t": (1, 2), "b": b"\x00bytes", "m": "é" * 50}
    kw = {"salt": "cookie-session", "serializer": session_json_serializer,
          "signer_kwargs": {"key_derivation": "hmac", "digest_method": _lazy_sha1}}
    sers = {name: lib.URLSafeTimedSerializer(["old", "new"], **kw) for name, lib in LIBS.items()}
    with frozen(NOW):
        token = same({name: s.dumps(obj) for name, s in sers.items()})
        for s in sers.values():
            assert s.loads(token, max_age=10) == obj
    # fallback_signers: a token from a sha256 serializer loads with a sha1
    # serializer that lists sha256 as a fallback (dict, tuple, class forms).
    with frozen(NOW):
        token256 = itsdangerous.URLSafeTimedSerializer(
            "k", signer_kwargs={"digest_method": hashlib.sha256}).dumps({"x": 1})
    for fallbacks in ([{"digest_method": hashlib.sha256}],
                      "tuple", [{"digest_method": hashlib.sha512}], "class"):
        results = {}
        for name, lib in LIBS.items():
            fb = fallbacks
            if fallbacks == "tuple":
                fb = [(lib.TimestampSigner, {"digest_method": hashlib.sha256})]
            elif fallbacks == "class":
                fb = [lib.TimestampSigner]
            s = lib.URLSafeTimedSerializer("k", fallback_signers=fb)
            with frozen(NOW):
                results[name] = (outcome(s.loads, token256), outcome(s.loads_unsafe, token256),
                                 s.dumps({"x": 1}))
        same(results)


# -- the cores directly ----------------------------------------------------------


def core_outcomes(fn_name, *args):
    return {name: outcome(getattr(core, fn_name), *args) for name, core in CORES.items()}


b64ish = st.one_of(
    st.binary(max_size=40),
    st.text(alphabet="ABCabz019-_+/=.!\n", max_size=40).map(str.encode),
)


@settings(max_examples=2000, **SETTINGS)
@given(data=st.binary(max_size=300), junk=b64ish)
def test_core_base64_and_timestamps(data, junk):
    enc = same(core_outcomes("b64encode", data))
    assert enc == ("ok", itsdangerous.base64_encode(data))
    assert same(core_outcomes("b64decode", enc[1])) == ("ok", data)
    expected = outcome(itsdangerous.base64_decode, junk)
    assert same(core_outcomes("b64decode", junk))[:3] == expected[:3]
    for lib in LIBS.values():
        assert outcome(lib.base64_decode, junk)[:3] == expected[:3]
        assert outcome(lib.base64_decode, junk.decode("latin-1") + "é")[:3] == \
            outcome(itsdangerous.base64_decode, junk.decode("latin-1") + "é")[:3]
    try:
        ts = itsdangerous.encoding.bytes_to_int(itsdangerous.base64_decode(junk))
    except Exception:
        ts = None
    assert same(core_outcomes("decode_timestamp", junk)) == ("ok", ts)


@settings(max_examples=300, **SETTINGS)
@given(ts=st.one_of(st.integers(-5, 2**64 + 5), st.sampled_from([0, 2**64 - 1, 2**64, -1])))
def test_core_encode_timestamp(ts):
    expected = outcome(lambda: itsdangerous.base64_encode(itsdangerous.encoding.int_to_bytes(ts)))
    assert same(core_outcomes("encode_timestamp", ts))[:3] == expected[:3]


def _repetitive(draw_unit, n, edits):
    unit = draw_unit or b"a"
    data = bytearray((unit * (n // len(unit) + 1))[:n])
    for i, c in edits:
        if data:
            data[i % len(data)] = c
    return bytes(data)


zlib_inputs = st.one_of(
    st.binary(max_size=1100),
    st.builds(_repetitive, st.binary(min_size=1, max_size=6), st.integers(0, 1200),
              st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 255)), max_size=8)),
    json_values.map(lambda o: json.dumps(o, separators=(",", ":")).encode()),
    st.text(alphabet='{}":,abc0123_', max_size=1100).map(str.encode),
    st.binary(min_size=1000, max_size=20000),
)


@settings(max_examples=3000, **SETTINGS)
@given(data=zlib_inputs)
@example(data=b"")
@example(data=b"a" * 1000)
@example(data=b"a" * 1001)
@example(data=b"ab" * 600)
def test_core_urlsafe_payload(data):
    """zlib output (the compiled core's own deflate streams) as zlib.compress."""
    compressed = zlib.compress(data)
    if len(compressed) < len(data) - 1:
        expected = b"." + itsdangerous.base64_encode(compressed)
    else:
        expected = itsdangerous.base64_encode(data)
    assert same(core_outcomes("urlsafe_dump_payload", data)) == ("ok", expected)
    assert same(core_outcomes("urlsafe_load_payload", expected)) == ("ok", data)


@settings(max_examples=1000, **SETTINGS)
@given(payload=b64ish)
def test_core_urlsafe_load_payload_errors(payload):
    ser = itsdangerous.URLSafeSerializer("k")
    expected = outcome(ser.load_payload, payload)
    for lib in LIBS.values():
        assert outcome(lib.URLSafeSerializer("k").load_payload, payload) == expected
    for core in CORES.values():
        r = outcome(core.urlsafe_load_payload, payload)
        if r[0] == "raised":
            assert r == expected


def test_caches_are_bounded():
    for core in CORES.values():
        for i in range(core.CACHE_SIZE + 50):
            key = core.derive_key(b"k%d" % i, b"salt", "hmac", hashlib.sha1)
            assert key == itsdangerous.Signer(b"k%d" % i, salt=b"salt", key_derivation="hmac").derive_key()
            core.SignerCore([key], b".", hashlib.sha1)
        derived, macs = core.cache_sizes()
        assert 0 < derived <= core.CACHE_SIZE and 0 < macs <= core.CACHE_SIZE


def test_odd_inputs_fall_back_identically():
    """bytearray values and a custom algorithm take the twin's path."""
    results = {}
    for name, lib in LIBS.items():
        s = lib.Signer("k")
        results[name] = (
            outcome(s.sign, bytearray(b"abc")),
            outcome(s.unsign, bytearray(b"abc.x")),
            outcome(lib.Signer("k", algorithm=itsdangerous.NoneAlgorithm()).sign, b"v"),
            outcome(lib.Signer("k", algorithm=itsdangerous.NoneAlgorithm()).unsign, b"v."),
            outcome(lib.Signer([]).unsign, b"v.x"),
            outcome(lib.Signer([]).sign, b"v")[:3],
            outcome(lib.Signer("k", sep="::").sign, b"a::b"),
            outcome(lib.Signer("k", sep="é").unsign, lib.Signer("k", sep="é").sign("xéy")),
            outcome(lib.Signer("k", digest_method=hashlib.md5).sign, b"v"),
            outcome(lib.Signer("k", digest_method=hashlib.blake2b).sign, b"v"),
            outcome(lib.Signer("k", digest_method=hashlib.sha3_256).sign, b"v"),
        )
    same(results)


@settings(max_examples=150, **SETTINGS)
@given(text=st.text(max_size=300), timestamp=st.integers(0, 2**40), key=st.binary(min_size=1, max_size=40))
def test_text_sign_and_verify_agree_on_both_cores(text, timestamp, key):
    # urlsafe_dumps_text / urlsafe_loads_text: the session's sign and verify
    # in one call each. Both cores make the same token, read each other's
    # back, and fail alike on a tampered token and on a payload that is no
    # UTF-8.
    cores = {name: core.SignerCore([key], b".", hashlib.sha1) for name, core in CORES.items()}
    token = same({name: CORES[name].urlsafe_dumps_text(c, text, timestamp) for name, c in cores.items()})
    for form in (token, token.encode()):
        loaded = same({
            name: outcome(CORES[name].urlsafe_loads_text, c, form, None) for name, c in cores.items()
        })
        if timestamp <= 253_402_300_799:  # later ones are no datetime: ValueError, as itsdangerous
            assert loaded == ("ok", text)
    body, _, signature = token.rpartition(".")
    tampered = body + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    not_utf8 = {
        name: c.sign_timestamp(CORES[name].urlsafe_dump_payload(b"\xff" + text.encode()), timestamp)
        for name, c in cores.items()
    }
    for bad in (tampered, same(not_utf8)):
        result = same({
            name: outcome(CORES[name].urlsafe_loads_text, c, bad, None) for name, c in cores.items()
        })
        assert result[0] == "raised"
    if timestamp <= 253_402_300_799:
        assert outcome(_pysigning.urlsafe_loads_text, cores["pure"], same(not_utf8), None)[1] is (
            itsdangerous.BadPayload
        )
