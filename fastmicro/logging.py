"""The app's logger, set up as Flask's."""
from __future__ import annotations

import logging
import sys
import typing as t

from werkzeug.local import LocalProxy

from .globals import request

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import FastMicro


@LocalProxy
def wsgi_errors_stream() -> t.TextIO:
    """The request's ``wsgi.errors`` stream, or ``sys.stderr`` outside a
    request."""
    if request:
        return request.environ["wsgi.errors"]  # type: ignore[no-any-return]
    return sys.stderr


def has_level_handler(logger: logging.Logger) -> bool:
    """Whether a handler in the logger's chain handles its effective level."""
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


#: Logs to :func:`wsgi_errors_stream` with Flask's format.
default_handler = logging.StreamHandler(wsgi_errors_stream)  # type: ignore[arg-type]
default_handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s"))


def create_logger(app: FastMicro) -> logging.Logger:
    """The logger named after the app: DEBUG level in debug mode, and the
    default handler unless one is configured."""
    logger = logging.getLogger(app.name)
    if app.debug and not logger.level:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger
