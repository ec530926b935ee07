"""The one place that chooses compiled or pure-Python hot paths.

Each hot path has a compiled module in :mod:`fastmicro._ext` (built from
``ext/<name>.pyx``) and a pure-Python twin with the same API and behaviour.
The compiled one is used when it was built, unless ``FASTMICRO_NO_EXTENSIONS``
is set to a non-empty value other than ``0`` when fastmicro is imported.

.. versionadded:: 0.1
"""
from __future__ import annotations

import importlib
import os
import types

#: ``True`` when ``FASTMICRO_NO_EXTENSIONS`` forces the pure-Python twins.
NO_EXTENSIONS = os.environ.get("FASTMICRO_NO_EXTENSIONS", "") not in ("", "0")

#: Hot path name -> (compiled module, pure-Python twin).
HOT_PATHS: dict[str, tuple[str, str]] = {
    "matcher": ("fastmicro._ext.matcher", "fastmicro.routing._pymatcher"),
    "cycle": ("fastmicro._ext.cycle", "fastmicro._pycycle"),
    "local": ("fastmicro._ext.local", "fastmicro._pylocal"),
    "query": ("fastmicro._ext.query", "fastmicro.http._pyquery"),
    "wsgi": ("fastmicro._ext.wsgi", "fastmicro.http._pywsgi"),
    "signing": ("fastmicro._ext.signing", "fastmicro.signing._pysigning"),
    "cookies": ("fastmicro._ext.cookies", "fastmicro.http._pycookies"),
    "accept": ("fastmicro._ext.accept", "fastmicro.http._pyaccept"),
    "headers": ("fastmicro._ext.headers", "fastmicro.http._pyheaders"),
    "sessions": ("fastmicro._ext.sessions", "fastmicro._pysessions"),
}

_loaded: dict[str, tuple[types.ModuleType, str]] = {}


def load(name: str) -> types.ModuleType:
    """Return the implementation module of the hot path ``name``."""
    try:
        return _loaded[name][0]
    except KeyError:
        pass
    compiled, pure = HOT_PATHS[name]
    if not NO_EXTENSIONS:
        try:
            module = importlib.import_module(compiled)
        except ImportError:
            pass
        else:
            _loaded[name] = (module, "compiled")
            return module
    module = importlib.import_module(pure)
    _loaded[name] = (module, "pure")
    return module


def backends() -> dict[str, str]:
    """Map each hot path to ``"compiled"`` or ``"pure"``."""
    for name in HOT_PATHS:
        load(name)
    return {name: _loaded[name][1] for name in HOT_PATHS}


def backend() -> str:
    """``"compiled"`` if every hot path is compiled, ``"pure"`` if none is,
    else ``"mixed"``."""
    kinds = set(backends().values())
    return kinds.pop() if len(kinds) == 1 else "mixed"
