"""The deployment recipe, end to end: nginx with deploy/nginx's locations in front of two
daphne workers started as deploy/systemd's unit starts them (deploy/ci-smoke sets it all
up and points KNOPPEN_NGINX_URL at nginx).

Everything goes through nginx, as a browser's requests would: the login form, the live
page and its static files, the meeting's socket, a ballot and its push. A forged
X-Forwarded-For must not reach the app: it counts by the address nginx saw.
"""

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from websockets.asyncio.client import connect as ws_connect

from panels import login_limits
from tests.live_helpers import fragment_ids, section, snapshot_of

NGINX_URL = os.environ.get("KNOPPEN_NGINX_URL", "").rstrip("/")
ROOT = Path(__file__).resolve().parents[2]
# A deadline, not a measure: CI shares two busy cores.
PUSH_WITHIN = 10.0
NGINX_REQUEST_ID = re.compile(r"[0-9a-f]{32}")  # $request_id; the app's own are 16 long
TURNOUT = re.compile(r"(\d+) of (\d+) have voted")

pytestmark = [
    pytest.mark.deploy,
    pytest.mark.skipif(
        not NGINX_URL, reason="needs nginx in front of the workers: run deploy/ci-smoke"
    ),
]


class Forms(HTMLParser):
    """The forms of a page (action and inputs) and the files it loads."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.files: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "inputs": []})
        elif tag == "input" and self.forms:
            self.forms[-1]["inputs"].append(attrs)
        elif tag == "script" and attrs.get("src"):
            self.files.append(attrs["src"])
        elif tag == "link" and attrs.get("rel") == "stylesheet":
            self.files.append(attrs["href"])


def read(html: str) -> Forms:
    parser = Forms()
    parser.feed(html)
    return parser


def form_to(html: str, action: str, page_path: str) -> dict[str, str]:
    """The hidden fields of the page's form that posts to `action`, as a browser sends them
    (a form without an action posts to its own page)."""
    for form in read(html).forms:
        if (form["action"] or page_path) == action:
            return {
                field["name"]: field.get("value", "")
                for field in form["inputs"]
                if field.get("type") == "hidden" and field.get("name")
            }
    raise AssertionError(f"no form to {action} on the page")


class Browser:
    """Cookies, the site's Origin, English: what a browser sends to nginx, nothing more."""

    def __init__(self) -> None:
        self.url = urlsplit(NGINX_URL)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None, headers=None):
        conn = HTTPConnection(self.url.hostname, self.url.port, timeout=20)
        sent = {"Accept-Language": "en", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            sent |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": NGINX_URL,
                "Referer": NGINX_URL + path,
            }
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            content = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, content

    def get(self, path: str, headers=None) -> tuple[int, object, str]:
        status, headers, content = self.request("GET", path, headers=headers)
        return status, headers, content.decode("utf-8", "replace")

    def submit(self, path: str, page: str, fields: dict, action: str | None = None, headers=None):
        """Fill in the page's form to `action` (default: `path`) and send it."""
        action = action or path
        return self.request("POST", action, form_to(page, action, path) | fields, headers)

    def log_in(self, email: str, password: str) -> None:
        status, _headers, page = self.get("/accounts/login/")
        assert status == 200, status
        status, _headers, _body = self.submit(
            "/accounts/login/", page, {"username": email, "password": password}
        )
        assert status == 302, f"the login form answered {status}"
        assert "sessionid" in self.cookies


@pytest.fixture(scope="module")
def world() -> dict:
    """A member, a live meeting and its open vote, written by the workers' own settings."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.deploy.seed"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def bob(world) -> Browser:
    browser = Browser()
    browser.log_in(world["email"], world["password"])
    return browser


def test_the_live_page_and_its_static_files_come_through_nginx(world, bob):
    status, headers, page = bob.get(
        world["meeting_path"], headers={"X-Request-ID": "chosen-by-the-client"}
    )

    assert status == 200
    assert "Komt er een fietsenstalling?" in page
    # nginx's request id, not the client's, reached the app and came back.
    assert NGINX_REQUEST_ID.fullmatch(headers["X-Request-ID"]), headers["X-Request-ID"]

    files = read(page).files
    assert any("htmx.min" in path for path in files) and any(".css" in path for path in files)
    for path in files:
        assert path.startswith("/static/"), path
        status, headers, content = bob.request("GET", path)
        assert status == 200, f"{path}: {status}"
        assert headers["Cache-Control"] == "max-age=31536000", path
        assert "X-Request-ID" not in headers, f"{path} came from a worker, not from nginx"
        if "htmx.min" in path:
            assert b"htmx" in content


def test_a_ballot_cast_through_nginx_is_pushed_to_the_socket_opened_through_it(world, bob):
    _status, _headers, page = bob.get(world["meeting_path"])
    url = urlsplit(NGINX_URL)

    async def scenario() -> None:
        async with ws_connect(
            f"ws://{url.netloc}/ws/meetings/{world['meeting_id']}/",
            origin=NGINX_URL,
            additional_headers=[
                ("Cookie", f"sessionid={bob.cookies['sessionid']}"),
                ("Accept-Language", "en"),
            ],
            open_timeout=10,
            close_timeout=2,
        ) as socket:
            snapshot = await snapshot_of(socket, within=PUSH_WITHIN)
            assert "live-vote" in fragment_ids(snapshot)
            assert TURNOUT.search(section(snapshot, "live-vote")).group(1) == "0"

            status, headers, _body = await asyncio.to_thread(
                bob.submit, world["meeting_path"], page, {"choice": "for"}, world["cast_path"]
            )
            assert status == 302, f"casting answered {status}"
            assert headers["Location"] == world["meeting_path"]

            await turnout_shown(socket, 1)

    asyncio.run(scenario())


async def turnout_shown(socket, voted: int) -> None:
    deadline = time.monotonic() + PUSH_WITHIN
    while (left := deadline - time.monotonic()) > 0:
        try:
            frame = await asyncio.wait_for(socket.recv(), left)
        except TimeoutError:
            break
        if "live-vote" in fragment_ids(frame):
            shown = TURNOUT.search(section(frame, "live-vote"))
            if shown and int(shown.group(1)) == voted:
                return
    raise AssertionError(f"no push showing {voted} voted within {PUSH_WITHIN}s")


def test_a_forged_x_forwarded_for_is_replaced_by_the_address_nginx_saw():
    """Password-reset links are limited per network (panels/login_limits.py). Each request
    writes a different address in X-Forwarded-For; had the app believed any, each would
    count apart. They all count as nginx's own peer, 127.0.0.1: the limit is reached."""
    stranger = Browser()
    _status, _headers, page = stranger.get("/accounts/password_reset/")

    def ask(number: int, forged: str):
        return stranger.submit(
            "/accounts/password_reset/",
            page,
            {"email": f"nobody-{number}@example.org"},
            headers={"X-Forwarded-For": forged},
        )

    for number in range(login_limits.RESETS_PER_ADDRESS):
        status, _headers, _body = ask(number, f"203.0.113.{number + 1}")
        assert status == 302, f"request {number + 1} was refused: the count was not fresh"

    status, _headers, body = ask(login_limits.RESETS_PER_ADDRESS, "203.0.113.9")

    assert status == 200
    assert "You asked for a new link several times" in body.decode()
