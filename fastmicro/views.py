"""Class-based views, as Flask 3.1's: :class:`View` for one
``dispatch_request`` method, :class:`MethodView` for one method per HTTP
verb."""
from __future__ import annotations

import typing as t

from .globals import current_app, request


#: The HTTP verbs a :class:`MethodView` maps to methods of the same
#: lower-case name.
http_method_funcs = frozenset(["get", "post", "head", "options", "delete", "put", "trace", "patch"])


class View:
    """A view made from a class: subclass it, implement
    :meth:`dispatch_request`, and register :meth:`as_view`::

        class Hello(View):
            init_every_request = False

            def dispatch_request(self, name):
                return f"Hello, {name}!"

        app.add_url_rule("/hello/<name>", view_func=Hello.as_view("hello"))

    .. versionadded:: 0.1
    """

    #: The methods the view is registered for; ``None`` means the
    #: default of ``route`` (``GET``, with ``HEAD`` and ``OPTIONS``).
    methods: t.ClassVar[t.Collection[str] | None] = None

    #: Whether ``OPTIONS`` is answered automatically; ``None`` means the
    #: app's default.
    provide_automatic_options: t.ClassVar[bool | None] = None

    #: Decorators applied, in order, to the view function :meth:`as_view`
    #: makes (the first is the innermost). Decorating the class itself
    #: does not decorate the view.
    decorators: t.ClassVar[list[t.Callable[..., t.Any]]] = []

    #: Make a new instance for every request. ``False`` makes one instance
    #: when :meth:`as_view` is called and shares it between requests
    #: (then keep per-request data in ``g``, not on ``self``).
    init_every_request: t.ClassVar[bool] = True

    def dispatch_request(self) -> t.Any:
        """The view: receives the URL's values as keyword arguments and
        returns a response value. Subclasses implement it."""
        raise NotImplementedError()

    @classmethod
    def as_view(cls, name: str, *class_args: t.Any, **class_kwargs: t.Any) -> t.Callable[..., t.Any]:
        """A view function for :meth:`~fastmicro.FastMicro.add_url_rule`,
        named ``name`` (the default endpoint), which calls
        :meth:`dispatch_request` on an instance made with ``class_args`` and
        ``class_kwargs``. The function carries ``view_class``, ``methods``
        and ``provide_automatic_options``."""
        if cls.init_every_request:

            def view(**kwargs: t.Any) -> t.Any:
                # Read from the function, so that a test may swap the class.
                instance = view.view_class(*class_args, **class_kwargs)  # type: ignore[attr-defined]
                return current_app.ensure_sync(instance.dispatch_request)(**kwargs)

        else:
            instance = cls(*class_args, **class_kwargs)

            def view(**kwargs: t.Any) -> t.Any:
                return current_app.ensure_sync(instance.dispatch_request)(**kwargs)

        if cls.decorators:
            # Decorators that copy the name (functools.wraps) see the
            # final one.
            view.__name__ = name
            view.__module__ = cls.__module__
            for decorator in cls.decorators:
                view = decorator(view)

        view.view_class = cls  # type: ignore[attr-defined]
        view.__name__ = name
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.methods = cls.methods  # type: ignore[attr-defined]
        view.provide_automatic_options = cls.provide_automatic_options  # type: ignore[attr-defined]
        return view


class MethodView(View):
    """A view that calls the method named after the request's verb
    (``get``, ``post``...); ``HEAD`` falls back to ``get``. Its
    :attr:`methods` are found from the methods the class defines, plus the
    ``methods`` of its bases::

        class Counter(MethodView):
            def get(self):
                return str(session.get("n", 0))

            def post(self):
                session["n"] = session.get("n", 0) + 1
                return redirect(url_for("counter"))

        app.add_url_rule("/counter", view_func=Counter.as_view("counter"))

    A method may be ``async def``; it runs through ``app.ensure_sync``.

    .. versionadded:: 0.1
    """

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" in cls.__dict__:
            return
        methods: set[str] = set()
        for base in cls.__bases__:
            base_methods = getattr(base, "methods", None)
            if base_methods:
                methods.update(base_methods)
        methods.update(verb.upper() for verb in http_method_funcs if hasattr(cls, verb))
        if methods:
            cls.methods = methods

    def dispatch_request(self, **kwargs: t.Any) -> t.Any:
        """Call the method named after the request's verb with the URL's
        values."""
        method = request.method
        meth = getattr(self, method.lower(), None)
        if meth is None and method == "HEAD":
            meth = getattr(self, "get", None)
        assert meth is not None, f"Unimplemented method {method!r}"
        return current_app.ensure_sync(meth)(**kwargs)


__all__ = ["View", "MethodView", "http_method_funcs"]
