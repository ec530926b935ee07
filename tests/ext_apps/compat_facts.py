"""What ``import flask`` gives once ``fastmicro.flask_compat`` is installed,
as one JSON report for ``tests/test_flask_extensions.py``."""
from __future__ import annotations

import importlib
import importlib.metadata
import json
import sys
import warnings

import fastmicro.flask_compat as compat  # first, before anything imports flask

import flask  # noqa: E402

facts: dict[str, object] = {
    "installed": compat.is_installed(),
    "flask_modules": sorted(compat.FLASK_MODULES),
    "flask_version": compat.FLASK_VERSION,
}

# Every Flask module resolves to the fastmicro module of the same name.
resolved = {}
for sub in sorted(compat.FLASK_MODULES - {"__main__"}):
    module = importlib.import_module(f"flask.{sub}")
    resolved[sub] = module is importlib.import_module(f"fastmicro.{sub}")
facts["resolved"] = resolved
facts["same_objects"] = [
    flask.Flask is importlib.import_module("fastmicro").Flask,
    flask.request is importlib.import_module("fastmicro.globals").request,
    importlib.import_module("flask.globals").app_ctx is importlib.import_module("fastmicro.globals").app_ctx,
]
facts["attr_submodule"] = flask.ctx.__name__  # type: ignore[attr-defined]
try:
    import flask.routing  # type: ignore[import-not-found]  # noqa: F401
except ModuleNotFoundError as e:
    facts["unknown_module"] = [type(e).__name__, e.name]
try:
    flask.no_such_name  # type: ignore[attr-defined]  # noqa: B018
except AttributeError as e:
    facts["unknown_attr"] = str(e)

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    version = flask.__version__  # type: ignore[attr-defined]
facts["version"] = [version, [w.category.__name__ for w in caught]]
facts["metadata_version"] = importlib.metadata.version("flask")
facts["metadata_version_other_spelling"] = importlib.metadata.version("Flask")
dist = importlib.metadata.distribution("flask")
facts["metadata_name"] = dist.metadata["Name"]
facts["metadata_requires"] = dist.requires
facts["metadata_files"] = dist.files
facts["metadata_summary"] = dist.metadata["Summary"]
facts["other_distribution"] = importlib.metadata.version("werkzeug")
facts["listed_first"] = next(
    d.metadata["Summary"]
    for d in importlib.metadata.distributions()
    if (d.metadata["Name"] or "").lower() == "flask"
)
# Whole-environment walks still work with the synthetic distribution in them.
facts["metadata_walks"] = [
    importlib.metadata.packages_distributions().get("flask"),
    len(importlib.metadata.entry_points(group="console_scripts")) > 0,
]
facts["isinstance_sansio_app"] = isinstance(flask.Flask("x"), importlib.import_module("flask.sansio.app").App)

compat.install()  # idempotent
facts["meta_path_count"] = sum(isinstance(f, compat.FlaskAliasFinder) for f in sys.meta_path)

compat.uninstall()
facts["after_uninstall"] = [compat.is_installed(), "flask" in sys.modules, "flask.globals" in sys.modules]
import flask as real_flask  # noqa: E402

facts["real_after_uninstall"] = real_flask.Flask.__module__
print(json.dumps(facts))
