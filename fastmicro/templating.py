"""Jinja2 templating, as Flask's: the app's and blueprints' template
folders, context processors, autoescaping, and the rendering signals."""
from __future__ import annotations

import typing as t

from jinja2 import BaseLoader, Template, TemplateNotFound
from jinja2 import Environment as BaseEnvironment

from .globals import _cv_request, current_app, g, request, session
from .helpers import get_flashed_messages, stream_with_context
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
        # Ask every loader, not only up to the first match, so the log can
        # say when several folders hold the same name.
        attempts: list[tuple[BaseLoader, Scaffold, tuple[str, str | None, t.Callable[[], bool] | None] | None]] = []
        first = None
        for srcobj, loader in self._iter_loaders(template):
            try:
                rv = loader.get_source(environment, template)
            except TemplateNotFound:
                rv = None
            else:
                if first is None:
                    first = rv
            attempts.append((loader, srcobj, rv))
        _explain_template_loading(self.app, template, attempts)
        if first is not None:
            return first  # type: ignore[no-any-return]
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


def _describe_loader(loader: BaseLoader) -> t.Iterator[str]:
    """Lines describing a loader: its class and its public plain settings
    (a ``FileSystemLoader``'s ``searchpath``, ``encoding``...)."""
    yield f"class: {type(loader).__module__}.{type(loader).__name__}"
    for key, value in sorted(vars(loader).items()):
        if key.startswith("_"):
            continue
        if isinstance(value, (list, tuple)):
            if all(isinstance(item, str) for item in value):
                yield f"{key}:"
                yield from (f"  - {item}" for item in value)
        elif isinstance(value, (str, int, float, bool)):
            yield f"{key}: {value!r}"


def _explain_template_loading(
    app: FastMicro,
    template: str,
    attempts: list[tuple[BaseLoader, t.Any, tuple[str, str | None, t.Any] | None]],
) -> None:
    """Log at INFO level which loaders were asked for ``template`` and what
    each answered (``EXPLAIN_TEMPLATE_LOADING``), with a hint when no
    loader, or more than one, had it."""
    lines = [f"Locating template {template!r}:"]
    found = 0
    for number, (loader, srcobj, rv) in enumerate(attempts, 1):
        if srcobj is app:
            source = f"application {srcobj.import_name!r}"
        elif hasattr(srcobj, "name") and hasattr(srcobj, "import_name"):
            source = f"blueprint {srcobj.name!r} ({srcobj.import_name})"
        else:
            source = repr(srcobj)
        lines.append(f"{number:5}: trying loader of {source}")
        lines.extend(f"       {line}" for line in _describe_loader(loader))
        if rv is None:
            lines.append("       -> no match")
        else:
            found += 1
            lines.append(f"       -> found ({rv[1] or '<string>'!r})")
    if found == 0:
        lines.append("Error: the template could not be found.")
    elif found > 1:
        lines.append("Warning: multiple loaders returned a match for the template.")
    blueprint = None
    ctx = _cv_request.get(None)
    if ctx is not None:
        blueprint = ctx.request.blueprint
    if blueprint is not None and found != 1:
        lines.append(
            f"  The template was looked up from an endpoint of the blueprint {blueprint!r}."
            " Is the template in that blueprint's template folder?"
        )
    app.logger.info("\n".join(lines))


def create_environment(app: FastMicro) -> Environment:
    """The app's Jinja environment with Flask's globals and settings: see
    :meth:`FastMicro.create_jinja_environment`."""
    options = dict(app.jinja_options)
    if "autoescape" not in options:
        options["autoescape"] = app.select_jinja_autoescape
    if "auto_reload" not in options:
        auto_reload = app.config["TEMPLATES_AUTO_RELOAD"]
        if auto_reload is None:
            auto_reload = app.debug
        options["auto_reload"] = auto_reload
    env = app.jinja_environment(app, **options)
    # The proxies, not their objects: one environment serves every request.
    env.globals.update(
        url_for=app.url_for,
        get_flashed_messages=get_flashed_messages,
        config=app.config,
        request=request,
        session=session,
        g=g,
    )
    # ``|tojson`` serializes with the app's provider.
    env.policies["json.dumps_function"] = app.json.dumps
    return env


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
]
