"""Security properties, each proven against the real thing: tampered session
cookies, constant-time signature checks, secret key fallbacks, path
traversal, header injection, and the debugger.

What other suites already cover is not repeated here (see
``docs/security.md`` for the whole list): ``test_sessions.py`` tampers every
cookie position with URL-safe characters, truncates and garbles cookies and
rotates keys; ``test_signing.py`` compares the signers with itsdangerous on
generated tampering; ``test_static.py`` has the first traversal list;
``test_parsed_headers.py`` the first header injection. This module adds:

- every cookie position replaced with bytes a browser would never send
  (control characters, separators, non-ASCII), and ``fastmicro.signing``
  against itsdangerous for every byte value at every position;
- a source-level proof that signatures are compared in constant time, by
  both backends;
- that fallback keys never sign, also on a refresh and when the keys are
  rotated while the app runs;
- traversal with double encoding, overlong UTF-8, Unicode look-alikes, NUL,
  drive letters and UNC paths, over a real socket too, with an audit hook
  proving the files outside the folder are never opened;
- CR/LF in header values refused whichever way a header is set, and no
  injected header from ``redirect``;
- the debugger off unless asked (``fastmicro run``, ``app.run()``,
  ``fastmicro --debug serve``), and fastmicro's warning when it is on and
  bound to an address other machines can reach.
"""
from __future__ import annotations

import ast
import hashlib
import hmac
import importlib
import inspect
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit
from collections.abc import Iterator
from pathlib import Path

import flask
import itsdangerous
from itsdangerous.encoding import base64_decode
import itsdangerous.signer
import pytest
from click.testing import CliRunner
from werkzeug.exceptions import NotFound
from werkzeug.sansio.http import parse_cookie
from werkzeug.serving import make_server

import fastmicro
import fastmicro.cli
import fastmicro.signing
from fastmicro.signing import _pysigning

from _appfw import fw  # noqa: F401

REPO = Path(__file__).resolve().parents[1]
SECRET = "the current key"
OLD_SECRET = "a retired key"
OLDEST_SECRET = "an even older key"
PAYLOAD = {"user": "alice", "n": 42}


# -- session cookies ------------------------------------------------------------------


def cookie_serializer(lib, secret: str | bytes = SECRET):
    """Flask's session serializer, from itsdangerous or fastmicro.signing."""
    return lib.URLSafeTimedSerializer(
        secret,
        salt="cookie-session",
        serializer=flask.sessions.session_json_serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )


def verified_payload(cookie: str, secret: str | bytes) -> dict | None:
    """What itsdangerous alone, with only ``secret``, loads (``None`` if
    the cookie does not verify with it)."""
    try:
        return dict(cookie_serializer(itsdangerous, secret).loads(cookie, max_age=3600))
    except itsdangerous.BadSignature:
        return None


def session_app(fw, **config):
    """``/fresh`` records the session it got and writes to it; ``/noop``
    never touches it. Testing mode: any exception reaches the test."""
    app = fw.Flask(__name__)
    app.config.update({"TESTING": True, "SECRET_KEY": SECRET, **config})
    app.seen = []

    @app.get("/fresh")
    def fresh():
        app.seen.append(dict(fw.session))
        fw.session["fresh"] = True
        return "fresh"

    @app.get("/set")
    def set_():
        fw.session.update(PAYLOAD)
        return "set"

    @app.get("/permanent")
    def permanent():
        fw.session.permanent = True
        fw.session.update(PAYLOAD)
        return "permanent"

    @app.get("/noop")
    def noop():
        return "noop"

    return app


def get_with_cookie_header(app, path: str, header: str):
    """GET with exactly this Cookie header, put in the WSGI environ as a
    server would (latin-1), so bytes a header API might refuse get in."""
    client = app.test_client(use_cookies=False)
    return client.get(path, environ_overrides={"HTTP_COOKIE": header})


def session_cookie(response) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert len(headers) == 1, response.headers.getlist("Set-Cookie")
    return headers[0].split(";", 1)[0].split("=", 1)[1]


