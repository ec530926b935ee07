"""The application object: Flask 3.1's API and request cycle, with a hot path
that only pays for the hooks, signals and sessions an app really uses."""
from __future__ import annotations

import collections.abc as cabc
import os
import sys
import typing as t
import weakref
from datetime import timedelta
from inspect import iscoroutinefunction
from itertools import chain

from werkzeug.datastructures import Headers, ImmutableDict
from werkzeug.exceptions import Aborter, BadRequestKeyError, HTTPException, InternalServerError
from werkzeug.routing import BuildError, MapAdapter, RequestRedirect, RoutingException, Rule
from werkzeug.utils import cached_property
from werkzeug.wrappers import Response as BaseResponse
from werkzeug.wsgi import get_host

from . import signals, speedups
from .config import Config, ConfigAttribute
from .ctx import AppContext, RequestContext, _AppCtxGlobals
from .cli import AppGroup
from .globals import _cv_app, _cv_request, request, request_ctx
from .helpers import get_debug_flag, get_load_dotenv
from .json.provider import DefaultJSONProvider, JSONProvider
from .routing import Map, NeedsFullMatch
from .scaffold import Scaffold, _endpoint_from_view_func, find_package, setupmethod
from .sessions import SecureCookieSessionInterface, SessionInterface
from .templating import Environment
from .wrappers import Request, Response, _wsgi_str

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.wsgi import WSGIEnvironment

    from .testing import FlaskClient

T = t.TypeVar("T")

_cycle = speedups.load("cycle")


def _make_timedelta(value: timedelta | int | None) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


