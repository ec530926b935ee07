"""Suite-wide pytest configuration."""
from __future__ import annotations

import os

import pytest


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: builds wheels or starts servers (deselect with -m 'not slow')"
    )


#: Set in the process environment by the command line groups, as Flask's
#: ``FlaskGroup.make_context`` (and ``--debug``) do; a test that runs a CLI
#: group in-process must not leave them to later tests (``app.run()`` becomes
#: a no-op under the first, every later app runs in debug mode under the
#: second).
_CLI_FLAGS = ("FASTMICRO_RUN_FROM_CLI", "FLASK_RUN_FROM_CLI", "FASTMICRO_DEBUG", "FLASK_DEBUG")


@pytest.fixture(autouse=True)
def _restore_cli_flags():
    saved = {name: os.environ.get(name) for name in _CLI_FLAGS}
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
