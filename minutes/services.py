"""Rules for minutes: drawn up at the close, edited by the moderators and the meeting's
minute-taker, put to the vote of a next meeting, approved by it.

- The draft is drawn up when the meeting closes (`draw_up`, after commit), or, for a
  meeting that closed before minutes existed, when its minutes are first asked for.
- Editing changes only the text per part (`texts`); every edit is a version. While the
  minutes are put to approval their text cannot change: the meeting approves what it read.
- A moderator puts them on the agenda of a later meeting of the panel (an agenda item),
  and in that meeting opens the vote on them (yes/no, or consent). When it closes adopted,
  the minutes are approved: that version's text is kept as the approved text, with the
  check code of the audit log's head, and the members are told. Not adopted: they are a
  draft again. A change after approval makes a new version that needs a new approval;
  the members read the approved one until then.
"""

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from minutes import emails
from minutes import record as records
from minutes.audit_actions import MinutesAction
from minutes.models import TEXT_MAX, Minutes
from panels import audit, meetings
from panels.access import Perm, has_perm, require
from panels.models import Meeting, Membership
from panels.services import PanelError, save_with_history
from voting import counting, lifecycle
from voting.models import Vote

State = Minutes.State
APPROVAL_METHODS = (Vote.Method.YES_NO, "consent")


class MinutesError(PanelError):
    """A rule about minutes said no; the message is shown to the person."""


# --- drawing up ------------------------------------------------------------------------------


def draw_up(meeting_id: int) -> Minutes | None:
    """The minutes of a closed meeting, drawn up from it the first time (idempotent)."""
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().select_related("panel").get(pk=meeting_id)
        if meeting.state != Meeting.State.CLOSED:
            return None
        existing = Minutes.objects.filter(meeting=meeting).first()
        if existing is not None:
            return existing
        minutes = Minutes(meeting=meeting, record=records.draw_up(meeting))
        save_with_history(minutes, None, "drawn up")
    return minutes


def of(meeting: Meeting) -> Minutes | None:
    """A meeting's minutes (drawn up now if it closed before they existed)."""
    found = Minutes.objects.filter(meeting=meeting).first()
    return found if found is not None else draw_up(meeting.pk)


def parts(minutes: Minutes) -> list[str]:
    """The parts a minute-taker writes: the opening, each agenda item, the closing."""
    return ["opening", *[str(item["id"]) for item in minutes.record["items"]], "closing"]


# --- editing -------------------------------------------------------------------------------


def may_edit(membership: Membership, minutes: Minutes) -> bool:
    return membership.is_active and (
        has_perm(membership, Perm.MODERATE) or minutes.taker_id == membership.pk
    )


def _lock(minutes: Minutes, actor: Membership) -> Minutes:
    locked = Minutes.objects.select_for_update().select_related("meeting").get(pk=minutes.pk)
    if locked.meeting.panel_id != actor.panel_id:
        raise MinutesError(_("You are not allowed to do this."))
    return locked


def edit(
    actor: Membership, minutes: Minutes, *, texts: dict[str, str], base_version: int
) -> Minutes:
    """Save the minute-taker's text; `base_version` is the version they started from."""
    with transaction.atomic():
        minutes = _lock(minutes, actor)
        if not may_edit(actor, minutes):
            raise MinutesError(_("Only a moderator or the minute-taker can edit the minutes."))
        if minutes.awaiting_approval:
            raise MinutesError(
                _("The minutes are put to approval: they cannot change until the vote on them.")
            )
        if base_version != minutes.version:
            raise MinutesError(
                _(
                    "Someone else changed the minutes while you were writing. Copy your text, "
                    "reload the page and add it again."
                )
            )
        allowed = parts(minutes)
        cleaned = {}
        for part in allowed:
            text = (texts.get(part) or "").replace("\r\n", "\n").strip()
            if len(text) > TEXT_MAX:
                too_long = _("A part of the minutes can be at most %(max)d characters.")
                raise MinutesError(too_long % {"max": TEXT_MAX})
            if text:
                cleaned[part] = text
        if cleaned == minutes.texts:
            return minutes
        minutes.texts = cleaned
        minutes.version += 1
        if minutes.state != State.DRAFT:
            # A change needs a new approval (and one whose approval lapsed is a draft again).
            minutes.state = State.DRAFT
        save_with_history(
            minutes, actor.user, "edited", update_fields=["texts", "version", "state"]
        )
    return minutes


def appoint_taker(actor: Membership, minutes: Minutes, taker: Membership | None) -> Minutes:
    require(actor, Perm.MODERATE, error=MinutesError)
    with transaction.atomic():
        minutes = _lock(minutes, actor)
        if taker is not None and (taker.panel_id != actor.panel_id or not taker.is_active):
            raise MinutesError(_("Choose a member of this panel."))
        minutes.taker = taker
        save_with_history(minutes, actor.user, "minute-taker", update_fields=["taker"])
    return minutes


