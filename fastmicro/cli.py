"""The ``fastmicro`` command line, as Flask 3.1's ``flask`` command.

App discovery (``--app``/``FASTMICRO_APP``, ``module``, ``module:name``,
``module:factory(args)``, a file path, or ``wsgi.py``/``app.py`` in the
current folder), ``.env``/``.fastmicroenv`` loading, the app's and its
blueprints' ``cli`` groups, and the built-in commands ``run``, ``routes``,
``shell`` and ``serve``. Flask's ``FLASK_*`` names become ``FASTMICRO_*``:
``FASTMICRO_APP``, ``FASTMICRO_DEBUG``, ``FASTMICRO_RUN_HOST`` (and every
other option through click's ``auto_envvar_prefix``).
"""
from __future__ import annotations

import ast
import importlib.metadata
import inspect
import ipaddress
import os
import socket
import sys
import traceback
import typing as t
from functools import update_wrapper
from types import ModuleType

import click
from click.core import ParameterSource
from werkzeug.serving import is_running_from_reloader

from .ctx import has_app_context
from .globals import current_app
from .helpers import get_debug_flag, get_load_dotenv

if t.TYPE_CHECKING:  # pragma: no cover
    import ssl

    from .app import FastMicro

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

#: Set while the command line runs, so that a stray ``app.run()`` at import
#: time does not start a second server (Flask's ``FLASK_RUN_FROM_CLI``).
RUN_FROM_CLI_ENV = "FASTMICRO_RUN_FROM_CLI"

_DEFAULT_APP_NAMES = ("app", "application")
_DEFAULT_FACTORY_NAMES = ("create_app", "make_app")


class NoAppException(click.UsageError):
    """The application could not be found or loaded.

    .. versionadded:: 0.1
    """


# -- app discovery -----------------------------------------------------------


def _app_class() -> type[FastMicro]:
    from .app import FastMicro

    return FastMicro


def _failed_inside(f: t.Callable[..., t.Any]) -> bool:
    """Whether the ``TypeError`` being handled was raised inside ``f``'s
    body (a bug in the factory) rather than by the call itself (wrong
    arguments): the traceback reaches ``f``'s code only in the first case."""
    tb = sys.exc_info()[2]
    try:
        while tb is not None:
            if tb.tb_frame.f_code is f.__code__:
                return True
            tb = tb.tb_next
        return False
    finally:
        del tb  # a traceback in a local keeps every frame alive


def find_best_app(module: ModuleType) -> FastMicro:
    """The application in ``module``: ``app`` or ``application``, else the
    only application object in it, else the result of calling
    ``create_app()`` or ``make_app()``.

    :raise NoAppException: No application, or more than one.

    .. versionadded:: 0.1
    """
    app_cls = _app_class()
    name = module.__name__
    for attr in _DEFAULT_APP_NAMES:
        candidate = getattr(module, attr, None)
        if isinstance(candidate, app_cls):
            return candidate

    found = [v for v in module.__dict__.values() if isinstance(v, app_cls)]
    if len(found) == 1:
        return found[0]
    if found:
        raise NoAppException(
            f"Detected multiple fastmicro applications in module '{name}'."
            f" Use '{name}:name' to specify the correct one."
        )

    for attr in _DEFAULT_FACTORY_NAMES:
        factory = getattr(module, attr, None)
        if not inspect.isfunction(factory):
            continue
        try:
            candidate = factory()
        except TypeError as e:
            if _failed_inside(factory):
                raise
            raise NoAppException(
                f"Detected factory '{attr}' in module '{name}', but could not"
                f" call it without arguments. Use '{name}:{attr}(args)' to"
                " specify arguments."
            ) from e
        if isinstance(candidate, app_cls):
            return candidate

    raise NoAppException(
        f"Failed to find fastmicro application or factory in module '{name}'."
        f" Use '{name}:name' to specify one."
    )


