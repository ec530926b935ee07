"""The documentation's code cannot rot: it runs here.

- docs/quickstart.md, and the topic pages in ``TOPIC_PAGES``: every
  ```python block runs, in order, in one namespace,
  and then every ```pycon block, in order, is a doctest against that
  namespace (an application is set up completely before it serves: Flask
  refuses new routes after the first request). A block after ``<!-- file: PATH -->`` is written to
  PATH (a template) instead. The page runs on fastmicro and, with its imports
  pointed at the real Flask, on Flask, so Flask proves every output shown.
- docs/config.md documents every key of ``FastMicro.default_config``.
- docs/api.rst names every public name.
"""
from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"

_FENCE = re.compile(
    r"(?:<!-- (?:file: (?P<file>[^ ]+)|(?P<skip>skip)[^>]*) -->\s*\n)?"
    r"^```(?P<info>[^\n`]*)\n(?P<body>.*?)^```\s*$",
    re.MULTILINE | re.DOTALL,
)


def fenced_blocks(markdown: str) -> list[tuple[str, str | None, str, int]]:
    """``(info, file, body, line)`` of each fenced block, in order. A block
    after ``<!-- skip... -->`` has the info ``skip``: it is not run."""
    return [
        (
            "skip" if m["skip"] else m["info"].strip(),
            m["file"],
            m["body"],
            markdown.count("\n", 0, m.start("body")) + 1,
        )
        for m in _FENCE.finditer(markdown)
    ]


def test_fenced_blocks_parser() -> None:
    text = "x\n<!-- file: a/b.html -->\n\n```jinja\n{{ x }}\n```\n```python\nx = 1\n```\n"
    assert fenced_blocks(text) == [("jinja", "a/b.html", "{{ x }}\n", 5), ("python", None, "x = 1\n", 8)]
    skipped = "<!-- skip: not runnable -->\n\n```python\nimport nowhere\n```\n"
    assert fenced_blocks(skipped) == [("skip", None, "import nowhere\n", 4)]


def _for_framework(code: str, framework: str) -> str:
    if framework == "flask":
        code = code.replace("from fastmicro.views import", "from flask.views import")
        code = code.replace("from fastmicro import", "from flask import")
    return code


def run_page(page: str, framework: str, tmp_path: Path) -> tuple[dict, dict[str, int]]:
    """Run a page's samples on ``framework``: its ``python`` blocks in order,
    then its ``pycon`` blocks in order as doctests, in one namespace."""
    namespace: dict = {"__name__": "docs_sample"}
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    parser = doctest.DocTestParser()
    ran = {"python": 0, "pycon": 0}
    blocks = fenced_blocks((DOCS / page).read_text())

    for info, file, body, line in blocks:
        where = f"docs/{page}:{line}"
        if file is not None:
            target = tmp_path / file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body)
        elif info == "python":
            exec(compile(_for_framework(body, framework), where, "exec"), namespace)
            ran["python"] += 1

    for info, file, body, line in blocks:
        where = f"docs/{page}:{line}"
        if info == "pycon" and file is None:
            test = parser.get_doctest(_for_framework(body, framework), namespace, where, where, line)
            result = runner.run(test, clear_globs=False)
            namespace.update(test.globs)  # DocTest works on a copy
            assert result.failed == 0, f"{where}: doctest failed (output above)"
            ran["pycon"] += 1
    return namespace, ran


@pytest.mark.parametrize("framework", ["flask", "fastmicro"])
def test_quickstart_runs(framework, tmp_path, monkeypatch) -> None:
    fw = importlib.import_module(framework)
    # The samples' Flask(__name__) finds templates/ in the working directory,
    # as it does for a script that is not an importable module.
    monkeypatch.chdir(tmp_path)
    namespace, ran = run_page("quickstart.md", framework, tmp_path)
    # The samples really ran on the framework under test.
    assert isinstance(namespace["app"], fw.Flask)
    assert ran["python"] >= 15 and ran["pycon"] >= 15, ran


#: Topic pages whose samples are self-contained: they run too.
TOPIC_PAGES = ["sessions.md", "views.md", "blueprints.md", "signals.md",
               "templating.md", "testing.md", "security.md"]


@pytest.mark.parametrize("framework", ["flask", "fastmicro"])
@pytest.mark.parametrize("page", TOPIC_PAGES)
def test_topic_page_samples_run(page, framework, tmp_path, monkeypatch) -> None:
    fw = importlib.import_module(framework)
    monkeypatch.chdir(tmp_path)
    namespace, ran = run_page(page, framework, tmp_path)
    assert isinstance(namespace["app"], fw.Flask)
    assert ran["python"] >= 1 and ran["pycon"] >= 1, ran


def test_python_samples_parse() -> None:
    """Every Python block parses, the skipped ones too."""
    for page in ["quickstart.md", *TOPIC_PAGES, "cli.md", "config.md"]:
        for info, file, body, line in fenced_blocks((DOCS / page).read_text()):
            if info in ("python", "skip") and file is None:
                compile(body, f"docs/{page}:{line}", "exec")


def test_config_reference_has_every_key() -> None:
    from fastmicro import FastMicro

    page = (DOCS / "config.md").read_text()
    documented = set(re.findall(r"^### ([A-Z_]+)$", page, re.MULTILINE))
    assert documented == set(FastMicro.default_config)
    for key, value in FastMicro.default_config.items():
        section = page.split(f"### {key}\n", 1)[1].split("\n### ", 1)[0]
        if isinstance(value, (bool, str, type(None))):
            assert f"Default `{value!r}`" in section or f'Default `"{value}"`' in section, key


def _public_names(module) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            n for n, v in vars(module).items()
            if not n.startswith("_") and not isinstance(v, type(module)) and n != "annotations"
            and getattr(v, "__module__", module.__name__) != "typing"
        ]
    return list(names)


@pytest.mark.parametrize(
    "module_name",
    ["fastmicro", "fastmicro.signing", "fastmicro.routing", "fastmicro.http",
     "fastmicro.testing", "fastmicro.views", "fastmicro.blueprints", "fastmicro.json",
     "fastmicro.json.tag", "fastmicro.speedups", "fastmicro.config"],
)
def test_api_reference_names_every_public_name(module_name) -> None:
    module = importlib.import_module(module_name)
    page = (DOCS / "api.rst").read_text()
    missing = [
        n for n in _public_names(module)
        if not re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", page)
        and n not in {"T", "import_string"}  # a TypeVar and a Werkzeug helper import
    ]
    assert not missing, f"{module_name}: not in docs/api.rst: {missing}"
