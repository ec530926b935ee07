"""The same nine-scenario app on every framework of the comparison.

``flask_style.make_app(module)`` builds one source on ``flask`` or
``fastmicro``; ``falcon_app``, ``bottle_app`` and ``raw_wsgi`` are the
equivalents. :func:`build_apps` makes them all and :func:`self_check` proves
they answer alike before anything is timed.

A framework is a set of apps by role: ``"main"`` serves every scenario but
``session``, which ``"session"`` serves. Only the Flask-style frameworks
have a separate session app (the one with a secret key, see
``flask_style.make_session_app``); for the others both roles are one app.
"""
from __future__ import annotations

import importlib

from .common import (
    BODY_KEY,
    SCENARIO_NAMES,
    Response,
    Scenario,
    call,
    check_response,
    fresh_environ,
    load_routes,
    routes_file,
    scenarios,
)

#: Report/timing order: the floor first, the reference last.
FRAMEWORKS = ("raw", "fastmicro", "falcon", "bottle", "flask")
LABELS = {
    "raw": "raw WSGI",
    "fastmicro": "fastmicro",
    "falcon": "Falcon",
    "bottle": "Bottle",
    "flask": "Flask",
}

__all__ = [
    "BODY_KEY", "FRAMEWORKS", "LABELS", "SCENARIO_NAMES", "Response", "Scenario", "app_for",
    "build_app", "build_apps", "build_framework", "call", "check_response", "check_table",
    "fastmicro_status", "fresh_environ", "import_fastmicro", "load_routes", "notes",
    "routes_file", "scenarios", "self_check",
]


def notes() -> dict:
    """``{framework: {scenario: why it is expressed with outside help}}``."""
    from . import bottle_app

    return {"bottle": dict(bottle_app.NOTES)}


def app_for(app_map: dict, framework: str, scenario) -> object:
    """The WSGI app of ``framework`` (from :func:`build_apps`) serving ``scenario``."""
    roles = app_map[framework]
    return roles.get(scenario.app, roles["main"])


def import_fastmicro():
    """``(module, None)`` when fastmicro's Flask API is usable, else ``(None, why)``."""
    try:
        module = importlib.import_module("fastmicro")
    except Exception as exc:  # noqa: BLE001 - any failure means "not usable"
        return None, f"`import fastmicro` failed: {type(exc).__name__}: {exc}"
    if not hasattr(module, "Flask"):
        return None, (
            f"fastmicro ({getattr(module, '__file__', '?')}) has no `Flask` yet: "
            "the app core is not in place"
        )
    return module, None


def fastmicro_status() -> dict:
    """Availability, backend and location of fastmicro, for reports."""
    module, reason = import_fastmicro()
    info = {"available": module is not None, "reason": reason, "backend": None,
            "hot_paths": None, "file": None, "version": None}
    try:
        speedups = importlib.import_module("fastmicro.speedups")
        info["backend"] = speedups.backend()
        info["hot_paths"] = speedups.backends()
    except Exception as exc:  # noqa: BLE001
        info["backend_error"] = f"{type(exc).__name__}: {exc}"
    if module is not None:
        info["file"] = getattr(module, "__file__", None)
        info["version"] = getattr(module, "__version__", None)
    return info


def build_app(framework: str, routes):
    """One framework's app on the ``[(METHOD, path)]`` table ``routes``."""
    if framework == "raw":
        from .raw_wsgi import make_app
        return make_app(routes)
    if framework == "falcon":
        from .falcon_app import make_app
        return make_app(routes)
    if framework == "bottle":
        from .bottle_app import make_app
        return make_app(routes)
    if framework in ("flask", "fastmicro"):
        from .flask_style import make_app
        if framework == "fastmicro":
            module, reason = import_fastmicro()
            if module is None:
                raise RuntimeError(f"fastmicro is not available: {reason}")
        else:
            module = importlib.import_module("flask")
        return make_app(module, routes)
    raise ValueError(f"unknown framework {framework!r}; choose from {FRAMEWORKS}")


def build_framework(framework: str, routes) -> dict:
    """``{role: app}`` of one framework (roles ``"main"`` and ``"session"``)."""
    main = build_app(framework, routes)
    if framework in ("flask", "fastmicro"):
        from .flask_style import make_session_app
        module = importlib.import_module(framework)
        return {"main": main, "session": make_session_app(module)}
    return {"main": main, "session": main}


def build_apps(routes, frameworks=FRAMEWORKS) -> tuple[dict, dict]:
    """``({framework: {role: app}}, {framework: why it was left out})``.

    Only an unavailable fastmicro is left out quietly; any other failure
    raises.
    """
    apps, skipped = {}, {}
    for framework in frameworks:
        if framework == "fastmicro":
            module, reason = import_fastmicro()
            if module is None:
                skipped[framework] = reason
                continue
        apps[framework] = build_framework(framework, routes)
    return apps, skipped


def self_check(apps: dict, scenario_list) -> tuple[list[str], list[str]]:
    """Run every scenario once on every app: ``(errors, warnings)``.

    Errors: wrong status, content type or body. Warnings: fastmicro's status
    line or headers differ from Flask's while status/body/type agree.
    """
    errors, warnings = [], []
    for scenario in scenario_list:
        env = scenario.environ()
        responses = {}
        for framework in apps:
            app = app_for(apps, framework, scenario)
            try:
                resp = call(app, env)
            except Exception as exc:  # noqa: BLE001 - report, don't stop
                errors.append(f"{framework} {scenario.name} ({scenario.method} "
                              f"{scenario.url}): raised {type(exc).__name__}: {exc}")
                continue
            responses[framework] = resp
            for problem in check_response(framework, scenario, resp):
                errors.append(f"{framework} {scenario.name} ({scenario.method} "
                              f"{scenario.url}): {problem}")
        fm, fl = responses.get("fastmicro"), responses.get("flask")
        if fm is not None and fl is not None:
            if fm.body != fl.body:
                errors.append(f"fastmicro {scenario.name}: body differs from Flask's: "
                              f"{fm.body[:300]!r} != {fl.body[:300]!r}")
            if fm.status != fl.status:
                warnings.append(f"fastmicro {scenario.name}: status line {fm.status!r}, "
                                f"Flask sends {fl.status!r}")
            # Set-Cookie carries a timestamp, which may tick between the calls.
            fm_h = sorted((k.lower(), v) for k, v in fm.headers if k.lower() != "set-cookie")
            fl_h = sorted((k.lower(), v) for k, v in fl.headers if k.lower() != "set-cookie")
            if fm_h != fl_h:
                warnings.append(f"fastmicro {scenario.name}: headers {fm.headers!r}, "
                                f"Flask sends {fl.headers!r}")
    return errors, warnings


def check_table(apps: dict, routes) -> list[str]:
    """Request every route of the table on every app; the errors found.

    Proves each framework registered the whole table (not only the route the
    late-route scenario times) and that all of them pick the same rule.
    """
    from .common import HTML, github_body, param_names, sample_path

    errors = []
    for method, route in routes:
        url, values = sample_path(route)
        expected = Scenario(f"table {method} {route}", "", method, url, "", 200, HTML,
                            github_body(method, route, param_names(route), values).encode())
        env = expected.environ()
        for framework in apps:
            app = app_for(apps, framework, expected)
            try:
                resp = call(app, env)
            except Exception as exc:  # noqa: BLE001
                errors.append(f"{framework} {method} {url}: raised {type(exc).__name__}: {exc}")
                continue
            for problem in check_response(framework, expected, resp):
                errors.append(f"{framework} {method} {url}: {problem}")
    return errors
