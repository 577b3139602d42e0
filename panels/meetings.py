"""Rules for meetings: planning, starting and closing, the agenda (the floor: floor.py).

Every function takes the acting membership, locks the meeting row (so rules
are checked against the state that will be changed, one change at a time
per meeting), changes data, and schedules the push with
`changes.changed` so that nobody sees state that could still roll back.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from panels import audit, emails
from panels.access import Perm, require
from panels.live import changes, presence
from panels.models import (
    AgendaItem,
    Attendance,
    AuditAction,
    LiveWorker,
    Meeting,
    Membership,
    Message,
    Presence,
    SpeakerRequest,
)
from panels.services import PanelError, save_with_history

State = Meeting.State
ItemState = AgendaItem.State
Speaker = SpeakerRequest.State

MAX_SPEAKING_SECONDS = 60 * 60


class MeetingError(PanelError):
    """A meeting rule said no; the message is shown to the person."""


def lock(meeting: Meeting, actor: Membership) -> Meeting:
    """Lock the meeting row, and refuse a meeting of another panel than the actor's."""
    locked = Meeting.objects.select_for_update().select_related("panel").get(pk=meeting.pk)
    if locked.panel_id != actor.panel_id:
        raise MeetingError(_("You are not allowed to do this."))
    return locked


def require_live(meeting: Meeting) -> None:
    if meeting.state != State.LIVE:
        raise MeetingError(_("This meeting is not live."))


def require_not_closed(meeting: Meeting) -> None:
    if meeting.state == State.CLOSED:
        raise MeetingError(_("This meeting has been closed."))
    if meeting.state == State.CANCELLED:
        raise MeetingError(_("This meeting has been cancelled."))


def current_item(meeting: Meeting) -> AgendaItem | None:
    return meeting.items.filter(state=ItemState.CURRENT).first()


# --- planning ------------------------------------------------------------------


def create_meeting(
    actor: Membership,
    *,
    title: str,
    starts_at: datetime,
    description: str = "",
    duration_minutes: int = 90,
    venue: str = Meeting.Venue.ONLINE,
    location: str = "",
    notify: bool = True,
) -> Meeting:
    require(actor, Perm.MODERATE, error=MeetingError)
    venue, location = _where(venue, location)
    with transaction.atomic():
        meeting = Meeting(
            panel=actor.panel,
            title=title,
            description=description,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            venue=venue,
            location=location,
            created_by=actor.user,
        )
        save_with_history(meeting, actor.user, "planned")
        if notify:
            meeting_id = meeting.pk
            transaction.on_commit(lambda: emails.send_meeting_notice(meeting_id, "planned"))
    return meeting


def _where(venue: str, location: str) -> tuple[str, str]:
    """A meeting in a room needs its location; an online one keeps none."""
    if venue not in Meeting.Venue.values:
        raise MeetingError(_("Choose where the meeting is held."))
    location = " ".join(location.split())
    if venue == Meeting.Venue.ONLINE:
        return venue, ""
    if not location:
        raise MeetingError(_("Write the address of the room."))
    return venue, location


# What a calendar shows of a meeting (a change raises its SEQUENCE, panels/ics.py), and
# what of that tells members it moved (they get an email, with the calendar's update).
IN_CALENDARS = {"title", "description", "starts_at", "duration_minutes", "venue", "location"}
MOVES = {"starts_at", "duration_minutes", "venue", "location"}