def same_signature_bytes(token: bytes, i: int, byte: int) -> bool:
    """Whether replacing ``token[i]`` with ``byte`` leaves the decoded
    signature as it was, which is all a tampered token may get away with
    (the standard base64 alphabet's ``+``/``/`` for ``-``/``_``, which
    itsdangerous decodes alike, or bits of the last character that decoding
    drops). The payload and the timestamp are never among them."""
    cut = token.rindex(b".")
    if i <= cut:
        return False
    tampered = token[:i] + bytes([byte]) + token[i + 1 :]
    try:
        return base64_decode(tampered[cut + 1 :]) == base64_decode(token[cut + 1 :])
    except Exception:  # noqa: BLE001 - not decodable: not the same signature
        return False


#: Bytes a browser never puts in a cookie value: controls, separators,
#: quoting, escapes, the base64 characters that are not URL-safe, DEL, and
#: latin-1 beyond ASCII (how a server hands non-ASCII bytes over in WSGI).
HOSTILE = ["\x00", "\x01", "\t", "\x0b", " ", '"', ",", ";", "=", "\\", "%", "+", "/", "\x7f",
           "\x80", "\xa0", "\xe9", "\xff"]


def test_hostile_byte_in_every_cookie_position_gives_a_new_session(fw):
    app = session_app(fw)
    cookie = session_cookie(app.test_client().get("/set"))
    still_valid = []
    for i in range(len(cookie)):
        for byte in HOSTILE:
            header = f"session={cookie[:i]}{byte}{cookie[i + 1:]}"
            # The reference: the cookie parser of Werkzeug's request, then
            # itsdangerous.
            sent = parse_cookie(header).get("session")
            expected = (verified_payload(sent, SECRET) if sent is not None else None) or {}
            response = get_with_cookie_header(app, "/fresh", header)
            assert response.status_code == 200, (i, byte)
            assert app.seen.pop() == expected, (i, byte)
            assert verified_payload(session_cookie(response), SECRET) == {**expected, "fresh": True}
            if expected:
                still_valid.append((i, byte))
            # A view that never reads the session ignores the cookie.
            response = get_with_cookie_header(app, "/noop", header)
            assert response.status_code == 200
            assert response.headers.getlist("Set-Cookie") == []
    assert all(same_signature_bytes(cookie.encode(), i, ord(byte)) for i, byte in still_valid), still_valid


def test_signing_matches_itsdangerous_on_every_byte_at_every_position():
    """All 255 other byte values at each position of a session token:
    fastmicro.signing (the backend this run uses) returns or raises
    exactly what itsdangerous does, message included."""
    ours, reference = cookie_serializer(fastmicro.signing), cookie_serializer(itsdangerous)
    token = reference.dumps(PAYLOAD).encode()

    def outcome(serializer, value: bytes) -> tuple:
        try:
            return ("loaded", serializer.loads(value, max_age=3600))
        except itsdangerous.BadData as exc:
            return (type(exc), str(exc))

    accepted = []
    for i in range(len(token)):
        for byte in range(256):
            if byte == token[i]:
                continue
            tampered = token[:i] + bytes([byte]) + token[i + 1:]
            result = outcome(reference, tampered)
            assert outcome(ours, tampered) == result, (i, byte)
            if result[0] == "loaded":
                accepted.append((i, byte))
    assert accepted  # the last character always has some don't-care bits
    assert all(same_signature_bytes(token, i, byte) for i, byte in accepted), accepted


# -- constant-time comparison ------------------------------------------------------------


def test_pure_signer_compares_macs_with_hmac_compare_digest():
    """Every MAC the pure core computes is either encoded into a signature
    or compared with :func:`hmac.compare_digest`; nothing in the core
    compares a signature with ``==``."""
    assert _pysigning.hmac.compare_digest is hmac.compare_digest
    tree = ast.parse(inspect.getsource(_pysigning.SignerCore))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    macs = [
        node for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "digest"
    ]
    users = [ast.unparse(parents[mac].func) for mac in macs if isinstance(parents[mac], ast.Call)]
    assert len(users) == len(macs)
    assert set(users) == {"b64encode", "hmac.compare_digest"}, users
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            assert not names & {"raw", "sig", "signature"}, ast.unparse(node)


