"""Jinja templating as Flask's: template folders, autoescaping, the template
context, filters/tests/globals, the rendering signals, auto-reload and the
template cache.

Every test that Flask can run runs on Flask and fastmicro (the ``fw``
fixture); the templates live in ``tests/templates/`` or ``tmp_path``.
"""
from __future__ import annotations

import logging
import os
import pathlib

import jinja2
import pytest
from markupsafe import Markup

from _appfw import app, client, fw  # noqa: F401

TEMPLATES = pathlib.Path(__file__).parent / "templates"


def _touch_later(path: pathlib.Path, text: str) -> None:
    """Rewrite ``path`` and move its mtime forward, so Jinja's up-to-date
    check sees a change even within the file system's time resolution."""
    mtime = path.stat().st_mtime
    path.write_text(text)
    os.utime(path, (mtime + 10, mtime + 10))


# -- rendering files and strings ---------------------------------------------------


def test_render_template_from_the_templates_folder(app, fw):
    with app.app_context():
        assert fw.render_template("hello.html", name="World") == "Hello World!"


@pytest.mark.parametrize(
    "name", ["hello.html", "page.htm", "data.xml", "page.xhtml", "image.svg"]
)
def test_markup_file_templates_autoescape(app, fw, name):
    with app.app_context():
        rv = fw.render_template(name, name="<b>", text="<b>&")
    assert "&lt;b&gt;" in rv
    assert "<b>" not in rv


def test_text_templates_do_not_autoescape(app, fw):
    with app.app_context():
        assert fw.render_template("hello.txt", name="<b>") == "Hello <b>!"


def test_render_template_string_autoescapes(app, fw):
    with app.app_context():
        rv = fw.render_template_string("{{ a }}|{{ b }}|{{ c|safe }}", a="<i>", b=Markup("<i>"), c="<i>")
    assert rv == "&lt;i&gt;|<i>|<i>"


def test_autoescape_block_overrides(app, fw):
    with app.app_context():
        rv = fw.render_template_string("{% autoescape false %}{{ a }}{% endautoescape %}", a="<i>")
    assert rv == "<i>"


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        (None, True),
        ("a.html", True),
        ("a.htm", True),
        ("a.xml", True),
        ("a.xhtml", True),
        ("a.svg", True),
        ("a.txt", False),
        ("a.js", False),
        ("a.html.j2", False),
        ("a.HTML", False),
    ],
)
def test_select_jinja_autoescape(app, filename, expected):
    assert app.select_jinja_autoescape(filename) is expected


def test_select_jinja_autoescape_override(fw):
    class TxtEscapes(fw.Flask):
        def select_jinja_autoescape(self, filename):
            return filename is not None and filename.endswith(".txt")

    app = TxtEscapes(__name__)
    with app.app_context():
        assert fw.render_template("hello.txt", name="<b>") == "Hello &lt;b&gt;!"
        assert fw.render_template("hello.html", name="<b>") == "Hello <b>!"
        assert fw.render_template_string("{{ a }}", a="<b>") == "<b>"


def test_first_existing_template_of_a_list(app, fw):
    with app.app_context():
        rv = fw.render_template(["missing.html", "hello.html", "hello.txt"], name="x")
    assert rv == "Hello x!"


def test_render_a_template_object(app, fw):
    with app.app_context():
        template = app.jinja_env.from_string("{{ a }}-{{ config.TESTING }}")
        assert fw.render_template(template, a=1) == "1-True"


def test_missing_template(app, fw):
    with app.app_context():
        with pytest.raises(jinja2.TemplateNotFound) as info:
            fw.render_template("missing.html")
        assert info.value.name == "missing.html"
        with pytest.raises(jinja2.TemplatesNotFound):
            fw.render_template(["missing.html", "other.html"])


def test_template_syntax_error(app, fw):
    with app.app_context():
        with pytest.raises(jinja2.TemplateSyntaxError):
            fw.render_template_string("{% if %}")


