"""The ``fastmicro`` command line, checked against Flask's ``flask`` command.

Each test runs on both frameworks (the ``fw`` fixture) with click's test
runner; the only differences allowed are the names (``Flask`` becomes
``fastmicro``, ``FLASK_`` becomes ``FASTMICRO_``, ``.flaskenv`` becomes
``.fastmicroenv``), which :func:`same` removes before comparing.
"""
from __future__ import annotations

import importlib
import itertools
import os
import pathlib
import re
import sys
import sysconfig
import textwrap
import types

import click
import pytest
from click.testing import CliRunner

import fastmicro

from _appfw import app, fw  # noqa: F401

_counter = itertools.count()


def same(text: str) -> str:
    """``text`` with Flask's names replaced by fastmicro's."""
    text = text.replace("FLASK_", "FASTMICRO_").replace(".flaskenv", ".fastmicroenv")
    return re.sub(r"\bFlask\b|\bflask\b", "fastmicro", text)


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Run in an empty folder, with no app/debug variables, and forget the
    modules and ``sys.path`` entries a test's discovery adds."""
    for name in ("APP", "DEBUG", "RUN_FROM_CLI", "SKIP_DOTENV", "RUN_HOST", "RUN_PORT"):
        for prefix in ("FLASK_", "FASTMICRO_"):
            monkeypatch.delenv(prefix + name, raising=False)
    monkeypatch.chdir(tmp_path)
    modules = set(sys.modules)
    path = list(sys.path)
    yield
    for name in set(sys.modules) - modules:
        # Only the apps the test discovered: a library module imported for
        # the first time here (a lazily imported part of fastmicro or
        # Werkzeug) must stay, or its classes would exist twice.
        file = getattr(sys.modules[name], "__file__", None)
        if not file or str(pathlib.Path(file).resolve()).startswith(_LIBRARY_DIRS):
            continue
        del sys.modules[name]
    sys.path[:] = path


