"""Emails about minutes, sent after commit (panels/notices.py)."""

from django.conf import settings

from minutes.models import Minutes
from panels import notices
from panels.models import NoticeKind


def send_approved(minutes_id: int) -> int:
    """The minutes are approved: every member of the panel hears, with the link."""
    minutes = Minutes.objects.select_related("meeting__panel").get(pk=minutes_id)
    panel = minutes.meeting.panel
    people = panel.memberships.active().select_related("user")
    return notices.notify(
        [m.user for m in people],
        NoticeKind.RESULTS,
        "minutes/email/approved",
        {
            "minutes": minutes,
            "meeting": minutes.meeting,
            "url": settings.SITE_URL + minutes.get_absolute_url(),
        },
    )
