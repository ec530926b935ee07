"""What every fuzz target shares: which implementations it compares, how a
call's outcome is compared, and how the fuzzer's bytes become arguments.

A target calls the implementation fastmicro runs (``speedups.load``) and a
baseline on the same input:

- compiled backend: the baseline is the pure-Python twin of the hot path;
- pure backend (``FASTMICRO_NO_EXTENSIONS=1``): the compiled side is not
  used, so the baseline is the reference fastmicro copies (Werkzeug,
  itsdangerous, Flask) wherever one exists.

Either way a difference in result, exception type or warnings is a
:class:`Finding`, and so is an exception the target did not list as
documented (Werkzeug's own ``ValueError`` from ``quote_etag``, the
``BadSignature`` family...). A finding is raised out of the target, which
atheris reports as a crash and libFuzzer saves the input of.
"""
from __future__ import annotations

import importlib
import importlib.util
import types
import typing as t
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import atheris

from fastmicro import speedups

__all__ = [
    "Finding",
    "Outcome",
    "Reader",
    "backend_modules",
    "check",
    "outcome",
    "snapshot",
]


class Finding(AssertionError):
    """Two implementations disagree, or one raised what it must not."""


def signing_on(core_module: types.ModuleType) -> types.ModuleType:
    """A separate ``fastmicro.signing`` module running on ``core_module``."""
    spec = importlib.util.find_spec("fastmicro.signing")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    saved = speedups._loaded["signing"]
    speedups._loaded["signing"] = (core_module, "fuzz")
    try:
        spec.loader.exec_module(module)
    finally:
        speedups._loaded["signing"] = saved
    return module


def backend_modules(hot_path: str) -> tuple[types.ModuleType, types.ModuleType | None]:
    """The module fastmicro runs for ``hot_path`` and, on the compiled
    backend, its pure twin (``None`` on the pure backend).

    Refuses to run when the selected backend is not the requested one: a
    missing build must not quietly fuzz the twin against itself.
    """
    selected = speedups.backends()[hot_path]
    wanted = "pure" if speedups.NO_EXTENSIONS else "compiled"
    if selected != wanted:
        raise RuntimeError(
            f"hot path {hot_path!r} runs {selected}, expected {wanted}: build the "
            "extensions (pip install -e .) or set FASTMICRO_NO_EXTENSIONS=1"
        )
    module = speedups.load(hot_path)
    if selected == "pure":
        return module, None
    return module, importlib.import_module(speedups.HOT_PATHS[hot_path][1])


# -- outcomes -------------------------------------------------------------------


@dataclass
class Outcome:
    """What one call did: its result's snapshot or its exception, and the
    warnings it emitted."""

    value: t.Any = None
    snap: t.Any = None
    error: BaseException | None = None
    warned: tuple[tuple[str, str], ...] = ()

    def key(self, messages: bool) -> tuple[t.Any, ...]:
        if self.error is not None:
            detail = str(self.error) if messages else None
            return ("raised", type(self.error).__name__, detail, self.warned)
        return ("ok", self.snap, self.warned)

    def describe(self) -> str:
        if self.error is not None:
            return f"raised {type(self.error).__qualname__}: {self.error!s:.300}"
        return f"returned {self.snap!r:.600}"


def outcome(
    call: t.Callable[[], t.Any], snap: t.Callable[[t.Any], t.Any] | None = None
) -> Outcome:
    """Run ``call`` once, recording its result (through ``snap``, default
    :func:`snapshot`), or its exception, and every warning it emits."""
    snap = snap or snapshot
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is compared
            result = Outcome(error=exc)
        else:
            try:
                result = Outcome(value=value, snap=snap(value))
            except Exception as exc:  # noqa: BLE001 - reading the result raised
                result = Outcome(value=value, snap=("snapshot raised", type(exc).__name__))
    result.warned = tuple((w.category.__name__, str(w.message)) for w in caught)
    return result


def check(
    what: str,
    subject: t.Callable[[], t.Any],
    baseline: t.Callable[[], t.Any] | None,
    *,
    allowed: tuple[type[BaseException], ...] = (),
    messages: bool = False,
    snap: t.Callable[[t.Any], t.Any] | None = None,
) -> Outcome:
    """Compare ``subject()`` with ``baseline()`` (when given) and return the
    subject's outcome.

    Raises :class:`Finding` when the results, exception types (and with
    ``messages`` the exception texts) or warnings differ, or when the
    subject raised an exception that is not an instance of ``allowed``.
    """
    got = outcome(subject, snap)
    if got.error is not None and not isinstance(got.error, allowed):
        raise Finding(f"{what}: undocumented exception: {got.describe()}") from got.error
    if baseline is not None:
        want = outcome(baseline, snap)
        if got.key(messages) != want.key(messages):
            raise Finding(
                f"{what}: implementations differ\n  subject  {got.describe()} "
                f"{got.warned}\n  baseline {want.describe()} {want.warned}"
            )
    return got