def test_custom_algorithms_are_compared_by_itsdangerous_with_compare_digest():
    # fastmicro.signing hands a custom SigningAlgorithm's check to the
    # algorithm; itsdangerous's base class uses compare_digest, and HMAC
    # does not override it.
    source = inspect.getsource(itsdangerous.signer.SigningAlgorithm.verify_signature)
    assert "hmac.compare_digest(sig, self.get_signature(key, value))" in source
    assert "verify_signature" not in vars(itsdangerous.signer.HMACAlgorithm)
    assert fastmicro.signing.HMACAlgorithm is itsdangerous.signer.HMACAlgorithm


def _cython_function(source: str, signature: str) -> str:
    """The text of a Cython function: from ``signature`` to the next line
    that is not indented deeper than it."""
    start = source.index(signature)
    indent = len(source[:start]) - len(source[:start].rstrip(" "))
    lines = source[start:].splitlines()
    body = [lines[0]]
    for line in lines[1:]:
        if line.strip() and len(line) - len(line.lstrip(" ")) <= indent:
            break
        body.append(line)
    return "\n".join(body).rstrip()


def test_compiled_signer_compares_in_constant_time():
    """The compiled core compares a signature with ``_ct_equal`` (C: every
    byte is looked at, differences OR-ed together, no early exit) or with
    :func:`hmac.compare_digest`; nothing else in its verification compares,
    and ``memcmp`` is used only to find the separator. (The generated C
    compiled with gcc -O3 has no data-dependent branch in that loop.)"""
    source = (REPO / "ext" / "signing.pyx").read_text()
    assert "cdef object _compare_digest = hmac.compare_digest" in source

    ct_equal = _cython_function(source, "cdef inline bint _ct_equal(")
    loop = ct_equal[ct_equal.index("for i in range(na):"):]
    loop_body = loop.splitlines()[1:-1]
    assert [line.strip() for line in loop_body] == ["acc |= a[i] ^ p[i]"], loop
    assert loop.splitlines()[-1].strip() == "return acc == 0"
    assert "if na != nb:\n        return False" in ct_equal  # lengths are public

    verify = _cython_function(source, "cdef bint _verify(")
    for operator in ("==", "!=", "memcmp", "strcmp"):
        assert operator not in verify, operator
    assert verify.count("_ct_equal(raw, k,") == 2
    assert "_compare_digest(decoded, mac._digest(value))" in verify

    memcmp_users = [m.start() for m in re.finditer(r"\bmemcmp\(", source)]
    rfind = _cython_function(source, "cdef Py_ssize_t _rfind(")
    start = source.index(rfind)
    assert memcmp_users and all(start <= at < start + len(rfind) for at in memcmp_users)


def test_the_session_signs_through_fastmicro_signing():
    """So the checks above are the ones that guard the session cookie."""
    from fastmicro import sessions

    assert sessions.URLSafeTimedSerializer is fastmicro.signing.URLSafeTimedSerializer


# -- secret key fallbacks ------------------------------------------------------------------


def old_cookie(secret: str, *, permanent: bool = False) -> str:
    payload = {**PAYLOAD, "_permanent": True} if permanent else PAYLOAD
    return cookie_serializer(itsdangerous, secret).dumps(payload)


@pytest.mark.parametrize("path", ["/fresh", "/set", "/permanent", "/noop"])
def test_fallback_keys_verify_but_never_sign(fw, path):
    """A cookie signed with a fallback key is read; whatever cookie goes
    back, a write or the refresh of a permanent session, is signed with
    SECRET_KEY alone."""
    app = session_app(fw, SECRET_KEY_FALLBACKS=[OLDEST_SECRET, OLD_SECRET])
    for fallback in (OLD_SECRET, OLDEST_SECRET):
        sent = old_cookie(fallback, permanent=True)
        response = get_with_cookie_header(app, path, f"session={sent}")
        assert response.status_code == 200
        if path == "/fresh":
            assert app.seen.pop() == {**PAYLOAD, "_permanent": True}
        cookie = session_cookie(response)
        assert cookie != sent
        assert verified_payload(cookie, SECRET) is not None
        assert verified_payload(cookie, OLD_SECRET) is None
        assert verified_payload(cookie, OLDEST_SECRET) is None


