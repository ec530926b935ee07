"""``flask.sansio.app``: the application base class, which in fastmicro is
the application class itself.

.. versionadded:: 0.1
"""
from __future__ import annotations

import typing as t

from .. import typing as ft
from ..app import FastMicro

#: The class every fastmicro application is an instance of (Flask's
#: sans-IO ``App`` base; fastmicro has no separate base class).
App = FastMicro

# The type variables Flask's app decorators are annotated with.
T_shell_context_processor = t.TypeVar(
    "T_shell_context_processor", bound=ft.ShellContextProcessorCallable
)
T_teardown = t.TypeVar("T_teardown", bound=ft.TeardownCallable)
T_template_filter = t.TypeVar("T_template_filter", bound=ft.TemplateFilterCallable)
T_template_global = t.TypeVar("T_template_global", bound=ft.TemplateGlobalCallable)
T_template_test = t.TypeVar("T_template_test", bound=ft.TemplateTestCallable)

__all__ = ["App"]