def _parse_app_expression(app_name: str) -> tuple[str, list[t.Any], dict[str, t.Any]]:
    """Split ``name`` or ``name(literal, key=literal)`` into the name and
    the call's arguments, without evaluating anything but literals."""
    try:
        expr = ast.parse(app_name.strip(), mode="eval").body
    except SyntaxError:
        raise NoAppException(
            f"Failed to parse {app_name!r} as an attribute name or function call."
        ) from None

    if isinstance(expr, ast.Name):
        return expr.id, [], {}
    if not isinstance(expr, ast.Call):
        raise NoAppException(
            f"Failed to parse {app_name!r} as an attribute name or function call."
        )
    if not isinstance(expr.func, ast.Name):
        raise NoAppException(f"Function reference must be a simple name: {app_name!r}.")
    try:
        args = [ast.literal_eval(a) for a in expr.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in expr.keywords if k.arg is not None}
    except ValueError:
        raise NoAppException(
            f"Failed to parse arguments as literal values: {app_name!r}."
        ) from None
    return expr.func.id, args, kwargs


def find_app_by_string(module: ModuleType, app_name: str) -> FastMicro:
    """The application named by ``app_name`` in ``module``: an attribute,
    or a factory called with literal arguments (``create_app('dev')``).

    :raise NoAppException: The name is malformed, missing, or not an
        application.

    .. versionadded:: 0.1
    """
    name, args, kwargs = _parse_app_expression(app_name)
    try:
        attr = getattr(module, name)
    except AttributeError as e:
        raise NoAppException(f"Failed to find attribute {name!r} in {module.__name__!r}.") from e

    if inspect.isfunction(attr):
        try:
            candidate = attr(*args, **kwargs)
        except TypeError as e:
            if _failed_inside(attr):
                raise
            raise NoAppException(
                f"The factory {app_name!r} in module {module.__name__!r} could"
                " not be called with the specified arguments."
            ) from e
    else:
        candidate = attr

    if isinstance(candidate, _app_class()):
        return candidate
    raise NoAppException(
        "A valid fastmicro application was not obtained from"
        f" '{module.__name__}:{app_name}'."
    )


def prepare_import(path: str) -> str:
    """The module name for ``path`` (a file, a package folder or a module
    name), with the folder above its outermost package put first on
    :data:`sys.path` so that the import finds it.

    .. versionadded:: 0.1
    """
    path = os.path.realpath(path)
    stem, ext = os.path.splitext(path)
    if ext == ".py":
        path = stem
    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)

    parts: list[str] = []
    # Climb while the folder is a package, so "pkg/sub/mod.py" imports as
    # "pkg.sub.mod" and relative imports inside it work.
    while True:
        path, part = os.path.split(path)
        parts.append(part)
        if not os.path.exists(os.path.join(path, "__init__.py")):
            break
    if sys.path[0] != path:
        sys.path.insert(0, path)
    return ".".join(reversed(parts))


def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = True
) -> FastMicro | None:
    """Import ``module_name`` and find the application in it.

    :return: The application, or ``None`` when the module does not exist
        and ``raise_if_not_found`` is false.
    :raise NoAppException: The import failed, or no application was found.

    .. versionadded:: 0.1
    """
    try:
        __import__(module_name)
    except ImportError:
        # An ImportError raised *inside* the module (its traceback goes
        # deeper than this frame) is a bug to show, not a missing module.
        if sys.exc_info()[2].tb_next:  # type: ignore[union-attr]
            raise NoAppException(
                f"While importing {module_name!r}, an ImportError was"
                f" raised:\n\n{traceback.format_exc()}"
            ) from None
        if raise_if_not_found:
            raise NoAppException(f"Could not import {module_name!r}.") from None
        return None

    module = sys.modules[module_name]
    if app_name is None:
        return find_best_app(module)
    return find_app_by_string(module, app_name)