_LIBRARY_DIRS = tuple(
    {str(pathlib.Path(p).resolve()) for p in (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"])}
    | {str(pathlib.Path(fastmicro.__file__).resolve().parent)}
)


@pytest.fixture
def climod(fw):
    """``flask.cli`` or ``fastmicro.cli``."""
    return importlib.import_module(f"{fw.__name__}.cli")


@pytest.fixture
def prefix(fw) -> str:
    return "FLASK" if fw.__name__ == "flask" else "FASTMICRO"


def write(folder, name: str, body: str, fw: types.ModuleType) -> str:
    """Write ``folder/name`` with ``{fw}`` in ``body`` replaced by the
    framework's name; return a module name unique to this test run."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body).replace("{fw}", fw.__name__))
    return path.stem


def unique(stem: str) -> str:
    """A module name no other test has imported."""
    return f"{stem}_{next(_counter)}"


def invoke(climod, args, **kwargs):
    """Run the framework's top-level command group."""
    return CliRunner().invoke(climod.cli, args, **kwargs)


APP_MODULE = """\
from {fw} import Flask

app = Flask(__name__)

@app.route("/")
def index():
    return "index"
"""


# -- discovery ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "target", "endpoint"),
    [
        ("from {fw} import Flask\napp = Flask('a')\napp.add_url_rule('/a', 'a', lambda: '')\n", "", "a"),
        ("from {fw} import Flask\napplication = Flask('b')\napplication.add_url_rule('/b', 'b', lambda: '')\n", "", "b"),
        ("from {fw} import Flask\nmine = Flask('c')\nmine.add_url_rule('/c', 'c', lambda: '')\n", "", "c"),
        (
            "from {fw} import Flask\ndef create_app():\n    a = Flask('d')\n"
            "    a.add_url_rule('/d', 'd', lambda: '')\n    return a\n",
            "",
            "d",
        ),
        (
            "from {fw} import Flask\ndef make_app():\n    a = Flask('e')\n"
            "    a.add_url_rule('/e', 'e', lambda: '')\n    return a\n",
            "",
            "e",
        ),
        (
            "from {fw} import Flask\nx = Flask('f')\ny = Flask('g')\n"
            "y.add_url_rule('/g', 'g', lambda: '')\n",
            ":y",
            "g",
        ),
        (
            "from {fw} import Flask\ndef build(name, *, route='/'):\n    a = Flask(name)\n"
            "    a.add_url_rule(route, name, lambda: '')\n    return a\n",
            ":build('h', route='/h')",
            "h",
        ),
    ],
    ids=["app", "application", "only-instance", "create_app", "make_app", "by-name", "factory-args"],
)
def test_discovery_finds_app(fw, climod, tmp_path, body, target, endpoint):
    name = unique("disc")
    write(tmp_path, f"{name}.py", body, fw)
    result = invoke(climod, ["--app", name + target, "routes"])
    assert result.exit_code == 0, result.output
    assert re.search(rf"^{endpoint}\s+GET\s+/", result.output, re.M), result.output


def test_discovery_from_file_path_and_package(fw, climod, tmp_path):
    name = unique("pkg")
    write(tmp_path, f"sub/{name}/__init__.py", "", fw)
    write(tmp_path, f"sub/{name}/web.py", APP_MODULE, fw)
    result = invoke(climod, ["--app", f"sub/{name}/web.py", "routes"])
    assert result.exit_code == 0, result.output
    assert "index" in result.output
    # the package's parent went on sys.path, the module is imported dotted
    assert f"{name}.web" in sys.modules


@pytest.mark.parametrize("filename", ["wsgi.py", "app.py"])
def test_discovery_from_current_folder(fw, climod, tmp_path, filename):
    write(tmp_path, filename, APP_MODULE, fw)
    sys.modules.pop(filename[:-3], None)
    result = invoke(climod, ["routes"])
    assert result.exit_code == 0, result.output
    assert "index" in result.output


def test_discovery_from_environment(fw, climod, tmp_path, prefix, monkeypatch):
    name = unique("envapp")
    write(tmp_path, f"{name}.py", APP_MODULE, fw)
    monkeypatch.setenv(f"{prefix}_APP", name)
    result = invoke(climod, ["routes"])
    assert result.exit_code == 0, result.output
    assert "index" in result.output


BAD_APPS = {
    "missing-module": ("", "{name}_missing", "Error: Could not import '{name}_missing'."),
    "no-app": ("x = 1\n", "{name}", "Failed to find Flask application or factory in module '{name}'. Use '{name}:name' to specify one."),
    "two-apps": (
        "from {fw} import Flask\na = Flask('a')\nb = Flask('b')\n",
        "{name}",
        "Detected multiple Flask applications in module '{name}'. Use '{name}:name' to specify the correct one.",
    ),
    "factory-needs-args": (
        "from {fw} import Flask\ndef create_app(config):\n    return Flask('x')\n",
        "{name}",
        "Detected factory 'create_app' in module '{name}', but could not call it without arguments. Use '{name}:create_app(args)' to specify arguments.",
    ),
    "missing-attribute": ("x = 1\n", "{name}:nope", "Failed to find attribute 'nope' in '{name}'."),
    "syntax": ("x = 1\n", "{name}:create_app(", "Failed to parse 'create_app(' as an attribute name or function call."),
    "dotted": ("x = 1\n", "{name}:a.b", "Failed to parse 'a.b' as an attribute name or function call."),
    "method-call": ("x = 1\n", "{name}:a.b()", "Function reference must be a simple name: 'a.b()'."),
    "non-literal": ("x = 1\n", "{name}:f(x)", "Failed to parse arguments as literal values: 'f(x)'."),
    "not-an-app": ("x = 1\n", "{name}:x", "A valid Flask application was not obtained from '{name}:x'."),
    "wrong-args": (
        "from {fw} import Flask\ndef make(a):\n    return Flask('x')\n",
        "{name}:make(1, 2)",
        "The factory 'make(1, 2)' in module '{name}' could not be called with the specified arguments.",
    ),
    "import-error-inside": ("import no_such_module_anywhere\n", "{name}", "While importing '{name}', an ImportError was raised:"),
}


@pytest.mark.parametrize("case", list(BAD_APPS))
def test_bad_app_gives_clear_error(fw, climod, tmp_path, case):
    body, target, message = BAD_APPS[case]
    name = unique("bad")
    write(tmp_path, f"{name}.py", body, fw)
    result = invoke(climod, ["--app", target.format(name=name), "routes"])
    assert result.exit_code == 2
    assert same(message.format(name=name)) in same(result.output), result.output
    assert "Traceback" not in result.output or case == "import-error-inside"


def test_no_app_found(fw, climod):
    result = invoke(climod, ["routes"])
    assert result.exit_code == 2
    assert same(result.output).endswith(
        "Error: Could not locate a fastmicro application. Use the 'fastmicro --app'"
        " option, 'FASTMICRO_APP' environment variable, or a 'wsgi.py' or 'app.py'"
        " file in the current directory.\n"
    )


def test_factory_type_error_inside_is_not_hidden(fw, climod, tmp_path):
    name = unique("typeerr")
    write(tmp_path, f"{name}.py", "def create_app():\n    return len(1)\n", fw)
    result = invoke(climod, ["--app", name, "routes"])
    assert result.exit_code == 1
    assert isinstance(result.exception, TypeError)


def test_unknown_command_lists_app_error(fw, climod):
    result = invoke(climod, ["nosuchcommand"])
    assert result.exit_code == 2
    out = same(result.output)
    assert "Error: Could not locate a fastmicro application." in out
    assert "No such command 'nosuchcommand'." in out


def test_help_lists_builtin_and_app_commands(fw, climod, tmp_path):
    name = unique("helpapp")
    write(
        tmp_path,
        f"{name}.py",
        APP_MODULE + "\n@app.cli.command()\ndef seed():\n    'Seed the database.'\n",
        fw,
    )
    result = invoke(climod, ["--app", name, "--help"])
    assert result.exit_code == 0
    for command in ("routes", "run", "shell", "seed"):
        assert re.search(rf"^  {command}\s", result.output, re.M), result.output
    has_serve = re.search(r"^  serve\s", result.output, re.M) is not None
    assert has_serve is (fw.__name__ == "fastmicro")


# -- app.cli, AppGroup, with_appcontext --------------------------------------


def test_app_cli_commands_run_in_app_context(fw, climod, tmp_path):
    name = unique("cmdapp")
    write(
        tmp_path,
        f"{name}.py",
        APP_MODULE
        + """
import click
from {fw} import current_app

@app.cli.command("hello")
@click.argument("who")
def hello(who):
    click.echo(f"hello {who} from {current_app.name}")

grp = app.cli.group("db")(lambda: None)

@grp.command()
def init():
    click.echo(f"init {current_app.name}")
""",
        fw,
    )
    result = invoke(climod, ["--app", name, "hello", "you"])
    assert result.exit_code == 0, result.output
    assert result.output == f"hello you from {name}\n"
    result = invoke(climod, ["--app", name, "db", "init"])
    assert result.output == f"init {name}\n"


def test_test_cli_runner_invokes_app_commands(fw, app, climod):
    @app.cli.command()
    def name():
        click.echo(str(fw.current_app._get_current_object() is app))

    @app.cli.command(with_appcontext=False)
    def bare():
        click.echo(str(fw.has_app_context()))

    runner = app.test_cli_runner()
    result = runner.invoke(args=["name"])
    assert result.exit_code == 0
    assert result.output == "True\n"
    assert runner.invoke(args=["bare"]).output == "False\n"
    # the default obj loads this app, so built-in commands see it
    result = runner.invoke(climod.routes_command)
    assert result.exit_code == 0
    assert "static" in result.output


def test_with_appcontext_on_plain_command(fw, climod):
    application = fw.Flask("plain")

    @click.command()
    @climod.with_appcontext
    def show():
        click.echo(fw.current_app.name)

    obj = climod.ScriptInfo(create_app=lambda: application)
    result = CliRunner().invoke(show, obj=obj)
    assert result.exit_code == 0
    assert result.output == "plain\n"


def test_appgroup_nests_appgroups(fw, climod):
    group = climod.AppGroup("top")
    sub = group.group("sub")(lambda: None)
    assert isinstance(sub, climod.AppGroup)
    plain = group.group("plain", cls=click.Group)(lambda: None)
    assert type(plain) is click.Group


def test_scriptinfo_caches_app_and_sets_debug(fw, climod, prefix, monkeypatch):
    made = []

    def create():
        made.append(fw.Flask("c"))
        return made[-1]

    monkeypatch.setenv(f"{prefix}_DEBUG", "1")
    info = climod.ScriptInfo(create_app=create)
    assert info.load_app() is info.load_app() is made[0]
    assert len(made) == 1
    assert made[0].debug is True
    # without set_debug_flag the app keeps the debug it was made with
    debug_app = fw.Flask("d")
    info = climod.ScriptInfo(create_app=lambda: debug_app, set_debug_flag=False)
    monkeypatch.setenv(f"{prefix}_DEBUG", "0")
    assert info.load_app().debug is True


def test_debug_option_sets_environment(fw, climod, tmp_path, prefix):
    name = unique("dbg")
    write(
        tmp_path,
        f"{name}.py",
        APP_MODULE + "\nimport click, os\n@app.cli.command()\ndef dbg():\n"
        f"    click.echo(f'{{app.debug}} {{os.environ[\"{prefix}_DEBUG\"]}}')\n",
        fw,
    )
    assert invoke(climod, ["--app", name, "--debug", "dbg"]).output == "True 1\n"
    sys.modules.pop(name)
    assert invoke(climod, ["--app", name, "--no-debug", "dbg"]).output == "False 0\n"


def test_blueprint_cli_group(fw, climod, tmp_path):
    name = unique("bpapp")
    write(
        tmp_path,
        f"{name}.py",
        APP_MODULE
        + """
import click
from {fw} import Blueprint, current_app

bp = Blueprint("users", __name__)

@bp.cli.command("create")
@click.argument("who")
def create(who):
    click.echo(f"created {who} in {current_app.name}")

app.register_blueprint(bp)
""",
        fw,
    )
    result = invoke(climod, ["--app", name, "users", "create", "ann"])
    assert result.exit_code == 0, result.output
    assert result.output == f"created ann in {name}\n"


# -- routes ------------------------------------------------------------------


def _routes_app(fw):
    application = fw.Flask("routes", static_folder=None)
    application.add_url_rule("/zeta", "zeta", lambda: "", methods=["POST", "GET"])
    application.add_url_rule("/alpha/<int:id>", "alpha", lambda id: "")
    application.add_url_rule("/mid", "mid", lambda: "", methods=["DELETE"])
    return application


@pytest.mark.parametrize("args", [[], ["--sort", "rule"], ["-s", "methods"], ["--sort", "match"], ["--all-methods"]])
def test_routes_table_matches_flask(args):
    import fastmicro
    import flask
    from fastmicro import cli as fcli
    from flask import cli as flcli

    outputs = []
    for mod, clim in ((flask, flcli), (fastmicro, fcli)):
        application = _routes_app(mod)
        result = application.test_cli_runner().invoke(clim.routes_command, args)
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert outputs[0] == outputs[1]
    if args == ["--sort", "match"]:
        assert [line.split()[0] for line in outputs[1].splitlines()[2:]] == ["zeta", "alpha", "mid"]


def test_routes_with_subdomains_and_without_routes(fw, climod):
    application = fw.Flask("sub", static_folder=None, subdomain_matching=True)
    result = application.test_cli_runner().invoke(climod.routes_command)
    assert result.output == "No routes were registered.\n"
    application.add_url_rule("/", "root", lambda: "", subdomain="api")
    application.add_url_rule("/x", "x", lambda: "")
    result = application.test_cli_runner().invoke(climod.routes_command, ["--sort", "domain"])
    lines = result.output.splitlines()
    assert lines[0].split() == ["Endpoint", "Methods", "Subdomain", "Rule"]
    assert [line.split()[0] for line in lines[2:]] == ["x", "root"]


def test_routes_rejects_unknown_sort(fw, climod):
    result = fw.Flask("x").test_cli_runner().invoke(climod.routes_command, ["--sort", "size"])
    assert result.exit_code == 2
    assert "Invalid value for '--sort' / '-s'" in result.output


# -- shell -------------------------------------------------------------------


def test_shell_has_app_and_context_processor_values(fw, climod, monkeypatch):
    monkeypatch.delattr(sys, "__interactivehook__", raising=False)
    monkeypatch.delenv("PYTHONSTARTUP", raising=False)
    application = fw.Flask("shellapp")
    application.shell_context_processor(lambda: {"answer": 42})
    result = application.test_cli_runner().invoke(
        climod.shell_command, input="print(answer, app.name, g is not None)\n"
    )
    assert result.exit_code == 0, result.output
    assert "App: shellapp" in result.output
    assert "42 shellapp True" in result.output


def test_shell_runs_pythonstartup(fw, climod, tmp_path, monkeypatch):
    monkeypatch.delattr(sys, "__interactivehook__", raising=False)
    startup = tmp_path / "startup.py"
    startup.write_text("started = 'yes'\n")
    monkeypatch.setenv("PYTHONSTARTUP", str(startup))
    result = fw.Flask("s").test_cli_runner().invoke(climod.shell_command, input="print(started)\n")
    assert "yes" in result.output


def test_make_shell_context(fw):
    application = fw.Flask("ctx")
    application.shell_context_processor(lambda: {"a": 1})
    application.shell_context_processor(lambda: {"a": 2, "b": 3})
    namespace = application.make_shell_context()
    assert namespace["app"] is application
    assert (namespace["a"], namespace["b"]) == (2, 3)
    assert set(namespace) == {"app", "g", "a", "b"}


# -- run (options; the server itself is in test_serve.py) ---------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--key", "{key}"], '"--cert" must also be specified.'),
        (["--cert", "{key}"], 'Required when using "--cert".'),
        (["--cert", "not.a.module:ctx"], "Invalid value for '--cert'"),
    ],
)
def test_run_validates_options(fw, climod, tmp_path, args, message):
    key = tmp_path / "key.pem"
    key.write_text("x")
    application = fw.Flask("r")
    args = [a.format(key=key) for a in args]
    result = application.test_cli_runner().invoke(climod.run_command, args)
    assert result.exit_code == 2
    assert message in result.output


