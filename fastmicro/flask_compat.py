"""Make ``import flask`` give fastmicro, so that unmodified Flask extensions
run on it.

Import this module before anything imports ``flask`` (the app's first
line)::

    import fastmicro.flask_compat  # noqa: F401  (must come first)
    from flask import Flask        # fastmicro's Flask
    from flask_login import LoginManager

From then on ``flask`` and every Flask 3.1 submodule (``flask.globals``,
``flask.ctx``, ``flask.json.provider``, ``flask.sansio.scaffold``...)
resolve to fastmicro's modules, and ``importlib.metadata`` reports a
``Flask`` distribution at :data:`FLASK_VERSION`. For an app whose source
cannot be edited, run it through this module instead of ``python``::

    python -m fastmicro.flask_compat app.py [args...]
    python -m fastmicro.flask_compat -m gunicorn app:app
    python -m fastmicro.flask_compat -m flask run   # fastmicro's CLI

See ``docs/extensions.md`` for the limits and the tested extensions.

.. versionadded:: 0.1
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import os
import re
import runpy
import sys
import types
import typing as t
import warnings

#: The Flask release whose API and behaviour fastmicro follows. ``flask.__version__``
#: and ``importlib.metadata.version("flask")`` report it under the switch, so
#: that extensions checking for "Flask 3.1 or newer" accept fastmicro.
FLASK_VERSION = "3.1.3"

#: Flask 3.1's modules, each served by the fastmicro module of the same
#: name. Names outside this list (``flask.routing``...) stay unknown, as they
#: are on Flask, rather than exposing fastmicro's own modules under Flask's name.
FLASK_MODULES = frozenset(
    [
        "__main__",
        "app",
        "blueprints",
        "cli",
        "config",
        "ctx",
        "debughelpers",
        "globals",
        "helpers",
        "json",
        "json.provider",
        "json.tag",
        "logging",
        "sansio",
        "sansio.app",
        "sansio.blueprints",
        "sansio.scaffold",
        "sessions",
        "signals",
        "templating",
        "testing",
        "typing",
        "views",
        "wrappers",
    ]
)

_FLASK = "flask"
_FASTMICRO = "fastmicro"


def _fastmicro_name(flask_name: str) -> str | None:
    """The fastmicro module serving ``flask_name``, or ``None`` if Flask has
    no such module."""
    if flask_name == _FLASK:
        return _FASTMICRO
    sub = flask_name[len(_FLASK) + 1 :]
    if flask_name.startswith(_FLASK + ".") and sub in FLASK_MODULES:
        return f"{_FASTMICRO}.{sub}"
    return None


def _make_flask_module() -> types.ModuleType:
    """The object ``import flask`` returns: fastmicro's public names, with
    Flask's ``__version__`` and lazily imported submodules.

    It is a module of its own, not ``fastmicro`` itself, because
    ``flask.__version__`` must be Flask's version, not fastmicro's.
    """
    import fastmicro

    module = types.ModuleType(_FLASK, "Flask's API, provided by fastmicro (fastmicro.flask_compat).")
    for name, value in vars(fastmicro).items():
        # Submodule attributes are left out: on first access they go through
        # ``__getattr__`` below, so only Flask's submodules are reachable.
        if not name.startswith("_") and not isinstance(value, types.ModuleType):
            setattr(module, name, value)
    module.json = fastmicro.json  # type: ignore[attr-defined]  # ``from flask import json``

    def __getattr__(name: str) -> t.Any:
        if name == "__version__":
            # Flask 3.1 deprecates the attribute with this warning; an
            # extension reading it sees exactly what it sees on Flask.
            warnings.warn(
                "The '__version__' attribute is deprecated and will be removed in"
                " Flask 3.2. Use feature detection or"
                " 'importlib.metadata.version(\"flask\")' instead.",
                DeprecationWarning,
                stacklevel=2,
            )
            return FLASK_VERSION
        if name in FLASK_MODULES and "." not in name and name != "__main__":
            # ``import flask; flask.ctx`` works on Flask because its package
            # imports every submodule; here they are imported on first use.
            return importlib.import_module(f"{_FLASK}.{name}")
        raise AttributeError(f"module 'flask' has no attribute {name!r}")

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    return module


class _AliasLoader(importlib.abc.Loader):
    """Loads a ``flask`` name as an already imported module object."""

    def __init__(self, module: types.ModuleType) -> None:
        self.module = module

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        # The import system keeps a module's existing ``__spec__``,
        # ``__name__`` and ``__path__``, so ``flask.ctx`` *is*
        # ``fastmicro.ctx``: one set of classes, contexts and proxies.
        return self.module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


class FlaskDistribution(importlib.metadata.Distribution):
    """The ``Flask`` distribution ``importlib.metadata`` reports under the
    switch: version :data:`FLASK_VERSION`, requiring fastmicro.

    Whether or not the real Flask is installed, metadata then agrees with
    ``flask.__version__`` and with the code that ``import flask`` runs.

    .. versionadded:: 0.1
    """

    def read_text(self, filename: str) -> str | None:
        if filename == "METADATA":
            from . import __version__

            return (
                "Metadata-Version: 2.1\n"
                "Name: Flask\n"
                f"Version: {FLASK_VERSION}\n"
                f"Summary: Flask's API, provided by fastmicro {__version__}"
                " (fastmicro.flask_compat)\n"
                "Requires-Dist: fastmicro\n"
            )
        # No RECORD, entry_points.txt...: no files and no entry points.
        return None

    def locate_file(self, path: str | os.PathLike[str]) -> t.Any:
        import pathlib

        return pathlib.Path(__file__).parent / path


def _is_flask_distribution(name: str | None) -> bool:
    return name is not None and re.sub(r"[-_.]+", "-", name).lower() == _FLASK


class FlaskAliasFinder(importlib.abc.MetaPathFinder):
    """The meta path finder behind the switch: resolves ``flask`` and
    ``flask.<module>`` to fastmicro, and finds the ``Flask`` distribution.

    It is first on :data:`sys.meta_path` while installed, so the real Flask,
    if installed, is never imported.

    .. versionadded:: 0.1
    """

    def __init__(self) -> None:
        self.flask_module: types.ModuleType | None = None

    def find_spec(
        self,
        fullname: str,
        path: t.Sequence[str] | None = None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _FLASK and not fullname.startswith(_FLASK + "."):
            return None  # PERF: every other import leaves after one compare.
        target_name = _fastmicro_name(fullname)
        if target_name is None:
            # Not a Flask module: fail as the import would on Flask, and do
            # not let a later finder import the real Flask's file.
            raise ModuleNotFoundError(
                f"No module named {fullname!r} (fastmicro.flask_compat serves"
                " only Flask 3.1's modules)",
                name=fullname,
            )
        if fullname == _FLASK:
            if self.flask_module is None:
                self.flask_module = _make_flask_module()
            module = self.flask_module
            return importlib.machinery.ModuleSpec(
                fullname, _AliasLoader(module), origin="fastmicro.flask_compat", is_package=True
            )
        module = importlib.import_module(target_name)
        return importlib.machinery.ModuleSpec(
            fullname,
            _AliasLoader(module),
            origin=getattr(module, "__file__", None),
            is_package=hasattr(module, "__path__"),
        )

    def find_distributions(
        self, context: importlib.metadata.DistributionFinder.Context | None = None
    ) -> t.Iterator[importlib.metadata.Distribution]:
        name = getattr(context, "name", None) if context is not None else None
        # ``name is None`` lists every distribution: report Flask there too,
        # ahead of any installed one, so a listing agrees with a lookup.
        if name is None or _is_flask_distribution(name):
            yield FlaskDistribution()


_finder: FlaskAliasFinder | None = None


def is_installed() -> bool:
    """Whether the switch is installed in this process.

    .. versionadded:: 0.1
    """
    return _finder is not None and _finder in sys.meta_path


def _real_flask_modules() -> list[str]:
    """Names in :data:`sys.modules` that are the real Flask's modules."""
    ours = _finder.flask_module if _finder is not None else None
    found = []
    for name, module in list(sys.modules.items()):
        if name == _FLASK or name.startswith(_FLASK + "."):
            if module is None or module is ours:
                continue
            if getattr(module, "__name__", "").startswith(_FASTMICRO):
                continue
            found.append(name)
    return sorted(found)