def test_rendering_needs_an_app_context(fw):
    with pytest.raises(RuntimeError, match="application context"):
        fw.render_template("hello.html")
    with pytest.raises(RuntimeError, match="application context"):
        fw.render_template_string("x")


def test_include_and_tojson_use_the_app_json(app, fw):
    with app.app_context():
        rv = fw.render_template("including.html", value={"b": "</script>", "a": 1})
    # tojson: sorted keys (the app's provider) and HTML-safe escaping.
    assert rv == '[{&#39;b&#39;: &#39;&lt;/script&gt;&#39;, &#39;a&#39;: 1}]<{"a": 1, "b": "\\u003c/script\\u003e"}>'


def test_tojson_follows_the_app_provider_settings(app, fw):
    app.json.default = lambda o: f"<{type(o).__name__}>"
    with app.app_context():
        rv = fw.render_template_string("{{ v|tojson }}", v={"b": object(), "a": 2})
    # Jinja's tojson passes sort_keys=True itself; the provider's default runs.
    assert rv == '{"a": 2, "b": "\\u003cobject\\u003e"}'


def test_undefined_renders_empty(app, fw):
    with app.app_context():
        assert fw.render_template_string("[{{ nothing }}]") == "[]"


def test_render_in_a_view(app, client, fw):
    @app.route("/")
    def index():
        return fw.render_template("hello.html", name=fw.request.args["name"])

    response = client.get("/?name=<you>")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.text == "Hello &lt;you&gt;!"


# -- streaming --------------------------------------------------------------------


def test_stream_template_in_a_view_keeps_the_request(app, client, fw):
    @app.route("/")
    def index():
        return fw.stream_template("stream.html", items=["<a>", "b"])

    @app.route("/s")
    def from_string():
        return fw.stream_template_string("{{ request.args.q }}|{{ x }}", x="<y>")

    response = client.get("/")
    assert response.is_streamed
    assert response.text == "&lt;a&gt;;b;"
    # The template reads the request while the response body is generated.
    assert client.get("/s?q=<q>").text == "&lt;q&gt;|&lt;y&gt;"


def test_stream_template_is_lazy(app, fw):
    seen = []

    def item(n):
        seen.append(n)
        return n

    with app.app_context():
        gen = fw.stream_template_string("{% for n in items %}{{ f(n) }}{% endfor %}", items=[1, 2], f=item)
        assert seen == []
        assert "".join(gen) == "12"
    assert seen == [1, 2]


def test_stream_template_outside_a_request(app, fw):
    with app.app_context():
        gen = fw.stream_template("hello.txt", name="x")
        assert "".join(gen) == "Hello x!"


# -- the template context ----------------------------------------------------------


def test_request_session_g_config_url_for_flashes_in_templates(app, client, fw):
    app.secret_key = "secret"

    @app.route("/")
    def index():
        fw.g.who = "<g>"
        return fw.render_template("globals.html")

    @app.route("/login")
    def login():
        fw.session["user"] = "ann"
        fw.flash("one")
        fw.flash("<two>")
        return ""

    client.get("/login")
    rv = client.get("/?q=<x>").text
    assert rv == "/|&lt;x&gt;|ann|&lt;g&gt;|True|/|one,&lt;two&gt;"
    # Flashes are consumed by the first read.
    assert client.get("/").text == "/||ann|&lt;g&gt;|True|/|"


def test_template_globals_outside_a_request(app, fw):
    app.config["NAME"] = "cfg"
    with app.app_context():
        fw.g.who = "me"
        rv = fw.render_template_string(
            "{{ config.NAME }}|{{ g.who }}|{{ request is defined }}|{{ 'x' if request else 'no request' }}"
        )
    assert rv == "cfg|me|True|no request"