def test_app_run_is_ignored_inside_the_cli(fw, climod, tmp_path):
    name = unique("runapp")
    write(tmp_path, f"{name}.py", APP_MODULE + "app.run()\n", fw)
    result = invoke(climod, ["--app", name, "routes"])
    assert result.exit_code == 0, result.output
    assert same(result.output).startswith(
        " * Ignoring a call to 'app.run()' that would block the current 'fastmicro'"
        " CLI command.\n   Only call 'app.run()' in an 'if __name__ == \"__main__\"' guard.\n"
    )


def test_show_server_banner(fw, climod, capsys):
    climod.show_server_banner(True, "pkg:app")
    assert same(capsys.readouterr().out) == " * Serving fastmicro app 'pkg:app'\n * Debug mode: on\n"


# -- dotenv ------------------------------------------------------------------


def test_dotenv_files_and_precedence(fw, climod, tmp_path, prefix, monkeypatch):
    envname = ".flaskenv" if prefix == "FLASK" else ".fastmicroenv"
    (tmp_path / envname).write_text("DOTENV_A=own\nDOTENV_B=own\nDOTENV_C=own\n")
    (tmp_path / ".env").write_text("DOTENV_B=env\nDOTENV_C=env\n")
    (tmp_path / "extra.env").write_text("DOTENV_C=extra\nDOTENV_D=kept-from-env\n")
    for key in "ABC":
        monkeypatch.delenv(f"DOTENV_{key}", raising=False)
    monkeypatch.setenv("DOTENV_D", "environment")
    try:
        assert climod.load_dotenv("extra.env") is True
        assert [os.environ[f"DOTENV_{k}"] for k in "ABCD"] == ["own", "env", "extra", "environment"]
    finally:
        for key in "ABC":
            os.environ.pop(f"DOTENV_{key}", None)


