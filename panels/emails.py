"""Emails about panels. Sent after commit by the services, never by views."""

from django.conf import settings
from django.urls import reverse

from panels import ics, notices
from panels.mail import compose, send
from panels.models import Invitation, Meeting, Membership, NoticeKind, User
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


# What a meeting's email says happened: its template, and whether it comes at once to
# those who read notices in one email a day.
MEETING_NEWS = {
    "planned": ("panels/email/meeting", False),
    "moved": ("panels/email/meeting_moved", True),
    "cancelled": ("panels/email/meeting_cancelled", True),
    "reminder": ("panels/email/meeting_reminder", True),
}


def send_meeting_notice(meeting_id: int, news: str) -> int:
    """Tell the panel's active members about their meeting, with the calendar file that
    adds, updates or (for a cancelled meeting) removes it. Returns how many emails."""
    meeting = Meeting.objects.select_related("panel").get(pk=meeting_id)
    template, urgent = MEETING_NEWS[news]
    method = ics.CANCEL if meeting.state == Meeting.State.CANCELLED else ics.PUBLISH
    calendar = ics.meeting_calendar(meeting, method).decode()

    def attach(message) -> None:
        message.attach("bijeenkomst.ics", calendar, f"text/calendar; method={method}")

    context = {"meeting": meeting, "url": ics.meeting_url(meeting)}
    people = _active_users(meeting.panel.memberships.active())
    return notices.notify(
        people, NoticeKind.MEETINGS, template, context, urgent=urgent, attach=attach
    )


def send_pulse_invitations(meeting_id: int, attended: list[int]) -> int:
    """Ask those who were at the meeting the pulse's two questions (panels/pulse.py)."""
    meeting = Meeting.objects.select_related("panel").get(pk=meeting_id)
    url = settings.SITE_URL + reverse("panels:meeting_pulse", args=[meeting.panel_id, meeting.pk])
    people = Membership.objects.active().filter(pk__in=attended, panel_id=meeting.panel_id)
    context = {"meeting": meeting, "url": url, "days": OPEN_DAYS}
    return send(compose(user, "panels/email/pulse", context) for user in _active_users(people))
