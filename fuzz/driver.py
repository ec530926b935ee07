"""Run one fuzz target under atheris (libFuzzer).

    python fuzz/driver.py NAME [libFuzzer options] [corpus dirs]
    python fuzz/driver.py path/to/target.py [...]

``NAME`` is a module of ``fuzz/targets/``. A target module defines
``test_one_input(data: bytes) -> None`` and may define ``DESCRIPTION`` and
``INSTRUMENT``, the module prefixes to instrument (default
:data:`INSTRUMENTED`; rewriting a module's bytecode costs start-up time, so
a target names the modules its input can reach).
Everything after the name goes to libFuzzer (``-runs=``,
``-max_total_time=``, corpus directories...). Usually started by
``fuzz/run.py``, which also reads the results.

Coverage guidance: fastmicro and the references it is compared with are
instrumented for Python coverage as they are imported (atheris'
``instrument_imports``), with atheris' hook that turns ``str`` comparisons
(``startswith``, ``endswith``) into hints for the mutator. A build from ``fuzz/build_native.sh``
put first on ``PYTHONPATH`` adds native coverage of the compiled modules.
"""
from __future__ import annotations

import ast
import importlib.util
import shlex
import sys
import types
from pathlib import Path

import atheris

FUZZ_DIR = Path(__file__).resolve().parent
TARGETS_DIR = FUZZ_DIR / "targets"

#: Packages whose Python code gets coverage counters: the code under test and
#: the references its results are compared with.
INSTRUMENTED = ["fastmicro", "werkzeug", "itsdangerous", "flask", "harness"]


def target_path(spec: str) -> Path:
    """The file of the target named ``spec`` (a name or a path)."""
    if spec.endswith(".py"):
        return Path(spec).resolve()
    return TARGETS_DIR / f"{spec}.py"


def instrumented_modules(path: Path) -> list[str]:
    """The target's ``INSTRUMENT`` (read from its source: it must be known
    before the target is imported), else :data:`INSTRUMENTED`."""
    for node in ast.parse(path.read_text()).body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "INSTRUMENT"
        ):
            return list(ast.literal_eval(node.value))
    return INSTRUMENTED


def _modules_of(package: str) -> list[str]:
    """Every module name of the top-level ``package``, found on disk
    without importing anything."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return [package]
    names = []
    for location in spec.submodule_search_locations:
        root = Path(location)
        for file in root.rglob("*.py"):
            parts = [package, *file.relative_to(root).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            names.append(".".join(parts))
    return names


def exclusions(prefixes: list[str]) -> list[str]:
    """The modules of the prefixes' packages that no prefix covers: atheris
    takes whole top-level packages to include, and single modules to
    leave out."""
    def covered(name: str) -> bool:
        return any(name == p or name.startswith(p + ".") for p in prefixes)

    tops = {prefix.split(".")[0] for prefix in prefixes}
    return [name for top in sorted(tops) for name in _modules_of(top) if not covered(name)]


def load_target(spec: str) -> types.ModuleType:
    path = target_path(spec)
    if not path.is_file():
        raise SystemExit(f"driver.py: no fuzz target {spec!r} ({path})")
    include = instrumented_modules(path)
    sys.path.insert(0, str(FUZZ_DIR))  # the targets import harness
    # Not the "RegEx" hook: its pattern proxy takes no ``pos`` argument,
    # which the parsers pass (``pattern.match(value, pos)``).
    atheris.enabled_hooks.add("str")
    with atheris.instrument_imports(include=include or ["-"], exclude=exclusions(include)):
        spec_obj = importlib.util.spec_from_file_location(f"fuzz_target_{path.stem}", path)
        assert spec_obj is not None and spec_obj.loader is not None
        module = importlib.util.module_from_spec(spec_obj)
        spec_obj.loader.exec_module(module)
    return module


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        raise SystemExit(__doc__)
    target = load_target(argv[1])
    # libFuzzer runs argv[0] again for -merge and -fork (through the shell):
    # make it the whole command that runs this target.
    again = " ".join(shlex.quote(part) for part in (sys.executable, str(Path(__file__).resolve()), argv[1]))
    atheris.Setup([again, *argv[2:]], target.test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
