"""What every extension app script shares: choosing the framework, and
recording checks.

A script is run as ``python tests/ext_apps/<name>_app.py FRAMEWORK`` where
FRAMEWORK is ``flask`` (the real Flask: the reference that proves each
expectation) or ``fastmicro`` (``fastmicro.flask_compat`` installed first, so
the unmodified extension imports fastmicro as ``flask``). It prints one JSON
line: the checks it made, the ones that failed, and which framework and
backend really ran, for ``tests/test_flask_extensions.py`` to assert on.
"""
from __future__ import annotations

import json
import sys
import traceback
import typing as t

FRAMEWORK = sys.argv[1] if len(sys.argv) > 1 else "fastmicro"
if FRAMEWORK == "fastmicro":
    import fastmicro.flask_compat  # noqa: F401  (must precede the extension)
elif FRAMEWORK != "flask":  # pragma: no cover - misuse
    raise SystemExit(f"unknown framework {FRAMEWORK!r}")


class Checks:
    """Named expectations; a failed one is recorded, not raised, so that one
    run reports every mismatch."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.failures: list[str] = []

    def eq(self, name: str, actual: t.Any, expected: t.Any) -> None:
        self.names.append(name)
        if actual != expected:
            self.failures.append(f"{name}: expected {expected!r}, got {actual!r}")

    def true(self, name: str, value: t.Any) -> None:
        self.names.append(name)
        if not value:
            self.failures.append(f"{name}: got {value!r}")

    def report(self, scenario: t.Callable[[Checks], None]) -> None:
        """Run ``scenario`` and print the JSON report (exit status 0 unless
        the scenario itself crashed, which is reported too)."""
        error = None
        try:
            scenario(self)
        except Exception:  # reported, then asserted on by the test
            error = traceback.format_exc()
        import flask

        facts = {
            "framework": FRAMEWORK,
            "flask_class": f"{flask.Flask.__module__}.{flask.Flask.__qualname__}",
            "real_flask_files": sorted(
                name
                for name, module in sys.modules.items()
                if "site-packages" in (getattr(module, "__file__", None) or "")
                and (name == "flask" or name.startswith("flask."))
            ),
            "backend": None,
            "checks": self.names,
            "failures": self.failures,
            "error": error,
        }
        if FRAMEWORK == "fastmicro":
            from fastmicro import speedups

            facts["backend"] = speedups.backend()
        print(json.dumps(facts))