def test_dotenv_sets_app_for_cli(fw, climod, tmp_path, prefix, monkeypatch):
    name = unique("dotapp")
    write(tmp_path, f"{name}.py", APP_MODULE, fw)
    envname = ".flaskenv" if prefix == "FLASK" else ".fastmicroenv"
    (tmp_path / envname).write_text(f"{prefix}_APP={name}\n")
    monkeypatch.setenv(f"{prefix}_APP", "placeholder")  # restored on teardown
    monkeypatch.delenv(f"{prefix}_APP")
    result = invoke(climod, ["routes"])
    assert result.exit_code == 0, result.output
    assert "index" in result.output
    # skipped on request
    monkeypatch.delenv(f"{prefix}_APP")
    monkeypatch.setenv(f"{prefix}_SKIP_DOTENV", "1")
    sys.modules.pop(name)
    result = invoke(climod, ["routes"])
    assert result.exit_code == 2


def test_env_file_option(fw, climod, tmp_path, prefix, monkeypatch):
    name = unique("efapp")
    write(tmp_path, f"{name}.py", APP_MODULE, fw)
    (tmp_path / "custom.env").write_text(f"{prefix}_APP={name}\n")
    monkeypatch.setenv(f"{prefix}_APP", "placeholder")
    monkeypatch.delenv(f"{prefix}_APP")
    result = invoke(climod, ["-e", "custom.env", "routes"])
    assert result.exit_code == 0, result.output
    result = invoke(climod, ["-e", "missing.env", "routes"])
    assert result.exit_code == 2
    assert "Invalid value for '-e' / '--env-file'" in result.output


