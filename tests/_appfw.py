"""Helpers for the request-cycle suites: every test runs on two frameworks.

The ``fw`` fixture is parametrized over the real Flask and fastmicro, so the
real Flask proves each expectation and fastmicro has to match it. Test
modules import the fixtures they use::

    from _appfw import app, client, fw  # noqa: F401
"""
from __future__ import annotations

import importlib

import pytest

FRAMEWORKS = ("flask", "fastmicro")


@pytest.fixture(params=FRAMEWORKS)
def fw(request):
    """The framework module under test (``flask`` or ``fastmicro``)."""
    try:
        return importlib.import_module(request.param)
    except ImportError as exc:  # pragma: no cover - only while porting
        pytest.fail(f"cannot import {request.param}: {exc!r}")


@pytest.fixture
def app(fw):
    """A fresh application in testing mode (exceptions propagate)."""
    application = fw.Flask(__name__)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app):
    return app.test_client()


def allow_set(response) -> set[str]:
    """The ``Allow`` header as a set: its order comes from a set upstream."""
    value = response.headers.get("Allow")
    assert value is not None, "no Allow header"
    return {part.strip() for part in value.split(",")}


def user_rules(app) -> list:
    """The app's URL rules without the static route (it depends on the disk)."""
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