def test_rotating_keys_while_the_app_runs(fw):
    """Changing SECRET_KEY and SECRET_KEY_FALLBACKS between requests takes
    effect at once (fastmicro keeps a serializer per settings)."""
    app = session_app(fw, SECRET_KEY=OLD_SECRET)
    first = session_cookie(app.test_client().get("/set"))
    assert verified_payload(first, OLD_SECRET) == PAYLOAD

    app.config.update(SECRET_KEY=SECRET, SECRET_KEY_FALLBACKS=[OLD_SECRET])
    response = get_with_cookie_header(app, "/fresh", f"session={first}")
    assert app.seen.pop() == PAYLOAD
    second = session_cookie(response)
    assert verified_payload(second, SECRET) == {**PAYLOAD, "fresh": True}
    assert verified_payload(second, OLD_SECRET) is None

    app.config["SECRET_KEY_FALLBACKS"] = []
    get_with_cookie_header(app, "/fresh", f"session={first}")
    assert app.seen.pop() == {}
    get_with_cookie_header(app, "/fresh", f"session={second}")
    assert app.seen.pop() == {**PAYLOAD, "fresh": True}


# -- path traversal -------------------------------------------------------------------


_opened: list[str] | None = None
_hook_installed = False


def _record_opens(event: str, args: tuple) -> None:
    if _opened is not None and event == "open" and args and isinstance(args[0], (str, bytes)):
        _opened.append(os.fsdecode(args[0]))


@pytest.fixture
def opened_files() -> Iterator[list[str]]:
    """The paths this process opens during the test (an audit hook: it sees
    every ``open``, in every thread, and cannot be fooled by the code
    under test)."""
    global _opened, _hook_installed
    if not _hook_installed:
        sys.addaudithook(_record_opens)  # cannot be removed; idle when _opened is None
        _hook_installed = True
    _opened = []
    try:
        yield _opened
    finally:
        _opened = None


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """``app/static`` with two files, and secrets one and two levels above."""
    static = tmp_path / "app" / "static"
    (static / "sub").mkdir(parents=True)
    (static / "hello.txt").write_text("hello")
    (static / "sub" / "inner.txt").write_text("inner")
    (tmp_path / "app" / "secret.txt").write_text("SECRET-ONE")
    (tmp_path / "secret.txt").write_text("SECRET-TWO")
    return tmp_path


def static_app(fw, site: Path):
    return fw.Flask("traversal", root_path=str(site / "app"))


def secrets_opened(opened: list[str], site: Path) -> list[str]:
    outside = {str(site / "secret.txt"), str(site / "app" / "secret.txt")}
    return [path for path in opened if os.path.realpath(path) in outside]


#: ``(url, status)``: every one is Flask's answer, proven by running this on
#: both frameworks. The 308s merge a doubled slash and land on a 404.
STATIC_URLS = [
    ("/static/../secret.txt", 404),
    ("/static/../../secret.txt", 404),
    ("/static/sub/../../secret.txt", 404),
    ("/static/%2e%2e/secret.txt", 404),
    ("/static/%2E%2e%2Fsecret.txt", 404),
    ("/static/..%2fsecret.txt", 404),
    ("/static/.%2e/secret.txt", 404),
    ("/static/%2e./secret.txt", 404),
    ("/static/sub/%2e%2e/%2e%2e/secret.txt", 404),
    # double encoding: decoded once, it names a file that does not exist
    ("/static/%252e%252e%252fsecret.txt", 404),
    ("/static/%252e%252e/secret.txt", 404),
    # backslashes, raw and encoded
    ("/static/..\\secret.txt", 404),
    ("/static/..%5csecret.txt", 404),
    ("/static/sub%5c..%5c..%5csecret.txt", 404),
    ("/static/%5c%5cserver%5cshare%5csecret.txt", 404),
    # overlong UTF-8 for "." and "/", IIS's %u escapes
    ("/static/%c0%ae%c0%ae/secret.txt", 404),
    ("/static/%c0%ae%c0%ae%c0%afsecret.txt", 404),
    ("/static/%e0%80%ae%e0%80%ae/secret.txt", 404),
    ("/static/%u002e%u002e/secret.txt", 404),
    # Unicode look-alikes: fullwidth and one-dot-leader dots, fullwidth and
    # division slashes, fullwidth backslash (NFKC would map some to ASCII)
    ("/static/%ef%bc%8e%ef%bc%8e/secret.txt", 404),
    ("/static/%ef%bc%8e%ef%bc%8e%ef%bc%8fsecret.txt", 404),
    ("/static/%e2%80%a4%e2%80%a4/secret.txt", 404),
    ("/static/..%e2%88%95secret.txt", 404),
    ("/static/..%ef%bc%bcsecret.txt", 404),
    # Windows drive letters
    ("/static/C:/secret.txt", 404),
    ("/static/C:%5csecret.txt", 404),
    ("/static/c:\\secret.txt", 404),
    # NUL
    ("/static/hello.txt%00", 404),
    ("/static/hello.txt%00.css", 404),
    ("/static/%00../secret.txt", 404),
    # odd dot runs and separators
    ("/static/....//secret.txt", 404),
    ("/static/..././secret.txt", 404),
    ("/static/..;/secret.txt", 404),
    ("/static/~/secret.txt", 404),
    ("/static/hello.txt/..", 404),
    ("/static/..", 404),
    ("/static/.", 404),
    ("/static/", 404),
]