def test_url_for_in_a_template_outside_a_request(app, fw):
    app.config["SERVER_NAME"] = "example.com"

    @app.route("/page/<int:n>")
    def page(n):
        return ""

    with app.app_context():
        assert fw.render_template_string("{{ url_for('page', n=3) }}") == "http://example.com/page/3"


def test_jinja_env_globals(app, fw):
    env = app.jinja_env
    assert env.globals["config"] is app.config
    assert env.globals["url_for"] == app.url_for
    assert env.globals["get_flashed_messages"] is fw.get_flashed_messages
    assert env.globals["request"] is fw.request
    assert env.globals["session"] is fw.session
    assert env.globals["g"] is fw.g
    assert env.policies["json.dumps_function"] == app.json.dumps


def test_context_processor(app, fw):
    calls = []

    @app.context_processor
    def inject():
        calls.append(1)
        return {"user": "<ann>", "name": "processor"}

    with app.app_context():
        assert fw.render_template_string("{{ user }}") == "&lt;ann&gt;"
        # The template's own values win over the processors'.
        assert fw.render_template("hello.html", name="own") == "Hello own!"
    assert len(calls) == 2


def test_context_processors_run_in_order_later_wins(app, fw):
    app.context_processor(lambda: {"v": 1, "first": True})
    app.context_processor(lambda: {"v": 2})
    with app.app_context():
        assert fw.render_template_string("{{ v }}{{ first }}") == "2True"


def test_context_processor_error_propagates(app, fw):
    @app.context_processor
    def broken():
        raise LookupError("processor")

    with app.app_context():
        with pytest.raises(LookupError, match="processor"):
            fw.render_template_string("x")


def test_update_template_context(app, client, fw):
    app.context_processor(lambda: {"injected": "p", "name": "p"})

    @app.route("/")
    def index():
        context = {"name": "own"}
        app.update_template_context(context)
        return ",".join(sorted(context)) + "|" + context["name"] + "|" + context["injected"]

    names, name, injected = client.get("/").text.split("|")
    # Flask 3.1 leaves session out: templates read it from the globals.
    assert names == "g,injected,name,request"
    assert (name, injected) == ("own", "p")


def test_session_in_the_context(app, client, fw):
    app.secret_key = "secret"

    @app.route("/set")
    def set_user():
        fw.session["user"] = "ann"
        return ""

    @app.route("/")
    def index():
        context = {}
        app.update_template_context(context)
        assert "session" not in context
        return fw.render_template_string("{{ session.user }}")

    @app.route("/plain")
    def plain():
        return fw.render_template_string("no session here")

    client.get("/set")
    assert client.get("/").text == "ann"
    # A template that never reads the session leaves it untouched.
    response = client.get("/plain")
    assert "Vary" not in response.headers
    assert "Set-Cookie" not in response.headers


def test_update_template_context_outside_a_request(app):
    with app.app_context():
        context = {}
        app.update_template_context(context)
    assert sorted(context) == ["g"]


def test_async_context_processor(app, fw):
    @app.context_processor
    async def inject():
        return {"v": "async"}

    with app.app_context():
        assert fw.render_template_string("{{ v }}") == "async"


# -- filters, tests, globals -----------------------------------------------------------


def test_template_filter(app, fw):
    @app.template_filter()
    def shout(s):
        return s.upper()

    @app.template_filter("rev")
    def reverse(s):
        return s[::-1]

    assert app.jinja_env.filters["shout"] is shout
    assert app.jinja_env.filters["rev"] is reverse
    with app.app_context():
        assert fw.render_template_string("{{ 'ab'|shout }}{{ 'ab'|rev }}") == "ABba"


def test_add_template_filter(app, fw):
    app.add_template_filter(str.upper)
    app.add_template_filter(lambda s: s * 2, "twice")
    with app.app_context():
        assert fw.render_template_string("{{ 'a'|upper }}{{ 'a'|twice }}") == "Aaa"


