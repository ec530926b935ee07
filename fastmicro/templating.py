"""Jinja2 templating, as Flask's: the app's and blueprints' template
folders, context processors, autoescaping, and the rendering signals."""
from __future__ import annotations

import typing as t

from jinja2 import BaseLoader, Template, TemplateNotFound
from jinja2 import Environment as BaseEnvironment

from .globals import _cv_app, _cv_request, current_app, request
from .helpers import stream_with_context
from .signals import before_render_template, template_rendered

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import FastMicro
    from .scaffold import Scaffold


class Environment(BaseEnvironment):
    """A Jinja environment that knows its app, so blueprint templates are
    found through the app's loader.

    .. versionadded:: 0.1
    """

    def __init__(self, app: FastMicro, **options: t.Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        BaseEnvironment.__init__(self, **options)
        self.app = app


class DispatchingJinjaLoader(BaseLoader):
    """Look a template up in the app's folder, then in each blueprint's.

    .. versionadded:: 0.1
    """

    def __init__(self, app: FastMicro) -> None:
        self.app = app

    def get_source(self, environment: BaseEnvironment, template: str) -> tuple[str, str | None, t.Callable[[], bool] | None]:
        if self.app.config["EXPLAIN_TEMPLATE_LOADING"]:
            return self._get_source_explained(environment, template)
        for _srcobj, loader in self._iter_loaders(template):
            try:
                return loader.get_source(environment, template)  # type: ignore[no-any-return]
            except TemplateNotFound:
                continue
        raise TemplateNotFound(template)

    def _get_source_explained(self, environment: BaseEnvironment, template: str) -> tuple[str, str | None, t.Callable[[], bool] | None]:
        attempts = []
        trv = None
        for srcobj, loader in self._iter_loaders(template):
            try:
                rv = loader.get_source(environment, template)
                if trv is None:
                    trv = rv
            except TemplateNotFound:
                rv = None
            attempts.append((loader, srcobj, rv))
        self.app.logger.info(
            "Locating template %r: %s",
            template,
            "; ".join(f"{srcobj!r} via {type(loader).__name__}: {'found' if rv else 'no match'}" for loader, srcobj, rv in attempts),
        )
        if trv is not None:
            return trv  # type: ignore[no-any-return]
        raise TemplateNotFound(template)

    def _iter_loaders(self, template: str) -> t.Iterator[tuple[Scaffold, BaseLoader]]:
        loader = self.app.jinja_loader
        if loader is not None:
            yield self.app, loader
        for blueprint in self.app.iter_blueprints():
            loader = blueprint.jinja_loader
            if loader is not None:
                yield blueprint, loader

    def list_templates(self) -> list[str]:
        result = set()
        loader = self.app.jinja_loader
        if loader is not None:
            result.update(loader.list_templates())
        for blueprint in self.app.iter_blueprints():
            loader = blueprint.jinja_loader
            if loader is not None:
                result.update(loader.list_templates())
        return list(result)


def create_environment(app: FastMicro) -> Environment:
    """The app's Jinja environment with Flask's globals and settings."""
    from .helpers import get_flashed_messages, url_for

    options = dict(app.jinja_options)
    if "autoescape" not in options:
        options["autoescape"] = app.select_jinja_autoescape
    if "auto_reload" not in options:
        auto_reload = app.config["TEMPLATES_AUTO_RELOAD"]
        if auto_reload is None:
            auto_reload = app.debug
        options["auto_reload"] = auto_reload
    env = (app.jinja_environment or Environment)(app, **options)
    env.globals.update(
        url_for=app.url_for,
        get_flashed_messages=get_flashed_messages,
        config=app.config,
        request=request,
        session=_session_proxy(),
        g=_g_proxy(),
    )
    env.policies["json.dumps_function"] = app.json.dumps
    del url_for
    return env


def _session_proxy() -> t.Any:
    from .globals import session

    return session


def _g_proxy() -> t.Any:
    from .globals import g

    return g


def _render(app: FastMicro, template: Template, context: dict[str, t.Any]) -> str:
    app.update_template_context(context)
    if before_render_template.receivers:
        before_render_template.send(app, _async_wrapper=app.ensure_sync, template=template, context=context)
    rv = template.render(context)
    if template_rendered.receivers:
        template_rendered.send(app, _async_wrapper=app.ensure_sync, template=template, context=context)
    return rv


def render_template(template_name_or_list: str | Template | list[str | Template], **context: t.Any) -> str:
    """Render a template from the template folders with ``context``.

    .. versionadded:: 0.1
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _render(app, template, context)


def render_template_string(source: str, **context: t.Any) -> str:
    """Render a template given as a string with ``context``.

    .. versionadded:: 0.1
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.from_string(source)
    return _render(app, template, context)


def _stream(app: FastMicro, template: Template, context: dict[str, t.Any]) -> t.Iterator[str]:
    app.update_template_context(context)
    if before_render_template.receivers:
        before_render_template.send(app, _async_wrapper=app.ensure_sync, template=template, context=context)

    def generate() -> t.Iterator[str]:
        yield from template.generate(context)
        if template_rendered.receivers:
            template_rendered.send(app, _async_wrapper=app.ensure_sync, template=template, context=context)

    rv = generate()
    if _cv_request.get(None) is not None:
        rv = stream_with_context(rv)
    return rv


def stream_template(template_name_or_list: str | Template | list[str | Template], **context: t.Any) -> t.Iterator[str]:
    """Render a template as a stream of strings, for a streaming response.

    .. versionadded:: 0.1
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _stream(app, template, context)


def stream_template_string(source: str, **context: t.Any) -> t.Iterator[str]:
    """Render a template string as a stream of strings.

    .. versionadded:: 0.1
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.from_string(source)
    return _stream(app, template, context)


__all__ = [
    "DispatchingJinjaLoader",
    "Environment",
    "render_template",
    "render_template_string",
    "stream_template",
    "stream_template_string",
    "_cv_app",
]