def absolute_urls(site: Path) -> list[str]:
    """The secret's absolute path after ``/static/``, raw and encoded."""
    target = str(site / "secret.txt")
    return ["/static/" + target, "/static//" + target, "/static/" + target.replace("/", "%2f")]


def test_static_route_refuses_traversal(fw, site, opened_files):
    app = static_app(fw, site)
    client = app.test_client()
    for url, status in STATIC_URLS:
        response = client.get(url)
        assert response.status_code == status, url
        assert b"SECRET" not in response.get_data()
        response.close()
    for url in absolute_urls(site):
        response = client.get(url)
        assert response.status_code == 308, url  # Flask merges the slashes
        assert urlsplit(response.headers["Location"]).path.startswith("/static/tmp/")
        response.close()
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 404, url
        response.close()
    assert secrets_opened(opened_files, site) == []
    # The hook does see the files that are served.
    response = client.get("/static/sub/../hello.txt")
    assert response.get_data() == b"hello"
    response.close()
    served = os.path.realpath(site / "app" / "static" / "hello.txt")
    assert served in {os.path.realpath(path) for path in opened_files}


def raw_get(port: int, target: str) -> bytes:
    """A GET with ``target`` as the request line has it, byte for byte."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        sock.sendall(request.encode("latin-1"))
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def served_site(fw, site) -> Iterator[int]:
    server = make_server("127.0.0.1", 0, static_app(fw, site), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_static_route_refuses_traversal_over_a_socket(served_site, site, opened_files):
    """The request target as a client sends it (no client-side clean-up of
    ``..``), also in absolute form."""
    targets = [(url, status) for url, status in STATIC_URLS]
    targets += [(url, 308) for url in absolute_urls(site)]
    targets += [("http://127.0.0.1/static/../secret.txt", 404),
                ("http://127.0.0.1/static/%2e%2e/../secret.txt", 404)]
    for target, status in targets:
        response = raw_get(served_site, target)
        assert response.startswith(f"HTTP/1.1 {status} ".encode()), (target, response[:100])
        assert b"SECRET" not in response
    assert secrets_opened(opened_files, site) == []
    assert raw_get(served_site, "/static/hello.txt").endswith(b"\r\n\r\nhello")


SEND_PATHS = [
    "../secret.txt",
    "../../secret.txt",
    "..\\secret.txt",
    "%2e%2e/secret.txt",
    "sub/../../secret.txt",
    "sub/..\\..\\secret.txt",
    "sub/./../../secret.txt",
    "./../secret.txt",
    "....//secret.txt",
    "\u2024\u2024/secret.txt",
    "\uff0e\uff0e/secret.txt",
    "..\uff0fsecret.txt",
    "..\u2215secret.txt",
    "..\uff3csecret.txt",
    "C:/secret.txt",
    "C:\\secret.txt",
    "c:secret.txt",
    "\\\\server\\share\\secret.txt",
    "hello.txt\x00",
    "hello.txt\x00.css",
    "\x00",
    "~/secret.txt",
    "../app/static/hello.txt",  # leaves the folder, even to come back
    "..",
    "../",
    "/..",
    ".",
    "",
    "/",
    "sub/",
]


def test_send_from_directory_refuses_traversal(fw, site, opened_files):
    app = static_app(fw, site)
    folder = site / "app" / "static"
    absolute = [str(site / "secret.txt"), "/" + str(site / "secret.txt"), "//" + str(site / "secret.txt")]
    with app.test_request_context():
        for path in SEND_PATHS + absolute:
            for directory in (folder, str(folder), "static"):
                with pytest.raises(NotFound):
                    fw.send_from_directory(directory, path)
    assert secrets_opened(opened_files, site) == []


# -- header injection ------------------------------------------------------------------


BAD_VALUES = ["a\r\nSet-Cookie: injected=1", "a\nSet-Cookie: injected=1", "a\rSet-Cookie: injected=1",
              "\r\n", "a\n"]

SETTERS = {
    "setitem": lambda fw, v: fw.Response("x").headers.__setitem__("X-A", v),
    "add": lambda fw, v: fw.Response("x").headers.add("X-A", v),
    "set": lambda fw, v: fw.Response("x").headers.set("X-A", v),
    "setdefault": lambda fw, v: fw.Response("x").headers.setdefault("X-A", v),
    "extend": lambda fw, v: fw.Response("x").headers.extend({"X-A": v}),
    "update": lambda fw, v: fw.Response("x").headers.update({"X-A": v}),
    "add with options": lambda fw, v: fw.Response("x").headers.add("X-A", "ok", option=v),
    "Response(headers=)": lambda fw, v: fw.Response("x", headers={"X-A": v}),
    "Response(mimetype=)": lambda fw, v: fw.Response("x", mimetype="text/" + v),
    "location": lambda fw, v: setattr(fw.Response("x"), "location", "/x" + v),
    "content_type": lambda fw, v: setattr(fw.Response("x"), "content_type", "text/plain" + v),
}


@pytest.mark.parametrize("setter", SETTERS)
def test_crlf_in_a_header_value_is_refused(fw, setter):
    for value in BAD_VALUES:
        with pytest.raises(ValueError, match="newline"):
            SETTERS[setter](fw, value)


@pytest.mark.parametrize(
    ("name", "value"),
    [("X-A\r\nSet-Cookie", "injected=1"), ("X-A\x00", "b"), ("X-A", "a\x00b"), ("X A", "b")],
    ids=["CRLF in name", "NUL in name", "NUL in value", "space in name"],
)
def test_header_names_and_nul_are_left_to_the_server_as_in_flask(name, value):
    """Werkzeug refuses only CR and LF in values; a header name or a NUL is
    not checked, in Flask or in fastmicro. Production servers refuse them
    (gunicorn: a 500, see test_faults.py); Werkzeug's development server
    writes them out. Recorded here so that any change shows."""
    outcomes = []
    for module in (flask, fastmicro):
        response = module.Response("x")
        response.headers[name] = value
        outcomes.append(response.headers.to_wsgi_list())
    assert outcomes[0] == outcomes[1]
    assert (name, value) in outcomes[1]


def test_a_mimetype_from_the_request_cannot_inject_a_header(fw):
    """``Response(body, mimetype=...)`` with a value the client chose: Flask
    refuses the newline (a 500); nothing injected goes out on the wire."""
    app = fw.Flask(__name__)

    @app.get("/typed")
    def typed():
        return fw.Response("hi", mimetype=fw.request.args["type"])

    response = app.test_client().get("/typed", query_string={"type": "text/x\r\nSet-Cookie: injected=1"})
    assert response.status_code == 500
    assert response.headers.getlist("Set-Cookie") == []
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        response = raw_get(server.server_port, "/typed?type=text/x%0d%0aSet-Cookie:%20injected=1")
        head = response.partition(b"\r\n\r\n")[0]
        assert head.startswith(b"HTTP/1.1 500 ")
        assert b"injected" not in head
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _redirecting_app(fw):
    app = fw.Flask(__name__)

    @app.get("/go")
    def go():
        return fw.redirect(fw.request.args["to"])

    return app


@pytest.mark.parametrize(
    "target",
    ["/x\r\nSet-Cookie: injected=1", "/x\nSet-Cookie: injected=1", "/x\rSet-Cookie: injected=1"],
    ids=["CRLF", "LF", "CR"],
)
def test_redirect_refuses_header_injection(fw, target):
    with fw.Flask(__name__).test_request_context():
        with pytest.raises(ValueError, match="newline"):
            fw.redirect(target)
    app = _redirecting_app(fw)
    response = app.test_client().get("/go", query_string={"to": target})
    assert response.status_code == 500
    assert "Location" not in response.headers
    assert response.headers.getlist("Set-Cookie") == []


def test_redirect_keeps_encoded_crlf_encoded(fw):
    app = _redirecting_app(fw)
    response = app.test_client().get("/go", query_string={"to": "/x%0d%0aSet-Cookie:%20injected=1"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/x%0d%0aSet-Cookie:%20injected=1"
    assert response.headers.getlist("Set-Cookie") == []


def test_redirect_injection_over_a_socket(fw):
    server = make_server("127.0.0.1", 0, _redirecting_app(fw), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        response = raw_get(server.server_port, "/go?to=/x%0d%0aSet-Cookie:%20injected=1")
        assert response.startswith(b"HTTP/1.1 500 ")
        assert b"injected" not in response.partition(b"\r\n\r\n")[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# -- what fastmicro sets by default (docs/security.md) -------------------------------------------


def test_default_response_headers_are_flasks_and_add_no_security_headers(fw):
    """docs/security.md says which headers come by default: these, as in
    Flask, and no security header (those are the app's to set)."""
    app = fw.Flask(__name__, root_path=str(REPO / "tests"))
    app.secret_key = SECRET

    @app.get("/")
    def index():
        return "x"

    @app.get("/login")
    def login():
        fw.session["user"] = "alice"
        return "x"

    client = app.test_client()
    names = {}
    for url in ("/", "/login", "/static/hello.txt", "/missing"):
        response = client.get(url)
        names[url] = sorted(response.headers.keys())
        response.close()
    assert names == {
        "/": ["Content-Length", "Content-Type"],
        "/login": ["Content-Length", "Content-Type", "Set-Cookie", "Vary"],
        "/static/hello.txt": ["Accept-Ranges", "Cache-Control", "Content-Disposition", "Content-Length",
                              "Content-Type", "Date", "ETag", "Last-Modified"],
        "/missing": ["Content-Length", "Content-Type"],
    }
    response = client.get("/login")
    assert response.headers["Vary"] == "Cookie"
    assert re.fullmatch(r"session=[^;]+; HttpOnly; Path=/", response.headers["Set-Cookie"])


# -- the debugger --------------------------------------------------------------------------


BOOM_APP = """\
from fastmicro import Flask

app = Flask(__name__)


@app.route("/")
def index():
    raise ValueError("boom")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    # Debug mode and the reloader only when a test asks for them.
    for name in ("FASTMICRO_APP", "FASTMICRO_DEBUG", "FLASK_DEBUG", "FASTMICRO_RUN_FROM_CLI",
                 "WERKZEUG_RUN_MAIN"):
        env.pop(name, None)
    return env


def error_page_from(args: list[str], cwd: Path, port: int, stop: int = signal.SIGINT) -> tuple[str, str]:
    """Start a server, GET ``/`` (which raises), stop it; the 500 page and
    the server's output."""
    log_path = cwd / f"server-{time.monotonic_ns()}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, *args], cwd=cwd, env=_server_env(), stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            end = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).close()
                    pytest.fail("GET / did not fail")
                except urllib.error.HTTPError as exc:
                    assert exc.code == 500
                    page = exc.read().decode()
                    exc.close()
                    break
                except (urllib.error.URLError, ConnectionError):
                    assert proc.poll() is None, log_path.read_text()
                    assert time.monotonic() < end, log_path.read_text()
                    time.sleep(0.1)
        finally:
            proc.send_signal(stop)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return page, log_path.read_text(errors="replace")


def assert_no_debugger(page: str) -> None:
    assert "Internal Server Error" in page
    for sign in ("Werkzeug Debugger", "__debugger__", "Traceback", "ValueError"):
        assert sign not in page


@pytest.fixture
def boom_dir(tmp_path: Path) -> Path:
    (tmp_path / "boom.py").write_text(BOOM_APP)
    return tmp_path


@pytest.mark.slow
def test_fastmicro_run_has_no_debugger_unless_asked(boom_dir):
    port = free_port()
    args = ["-m", "fastmicro", "--app", "boom", "run", "--port", str(port), "--no-reload"]
    page, output = error_page_from(args, boom_dir, port)
    assert_no_debugger(page)
    assert " * Debug mode: off" in output
    assert "Debugger" not in output


@pytest.mark.slow
def test_app_run_has_no_debugger_unless_asked(boom_dir):
    port = free_port()
    (boom_dir / "script.py").write_text(
        f"from boom import app\n\nif __name__ == '__main__':\n    app.run(port={port})\n"
    )
    page, output = error_page_from(["script.py"], boom_dir, port)
    assert_no_debugger(page)
    assert "Debugger" not in output


@pytest.mark.slow
def test_serve_never_runs_the_debugger_even_in_debug_mode(boom_dir):
    port = free_port()
    args = ["-m", "fastmicro", "--app", "boom", "--debug", "serve", "--workers", "1",
            "--bind", f"127.0.0.1:{port}"]
    page, output = error_page_from(args, boom_dir, port, stop=signal.SIGTERM)
    assert_no_debugger(page)
    assert "Debugger" not in output


def blocked_port(host: str) -> socket.socket:
    """A socket holding a port on every interface of ``host``'s family,
    without listening: the server started on that port fails to bind, so
    the command returns and nothing is ever exposed."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family)
    sock.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", 0))
    return sock


def run_without_serving(host: str, debug: str = "--debug", *run_options: str) -> str:
    """``fastmicro --app boom DEBUG run --host HOST [run_options]`` on a
    blocked port: the output, up to the failed bind."""
    with blocked_port(host) as blocker:
        port = str(blocker.getsockname()[1])
        args = ["--app", "boom", debug, "run", "--host", host, "--port", port, "--no-reload", *run_options]
        result = CliRunner().invoke(fastmicro.cli.cli, args)
    assert result.exit_code == 1, result.output  # Werkzeug could not bind
    return result.output


EXPOSED_WARNING = (
    " * WARNING: The debugger is on and the server is bound to {host!r}, which other machines can reach."
)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1", ""])
def test_run_warns_when_the_debugger_is_reachable_from_other_machines(boom_dir, monkeypatch, host):
    monkeypatch.chdir(boom_dir)
    output = run_without_serving(host)
    assert EXPOSED_WARNING.format(host=host) in output
    assert "obtains the debugger PIN can run any code" in output
    # The explicit --debugger flag without debug mode asks for it too.
    assert EXPOSED_WARNING.format(host=host) in run_without_serving(host, "--no-debug", "--debugger")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "::ffff:127.0.0.1"])
def test_run_does_not_warn_on_loopback(boom_dir, monkeypatch, host):
    monkeypatch.chdir(boom_dir)
    assert "WARNING: The debugger" not in run_without_serving(host)


@pytest.mark.parametrize(
    "options", [("--no-debug",), ("--debug", "--no-debugger")], ids=["no-debug", "no-debugger"]
)
def test_run_does_not_warn_without_the_debugger(boom_dir, monkeypatch, options):
    monkeypatch.chdir(boom_dir)
    assert "WARNING: The debugger" not in run_without_serving("0.0.0.0", *options)


@pytest.mark.parametrize(
    ("host", "reachable"),
    [
        ("127.0.0.1", False), ("127.8.9.10", False), ("::1", False), ("[::1]", False),
        ("::ffff:127.0.0.1", False), ("localhost", False), ("unix:///tmp/app.sock", False),
        ("0.0.0.0", True), ("::", True), ("[::]", True), ("", True), ("10.0.0.1", True),
        ("192.0.2.1", True), ("fe80::1%lo", True), ("no-such-host.invalid", True),
    ],
)
def test_reachable_from_other_machines(host, reachable):
    assert fastmicro.cli.reachable_from_other_machines(host) is reachable


def test_app_run_warns_when_the_debugger_is_reachable_from_other_machines(boom_dir, monkeypatch, capsys):
    """``app.run(host="0.0.0.0", debug=True)`` starts the same debugger;
    it warns as ``fastmicro run`` does."""
    monkeypatch.syspath_prepend(str(boom_dir))
    monkeypatch.delenv("FASTMICRO_RUN_FROM_CLI", raising=False)
    boom = importlib.import_module("boom")
    with blocked_port("0.0.0.0") as blocker:
        with pytest.raises(SystemExit):
            boom.app.run(host="0.0.0.0", port=blocker.getsockname()[1], debug=True, use_reloader=False,
                         load_dotenv=False)
    assert EXPOSED_WARNING.format(host="0.0.0.0") in capsys.readouterr().err
