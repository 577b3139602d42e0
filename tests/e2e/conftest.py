"""Browser tests: Playwright driving Debian's chromium against a real daphne server.

The server (tests/servers.py) serves the test database; each test sets up its people
with the ORM (committed: these tests use the transactional database) and then acts
only through the browser. Skipped where chromium or Playwright is missing; CI installs
both and fails on any skip.

Screenshots go to artifacts/screenshots/ (E2E_SCREENSHOTS overrides): CI keeps them.
"""

import os
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connections

from panels.models import Membership
from tests.live_helpers import session_cookie
from tests.servers import ROOT, Daphne
from tests.waiting import wait_until

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS", ROOT / "artifacts" / "screenshots"))
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
# How long another person's browser may take to show a change without reloading.
SEEN_WITHIN_MS = 5000

try:
    from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    sync_playwright = None


def pytest_collection_modifyitems(config, items):
    missing = None
    if sync_playwright is None:
        missing = "Playwright is not installed (pip install -e '.[test]')"
    elif not Path(CHROMIUM).exists():
        missing = f"no chromium at {CHROMIUM} (apt install chromium, or set CHROMIUM)"
    here = Path(__file__).parent
    for item in items:
        if Path(item.fspath).is_relative_to(here):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.django_db(transaction=True))
            if missing:
                item.add_marker(pytest.mark.skip(reason=missing))


@pytest.fixture(scope="session")
def server(django_db_setup, tmp_path_factory) -> Iterator[Daphne]:
    """One daphne worker for the whole run, on the test database (and Redis, when set)."""
    logs = tmp_path_factory.mktemp("e2e")
    mail = logs / "mail"
    mail.mkdir()
    env = {"E2E_MAIL_DIR": str(mail)}
    if os.environ.get("REDIS_URL"):
        env["CHANNEL_PREFIX"] = f"knoppen-e2e-{os.getpid()}"
    app = Daphne(
        "e2e",
        logs,
        app="tests.e2e.asgi:application",
        settings_module="tests.e2e.server_settings",
        env=env,
    )
    app.mail_dir = mail
    try:
        app.wait_until_serving()
        yield app
    finally:
        app.stop()


@pytest.fixture(autouse=True)
def no_server_errors(request, server):
    """A test fails when the server logged an error while it ran, whatever the page showed."""
    start = server.log.stat().st_size
    yield
    with server.log.open("rb") as log:
        log.seek(start)
        new = log.read().decode(errors="replace")
    errors = [line for line in new.splitlines() if line.startswith(("ERROR", "CRITICAL"))]
    assert not errors, f"the server logged errors during the test:\n{new[-4000:]}"


def act(service, *args, **kwargs):
    """Call a service as the server would, outside Playwright's event loop.

    Services push after commit through async_to_sync, which cannot run in a thread with a
    running event loop; in a thread of its own the push goes out (through Redis in CI) and
    the browsers see it.
    """

    def run():
        try:
            return service(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    """Chromium, for one test module.

    Playwright's sync API keeps an asyncio loop running in this thread while it is started,
    which Django takes for async code; the ORM calls the tests make between browser steps
    (and the database flush after each test) are plain synchronous code all the same. The
    loop stops, and Django's check is back, when the module is done.
    """
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield from _launch(playwright)
    finally:
        if before is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


def _launch(playwright) -> Iterator["Browser"]:
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )
    try:
        yield chromium
    finally:
        chromium.close()


class People:
    """Browser contexts, one per person, closed at the end of the test."""

    def __init__(self, browser: "Browser", server: Daphne) -> None:
        self.browser = browser
        self.server = server
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []

    def context(
        self, *, language: str = "nl", viewport=None, javascript: bool = True, csp: bool = True
    ):
        """A browser of its own; `csp=False` lets a test tool injected into its pages (axe-core)
        do what our Content Security Policy forbids (inline styles)."""
        context = self.browser.new_context(
            bypass_csp=not csp,
            base_url=self.server.origin,
            locale="nl-NL" if language == "nl" else "en-GB",
            extra_http_headers={"Accept-Language": language},
            viewport=viewport or DESKTOP,
            java_script_enabled=javascript,
            timezone_id="Europe/Amsterdam",
        )
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        return context

    def page_for(self, who: Membership | None = None, **options) -> "Page":
        """A fresh browser for this person, already logged in (through a real session)."""
        context = self.context(**options)
        if who is not None:
            context.add_cookies(
                [{"name": "sessionid", "value": session_cookie(who), "url": self.server.origin}]
            )
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{who}: {error}"))
        page.on("console", lambda message: self._csp_violation(who, page, message))
        return page

    def _csp_violation(self, who, page, message) -> None:
        """The page broke our Content Security Policy (an inline script or style crept in)."""
        if message.type == "error" and "Content Security Policy" in message.text:
            where = message.location.get("url") or page.url
            self.errors.append(f"{who} on {where} ({page.viewport_size}): {message.text}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        server_quiet()


def server_quiet(timeout: float = 5) -> None:
    """Wait until the server has written the departures of the sockets just closed (and sent
    the presence push that follows), so that emptying the database for the next test does
    not meet the server's own transactions halfway (PostgreSQL: a deadlock)."""
    from panels.models import Presence

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Presence.objects.exclude(worker__id__startswith="page:").exists():
            break
        time.sleep(0.1)
    time.sleep(0.5)  # the coalesced presence push (0.25 s) and its render


@pytest.fixture(autouse=True, scope="session")
def flush_retries_a_deadlock():
    """Emptying the database after a test retries when PostgreSQL picks it as the victim of a
    deadlock with the server (a heartbeat or push that ran just then)."""
    from django.test.testcases import TransactionTestCase

    original = TransactionTestCase._fixture_teardown

    def teardown(self):
        for attempt in range(3):
            try:
                return original(self)
            except Exception as error:  # flush's CommandError, from the database's error
                if attempt == 2 or "deadlock" not in str(error.__cause__ or error).lower():
                    raise
                time.sleep(0.5)

    TransactionTestCase._fixture_teardown = teardown
    yield
    TransactionTestCase._fixture_teardown = original


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed
    return report


@pytest.fixture
def people(request, browser, server) -> Iterator[People]:
    crowd = People(browser, server)
    yield crowd
    if getattr(request.node, "e2e_failed", False):  # what each browser showed, for the report
        for number, context in enumerate(crowd.contexts):
            for page in context.pages:
                screenshot(page, f"FAILED-{request.node.name}-{number}")
    crowd.close()
    assert not crowd.errors, f"JavaScript errors or policy violations in the pages: {crowd.errors}"


def screenshot(page: "Page", name: str) -> Path:
    """Keep a full-page screenshot as an artefact (artifacts/screenshots/NAME.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def live(page: "Page") -> "Page":
    """Wait until the page's live connection is open (the page says so in words)."""
    expect(page.locator("#live-connection")).to_have_attribute("data-state", "open")
    return page


def wait_for(condition, timeout: float = SEEN_WITHIN_MS / 1000, what: str = "") -> None:
    """Poll a database condition (for steps the browser does not show)."""
    wait_until(condition, timeout, what)