# -- snapshots --------------------------------------------------------------------

_PLAIN = (str, bytes, int, float, bool, type(None))


def snapshot(value: t.Any) -> t.Any:
    """A plain, comparable picture of ``value``: its type's name (compiled
    and pure classes share names, not identities) and all its state."""
    kind = type(value).__name__
    if isinstance(value, _PLAIN):
        return (kind, value)
    # Before the containers: Accept is a list, the cache controls are dicts.
    state = _datastructure_state(value)
    if state is not None:
        return (kind, state)
    if isinstance(value, (tuple, list)):
        return (kind, [snapshot(v) for v in value])
    if isinstance(value, (set, frozenset)):
        return (kind, sorted(repr(snapshot(v)) for v in value))
    if isinstance(value, (datetime, date, time, timedelta)):
        tz = getattr(value, "tzinfo", None)
        return (kind, value.isoformat() if not isinstance(value, timedelta) else value, repr(tz))
    items = getattr(value, "items", None)
    if isinstance(value, dict) and callable(items):
        try:
            pairs = list(value.items(multi=True))  # a MultiDict: every value, in order
        except TypeError:
            pairs = list(value.items())
        return (kind, [(snapshot(k), snapshot(v)) for k, v in pairs])
    return (kind, repr(value))


def _datastructure_state(value: t.Any) -> t.Any:
    """The state of the Werkzeug datastructures the parsers return."""
    from werkzeug import datastructures as ds

    if isinstance(value, ds.Accept):
        return (
            [(snapshot(v), snapshot(q)) for v, q in value],
            value.provided,
            value.to_header(),
            repr(value),
        )
    if isinstance(value, ds.ETags):
        return (sorted(value._strong), sorted(value._weak), value.star_tag, _header(value))
    if isinstance(value, ds.Range):
        return (value.units, snapshot(list(value.ranges)), _header(value))
    if isinstance(value, ds.ContentRange):
        return (value.units, value.start, value.stop, value.length, _header(value))
    if isinstance(value, ds.IfRange):
        return (value.etag, snapshot(value.date), _header(value))
    if isinstance(value, (ds.Authorization, ds.WWWAuthenticate)):
        parameters = None if value.parameters is None else snapshot(dict(value.parameters))
        return (value.type, parameters, value.token, _header(value))
    if isinstance(value, ds.cache_control._CacheControl):
        return (list(value.items()), value.provided, _header(value))
    return None


def _header(value: t.Any) -> t.Any:
    try:
        return ("ok", value.to_header())
    except Exception as exc:  # noqa: BLE001 - compared as an outcome
        return ("raised", type(exc).__name__)


# -- input ---------------------------------------------------------------------------


class Reader:
    """Arguments from the fuzzer's bytes. Choices come from the end of the
    input and text from the front (atheris' ``FuzzedDataProvider``), so a
    mutation of the text rarely changes which function is called."""

    def __init__(self, data: bytes) -> None:
        self._fdp = atheris.FuzzedDataProvider(data)

    def pick(self, options: t.Sequence[t.Any]) -> t.Any:
        return options[self._fdp.ConsumeIntInRange(0, len(options) - 1)]

    def flag(self) -> bool:
        return self._fdp.ConsumeBool()

    def number(self, low: int, high: int) -> int:
        return self._fdp.ConsumeIntInRange(low, high)

    def raw(self, limit: int | None = None) -> bytes:
        """Up to ``limit`` bytes (all that are left without one)."""
        if limit is None:
            return self._fdp.ConsumeBytes(self._fdp.remaining_bytes())
        return self._fdp.ConsumeBytes(self._fdp.ConsumeIntInRange(0, limit))

    def text(self, limit: int | None = None) -> str:
        """A string: usually the bytes as latin-1 (what a WSGI server hands
        over), sometimes as UTF-8 with invalid bytes kept as lone surrogates
        (any ``str`` a caller could pass)."""
        wsgi = self.flag() or self.flag()
        data = self.raw(limit)
        return data.decode("latin-1") if wsgi else data.decode("utf-8", "surrogateescape")

    @property
    def remaining(self) -> int:
        return self._fdp.remaining_bytes()
