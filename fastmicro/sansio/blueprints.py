"""``flask.sansio.blueprints``: blueprints and their registration state.

.. versionadded:: 0.1
"""
from __future__ import annotations

from ..blueprints import Blueprint, BlueprintSetupState

# The type variables Flask's blueprint decorators are annotated with,
# re-exported from where this package defines them.
from .app import T_template_filter as T_template_filter
from .app import T_template_global as T_template_global
from .app import T_template_test as T_template_test
from .scaffold import T_after_request as T_after_request
from .scaffold import T_before_request as T_before_request
from .scaffold import T_error_handler as T_error_handler
from .scaffold import T_teardown as T_teardown
from .scaffold import T_template_context_processor as T_template_context_processor
from .scaffold import T_url_defaults as T_url_defaults
from .scaffold import T_url_value_preprocessor as T_url_value_preprocessor

__all__ = ["Blueprint", "BlueprintSetupState"]
