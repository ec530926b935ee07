"""A standalone router on top of :class:`~fastmicro.routing.map.Map`.

.. versionadded:: 0.1
"""
from __future__ import annotations

import typing as t

from werkzeug.routing import MapAdapter
from werkzeug.routing import Rule

from .exceptions import NeedsFullMatch
from .map import Map

__all__ = ["Router"]

#: Redirect URLs are absolute, so redirecting needs some server name.
_SERVER_NAME = "localhost"


class Router:
    """Map URL paths to endpoints, without an application.

    ::

        router = Router()
        router.add("/users/<int:id>", "user", methods=["GET"])
        router.match("/users/42")  # ("user", {"id": 42})
        router.build("user", {"id": 42, "tab": "x"})  # "/users/42?tab=x"

    :param map_options: passed to :class:`~fastmicro.routing.map.Map`
        (``strict_slashes``, ``merge_slashes``, ``converters``, ...).

    .. versionadded:: 0.1
    """

    def __init__(self, **map_options: t.Any) -> None:
        self.map = Map(**map_options)
        self._adapter: MapAdapter | None = None

    def add(
        self,
        rule: str,
        endpoint: t.Any,
        methods: t.Iterable[str] | None = None,
        **rule_options: t.Any,
    ) -> Rule:
        """Add a rule (Werkzeug rule syntax) for ``endpoint`` and return it.

        :param rule_options: other :class:`~werkzeug.routing.Rule` arguments
            (``defaults``, ``strict_slashes``, ``redirect_to``, ...).
        """
        url_rule = Rule(rule, endpoint=endpoint, methods=methods, **rule_options)
        self.map.add(url_rule)
        return url_rule

    def _bound(self) -> MapAdapter:
        if self._adapter is None:
            self._adapter = self.map.bind(_SERVER_NAME)
        return self._adapter

    def match(self, path: str, method: str = "GET") -> tuple[t.Any, dict[str, t.Any]]:
        """Return ``(endpoint, values)`` for ``path``.

        :raises werkzeug.exceptions.NotFound: no rule matches.
        :raises werkzeug.exceptions.MethodNotAllowed: rules match only for
            other methods; ``valid_methods`` lists them.
        :raises werkzeug.routing.RequestRedirect: the rule redirects (a
            missing trailing slash, merged slashes, ``redirect_to``,
            defaults); ``new_url`` is on ``http://localhost``.
        """
        try:
            rule, values = self.map.match_path(path, method, self.map.default_subdomain)
        except NeedsFullMatch:
            # Let Werkzeug build the redirect with everything it needs.
            return self._bound().match(path, method)  # type: ignore[return-value]
        return rule.endpoint, values

    def build(
        self,
        endpoint: t.Any,
        values: t.Mapping[str, t.Any] | None = None,
        method: str | None = None,
    ) -> str:
        """Build the URL path of ``endpoint``; values that are not rule
        arguments go to the query string, as ``MapAdapter.build`` does.

        :raises werkzeug.routing.BuildError: no rule can build it.
        """
        return self._bound().build(endpoint, values, method)