def test_template_filter_result_is_escaped(app, fw):
    app.add_template_filter(lambda s: f"<{s}>", "angle")
    app.add_template_filter(lambda s: Markup(f"<{s}>"), "safe_angle")
    with app.app_context():
        rv = fw.render_template_string("{{ 'a'|angle }}{{ 'a'|safe_angle }}")
    assert rv == "&lt;a&gt;<a>"


def test_template_test(app, fw):
    @app.template_test()
    def boolean(value):
        return isinstance(value, bool)

    @app.template_test("even_len")
    def even(value):
        return len(value) % 2 == 0

    app.add_template_test(lambda v: v == 42, "answer")
    assert app.jinja_env.tests["boolean"] is boolean
    assert app.jinja_env.tests["even_len"] is even
    with app.app_context():
        rv = fw.render_template_string(
            "{{ x is boolean }}{{ 1 is boolean }}{{ 'ab' is even_len }}{{ 42 is answer }}", x=False
        )
    assert rv == "TrueFalseTrueTrue"


def test_template_global(app, fw):
    @app.template_global()
    def double(n):
        return n * 2

    @app.template_global("triple")
    def times_three(n):
        return n * 3

    app.add_template_global(lambda: "G", "letter")
    assert app.jinja_env.globals["double"] is double
    with app.app_context():
        assert fw.render_template_string("{{ double(2) }}{{ triple(2) }}{{ letter() }}") == "46G"


def test_unknown_filter_is_a_template_error(app, fw):
    with app.app_context():
        with pytest.raises(jinja2.TemplateAssertionError):
            fw.render_template_string("{{ 1|nosuchfilter }}")


def test_filters_are_setup_methods(app, client, fw):
    @app.route("/")
    def index():
        return ""

    client.get("/")
    with pytest.raises(AssertionError, match="add_template_filter"):
        app.add_template_filter(str.upper)
    with pytest.raises(AssertionError, match="template_global"):
        app.template_global()(str.upper)


# -- get_template_attribute ----------------------------------------------------------


def test_get_template_attribute(app, fw):
    with app.app_context():
        hello = fw.get_template_attribute("macros.html", "hello")
        assert hello("<World>") == "Hello &lt;World&gt;!"
        assert fw.get_template_attribute("macros.html", "answer") == 42
        with pytest.raises(AttributeError):
            fw.get_template_attribute("macros.html", "missing")
        with pytest.raises(jinja2.TemplateNotFound):
            fw.get_template_attribute("missing.html", "x")


# -- signals --------------------------------------------------------------------------


def test_rendering_signals(app, client, fw):
    recorded = []

    def before(sender, template, context, **extra):
        recorded.append(("before", sender, template.name, context["whiskey"], extra))
        context["whiskey"] = 43  # receivers may still change the context

    def after(sender, template, context, **extra):
        recorded.append(("after", sender, template.name, context["whiskey"], extra))

    @app.route("/")
    def index():
        return fw.render_template("hello.html", name="x", whiskey=42)

    with fw.before_render_template.connected_to(before, app):
        with fw.template_rendered.connected_to(after, app):
            assert client.get("/").text == "Hello x!"
    assert recorded == [
        ("before", app, "hello.html", 42, {}),
        ("after", app, "hello.html", 43, {}),
    ]


def test_rendering_signals_context_has_the_processors_values(app, fw):
    app.context_processor(lambda: {"injected": 1})
    contexts = []

    def record(sender, template, context, **extra):
        contexts.append(dict(context))

    with fw.template_rendered.connected_to(record, app):
        with app.app_context():
            fw.render_template_string("{{ a }}", a=1)
    assert contexts[0]["a"] == 1
    assert contexts[0]["injected"] == 1
    assert "g" in contexts[0]


def test_stream_signals(app, fw):
    recorded = []
    with fw.before_render_template.connected_to(lambda s, template, context: recorded.append("before"), app):
        with fw.template_rendered.connected_to(lambda s, template, context: recorded.append("after"), app):
            with app.app_context():
                gen = fw.stream_template("hello.txt", name="x")
                assert recorded == ["before"]
                assert "".join(gen) == "Hello x!"
    assert recorded == ["before", "after"]


