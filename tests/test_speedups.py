"""The compiled / pure-Python switch (:mod:`fastmicro.speedups`).

``FASTMICRO_EXPECT_COMPILED=1`` (set by ``make test`` and CI for the run on the
compiled backend) turns "the compiled modules are used if they were built" into
"the compiled modules MUST be in use": a build that silently fell back to the
pure-Python twins fails here instead of passing on the slow path.
"""
from __future__ import annotations

import importlib
import importlib.machinery
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import fastmicro
from fastmicro import speedups

REPO = Path(__file__).resolve().parents[1]
EXT_DIR = REPO / "fastmicro" / "_ext"


def _flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")


def _built(name: str) -> bool:
    """Is a compiled module for hot path ``name`` on disk in fastmicro/_ext?"""
    return any(
        (EXT_DIR / f"{name}{suffix}").exists()
        for suffix in importlib.machinery.EXTENSION_SUFFIXES
    )


def _run(code_or_args: list[str], **env_changes: str | None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    # The subprocess must import this checkout's fastmicro, installed or not.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, *code_or_args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


PROBE = (
    "import json; from fastmicro import speedups; "
    "print(json.dumps({'backends': speedups.backends(), 'backend': speedups.backend(), "
    "'files': {n: speedups.load(n).__file__ for n in speedups.HOT_PATHS}}))"
)


def test_backends_names_every_hot_path() -> None:
    backends = speedups.backends()
    assert list(backends) == list(speedups.HOT_PATHS)
    assert set(backends.values()) <= {"compiled", "pure"}
    assert speedups.backend() in {"compiled", "pure", "mixed"}
    if len(set(backends.values())) == 1:
        assert speedups.backend() == next(iter(backends.values()))
    else:
        assert speedups.backend() == "mixed"


def test_every_pyx_is_a_hot_path() -> None:
    # A new ext/*.pyx that is not wired into the switch would be compiled and
    # never used; a hot path without its .pyx could never be compiled.
    pyx = sorted(p.stem for p in (REPO / "ext").glob("*.pyx"))
    compiled = sorted(mod.rpartition(".")[2] for mod, _ in speedups.HOT_PATHS.values())
    assert pyx == compiled
    for name, (mod, _) in speedups.HOT_PATHS.items():
        assert mod == f"fastmicro._ext.{name}"


@pytest.mark.parametrize("name", list(speedups.HOT_PATHS))
def test_pure_twin_has_the_compiled_api(name: str) -> None:
    compiled_name, pure_name = speedups.HOT_PATHS[name]
    pure = importlib.import_module(pure_name)
    if not _built(name):
        pytest.skip(f"{compiled_name} is not built")
    compiled = importlib.import_module(compiled_name)
    public = {
        attr
        for attr in dir(compiled)
        if not attr.startswith("_")
        and callable(getattr(compiled, attr))
        and getattr(getattr(compiled, attr), "__module__", None) == compiled_name
    }
    assert public, f"{compiled_name} exports nothing"
    missing = sorted(attr for attr in public if not hasattr(pure, attr))
    assert not missing, f"{pure_name} lacks {missing}"


def test_load_returns_the_module_backends_reports() -> None:
    for name, (compiled_name, pure_name) in speedups.HOT_PATHS.items():
        module = speedups.load(name)
        expected = compiled_name if speedups.backends()[name] == "compiled" else pure_name
        assert module.__name__ == expected
        assert speedups.load(name) is module  # cached


def test_no_extensions_env_forces_pure_everywhere() -> None:
    proc = _run(["-c", PROBE], FASTMICRO_NO_EXTENSIONS="1")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["backends"] == {name: "pure" for name in speedups.HOT_PATHS}
    assert info["backend"] == "pure"
    for name, path in info["files"].items():
        assert path.endswith(".py"), (name, path)


@pytest.mark.parametrize("value", ["", "0"])
def test_no_extensions_empty_or_zero_is_off(value: str) -> None:
    proc = _run(["-c", PROBE], FASTMICRO_NO_EXTENSIONS=value)
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    for name in speedups.HOT_PATHS:
        assert info["backends"][name] == ("compiled" if _built(name) else "pure")


VERSION_RE = re.compile(
    r"^fastmicro (?P<version>\S+) \((?P<backend>compiled|pure|mixed) backend: (?P<parts>[^)]*)\)\n"
    r"Python (?P<python>\d+\.\d+\.\d+\S*)\n"
    r"Werkzeug 3\.1\.\S+\n$"
)


@pytest.mark.parametrize("no_ext", [None, "1"])
def test_version_command(no_ext: str | None) -> None:
    proc = _run(["-m", "fastmicro", "--version"], FASTMICRO_NO_EXTENSIONS=no_ext)
    assert proc.returncode == 0, proc.stderr
    match = VERSION_RE.match(proc.stdout)
    assert match, proc.stdout
    assert match["version"] == fastmicro.__version__
    assert match["python"].startswith("%d.%d." % sys.version_info[:2])
    parts = dict(part.split("=") for part in match["parts"].split(", "))
    assert list(parts) == list(speedups.HOT_PATHS)
    if no_ext:
        assert match["backend"] == "pure"
        assert set(parts.values()) == {"pure"}
    else:
        assert parts == {n: "compiled" if _built(n) else "pure" for n in speedups.HOT_PATHS}


def test_version_command_usage() -> None:
    proc = _run(["-m", "fastmicro"])
    assert proc.returncode == 2
    assert "Usage: fastmicro [OPTIONS] COMMAND [ARGS]..." in proc.stderr


def test_compiled_backend_active_when_expected() -> None:
    """The backend in use is the one the environment and the build call for.

    With ``FASTMICRO_EXPECT_COMPILED=1`` every hot path must be compiled; that
    is how the compiled run of ``make test`` / CI proves it tested the
    compiled code. Otherwise the backend must agree with the disk: compiled
    exactly for the hot paths whose module was built (pure for all under
    ``FASTMICRO_NO_EXTENSIONS``).
    """
    backends = speedups.backends()
    if _flag("FASTMICRO_EXPECT_COMPILED"):
        assert not _flag("FASTMICRO_NO_EXTENSIONS"), (
            "FASTMICRO_EXPECT_COMPILED and FASTMICRO_NO_EXTENSIONS contradict each other"
        )
        missing = [name for name in speedups.HOT_PATHS if not _built(name)]
        assert not missing, (
            f"FASTMICRO_EXPECT_COMPILED is set but {missing} are not built in {EXT_DIR}; "
            "build them (make venv, or python setup.py build_ext --inplace)"
        )
        assert backends == {name: "compiled" for name in speedups.HOT_PATHS}
        assert speedups.backend() == "compiled"
        for name in speedups.HOT_PATHS:
            path = Path(speedups.load(name).__file__)
            assert path.parent == EXT_DIR, path
            assert path.name.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)), path
    elif _flag("FASTMICRO_NO_EXTENSIONS"):
        assert backends == {name: "pure" for name in speedups.HOT_PATHS}
    else:
        assert backends == {
            name: "compiled" if _built(name) else "pure" for name in speedups.HOT_PATHS
        }