# --- approval --------------------------------------------------------------------------------


def meetings_to_approve_in(minutes: Minutes):
    """Later meetings of the panel that have not ended: where the minutes can be approved."""
    meeting = minutes.meeting
    return (
        Meeting.objects.filter(panel_id=meeting.panel_id, starts_at__gt=meeting.starts_at)
        .exclude(state__in=Meeting.ENDED)
        .order_by("starts_at")
    )


def put_to_approval(actor: Membership, minutes: Minutes, meeting: Meeting) -> Minutes:
    """Put the minutes on the agenda of a later meeting, to be approved there."""
    require(actor, Perm.MODERATE, error=MinutesError)
    with transaction.atomic():
        minutes = _lock(minutes, actor)
        if minutes.awaiting_approval:
            return minutes  # a double click
        if minutes.is_approved and not minutes.changed_since_approval:
            raise MinutesError(_("These minutes are approved already."))
        if not meetings_to_approve_in(minutes).filter(pk=meeting.pk).exists():
            raise MinutesError(_("Choose a later meeting of this panel that has not ended."))
        day = formats.date_format(timezone.localtime(minutes.meeting.starts_at), "j F Y")
        item = meetings.add_item(
            actor,
            meeting,
            title=_("Approving the minutes of %(title)s (%(day)s)")
            % {"title": minutes.meeting.title, "day": day},
        )
        minutes.approval_item = item
        minutes.approval_vote = None
        minutes.state = State.PUT_TO_APPROVAL
        save_with_history(
            minutes,
            actor.user,
            "put to approval",
            update_fields=["approval_item", "approval_vote", "state"],
        )
        audit.record(
            actor,
            MinutesAction.PUT_TO_APPROVAL,
            f"minutes:{minutes.pk}",
            panel=actor.panel_id,
            details={"version": minutes.version, "in_meeting": meeting.pk},
        )
    return minutes


def open_approval_vote(
    actor: Membership, minutes: Minutes, *, method: str = Vote.Method.YES_NO
) -> Vote:
    """In the meeting that has them on its agenda: open the vote on the minutes."""
    require(actor, Perm.MODERATE, error=MinutesError)
    if method not in APPROVAL_METHODS:
        raise MinutesError(_("Approve minutes by a yes/no vote or by consent."))
    with transaction.atomic():
        minutes = _lock(minutes, actor)
        if not minutes.awaiting_approval:
            raise MinutesError(_("Put the minutes on the agenda of a meeting first."))
        if minutes.approval_vote is not None and minutes.approval_vote.state != Vote.State.DRAFT:
            return minutes.approval_vote  # open already (a double click)
        meeting = minutes.approval_item.meeting
        question = _("Are the minutes of %(title)s approved (version %(version)s)?") % {
            "title": minutes.meeting.title,
            "version": minutes.version,
        }
        spec = lifecycle.VoteSpec(question=question[:200], method=method, options=[])
        vote = lifecycle.prepare_vote(actor, spec, meeting=meeting)
        vote = lifecycle.open_vote(actor, vote)
        minutes.approval_vote = vote
        save_with_history(minutes, actor.user, "vote opened", update_fields=["approval_vote"])
    return vote


def vote_closed(vote: Vote, actor: Membership | None) -> None:
    """A vote closed (in its transaction): approve the minutes it was about, or not; and
    enter its result in the minutes of its meeting if it was still open when that closed."""
    for minutes in Minutes.objects.select_for_update().filter(meeting_id=vote.meeting_id):
        if str(vote.pk) in minutes.record.get("votes", {}):
            minutes.record["votes"][str(vote.pk)] = records.vote_entry(vote)
            save_with_history(minutes, None, "vote result", update_fields=["record"])
    minutes = Minutes.objects.select_for_update().filter(approval_vote=vote).first()
    if minutes is None or minutes.state != State.PUT_TO_APPROVAL:
        return
    adopted = (vote.result or {}).get("outcome") == counting.ADOPTED
    user = actor.user if actor is not None else None
    if adopted:
        minutes.state = State.APPROVED
        minutes.approved_at = timezone.now()
        minutes.approved_version = minutes.version
        minutes.approved_texts = minutes.texts
        minutes.approved_in = vote.meeting
    else:
        minutes.state = State.DRAFT
    entry = audit.record(
        actor,
        MinutesAction.APPROVED if adopted else MinutesAction.NOT_APPROVED,
        f"minutes:{minutes.pk}",
        panel=vote.panel_id,
        details={"version": minutes.version, "vote": vote.pk, "meeting": minutes.meeting_id},
    )
    if adopted:
        minutes.approved_check_code = entry.hash  # the head of the audit log, with this entry
    save_with_history(minutes, user, "approved" if adopted else "not approved")
    if adopted:
        minutes_id = minutes.pk
        transaction.on_commit(lambda: emails.send_approved(minutes_id))