def test_signals_of_another_app_are_not_sent(app, fw):
    other = fw.Flask(__name__)
    recorded = []
    with fw.template_rendered.connected_to(lambda s, **kw: recorded.append(s), other):
        with app.app_context():
            fw.render_template_string("x")
    assert recorded == []


# -- environment, loader and options -------------------------------------------------


def test_jinja_env_is_made_once(app, fw):
    assert app.jinja_env is app.jinja_env
    assert isinstance(app.jinja_env, fw.templating.Environment)
    assert app.jinja_env.app is app


def test_jinja_loader(app, fw):
    loader = app.jinja_loader
    assert isinstance(loader, jinja2.FileSystemLoader)
    assert loader.searchpath == [str(TEMPLATES)]
    assert isinstance(app.jinja_env.loader, fw.templating.DispatchingJinjaLoader)
    assert "hello.html" in app.jinja_env.list_templates()
    assert "nested/part.html" in app.jinja_env.list_templates()


def test_custom_template_folder(fw, tmp_path):
    (tmp_path / "page.html").write_text("custom {{ v }}")
    app = fw.Flask(__name__, template_folder=str(tmp_path))
    with app.app_context():
        assert fw.render_template("page.html", v=1) == "custom 1"
        with pytest.raises(jinja2.TemplateNotFound):
            fw.render_template("hello.html")


def test_relative_template_folder(fw, tmp_path):
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "page.html").write_text("relative")
    app = fw.Flask(__name__, template_folder="tpl", root_path=str(tmp_path))
    with app.app_context():
        assert fw.render_template("page.html") == "relative"


def test_no_template_folder(fw):
    app = fw.Flask(__name__, template_folder=None)
    assert app.jinja_loader is None
    with app.app_context():
        with pytest.raises(jinja2.TemplateNotFound):
            fw.render_template("hello.html")
        assert fw.render_template_string("still {{ 1 }}") == "still 1"


def test_jinja_options(fw):
    class LineStatements(fw.Flask):
        jinja_options = {"line_statement_prefix": "%", "trim_blocks": True}

    app = LineStatements(__name__)
    assert app.jinja_env.line_statement_prefix == "%"
    with app.app_context():
        rv = fw.render_template_string("% for i in [1, 2]\n{{ i }}\n% endfor\n")
    assert rv == "1\n2\n"


def test_jinja_options_can_turn_autoescape_off(fw):
    class NoEscape(fw.Flask):
        jinja_options = {"autoescape": False}

    app = NoEscape(__name__)
    with app.app_context():
        assert fw.render_template("hello.html", name="<b>") == "Hello <b>!"


def test_create_jinja_environment_override(fw):
    class Custom(fw.Flask):
        def create_jinja_environment(self):
            env = super().create_jinja_environment()
            env.globals["site"] = "custom"
            return env

    app = Custom(__name__)
    with app.app_context():
        assert fw.render_template_string("{{ site }}") == "custom"


def test_custom_environment_class(fw):
    class Env(fw.templating.Environment):
        pass

    class Custom(fw.Flask):
        jinja_environment = Env

    app = Custom(__name__)
    assert type(app.jinja_env) is Env
    with app.app_context():
        assert fw.render_template("hello.html", name="x") == "Hello x!"


def test_changed_jinja_env_settings(app, fw):
    app.jinja_env.undefined = jinja2.StrictUndefined
    with app.app_context():
        with pytest.raises(jinja2.UndefinedError):
            fw.render_template_string("{{ nothing }}")


# -- auto-reload and the template cache ------------------------------------------------


