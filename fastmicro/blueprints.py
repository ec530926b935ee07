"""Blueprints: groups of routes, hooks and handlers recorded now and replayed
on an application when it registers them, as Flask 3.1's.

A blueprint never touches an app directly. Each decorator either fills the
blueprint's own registries (keyed ``None`` as on the app; they are merged
into the app under the blueprint's registered name) or records a deferred
function that receives a :class:`BlueprintSetupState` at registration.
Nothing here runs per request: the request cycle reads the merged
registries by the names in ``request.blueprints``.
"""
from __future__ import annotations

import os
import typing as t
from collections import defaultdict
from functools import update_wrapper

from .cli import AppGroup
from .scaffold import Scaffold, _endpoint_from_view_func, _sentinel, setupmethod

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import FastMicro

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
T = t.TypeVar("T")
DeferredSetupFunction = t.Callable[["BlueprintSetupState"], None]


def _join_prefix(parent: str, child: str) -> str:
    """``parent`` and ``child`` URL prefixes joined by exactly one slash."""
    return f"{parent.rstrip('/')}/{child.lstrip('/')}"


class BlueprintSetupState:
    """What one registration of a blueprint on an app knows: passed to every
    function recorded with :meth:`Blueprint.record`.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        blueprint: Blueprint,
        app: FastMicro,
        options: t.Any,
        first_registration: bool,
    ) -> None:
        #: The application the blueprint is being registered on.
        self.app = app
        #: The blueprint being registered.
        self.blueprint = blueprint
        #: The keyword arguments given to ``register_blueprint``.
        self.options = options
        #: ``False`` when this blueprint object was already registered on
        #: the app (under another name), so one-time setup can be skipped.
        self.first_registration = first_registration

        subdomain = options.get("subdomain")
        #: The subdomain the blueprint's routes match, or ``None``.
        self.subdomain: str | None = blueprint.subdomain if subdomain is None else subdomain

        url_prefix = options.get("url_prefix")
        #: The prefix of every URL rule of the blueprint, or ``None``.
        self.url_prefix: str | None = blueprint.url_prefix if url_prefix is None else url_prefix

        #: The blueprint's name in this registration (before the parents'
        #: names are prepended).
        self.name: str = options.get("name", blueprint.name)
        #: The dotted name of the parent blueprint, ``""`` at the top.
        self.name_prefix: str = options.get("name_prefix", "")

        #: Default values given to every rule of the blueprint.
        self.url_defaults: dict[str, t.Any] = dict(blueprint.url_values_defaults)
        self.url_defaults.update(options.get("url_defaults", ()))

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[..., t.Any] | None = None,
        **options: t.Any,
    ) -> None:
        """Add a rule to the app with the blueprint's URL prefix, subdomain
        and defaults, its endpoint prefixed with the blueprint's dotted
        name."""
        if self.url_prefix is not None:
            rule = _join_prefix(self.url_prefix, rule) if rule else self.url_prefix
        options.setdefault("subdomain", self.subdomain)
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)  # type: ignore[arg-type]
        defaults = self.url_defaults
        if "defaults" in options:
            defaults = {**defaults, **options.pop("defaults")}
        full_endpoint = f"{self.name_prefix}.{self.name}.{endpoint}".lstrip(".")
        self.app.add_url_rule(rule, full_endpoint, view_func, defaults=defaults, **options)


class Blueprint(Scaffold):
    """A group of routes, hooks, error handlers and template helpers to
    register on an application (once or several times, under different
    names, or nested in another blueprint)::

        bp = Blueprint("admin", __name__, url_prefix="/admin")

        @bp.route("/")
        def index():
            return "admin home"        # endpoint "admin.index"

        app.register_blueprint(bp)

    :param name: the blueprint's name, prepended (with a dot) to its
        endpoints; may not contain a dot.
    :param import_name: the blueprint's module, usually ``__name__``; it
        locates :attr:`root_path`.
    :param static_folder: a folder of static files served by the
        ``<name>.static`` endpoint, relative to :attr:`root_path`.
    :param static_url_path: the URL of the static files (default: the
        folder's name).
    :param template_folder: a folder of templates, searched after the
        app's own.
    :param url_prefix: prepended to every URL rule of the blueprint.
    :param subdomain: the subdomain the blueprint's routes match.
    :param url_defaults: default view arguments for every rule.
    :param root_path: the blueprint's folder, when it cannot be found from
        ``import_name``.
    :param cli_group: the name of the command group that holds the
        blueprint's :attr:`cli` commands (default: the blueprint's name;
        ``None`` adds them to the app's group directly).

    .. versionadded:: 0.1
    """

    _got_registered_once = False

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, t.Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = _sentinel,  # type: ignore[assignment]
    ) -> None:
        super().__init__(
            import_name=import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if not name:
            raise ValueError("'name' may not be empty.")
        if "." in name:
            raise ValueError("'name' may not contain a dot '.' character.")
        self.name = name
        self.url_prefix = url_prefix
        self.subdomain = subdomain
        #: Functions called with a :class:`BlueprintSetupState` at each
        #: registration.
        self.deferred_functions: list[DeferredSetupFunction] = []
        self.url_values_defaults: dict[str, t.Any] = {} if url_defaults is None else url_defaults
        self.cli_group = cli_group
        #: Blueprints registered on this one, with their options.
        self._blueprints: list[tuple[Blueprint, dict[str, t.Any]]] = []
        #: The blueprint's commands, added to the app's ``cli`` group on
        #: registration (see ``cli_group``).
        self.cli = AppGroup()
        self.cli.name = self.name

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_registered_once:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the blueprint"
                f" '{self.name}'. It has already been registered at least once, any"
                " changes will not be applied consistently.\n"
                "Make sure all imports, decorators, functions, etc. needed to set up"
                " the blueprint are done before registering it."
            )

    def open_resource(self, resource: str, mode: str = "rb", encoding: str | None = "utf-8") -> t.IO[t.AnyStr]:
        """Open a file relative to :attr:`root_path` for reading (text mode
        decodes UTF-8 by default)."""
        return super().open_resource(resource, mode, encoding)

    # -- deferred setup -----------------------------------------------------

    @setupmethod
    def record(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` with a :class:`BlueprintSetupState` each time
        the blueprint is registered."""
        self.deferred_functions.append(func)

    @setupmethod
    def record_once(self, func: DeferredSetupFunction) -> None:
        """As :meth:`record`, but only on the first registration of this
        blueprint on an app."""

        def once(state: BlueprintSetupState) -> None:
            if state.first_registration:
                func(state)

        self.record(update_wrapper(once, func))

    def make_setup_state(
        self, app: FastMicro, options: dict[str, t.Any], first_registration: bool = False
    ) -> BlueprintSetupState:
        """The :class:`BlueprintSetupState` of one registration; override to
        use a subclass."""
        return BlueprintSetupState(self, app, options, first_registration)

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Nest ``blueprint`` in this one: it is registered with the app
        when this one is, its name dotted after this one's and its URL
        prefix and subdomain joined to this one's. ``options`` are those
        of :meth:`FastMicro.register_blueprint`."""
        if blueprint is self:
            raise ValueError("Cannot register a blueprint on itself")
        self._blueprints.append((blueprint, options))

    def register(self, app: FastMicro, options: dict[str, t.Any]) -> None:
        """Register the blueprint on ``app`` (called by
        :meth:`FastMicro.register_blueprint`): merge its registries under
        its dotted name, run its recorded functions, add its commands and
        register its nested blueprints.

        :raises ValueError: if the name is already registered on the app.
        """
        name_prefix = options.get("name_prefix", "")
        self_name = options.get("name", self.name)
        name = f"{name_prefix}.{self_name}".lstrip(".")

        if name in app.blueprints:
            which = "this" if app.blueprints[name] is self else "a different"
            where = f" '{name}'" if self_name != name else ""
            raise ValueError(
                f"The name '{self_name}' is already registered for"
                f" {which} blueprint{where}. Use 'name=' to"
                f" provide a unique name."
            )

        first_bp_registration = all(bp is not self for bp in app.blueprints.values())
        # Always true here (a taken name raised above); kept so the merge
        # condition reads as Flask documents it.
        first_name_registration = name not in app.blueprints

        app.blueprints[name] = self
        self._got_registered_once = True
        state = self.make_setup_state(app, options, first_bp_registration)

        if self.has_static_folder:
            state.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                view_func=self.send_static_file,
                endpoint="static",
            )

        if first_bp_registration or first_name_registration:
            self._merge_blueprint_funcs(app, name)

        for deferred in self.deferred_functions:
            deferred(state)

        self._register_commands(app, name, options.get("cli_group", self.cli_group))

        for child, child_options in self._blueprints:
            child.register(app, self._child_options(state, name, child, child_options))

    def _register_commands(self, app: FastMicro, name: str, group: str | None) -> None:
        if not self.cli.commands:
            return
        if group is None:
            # The commands go straight into the app's group.
            app.cli.commands.update(self.cli.commands)  # type: ignore[attr-defined]
            return
        self.cli.name = name if group is _sentinel else group
        app.cli.add_command(self.cli)  # type: ignore[attr-defined]

    @staticmethod
    def _child_options(
        state: BlueprintSetupState, name: str, child: Blueprint, child_options: dict[str, t.Any]
    ) -> dict[str, t.Any]:
        """The registration options of a nested blueprint: subdomains and
        URL prefixes joined to the parent's, the parent's name as prefix."""
        options = dict(child_options)

        subdomain = options.get("subdomain")
        if subdomain is None:
            subdomain = child.subdomain
        if subdomain is not None and state.subdomain is not None:
            options["subdomain"] = f"{subdomain}.{state.subdomain}"
        elif subdomain is not None:
            options["subdomain"] = subdomain
        elif state.subdomain is not None:
            options["subdomain"] = state.subdomain

        url_prefix = options.get("url_prefix")
        if url_prefix is None:
            url_prefix = child.url_prefix
        if url_prefix is not None and state.url_prefix is not None:
            options["url_prefix"] = _join_prefix(state.url_prefix, url_prefix)
        elif url_prefix is not None:
            options["url_prefix"] = url_prefix
        elif state.url_prefix is not None:
            options["url_prefix"] = state.url_prefix

        options["name_prefix"] = name
        return options

    def _merge_blueprint_funcs(self, app: FastMicro, name: str) -> None:
        """Copy this blueprint's registries into the app's, each key (``None``
        for the blueprint itself, a dotted name for nested ones) moved
        under ``name``."""

        def key_for(key: str | None) -> str:
            return name if key is None else f"{name}.{key}"

        for key, by_code in self.error_handler_spec.items():
            # A copy per registration, so that two names never share (and
            # mutate) one handler map.
            app.error_handler_spec[key_for(key)] = defaultdict(
                dict, {code: dict(handlers) for code, handlers in by_code.items()}
            )

        app.view_functions.update(self.view_functions)

        for own, merged in (
            (self.before_request_funcs, app.before_request_funcs),
            (self.after_request_funcs, app.after_request_funcs),
            (self.teardown_request_funcs, app.teardown_request_funcs),
            (self.url_default_functions, app.url_default_functions),
            (self.url_value_preprocessors, app.url_value_preprocessors),
            (self.template_context_processors, app.template_context_processors),
        ):
            for key, funcs in own.items():
                merged[key_for(key)].extend(funcs)

    # -- routes ---------------------------------------------------------------

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[..., t.Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Record a URL rule, added to the app at registration with the
        blueprint's URL prefix and its endpoint prefixed with the
        blueprint's name (see :meth:`FastMicro.add_url_rule`)."""
        if endpoint and "." in endpoint:
            raise ValueError("'endpoint' may not contain a dot '.' character.")
        if view_func and hasattr(view_func, "__name__") and "." in view_func.__name__:
            raise ValueError("'view_func' name may not contain a dot '.' character.")
        self.record(
            lambda s: s.add_url_rule(
                rule,
                endpoint,
                view_func,
                provide_automatic_options=provide_automatic_options,
                **options,
            )
        )

    # -- app-wide variants ------------------------------------------------------

    @setupmethod
    def app_template_filter(self, name: str | None = None) -> t.Callable[[T], T]:
        """Register a template filter for every template of the app."""

        def decorator(f: T) -> T:
            self.add_app_template_filter(f, name=name)  # type: ignore[arg-type]
            return f

        return decorator

    @setupmethod
    def add_app_template_filter(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        """Register ``f`` as a template filter for every template of the app."""

        def register(state: BlueprintSetupState) -> None:
            state.app.jinja_env.filters[name or f.__name__] = f

        self.record_once(register)

    @setupmethod
    def app_template_test(self, name: str | None = None) -> t.Callable[[T], T]:
        """Register a template test for every template of the app."""

        def decorator(f: T) -> T:
            self.add_app_template_test(f, name=name)  # type: ignore[arg-type]
            return f

        return decorator

    @setupmethod
    def add_app_template_test(self, f: t.Callable[..., bool], name: str | None = None) -> None:
        """Register ``f`` as a template test for every template of the app."""

        def register(state: BlueprintSetupState) -> None:
            state.app.jinja_env.tests[name or f.__name__] = f

        self.record_once(register)

    @setupmethod
    def app_template_global(self, name: str | None = None) -> t.Callable[[T], T]:
        """Register a template global for every template of the app."""

        def decorator(f: T) -> T:
            self.add_app_template_global(f, name=name)  # type: ignore[arg-type]
            return f

        return decorator

    @setupmethod
    def add_app_template_global(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        """Register ``f`` as a template global for every template of the app."""

        def register(state: BlueprintSetupState) -> None:
            state.app.jinja_env.globals[name or f.__name__] = f

        self.record_once(register)

    def _record_app_hook(self, registry: str, f: t.Callable[..., t.Any]) -> None:
        # Appended to the app's own (``None``) list of ``registry`` once.
        self.record_once(lambda s: getattr(s.app, registry).setdefault(None, []).append(f))

    @setupmethod
    def before_app_request(self, f: F) -> F:
        """As :meth:`before_request`, for every request of the app."""
        self._record_app_hook("before_request_funcs", f)
        return f

    @setupmethod
    def after_app_request(self, f: F) -> F:
        """As :meth:`after_request`, for every request of the app."""
        self._record_app_hook("after_request_funcs", f)
        return f

    @setupmethod
    def teardown_app_request(self, f: F) -> F:
        """As :meth:`teardown_request`, for every request of the app."""
        self._record_app_hook("teardown_request_funcs", f)
        return f

    @setupmethod
    def app_context_processor(self, f: F) -> F:
        """As :meth:`context_processor`, for every template of the app."""
        self._record_app_hook("template_context_processors", f)
        return f

    @setupmethod
    def app_url_value_preprocessor(self, f: F) -> F:
        """As :meth:`url_value_preprocessor`, for every request of the app."""
        self._record_app_hook("url_value_preprocessors", f)
        return f

    @setupmethod
    def app_url_defaults(self, f: F) -> F:
        """As :meth:`url_defaults`, for every URL the app builds."""
        self._record_app_hook("url_default_functions", f)
        return f

    @setupmethod
    def app_errorhandler(self, code: type[Exception] | int) -> t.Callable[[F], F]:
        """As :meth:`errorhandler`, for every request of the app."""

        def decorator(f: F) -> F:
            def register(state: BlueprintSetupState) -> None:
                state.app.errorhandler(code)(f)

            self.record_once(register)
            return f

        return decorator


__all__ = ["Blueprint", "BlueprintSetupState"]
