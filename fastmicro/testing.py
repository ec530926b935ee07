"""Test helpers: an app-aware :class:`EnvironBuilder` and test client.

Behaves as Flask 3.1's ``flask.testing``. ``FlaskClient`` keeps Flask's name
so tests written for Flask keep working; ``FastMicroClient`` is the same
class. :class:`FlaskCliRunner` is a minimal version of Flask's.

.. versionadded:: 0.1
"""
from __future__ import annotations

import importlib.metadata
import typing as t
from contextlib import ExitStack, contextmanager
from copy import copy
from types import TracebackType
from urllib.parse import urlsplit

import werkzeug.test
from click.testing import CliRunner, Result
from werkzeug.test import Client
from werkzeug.wrappers import Request as BaseRequest

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.test import TestResponse

    from .app import FastMicro
    from .sessions import SessionMixin

__all__ = ["EnvironBuilder", "FastMicroClient", "FlaskCliRunner", "FlaskClient"]


class EnvironBuilder(werkzeug.test.EnvironBuilder):
    """A :class:`werkzeug.test.EnvironBuilder` that takes its defaults from
    an application.

    :param app: The application whose config gives the defaults.
    :param path: The requested path. It may be a full URL; its scheme and
        host then override the defaults, and its query string is kept.
    :param base_url: Where the application is served, ``path`` being
        relative to it. By default built from :data:`PREFERRED_URL_SCHEME`,
        ``subdomain``, :data:`SERVER_NAME` (``localhost`` when unset) and
        :data:`APPLICATION_ROOT`.
    :param subdomain: Prefixed to :data:`SERVER_NAME` for the host.
    :param url_scheme: Used instead of :data:`PREFERRED_URL_SCHEME`.
    :param args: Passed on to :class:`werkzeug.test.EnvironBuilder`.
    :param kwargs: Passed on to :class:`werkzeug.test.EnvironBuilder`. A
        ``json`` value is serialized with the app's JSON provider and sets
        the content type to ``application/json``.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        app: FastMicro,
        path: str = "/",
        base_url: str | None = None,
        subdomain: str | None = None,
        url_scheme: str | None = None,
        *args: t.Any,
        **kwargs: t.Any,
    ) -> None:
        # base_url is an alternative to subdomain/url_scheme, not a partner.
        assert not (base_url or subdomain or url_scheme) or (
            base_url is not None
        ) != bool(subdomain or url_scheme), (
            'Cannot pass "subdomain" or "url_scheme" with "base_url".'
        )

        if base_url is None:
            config = app.config
            host = config.get("SERVER_NAME") or "localhost"
            if subdomain:
                host = f"{subdomain}.{host}"
            if url_scheme is None:
                url_scheme = config["PREFERRED_URL_SCHEME"]
            app_root = config["APPLICATION_ROOT"]

            url = urlsplit(path)
            base_url = (
                f"{url.scheme or url_scheme}://{url.netloc or host}"
                f"/{app_root.lstrip('/')}"
            )
            path = url.path
            if url.query:
                path = f"{path}?{url.query}"

        self.app = app
        super().__init__(path, base_url, *args, **kwargs)

    def json_dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``obj`` with :meth:`app.json.dumps()
        <fastmicro.json.provider.JSONProvider.dumps>`, so request bodies
        given as ``json=`` follow the app's JSON settings.

        .. versionadded:: 0.1
        """
        return self.app.json.dumps(obj, **kwargs)  # type: ignore[no-any-return]


_werkzeug_version = ""


def _get_werkzeug_version() -> str:
    global _werkzeug_version
    if not _werkzeug_version:
        _werkzeug_version = importlib.metadata.version("werkzeug")
    return _werkzeug_version