def install() -> None:
    """Install the switch: from now on ``import flask`` and ``flask.*``
    give fastmicro. Importing this module calls it; calling it again does
    nothing.

    :raises RuntimeError: the real Flask is already imported. Extensions
        imported before the switch hold references to Flask's own objects
        (its ``request``, its ``Flask`` class), which would silently not
        work with a fastmicro app, so this is refused rather than patched.

    .. versionadded:: 0.1
    """
    global _finder
    if is_installed():
        return
    real = _real_flask_modules()
    if real:
        shown = ", ".join(real[:3]) + (f" and {len(real) - 3} more" if len(real) > 3 else "")
        raise RuntimeError(
            "fastmicro.flask_compat must be installed before Flask is imported,"
            f" but the real Flask is already imported ({shown}). Import"
            " fastmicro.flask_compat first, or run the app with"
            " 'python -m fastmicro.flask_compat'."
        )
    if _finder is None:
        _finder = FlaskAliasFinder()
    sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    """Remove the switch and forget the ``flask`` modules it served.

    Modules that imported ``flask`` while it was installed (extensions) keep
    the fastmicro objects they hold; remove them from :data:`sys.modules`
    too before importing them again against the real Flask.

    .. versionadded:: 0.1
    """
    global _finder
    if _finder is None:
        return
    while _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for name, module in list(sys.modules.items()):
        if name == _FLASK or name.startswith(_FLASK + "."):
            if module is _finder.flask_module or getattr(module, "__name__", "").startswith(
                _FASTMICRO
            ):
                del sys.modules[name]
    _finder = None


