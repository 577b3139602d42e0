"""Meetings in people's calendars (RFC 5545, written with `icalendar`).

A meeting is one event, the same in every file about it: its UID never changes
(`meeting-<id>@<site host>`), and its SEQUENCE is the meeting's `sequence`, which every
change a calendar shows raises (panels/meetings.py). A calendar that holds the event
replaces it with one of a higher SEQUENCE: the update emailed when a meeting moves, the
METHOD:CANCEL emailed when it is cancelled, and the person's calendar feed, which a
calendar app fetches again by itself.

Times are written in UTC: every calendar shows them in its own zone, and no VTIMEZONE is
needed.
"""

import secrets
from collections.abc import Iterable
from datetime import UTC, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event, vCalAddress

from panels.models import Meeting, User

ALARM_BEFORE = timedelta(hours=1)
FEED_PAST = timedelta(days=90)  # the feed's meetings: from three months ago onwards

PUBLISH = "PUBLISH"
CANCEL = "CANCEL"


def uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.pk}@{urlsplit(settings.SITE_URL).hostname or 'knoppen'}"


def meeting_url(meeting: Meeting) -> str:
    return settings.SITE_URL + meeting.get_absolute_url()


def _organizer(meeting: Meeting) -> vCalAddress:
    """Who sends the event (RFC 5546 asks one of a cancellation): the site's address,
    named after the panel."""
    address = vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    address.params["cn"] = meeting.panel.name
    return address


def event(meeting: Meeting) -> Event:
    url = meeting_url(meeting)
    cancelled = meeting.state == Meeting.State.CANCELLED
    entry = Event()
    entry.add("uid", uid(meeting))
    entry.add("dtstamp", timezone.now().astimezone(UTC))
    entry.add("sequence", meeting.sequence)
    entry.add("dtstart", meeting.starts_at.astimezone(UTC))
    entry.add("dtend", meeting.ends_at.astimezone(UTC))
    entry.add("summary", meeting.title)
    notes = [meeting.cancel_reason if cancelled else "", meeting.description, url]
    entry.add("description", "\n\n".join(note for note in notes if note))
    entry.add("url", url)
    # Where people meet in a room, the room's address; online, the link to take part.
    entry.add("location", meeting.location if meeting.has_room else url)
    entry.add("organizer", _organizer(meeting))
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", meeting.title)
        alarm.add("trigger", -ALARM_BEFORE)
        entry.add_component(alarm)
    return entry


def _calendar(events: Iterable[Event], method: str | None, name: str = "") -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Knoppen//Huurderspanel//NL")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    for entry in events:
        calendar.add_component(entry)
    return calendar.to_ical()


def meeting_calendar(meeting: Meeting, method: str = PUBLISH) -> bytes:
    """The file attached to a meeting's email: the event, or its cancellation."""
    return _calendar([event(meeting)], method)


def feed(user: User) -> bytes:
    """The person's calendar: the meetings of every panel they are an active member of,
    from three months ago on; a cancelled one stays in it, marked cancelled."""
    meetings = (
        Meeting.objects.filter(
            panel__memberships__user=user,
            panel__memberships__is_active=True,
            starts_at__gte=timezone.now() - FEED_PAST,
        )
        .select_related("panel")
        .order_by("starts_at", "pk")
        .distinct()
    )
    return _calendar((event(m) for m in meetings), None, name=_("Knoppen meetings"))


def renew_feed_address(user: User) -> str:
    """A new secret for the person's feed address; the old address stops working."""
    user.calendar_token = secrets.token_urlsafe(32)
    user.save(update_fields=["calendar_token"])
    return user.calendar_token
