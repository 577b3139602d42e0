"""A meeting in people's calendars (RFC 5545): read back with a calendar library, as a
calendar app would. One UID per meeting, a higher SEQUENCE after each change, a
cancellation a calendar understands, times in UTC, text that survives its escaping."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone
from icalendar import Calendar

from panels import ics, meetings
from panels.models import Meeting, Panel

SITE = "https://knoppen.example.nl"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def unsaved(**fields) -> Meeting:
    """An unsaved meeting of an unsaved panel: nothing here needs the database."""
    values = {
        "pk": 7,
        "panel": Panel(pk=3, name="Huurderspanel Noord"),
        "title": "Bewonersavond",
        "description": "",
        "starts_at": datetime(2030, 5, 1, 19, 30, tzinfo=AMSTERDAM),
        "duration_minutes": 90,
    } | fields
    return Meeting(**values)


def parse(data: bytes):
    calendar = Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


@override_settings(SITE_URL=SITE)
def test_a_meeting_is_one_published_event_with_a_stable_uid_an_alarm_and_its_link():
    calendar, event = parse(ics.meeting_calendar(unsaved()))

    assert calendar["METHOD"] == "PUBLISH"
    assert str(event["UID"]) == "meeting-7@knoppen.example.nl"
    assert str(event["SUMMARY"]) == "Bewonersavond"
    assert str(event["URL"]) == f"{SITE}/panels/3/meetings/7/"
    assert str(event["LOCATION"]) == f"{SITE}/panels/3/meetings/7/"  # online: the link
    assert event["SEQUENCE"] == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["ORGANIZER"].params["CN"] == "Huurderspanel Noord"
    (alarm,) = event.walk("VALARM")
    assert alarm["ACTION"] == "DISPLAY"
    assert alarm["TRIGGER"].dt == -timedelta(hours=1)


@override_settings(SITE_URL=SITE)
def test_a_meeting_in_a_room_has_the_room_s_address_as_its_location():
    meeting = unsaved(venue=Meeting.Venue.HYBRID, location="Buurthuis De Linde, Lindelaan 12")

    _, event = parse(ics.meeting_calendar(meeting))

    assert str(event["LOCATION"]) == "Buurthuis De Linde, Lindelaan 12"
    assert str(event["URL"]) == f"{SITE}/panels/3/meetings/7/"  # and the link to take part


@pytest.mark.parametrize(
    ("starts_at", "start", "end"),
    [
        # Summer time in Amsterdam is UTC+2, winter time UTC+1.
        (datetime(2030, 5, 1, 19, 30, tzinfo=AMSTERDAM), "20300501T173000Z", "20300501T190000Z"),
        (datetime(2030, 1, 15, 19, 30, tzinfo=AMSTERDAM), "20300115T183000Z", "20300115T200000Z"),
        # Across midnight in UTC: 00:30 in Amsterdam is the evening before.
        (datetime(2030, 3, 1, 0, 30, tzinfo=AMSTERDAM), "20300228T233000Z", "20300301T010000Z"),
    ],
)
def test_start_and_end_are_written_in_utc(starts_at, start, end):
    data = ics.meeting_calendar(unsaved(starts_at=starts_at)).decode()

    assert f"DTSTART:{start}\r\n" in data
    assert f"DTEND:{end}\r\n" in data
    _, event = parse(data.encode())
    assert event["DTSTART"].dt == starts_at.astimezone(UTC)


@override_settings(SITE_URL=SITE)
def test_text_with_special_characters_and_long_lines_survives_a_round_trip():
    title = 'Één avond over 🏠 huur, "onderhoud"; en C:\\tuin — ' * 4
    description = "Regel een\nRegel twee, met; tekens\r\nRegel drie"

    data = ics.meeting_calendar(unsaved(title=title, description=description))

    for line in data.split(b"\r\n"):
        assert len(line) <= 75  # folded at 75 octets
        line.decode()  # never inside a character
    _, event = parse(data)
    assert str(event["SUMMARY"]) == title
    assert str(event["DESCRIPTION"]) == (
        "Regel een\nRegel twee, met; tekens\nRegel drie\n\n" + f"{SITE}/panels/3/meetings/7/"
    )


# --- changes: the same event, a higher SEQUENCE ---------------------------------------------


@pytest.mark.django_db
def test_a_moved_meeting_keeps_its_uid_and_raises_its_sequence(meeting, alice):
    _, before = parse(ics.meeting_calendar(meeting))

    meetings.update_meeting(alice, meeting, starts_at=meeting.starts_at + timedelta(days=1))
    meeting.refresh_from_db()
    _, after = parse(ics.meeting_calendar(meeting))

    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after["DTSTART"].dt == before["DTSTART"].dt + timedelta(days=1)


@pytest.mark.django_db
def test_a_save_without_a_change_keeps_the_sequence(meeting, alice):
    meetings.update_meeting(alice, meeting, title=meeting.title, location="")

    assert Meeting.objects.get(pk=meeting.pk).sequence == 0


@pytest.mark.django_db
def test_a_cancelled_meeting_is_a_cancellation_a_calendar_reads(meeting, alice):
    meetings.update_meeting(alice, meeting, title="Nieuwe titel")
    meetings.cancel_meeting(alice, meeting, reason="De zaal is niet beschikbaar.")
    meeting.refresh_from_db()

    calendar, event = parse(ics.meeting_calendar(meeting, ics.CANCEL))

    assert calendar["METHOD"] == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 2
    assert str(event["UID"]).startswith(f"meeting-{meeting.pk}@")
    assert "De zaal is niet beschikbaar." in str(event["DESCRIPTION"])
    assert event.walk("VALARM") == []  # nothing to be reminded of


# --- the personal feed ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_feed_holds_the_meetings_of_one_s_active_panels_only(
    alice, bob, oscar, meeting, other_panel
):
    theirs = Meeting.objects.create(
        panel=other_panel, title="Elders", starts_at=timezone.now() + timedelta(days=3)
    )
    old = Meeting.objects.create(
        panel=alice.panel, title="Lang geleden", starts_at=timezone.now() - timedelta(days=200)
    )
    cancelled = Meeting.objects.create(
        panel=alice.panel, title="Gaat niet door", starts_at=timezone.now() + timedelta(days=9)
    )
    meetings.cancel_meeting(alice, cancelled)

    events = {str(e["SUMMARY"]): e for e in Calendar.from_ical(ics.feed(bob.user)).walk("VEVENT")}

    assert set(events) == {meeting.title, "Gaat niet door"}
    assert str(events["Gaat niet door"]["STATUS"]) == "CANCELLED"
    assert theirs.title not in events and old.title not in events
    bob.is_active = False
    bob.save()
    assert Calendar.from_ical(ics.feed(bob.user)).walk("VEVENT") == []
