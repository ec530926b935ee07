"""Opening and saving the signed-cookie session: the pure twin of
``ext/sessions.pyx``.

These are :meth:`SecureCookieSessionInterface.open_session
<fastmicro.sessions.SecureCookieSessionInterface.open_session>` and
``save_session``, Flask 3.1's algorithm through the interface's hooks
(``get_signing_serializer``, ``get_cookie_name`` and the other getters,
``should_set_cookie``, ``get_expiration_time``), so a subclass that
overrides a hook is obeyed. The compiled twin inlines the stock hooks for
the stock interface and falls back to these functions for anything else.
"""
from __future__ import annotations

import typing as t

from werkzeug.datastructures import Headers

from .signing import BadData

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import FastMicro
    from .sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
    from .wrappers import Request, Response


def open_session(
    interface: SecureCookieSessionInterface, app: FastMicro, request: Request
) -> SecureCookieSession | None:
    """The session in the request's cookie; a new, empty one when there is
    no cookie or it does not verify or decode; ``None`` without a secret key."""
    serializer = interface.get_signing_serializer(app)
    if serializer is None:
        return None
    value = request.cookies.get(interface.get_cookie_name(app))
    if not value:
        return interface.session_class()
    max_age = int(app.permanent_session_lifetime.total_seconds())
    try:
        data = serializer.loads(value, max_age=max_age)
    except BadData:
        # A bad or expired signature, and also (unlike Flask, which lets
        # BadPayload escape as a 500) a validly signed payload that does
        # not decode: every malformed cookie gives a new, empty session.
        return interface.session_class()
    if not isinstance(data, dict):
        # Only a holder of the key can sign this, but it is no session.
        return interface.session_class()
    return interface.session_class(data)


def save_session(
    interface: SecureCookieSessionInterface,
    app: FastMicro,
    session: SessionMixin,
    response: Response,
) -> None:
    """Set, refresh or delete the session cookie on ``response`` as Flask
    does, and vary the response on ``Cookie`` when the session was used."""
    if session.accessed:
        vary_on_cookie(response)

    if not session:
        if session.modified:
            response.delete_cookie(**cookie_settings(interface, app))
            vary_on_cookie(response)
        return

    if not interface.should_set_cookie(app, session):
        return

    expires = interface.get_expiration_time(app, session)
    value = interface.get_signing_serializer(app).dumps(dict(session))  # type: ignore[union-attr]
    response.set_cookie(value=value, expires=expires, **cookie_settings(interface, app))
    vary_on_cookie(response)


def session_setitem(session: SecureCookieSession, key: str, value: t.Any) -> None:
    """``SecureCookieSession.__setitem__``: set, then ``on_update`` (which
    marks the session modified), as Werkzeug's ``CallbackDict``."""
    dict.__setitem__(session, key, value)
    if session.on_update is not None:
        session.on_update(session)


def cookie_settings(interface: SecureCookieSessionInterface, app: FastMicro) -> dict[str, t.Any]:
    """The session cookie's attributes, as ``set_cookie`` and
    ``delete_cookie`` take them. PERF: read only when a cookie is set or
    deleted, not on every request that merely touched the session."""
    return {
        "key": interface.get_cookie_name(app),
        "domain": interface.get_cookie_domain(app),
        "path": interface.get_cookie_path(app),
        "secure": interface.get_cookie_secure(app),
        "partitioned": interface.get_cookie_partitioned(app),
        "samesite": interface.get_cookie_samesite(app),
        "httponly": interface.get_cookie_httponly(app),
    }


def vary_on_cookie(response: Response) -> None:
    """``response.vary.add("Cookie")``, without building a header set for the
    common cases (no ``Vary`` yet, or ``Cookie`` already there alone)."""
    headers = response.headers
    if type(headers) is not Headers:
        response.vary.add("Cookie")
        return
    # PERF: one pass over the header list instead of Headers.get's
    # lower-casing lookup; the first Vary is the one Werkzeug parses.
    current = None
    for key, value in headers._list:  # type: ignore[attr-defined]
        if key.lower() == "vary":
            current = value
            break
    if current is None:
        headers._list.append(("Vary", "Cookie"))  # type: ignore[attr-defined]
    elif current != "Cookie":
        response.vary.add("Cookie")
