"""Unmodified Flask extensions on fastmicro through ``fastmicro.flask_compat``
(issue 7), and the switch itself.

The switch replaces ``flask`` in ``sys.modules``, and this test process has
the real Flask imported (it is the reference for the rest of the suite), so
every app runs in a subprocess: ``tests/ext_apps/<name>_app.py FRAMEWORK``.
Each app is run on the real Flask first (the reference: it proves every
expectation the script checks) and then on fastmicro on both backends, the
compiled one and the pure-Python twins (``FASTMICRO_NO_EXTENSIONS=1``).
"""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import types
import typing as t
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
APPS = Path(__file__).resolve().parent / "ext_apps"

EXTENSION_APPS = ["login", "wtf", "cors", "sqlalchemy", "caching"]
RUNS = ["flask", "fastmicro-compiled", "fastmicro-pure"]


def _flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")


def _env(backend: str = "compiled", pythonpath: t.Sequence[str | Path] = ()) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [*map(str, pythonpath), str(REPO), *filter(None, [env.get("PYTHONPATH")])]
    )
    env.pop("FASTMICRO_NO_EXTENSIONS", None)
    if backend == "pure":
        env["FASTMICRO_NO_EXTENSIONS"] = "1"
        env.pop("FASTMICRO_EXPECT_COMPILED", None)
    return env