def _split_import_path(value: str) -> tuple[str, str | None]:
    """``"module:name"`` into its parts. A colon followed by a path
    separator is a Windows drive (``C:\\app.py``), not the separator."""
    for i, ch in enumerate(value):
        if ch == ":" and value[i + 1 : i + 2] not in ("\\", "/"):
            return value[:i], value[i + 1 :]
    return value, None


class ScriptInfo:
    """What the command line knows about the application to load; passed
    to commands as click's context object.

    :param app_import_path: The ``--app`` value.
    :param create_app: A function returning the application, used instead
        of discovery.
    :param set_debug_flag: Set the loaded app's ``debug`` from
        ``FASTMICRO_DEBUG``.
    :param load_dotenv_defaults: Whether ``.fastmicroenv`` and ``.env``
        should be loaded (``FASTMICRO_SKIP_DOTENV`` can turn it off).

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: t.Callable[..., FastMicro] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        #: Arbitrary data for commands to share.
        self.data: dict[t.Any, t.Any] = {}
        self.set_debug_flag = set_debug_flag
        self.load_dotenv_defaults = get_load_dotenv(load_dotenv_defaults)
        self._loaded_app: FastMicro | None = None

    def load_app(self) -> FastMicro:
        """Find, import and return the application, once; later calls
        return the same object.

        :raise NoAppException: No application could be found.
        """
        if self._loaded_app is not None:
            return self._loaded_app

        app: FastMicro | None = None
        if self.create_app is not None:
            app = self.create_app()
        elif self.app_import_path:
            path, name = _split_import_path(self.app_import_path)
            app = locate_app(prepare_import(path), name)
        else:
            for filename in ("wsgi.py", "app.py"):
                app = locate_app(prepare_import(filename), None, raise_if_not_found=False)
                if app is not None:
                    break

        if app is None:
            raise NoAppException(
                "Could not locate a fastmicro application. Use the"
                " 'fastmicro --app' option, 'FASTMICRO_APP' environment"
                " variable, or a 'wsgi.py' or 'app.py' file in the"
                " current directory."
            )
        if self.set_debug_flag:
            # Through the property, so the values derived from debug follow.
            app.debug = get_debug_flag()
        self._loaded_app = app
        return app


pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)


def with_appcontext(f: F) -> F:
    """Run a command callback inside the loaded app's application context
    (unless one is already active). Commands of ``app.cli`` and
    ``blueprint.cli`` get one without it.

    .. versionadded:: 0.1
    """

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if not has_app_context():
            app = ctx.ensure_object(ScriptInfo).load_app()
            ctx.with_resource(app.app_context())
        return ctx.invoke(f, *args, **kwargs)

    return update_wrapper(decorator, f)  # type: ignore[return-value]


class AppGroup(click.Group):
    """A :class:`click.Group` whose :meth:`command` wraps callbacks in
    :func:`with_appcontext` (pass ``with_appcontext=False`` to opt out)
    and whose :meth:`group` makes nested :class:`AppGroup` objects. An
    app's and a blueprint's ``cli`` attribute are ones.

    .. versionadded:: 0.1
    """

    def command(  # type: ignore[override]
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Callable[[t.Callable[..., t.Any]], click.Command]:
        wrap = kwargs.pop("with_appcontext", True)
        register = super().command

        def decorator(f: t.Callable[..., t.Any]) -> click.Command:
            return register(*args, **kwargs)(with_appcontext(f) if wrap else f)  # type: ignore[no-any-return]

        return decorator

    def group(  # type: ignore[override]
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Callable[[t.Callable[..., t.Any]], click.Group]:
        kwargs.setdefault("cls", AppGroup)
        return super().group(*args, **kwargs)  # type: ignore[no-any-return]


# -- dotenv ------------------------------------------------------------------


def load_dotenv(path: str | os.PathLike[str] | None = None, load_defaults: bool = True) -> bool:
    """Set environment variables from ``.fastmicroenv`` and ``.env`` (the
    nearest ones, searching up from the current folder) and from ``path``.
    ``path`` wins over ``.env``, which wins over ``.fastmicroenv``; a
    variable already in the environment is never changed.

    A no-op (with a tip when such files exist) without python-dotenv.

    :return: Whether any variable was read.

    .. versionadded:: 0.1
    """
    try:
        import dotenv
    except ImportError:
        if path or os.path.isfile(".env") or os.path.isfile(".fastmicroenv"):
            click.secho(
                " * Tip: There are .env files present. Install python-dotenv"
                " to use them (pip install 'fastmicro[dotenv]').",
                fg="yellow",
                err=True,
            )
        return False

    values: dict[str, str | None] = {}
    if load_defaults:
        for name in (".fastmicroenv", ".env"):
            found = dotenv.find_dotenv(name, usecwd=True)
            if found:
                values.update(dotenv.dotenv_values(found, encoding="utf-8"))
    if path is not None and os.path.isfile(path):
        values.update(dotenv.dotenv_values(path, encoding="utf-8"))

    for key, value in values.items():
        if value is not None and key not in os.environ:
            os.environ[key] = value
    return bool(values)


# -- the group's own options -------------------------------------------------


def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(ScriptInfo).app_import_path = value
    return value


# Eager, so the app is known when --help lists the app's commands.
_app_option = click.Option(
    ["-A", "--app"],
    metavar="IMPORT",
    help=(
        "The fastmicro application or factory function to load, in the form"
        " 'module:name'. Module can be a dotted import or file path. Name is not"
        " required if it is 'app', 'application', 'create_app', or 'make_app',"
        " and can be 'name(args)' to pass arguments."
    ),
    is_eager=True,
    expose_value=False,
    callback=_set_app,
)


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool | None) -> bool | None:
    # Not given: leave debug to FASTMICRO_DEBUG rather than force "off".
    # The None default says so; the parameter source alone cannot, since
    # click 8.4.0 reports no source inside callbacks (Flask's --debug and
    # FLASK_DEBUG are ignored by `flask run` there, pallets/flask#6025).
    if value is None or ctx.get_parameter_source(param.name) in (  # type: ignore[arg-type]
        ParameterSource.DEFAULT,
        ParameterSource.DEFAULT_MAP,
    ):
        return None
    # In the environment, so that a factory can read it while loading.
    os.environ["FASTMICRO_DEBUG"] = "1" if value else "0"
    return value


_debug_option = click.Option(
    ["--debug/--no-debug"],
    default=None,
    help="Set debug mode.",
    expose_value=False,
    callback=_set_debug,
)


def _env_file_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    try:
        import dotenv  # noqa: F401
    except ImportError:
        if value is not None:
            raise click.BadParameter(
                "python-dotenv must be installed to load an env file"
                " (pip install 'fastmicro[dotenv]').",
                ctx=ctx,
                param=param,
            ) from None
    info = ctx.ensure_object(ScriptInfo)
    if value is not None or info.load_dotenv_defaults:
        load_dotenv(value, load_defaults=info.load_dotenv_defaults)
    return value


# Eager and first, so the files' variables are set before other options
# (--app from FASTMICRO_APP included) read the environment.
_env_file_option = click.Option(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    help=(
        "Load environment variables from this file, taking precedence over"
        " those set by '.env' and '.fastmicroenv'. Variables set directly in the"
        " environment take highest precedence. python-dotenv must be installed."
    ),
    is_eager=True,
    expose_value=False,
    callback=_env_file_callback,
)


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from .__main__ import version_line

    click.echo(
        f"{version_line()}\nWerkzeug {importlib.metadata.version('werkzeug')}",
        color=ctx.color,
    )
    ctx.exit()


_version_option = click.Option(
    ["--version"],
    help="Show the fastmicro version.",
    expose_value=False,
    callback=_show_version,
    is_flag=True,
    is_eager=True,
)


class FastMicroGroup(AppGroup):
    """The ``fastmicro`` command group: the built-in commands plus the
    loaded app's ``app.cli`` commands and ``fastmicro.commands`` entry
    points. Also available as ``FlaskGroup``.

    :param add_default_commands: Add ``run``, ``shell``, ``routes`` and
        ``serve``.
    :param create_app: A function returning the app, instead of discovery.
    :param add_version_option: Add ``--version``.
    :param load_dotenv: Load ``.fastmicroenv`` and ``.env``.
    :param set_debug_flag: Set the app's debug flag from the environment.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: t.Callable[..., FastMicro] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: t.Any,
    ) -> None:
        params: list[click.Parameter] = list(extra.pop("params", None) or ())
        # Option callbacks rather than a group callback, so a subclass may
        # have its own callback. --env-file first: it feeds --app.
        params.extend((_env_file_option, _app_option, _debug_option))
        if add_version_option:
            params.append(_version_option)
        extra.setdefault("context_settings", {})
        extra["context_settings"].setdefault("auto_envvar_prefix", "FASTMICRO")
        super().__init__(params=params, **extra)

        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        if add_default_commands:
            for command in (run_command, shell_command, routes_command, serve_command):
                self.add_command(command)
        self._plugins_loaded = False

    def _load_plugin_commands(self) -> None:
        if self._plugins_loaded:
            return
        for ep in importlib.metadata.entry_points(group="fastmicro.commands"):
            self.add_command(ep.load(), ep.name)
        self._plugins_loaded = True

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        self._load_plugin_commands()
        # Built-in and plugin commands work even when the app does not load.
        command = super().get_command(ctx, name)
        if command is not None:
            return command

        info = ctx.ensure_object(ScriptInfo)
        try:
            app = info.load_app()
        except NoAppException as e:
            click.secho(f"Error: {e.format_message()}\n", err=True, fg="red")
            return None
        # The app's commands (and their parameter callbacks) run in its
        # context without needing @with_appcontext.
        if not has_app_context() or current_app._get_current_object() is not app:  # type: ignore[attr-defined]
            ctx.with_resource(app.app_context())
        return app.cli.get_command(ctx, name)  # type: ignore[no-any-return]

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        names = set(super().list_commands(ctx))
        info = ctx.ensure_object(ScriptInfo)
        try:
            names.update(info.load_app().cli.list_commands(ctx))
        except NoAppException as e:
            click.secho(f"Error: {e.format_message()}\n", err=True, fg="red")
        except Exception:
            # Any other failure while loading: the traceback is the message.
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: t.Any,
    ) -> click.Context:
        # app.run() at import time must not block the command being run.
        os.environ[RUN_FROM_CLI_ENV] = "true"
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if (not args and self.no_args_is_help) or (
            len(args) == 1 and args[0] in self.get_help_option_names(ctx)
        ):
            # Help is printed before the eager options run; read --env-file
            # and FASTMICRO_APP now so the app's commands are listed.
            _env_file_option.handle_parse_result(ctx, {}, [])
            _app_option.handle_parse_result(ctx, {}, [])
        return super().parse_args(ctx, args)


