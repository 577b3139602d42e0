"""Emails about panels. Sent after commit by the services, never by views."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection, send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from panels.ics import meeting_calendar
from panels.models import Invitation, Meeting, Membership
from panels.pulse import OPEN_DAYS


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("panels:invitation", args=[token])


def send_invitation(invitation: Invitation, token: str) -> None:
    context = {"invitation": invitation, "url": invitation_url(token)}
    subject = render_to_string("panels/email/invitation_subject.txt", context).strip()
    body = render_to_string("panels/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def send_meeting_invitations(meeting_id: int) -> int:
    """Email every active member the meeting with an .ics attachment. Returns how many."""
    meeting = Meeting.objects.select_related("panel").get(pk=meeting_id)
    url = settings.SITE_URL + meeting.get_absolute_url()
    calendar = meeting_calendar(meeting, url, urlsplit(settings.SITE_URL).hostname or "knoppen")
    recipients = list(
        meeting.panel.memberships.active().values_list("user__email", flat=True).order_by("pk")
    )
    context = {"meeting": meeting, "url": url}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("panels/email/meeting_subject.txt", context).strip()
        body = render_to_string("panels/email/meeting.txt", context)
    messages = []
    for address in recipients:
        message = EmailMessage(subject, body, None, [address])
        message.attach("bijeenkomst.ics", calendar, "text/calendar; method=PUBLISH")
        messages.append(message)
    with get_connection() as connection:
        return connection.send_messages(messages) or 0


def send_pulse_invitations(meeting_id: int, attended: list[int]) -> int:
    """Ask those who were at the meeting the pulse's two questions (panels/pulse.py)."""
    meeting = Meeting.objects.select_related("panel").get(pk=meeting_id)
    url = settings.SITE_URL + reverse("panels:meeting_pulse", args=[meeting.panel_id, meeting.pk])
    recipients = (
        Membership.objects.active()
        .filter(pk__in=attended, panel_id=meeting.panel_id, user__is_active=True)
        .values_list("user__email", flat=True)
        .order_by("pk")
    )
    context = {"meeting": meeting, "url": url, "days": OPEN_DAYS}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("panels/email/pulse_subject.txt", context).strip()
        body = render_to_string("panels/email/pulse.txt", context)
    messages = [EmailMessage(subject, body, None, [address]) for address in recipients]
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
