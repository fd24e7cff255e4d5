"""The `web` process for tests: the Procfile's own command line (gunicorn, its workers and threads) on a
free port, with the run's environment plus whatever a test changes, talked to over a real socket."""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from pathlib import Path

import requests
from werkzeug.serving import make_server

from devtools.local_redis import free_port
from tests.support.processes import Child, procfile_args, wait_http, with_venv_path

ADMIN_TOKEN = "test-operator-token-0123456789abcdef"


class Web:
    def __init__(self, name: str, env: dict[str, str], log_dir: Path, **overrides: str):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        env = with_venv_path({**env, **overrides, "PORT": str(self.port)})
        self.child = Child(name, procfile_args("web"), env, log_dir)
        self.session = requests.Session()
        wait_http(f"{self.base_url}/health", child=self.child)

    def post(self, path: str, body=None, *, prefix: str = "/api/v2", data: bytes | None = None,
             headers: dict | None = None) -> requests.Response:
        """POST `body` as JSON (or raw `data`) to `prefix`/`path`."""
        url = f"{self.base_url}{prefix}/{path}"
        if data is None:
            return self.session.post(url, json=body, headers=headers, timeout=120)
        return self.session.post(url, data=data, headers=headers, timeout=120)

    def call(self, path: str, body: dict, **kwargs) -> dict:
        """The answer of a method, which always comes with HTTP 200."""
        response = self.post(path, body, **kwargs)
        assert response.status_code == 200, (response.status_code, response.text)
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        return response.json()

    def operator(self, path: str, body: dict, token: str = ADMIN_TOKEN) -> requests.Response:
        return self.post(f"admin/{path}", body, headers={"Authorization": f"Bearer {token}"})

    def stop(self) -> None:
        self.session.close()
        self.child.stop()


def page_sign_in(page_url: str, credentials: dict) -> tuple[requests.Session, requests.Response]:
    """Sign in to the ventas en cola page at `page_url` through its form, as a browser would: the
    session (its cookie) and the page it lands on."""
    from producers.http.page_session import FORM_TOKEN_FIELD

    browser = requests.Session()
    form = browser.get(f"{page_url}/ingresar", timeout=10).text
    token = re.search(rf'name="{FORM_TOKEN_FIELD}" value="([^"]+)"', form).group(1)
    answer = browser.post(f"{page_url}/ingresar", data={FORM_TOKEN_FIELD: token, **credentials}, timeout=10)
    assert answer.status_code == 200 and answer.url == page_url, answer.text
    return browser, answer


@contextmanager
def served_in_thread(app):
    """`app` (e.g. one built in the test's own process, with its settings) on a free port; yields its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