def update_meeting(actor: Membership, meeting: Meeting, **fields) -> Meeting:
    """Change what was planned. A change to when or where tells the members (not yet
    live: once it runs, they are in it), and the day-before reminder is sent again."""
    if not set(fields) <= IN_CALENDARS:
        raise ValueError(f"unknown fields: {set(fields) - IN_CALENDARS}")
    require(actor, Perm.MODERATE, error=MeetingError)
    with transaction.atomic():
        meeting = lock(meeting, actor)
        require_not_closed(meeting)
        if "venue" in fields or "location" in fields:
            fields["venue"], fields["location"] = _where(
                fields.get("venue", meeting.venue), fields.get("location", meeting.location)
            )
        changed = {name for name, value in fields.items() if getattr(meeting, name) != value}
        for name in changed:
            setattr(meeting, name, fields[name])
        if not changed:
            return meeting
        meeting.sequence += 1
        update = [*changed, "sequence"]
        moved = bool(changed & MOVES) and meeting.state == State.SCHEDULED
        if moved:
            meeting.reminded_at = None
            update.append("reminded_at")
        save_with_history(meeting, actor.user, "edited", update_fields=update)
        changes.changed(meeting, "status", "screen-status")
        if moved:
            meeting_id = meeting.pk
            transaction.on_commit(lambda: emails.send_meeting_notice(meeting_id, "moved"))
    return meeting


CANCEL_REASON_MAX = 300


def cancel_meeting(actor: Membership, meeting: Meeting, *, reason: str = "") -> Meeting:
    """Call off a planned meeting: it stays on record, marked cancelled, and the members
    get an email whose calendar file takes it out of their calendars."""
    require(actor, Perm.MODERATE, error=MeetingError)
    reason = " ".join(reason.split())
    if len(reason) > CANCEL_REASON_MAX:
        raise MeetingError(
            _("Write the reason in at most %(max)d characters.") % {"max": CANCEL_REASON_MAX}
        )
    with transaction.atomic():
        meeting = lock(meeting, actor)
        if meeting.state == State.CANCELLED:
            return meeting  # a double click: already done
        if meeting.state != State.SCHEDULED:
            raise MeetingError(_("Only a meeting that has not started can be cancelled."))
        meeting.state = State.CANCELLED
        meeting.cancelled_at = timezone.now()
        meeting.cancel_reason = reason
        meeting.sequence += 1
        save_with_history(
            meeting,
            actor.user,
            "cancelled",
            update_fields=["state", "cancelled_at", "cancel_reason", "sequence"],
        )
        audit.record(
            actor, AuditAction.MEETING_CANCELLED, f"meeting:{meeting.pk}", panel=meeting.panel_id
        )
        changes.changed(meeting, changes.ALL, ends=True)
        meeting_id = meeting.pk
        transaction.on_commit(lambda: emails.send_meeting_notice(meeting_id, "cancelled"))
    return meeting


REMIND_BEFORE = timedelta(days=1)


