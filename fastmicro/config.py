"""The application configuration: :class:`Config` and :class:`ConfigAttribute`.

Behaves as Flask 3.1's ``flask.config``; the only difference is that
:meth:`Config.from_prefixed_env` defaults to the ``FASTMICRO`` prefix.

.. versionadded:: 0.1
"""
from __future__ import annotations

import errno
import json
import os
import types
import typing as t

from werkzeug.utils import import_string

if t.TYPE_CHECKING:  # pragma: no cover
    import typing_extensions as te

    from .app import FastMicro

T = t.TypeVar("T")

#: ``errno`` values that ``silent=True`` turns into a ``False`` return from
#: :meth:`Config.from_pyfile`: the file (or a directory on its path) is missing.
_MISSING_PYFILE = (errno.ENOENT, errno.EISDIR, errno.ENOTDIR)
#: The same for :meth:`Config.from_file`, which (as in Flask) does not
#: silence ``ENOTDIR``.
_MISSING_FILE = (errno.ENOENT, errno.EISDIR)


class ConfigAttribute(t.Generic[T]):
    """A descriptor that forwards an application attribute to its config.

    ``app.testing`` reads and writes ``app.config["TESTING"]``, for example::

        class FastMicro:
            testing = ConfigAttribute[bool]("TESTING")

    :param name: The config key to forward to.
    :param get_converter: Called with the stored value on every read; its
        result is returned instead. Writes store the value unconverted.

    .. versionadded:: 0.1
    """

    def __init__(
        self, name: str, get_converter: t.Callable[[t.Any], T] | None = None
    ) -> None:
        self.__name__ = name
        self.get_converter = get_converter

    @t.overload
    def __get__(self, obj: None, owner: None) -> te.Self: ...

    @t.overload
    def __get__(self, obj: FastMicro, owner: type[FastMicro]) -> T: ...

    def __get__(
        self, obj: FastMicro | None, owner: type[FastMicro] | None = None
    ) -> T | te.Self:
        if obj is None:
            # Accessed on the class: return the descriptor itself.
            return self
        value = obj.config[self.__name__]
        if self.get_converter is not None:
            value = self.get_converter(value)
        return value  # type: ignore[no-any-return]

    def __set__(self, obj: FastMicro, value: t.Any) -> None:
        obj.config[self.__name__] = value


