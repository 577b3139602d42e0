"""Real daphne processes serving the live test database, for tests that need a real server.

Used by the two-worker cluster tests (tests/panels/test_cluster.py), the browser
tests (tests/e2e/) and the live benchmark (bench/live.py). The server reads the same
database the test writes to, so the test sets up people and panels with the ORM and the
server sees them.
"""

import contextlib
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import connection

from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The live test database, as a URL another process can open."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(db["NAME"])
        assert "memory" not in name, "a server in another process needs a file database"
        return f"sqlite:///{name}"
    user = quote(db["USER"] or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


# Connections waiting to be accepted: Twisted's default is 50, and in a storm of a thousand
# handshakes the kernel dropped the rest, which the phones sent again only after 1, 3 and 7
# seconds (docs/performance.md). The production unit (deploy/systemd/knoppen@.service)
# listens with the same backlog; the kernel caps it at net.core.somaxconn.
BACKLOG = 4096


def endpoint(port: int, interface: str = "127.0.0.1") -> str:
    """daphne's listening socket, as Twisted describes it (daphne -e)."""
    return f"tcp:port={port}:interface={interface}:backlog={BACKLOG}"


class Daphne:
    """One daphne worker on a free port; its output goes to a log file."""

    def __init__(
        self,
        name: str,
        log_dir: Path,
        *,
        app: str = "config.asgi:application",
        settings_module: str = "config.settings",
        env: dict[str, str] | None = None,
        args: list[str] | None = None,
    ) -> None:
        self.name = name
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"daphne-{name}.log"
        full_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DEBUG": "0",
            "SECRET_KEY": settings.SECRET_KEY,  # so the test's sessions are valid there
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": self.origin,
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "DATABASE_URL": database_url(),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "daphne", "-e", endpoint(self.port)] + (args or []) + [app],
                cwd=ROOT,
                env=full_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_until_serving(self, deadline: float | None = None) -> None:
        deadline = deadline or time.monotonic() + START_TIMEOUT

        def serving() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"daphne {self.name} exited:\n{self.tail()}")
            try:
                status, _headers, _body = self.request("GET", "/")
            except OSError:
                return False
            assert status < 500, f"daphne {self.name} answers {status}:\n{self.tail()}"
            return True

        wait_until(
            serving,
            deadline - time.monotonic(),
            lambda: f"daphne {self.name} answers HTTP:\n{self.tail()}",
            interval=0.1,
        )

    def request(self, method: str, path: str, body: str = "", headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body or None, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def post_as(self, sessionid: str, path: str, data: dict) -> int:
        """A plain form POST that must succeed (a redirect)."""
        status, _headers, body = self.post_form(sessionid, path, data)
        assert status == 302, f"POST {path} on {self.name}: {status}\n{body[:500]!r}"
        return status

    def post_form(self, sessionid: str, path: str, data: dict, headers: dict | None = None):
        """A plain form POST, as a browser without JavaScript sends it (CSRF included):
        (status, headers, body)."""
        token = secrets.token_hex(16)  # any 32-character secret will do as the CSRF cookie
        return self.request(
            "POST",
            path,
            urlencode({**data, "csrfmiddlewaretoken": token}),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"sessionid={sessionid}; csrftoken={token}",
                "Origin": self.origin,
                "Referer": self.origin + path,
                **(headers or {}),
            },
        )

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=5)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@contextlib.contextmanager
def workers(names, log_dir: Path, **options) -> Iterator[list[Daphne]]:
    """Several daphne workers started side by side (`options` as for Daphne), each
    serving before the block runs; all stopped after it."""
    started: list[Daphne] = []
    try:
        for name in names:
            started.append(Daphne(name, log_dir, **options))
        deadline = time.monotonic() + START_TIMEOUT
        for worker in started:
            worker.wait_until_serving(deadline)
        yield started
    finally:
        for worker in started:
            worker.stop()
