"""The rule map: Werkzeug's :class:`~werkzeug.routing.Map` with our matcher.

.. versionadded:: 0.1
"""
from __future__ import annotations

import typing as t

from werkzeug.routing import Map as _WerkzeugMap

from .. import speedups

if t.TYPE_CHECKING:
    from werkzeug.routing import Rule
    from werkzeug.routing import RuleFactory

__all__ = ["Map"]

_matcher_module = speedups.load("matcher")


class Map(_WerkzeugMap):
    """A :class:`werkzeug.routing.Map` whose URL matcher is fastmicro's
    compiled one (or its pure-Python twin).

    Everything of Werkzeug's map keeps working (``add``, ``bind``,
    ``bind_to_environ``, ``iter_rules``, ``converters``, host matching,
    building); only ``Map._matcher`` is replaced, behind Werkzeug's own
    matcher interface. :meth:`match_path` adds a fast path for applications.

    .. versionadded:: 0.1
    """

    def __init__(
        self, rules: t.Iterable[RuleFactory] | None = None, *args: t.Any, **kwargs: t.Any
    ) -> None:
        # Werkzeug's __init__ creates its own matcher and adds ``rules`` to
        # it; replace the matcher first, then add the rules to ours.
        super().__init__(None, *args, **kwargs)
        self._matcher = _matcher_module.StateMachineMatcher(self._matcher.merge_slashes)
        for rulefactory in rules or ():
            self.add(rulefactory)

    def update(self) -> None:
        """Werkzeug's ``update``, which also tells the matcher which rules
        :meth:`match_path` must leave to ``MapAdapter.match``."""
        if not self._remap:
            return
        with self._remap_lock:
            if not self._remap:
                return
            self._matcher.update()
            for rules in self._rules_by_endpoint.values():
                rules.sort(key=lambda x: x.build_compare_key())
            self._matcher.set_full_match_rules(self._full_match_rules())
            self._remap = False

    def _full_match_rules(self) -> list[Rule]:
        # A match on these may redirect, and a redirect URL needs the server
        # name, script root and query string. Conservative on purpose: a
        # default redirect depends on the values, so any rule that an
        # earlier rule of its endpoint provides defaults for is included.
        found = []
        for rules in self._rules_by_endpoint.values():
            for index, rule in enumerate(rules):
                if rule.redirect_to is not None or any(
                    earlier.provides_defaults_for(rule) for earlier in rules[:index]
                ):
                    found.append(rule)
        return found

    #: ``match_path(path_info, method, domain="") -> (rule, values)``
    #:
    #: Match ``path_info`` (WSGI ``PATH_INFO``) for ``method`` without
    #: binding an adapter. ``domain`` is the subdomain (or the host with
    #: ``host_matching``), as ``MapAdapter`` would pass it. Raises
    #: :class:`~werkzeug.exceptions.NotFound`,
    #: :class:`~werkzeug.exceptions.MethodNotAllowed` or
    #: :class:`~werkzeug.routing.WebsocketMismatch` like
    #: ``MapAdapter.match``, and
    #: :class:`~fastmicro.routing.exceptions.NeedsFullMatch` whenever
    #: ``MapAdapter.match`` could redirect: the caller then uses
    #: ``bind_to_environ(environ).match(return_rule=True)``.
    #:
    #: PERF: the implementation is a function of the matcher module (a
    #: compiled function binds as a method like a Python one), so the hot
    #: path has no extra Python frame.
    #:
    #: .. versionadded:: 0.1
    match_path = _matcher_module.map_match_path
