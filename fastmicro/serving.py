"""Production serving for ``fastmicro serve``: the app on gunicorn or
granian, which are well-kept servers, not home-made ones.

Each server is an optional extra (``fastmicro[gunicorn]``,
``fastmicro[granian]``). Both run the app in several worker processes
from one listening socket, stop gracefully on SIGTERM/SIGINT and restart
their workers gracefully on SIGHUP.

.. versionadded:: 0.1
"""
from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import typing as t

import click

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import FastMicro
    from .cli import ScriptInfo

#: The servers ``fastmicro serve`` can run, by name: the module to import
#: and the optional extra that installs it.
SERVERS: dict[str, tuple[str, str]] = {
    "gunicorn": ("gunicorn", "gunicorn"),
    "granian": ("granian", "granian"),
}


@dataclasses.dataclass(frozen=True)
class ServeOptions:
    """The settings ``fastmicro serve`` passes to the server.

    .. versionadded:: 0.1
    """

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    threads: int = 1
    #: Seconds before gunicorn kills a silent worker; ``None``: the server's default.
    timeout: int | None = None
    #: Seconds workers get to finish on restart/shutdown; ``None``: default.
    graceful_timeout: int | None = None
    #: Load the app in the main process before forking the workers.
    preload: bool = True

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


Runner = t.Callable[["ScriptInfo", ServeOptions], None]


def parse_bind(value: str) -> tuple[str, int]:
    """``HOST:PORT``, ``[IPv6]:PORT``, ``:PORT`` or ``HOST`` (port 8000).

    :raise click.BadParameter: The port is not a number in range.

    .. versionadded:: 0.1
    """
    host, port = value, "8000"
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            raise click.BadParameter(f"{value!r} is not HOST:PORT.", param_hint="'--bind'")
        host, rest = value[1:end], value[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise click.BadParameter(f"{value!r} is not HOST:PORT.", param_hint="'--bind'")
            port = rest[1:]
    elif ":" in value:
        host, _, port = value.rpartition(":")
    if not port.isdigit() or int(port) > 65535:
        raise click.BadParameter(f"{value!r} has no valid port.", param_hint="'--bind'")
    return host or "127.0.0.1", int(port)


def get_runner(server: str) -> Runner:
    """The function that runs ``server``, once its package imports.

    :raise click.ClickException: The server is not installed; the
        message names the extra to install.

    .. versionadded:: 0.1
    """
    module, extra = SERVERS[server]
    try:
        importlib.import_module(module)
    except ImportError:
        raise click.ClickException(
            f"The '{server}' server is not installed. Install it with:"
            f" pip install 'fastmicro[{extra}]'"
        ) from None
    return _RUNNERS[server]


def announce(server: str, options: ServeOptions) -> None:
    """Print which server runs, with how many workers, and where.

    .. versionadded:: 0.1
    """
    try:
        version = importlib.metadata.version(server)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - vendored copy
        version = "?"
    workers = f"{options.workers} worker{'s' if options.workers != 1 else ''}"
    threads = f"{options.threads} thread{'s' if options.threads != 1 else ''} each"
    click.echo(f" * fastmicro serve: {server} {version}, {workers}, {threads}, on {options.url}")


# -- gunicorn ----------------------------------------------------------------


def run_gunicorn(info: ScriptInfo, options: ServeOptions) -> None:
    """Run the app on gunicorn's pre-fork arbiter (``gthread`` workers when
    ``threads > 1``), returning when it has shut down.

    .. versionadded:: 0.1
    """
    from gunicorn.app.base import BaseApplication

    settings: dict[str, t.Any] = {
        "bind": [f"[{options.host}]:{options.port}" if ":" in options.host else f"{options.host}:{options.port}"],
        "workers": options.workers,
        "threads": options.threads,
        "preload_app": options.preload,
        "proc_name": "fastmicro",
    }
    if options.timeout is not None:
        settings["timeout"] = options.timeout
    if options.graceful_timeout is not None:
        settings["graceful_timeout"] = options.graceful_timeout

    class FastMicroGunicorn(BaseApplication):  # type: ignore[misc]
        # The app comes from fastmicro's discovery (factories, file paths,
        # wsgi.py), which gunicorn's "module:name" loader does not know.
        def load_config(self) -> None:
            for key, value in settings.items():
                self.cfg.set(key, value)
            # gunicorn 24+ opens a control socket at one fixed path per
            # user, so a second server on the machine would take over the
            # first one's; fastmicro serve does not use it.
            if "control_socket_disable" in self.cfg.settings:
                self.cfg.set("control_socket_disable", True)

        def load(self) -> FastMicro:
            return info.load_app()

    FastMicroGunicorn().run()


# -- granian -----------------------------------------------------------------

# The ScriptInfo of the serve command, for granian workers made by fork
# (they inherit it, with the app already loaded when preloading).
_granian_info: ScriptInfo | None = None


def _granian_load(target: str) -> FastMicro:
    """granian's worker-side loader. A forked worker uses the inherited
    ScriptInfo; a spawned one (another start method) discovers the app
    again from the ``--app`` value granian passes as ``target``."""
    if _granian_info is not None:
        return _granian_info.load_app()
    from .cli import ScriptInfo

    return ScriptInfo(app_import_path=target or None).load_app()


def run_granian(info: ScriptInfo, options: ServeOptions) -> None:
    """Run the app on granian's WSGI interface, returning when it has shut
    down.

    :raise click.UsageError: ``timeout`` was given; granian has no
        per-worker timeout.

    .. versionadded:: 0.1
    """
    from granian import Granian

    global _granian_info
    if options.timeout is not None:
        raise click.UsageError("'--timeout' is a gunicorn setting; granian has no worker timeout.")
    kwargs: dict[str, t.Any] = {}
    if options.graceful_timeout is not None:
        kwargs["workers_kill_timeout"] = options.graceful_timeout
    server = Granian(
        info.app_import_path or "",
        address=options.host,
        port=options.port,
        interface="wsgi",
        workers=options.workers,
        blocking_threads=options.threads,
        **kwargs,
    )
    _granian_info = info
    try:
        server.serve(target_loader=_granian_load)
    finally:
        _granian_info = None


_RUNNERS: dict[str, Runner] = {"gunicorn": run_gunicorn, "granian": run_granian}