def _run(args: list[str], env: dict[str, str], cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    # ``-W error``: the subprocess treats warnings as errors, as this suite does.
    return subprocess.run(
        [sys.executable, "-W", "error", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _json(proc: subprocess.CompletedProcess[str]) -> dict[str, t.Any]:
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no output; stderr:\n{proc.stderr}"
    return json.loads(lines[-1])


_reference_checks: dict[str, list[str]] = {}


def _run_app(name: str, run: str) -> dict[str, t.Any]:
    framework, _, backend = run.partition("-")
    return _json(_run([str(APPS / f"{name}_app.py"), framework], _env(backend or "compiled")))


# -- the five extensions -----------------------------------------------------------


@pytest.mark.parametrize("run", RUNS)
@pytest.mark.parametrize("name", EXTENSION_APPS)
def test_extension_app(name: str, run: str) -> None:
    facts = _run_app(name, run)
    assert facts["error"] is None, facts["error"]
    assert facts["failures"] == []
    assert len(facts["checks"]) >= 15, "the scenario stopped early"
    assert len(set(facts["checks"])) == len(facts["checks"]), "check names must be unique"
    if run == "flask":
        assert facts["flask_class"] == "flask.app.Flask"
        _reference_checks[name] = facts["checks"]
        return
    # The extension really ran on fastmicro, and nothing loaded the real Flask.
    assert facts["flask_class"] == "fastmicro.app.FastMicro"
    assert facts["real_flask_files"] == []
    if name in _reference_checks:
        assert facts["checks"] == _reference_checks[name], "same checks as on the reference"
    if run == "fastmicro-pure":
        assert facts["backend"] == "pure"
    elif _flag("FASTMICRO_EXPECT_COMPILED"):
        assert facts["backend"] == "compiled"
    else:
        assert facts["backend"] in ("compiled", "mixed", "pure")


# -- the switch ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def compat_facts() -> dict[str, t.Any]:
    return _json(_run([str(APPS / "compat_facts.py")], _env()))


def _real_flask_modules() -> set[str]:
    """Every module of the installed Flask, as ``flask.``-relative names
    (read from its files: ``flask/sansio`` is a namespace package, which
    :mod:`pkgutil` does not list)."""
    import flask

    root = Path(flask.__file__).parent
    names = set()
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            names.add(".".join(parts))
        if len(parts) > 1:
            names.add(".".join(parts[:-1]))  # the package holding it
    return names


def test_every_flask_module_is_the_fastmicro_module(compat_facts) -> None:
    assert compat_facts["installed"] is True
    # The switch serves exactly the modules Flask has.
    assert set(compat_facts["flask_modules"]) == _real_flask_modules()
    resolved = compat_facts["resolved"]
    assert set(resolved) == _real_flask_modules() - {"__main__"}
    assert all(resolved.values()), resolved
    # ``flask.request`` is fastmicro's proxy, not a copy: one set of contexts.
    assert compat_facts["same_objects"] == [True, True, True]
    assert compat_facts["attr_submodule"] == "fastmicro.ctx"
    assert compat_facts["isinstance_sansio_app"] is True


def test_names_outside_flask_fail_as_on_flask(compat_facts) -> None:
    assert compat_facts["unknown_module"] == ["ModuleNotFoundError", "flask.routing"]
    assert compat_facts["unknown_attr"] == "module 'flask' has no attribute 'no_such_name'"


def test_version_and_metadata(compat_facts) -> None:
    FLASK_VERSION = compat_facts["flask_version"]
    assert FLASK_VERSION.startswith("3.1.")
    # As on Flask 3.1: the attribute works and is deprecated.
    assert compat_facts["version"] == [FLASK_VERSION, ["DeprecationWarning"]]
    assert compat_facts["metadata_version"] == FLASK_VERSION
    assert compat_facts["metadata_version_other_spelling"] == FLASK_VERSION
    assert compat_facts["metadata_name"] == "Flask"
    assert compat_facts["metadata_requires"] == ["fastmicro"]
    assert compat_facts["metadata_files"] is None
    assert "provided by fastmicro" in compat_facts["metadata_summary"]
    # Listing all distributions finds the same Flask first.
    assert compat_facts["listed_first"] == compat_facts["metadata_summary"]
    # Walking every distribution still works with the switch's in the list.
    assert compat_facts["metadata_walks"] == [["Flask"], True]
    # Other distributions are untouched.
    assert compat_facts["other_distribution"] == importlib.metadata.version("werkzeug")


def test_install_is_idempotent_and_uninstall_restores_flask(compat_facts) -> None:
    assert compat_facts["meta_path_count"] == 1
    assert compat_facts["after_uninstall"] == [False, False, False]
    assert compat_facts["real_after_uninstall"] == "flask.app"


def test_install_after_real_flask_is_refused() -> None:
    proc = _run(["-c", "import flask; import fastmicro.flask_compat"], _env())
    assert proc.returncode == 1
    assert "RuntimeError: fastmicro.flask_compat must be installed before Flask is imported" in proc.stderr


def test_import_refused_in_this_process() -> None:
    # The suite has the real Flask imported: importing the switch fails
    # loudly and leaves nothing behind.
    import flask

    with pytest.raises(RuntimeError, match="the real Flask is already imported"):
        importlib.import_module("fastmicro.flask_compat")
    assert "fastmicro.flask_compat" not in sys.modules
    assert sys.modules["flask"] is flask
    assert flask.Flask.__module__ == "flask.app"
    assert not any(type(f).__name__ == "FlaskAliasFinder" for f in sys.meta_path)


# -- running an app that cannot be edited --------------------------------------------


@pytest.mark.parametrize("backend", ["compiled", "pure"])
def test_runner_script(backend: str) -> None:
    proc = _run(
        ["-m", "fastmicro.flask_compat", str(APPS / "uneditable_app.py"), "a", "--b"], _env(backend)
    )
    facts = _json(proc)
    assert facts == {
        "flask_class": "fastmicro.app.FastMicro",
        "argv": ["a", "--b"],
        "name": "__main__",
        "response": {"user": "ada", "session_user": "ada"},
    }


def test_runner_module(tmp_path: Path) -> None:
    proc = _run(
        ["-m", "fastmicro.flask_compat", "-m", "uneditable_app", "x"],
        _env(pythonpath=[APPS]),
        cwd=tmp_path,
    )
    facts = _json(proc)
    assert facts["flask_class"] == "fastmicro.app.FastMicro"
    assert facts["argv"] == ["x"]
    assert facts["name"] == "__main__"


def test_runner_flask_module_is_fastmicro_cli() -> None:
    proc = _run(["-m", "fastmicro.flask_compat", "-m", "flask", "--version"], _env())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("fastmicro ")


def test_runner_usage() -> None:
    proc = _run(["-m", "fastmicro.flask_compat"], _env())
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: python -m fastmicro.flask_compat SCRIPT")
    proc = _run(["-m", "fastmicro.flask_compat", "--help"], _env())
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage:")
    proc = _run(["-m", "fastmicro.flask_compat", "-m"], _env())
    assert proc.returncode == 2
    assert "-m needs a module name" in proc.stderr


def test_sitecustomize(tmp_path: Path) -> None:
    # The documented recipe for a process whose command line cannot change
    # either: a sitecustomize on PYTHONPATH installs the switch at startup.
    (tmp_path / "sitecustomize.py").write_text("import fastmicro.flask_compat  # noqa: F401\n")
    proc = _run([str(APPS / "uneditable_app.py")], _env(pythonpath=[tmp_path]))
    facts = _json(proc)
    assert facts["flask_class"] == "fastmicro.app.FastMicro"
    assert facts["response"] == {"user": "ada", "session_user": "ada"}


# -- the Flask surface extensions import ---------------------------------------------

# Public names Flask's modules define that fastmicro does not have (yet).
# Type variables only annotate Flask's own signatures and are not listed.
KNOWN_MISSING = {
    "cli": {"get_version"},
    "debughelpers": {"explain_template_loading_attempts"},
}


@pytest.mark.parametrize("sub", sorted(_real_flask_modules() - {"__main__"}))
def test_public_names_of_flask_modules(sub: str) -> None:
    flask_module = importlib.import_module(f"flask.{sub}")
    ours = importlib.import_module(f"fastmicro.{sub}")
    defined = {
        name
        for name, value in vars(flask_module).items()
        if not name.startswith("_")
        and not isinstance(value, (types.ModuleType, t.TypeVar))
        and getattr(value, "__module__", None) == flask_module.__name__
    }
    missing = {name for name in defined if not hasattr(ours, name)}
    assert missing == KNOWN_MISSING.get(sub, set())


def test_public_names_of_flask_package() -> None:
    import flask

    import fastmicro

    exported = {
        name
        for name, value in vars(flask).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert {name for name in exported if not hasattr(fastmicro, name)} == set()