_USAGE = """\
usage: python -m fastmicro.flask_compat SCRIPT [ARG ...]
       python -m fastmicro.flask_compat -m MODULE [ARG ...]

Run a Flask app (SCRIPT, or MODULE as 'python -m' would) with 'import flask'
resolving to fastmicro, without editing it. '-m flask' runs fastmicro's
command line, as 'python -m flask' runs Flask's.
"""


def main(argv: list[str] | None = None) -> int:
    """``python -m fastmicro.flask_compat``: install the switch, then run a
    script or module as ``python`` would, with ``sys.argv`` set to its own.

    .. versionadded:: 0.1
    """
    args = sys.argv[1:] if argv is None else list(argv)
    if not args or args[0] in ("-h", "--help"):
        print(_USAGE, end="", file=sys.stdout if args else sys.stderr)
        return 0 if args else 2
    if args[0] == "-m" and len(args) < 2:
        print("error: -m needs a module name\n" + _USAGE, end="", file=sys.stderr)
        return 2
    install()
    if args[0] == "-m":
        module = args[1]
        if _fastmicro_name(module) is not None:
            # ``-m flask``: the switch serves ``flask`` as an already imported
            # module, which runpy cannot re-run, so run its target directly.
            module = t.cast(str, _fastmicro_name(module))
        sys.argv = [module, *args[2:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    else:
        script = args[0]
        sys.argv = args
        # As ``python script.py``: the script's directory is first on the
        # path, not the directory this runner was started from.
        sys.path[0] = os.path.dirname(os.path.abspath(script))
        runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    # Run as ``python -m``, this file is ``__main__``, a second copy of the
    # module: delegate to the imported one so there is one finder.
    from fastmicro.flask_compat import main as _main

    raise SystemExit(_main())
else:
    install()
