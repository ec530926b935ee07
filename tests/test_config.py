"""Tests for :mod:`fastmicro.config`."""
from __future__ import annotations

import json
import os
import sys
import textwrap
import tomllib
import types
import typing as t
from pathlib import Path

import pytest

from fastmicro.config import Config, ConfigAttribute


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(tmp_path)


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


# -- construction and repr ---------------------------------------------------


def test_is_a_dict_with_defaults_copied(tmp_path: Path) -> None:
    defaults = {"A": 1}
    config = Config(tmp_path, defaults)
    assert isinstance(config, dict)
    assert config == {"A": 1}
    assert config.root_path == tmp_path
    config["B"] = 2
    assert defaults == {"A": 1}


def test_no_defaults_is_empty(tmp_path: Path) -> None:
    assert Config(tmp_path) == {}
    assert Config(tmp_path, None) == {}


def test_repr(config: Config) -> None:
    config["X"] = 1
    assert repr(config) == "<Config {'X': 1}>"

    class Sub(Config):
        pass

    assert repr(Sub("/", {"Y": "z"})) == "<Sub {'Y': 'z'}>"


# -- from_object --------------------------------------------------------------


class _Settings:
    DEBUG = True
    SECRET_KEY = "dev"
    lower = "skipped"
    Mixed = "skipped"
    _PRIVATE_UPPER = "kept: isupper() ignores underscores"


def test_from_object_class(config: Config) -> None:
    config.from_object(_Settings)
    assert config == {
        "DEBUG": True,
        "SECRET_KEY": "dev",
        "_PRIVATE_UPPER": "kept: isupper() ignores underscores",
    }


def test_from_object_instance_reads_properties(config: Config) -> None:
    class WithProperty:
        BASE = "a"

        @property
        def DERIVED(self) -> str:
            return self.BASE + "b"

    config.from_object(WithProperty())
    assert config["DERIVED"] == "ab"