def test_without_python_dotenv(fw, climod, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "dotenv", None)
    (tmp_path / ".env").write_text("X=1\n")
    result = invoke(climod, ["-e", ".env", "routes"])
    assert result.exit_code == 2
    assert "python-dotenv must be installed to load an env file" in result.output
    result = invoke(climod, ["routes"])
    assert " * Tip: There are .env files present. Install python-dotenv to use them" in result.output


# -- version -----------------------------------------------------------------


def test_version_option():
    from fastmicro import cli

    result = CliRunner().invoke(cli.cli, ["--version"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert re.match(r"^fastmicro \S+ \((compiled|pure) backend: matcher=", lines[0])
    assert re.match(r"^Python \d+\.\d+", lines[1])
    assert re.match(r"^Werkzeug 3\.1\.", lines[2])
    assert len(lines) == 3


def test_main_returns_exit_status(capsys):
    from fastmicro.__main__ import main

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("fastmicro ")
    assert main(["--app", "no_such_module_here", "routes"]) == 2
    assert "Could not import 'no_such_module_here'." in capsys.readouterr().err


# -- serve (without a server running; see test_serve.py) ---------------------


@pytest.mark.parametrize("server", ["gunicorn", "granian"])
def test_serve_names_the_missing_extra(server, monkeypatch):
    from fastmicro import cli

    monkeypatch.setitem(sys.modules, server, None)
    application = __import__("fastmicro").Flask("s")
    result = application.test_cli_runner().invoke(cli.serve_command, ["--server", server])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: The '{server}' server is not installed. Install it with:"
        f" pip install 'fastmicro[{server}]'\n"
    )


def test_serve_refuses_timeout_on_granian():
    from fastmicro import Flask, cli

    result = Flask("s").test_cli_runner().invoke(cli.serve_command, ["--server", "granian", "--timeout", "5"])
    assert result.exit_code == 2
    assert "'--timeout' is a gunicorn setting; granian has no worker timeout." in result.output


def test_serve_reports_bad_app_before_starting():
    from fastmicro import cli

    result = CliRunner().invoke(cli.cli, ["--app", "no_such_module_here", "serve"])
    assert result.exit_code == 2
    assert "Error: Could not import 'no_such_module_here'." in result.output
    assert "fastmicro serve:" not in result.output


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.0.0.0:80", ("0.0.0.0", 80)),
        (":9000", ("127.0.0.1", 9000)),
        ("example.org", ("example.org", 8000)),
        ("[::1]:81", ("::1", 81)),
        ("[::1]", ("::1", 8000)),
    ],
)
def test_parse_bind(value, expected):
    from fastmicro.serving import parse_bind

    assert parse_bind(value) == expected


@pytest.mark.parametrize("value", ["host:http", "host:70000", "[::1", "[::1]x"])
def test_parse_bind_rejects(value):
    from fastmicro.serving import parse_bind

    with pytest.raises(click.BadParameter):
        parse_bind(value)


def test_serve_options_url():
    from fastmicro.serving import ServeOptions

    assert ServeOptions(host="::1", port=8080).url == "http://[::1]:8080"
    assert ServeOptions().url == "http://127.0.0.1:8000"
