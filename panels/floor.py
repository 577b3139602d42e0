"""Rules for the floor of a live meeting: open or closed, hands, the speaker list, and the
discussion's messages.

As in meetings.py, every function takes the acting membership, locks the meeting row,
checks the rule, changes data, and says what changed with `changes.changed`.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from panels import hiding, limits, meetings
from panels.access import Perm, require
from panels.bidi import isolate
from panels.live import changes
from panels.meetings import MAX_SPEAKING_SECONDS, MeetingError
from panels.models import Meeting, Membership, Message, SpeakerRequest
from panels.services import save_with_history

Speaker = SpeakerRequest.State


def set_floor(actor: Membership, meeting: Meeting, open_: bool) -> Meeting:
    require(actor, Perm.MODERATE, error=MeetingError)
    with transaction.atomic():
        meeting = meetings.lock(meeting, actor)
        meetings.require_live(meeting)
        if meeting.floor_open == open_:
            return meeting
        meeting.floor_open = open_
        save_with_history(
            meeting,
            actor.user,
            "floor opened" if open_ else "floor closed",
            update_fields=["floor_open"],
        )
        changes.changed(meeting, "status", "speakers", "discussion", "screen-status")
    return meeting


def _require_floor(meeting: Meeting) -> None:
    meetings.require_live(meeting)
    if not meeting.floor_open:
        raise MeetingError(_("The floor is closed. Wait until the moderator opens it."))


# Abuse limits: every raised or lowered hand and every message is pushed to everyone.
HAND_CHANGES_PER_MINUTE = 10
MESSAGES_PER_MINUTE = 6


def _limit_hand(actor: Membership) -> None:
    if not limits.allow(f"hand:{actor.pk}", HAND_CHANGES_PER_MINUTE, 60):
        raise MeetingError(
            _("Your hand went up and down many times. Wait a minute, then try again.")
        )


def raise_hand(actor: Membership, meeting: Meeting) -> SpeakerRequest:
    require(actor, Perm.TAKE_PART, error=MeetingError)
    _limit_hand(actor)
    with transaction.atomic():
        meeting = meetings.lock(meeting, actor)
        _require_floor(meeting)
        existing = meeting.speaker_requests.filter(
            membership=actor, state__in=SpeakerRequest.OPEN_STATES
        ).first()
        if existing is not None:
            return existing  # a double click or a second tab: the hand is already up
        try:
            with transaction.atomic():
                request = SpeakerRequest.objects.create(meeting=meeting, membership=actor)
        except IntegrityError:
            return meeting.speaker_requests.get(
                membership=actor, state__in=SpeakerRequest.OPEN_STATES
            )
        _notify_queue(meeting, [actor.user_id])
    return request


def lower_hand(actor: Membership, meeting: Meeting) -> None:
    """Withdraw your raised hand, or end your own turn if you are speaking."""
    require(actor, Perm.VIEW_PANEL, error=MeetingError)
    _limit_hand(actor)
    with transaction.atomic():
        meeting = meetings.lock(meeting, actor)
        request = meeting.speaker_requests.filter(
            membership=actor, state__in=SpeakerRequest.OPEN_STATES
        ).first()
        if request is None:
            return
        request.state = Speaker.WITHDRAWN if request.state == Speaker.WAITING else Speaker.DONE
        request.ended_at = timezone.now()
        request.save(update_fields=["state", "ended_at"])
        _notify_queue(meeting, [actor.user_id])


def _queue(meeting: Meeting) -> list[SpeakerRequest]:
    return list(
        meeting.speaker_requests.filter(state=Speaker.WAITING)
        .select_related("membership")
        .order_by("raised_at", "pk")
    )


def _notify_queue(meeting: Meeting, also: list[int]) -> None:
    """The speaker list changed: everyone waiting may have a new place in the queue."""
    waiting = [r.membership.user_id for r in _queue(meeting)]
    changes.changed(
        meeting, "speakers", "screen-speakers", personal_for=sorted(set(waiting + also))
    )


def give_floor(
    actor: Membership,
    meeting: Meeting,
    request_id: int | None = None,
    seconds: int | None = None,
) -> SpeakerRequest | None:
    """Give the floor to the next in the queue (or a chosen person); the current speaker ends."""
    require(actor, Perm.MODERATE, error=MeetingError)
    if seconds is not None and not 0 < seconds <= MAX_SPEAKING_SECONDS:
        raise MeetingError(_("Speaking time must be between 1 second and 60 minutes."))
    with transaction.atomic():
        meeting = meetings.lock(meeting, actor)
        meetings.require_live(meeting)
        queue = _queue(meeting)
        if request_id is not None:
            chosen = next((r for r in queue if r.pk == request_id), None)
            if chosen is None:
                raise MeetingError(_("This person is no longer on the speaker list."))
        elif queue:
            chosen = queue[0]
        else:
            raise MeetingError(_("Nobody is on the speaker list."))
        now = timezone.now()
        affected = [chosen.membership.user_id]
        speaking = meeting.speaker_requests.filter(state=Speaker.SPEAKING).first()
        if speaking is not None:
            speaking.state = Speaker.DONE
            speaking.ended_at = now
            speaking.save(update_fields=["state", "ended_at"])
            affected.append(speaking.membership.user_id)
        chosen.state = Speaker.SPEAKING
        chosen.speaking_since = now
        chosen.speaking_until = now + timedelta(seconds=seconds) if seconds else None
        chosen.save(update_fields=["state", "speaking_since", "speaking_until"])
        _notify_queue(meeting, affected)
    return chosen


def end_speaker(actor: Membership, meeting: Meeting) -> None:
    require(actor, Perm.MODERATE, error=MeetingError)
    with transaction.atomic():
        meeting = meetings.lock(meeting, actor)
        speaking = meeting.speaker_requests.filter(state=Speaker.SPEAKING).first()
        if speaking is None:
            return
        speaking.state = Speaker.DONE
        speaking.ended_at = timezone.now()
        speaking.save(update_fields=["state", "ended_at"])
        _notify_queue(meeting, [speaking.membership.user_id])


def remove_speaker(actor: Membership, meeting: Meeting, request_id: int) -> None:
    require(actor, Perm.MODERATE, error=MeetingError)
    with transaction.atomic():
        meeting = meetings.lock(meeting, actor)
        request = meeting.speaker_requests.filter(pk=request_id, state=Speaker.WAITING).first()
        if request is None:
            raise MeetingError(_("This person is no longer on the speaker list."))
        request.state = Speaker.REMOVED
        request.ended_at = timezone.now()
        request.save(update_fields=["state", "ended_at"])
        _notify_queue(meeting, [request.membership.user_id])


# --- the discussion ------------------------------------------------------------------


def post_message(
    actor: Membership, meeting: Meeting, text: str, expected_item_id: int | None = None
) -> Message:
    """Post to the discussion of the current item.

    With `expected_item_id` (the item under discussion when the writer started;
    0 when none was), a message written while the moderator moved on is refused
    rather than filed under the wrong item; the view keeps the text so nothing is
    lost.
    """
    require(actor, Perm.TAKE_PART, error=MeetingError)
    text = text.strip()
    if not text:
        raise MeetingError(_("Write a message first."))
    if len(text) > Message.MAX_LENGTH:
        raise MeetingError(
            _("A message can be at most %(max)s characters.") % {"max": Message.MAX_LENGTH}
        )
    if not limits.allow(f"message:{actor.pk}", MESSAGES_PER_MINUTE, 60):
        raise MeetingError(
            _(
                "You are posting quickly. Wait a moment before your next message; it is "
                "still in the box."
            )
        )
    with transaction.atomic():
        meeting = meetings.lock(meeting, actor)
        _require_floor(meeting)
        item = meetings.current_item(meeting)
        if item is None:
            raise MeetingError(_("There is no agenda item under discussion."))
        if expected_item_id is not None and expected_item_id != item.pk:
            raise MeetingError(
                _(
                    "The meeting has moved on to “%(title)s”. Your message was not posted; "
                    "it is still in the box. Post it again if it still fits."
                )
                % {"title": isolate(item.title)}
            )
        message = Message(item=item, author=actor, text=text)
        save_with_history(message, actor.user, "posted")
        changes.changed(meeting, "discussion")
    return message


def hide_message(actor: Membership, message: Message, reason: str) -> Message:
    return hiding.hide(actor, message, reason, error=MeetingError)