#: Flask's name for :class:`FastMicroGroup`.
FlaskGroup = FastMicroGroup


# -- run ---------------------------------------------------------------------


def show_server_banner(debug: bool | None, app_import_path: str | None) -> None:
    """Print the app's name and debug mode when a development server
    starts (not again in the reloader's child process).

    .. versionadded:: 0.1
    """
    if is_running_from_reloader():
        return
    if app_import_path is not None:
        click.echo(f" * Serving fastmicro app '{app_import_path}'")
    if debug is not None:
        click.echo(f" * Debug mode: {'on' if debug else 'off'}")


def reachable_from_other_machines(host: str) -> bool:
    """Whether a server bound to ``host`` can be reached from the network:
    anything but a loopback address or a Unix socket (``unix://``).

    A name is resolved and counts as local only if every address it gives
    is a loopback one; a name that does not resolve, and the empty host
    (every interface), count as reachable.

    .. versionadded:: 0.1
    """
    if host.startswith("unix://"):
        return False
    name = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        addresses = [ipaddress.ip_address(name.partition("%")[0])]
    except ValueError:
        try:
            infos = socket.getaddrinfo(name, None) if name else []
        except (OSError, UnicodeError):
            return True
        addresses = [ipaddress.ip_address(str(info[4][0]).partition("%")[0]) for info in infos]
    if not addresses:
        return True
    return not all(_is_loopback(address) for address in addresses)


