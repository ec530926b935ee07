"""Sessions: the interface an app uses to load and save ``session``, and
the default implementation in a signed cookie, as Flask 3.1's."""
from __future__ import annotations

import collections.abc as cabc
import hashlib
import typing as t
from datetime import datetime, timezone

from werkzeug.datastructures import CallbackDict

from . import speedups
from .json.tag import TaggedJSONSerializer
from .signing import URLSafeTimedSerializer

#: Opens and saves :class:`SecureCookieSessionInterface`'s sessions.
_cookie_session = speedups.load("sessions")

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import FastMicro
    from .wrappers import Request, Response


class SessionMixin(cabc.MutableMapping[str, t.Any]):
    """What a session object adds to a mapping.

    .. versionadded:: 0.1
    """

    @property
    def permanent(self) -> bool:
        """Whether the cookie outlives the browser session."""
        return self.get("_permanent", False)  # type: ignore[no-any-return]

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    #: Whether the session is new; not tracked by the cookie session.
    new = False
    #: Set on change, so the interface knows to save.
    modified = True
    #: Set when the session is used through the request context (the
    #: ``session`` proxy included), so the response varies on ``Cookie``.
    #: As in Flask 3.1.3, any use counts, not only reading a key.
    accessed = False


class SecureCookieSession(CallbackDict[str, t.Any], SessionMixin):
    """The session of :class:`SecureCookieSessionInterface`: a dict that
    tracks ``modified`` (the request context tracks ``accessed``).

    .. versionadded:: 0.1
    """

    modified = False

    def __init__(self, initial: t.Any = None) -> None:
        super().__init__(initial, _mark_modified)

    # PERF: ``session[key] = value`` is on the hot path of every view that
    # writes the session; this is CallbackDict's, without its wrapper frame.
    __setitem__ = _cookie_session.session_setitem


def _mark_modified(session: SecureCookieSession) -> None:
    # PERF: one function for every session, not a closure per session.
    session.modified = True


class NullSession(SecureCookieSession):
    """The session when none could be opened (no secret key): reading
    works, writing raises with a hint.

    .. versionadded:: 0.1
    """

    def _fail(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(
            "The session is unavailable because no secret "
            "key was set.  Set the secret_key on the "
            "application to something unique and secret."
        )

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail  # type: ignore[assignment]
    del _fail


class SessionInterface:
    """How the app opens and saves sessions. Subclass it and set
    ``app.session_interface`` to store sessions elsewhere (e.g. a database,
    keyed by an ID in the cookie).

    .. versionadded:: 0.1
    """

    null_session_class = NullSession
    pickle_based = False

    def make_null_session(self, app: FastMicro) -> NullSession:
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: FastMicro) -> str:
        return app.config["SESSION_COOKIE_NAME"]  # type: ignore[no-any-return]

    def get_cookie_domain(self, app: FastMicro) -> str | None:
        return app.config["SESSION_COOKIE_DOMAIN"]  # type: ignore[no-any-return]

    def get_cookie_path(self, app: FastMicro) -> str:
        return app.config["SESSION_COOKIE_PATH"] or app.config["APPLICATION_ROOT"]  # type: ignore[no-any-return]

    def get_cookie_httponly(self, app: FastMicro) -> bool:
        return app.config["SESSION_COOKIE_HTTPONLY"]  # type: ignore[no-any-return]

    def get_cookie_secure(self, app: FastMicro) -> bool:
        return app.config["SESSION_COOKIE_SECURE"]  # type: ignore[no-any-return]

    def get_cookie_samesite(self, app: FastMicro) -> str | None:
        return app.config["SESSION_COOKIE_SAMESITE"]  # type: ignore[no-any-return]

    def get_cookie_partitioned(self, app: FastMicro) -> bool:
        return app.config["SESSION_COOKIE_PARTITIONED"]  # type: ignore[no-any-return]

    def get_expiration_time(self, app: FastMicro, session: SessionMixin) -> datetime | None:
        if session.permanent:
            return datetime.now(timezone.utc) + app.permanent_session_lifetime
        return None

    def should_set_cookie(self, app: FastMicro, session: SessionMixin) -> bool:
        return session.modified or (
            session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]
        )

    def open_session(self, app: FastMicro, request: Request) -> SessionMixin | None:
        raise NotImplementedError()

    def save_session(self, app: FastMicro, session: SessionMixin, response: Response) -> None:
        raise NotImplementedError()


session_json_serializer = TaggedJSONSerializer()


def _lazy_sha1(string: bytes = b"") -> t.Any:
    # Looked up at call time so that FIPS builds without sha1 can still
    # import the module.
    return hashlib.sha1(string)


class SecureCookieSessionInterface(SessionInterface):
    """Sessions in a cookie signed with the app's ``SECRET_KEY``
    (itsdangerous, HMAC-SHA1, salt ``cookie-session``), readable and
    writable by Flask with the same key.

    .. versionadded:: 0.1
    """

    salt = "cookie-session"
    digest_method = staticmethod(_lazy_sha1)
    key_derivation = "hmac"
    serializer = session_json_serializer
    session_class = SecureCookieSession

    def get_signing_serializer(self, app: FastMicro) -> URLSafeTimedSerializer | None:
        """The serializer that signs and reads the cookie: the app's secret
        key signs, it and ``SECRET_KEY_FALLBACKS`` verify."""
        if not app.secret_key:
            return None
        keys: list[str | bytes] = []
        if fallbacks := app.config["SECRET_KEY_FALLBACKS"]:
            keys.extend(fallbacks)
        keys.append(app.secret_key)  # the last key signs
        settings = (tuple(keys), self.salt, self.serializer, self.key_derivation, self.digest_method)
        # PERF: the serializer derives its keys once; Flask makes a new one
        # twice per request. One is kept per interface for the last settings.
        cached = self.__dict__.get("_serializer_cache")
        if cached is not None and cached[0] == settings:
            return cached[1]  # type: ignore[no-any-return]
        serializer = URLSafeTimedSerializer(
            keys,  # type: ignore[arg-type]
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )
        self.__dict__["_serializer_cache"] = (settings, serializer)
        return serializer

    # PERF: the "sessions" hot path, bound as the methods themselves (no
    # Python frame in between). Unlike Flask, every cookie that does not
    # verify or decode (a validly signed payload that is no JSON included)
    # opens a new, empty session, never an error.
    open_session = _cookie_session.open_session
    save_session = _cookie_session.save_session
