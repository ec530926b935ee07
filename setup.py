"""Build script: compiles ``ext/*.pyx`` into ``fastmicro._ext``.

The compiled modules are optional. When Cython or a C compiler is missing, a
compile error happens, or ``FASTMICRO_NO_EXTENSIONS=1`` is set, the package is
built without any of them (never with only some) and one line says so.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent
PURE_LINE = "fastmicro: building the pure-Python package without compiled extensions ({})"


def _no_extensions_requested() -> bool:
    return os.environ.get("FASTMICRO_NO_EXTENSIONS", "") not in ("", "0")


def _extensions() -> list[Extension]:
    sources = sorted((HERE / "ext").glob("*.pyx"))
    return [
        Extension(f"fastmicro._ext.{src.stem}", [str(src.relative_to(HERE))])
        for src in sources
    ]


class OptionalBuildExt(build_ext):
    """Build every extension or none of them."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # compiler missing, compile or link error
            self._discard_outputs()
            print(PURE_LINE.format(f"build failed: {exc}"), file=sys.stderr)

    def _discard_outputs(self) -> None:
        # A failure half-way leaves earlier modules built; remove them so the
        # install is wholly pure rather than half compiled.
        for ext in self.extensions:
            for path in {self.get_ext_fullpath(ext.name), str(HERE / self.get_ext_filename(ext.name))}:
                if os.path.exists(path):
                    os.remove(path)
        self.extensions = []


def _build_config() -> dict:
    if _no_extensions_requested():
        print(PURE_LINE.format("FASTMICRO_NO_EXTENSIONS is set"), file=sys.stderr)
        return {}
    try:
        from Cython.Build import cythonize
    except ImportError:
        print(PURE_LINE.format("Cython is not installed"), file=sys.stderr)
        return {}
    if shutil.which(os.environ.get("CC", "cc").split()[0]) is None:
        print(PURE_LINE.format("no C compiler found"), file=sys.stderr)
        return {}
    modules = cythonize(
        _extensions(),
        compiler_directives={
            "language_level": 3,
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "embedsignature": True,
        },
        build_dir="build/cython",
        quiet=True,
    )
    return {"ext_modules": modules, "cmdclass": {"build_ext": OptionalBuildExt}}


setup(**_build_config())