def _is_loopback(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # ::ffff:127.0.0.1 is loopback too, which ipaddress does not say before
    # Python 3.13.
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def warn_if_debugger_exposed(host: str, use_debugger: bool) -> None:
    """Warn, on standard error, when the interactive debugger is on and the
    server is bound to an address other machines can reach: whoever gets
    the debugger's PIN runs any code in the server's process, and its check
    of the ``Host`` header is up to the client to pass. Neither Flask nor
    Werkzeug warns about this. Not repeated in the reloader's child.

    .. versionadded:: 0.1
    """
    if not use_debugger or is_running_from_reloader() or not reachable_from_other_machines(host):
        return
    click.secho(
        f" * WARNING: The debugger is on and the server is bound to {host!r}, which other"
        " machines can reach. Anyone who can reach it and obtains the debugger PIN"
        " can run any code on this machine. Bind to 127.0.0.1 or turn the debugger"
        " off (--no-debugger).",
        fg="red",
        err=True,
    )


class CertParamType(click.ParamType):
    """``--cert``: a certificate file, ``adhoc``, or the import path of an
    :class:`ssl.SSLContext`.

    .. versionadded:: 0.1
    """

    name = "path"

    def __init__(self) -> None:
        self.path_type = click.Path(exists=True, dir_okay=False, resolve_path=True)

    def convert(self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None) -> t.Any:
        import ssl

        try:
            return self.path_type(value, param, ctx)
        except click.BadParameter:
            text = click.STRING(value, param, ctx).lower()
            if text == "adhoc":
                try:
                    import cryptography  # noqa: F401
                except ImportError:
                    raise click.BadParameter(
                        "Using ad-hoc certificates requires the cryptography library.",
                        ctx,
                        param,
                    ) from None
                return text
            from werkzeug.utils import import_string

            obj = import_string(text, silent=True)
            if isinstance(obj, ssl.SSLContext):
                return obj
            raise


def _validate_key(ctx: click.Context, param: click.Parameter, value: t.Any) -> t.Any:
    """``--key`` goes with a certificate file, and only with one; the pair
    becomes the ``cert`` parameter."""
    import ssl

    cert = ctx.params.get("cert")
    is_adhoc = cert == "adhoc"
    is_context = isinstance(cert, ssl.SSLContext)
    if value is not None:
        if is_adhoc:
            raise click.BadParameter('When "--cert" is "adhoc", "--key" is not used.', ctx, param)
        if is_context:
            raise click.BadParameter(
                'When "--cert" is an SSLContext object, "--key" is not used.', ctx, param
            )
        if not cert:
            raise click.BadParameter('"--cert" must also be specified.', ctx, param)
        ctx.params["cert"] = cert, value
    elif cert and not (is_adhoc or is_context):
        raise click.BadParameter('Required when using "--cert".', ctx, param)
    return value


class SeparatedPathType(click.Path):
    """Several paths in one value, separated by :data:`os.pathsep`.

    .. versionadded:: 0.1
    """

    def convert(self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None) -> t.Any:
        one = super().convert
        return [one(item, param, ctx) for item in self.split_envvar_value(value)]


@click.command("run", short_help="Run a development server.")
@click.option("--host", "-h", default="127.0.0.1", help="The interface to bind to.")
@click.option("--port", "-p", default=5000, help="The port to bind to.")
@click.option("--cert", type=CertParamType(), help="Specify a certificate file to use HTTPS.", is_eager=True)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    callback=_validate_key,
    expose_value=False,
    help="The key file to use when specifying a certificate.",
)
@click.option(
    "--reload/--no-reload",
    default=None,
    help="Enable or disable the reloader. By default the reloader is active if debug is enabled.",
)
@click.option(
    "--debugger/--no-debugger",
    default=None,
    help="Enable or disable the debugger. By default the debugger is active if debug is enabled.",
)
@click.option("--with-threads/--without-threads", default=True, help="Enable or disable multithreading.")
@click.option(
    "--extra-files",
    default=None,
    type=SeparatedPathType(),
    help=f"Extra files that trigger a reload on change. Multiple paths are separated by {os.path.pathsep!r}.",
)
@click.option(
    "--exclude-patterns",
    default=None,
    type=SeparatedPathType(),
    help=(
        "Files matching these fnmatch patterns will not trigger a reload on change."
        f" Multiple patterns are separated by {os.path.pathsep!r}."
    ),
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    reload: bool | None,
    debugger: bool | None,
    with_threads: bool,
    cert: ssl.SSLContext | tuple[str, str | None] | t.Literal["adhoc"] | None,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
) -> None:
    """Run a local development server.

    This server is for development purposes only. It does not provide
    the stability, security, or performance of production WSGI servers;
    use 'fastmicro serve' for that.

    The reloader and debugger are enabled by default with the '--debug'
    option.
    """
    from werkzeug.serving import run_simple

    try:
        app: t.Any = info.load_app()
    except Exception as e:
        if not is_running_from_reloader():
            raise e from None
        # In the reloader's child: show the error now and serve it, so the
        # process stays up and reloads once the code is fixed.
        traceback.print_exc()
        err = e

        def app(environ: t.Any, start_response: t.Any) -> t.Any:
            raise err from None

    debug = get_debug_flag()
    use_debugger = debug if debugger is None else debugger
    show_server_banner(debug, info.app_import_path)
    warn_if_debugger_exposed(host, use_debugger)
    # run_simple prints Werkzeug's "This is a development server" warning.
    run_simple(
        host,
        port,
        app,
        use_reloader=debug if reload is None else reload,
        use_debugger=use_debugger,
        threaded=with_threads,
        ssl_context=cert,
        extra_files=extra_files,
        exclude_patterns=exclude_patterns,
    )


