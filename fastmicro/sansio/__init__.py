"""The names Flask keeps in ``flask.sansio``, for code that imports them
from there.

Flask splits its app, blueprint and scaffold classes into a sans-IO base
(``flask.sansio.*``, shared with Quart) and a WSGI subclass. fastmicro is
WSGI only and has one class of each; these modules name those classes, so
that ``isinstance(app, flask.sansio.app.App)`` and imports such as
``from flask.sansio.scaffold import setupmethod`` work under
:mod:`fastmicro.flask_compat`.

.. versionadded:: 0.1
"""
from __future__ import annotations
