"""The example apps in examples/: through the test client, and one real server."""
from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


def _load(name: str, path: Path):
    """Import an example's app.py under a unique module name."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


@pytest.fixture(scope="module")
def hello_module():
    module = _load("_example_hello_app", EXAMPLES / "hello" / "app.py")
    yield module
    sys.modules.pop("_example_hello_app", None)


@pytest.fixture(scope="module")
def showcase_module():
    module = _load("_example_showcase_app", EXAMPLES / "showcase" / "app.py")
    yield module
    sys.modules.pop("_example_showcase_app", None)


@pytest.fixture
def showcase(showcase_module):
    """A fresh showcase app (its own item store) and its test client."""
    app = showcase_module.create_app()
    app.config["TESTING"] = True
    return app.test_client()


# -- hello ------------------------------------------------------------------


def test_hello_is_a_fastmicro_app(hello_module) -> None:
    import fastmicro

    assert isinstance(hello_module.app, fastmicro.FastMicro)


def test_hello(hello_module) -> None:
    client = hello_module.app.test_client()
    response = client.get("/")
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    assert response.data == b"Hello, World!"
    assert client.get("/?name=Ada").data == b"Hello, Ada!"
    # The name is escaped, not injected into the HTML.
    assert client.get("/?name=<b>").data == b"Hello, &lt;b&gt;!"
    assert client.get("/nope").status_code == 404
    response = client.post("/")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


# -- showcase: pages, templates and converters -----------------------------


def test_showcase_module_app(showcase_module) -> None:
    import fastmicro

    assert isinstance(showcase_module.app, fastmicro.FastMicro)
    endpoints = {rule.endpoint for rule in showcase_module.app.url_map.iter_rules()}
    assert {"index", "item_page", "api_list", "api_create", "order", "static"} <= endpoints


def test_index_renders_layout_and_loop(showcase) -> None:
    response = showcase.get("/")
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    html = response.get_data(as_text=True)
    # base layout
    assert html.startswith("<!doctype html>")
    assert '<link rel="stylesheet" href="/static/style.css">' in html
    assert '<a href="/order">Order</a>' in html
    # the loop with url_for
    for item_id, name in [(1, "Keyboard"), (2, "Mouse"), (3, "Monitor")]:
        assert f'<a href="/items/{item_id}">{name}</a>' in html
    assert "3 items." in html


def test_item_page_int_converter(showcase) -> None:
    response = showcase.get("/items/2")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Mouse</h1>" in html
    assert "Item #2: 7 in stock." in html
    assert '<a href="/api/items/2">as JSON</a>' in html
    assert showcase.get("/items/99").status_code == 404
    # not an int: no route matches
    assert showcase.get("/items/two").status_code == 404


def test_string_converter_escapes(showcase) -> None:
    html = showcase.get("/greet/Ada").get_data(as_text=True)
    assert "<h1>Hello, Ada!</h1>" in html
    html = showcase.get("/greet/%3Cscript%3E").get_data(as_text=True)
    assert "<h1>Hello, &lt;script&gt;!</h1>" in html


def test_path_and_float_converters(showcase) -> None:
    response = showcase.get("/files/docs/guide/intro.md")
    assert response.status_code == 200
    assert response.get_json() == {"path": "docs/guide/intro.md", "parts": ["docs", "guide", "intro.md"]}
    data = showcase.get("/scale/2.5").get_json()
    assert data["factor"] == 2.5
    assert data["items"][0] == {"name": "Keyboard", "qty": 7.5}
    assert showcase.get("/scale/2").status_code == 404  # float needs a dot


def test_unknown_url_is_404(showcase) -> None:
    response = showcase.get("/no/such/page")
    assert response.status_code == 404
    assert b"Not Found" in response.data


def test_static_file_served(showcase) -> None:
    response = showcase.get("/static/style.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert response.data == (EXAMPLES / "showcase" / "static" / "style.css").read_bytes()
    response.close()
    assert showcase.get("/static/missing.css").status_code == 404


# -- showcase: JSON API -------------------------------------------------------


def test_api_list(showcase) -> None:
    response = showcase.get("/api/items")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert response.get_json() == {"items": [
        {"id": 1, "name": "Keyboard", "qty": 3},
        {"id": 2, "name": "Mouse", "qty": 7},
        {"id": 3, "name": "Monitor", "qty": 1},
    ]}


def test_api_create_round_trip(showcase) -> None:
    response = showcase.post("/api/items", json={"name": "  Cable ", "qty": 12})
    assert response.status_code == 201
    created = response.get_json()
    assert created == {"id": 4, "name": "Cable", "qty": 12}
    assert response.headers["Location"] == "/api/items/4"
    fetched = showcase.get(response.headers["Location"])
    assert fetched.status_code == 200
    assert fetched.get_json() == created
    assert showcase.get("/api/items").get_json()["items"][-1] == created
    # and the HTML pages see it too
    assert '<a href="/items/4">Cable</a>' in showcase.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"json": {"qty": 1}}, "'name' must be a non-empty string"),
        ({"json": {"name": "   "}}, "'name' must be a non-empty string"),
        ({"json": {"name": "x", "qty": -1}}, "'qty' must be an integer >= 0"),
        ({"json": {"name": "x", "qty": "3"}}, "'qty' must be an integer >= 0"),
        ({"json": {"name": "x", "qty": True}}, "'qty' must be an integer >= 0"),
        ({"json": ["name"]}, "expected a JSON object"),
        ({"data": "{not json", "content_type": "application/json"}, "expected a JSON object"),
        ({"data": "name=x"}, "expected a JSON object"),
    ],
)
def test_api_create_rejects_bad_input(showcase, kwargs, error) -> None:
    response = showcase.post("/api/items", **kwargs)
    assert response.status_code == 400
    assert response.content_type == "application/json"
    assert response.get_json() == {"error": error}
    assert len(showcase.get("/api/items").get_json()["items"]) == 3


def test_api_missing_item_is_json_404(showcase) -> None:
    response = showcase.get("/api/items/42")
    assert response.status_code == 404
    assert response.get_json() == {"error": "no item 42"}


def test_api_wrong_method(showcase) -> None:
    response = showcase.delete("/api/items")
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} >= {"GET", "POST"}


# -- showcase: the form --------------------------------------------------------


def test_form_get_shows_form(showcase) -> None:
    response = showcase.get("/order")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<form method="post" action="/order">' in html
    assert '<option value="3">Monitor</option>' in html
    assert 'class="error"' not in html


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"name": "", "item_id": "1", "qty": "1"}, "Please tell us your name."),
        ({"name": "Ada", "item_id": "99", "qty": "1"}, "Please choose an item."),
        ({"name": "Ada", "item_id": "x", "qty": "1"}, "Please choose an item."),
        ({"name": "Ada", "item_id": "3", "qty": "2"}, "Quantity must be between 1 and 1."),
        ({"name": "Ada", "item_id": "1", "qty": "0"}, "Quantity must be between 1 and 3."),
    ],
)
def test_form_errors_rerender(showcase, form, error) -> None:
    response = showcase.post("/order", data=form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'<p class="error">{error}</p>' in html
    # what was typed is kept
    assert f'value="{form["name"]}"' in html
    assert "Location" not in response.headers


def test_form_redirects_to_result(showcase) -> None:
    response = showcase.post("/order", data={"name": "Ada", "item_id": "2", "qty": "4"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/order/done?name=Ada&item=Mouse&qty=4"
    done = showcase.get(response.headers["Location"])
    assert done.status_code == 200
    html = done.get_data(as_text=True)
    assert "<h1>Thank you, Ada!</h1>" in html
    assert "You ordered 4 × Mouse." in html


def test_form_follow_redirects(showcase) -> None:
    response = showcase.post(
        "/order", data={"name": "Bo", "item_id": "1", "qty": "1"}, follow_redirects=True
    )
    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [302]
    assert response.request.path == "/order/done"
    assert "Thank you, Bo!" in response.get_data(as_text=True)


# -- showcase: a real server ---------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 5.0) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.headers.get("Content-Type"), response.read()


@pytest.mark.slow
def test_showcase_real_server(tmp_path) -> None:
    port = _free_port()
    env = dict(os.environ)
    env.update(FASTMICRO_RUN_HOST="127.0.0.1", FASTMICRO_RUN_PORT=str(port))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    base = f"http://127.0.0.1:{port}"
    with (tmp_path / "server.log").open("w+") as log:
        proc = subprocess.Popen(
            [sys.executable, str(EXAMPLES / "showcase" / "app.py")],
            cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                if proc.poll() is not None:
                    log.seek(0)
                    pytest.fail(f"server exited with {proc.returncode}:\n{log.read()}")
                try:
                    status, content_type, body = _get(base + "/", timeout=1)
                    break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    if time.monotonic() > deadline:
                        log.seek(0)
                        pytest.fail(f"server did not answer within 30 s:\n{log.read()}")
                    time.sleep(0.1)
            assert status == 200
            assert content_type == "text/html; charset=utf-8"
            assert b'<a href="/items/1">Keyboard</a>' in body

            status, content_type, body = _get(base + "/api/items")
            assert status == 200
            assert content_type == "application/json"
            assert [item["name"] for item in json.loads(body)["items"]] == ["Keyboard", "Mouse", "Monitor"]

            request = urllib.request.Request(
                base + "/api/items", data=b'{"name": "Lamp", "qty": 2}',
                headers={"Content-Type": "application/json"}, method="POST",
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                assert response.status == 201
                assert json.loads(response.read()) == {"id": 4, "name": "Lamp", "qty": 2}

            status, _, body = _get(base + "/static/style.css")
            assert status == 200 and body.startswith(b"/* fastmicro showcase */")
            with pytest.raises(urllib.error.HTTPError) as excinfo:
                _get(base + "/no/such/page")
            assert excinfo.value.code == 404
            excinfo.value.close()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                proc.kill()
                proc.wait()
        log.seek(0)
        output = log.read()
    assert f"Running on http://127.0.0.1:{port}" in output
    assert '"GET /api/items HTTP/1.1" 200' in output