run_command.params.insert(0, _debug_option)


# -- shell -------------------------------------------------------------------


@click.command("shell", short_help="Run a shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """Run an interactive Python shell in the context of the application,
    with the names its shell context processors give.
    """
    import code

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    banner = (
        f"Python {sys.version} on {sys.platform}\n"
        f"App: {app.import_name}\n"
        f"Instance: {app.instance_path}"
    )
    namespace: dict[str, t.Any] = {}
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup) as f:
            eval(compile(f.read(), startup, "exec"), namespace)
    namespace.update(app.make_shell_context())

    hook = getattr(sys, "__interactivehook__", None)
    if hook is not None:
        try:
            import readline
            from rlcompleter import Completer
        except ImportError:
            pass
        else:
            # The default completer would complete fastmicro.__main__'s names.
            readline.set_completer(Completer(namespace).complete)
        hook()
    code.interact(banner=banner, local=namespace)


# -- routes ------------------------------------------------------------------


@click.command("routes", short_help="Show the routes for the app.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(("endpoint", "methods", "domain", "rule", "match")),
    default="endpoint",
    help=(
        "Method to sort routes by. 'match' is the order that fastmicro will match"
        " routes when dispatching a request."
    ),
)
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS methods.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Show all registered routes with endpoints and methods."""
    url_map = current_app.url_map
    rules = list(url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return

    hidden = set() if all_methods else {"HEAD", "OPTIONS"}
    by_host = url_map.host_matching

    def domain(rule: t.Any) -> str:
        return (rule.host if by_host else rule.subdomain) or ""

    with_domain = any(domain(rule) for rule in rules)
    headers = ["Endpoint", "Methods"] + (["Host" if by_host else "Subdomain"] if with_domain else []) + ["Rule"]
    keys = ["endpoint", "methods"] + (["domain"] if with_domain else []) + ["rule"]
    rows = []
    for rule in rules:
        row = [rule.endpoint, ", ".join(sorted((rule.methods or set()) - hidden))]
        if with_domain:
            row.append(domain(rule))
        row.append(rule.rule)
        rows.append(row)
    # "match" (and "domain" without a domain column) keep the map's order,
    # which is the order rules are tried in.
    if sort in keys:
        column = keys.index(sort)
        rows.sort(key=lambda r: r[column])

    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join(f"{{{i}:<{w}}}" for i, w in enumerate(widths))
    click.echo(line.format(*headers))
    click.echo(line.format(*("-" * w for w in widths)))
    for row in rows:
        click.echo(line.format(*row))


# -- serve -------------------------------------------------------------------


@click.command("serve", short_help="Serve the app in production (gunicorn or granian).")
@click.option(
    "--server",
    type=click.Choice(("gunicorn", "granian")),
    default="gunicorn",
    show_default=True,
    help="The production server to run the app on.",
)
@click.option(
    "--workers",
    "-w",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes. [default: the number of CPU cores]",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Threads per worker handling requests.",
)
@click.option(
    "--bind",
    "-b",
    default=None,
    help="Address to listen on as HOST:PORT (overrides --host and --port).",
)
@click.option("--host", "-h", default="127.0.0.1", show_default=True, help="The interface to bind to.")
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True, help="The port to bind to.")
@click.option(
    "--timeout",
    type=click.IntRange(min=0),
    default=None,
    help="Seconds a silent worker may take before it is killed and restarted (gunicorn only). [default: 30]",
)
@click.option(
    "--graceful-timeout",
    type=click.IntRange(min=0),
    default=None,
    help="Seconds workers get to finish their requests on a restart or shutdown. [default: 30]",
)
@click.option(
    "--preload/--no-preload",
    default=True,
    show_default=True,
    help=(
        "Load the app once in the main process before starting the workers"
        " (errors show at once, memory is shared). With --no-preload each worker"
        " imports it, so a graceful restart (SIGHUP) picks up new code."
    ),
)
@pass_script_info
def serve_command(
    info: ScriptInfo,
    server: str,
    workers: int | None,
    threads: int,
    bind: str | None,
    host: str,
    port: int,
    timeout: int | None,
    graceful_timeout: int | None,
    preload: bool,
) -> None:
    """Serve the application on a production WSGI server.

    gunicorn (the default) runs pre-forked worker processes; '--server
    granian' runs granian, a server written in Rust. Each is an optional
    extra: pip install 'fastmicro[gunicorn]' or 'fastmicro[granian]'.
    SIGTERM or SIGINT stops the server gracefully; SIGHUP restarts the
    workers gracefully.
    """
    from . import serving

    if bind is not None:
        host, port = serving.parse_bind(bind)
    options = serving.ServeOptions(
        host=host,
        port=port,
        workers=workers or os.cpu_count() or 1,
        threads=threads,
        timeout=timeout,
        graceful_timeout=graceful_timeout,
        preload=preload,
    )
    runner = serving.get_runner(server)  # fails naming the extra if missing
    if preload:
        # Fail here, with the CLI's message, rather than in every worker.
        info.load_app()
    serving.announce(server, options)
    runner(info, options)


# -- entry point -------------------------------------------------------------

cli = FastMicroGroup(
    name="fastmicro",
    help="""\
A general utility script for fastmicro applications.

An application to load must be given with the '--app' option,
'FASTMICRO_APP' environment variable, or with a 'wsgi.py' or 'app.py' file
in the current directory.
""",
)


def main(args: list[str] | None = None) -> None:
    """Run the ``fastmicro`` command line.

    .. versionadded:: 0.1
    """
    cli.main(args=args, prog_name="fastmicro")
