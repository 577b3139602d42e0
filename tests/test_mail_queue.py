"""Mail goes through a queue in the database (django-post-office, decision 0012): a request
only writes it, and `send_queued_mail` delivers it, retrying. Tested against a real SMTP
server (aiosmtpd) that first refuses every message, then is down, then accepts: no request
fails, no mail is lost, and staff can read in the admin what failed and why."""

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from post_office.models import STATUS, Email

from tests.servers import free_port

pytestmark = pytest.mark.django_db(transaction=True)


class Handler:
    """An SMTP server's answer to each message: refused (a temporary error) or accepted."""

    def __init__(self) -> None:
        self.refuse = True
        self.received: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.refuse:
            return "451 4.3.0 Try again later"
        self.received.append(envelope)
        return "250 OK"


class Server:
    """A real SMTP server on one port, which can go down and come back."""

    def __init__(self, handler: Handler) -> None:
        self.handler, self.hostname, self.port = handler, "127.0.0.1", free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname=self.hostname, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    handler = Handler()
    server = Server(handler)
    server.start()
    try:
        yield server, handler
    finally:
        server.stop()


@pytest.fixture
def queued(settings, smtp):
    """The production setup: queued by the request, delivered by SMTP to the test server."""
    controller, _handler = smtp
    settings.EMAIL_BACKEND = "post_office.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.POST_OFFICE = {
        **settings.POST_OFFICE,
        "BACKENDS": {"default": "django.core.mail.backends.smtp.EmailBackend"},
        "DEFAULT_PRIORITY": "medium",
        "MAX_RETRIES": 5,
        "RETRY_INTERVAL": timedelta(minutes=10),
    }
    return smtp


def ten_minutes_later() -> None:
    """The retry interval has passed (the queue's clock, moved by the test)."""
    Email.objects.filter(status=STATUS.requeued).update(
        scheduled_time=timezone.now() - timedelta(seconds=1)
    )


def plan_meeting(client, panel_id: int) -> int:
    response = client.post(
        reverse("panels:meeting_new", args=[panel_id]),
        {"title": "Bewonersavond", "starts_at": "2030-06-01T19:30", "duration_minutes": "90"},
    )
    assert response.status_code == 302, "the moderator gets the meeting, not an error"
    return Email.objects.count()


def test_an_smtp_server_that_refuses_then_is_down_then_accepts_loses_no_mail(
    queued, client_for, alice, bob, tina, carl
):
    controller, handler = queued
    queued_count = plan_meeting(client_for(alice), alice.panel_id)

    members = 4  # alice, bob, tina, carl: every active member gets the invitation
    assert queued_count == members
    assert set(Email.objects.values_list("status", flat=True)) == {STATUS.queued}

    call_command("send_queued_mail")  # the server refuses each message
    assert handler.received == []
    assert set(Email.objects.values_list("status", flat=True)) == {STATUS.requeued}
    email = Email.objects.first()
    log = email.logs.get()
    assert log.status == STATUS.failed and "451" in log.message  # what staff read, and why

    call_command("send_queued_mail")  # not yet due again: nothing is tried
    assert Email.objects.get(pk=email.pk).logs.count() == 1

    ten_minutes_later()
    controller.stop()  # now the server is down altogether
    with socket.socket() as probe:
        assert probe.connect_ex((controller.hostname, controller.port)) != 0
    call_command("send_queued_mail")
    assert set(Email.objects.values_list("status", flat=True)) == {STATUS.requeued}
    assert "Connection refused" in Email.objects.get(pk=email.pk).logs.last().message

    ten_minutes_later()
    controller.start()
    handler.refuse = False
    call_command("send_queued_mail")

    assert set(Email.objects.values_list("status", flat=True)) == {STATUS.sent}
    assert len(handler.received) == members
    assert sorted(rcpt for e in handler.received for rcpt in e.rcpt_tos) == sorted(
        m.user.email for m in (alice, bob, tina, carl)
    )
    # The calendar file went along with each invitation.
    assert all(b"BEGIN:VCALENDAR" in e.content for e in handler.received)
    call_command("send_queued_mail")
    assert len(handler.received) == members, "sent once"


def test_the_admin_shows_what_was_sent_and_what_failed(queued, client_for, alice, client):
    from panels.models import User

    _controller, _handler = queued
    plan_meeting(client_for(alice), alice.panel_id)
    call_command("send_queued_mail")

    root = User.objects.create_superuser(email="root@example.org", password="x", name="Root")
    client.force_login(root)
    listing = client.get(reverse("admin:post_office_email_changelist"))
    assert listing.status_code == 200
    email = Email.objects.first()
    page = client.get(reverse("admin:post_office_email_change", args=[email.pk]))
    assert page.status_code == 200 and "451" in page.content.decode()


def test_no_admin_page_loads_from_a_cdn(client):
    """Post Office's template editor loads its code editor from a CDN: it is not offered."""
    from panels.models import User

    root = User.objects.create_superuser(email="root@example.org", password="x", name="Root")
    client.force_login(root)
    index = client.get(reverse("admin:index")).content.decode()
    assert "post_office/emailtemplate" not in index
    assert "post_office/email/" in index
