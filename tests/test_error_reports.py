"""Error reports (config/error_reports.py): with SENTRY_DSN set, a server error is
reported, and the report holds no personal data: no email address, cookie, session, query
string, form data, user or secret from the address."""

import json

import pytest
import sentry_sdk
from django.http import HttpRequest
from django.test import Client, override_settings
from django.urls import path
from sentry_sdk.transport import Transport

from config import error_reports
from config.urls import urlpatterns as site_urls

pytestmark = pytest.mark.django_db


class Kept(Transport):
    """A transport that keeps what would be sent."""

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self.events: list[dict] = []

    def capture_envelope(self, envelope) -> None:
        for item in envelope.items:
            if item.type == "event":
                self.events.append(json.loads(item.get_bytes()))


def broken(request: HttpRequest, token: str):
    raise ValueError(f"could not mail {request.user.email}")


urlpatterns = [path("broken/<str:token>/", broken), *site_urls]


@pytest.fixture
def reported():
    transport = Kept()
    error_reports.init("https://public@sentry.example.invalid/1", "test")
    sentry_sdk.get_client().transport = transport
    yield transport
    sentry_sdk.get_client().close()
    # Reports off again, and no integration active: the hooks sentry left in Django then
    # pass straight through for the rest of the run.
    sentry_sdk.init(default_integrations=False, auto_enabling_integrations=False)


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_is_reported_without_personal_data(reported, bob):
    browser = Client(raise_request_exception=False)
    browser.force_login(bob.user)
    secret = "s3cr3t-calendar-token"

    response = browser.post(
        f"/broken/{secret}/?email=bob@example.org",
        {"name": "Bob Member", "password": "hunter2"},
        HTTP_USER_AGENT="Mozilla/5.0",
    )

    assert response.status_code == 500
    (event,) = reported.events
    written = json.dumps(event)
    assert event["exception"]["values"][0]["type"] == "ValueError"
    assert "could not mail [email]" in written
    for personal in [bob.user.email, "Bob Member", "hunter2", secret, "sessionid", "csrftoken"]:
        assert personal not in written, personal
    assert event["transaction"] == "/broken/{token}/"  # the route, not the address
    assert set(event["request"]) <= {"method", "url", "headers"}
    assert "user" not in event and event["breadcrumbs"] == {"values": []}


def test_without_a_dsn_nothing_is_sent(settings):
    assert settings.SENTRY_DSN == ""
    assert sentry_sdk.get_client().dsn is None


def test_the_address_becomes_its_pattern_and_the_rest_goes():
    event = {
        "request": {
            "method": "GET",
            "url": "https://knoppen.example.nl/calendar/abc123secret.ics?x=1",
            "query_string": "x=1",
            "cookies": {"sessionid": "s"},
            "headers": {"Cookie": "sessionid=s", "Content-Type": "text/html"},
            "data": {"email": "bob@example.org"},
        },
        "user": {"email": "bob@example.org"},
        "logentry": {"message": "mail to %s failed", "params": ["bob@example.org"]},
    }

    scrubbed = error_reports.scrub(event)

    assert scrubbed["request"] == {
        "method": "GET",
        "url": "https://knoppen.example.nl/calendar/<str:token>.ics",
        "headers": {"Content-Type": "text/html"},
    }
    assert "bob@example.org" not in json.dumps(scrubbed)