class FlaskClient(Client):
    """A :class:`werkzeug.test.Client` that knows the application's
    contexts. Usually made by :meth:`app.test_client()
    <fastmicro.FastMicro.test_client>`; also available as
    :class:`FastMicroClient`.

    Requests get ``REMOTE_ADDR`` ``127.0.0.1`` and a ``Werkzeug/<version>``
    user agent from :attr:`environ_base`, which may be changed after the
    client is made.

    Inside a ``with client:`` block, the contexts of the last request stay
    pushed until the next request or the end of the block, so
    :data:`~fastmicro.request` and :data:`~fastmicro.session` can be
    inspected after a call::

        with app.test_client() as client:
            client.get("/?name=x")
            assert request.args["name"] == "x"

    .. versionadded:: 0.1
    """

    application: FastMicro

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.preserve_context = False
        self._new_contexts: list[t.ContextManager[t.Any]] = []
        self._context_stack = ExitStack()
        self.environ_base = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": f"Werkzeug/{_get_werkzeug_version()}",
        }

    @contextmanager
    def session_transaction(
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Iterator[SessionMixin]:
        """Open the client's session for modification in a ``with`` block;
        it is saved back into the client's cookies when the block ends::

            with client.session_transaction() as session:
                session["user_id"] = 42

        The session is opened in a temporary request context built with
        :meth:`app.test_request_context(*args, **kwargs)
        <fastmicro.FastMicro.test_request_context>`, since loading it may
        depend on the request.

        :raise TypeError: The client was made with ``use_cookies=False``.
        :raise RuntimeError: The session interface did not open a session.

        .. versionadded:: 0.1
        """
        if self._cookies is None:
            raise TypeError(
                "Cookies are disabled. Create a client with 'use_cookies=True'."
            )

        app = self.application
        ctx = app.test_request_context(*args, **kwargs)
        self._add_cookies_to_wsgi(ctx.request.environ)

        with ctx:
            sess = app.session_interface.open_session(app, ctx.request)
        if sess is None:
            raise RuntimeError("Session backend did not open a session.")

        yield sess

        if app.session_interface.is_null_session(sess):
            return
        response = app.response_class()
        with ctx:
            app.session_interface.save_session(app, sess, response)
        self._update_cookies_from_response(
            ctx.request.host.partition(":")[0],
            ctx.request.path,
            response.headers.getlist("Set-Cookie"),
        )

    def _copy_environ(self, other: WSGIEnvironment) -> WSGIEnvironment:
        """Return ``other`` over :attr:`environ_base`, with the hook that
        preserves the request's contexts inside a ``with client:`` block."""
        out = {**self.environ_base, **other}
        if self.preserve_context:
            # The app calls this with each context it pushed for the request.
            out["werkzeug.debug.preserve_context"] = self._new_contexts.append
        return out

    def _request_from_builder_args(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> BaseRequest:
        kwargs["environ_base"] = self._copy_environ(kwargs.get("environ_base", {}))
        builder = EnvironBuilder(self.application, *args, **kwargs)
        try:
            return builder.get_request()
        finally:
            builder.close()

    def open(
        self,
        *args: t.Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: t.Any,
    ) -> TestResponse:
        """Make a request, as :meth:`werkzeug.test.Client.open`.

        The first argument may also be a ready
        :class:`~werkzeug.test.EnvironBuilder`, a WSGI environ dict or a
        :class:`~werkzeug.wrappers.Request`; :attr:`environ_base` is applied
        to it. Otherwise the arguments build this module's
        :class:`EnvironBuilder` for the application.

        .. versionadded:: 0.1
        """
        first = args[0] if args else None
        if isinstance(first, werkzeug.test.EnvironBuilder):
            builder = copy(first)
            builder.environ_base = self._copy_environ(builder.environ_base or {})  # type: ignore[arg-type]
            request = builder.get_request()
        elif isinstance(first, dict):
            request = EnvironBuilder.from_environ(
                first, app=self.application, environ_base=self._copy_environ({})
            ).get_request()
        elif isinstance(first, BaseRequest):
            request = copy(first)
            request.environ = self._copy_environ(request.environ)
        else:
            request = self._request_from_builder_args(args, kwargs)

        # Contexts kept from an earlier request (or an earlier hop of a
        # redirect chain) are popped before the next request runs.
        self._context_stack.close()

        response = super().open(
            request, buffered=buffered, follow_redirects=follow_redirects
        )
        response.json_module = self.application.json  # type: ignore[assignment]

        # Push again the contexts the app handed over while handling it.
        for cm in self._new_contexts:
            self._context_stack.enter_context(cm)
        self._new_contexts.clear()
        return response

    def __enter__(self) -> FlaskClient:
        if self.preserve_context:
            raise RuntimeError("Cannot nest client invocations")
        self.preserve_context = True
        return self

    def __exit__(
        self,
        exc_type: type | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.preserve_context = False
        self._context_stack.close()


#: The fastmicro name of :class:`FlaskClient`.
FastMicroClient = FlaskClient


class FlaskCliRunner(CliRunner):
    """A :class:`click.testing.CliRunner` for an application's commands,
    usually made by :meth:`app.test_cli_runner()
    <fastmicro.FastMicro.test_cli_runner>`.

    As Flask's: commands are given a :class:`~fastmicro.cli.ScriptInfo`
    that loads this app, so ``with_appcontext`` and the built-in commands
    (``routes``, ``shell``...) work without app discovery.

    :param app: The application under test, kept as :attr:`app`.
    :param kwargs: Passed to :class:`~click.testing.CliRunner`.

    .. versionadded:: 0.1
    """

    def __init__(self, app: FastMicro, **kwargs: t.Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self, cli: t.Any = None, args: t.Any = None, **kwargs: t.Any
    ) -> Result:
        """Invoke a command in an isolated environment, as
        :meth:`click.testing.CliRunner.invoke`.

        :param cli: The command; by default the app's ``cli`` group.
        :param args: The command line arguments.
        :param kwargs: Passed to :meth:`click.testing.CliRunner.invoke`;
            ``obj`` defaults to a :class:`~fastmicro.cli.ScriptInfo` for
            the app.

        .. versionadded:: 0.1
        """
        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            from .cli import ScriptInfo

            app = self.app
            kwargs["obj"] = ScriptInfo(create_app=lambda: app)
        return super().invoke(cli, args, **kwargs)
