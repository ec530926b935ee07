"""``flask.sansio.scaffold``: what the app and blueprints share.

.. versionadded:: 0.1
"""
from __future__ import annotations

import typing as t

from .. import typing as ft
from ..helpers import get_root_path
from ..scaffold import Scaffold, _endpoint_from_view_func, _sentinel, find_package, setupmethod

# The type variables Flask's decorators are annotated with, for extensions
# that annotate their own decorators the same way.
F = t.TypeVar("F", bound=t.Callable[..., t.Any])
T_after_request = t.TypeVar("T_after_request", bound=ft.AfterRequestCallable[t.Any])
T_before_request = t.TypeVar("T_before_request", bound=ft.BeforeRequestCallable)
T_error_handler = t.TypeVar("T_error_handler", bound=ft.ErrorHandlerCallable)
T_teardown = t.TypeVar("T_teardown", bound=ft.TeardownCallable)
T_template_context_processor = t.TypeVar(
    "T_template_context_processor", bound=ft.TemplateContextProcessorCallable
)
T_url_defaults = t.TypeVar("T_url_defaults", bound=ft.URLDefaultCallable)
T_url_value_preprocessor = t.TypeVar(
    "T_url_value_preprocessor", bound=ft.URLValuePreprocessorCallable
)
T_route = t.TypeVar("T_route", bound=ft.RouteCallable)

__all__ = [
    "Scaffold",
    "setupmethod",
    "find_package",
    "get_root_path",
    "_endpoint_from_view_func",
    "_sentinel",
]
