"""Suite-wide pytest configuration."""
from __future__ import annotations


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: builds wheels or starts servers (deselect with -m 'not slow')"
    )