def remind_meetings(now: datetime | None = None) -> int:
    """The day-before reminder of each planned meeting, once (the scheduled work).
    Returns how many meetings were reminded."""
    now = now or timezone.now()
    due = Meeting.objects.filter(
        state=State.SCHEDULED,
        reminded_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + REMIND_BEFORE,
    )
    reminded = 0
    for meeting_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            claimed = Meeting.objects.filter(pk=meeting_id, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if claimed:
                transaction.on_commit(
                    lambda m=meeting_id: emails.send_meeting_notice(m, "reminder")
                )
                reminded += claimed
    return reminded


# What apps above do once a meeting has closed (the minutes' draft), each given the
# meeting's id after commit; registered in their AppConfig.ready().
_AFTER_CLOSE: list[Callable[[int], None]] = []


def after_close(then: Callable[[int], None]) -> None:
    if then not in _AFTER_CLOSE:
        _AFTER_CLOSE.append(then)


def start_meeting(actor: Membership, meeting: Meeting) -> Meeting:
    return _transition(actor, meeting, State.LIVE)


def close_meeting(actor: Membership, meeting: Meeting) -> Meeting:
    return _transition(actor, meeting, State.CLOSED)


def _transition(actor: Membership, meeting: Meeting, to: str) -> Meeting:
    require(actor, Perm.MODERATE, error=MeetingError)
    with transaction.atomic():
        meeting = lock(meeting, actor)
        if to not in Meeting.TRANSITIONS[State(meeting.state)]:
            if meeting.state == to:
                return meeting  # a double click: already done
            if to == State.LIVE:
                raise MeetingError(_("Only a planned meeting can be started."))
            raise MeetingError(_("Only a live meeting can be closed."))
        now = timezone.now()
        meeting.state = to
        fields = ["state"]
        affected: list[int] = []
        if to == State.LIVE:
            meeting.started_at = now
            fields.append("started_at")
            first = meeting.items.filter(state=ItemState.PENDING).order_by("position", "pk")
            if current_item(meeting) is None and (item := first.first()) is not None:
                item.state = ItemState.CURRENT
                save_with_history(item, actor.user, "current", update_fields=["state"])
        else:
            meeting.closed_at = now
            meeting.floor_open = False
            fields += ["closed_at", "floor_open"]
            if (item := current_item(meeting)) is not None:
                item.state = ItemState.DONE
                save_with_history(item, actor.user, "done", update_fields=["state"])
            affected = _end_open_requests(meeting, now)
        save_with_history(
            meeting, actor.user, "started" if to == State.LIVE else "closed", update_fields=fields
        )
        audit.record(
            actor,
            AuditAction.MEETING_STARTED if to == State.LIVE else AuditAction.MEETING_CLOSED,
            f"meeting:{meeting.pk}",
            panel=meeting.panel_id,
        )
        ends = to == State.CLOSED
        changes.changed(meeting, changes.ALL, personal_for=affected, ends=ends)
        if ends:
            meeting_id, attended = meeting.pk, attendees(meeting)
            _end_stays(meeting, actor.user, now)
            changes.after_commit(lambda: emails.send_pulse_invitations(meeting_id, attended))
            for then in _AFTER_CLOSE:
                transaction.on_commit(lambda then=then: then(meeting_id), robust=True)
    return meeting


def _end_stays(meeting: Meeting, user, at: datetime) -> None:
    """Everyone the desk registered leaves with the meeting, and its desk closes
    (panels/attendance.py)."""
    for stay in Attendance.objects.filter(meeting=meeting, left_at__isnull=True):
        stay.left_at = at
        save_with_history(stay, user, "meeting closed", update_fields=["left_at"])
    LiveWorker.objects.filter(pk=presence.desk_worker(meeting.pk)).delete()


def attendees(meeting: Meeting) -> list[int]:
    """Who was there: connected when it closed, spoke up (a message, a raised hand), or was
    registered at the desk (in the room, on the phone).
    Everyone who voted live was connected to vote."""
    return sorted(
        {*Presence.objects.filter(meeting=meeting).values_list("membership_id", flat=True)}
        | {*Message.objects.filter(item__meeting=meeting).values_list("author_id", flat=True)}
        | {*meeting.speaker_requests.values_list("membership_id", flat=True)}
        | {*meeting.attendances.exclude(membership=None).values_list("membership_id", flat=True)}
    )


def _end_open_requests(meeting: Meeting, now: datetime) -> list[int]:
    """End the speaker list (new agenda item, meeting closed); returns the people affected."""
    open_requests = list(
        meeting.speaker_requests.filter(state__in=SpeakerRequest.OPEN_STATES).select_related(
            "membership"
        )
    )
    for request in open_requests:
        request.state = Speaker.DONE
        request.ended_at = now
        request.save(update_fields=["state", "ended_at"])
    return [r.membership.user_id for r in open_requests]


# --- the agenda ----------------------------------------------------------------


def add_item(actor: Membership, meeting: Meeting, *, title: str, description: str = ""):
    require(actor, Perm.MODERATE, error=MeetingError)
    with transaction.atomic():
        meeting = lock(meeting, actor)
        require_not_closed(meeting)
        last = meeting.items.aggregate(m=Max("position"))["m"]
        item = AgendaItem(
            meeting=meeting,
            title=title,
            description=description,
            position=0 if last is None else last + 1,
        )
        save_with_history(item, actor.user, "added")
        changes.changed(meeting, "agenda", "status", "screen-status")
    return item


def _lock_item(meeting: Meeting, item: AgendaItem) -> AgendaItem:
    found = AgendaItem.objects.select_for_update().filter(pk=item.pk, meeting=meeting).first()
    if found is None:
        raise MeetingError(_("This agenda item no longer exists."))
    return found


def update_item(actor: Membership, item: AgendaItem, *, title: str, description: str = ""):
    require(actor, Perm.MODERATE, error=MeetingError)
    with transaction.atomic():
        meeting = lock(item.meeting, actor)
        item = _lock_item(meeting, item)
        if item.state == ItemState.DONE:
            raise MeetingError(_("This agenda item has been handled and cannot be changed."))
        item.title, item.description = title, description
        save_with_history(item, actor.user, "edited", update_fields=["title", "description"])
        # The current item's title appears all over the page; another item's only in the agenda.
        if item.state == ItemState.CURRENT:
            changes.changed(meeting, changes.ITEM)
        else:
            changes.changed(meeting, "agenda")
    return item


def move_item(actor: Membership, item: AgendaItem, direction: str) -> None:
    """Swap a pending item with its pending neighbour above ('up') or below ('down')."""
    require(actor, Perm.MODERATE, error=MeetingError)
    if direction not in ("up", "down"):
        raise MeetingError(_("Choose up or down."))
    with transaction.atomic():
        meeting = lock(item.meeting, actor)
        require_not_closed(meeting)
        item = _lock_item(meeting, item)
        if item.state != ItemState.PENDING:
            raise MeetingError(_("Only items that have not been handled can be moved."))
        # Swap with the nearest pending neighbour, then number every item 0..n-1 so that
        # positions stay unique around items already handled or under discussion.
        items = list(meeting.items.order_by("position", "pk"))
        index = items.index(item)
        step = -1 if direction == "up" else 1
        other = index + step
        while 0 <= other < len(items) and items[other].state != ItemState.PENDING:
            other += step
        if not 0 <= other < len(items):
            return  # already the first or last pending item: nothing to do
        items[index], items[other] = items[other], items[index]
        for position, each in enumerate(items):
            if each.position != position:
                each.position = position
                save_with_history(each, actor.user, "moved", update_fields=["position"])
        changes.changed(meeting, "agenda")


def remove_item(actor: Membership, item: AgendaItem) -> None:
    require(actor, Perm.MODERATE, error=MeetingError)
    with transaction.atomic():
        meeting = lock(item.meeting, actor)
        require_not_closed(meeting)
        item = _lock_item(meeting, item)
        if item.state != ItemState.PENDING or item.messages.exists():
            raise MeetingError(_("Only items that have not been handled can be removed."))
        item._history_user = actor.user
        item._change_reason = "removed"
        item.delete()
        changes.changed(meeting, "agenda")


def set_current_item(actor: Membership, item: AgendaItem) -> AgendaItem:
    """Make an item the one being discussed; the previous one is done, the speaker list ends."""
    require(actor, Perm.MODERATE, error=MeetingError)
    with transaction.atomic():
        meeting = lock(item.meeting, actor)
        require_live(meeting)
        item = _lock_item(meeting, item)
        if item.state == ItemState.CURRENT:
            return item
        if item.state == ItemState.DONE:
            raise MeetingError(_("This agenda item has already been handled."))
        now = timezone.now()
        previous = current_item(meeting)
        if previous is not None:
            previous.state = ItemState.DONE
            save_with_history(previous, actor.user, "done", update_fields=["state"])
        item.state = ItemState.CURRENT
        save_with_history(item, actor.user, "current", update_fields=["state"])
        affected = _end_open_requests(meeting, now)
        # Whatever follows the current item (other apps' fragments too); the presence list,
        # the votes and the agreements do not.
        changes.changed(meeting, changes.ITEM, personal_for=affected)
    return item


def finish_current_item(actor: Membership, meeting: Meeting) -> None:
    """Mark the current item done without opening another."""
    require(actor, Perm.MODERATE, error=MeetingError)
    with transaction.atomic():
        meeting = lock(meeting, actor)
        require_live(meeting)
        item = current_item(meeting)
        if item is None:
            return
        item.state = ItemState.DONE
        save_with_history(item, actor.user, "done", update_fields=["state"])
        affected = _end_open_requests(meeting, timezone.now())
        changes.changed(meeting, changes.ITEM, personal_for=affected)
