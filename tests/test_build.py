"""Building wheels: the compiled modules are all there or none is.

Each case copies the repository to a temporary directory (without the venv,
build products or compiled modules) and runs
``python -m pip wheel --no-deps --no-build-isolation -w DIR .`` there, so the
build uses the running environment's setuptools and Cython. The three builds
run concurrently (they are independent) to keep this module around a minute.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
PYX = sorted(p.stem for p in (REPO / "ext").glob("*.pyx"))
PURE_LINE = "fastmicro: building the pure-Python package without compiled extensions"
COMPILED_SUFFIXES = (".so", ".pyd", ".dylib")
IGNORED = {".venv", "venv", "build", "dist", ".git", ".pytest_cache", ".hypothesis",
           ".benchmarks", "__pycache__", ".mypy_cache", ".ruff_cache"}

CASES = {
    "no_extensions": {"FASTMICRO_NO_EXTENSIONS": "1"},
    "failing_compiler": {"FASTMICRO_NO_EXTENSIONS": None, "CC": "/bin/false"},
    "normal": {"FASTMICRO_NO_EXTENSIONS": None},
}


def _ignore(directory: str, names: list[str]) -> set[str]:
    return {
        n for n in names
        if n in IGNORED or n.endswith((".egg-info", *COMPILED_SUFFIXES))
        or n.startswith("__editable__")
    }


class Build:
    def __init__(self, name: str, root: Path, env_changes: dict[str, str | None]) -> None:
        self.name = name
        self.src = root / name / "src"
        self.out = root / name / "wheels"
        shutil.copytree(REPO, self.src, ignore=_ignore)
        assert not list(self.src.rglob("*.so")), "copy is not clean"
        self.out.mkdir()
        env = dict(os.environ)
        for key in ("CC", "LDSHARED", "CFLAGS", "FASTMICRO_EXPECT_COMPILED"):
            env.pop(key, None)
        for key, value in env_changes.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        env["PIP_NO_INPUT"] = "1"
        self.log = (root / name / "build.log").open("w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation",
             "--no-index", "-w", str(self.out), "."],
            cwd=self.src, env=env, stdin=subprocess.DEVNULL,
            stdout=self.log, stderr=subprocess.STDOUT,
        )

    def finish(self) -> None:
        try:
            self.returncode = self.proc.wait(timeout=600)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        finally:
            self.log.seek(0)
            self.output = self.log.read()
            self.log.close()

    @property
    def wheel(self) -> Path:
        wheels = list(self.out.glob("*.whl"))
        assert len(wheels) == 1, (wheels, self.output[-3000:])
        return wheels[0]

    def compiled_members(self) -> list[str]:
        with zipfile.ZipFile(self.wheel) as zf:
            return sorted(n for n in zf.namelist() if n.endswith(COMPILED_SUFFIXES))

    def pure_lines(self) -> list[str]:
        return [line for line in self.output.splitlines() if PURE_LINE in line]


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, Build]:
    try:
        import Cython  # noqa: F401
        import setuptools  # noqa: F401
    except ImportError as exc:  # pragma: no cover
        pytest.fail(f"the build tests need the build requirements installed (make venv): {exc}")
    root = tmp_path_factory.mktemp("wheels")
    started = {name: Build(name, root, env) for name, env in CASES.items()}
    for build in started.values():
        build.finish()
    return started


def _check_pure_wheel(build: Build) -> str:
    assert build.returncode == 0, build.output[-5000:]
    assert build.compiled_members() == [], "the wheel holds compiled modules"
    with zipfile.ZipFile(build.wheel) as zf:
        names = set(zf.namelist())
    # The pure twins are there, so the wheel works without the modules.
    assert "fastmicro/speedups.py" in names
    assert "fastmicro/_pycycle.py" in names
    assert "fastmicro/routing/_pymatcher.py" in names
    # setup.py runs once per PEP 517 hook pip calls (requirements, then the
    # build), so its line may repeat; it must be one and the same message.
    lines = {line.strip() for line in build.pure_lines()}
    assert len(lines) == 1, f"expected one line saying the build is pure, got {lines}"
    return lines.pop()


def test_no_extensions_builds_pure_wheel(builds) -> None:
    line = _check_pure_wheel(builds["no_extensions"])
    assert "FASTMICRO_NO_EXTENSIONS is set" in line


def test_failing_compiler_builds_pure_wheel(builds) -> None:
    build = builds["failing_compiler"]
    line = _check_pure_wheel(build)
    assert "build failed" in line
    # The reason names what failed: the compiler command (/bin/false).
    assert "/bin/false" in line, line
    # Nothing half-built stays behind in the source tree either.
    assert list((build.src / "fastmicro" / "_ext").glob("*.so")) == []


def test_normal_build_has_one_module_per_pyx(builds) -> None:
    build = builds["normal"]
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        if os.environ.get("FASTMICRO_EXPECT_COMPILED", "") not in ("", "0"):
            pytest.fail("no C compiler, but FASTMICRO_EXPECT_COMPILED is set")
        pytest.skip("no C compiler on this machine")
    assert build.returncode == 0, build.output[-5000:]
    assert build.pure_lines() == [], build.pure_lines()
    members = build.compiled_members()
    stems = sorted(Path(m).name.split(".")[0] for m in members)
    assert stems == PYX, members
    assert all(m.startswith("fastmicro/_ext/") for m in members), members
    assert "cp%d%d" % sys.version_info[:2] in build.wheel.name