def test_templates_auto_reload_default_follows_debug(fw):
    app = fw.Flask(__name__)
    assert app.config["TEMPLATES_AUTO_RELOAD"] is None
    assert app.jinja_env.auto_reload is False
    app.debug = True
    assert app.jinja_env.auto_reload is True
    app.debug = False
    assert app.jinja_env.auto_reload is False


def test_templates_auto_reload_debug_before_env(fw):
    app = fw.Flask(__name__)
    app.config["DEBUG"] = True
    assert app.jinja_env.auto_reload is True


@pytest.mark.parametrize("value", [True, False])
def test_templates_auto_reload_config_wins_over_debug(fw, value):
    app = fw.Flask(__name__)
    app.config["TEMPLATES_AUTO_RELOAD"] = value
    app.debug = not value
    assert app.jinja_env.auto_reload is value
    app.debug = value
    assert app.jinja_env.auto_reload is value


@pytest.mark.parametrize("auto_reload", [True, False])
def test_templates_auto_reload_sees_changed_files(fw, tmp_path, auto_reload):
    page = tmp_path / "page.html"
    page.write_text("old")
    app = fw.Flask(__name__, template_folder=str(tmp_path))
    app.config["TEMPLATES_AUTO_RELOAD"] = auto_reload
    with app.app_context():
        assert fw.render_template("page.html") == "old"
        _touch_later(page, "new")
        assert fw.render_template("page.html") == ("new" if auto_reload else "old")


def _counting_app(fw, **kwargs):
    class CountingLoader(fw.templating.DispatchingJinjaLoader):
        calls: list[str] = []

        def get_source(self, environment, template):
            self.calls.append(template)
            return super().get_source(environment, template)

    class CountingApp(fw.Flask):
        def create_global_jinja_loader(self):
            return CountingLoader(self)

    return CountingApp(__name__, **kwargs), CountingLoader.calls


@pytest.mark.parametrize("auto_reload", [True, False])
def test_compiled_templates_are_cached(fw, auto_reload):
    app, calls = _counting_app(fw)
    app.config["TEMPLATES_AUTO_RELOAD"] = auto_reload
    with app.app_context():
        first = app.jinja_env.get_template("hello.html")
        assert fw.render_template("hello.html", name="a") == "Hello a!"
        assert fw.render_template("hello.html", name="b") == "Hello b!"
        assert app.jinja_env.get_template("hello.html") is first
    assert calls == ["hello.html"]


def test_changed_template_is_loaded_again_with_auto_reload(fw, tmp_path):
    page = tmp_path / "page.html"
    page.write_text("old")
    app, calls = _counting_app(fw, template_folder=str(tmp_path))
    app.config["TEMPLATES_AUTO_RELOAD"] = True
    with app.app_context():
        fw.render_template("page.html")
        fw.render_template("page.html")
        assert calls == ["page.html"]
        _touch_later(page, "new")
        assert fw.render_template("page.html") == "new"
    assert calls == ["page.html", "page.html"]


# -- EXPLAIN_TEMPLATE_LOADING -----------------------------------------------------------


def test_explain_template_loading(app, fw, caplog):
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        with app.app_context():
            assert fw.render_template("hello.html", name="x") == "Hello x!"
            with pytest.raises(jinja2.TemplateNotFound):
                fw.render_template("missing.html")
    messages = [r.getMessage() for r in caplog.records if r.name == app.logger.name]
    assert len(messages) == 2
    found, missing = messages
    assert "'hello.html'" in found
    assert str(TEMPLATES / "hello.html") in found
    assert "'missing.html'" in missing
    assert "could not be found" in missing


def test_no_explanation_by_default(app, fw, caplog):
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        with app.app_context():
            fw.render_template("hello.html", name="x")
    assert [r for r in caplog.records if r.name == app.logger.name] == []