class FastMicro(Scaffold):
    """The application: a WSGI callable with Flask's API.

    ``Flask`` is another name for this class, so that an app ports by
    changing its imports::

        from fastmicro import Flask, request

        app = Flask(__name__)

        @app.route("/")
        def index():
            return f"Hello, {request.args.get('name', 'World')}!"

    .. versionadded:: 0.1
    """

    request_class: type[Request] = Request
    response_class: type[Response] = Response
    aborter_class = Aborter
    jinja_environment: type[Environment] = Environment
    app_ctx_globals_class = _AppCtxGlobals
    config_class = Config
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    url_rule_class = Rule
    url_map_class = Map
    test_client_class: type[FlaskClient] | None = None
    test_cli_runner_class: type[t.Any] | None = None
    session_interface: SessionInterface = SecureCookieSessionInterface()
    jinja_options: dict[str, t.Any] = {}

    testing = ConfigAttribute[bool]("TESTING")
    secret_key = ConfigAttribute[t.Union[str, bytes, None]]("SECRET_KEY")
    permanent_session_lifetime = ConfigAttribute[timedelta](
        "PERMANENT_SESSION_LIFETIME", get_converter=_make_timedelta  # type: ignore[arg-type]
    )

    default_config = ImmutableDict(
        {
            "DEBUG": None,
            "TESTING": False,
            "PROPAGATE_EXCEPTIONS": None,
            "SECRET_KEY": None,
            "SECRET_KEY_FALLBACKS": None,
            "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
            "USE_X_SENDFILE": False,
            "TRUSTED_HOSTS": None,
            "SERVER_NAME": None,
            "APPLICATION_ROOT": "/",
            "SESSION_COOKIE_NAME": "session",
            "SESSION_COOKIE_DOMAIN": None,
            "SESSION_COOKIE_PATH": None,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SECURE": False,
            "SESSION_COOKIE_PARTITIONED": False,
            "SESSION_COOKIE_SAMESITE": None,
            "SESSION_REFRESH_EACH_REQUEST": True,
            "MAX_CONTENT_LENGTH": None,
            "MAX_FORM_MEMORY_SIZE": 500_000,
            "MAX_FORM_PARTS": 1_000,
            "SEND_FILE_MAX_AGE_DEFAULT": None,
            "TRAP_BAD_REQUEST_ERRORS": None,
            "TRAP_HTTP_EXCEPTIONS": False,
            "EXPLAIN_TEMPLATE_LOADING": False,
            "PREFERRED_URL_SCHEME": "http",
            "TEMPLATES_AUTO_RELOAD": None,
            "MAX_COOKIE_SIZE": 4093,
            "PROVIDE_AUTOMATIC_OPTIONS": True,
        }
    )

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        super().__init__(
            import_name=import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if instance_path is None:
            instance_path = self.auto_find_instance_path()
        elif not os.path.isabs(instance_path):
            raise ValueError(
                "If an instance path is provided it must be absolute."
                " A relative path was given instead."
            )
        self.instance_path = instance_path
        self.config = self.make_config(instance_relative_config)
        self.aborter = self.make_aborter()
        self.json: JSONProvider = self.json_provider_class(self)
        self.url_build_error_handlers: list[t.Callable[[Exception, str, dict[str, t.Any]], str]] = []
        self.teardown_appcontext_funcs: list[t.Callable[[BaseException | None], None]] = []
        self.shell_context_processors: list[t.Callable[[], dict[str, t.Any]]] = []
        self.blueprints: dict[str, t.Any] = {}
        self.extensions: dict[str, t.Any] = {}
        #: The app's own commands for the ``fastmicro`` command line
        #: (``@app.cli.command()``); they run in the app context.
        self.cli: AppGroup = AppGroup(self.name)
        self.url_map = self.url_map_class(host_matching=host_matching)
        self.subdomain_matching = subdomain_matching
        self._got_first_request = False
        # PERF: inspect.iscoroutinefunction costs more than the rest of the
        # dispatch of a small view; the answer per function is cached.
        self._sync_views: dict[t.Callable[..., t.Any], t.Callable[..., t.Any]] = {}

        if self.has_static_folder:
            assert bool(static_host) == host_matching, (
                "Invalid static_host/host_matching combination"
            )
            # A weak reference: the view lives in the app, and a strong one
            # would make a cycle that keeps a dropped app alive until the
            # cyclic garbage collector runs.
            self_ref = weakref.ref(self)

            def static_view(**kw: t.Any) -> t.Any:
                return self_ref().send_static_file(**kw)  # type: ignore[union-attr]

            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                host=static_host,
                view_func=static_view,
            )

    # -- identity and configuration ---------------------------------------

    @property
    def name(self) -> str:  # type: ignore[override]
        """The app's name: the import name, or the script's name for
        ``__main__``."""
        if self.import_name == "__main__":
            fn = getattr(sys.modules["__main__"], "__file__", None)
            if fn is None:
                return "__main__"
            return os.path.splitext(os.path.basename(fn))[0]
        return self.import_name

    @property
    def logger(self) -> t.Any:
        """The app's :class:`logging.Logger`, named after the app."""
        try:
            return self.__dict__["logger"]
        except KeyError:
            from .logging import create_logger

            logger = self.__dict__["logger"] = create_logger(self)
            return logger

    @cached_property
    def jinja_env(self) -> Environment:
        """The Jinja environment, made on first use; may be replaced."""
        return self.create_jinja_environment()

    @property
    def debug(self) -> bool:
        """Whether debug mode is on (the ``DEBUG`` config key)."""
        return self.config["DEBUG"]  # type: ignore[no-any-return]

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        if self.config["TEMPLATES_AUTO_RELOAD"] is None and "jinja_env" in self.__dict__:
            self.jinja_env.auto_reload = value

    def make_config(self, instance_relative: bool = False) -> Config:
        """Make the :attr:`config` from :attr:`default_config`."""
        root_path = self.root_path
        if instance_relative:
            root_path = self.instance_path
        defaults = dict(self.default_config)
        defaults["DEBUG"] = get_debug_flag()
        return self.config_class(root_path, defaults)

    def make_aborter(self) -> Aborter:
        """Make the :attr:`aborter` used by :func:`~fastmicro.abort`."""
        return self.aborter_class()

    def auto_find_instance_path(self) -> str:
        """``instance`` beside the app's package, or in ``var`` of the
        install prefix for an installed one."""
        prefix, package_path = find_package(self.import_name)
        if prefix is None:
            return os.path.join(package_path, "instance")
        return os.path.join(prefix, "var", f"{self.name}-instance")

    def open_instance_resource(self, resource: str, mode: str = "rb", encoding: str | None = "utf-8") -> t.IO[t.AnyStr]:
        """Open a file relative to :attr:`instance_path`."""
        path = os.path.join(self.instance_path, resource)
        if "b" in mode:
            return open(path, mode)  # type: ignore[return-value]
        return open(path, mode, encoding=encoding)  # type: ignore[return-value]

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        return super().get_send_file_max_age(filename)

    # -- templates ----------------------------------------------------------

    def create_jinja_environment(self) -> t.Any:
        """Make the Jinja environment (see :mod:`fastmicro.templating`)."""
        from .templating import create_environment

        return create_environment(self)

    def create_global_jinja_loader(self) -> t.Any:
        from .templating import DispatchingJinjaLoader

        return DispatchingJinjaLoader(self)

    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Autoescape templates named ``.html``, ``.htm``, ``.xml``,
        ``.xhtml`` and ``.svg``, and string templates."""
        if filename is None:
            return True
        return filename.endswith((".html", ".htm", ".xml", ".xhtml", ".svg"))

    def update_template_context(self, context: dict[str, t.Any]) -> None:
        """Add the context processors' values to ``context``; the
        template's own values win."""
        names: t.Iterable[str | None] = (None,)
        if request:
            names = chain(names, reversed(request.blueprints))
        orig_ctx = context.copy()
        for name in names:
            if name in self.template_context_processors:
                for func in self.template_context_processors[name]:
                    context.update(self.ensure_sync(func)())
        context.update(orig_ctx)

    @setupmethod
    def template_filter(self, name: str | None = None) -> t.Callable[[T], T]:
        def decorator(f: T) -> T:
            self.add_template_filter(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_filter(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        self.jinja_env.filters[name or f.__name__] = f

    @setupmethod
    def template_test(self, name: str | None = None) -> t.Callable[[T], T]:
        def decorator(f: T) -> T:
            self.add_template_test(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_test(self, f: t.Callable[..., bool], name: str | None = None) -> None:
        self.jinja_env.tests[name or f.__name__] = f

    @setupmethod
    def template_global(self, name: str | None = None) -> t.Callable[[T], T]:
        def decorator(f: T) -> T:
            self.add_template_global(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_global(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        self.jinja_env.globals[name or f.__name__] = f

    # -- setup ----------------------------------------------------------------

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_first_request:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called"
                " on the application. It has already handled its first"
                " request, any changes will not be applied"
                " consistently.\n"
                "Make sure all imports, decorators, functions, etc."
                " needed to set up the application are done before"
                " running it."
            )

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[..., t.Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Register a URL rule (Werkzeug's rule syntax) for ``endpoint``,
        and ``view_func`` as its view."""
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)  # type: ignore[arg-type]
        options["endpoint"] = endpoint
        methods = options.pop("methods", None)
        if methods is None:
            methods = getattr(view_func, "methods", None) or ("GET",)
        if isinstance(methods, str):
            raise TypeError(
                "Allowed methods must be a list of strings, for"
                ' example: @app.route(..., methods=["POST"])'
            )
        methods = {item.upper() for item in methods}
        required_methods: set[str] = set(getattr(view_func, "required_methods", ()))

        if provide_automatic_options is None:
            provide_automatic_options = getattr(view_func, "provide_automatic_options", None)
        if provide_automatic_options is None:
            if "OPTIONS" not in methods and self.config["PROVIDE_AUTOMATIC_OPTIONS"]:
                provide_automatic_options = True
                required_methods.add("OPTIONS")
            else:
                provide_automatic_options = False

        methods |= required_methods
        rule_obj = self.url_rule_class(rule, methods=methods, **options)
        rule_obj.provide_automatic_options = provide_automatic_options  # type: ignore[attr-defined]
        self.url_map.add(rule_obj)
        if view_func is not None:
            old_func = self.view_functions.get(endpoint)
            if old_func is not None and old_func != view_func:
                raise AssertionError(
                    "View function mapping is overwriting an existing"
                    f" endpoint function: {endpoint}"
                )
            self.view_functions[endpoint] = view_func

    @setupmethod
    def teardown_appcontext(self, f: T) -> T:
        """Run ``f(exc)`` when the app context is popped."""
        self.teardown_appcontext_funcs.append(f)  # type: ignore[arg-type]
        return f

    @setupmethod
    def shell_context_processor(self, f: T) -> T:
        """Register a shell context processor function."""
        self.shell_context_processors.append(f)  # type: ignore[arg-type]
        return f

    def make_shell_context(self) -> dict[str, t.Any]:
        """The namespace of ``fastmicro shell``: ``app`` and ``g``, updated
        with what each shell context processor returns."""
        from .globals import g

        namespace: dict[str, t.Any] = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            namespace.update(processor())
        return namespace

    @setupmethod
    def register_blueprint(self, blueprint: t.Any, **options: t.Any) -> None:
        """Register a :class:`~fastmicro.Blueprint` on the app."""
        blueprint.register(self, options)

    def iter_blueprints(self) -> t.ValuesView[t.Any]:
        return self.blueprints.values()

    # -- contexts -----------------------------------------------------------

    def app_context(self) -> AppContext:
        """An :class:`~fastmicro.ctx.AppContext` for this app."""
        return AppContext(self)

    def request_context(self, environ: WSGIEnvironment) -> RequestContext:
        """A :class:`~fastmicro.ctx.RequestContext` for a WSGI environ."""
        return RequestContext(self, environ)

    def test_request_context(self, *args: t.Any, **kwargs: t.Any) -> RequestContext:
        """A request context for an environ built from the arguments of
        Werkzeug's :class:`~werkzeug.test.EnvironBuilder`."""
        from .testing import EnvironBuilder

        builder = EnvironBuilder(self, *args, **kwargs)
        try:
            return self.request_context(builder.get_environ())
        finally:
            builder.close()

    def test_client(self, use_cookies: bool = True, **kwargs: t.Any) -> FlaskClient:
        """A test client for this app."""
        cls = self.test_client_class
        if cls is None:
            from .testing import FlaskClient as cls
        return cls(self, self.response_class, use_cookies=use_cookies, **kwargs)  # type: ignore[no-any-return]

    def test_cli_runner(self, **kwargs: t.Any) -> t.Any:
        """A CLI runner for this app's commands."""
        cls = self.test_cli_runner_class
        if cls is None:
            from .testing import FlaskCliRunner as cls
        return cls(self, **kwargs)

    # -- sessions -----------------------------------------------------------

    def _session_opens_on_push(self) -> bool:
        # The default cookie interface opens lazily: a request that never
        # touches the session pays nothing, and the result is the same
        # (see _finish_session). Any other interface opens on push as in
        # Flask, since it may have side effects.
        return type(self.session_interface) is not SecureCookieSessionInterface

    def _open_session(self, req: Request) -> t.Any:
        interface = self.session_interface
        session = interface.open_session(self, req)
        if session is None:
            session = interface.make_null_session(self)
        return session

    # -- URLs ---------------------------------------------------------------

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """The URL adapter of a request, or of the app context when
        ``SERVER_NAME`` is set."""
        if request is not None:
            if (trusted_hosts := self.config["TRUSTED_HOSTS"]) is not None:
                request.trusted_hosts = trusted_hosts
            # Flask checks the trusted hosts here, before binding.
            request.host = get_host(request.environ, request.trusted_hosts)  # type: ignore[misc]
            subdomain = None
            server_name = self.config["SERVER_NAME"]
            if self.url_map.host_matching:
                server_name = None
            elif not self.subdomain_matching:
                subdomain = self.url_map.default_subdomain or ""
            return self.url_map.bind_to_environ(
                request.environ, server_name=server_name, subdomain=subdomain
            )
        if self.config["SERVER_NAME"] is not None:
            return self.url_map.bind(
                self.config["SERVER_NAME"],
                script_name=self.config["APPLICATION_ROOT"],
                url_scheme=self.config["PREFERRED_URL_SCHEME"],
            )
        return None

    def _match_request(self, ctx: RequestContext) -> None:
        req = ctx.request
        url_map = self.url_map
        environ = req.environ
        # PERF: the common app (no host or subdomain matching, no WebSocket
        # upgrade) matches the path directly, without binding a MapAdapter
        # to the environ; redirects and other rare outcomes take the full
        # path below, so the result is always Werkzeug's.
        if not url_map.host_matching and not self.subdomain_matching and "HTTP_UPGRADE" not in environ:
            try:
                req.url_rule, req.view_args = url_map.match_path(
                    _wsgi_str(environ.get("PATH_INFO") or ""),
                    req.method,
                    url_map.default_subdomain or "",
                )
                return
            except NeedsFullMatch:
                pass
            except HTTPException as e:
                req.routing_exception = e
                return
        try:
            adapter = ctx.url_adapter
            if adapter is None:
                return
            req.url_rule, req.view_args = adapter.match(return_rule=True)  # type: ignore[misc]
        except HTTPException as e:
            req.routing_exception = e

    def url_for(
        self,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: t.Any,
    ) -> str:
        """Build a URL for ``endpoint``: ``.name`` is relative to the
        current blueprint, extra values become the query string,
        ``_external`` makes it absolute (the default outside a request)."""
        req_ctx = _cv_request.get(None)
        if req_ctx is not None:
            url_adapter = req_ctx.url_adapter
            blueprint_name = req_ctx.request.blueprint
            if endpoint[:1] == ".":
                if blueprint_name is not None:
                    endpoint = f"{blueprint_name}{endpoint}"
                else:
                    endpoint = endpoint[1:]
            if _external is None:
                _external = _scheme is not None
        else:
            app_ctx = _cv_app.get(None)
            if app_ctx is not None:
                url_adapter = app_ctx.url_adapter
            else:
                url_adapter = self.create_url_adapter(None)
            if url_adapter is None:
                raise RuntimeError(
                    "Unable to build URLs outside an active request"
                    " without 'SERVER_NAME' configured. Also configure"
                    " 'APPLICATION_ROOT' and 'PREFERRED_URL_SCHEME' as"
                    " needed."
                )
            if _external is None:
                _external = True

        if _scheme is not None and not _external:
            raise ValueError("When specifying '_scheme', '_external' must be True.")

        self.inject_url_defaults(endpoint, values)
        try:
            rv = url_adapter.build(  # type: ignore[union-attr]
                endpoint,
                values,
                method=_method,
                url_scheme=_scheme,
                force_external=_external,
            )
        except BuildError as error:
            values.update(_anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external)
            return self.handle_url_build_error(error, endpoint, values)

        if _anchor is not None:
            from urllib.parse import quote

            _anchor = quote(_anchor, safe="%!#$&'()*+,/:;=?@")
            rv = f"{rv}#{_anchor}"
        return rv

    def inject_url_defaults(self, endpoint: str, values: dict[str, t.Any]) -> None:
        """Call the ``url_defaults`` functions of the app and the endpoint's
        blueprints on ``values``."""
        names: t.Iterable[str | None] = (None,)
        if "." in endpoint:
            names = chain(names, reversed(_split_blueprint_path(endpoint.rpartition(".")[0])))
        for name in names:
            if name in self.url_default_functions:
                for func in self.url_default_functions[name]:
                    func(endpoint, values)

    def handle_url_build_error(self, error: BuildError, endpoint: str, values: dict[str, t.Any]) -> str:
        """Try :attr:`url_build_error_handlers`; re-raise if none returns
        a URL."""
        for handler in self.url_build_error_handlers:
            try:
                rv = handler(error, endpoint, values)
            except BuildError as e:
                error = e
            else:
                if rv is not None:
                    return rv
        if error is sys.exc_info()[1]:
            raise
        raise error

    def redirect(self, location: str, code: int = 302) -> BaseResponse:
        """A redirect response of :attr:`response_class`."""
        from werkzeug.utils import redirect as _redirect

        return _redirect(location, code=code, Response=self.response_class)

    # -- the request cycle -------------------------------------------------

    #: The WSGI entry point: calls :meth:`wsgi_app`, which middleware may
    #: wrap (``app.wsgi_app = Middleware(app.wsgi_app)``).
    __call__ = _cycle.app_call

    def wsgi_app(self, environ: WSGIEnvironment, start_response: t.Callable[..., t.Any]) -> cabc.Iterable[bytes]:
        """Handle one request: push the contexts, dispatch, send the
        response, pop the contexts (teardown runs even on errors).

        The cycle itself is a hot path (:mod:`fastmicro.speedups`, "cycle"):
        compiled, it inlines the stock methods of this class; an app that
        overrides one of them runs the plain-Python cycle, which calls them.
        """
        return _cycle.wsgi_app(self, environ, start_response)

    def full_dispatch_request(self) -> Response:
        """Run the before-request functions, the view, and finalize."""
        self._got_first_request = True
        try:
            if signals.request_started.receivers:
                signals.request_started.send(self, _async_wrapper=self.ensure_sync)
            rv = None
            # PERF: both registries are empty for most apps; skip the walk.
            if self.before_request_funcs or self.url_value_preprocessors:
                rv = self.preprocess_request()
            if rv is None:
                rv = self.dispatch_request()
        except Exception as e:
            rv = self.handle_user_exception(e)
        return self.finalize_request(rv)

    def preprocess_request(self) -> t.Any:
        """Call the URL value preprocessors, then the ``before_request``
        functions of the app and the current blueprints; a non-``None``
        return value stops the request."""
        req = request_ctx.request
        names = (None, *reversed(req.blueprints))
        for name in names:
            if name in self.url_value_preprocessors:
                for url_func in self.url_value_preprocessors[name]:
                    url_func(req.endpoint, req.view_args)
        for name in names:
            if name in self.before_request_funcs:
                for before_func in self.before_request_funcs[name]:
                    rv = self.ensure_sync(before_func)()
                    if rv is not None:
                        return rv
        return None

    def dispatch_request(self) -> t.Any:
        """Call the view of the matched rule (or raise the routing error)."""
        req = _cv_request.get().request
        if req.routing_exception is not None:
            self.raise_routing_exception(req)
        rule: Rule = req.url_rule  # type: ignore[assignment]
        if req.method == "OPTIONS" and getattr(rule, "provide_automatic_options", False):
            return self.make_default_options_response()
        view = self.view_functions[rule.endpoint]
        try:
            view = self._sync_views[view]
        except KeyError:
            view = self._sync_views[view] = self.ensure_sync(view)
        except TypeError:  # an unhashable callable
            view = self.ensure_sync(view)
        return view(**req.view_args)  # type: ignore[arg-type]

    def raise_routing_exception(self, request: Request) -> t.NoReturn:
        """Raise the routing error; in debug mode a redirect that would
        lose form data raises a helpful error instead."""
        exc = request.routing_exception
        if (
            not self.debug
            or not isinstance(exc, RequestRedirect)
            or exc.code in {307, 308}
            or request.method in {"GET", "HEAD", "OPTIONS"}
        ):
            raise exc  # type: ignore[misc]
        from .debughelpers import FormDataRoutingRedirect

        raise FormDataRoutingRedirect(request)

    def make_default_options_response(self) -> Response:
        """The response to an automatic ``OPTIONS`` request: an empty body
        with the ``Allow`` header."""
        adapter = _cv_request.get().url_adapter
        methods = adapter.allowed_methods()  # type: ignore[union-attr]
        rv = self.response_class()
        rv.allow.update(methods)
        return rv

    def finalize_request(self, rv: t.Any, from_error_handler: bool = False) -> Response:
        """Make a response of the view's return value and process it."""
        response = self.make_response(rv)
        try:
            response = self.process_response(response)
            if signals.request_finished.receivers:
                signals.request_finished.send(self, _async_wrapper=self.ensure_sync, response=response)
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception(
                "Request finalizing failed with an error while handling an error"
            )
        return response

    def process_response(self, response: Response) -> Response:
        """Run ``after_this_request`` functions, then ``after_request``
        functions (blueprints first, each in reverse order), then save the
        session."""
        ctx = _cv_request.get()
        for func in ctx._after_request_functions or ():
            response = self.ensure_sync(func)(response)
        if self.after_request_funcs:
            for name in chain(ctx.request.blueprints, (None,)):
                if name in self.after_request_funcs:
                    for func in reversed(self.after_request_funcs[name]):
                        response = self.ensure_sync(func)(response)
        self._finish_session(ctx, response)
        return response

    def _finish_session(self, ctx: RequestContext, response: Response) -> None:
        interface = self.session_interface
        session = ctx._session
        if session is None:
            # PERF: never opened (default interface only, see
            # _session_opens_on_push). Flask would have opened it on push and
            # saved it now; that changes the response only if the request
            # carried a session cookie (a permanent one is refreshed).
            # Without a secret key it would open as a NullSession, which
            # is never saved.
            cookie = ctx.request.environ.get("HTTP_COOKIE")
            if not cookie or not self.secret_key or interface.get_cookie_name(self) not in cookie:
                return
            session = ctx._session = self._open_session(ctx.request)
        if not interface.is_null_session(session):
            interface.save_session(self, session, response)

    def make_response(self, rv: t.Any) -> Response:
        """Turn a view's return value into :attr:`response_class`: str,
        bytes and iterators become the body, dict and list become JSON,
        tuples add a status and/or headers, WSGI callables and other
        response classes are coerced."""
        # PERF: the most common return values first.
        rv_type = type(rv)
        if rv_type is str:
            return self.response_class(rv)
        if rv_type is dict or rv_type is list:
            return self.json.response(rv)  # type: ignore[no-any-return]

        status = headers = None
        if isinstance(rv, tuple):
            len_rv = len(rv)
            if len_rv == 3:
                rv, status, headers = rv
            elif len_rv == 2:
                if isinstance(rv[1], (Headers, dict, tuple, list)):
                    rv, headers = rv
                else:
                    rv, status = rv
            else:
                raise TypeError(
                    "The view function did not return a valid response tuple."
                    " The tuple must have the form (body, status, headers),"
                    " (body, status), or (body, headers)."
                )

        if rv is None:
            raise TypeError(
                f"The view function for {request.endpoint!r} did not"
                " return a valid response. The function either returned"
                " None or ended without a return statement."
            )

        if not isinstance(rv, self.response_class):
            if isinstance(rv, HTTPException) and status is None and headers is None:
                plain = _plain_error_body(rv)
                if plain is not None:
                    # PERF: Werkzeug would render the page and build a
                    # response per error, then coerce it with force_type.
                    response = self.response_class.__new__(self.response_class)
                    response._init_simple(plain, rv.code, "text/html; charset=utf-8")  # type: ignore[arg-type]
                    return response
            if isinstance(rv, (str, bytes, bytearray)) or isinstance(rv, cabc.Iterator):
                rv = self.response_class(rv, status=status, headers=headers)
                status = headers = None
            elif isinstance(rv, (dict, list)):
                rv = self.json.response(rv)
            elif isinstance(rv, BaseResponse) or callable(rv):
                try:
                    rv = self.response_class.force_type(rv, request.environ)
                except TypeError as e:
                    raise TypeError(
                        f"{e}\nThe view function did not return a valid"
                        " response. The return type must be a string,"
                        " dict, list, tuple with headers or status,"
                        " Response instance, or WSGI callable, but it"
                        f" was a {type(rv).__name__}."
                    ).with_traceback(sys.exc_info()[2]) from None
            else:
                raise TypeError(
                    "The view function did not return a valid"
                    " response. The return type must be a string,"
                    " dict, list, tuple with headers or status,"
                    " Response instance, or WSGI callable, but it was a"
                    f" {type(rv).__name__}."
                )

        if status is not None:
            if isinstance(status, (str, bytes, bytearray)):
                rv.status = status
            else:
                rv.status_code = status
        if headers:
            rv.headers.update(headers)
        return rv  # type: ignore[no-any-return]

    # -- errors -----------------------------------------------------------

    def _find_error_handler(self, e: Exception, blueprints: list[str]) -> t.Callable[..., t.Any] | None:
        exc_class, code = self._get_exc_class_and_code(type(e))
        names = (*blueprints, None)
        for c in (code, None) if code is not None else (None,):
            for name in names:
                handler_map = self.error_handler_spec.get(name, {}).get(c)
                if not handler_map:
                    continue
                for cls in exc_class.__mro__:
                    handler = handler_map.get(cls)
                    if handler is not None:
                        return handler
        return None

    def trap_http_exception(self, e: Exception) -> bool:
        """Whether an HTTP exception should propagate instead of being
        handled (``TRAP_HTTP_EXCEPTIONS``, ``TRAP_BAD_REQUEST_ERRORS``)."""
        if self.config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_request = self.config["TRAP_BAD_REQUEST_ERRORS"]
        if trap_bad_request is None and self.debug and isinstance(e, BadRequestKeyError):
            return True
        if trap_bad_request:
            from werkzeug.exceptions import BadRequest

            return isinstance(e, BadRequest)
        return False

    def handle_http_exception(self, e: HTTPException) -> HTTPException | t.Any:
        """Call the error handler of an HTTP exception, or return it as
        the response."""
        if e.code is None:
            return e
        if isinstance(e, RoutingException):
            return e
        handler = self._find_error_handler(e, request.blueprints)
        if handler is None:
            return e
        return self.ensure_sync(handler)(e)

    def handle_user_exception(self, e: Exception) -> HTTPException | t.Any:
        """Call the error handler of an exception raised during dispatch;
        re-raise it when there is none (HTTP exceptions become
        responses)."""
        if isinstance(e, BadRequestKeyError) and (
            self.debug or self.config["TRAP_BAD_REQUEST_ERRORS"]
        ):
            e.show_exception = True
        if isinstance(e, HTTPException) and not self.trap_http_exception(e):
            return self.handle_http_exception(e)
        handler = self._find_error_handler(e, request.blueprints)
        if handler is None:
            raise
        return self.ensure_sync(handler)(e)

    def handle_exception(self, e: Exception) -> Response:
        """Handle an unhandled exception: log it and respond with 500 (or
        re-raise when exceptions propagate: testing and debug mode)."""
        exc_info = sys.exc_info()
        if signals.got_request_exception.receivers:
            signals.got_request_exception.send(self, _async_wrapper=self.ensure_sync, exception=e)
        propagate = self.config["PROPAGATE_EXCEPTIONS"]
        if propagate is None:
            propagate = self.testing or self.debug
        if propagate:
            if exc_info[1] is e:
                raise
            raise e
        self.log_exception(exc_info)
        server_error: InternalServerError | t.Any = InternalServerError(original_exception=e)
        handler = self._find_error_handler(server_error, request.blueprints)
        if handler is not None:
            server_error = self.ensure_sync(handler)(server_error)
        return self.finalize_request(server_error, from_error_handler=True)

    def log_exception(self, exc_info: t.Any) -> None:
        """Log an unhandled exception with the request path and method."""
        self.logger.error(f"Exception on {request.path} [{request.method}]", exc_info=exc_info)

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Whether teardown functions should not see ``error``."""
        return False

    # -- teardown -----------------------------------------------------------

    def do_teardown_request(self, exc: BaseException | None = None) -> None:
        """Call the ``teardown_request`` functions (blueprints first, each
        in reverse order)."""
        # PERF: the common app registers none.
        if self.teardown_request_funcs:
            for name in chain(request.blueprints, (None,)):
                if name in self.teardown_request_funcs:
                    for func in reversed(self.teardown_request_funcs[name]):
                        self.ensure_sync(func)(exc)
        if signals.request_tearing_down.receivers:
            signals.request_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    def do_teardown_appcontext(self, exc: BaseException | None = None) -> None:
        """Call the ``teardown_appcontext`` functions in reverse order."""
        for func in reversed(self.teardown_appcontext_funcs):
            self.ensure_sync(func)(exc)
        if signals.appcontext_tearing_down.receivers:
            signals.appcontext_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    # -- async ----------------------------------------------------------------

    def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """Wrap ``async def`` functions to run synchronously."""
        if iscoroutinefunction(func):
            return self.async_to_sync(func)
        return func

    def async_to_sync(self, func: t.Callable[..., t.Coroutine[t.Any, t.Any, t.Any]]) -> t.Callable[..., t.Any]:
        """Run a coroutine function synchronously through asgiref."""
        try:
            from asgiref.sync import async_to_sync as asgiref_async_to_sync
        except ImportError:
            raise RuntimeError(
                "Install fastmicro with the 'async' extra in order to use async views."
            ) from None
        return asgiref_async_to_sync(func)

    # -- serving ------------------------------------------------------------

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: t.Any,
    ) -> None:
        """Run the app on Werkzeug's development server (not for
        production; see ``fastmicro serve``)."""
        from . import cli

        if os.environ.get(cli.RUN_FROM_CLI_ENV) == "true":
            # Imported by the command line (say, ``fastmicro routes``) with
            # app.run() outside a __main__ guard: serving would block it.
            from werkzeug.serving import is_running_from_reloader

            if not is_running_from_reloader():
                import click

                click.secho(
                    " * Ignoring a call to 'app.run()' that would block"
                    " the current 'fastmicro' CLI command.\n"
                    "   Only call 'app.run()' in an 'if __name__ =="
                    ' "__main__"\' guard.',
                    fg="red",
                )
            return
        if get_load_dotenv(load_dotenv):
            cli.load_dotenv()
            if "FASTMICRO_DEBUG" in os.environ or "FLASK_DEBUG" in os.environ:
                self.debug = get_debug_flag()
        if debug is not None:
            self.debug = bool(debug)
        server_name = self.config.get("SERVER_NAME")
        sn_host = sn_port = None
        if server_name:
            sn_host, _, sn_port = server_name.partition(":")
        if not host:
            host = sn_host or "127.0.0.1"
        if port or port == 0:
            port = int(port)
        elif sn_port:
            port = int(sn_port)
        else:
            port = 5000
        options.setdefault("use_reloader", self.debug)
        options.setdefault("use_debugger", self.debug)
        options.setdefault("threaded", True)
        cli.show_server_banner(self.debug, self.name)
        cli.warn_if_debugger_exposed(t.cast(str, host), bool(options["use_debugger"]))
        from werkzeug.serving import run_simple

        try:
            run_simple(t.cast(str, host), port, self, **options)
        finally:
            self._got_first_request = False


_error_bodies: dict[tuple[type[HTTPException], int | None, str], bytes] = {}


def _plain_error_body(e: HTTPException) -> bytes | None:
    """The body of an HTTP error whose response Werkzeug would build with
    only a Content-Type header, or ``None`` for any other error."""
    cls = type(e)
    if (
        e.response is not None
        or cls.get_body is not HTTPException.get_body
        or cls.get_headers is not HTTPException.get_headers
        or cls.get_response is not HTTPException.get_response
        or cls.get_description is not HTTPException.get_description
        or type(e.description) is not str
    ):
        return None
    key = (cls, e.code, e.description)
    try:
        return _error_bodies[key]
    except KeyError:
        if len(_error_bodies) > 256:
            _error_bodies.clear()
        body = _error_bodies[key] = e.get_body().encode()
        return body


def _split_blueprint_path(name: str) -> list[str]:
    out: list[str] = [name]
    if "." in name:
        out.extend(_split_blueprint_path(name.rpartition(".")[0]))
    return out


#: Flask's name for the application class, for drop-in imports.
Flask = FastMicro