def test_from_object_import_string(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("fm_test_settings_mod")
    module.TIMEOUT = 30  # type: ignore[attr-defined]
    module.ignored = 1  # type: ignore[attr-defined]
    module.Nested = _Settings  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fm_test_settings_mod", module)

    config.from_object("fm_test_settings_mod")
    assert config == {"TIMEOUT": 30}

    other = Config("/")
    other.from_object("fm_test_settings_mod:Nested")
    assert other["SECRET_KEY"] == "dev"
    other2 = Config("/")
    other2.from_object("fm_test_settings_mod.Nested")
    assert other2["SECRET_KEY"] == "dev"


def test_from_object_bad_import_string(config: Config) -> None:
    with pytest.raises(ImportError):
        config.from_object("fm_no_such_module_anywhere")


def test_from_object_dict_loads_nothing(config: Config) -> None:
    # Keys of a dict are not attributes.
    config.from_object({"KEY": "value"})
    assert config == {}


def test_from_object_overrides_existing(tmp_path: Path) -> None:
    config = Config(tmp_path, {"DEBUG": False, "OTHER": 1})
    config.from_object(_Settings)
    assert config["DEBUG"] is True
    assert config["OTHER"] == 1


# -- from_pyfile ---------------------------------------------------------------


def test_from_pyfile_relative_to_root(config: Config, tmp_path: Path) -> None:
    write(
        tmp_path / "settings.cfg",
        """
        import os
        SECRET_KEY = "s3cret"
        VALUES = [1, 2]
        temporary = 5
        DERIVED = temporary * 2
        FILE = __file__
        """,
    )
    assert config.from_pyfile("settings.cfg") is True
    assert config == {
        "SECRET_KEY": "s3cret",
        "VALUES": [1, 2],
        "DERIVED": 10,
        "FILE": os.path.join(tmp_path, "settings.cfg"),
    }


def test_from_pyfile_absolute_path(tmp_path: Path) -> None:
    path = write(tmp_path / "abs.py", "A = 1\n")
    config = Config("/somewhere/else")
    assert config.from_pyfile(str(path))
    assert config["A"] == 1


def test_from_pyfile_accepts_pathlike(config: Config, tmp_path: Path) -> None:
    write(tmp_path / "p.py", "B = 'x'\n")
    assert config.from_pyfile(Path("p.py"))
    assert config["B"] == "x"


def test_from_pyfile_missing(config: Config, tmp_path: Path) -> None:
    with pytest.raises(OSError) as info:
        config.from_pyfile("missing.cfg")
    message = str(info.value)
    assert message.startswith("[Errno 2] Unable to load configuration file (")
    assert os.path.join(tmp_path, "missing.cfg") in message
    assert info.value.filename == os.path.join(tmp_path, "missing.cfg")
    assert config == {}


def test_from_pyfile_missing_silent(config: Config, tmp_path: Path) -> None:
    assert config.from_pyfile("missing.cfg", silent=True) is False
    # A directory, and a path through a regular file, are "missing" too.
    (tmp_path / "adir").mkdir()
    assert config.from_pyfile("adir", silent=True) is False
    write(tmp_path / "afile", "")
    assert config.from_pyfile("afile/inner.cfg", silent=True) is False
    assert config == {}


def test_from_pyfile_silent_does_not_hide_errors_in_the_file(
    config: Config, tmp_path: Path
) -> None:
    write(tmp_path / "broken.cfg", "A = 1 / 0\n")
    with pytest.raises(ZeroDivisionError):
        config.from_pyfile("broken.cfg", silent=True)
    write(tmp_path / "syntax.cfg", "A = (\n")
    with pytest.raises(SyntaxError):
        config.from_pyfile("syntax.cfg", silent=True)


# -- from_envvar ---------------------------------------------------------------


def test_from_envvar(config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "env.cfg", "FROM_ENV = True\n")
    monkeypatch.setenv("FM_TEST_SETTINGS", str(path))
    assert config.from_envvar("FM_TEST_SETTINGS") is True
    assert config["FROM_ENV"] is True


def test_from_envvar_unset(config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FM_TEST_SETTINGS", raising=False)
    with pytest.raises(RuntimeError) as info:
        config.from_envvar("FM_TEST_SETTINGS")
    assert str(info.value) == (
        "The environment variable 'FM_TEST_SETTINGS' is not set and as such"
        " configuration could not be loaded. Set this variable and make it"
        " point to a configuration file"
    )
    assert config.from_envvar("FM_TEST_SETTINGS", silent=True) is False


def test_from_envvar_empty_counts_as_unset(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FM_TEST_SETTINGS", "")
    with pytest.raises(RuntimeError, match="is not set"):
        config.from_envvar("FM_TEST_SETTINGS")


def test_from_envvar_missing_file(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FM_TEST_SETTINGS", str(tmp_path / "nope.cfg"))
    with pytest.raises(OSError, match=r"Unable to load configuration file \(No such file"):
        config.from_envvar("FM_TEST_SETTINGS")
    assert config.from_envvar("FM_TEST_SETTINGS", silent=True) is False


# -- from_file and from_mapping --------------------------------------------------


def test_from_file_json(config: Config, tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text(json.dumps({"A": [1, 2], "b": 3, "C": {"d": 1}}))
    assert config.from_file("c.json", load=json.load) is True
    assert config == {"A": [1, 2], "C": {"d": 1}}


def test_from_file_binary(config: Config, tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('NAME = "x"\nlower = 1\n')
    with pytest.raises(TypeError):
        # tomllib refuses a text-mode file.
        config.from_file("c.toml", load=tomllib.load)
    assert config.from_file("c.toml", load=tomllib.load, text=False) is True
    assert config == {"NAME": "x"}


def test_from_file_text_mode_passes_text(config: Config, tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("X")
    seen: list[t.Any] = []

    def load(f: t.IO[t.Any]) -> dict[str, t.Any]:
        seen.append(f.read())
        return {}

    config.from_file("f.txt", load=load)
    config.from_file("f.txt", load=load, text=False)
    assert seen == ["X", b"X"]


def test_from_file_missing(config: Config, tmp_path: Path) -> None:
    with pytest.raises(OSError, match=r"^\[Errno 2\] Unable to load configuration file \("):
        config.from_file("missing.json", load=json.load)
    assert config.from_file("missing.json", load=json.load, silent=True) is False
    (tmp_path / "d").mkdir()
    assert config.from_file("d", load=json.load, silent=True) is False


def test_from_file_silent_does_not_hide_bad_data(config: Config, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(json.JSONDecodeError):
        config.from_file("bad.json", load=json.load, silent=True)


def test_from_mapping(config: Config) -> None:
    assert config.from_mapping({"A": 1, "b": 2}, C=3, d=4) is True
    assert config == {"A": 1, "C": 3}


def test_from_mapping_kwargs_win(config: Config) -> None:
    config.from_mapping({"A": 1}, A=2)
    assert config["A"] == 2


def test_from_mapping_nothing(config: Config) -> None:
    assert config.from_mapping() is True
    assert config.from_mapping(None) is True
    assert config == {}


def test_from_mapping_rejects_positional_extras(config: Config) -> None:
    with pytest.raises(TypeError):
        config.from_mapping({"A": 1}, {"B": 2})  # type: ignore[call-arg]


# -- from_prefixed_env ------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key in list(os.environ):
        if key.startswith(("FASTMICRO_", "FLASK_", "FMAPP_")):
            monkeypatch.delenv(key)
    return monkeypatch


def test_from_prefixed_env_default_prefix(config: Config, clean_env: pytest.MonkeyPatch) -> None:
    # fastmicro's default prefix; Flask's is FLASK.
    clean_env.setenv("FASTMICRO_STRING", "value")
    clean_env.setenv("FASTMICRO_BOOL", "true")
    clean_env.setenv("FASTMICRO_INT", "1")
    clean_env.setenv("FASTMICRO_FLOAT", "1.5")
    clean_env.setenv("FASTMICRO_LIST", "[1, 2]")
    clean_env.setenv("FASTMICRO_DICT", '{"k": "v"}')
    clean_env.setenv("FASTMICRO_NULL", "null")
    clean_env.setenv("FLASK_NOT_MINE", "1")
    clean_env.setenv("FASTMICROX", "1")
    assert config.from_prefixed_env() is True
    assert config == {
        "STRING": "value",
        "BOOL": True,
        "INT": 1,
        "FLOAT": 1.5,
        "LIST": [1, 2],
        "DICT": {"k": "v"},
        "NULL": None,
    }


def test_from_prefixed_env_flask_prefix_for_ported_apps(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("FLASK_SECRET_KEY", "from-flask-env")
    clean_env.setenv("FASTMICRO_OTHER", "1")
    config.from_prefixed_env(prefix="FLASK")
    assert config == {"SECRET_KEY": "from-flask-env"}


def test_from_prefixed_env_custom_loads(config: Config, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("FMAPP_A", "3")
    clean_env.setenv("FMAPP_B", "text")

    def loads(value: str) -> t.Any:
        return int(value)  # ValueError for "text": the string is kept

    config.from_prefixed_env("FMAPP", loads=loads)
    assert config == {"A": 3, "B": "text"}


def test_from_prefixed_env_loads_is_keyword_only(config: Config) -> None:
    with pytest.raises(TypeError):
        config.from_prefixed_env("FMAPP", json.loads)  # type: ignore[misc]


def test_from_prefixed_env_nested(config: Config, clean_env: pytest.MonkeyPatch) -> None:
    config["EXIST"] = {"ok": "value", "flag": False}
    clean_env.setenv("FMAPP_EXIST__ok", "other")
    clean_env.setenv("FMAPP_EXIST__inner__ik", "2")
    clean_env.setenv("FMAPP_EXIST__flag", "true")
    clean_env.setenv("FMAPP_NEW__K", "42")
    config.from_prefixed_env("FMAPP")
    assert config == {
        "EXIST": {"ok": "other", "flag": True, "inner": {"ik": 2}},
        "NEW": {"K": 42},
    }


def test_from_prefixed_env_sorted_order(config: Config, clean_env: pytest.MonkeyPatch) -> None:
    # "FMAPP_A" sorts before "FMAPP_A__B": the nested key is set after the
    # plain one replaced the value with a dict.
    clean_env.setenv("FMAPP_A__B", "1")
    clean_env.setenv("FMAPP_A", "{}")
    config.from_prefixed_env("FMAPP")
    assert config == {"A": {"B": 1}}


def test_from_prefixed_env_nested_through_non_dict(
    config: Config, clean_env: pytest.MonkeyPatch
) -> None:
    config["A"] = "string"
    clean_env.setenv("FMAPP_A__B", "1")
    with pytest.raises(TypeError):
        config.from_prefixed_env("FMAPP")


# -- get_namespace ---------------------------------------------------------------


def test_get_namespace(config: Config) -> None:
    config.from_mapping(
        FOO_OPTION_1="foo option 1",
        FOO_OPTION_2="foo option 2",
        BAR_STUFF_1="bar stuff 1",
        BAR_STUFF_2="bar stuff 2",
    )
    assert config.get_namespace("FOO_") == {
        "option_1": "foo option 1",
        "option_2": "foo option 2",
    }
    assert config.get_namespace("BAR_", lowercase=False) == {
        "STUFF_1": "bar stuff 1",
        "STUFF_2": "bar stuff 2",
    }
    assert config.get_namespace("FOO_OPTION_", trim_namespace=False) == {
        "foo_option_1": "foo option 1",
        "foo_option_2": "foo option 2",
    }
    assert config.get_namespace("BAR_STUFF_", lowercase=False, trim_namespace=False) == {
        "BAR_STUFF_1": "bar stuff 1",
        "BAR_STUFF_2": "bar stuff 2",
    }
    assert config.get_namespace("NONE_") == {}


# -- ConfigAttribute ---------------------------------------------------------------


class _Holder:
    debug = ConfigAttribute[bool]("DEBUG")
    timeout = ConfigAttribute[int]("TIMEOUT", get_converter=int)

    def __init__(self) -> None:
        self.config = Config("/", {"DEBUG": False, "TIMEOUT": "5"})


def test_config_attribute_forwards() -> None:
    holder = _Holder()
    assert holder.debug is False
    holder.debug = True
    assert holder.config["DEBUG"] is True
    assert holder.debug is True
    holder.config["DEBUG"] = False
    assert holder.debug is False


def test_config_attribute_converter_on_get_only() -> None:
    holder = _Holder()
    assert holder.timeout == 5
    holder.timeout = "7"  # type: ignore[assignment]
    assert holder.config["TIMEOUT"] == "7"
    assert holder.timeout == 7


def test_config_attribute_on_class_returns_descriptor() -> None:
    descriptor = _Holder.__dict__["timeout"]
    assert _Holder.timeout is descriptor
    assert isinstance(descriptor, ConfigAttribute)
    assert descriptor.__name__ == "TIMEOUT"
    assert descriptor.get_converter is int
    assert _Holder.__dict__["debug"].get_converter is None


def test_config_attribute_missing_key() -> None:
    holder = _Holder()
    del holder.config["DEBUG"]
    with pytest.raises(KeyError):
        holder.debug
