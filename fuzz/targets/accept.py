"""Fuzz target: the ``accept`` hot path (``ext/accept.pyx`` /
``fastmicro/http/_pyaccept.py``): ``parse_accept_header`` into each
``Accept`` class, then matching random offers against the result
(``quality``, ``in``, ``find``, ``index``, ``[]``, ``best_match``, twice for
the compiled memo), and the module's helpers on the same text.

Baseline: the pure twin (compiled backend) or Werkzeug 3.1's
``parse_accept_header`` and classes (pure backend). The helpers
(``split_list``, ``parse_item``...) have no Werkzeug counterpart: on the pure
backend they are run for undocumented exceptions only.

Werkzeug 3.1.8 raises ``IndexError`` for a parameter named ``*`` (``Accept:
text/html;*=1``: ``dump_options_header`` reads ``key[-1]`` of the empty key
its ``parse_options_header`` made of it), a 500 in Flask; fastmicro gives
the same (tests/test_fuzz_regressions.py::test_accept_parameter_named_star),
so it is allowed here, and must be raised by both sides alike.
"""
from __future__ import annotations

import typing as t

from werkzeug.datastructures import Accept, CharsetAccept, LanguageAccept, MIMEAccept
from werkzeug.http import parse_accept_header as werkzeug_parse

from harness import Reader, backend_modules, check

DESCRIPTION = "parse_accept_header into every Accept class, best_match/quality/in on random offers"
#: Instrumented for Python coverage: the code this input can reach.
INSTRUMENT = ("fastmicro.http", "werkzeug.http", "werkzeug.datastructures.accept")

subject, twin = backend_modules("accept")

CLASSES = [None, Accept, MIMEAccept, LanguageAccept, CharsetAccept]
# MIMEAccept refuses an offer that is not a mimetype (ValueError), as
# Werkzeug's; index() of a value not there is a ValueError too.
MATCH_ERRORS = (ValueError,)
# Werkzeug's IndexError on a parameter named "*" (see the docstring).
PARSE_ERRORS = (IndexError,)
HELPERS = ["split_list", "unquote", "parse_item", "parameters", "is_q", "quote"]


def matching(result: t.Any, offers: list[str]) -> list[tuple[str, t.Callable[[], t.Any]]]:
    """Every matching call a view could make, as (name, call) pairs."""
    calls: list[tuple[str, t.Callable[[], t.Any]]] = []
    for offer in offers:
        calls += [
            (f"quality({offer!r})", lambda o=offer: result.quality(o)),
            (f"in {offer!r}", lambda o=offer: o in result),
            (f"find({offer!r})", lambda o=offer: result.find(o)),
            (f"index({offer!r})", lambda o=offer: result.index(o)),
            (f"[{offer!r}]", lambda o=offer: result[o]),
        ]
    calls += [
        ("best_match(list)", lambda: result.best_match(offers)),
        ("best_match(list) again", lambda: result.best_match(list(offers))),
        ("best_match(tuple, default)", lambda: result.best_match(tuple(offers), "default")),
        ("best_match(reversed)", lambda: result.best_match(offers[::-1])),
        ("best_match(iterator)", lambda: result.best_match(iter(offers))),
    ]
    if isinstance(result, MIMEAccept):
        calls += [
            ("accept_html", lambda: result.accept_html),
            ("accept_json", lambda: result.accept_json),
        ]
    return calls


def test_one_input(data: bytes) -> None:
    reader = Reader(data)
    cls = reader.pick(CLASSES)
    offers = [reader.text(12) for _ in range(reader.number(0, 4))]
    value = reader.text()
    theirs = twin.parse_accept_header if twin is not None else werkzeug_parse
    parsed = check(
        f"parse_accept_header({value!r:.200}, {cls})",
        lambda: subject.parse_accept_header(value, cls),
        lambda: theirs(value, cls),
        allowed=PARSE_ERRORS,
        messages=True,
    )
    if parsed.error is not None:
        return
    ours, reference = parsed.value, theirs(value, cls)
    offers += [item for item, _ in reference][:3]
    for (name, call), (_, reference_call) in zip(matching(ours, offers), matching(reference, offers)):
        check(f"{cls} {value!r:.200}: {name}", call, reference_call, allowed=MATCH_ERRORS)
    helper = reader.pick(HELPERS)
    item = value.split(",")[0]
    check(
        f"{helper}({item!r:.200})",
        lambda: getattr(subject, helper)(item),
        None if twin is None else (lambda: getattr(twin, helper)(item)),
        allowed=PARSE_ERRORS,
    )
