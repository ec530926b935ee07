"""Sphinx configuration for fastmicro's documentation.

Build with ``make docs`` (or ``sphinx-build -W --keep-going -b html docs
docs/_build/html``); warnings are errors.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The API reference is read from the pure-Python twins: they carry the same
# docstrings as the compiled modules plus real signatures, and the pages then
# do not depend on whether a compiler was there when fastmicro was built.
os.environ.setdefault("FASTMICRO_NO_EXTENSIONS", "1")

import fastmicro  # noqa: E402

project = "fastmicro"
author = "the fastmicro authors"
copyright = "2026, the fastmicro authors"
release = fastmicro.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

# Markdown: fenced ```{directive} blocks, ::: blocks, definition lists, and
# heading anchors so pages can link to #sections.
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
# Members are asked for per directive in api.rst: a module's re-exports
# (Werkzeug's Rule, itsdangerous's exceptions) are upstream's to document.
autodoc_default_options = {"show-inheritance": True}
# Docstrings are reST; Google/NumPy sections are not used.
napoleon_google_docstring = False
napoleon_numpy_docstring = False

# Docstrings refer to Werkzeug, Jinja, click and itsdangerous objects the
# pages do not document themselves; without network access those links stay
# plain text instead of failing the build.
nitpicky = False
suppress_warnings = ["myst.xref_missing"]

html_theme = "furo"
html_title = f"fastmicro {release}"
html_static_path = ["_static"]