class Config(dict):  # type: ignore[type-arg]
    """A :class:`dict` with helpers to fill it from objects, files, and the
    environment.

    Only UPPERCASE keys are taken from modules, objects, files and mappings,
    so that lowercase names can be used for temporary values in a config
    file::

        app.config.from_object("yourapp.default_settings")
        app.config.from_pyfile("production.cfg", silent=True)
        app.config.from_envvar("YOURAPP_SETTINGS", silent=True)
        app.config.from_prefixed_env()

    :param root_path: Relative file names are resolved against this path;
        the application passes its :attr:`root_path` (or its
        :attr:`instance_path` when ``instance_relative_config`` is set).
    :param defaults: Initial values, copied into the new config.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        root_path: str | os.PathLike[str],
        defaults: dict[str, t.Any] | None = None,
    ) -> None:
        super().__init__(defaults or {})
        self.root_path = root_path

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load the Python config file named by an environment variable.

        A shortcut for ``from_pyfile(os.environ[variable_name])`` with a
        clearer error when the variable is unset or empty.

        :param variable_name: The environment variable holding the path.
        :param silent: Return ``False`` instead of raising when the variable
            is unset or the file is missing.
        :return: ``True`` if a file was loaded.
        :raise RuntimeError: The variable is unset and ``silent`` is false.

        .. versionadded:: 0.1
        """
        path = os.environ.get(variable_name)
        if not path:
            if silent:
                return False
            raise RuntimeError(
                f"The environment variable {variable_name!r} is not set"
                " and as such configuration could not be loaded. Set"
                " this variable and make it point to a configuration"
                " file"
            )
        return self.from_pyfile(path, silent=silent)

    def from_prefixed_env(
        self,
        prefix: str = "FASTMICRO",
        *,
        loads: t.Callable[[str], t.Any] = json.loads,
    ) -> bool:
        """Load every environment variable named ``{prefix}_KEY`` as ``KEY``.

        Variables are visited in :func:`sorted` order. Each value is passed
        through ``loads``; if that raises, the raw string is kept. With the
        default :func:`json.loads`, ``FASTMICRO_PORT=8000`` gives the integer
        ``8000`` and ``FASTMICRO_NAME=app`` stays the string ``"app"``.

        A double underscore sets an item in a nested dict, creating missing
        intermediate dicts: ``FASTMICRO_DB__HOST=x`` sets
        ``config["DB"]["HOST"] = "x"``.

        The default prefix is ``FASTMICRO``, where Flask's is ``FLASK``. An
        application ported from Flask that is configured through ``FLASK_*``
        variables keeps working by calling
        ``app.config.from_prefixed_env(prefix="FLASK")``.

        :param prefix: Variables starting with this prefix and an underscore
            are loaded, without that start.
        :param loads: Converts each string value.
        :return: Always ``True``.

        .. versionadded:: 0.1
        """
        start = f"{prefix}_"
        for env_key in sorted(os.environ):
            if not env_key.startswith(start):
                continue
            raw = os.environ[env_key]
            key = env_key[len(start) :]
            value: t.Any
            try:
                value = loads(raw)
            except Exception:
                value = raw

            if "__" not in key:
                self[key] = value
                continue

            *parents, leaf = key.split("__")
            target: t.Any = self
            for part in parents:
                if part not in target:
                    target[part] = {}
                target = target[part]
            target[leaf] = value
        return True

    def from_pyfile(
        self, filename: str | os.PathLike[str], silent: bool = False
    ) -> bool:
        """Execute a Python file and load its UPPERCASE globals.

        The file is run as if it were a module named ``config`` and then
        passed to :meth:`from_object`.

        :param filename: Absolute, or relative to :attr:`root_path`.
        :param silent: Return ``False`` instead of raising when the file
            does not exist.
        :return: ``True`` if the file was loaded.
        :raise OSError: The file cannot be read; the message starts with
            ``Unable to load configuration file``.

        .. versionadded:: 0.1
        """
        path = os.path.join(self.root_path, filename)
        module = types.ModuleType("config")
        module.__file__ = path
        try:
            with open(path, mode="rb") as config_file:
                # As in Flask, an OSError raised while the file runs is
                # reported the same way as one raised opening it.
                exec(compile(config_file.read(), path, "exec"), module.__dict__)
        except OSError as e:
            if silent and e.errno in _MISSING_PYFILE:
                return False
            e.strerror = f"Unable to load configuration file ({e.strerror})"
            raise
        self.from_object(module)
        return True

    def from_object(self, obj: object | str) -> None:
        """Load the UPPERCASE attributes of a module, class or other object.

        :param obj: The object, or an import string naming it
            (``"yourapp.settings"`` or ``"yourapp.settings:Production"``).

        A :class:`dict` does not work here, its keys are not attributes; use
        :meth:`from_mapping`. A class with ``@property`` settings must be
        instantiated before it is passed.

        .. versionadded:: 0.1
        """
        if isinstance(obj, str):
            obj = import_string(obj)
        for key in dir(obj):
            if key.isupper():
                self[key] = getattr(obj, key)

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: t.Callable[[t.IO[t.Any]], t.Mapping[str, t.Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a data file with ``load`` and pass the result to
        :meth:`from_mapping`::

            app.config.from_file("config.json", load=json.load)
            app.config.from_file("config.toml", load=tomllib.load, text=False)

        :param filename: Absolute, or relative to :attr:`root_path`.
        :param load: Called with the open file; returns a mapping.
        :param silent: Return ``False`` instead of raising when the file
            does not exist.
        :param text: Open the file in text mode, else binary.
        :return: ``True`` if the file was loaded.
        :raise OSError: The file cannot be read; the message starts with
            ``Unable to load configuration file``.

        .. versionadded:: 0.1
        """
        path = os.path.join(self.root_path, filename)
        try:
            with open(path, "r" if text else "rb") as f:
                data = load(f)
        except OSError as e:
            if silent and e.errno in _MISSING_FILE:
                return False
            e.strerror = f"Unable to load configuration file ({e.strerror})"
            raise
        return self.from_mapping(data)

    def from_mapping(
        self, mapping: t.Mapping[str, t.Any] | None = None, **kwargs: t.Any
    ) -> bool:
        """Update the config like :meth:`dict.update`, skipping keys that
        are not UPPERCASE. Keyword arguments override the mapping.

        :return: Always ``True``.

        .. versionadded:: 0.1
        """
        merged: dict[str, t.Any] = {}
        if mapping is not None:
            merged.update(mapping)
        merged.update(kwargs)
        for key, value in merged.items():
            if key.isupper():
                self[key] = value
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, t.Any]:
        """Return the options whose key starts with ``namespace``.

        ::

            app.config["IMAGE_STORE_TYPE"] = "fs"
            app.config["IMAGE_STORE_PATH"] = "/var/app/images"
            app.config.get_namespace("IMAGE_STORE_")
            # {"type": "fs", "path": "/var/app/images"}

        :param namespace: The key prefix to select.
        :param lowercase: Lowercase the returned keys.
        :param trim_namespace: Remove the prefix from the returned keys.

        .. versionadded:: 0.1
        """
        selected: dict[str, t.Any] = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            out_key = key[len(namespace) :] if trim_namespace else key
            if lowercase:
                out_key = out_key.lower()
            selected[out_key] = value
        return selected

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"