def test_jinja_loader_is_made_once_and_can_be_replaced(app, fw, tmp_path):
    assert app.jinja_loader is app.jinja_loader
    (tmp_path / "extra.html").write_text("extra {{ v }}")
    # A common recipe: search another folder after the app's own.
    app.jinja_loader = jinja2.ChoiceLoader([app.jinja_loader, jinja2.FileSystemLoader(str(tmp_path))])
    with app.app_context():
        assert fw.render_template("extra.html", v=1) == "extra 1"
        assert fw.render_template("hello.txt", name="x") == "Hello x!"


def test_jinja_environment_class_attribute(fw):
    assert fw.Flask.jinja_environment is fw.templating.Environment


# -- blueprint template folders ---------------------------------------------------------


def _blueprint_with_templates(fw, tmp_path, name, files):
    folder = tmp_path / name
    folder.mkdir()
    for filename, text in files.items():
        (folder / filename).parent.mkdir(parents=True, exist_ok=True)
        (folder / filename).write_text(text)
    return fw.Blueprint(name, __name__, template_folder=name, root_path=str(tmp_path))


def test_app_templates_win_over_blueprint_templates(app, fw, tmp_path):
    bp = _blueprint_with_templates(fw, tmp_path, "bp", {"hello.html": "blueprint", "only_bp.html": "only bp"})
    app.register_blueprint(bp)
    with app.app_context():
        assert fw.render_template("hello.html", name="x") == "Hello x!"
        assert fw.render_template("only_bp.html") == "only bp"
    assert {"hello.html", "only_bp.html", "nested/part.html"} <= set(app.jinja_env.list_templates())


def test_blueprints_are_searched_in_registration_order(app, fw, tmp_path):
    first = _blueprint_with_templates(fw, tmp_path, "first", {"shared/page.html": "first"})
    second = _blueprint_with_templates(fw, tmp_path, "second", {"shared/page.html": "second", "two.html": "two"})
    app.register_blueprint(first)
    app.register_blueprint(second)
    with app.app_context():
        assert fw.render_template("shared/page.html") == "first"
        assert fw.render_template("two.html") == "two"


def test_blueprint_without_template_folder(app, fw):
    bp = fw.Blueprint("plain", __name__)
    assert bp.jinja_loader is None
    app.register_blueprint(bp)
    with app.app_context():
        assert fw.render_template("hello.txt", name="x") == "Hello x!"
        with pytest.raises(jinja2.TemplateNotFound):
            fw.render_template("missing.html")


def test_blueprint_template_autoescapes_and_sees_the_request(app, client, fw, tmp_path):
    bp = _blueprint_with_templates(fw, tmp_path, "bp", {"bp_page.html": "{{ request.blueprint }}|{{ v }}"})
    bp.add_url_rule("/page", "page", lambda: fw.render_template("bp_page.html", v="<i>"))
    app.register_blueprint(bp, url_prefix="/bp")
    assert client.get("/bp/page").text == "bp|&lt;i&gt;"


def test_explain_template_loading_with_blueprints(app, client, fw, tmp_path, caplog):
    bp = _blueprint_with_templates(fw, tmp_path, "bp", {"hello.html": "blueprint"})
    bp.add_url_rule("/missing", "missing", lambda: fw.render_template("missing.html"))
    app.register_blueprint(bp)
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        with app.app_context():
            assert fw.render_template("hello.html", name="x") == "Hello x!"
        with pytest.raises(jinja2.TemplateNotFound):
            client.get("/missing")
    found, missing = [r.getMessage() for r in caplog.records if r.name == app.logger.name]
    assert "blueprint 'bp'" in found
    assert "multiple loaders" in found
    assert str(tmp_path / "bp" / "hello.html") in found
    assert "could not be found" in missing
    assert "'bp'" in missing.split("could not be found")[1]


def test_jinja_env_can_be_replaced(app, fw):
    replacement = fw.templating.Environment(app, autoescape=False)
    app.jinja_env = replacement
    assert app.jinja_env is replacement
    with app.app_context():
        assert fw.render_template_string("{{ v }}", v="<b>") == "<b>"
