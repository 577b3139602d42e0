"""Emails about panels. Sent after commit by the services, never by views."""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from panels.ics import meeting_calendar
from panels.mail import compose, send
from panels.models import Invitation, Meeting, Membership, User
from panels.pulse import OPEN_DAYS


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("panels:invitation", args=[token])


def send_invitation(invitation: Invitation, token: str) -> None:
    """The invitation link, in the language of the moderator who invited (there is no
    account yet whose language to ask)."""
    context = {"invitation": invitation, "url": invitation_url(token)}
    inviter = invitation.invited_by
    language = inviter.language if inviter is not None else settings.LANGUAGE_CODE
    send([compose(invitation.email, "panels/email/invitation", context, language=language)])


def _active_users(memberships) -> list[User]:
    return [
        m.user
        for m in memberships.filter(user__is_active=True).select_related("user").order_by("pk")
    ]


def send_meeting_invitations(meeting_id: int) -> int:
    """Email every active member the meeting with an .ics attachment. Returns how many."""
    meeting = Meeting.objects.select_related("panel").get(pk=meeting_id)
    url = settings.SITE_URL + meeting.get_absolute_url()
    calendar = meeting_calendar(meeting, url, urlsplit(settings.SITE_URL).hostname or "knoppen")
    context = {"meeting": meeting, "url": url}
    messages = []
    for user in _active_users(meeting.panel.memberships.active()):
        message = compose(user, "panels/email/meeting", context)
        message.attach("bijeenkomst.ics", calendar, "text/calendar; method=PUBLISH")
        messages.append(message)
    return send(messages)


def send_pulse_invitations(meeting_id: int, attended: list[int]) -> int:
    """Ask those who were at the meeting the pulse's two questions (panels/pulse.py)."""
    meeting = Meeting.objects.select_related("panel").get(pk=meeting_id)
    url = settings.SITE_URL + reverse("panels:meeting_pulse", args=[meeting.panel_id, meeting.pk])
    people = Membership.objects.active().filter(pk__in=attended, panel_id=meeting.panel_id)
    context = {"meeting": meeting, "url": url, "days": OPEN_DAYS}
    return send(compose(user, "panels/email/pulse", context) for user in _active_users(people))
