"""Signing benchmark: compiled vs pure vs itsdangerous, Flask's session settings.

Each backend builds a ``TimestampSigner`` and a ``URLSafeTimedSerializer``
with Flask's session cookie settings (salt ``"cookie-session"``, key
derivation ``"hmac"``, digest SHA-1) and the same secret key, and is timed
on four operations:

* ``sign``: ``TimestampSigner.sign`` of the base64 payload of a session;
* ``unsign``: ``TimestampSigner.unsign`` of that signed value;
* ``dumps``: ``URLSafeTimedSerializer.dumps`` of a small session dict;
* ``loads``: ``URLSafeTimedSerializer.loads(token, max_age=31 days)``.

``compiled`` and ``pure`` are :mod:`fastmicro.signing` running on
:mod:`fastmicro._ext.signing` and :mod:`fastmicro.signing._pysigning`
(selected by reloading with ``FASTMICRO_NO_EXTENSIONS``); ``itsdangerous`` is
the real library. Backends run in interleaved rounds (every round times each
backend once, so drift hits all alike); the median nanoseconds per call is
reported with itsdangerous's time divided by each backend's (higher is
faster). Outputs are checked to be identical first (same timestamp second).

Usage: ``python3 benchmarks/bench_signing.py [--rounds N] [--number N]``
"""
from __future__ import annotations

import argparse
import hashlib
import importlib
import sys
import typing as t
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import itsdangerous  # noqa: E402
from _interleave import interleaved_medians  # noqa: E402

SECRET = "a-long-random-secret-key-for-the-benchmark"
SESSION = {"user_id": 42, "csrf_token": "0f3a9c2be17d4d6e8b5a", "_fresh": True}
MAX_AGE = 31 * 24 * 3600
SETTINGS = {"key_derivation": "hmac", "digest_method": hashlib.sha1}


def fastmicro_signing(pure: bool) -> t.Any:
    """A :mod:`fastmicro.signing` module object bound to one backend."""
    from fastmicro import speedups

    compiled, twin = speedups.HOT_PATHS["signing"]
    if not pure:
        importlib.import_module(compiled)  # fail loudly if not built
    core = importlib.import_module(twin if pure else compiled)
    spec = importlib.util.find_spec("fastmicro.signing")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    saved = speedups._loaded.get("signing")
    speedups._loaded["signing"] = (core, "pure" if pure else "compiled")
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    finally:
        if saved is None:
            speedups._loaded.pop("signing", None)
        else:
            speedups._loaded["signing"] = saved
    return module


def operations(lib: t.Any) -> dict[str, t.Callable[[], t.Any]]:
    signer = lib.TimestampSigner(SECRET, salt="cookie-session", **SETTINGS)
    serializer = lib.URLSafeTimedSerializer(SECRET, salt="cookie-session", signer_kwargs=SETTINGS)
    token = itsdangerous.URLSafeTimedSerializer(
        SECRET, salt="cookie-session", signer_kwargs=SETTINGS
    ).dumps(SESSION)
    value = token.rsplit(".", 2)[0].encode()
    signed = itsdangerous.TimestampSigner(SECRET, salt="cookie-session", **SETTINGS).sign(value)
    return {
        "sign": lambda: signer.sign(value),
        "unsign": lambda: signer.unsign(signed),
        "dumps": lambda: serializer.dumps(SESSION),
        "loads": lambda: serializer.loads(token, max_age=MAX_AGE),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--number", type=int, default=2000, help="calls per round")
    args = parser.parse_args(argv)

    libs = {
        "compiled": fastmicro_signing(pure=False),
        "pure": fastmicro_signing(pure=True),
        "itsdangerous": itsdangerous,
    }
    impls = {name: operations(lib) for name, lib in libs.items()}
    for op in impls["itsdangerous"]:
        for _ in range(3):  # a second boundary may fall between two calls
            results = {name: ops[op]() for name, ops in impls.items()}
            if len({repr(r) for r in results.values()}) == 1:
                break
        else:
            print(f"backends disagree on {op}: {results}", file=sys.stderr)
            return 1

    print(f"median ns per call, {args.rounds} interleaved rounds of {args.number} calls")
    header = f"{'op':<8}" + "".join(f"{name:>14}" for name in impls)
    header += "".join(f"{'itsd/' + name:>15}" for name in impls if name != "itsdangerous")
    print(header)
    for op in impls["itsdangerous"]:
        calls = {name: ops[op] for name, ops in impls.items()}
        medians = interleaved_medians(calls, args.rounds, args.number)
        line = f"{op:<8}" + "".join(f"{medians[name]:>14.0f}" for name in impls)
        line += "".join(
            f"{medians['itsdangerous'] / medians[name]:>14.2f}x"
            for name in impls
            if name != "itsdangerous"
        )
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
