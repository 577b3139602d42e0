"""Notices between meetings (panels/notices.py): what a member is told about their
meetings, and how they say what they want: settings in their account, a one-click
unsubscribe from the mail program (RFC 8058), one email a day."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from panels import meetings, notices, privacy
from panels.models import AuditEntry, Meeting, NoticeKind, PendingNotice, User

pytestmark = pytest.mark.django_db
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def addresses() -> list[str]:
    return sorted(address for m in mail.outbox for address in m.to)


def calendar_of(message):
    (name, content, mimetype), *_ = message.attachments
    assert name.endswith(".ics")
    calendar = Calendar.from_ical(content)
    (event,) = calendar.walk("VEVENT")
    return calendar, event, mimetype


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


@pytest.fixture
def members(alice, bob, tina, olga, oscar):
    """Everyone in the panel hears of its meetings (olga the observer too); oscar, in
    another panel, does not."""
    return [alice, bob, tina, olga]


# --- meetings -------------------------------------------------------------------------------


def test_a_planned_meeting_moved_then_cancelled_updates_every_member_s_calendar(
    members, alice, django_capture_on_commit_callbacks
):
    starts = (timezone.now() + timedelta(days=10)).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = meetings.create_meeting(alice, title="Bewonersavond", starts_at=starts)
    assert addresses() == sorted(m.user.email for m in members)
    _, planned, _ = calendar_of(mail.outbox[0])

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meetings.update_meeting(alice, meeting, starts_at=starts + timedelta(hours=2))
    assert addresses() == sorted(m.user.email for m in members)
    moved = mail.outbox[0]
    assert moved.subject.startswith("Gewijzigd")
    calendar, update, _ = calendar_of(moved)
    assert calendar["METHOD"] == "PUBLISH"
    assert update["UID"] == planned["UID"]
    assert update["SEQUENCE"] > planned["SEQUENCE"]
    assert update["DTSTART"].dt == starts + timedelta(hours=2)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meetings.update_meeting(alice, meeting, description="Met koffie.")
    assert mail.outbox == []  # not moved: calendars pick it up from the feed

    with django_capture_on_commit_callbacks(execute=True):
        meetings.cancel_meeting(alice, meeting, reason="De zaal is niet beschikbaar.")
        meetings.cancel_meeting(alice, meeting)  # a double click
    assert addresses() == sorted(m.user.email for m in members)
    cancelled = mail.outbox[0]
    assert "De zaal is niet beschikbaar." in cancelled.body
    calendar, cancel, mimetype = calendar_of(cancelled)
    assert calendar["METHOD"] == "CANCEL" and mimetype == "text/calendar; method=CANCEL"
    assert str(cancel["STATUS"]) == "CANCELLED"
    assert cancel["UID"] == planned["UID"]
    assert cancel["SEQUENCE"] > update["SEQUENCE"]
    assert AuditEntry.objects.filter(action="panels.meeting_cancelled").count() == 1


def test_only_a_planned_meeting_can_be_cancelled_and_a_cancelled_one_not_started(
    live_meeting, alice, bob
):
    with pytest.raises(meetings.MeetingError):
        meetings.cancel_meeting(alice, live_meeting)
    meeting = meetings.create_meeting(
        alice, title="Later", starts_at=timezone.now() + timedelta(days=5), notify=False
    )
    with pytest.raises(meetings.MeetingError):
        meetings.cancel_meeting(bob, meeting)  # not a moderator
    with pytest.raises(meetings.MeetingError):
        meetings.cancel_meeting(alice, meeting, reason="x" * 301)
    assert Meeting.objects.get(pk=meeting.pk).state == Meeting.State.SCHEDULED

    meetings.cancel_meeting(alice, meeting)
    with pytest.raises(meetings.MeetingError):
        meetings.start_meeting(alice, meeting)
    with pytest.raises(meetings.MeetingError):
        meetings.update_meeting(alice, meeting, title="Toch wel")


def test_the_day_before_a_meeting_each_member_is_reminded_once_and_again_if_it_moves(
    members, alice, django_capture_on_commit_callbacks
):
    starts = timezone.now() + timedelta(days=3)
    meeting = meetings.create_meeting(alice, title="Avond", starts_at=starts, notify=False)

    with django_capture_on_commit_callbacks(execute=True):
        assert meetings.remind_meetings(now=starts - timedelta(days=2)) == 0  # too early
        assert meetings.remind_meetings(now=starts - timedelta(hours=20)) == 1
        assert meetings.remind_meetings(now=starts - timedelta(hours=19)) == 0  # once
    assert addresses() == sorted(m.user.email for m in members)
    assert all(m.subject.startswith("Herinnering") for m in mail.outbox)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meetings.update_meeting(alice, meeting, starts_at=starts + timedelta(days=1))
        assert meetings.remind_meetings(now=starts) == 1  # the new day before
    assert sum(m.subject.startswith("Herinnering") for m in mail.outbox) == len(members)


def test_the_cancel_page_is_for_moderators_and_cancels_with_a_reason(
    client_for, meeting, alice, bob, django_capture_on_commit_callbacks
):
    url = reverse("panels:meeting_cancel", args=[meeting.panel_id, meeting.pk])
    assert client_for(bob).get(url).status_code == 403
    assert client_for(bob).post(url, {"reason": "weg"}).status_code == 403
    assert Meeting.objects.get(pk=meeting.pk).state == Meeting.State.SCHEDULED

    client = client_for(alice)
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": "x" * 400}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "De zaal is dicht."})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "De zaal is dicht." in page.content.decode()
    assert b"ws-connect" not in page.content  # no live page for a meeting that will not be


# --- what people choose ----------------------------------------------------------------------


def test_one_click_in_the_mail_program_turns_that_kind_off_at_once_without_logging_in(bob, alice):
    User.objects.filter(pk=bob.user_id).update(notice_digest=True)
    bob.user.refresh_from_db()
    notices.notify([bob.user], NoticeKind.MEETINGS, "panels/email/meeting_reminder", {})
    notices.notify([bob.user], NoticeKind.VOTES, "voting/email/reminder", {})
    assert PendingNotice.objects.count() == 2  # waiting for the daily email
    url = notices.unsubscribe_url(bob.user, NoticeKind.MEETINGS)
    browser = Client(enforce_csrf_checks=True)  # a mail program: no cookie, no CSRF token

    assert browser.get(url).status_code == 200  # a link preview or a scanner changes nothing
    assert fresh(bob.user).notify_meetings

    response = browser.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    user = fresh(bob.user)
    assert not user.notify_meetings and user.notify_votes  # that kind, and only that
    assert list(PendingNotice.objects.values_list("kind", flat=True)) == [NoticeKind.VOTES]
    assert browser.post(url).status_code == 200  # again: still off, no error

    mail.outbox.clear()
    notices.notify([user], NoticeKind.MEETINGS, "panels/email/meeting_reminder", {}, urgent=True)
    assert mail.outbox == []


@pytest.mark.parametrize(
    "token",
    ["nonsense", "a" * 5000, "één:twee", "..", "WzEsImFsbCJd:1:abc"],
)
def test_a_forged_or_broken_unsubscribe_link_changes_nothing(bob, token):
    response = Client().post(f"/notices/off/{token}/")

    assert response.status_code == 404
    assert fresh(bob.user).notify_meetings


def test_a_link_made_for_one_person_cannot_be_turned_into_another_s(bob, tina):
    token = notices.unsubscribe_token(bob.user, NoticeKind.VOTES)
    payload, *signature = token.split(":")
    other = notices.unsubscribe_token(tina.user, NoticeKind.VOTES).split(":")[0]

    response = Client().post(f"/notices/off/{':'.join([other, *signature])}/")

    assert response.status_code == 404
    assert fresh(tina.user).notify_votes and fresh(bob.user).notify_votes


def test_the_account_page_saves_the_notice_settings(client_for, bob, tina):
    client = client_for(bob)
    page = client.get(reverse("panels:account")).content.decode()
    assert 'name="votes"' in page and 'name="digest"' in page
    assert 'name="advice"' not in page  # advice requests are for representatives

    response = client.post(
        reverse("panels:notice_settings"), {"votes": "on", "digest": "on", "advice": ""}
    )

    assert response.status_code == 302
    user = fresh(bob.user)
    assert user.notify_votes and user.notice_digest
    assert not (user.notify_meetings or user.notify_results)
    assert user.notify_advice  # not offered, so not changed
    assert client.get(reverse("panels:notice_settings")).status_code == 405

    client = client_for(tina)
    assert 'name="advice"' in client.get(reverse("panels:account")).content.decode()
    client.post(reverse("panels:notice_settings"), {"meetings": "on"})
    assert not fresh(tina.user).notify_advice


def test_the_daily_email_gathers_news_once_a_day_from_seven(
    bob, alice, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=bob.user_id).update(notice_digest=True, language="en")
    bob.user.refresh_from_db()
    meeting = meetings.create_meeting(
        alice, title="Avond", starts_at=timezone.now() + timedelta(days=9), notify=False
    )
    for _ in range(2):
        notices.notify(
            [bob.user],
            NoticeKind.MEETINGS,
            "panels/email/meeting",
            {"meeting": meeting, "url": "https://x/"},
        )
    assert mail.outbox == [] and PendingNotice.objects.count() == 2

    morning = datetime(2030, 5, 2, 6, 59, tzinfo=AMSTERDAM)
    assert notices.send_digests(morning) == 0  # not before seven
    with django_capture_on_commit_callbacks(execute=True):
        assert notices.send_digests(morning + timedelta(minutes=1)) == 1
        assert notices.send_digests(morning + timedelta(hours=5)) == 0  # once a day
    (daily,) = mail.outbox
    assert daily.to == ["bob@example.org"]
    assert daily.subject.startswith("Knoppen: your news of")
    assert daily.body.count("You are invited to a meeting") == 2
    assert daily.body.count("Hello,") == 1  # one greeting for all
    assert daily.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert PendingNotice.objects.count() == 0

    # The daily email's own unsubscribe turns every kind off.
    Client().post(daily.extra_headers["List-Unsubscribe"][1:-1].removeprefix("http://testserver"))
    user = fresh(bob.user)
    assert not any(getattr(user, f"notify_{kind}") for kind in NoticeKind.values)


def test_the_scheduled_work_sends_the_reminders_and_the_daily_emails(members, alice):
    meeting = meetings.create_meeting(
        alice, title="Morgen", starts_at=timezone.now() + timedelta(hours=12), notify=False
    )

    call_command("send_notices")

    assert Meeting.objects.get(pk=meeting.pk).reminded_at is not None


# --- the calendar feed -----------------------------------------------------------------------


def test_the_calendar_feed_is_at_a_secret_address_that_a_new_one_replaces(client_for, bob, meeting):
    client = client_for(bob)
    assert "readonly value=" not in client.get(reverse("panels:account")).content.decode()
    client.post(reverse("panels:calendar_address"))
    first = fresh(bob.user).calendar_token
    assert first and len(first) >= 40
    feed = Client().get(reverse("panels:calendar_feed", args=[first]))  # a calendar app
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(feed.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == meeting.title

    client.post(reverse("panels:calendar_address"))
    second = fresh(bob.user).calendar_token
    assert second != first
    assert Client().get(reverse("panels:calendar_feed", args=[first])).status_code == 404
    assert Client().get(reverse("panels:calendar_feed", args=["x" * 43])).status_code == 404


def test_erasure_forgets_waiting_notices_the_calendar_address_and_the_mail_sent(
    settings, bob, tina, alice
):
    settings.EMAIL_BACKEND = "post_office.EmailBackend"
    settings.POST_OFFICE = {**settings.POST_OFFICE, "DEFAULT_PRIORITY": "medium"}
    from post_office.models import Email

    User.objects.filter(pk=bob.user_id).update(notice_digest=True, calendar_token="t" * 43)
    bob.user.refresh_from_db()
    notices.notify([bob.user], NoticeKind.MEETINGS, "panels/email/meeting_reminder", {})
    notices.notify(
        [bob.user, tina.user], NoticeKind.MEETINGS, "panels/email/meeting_reminder", {}, urgent=True
    )
    assert Email.objects.count() == 2 and PendingNotice.objects.count() == 1
    export = privacy.export(bob.user)["account"]["notices"]
    assert export["daily_email"] is True and export["calendar_feed"] is True

    privacy.erase(bob.user, requested_by="member")

    user = fresh(bob.user)
    assert user.calendar_token is None
    assert PendingNotice.objects.count() == 0
    assert [e.to for e in Email.objects.all()] == [["tina@example.org"]]
