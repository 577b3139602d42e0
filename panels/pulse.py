"""The satisfaction pulse: after a meeting, "Did you feel heard?" (1–5) and a comment.

Anonymous, like a secret ballot: that someone answered is a `PulseParticipation` (so
nobody answers twice); what they answered goes into the meeting's sealed box with every
other answer (panels/sealing.py), in the same transaction. Open while the meeting is live
and for `OPEN_DAYS` after it closed.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from panels import sealing
from panels.errors import PanelError
from panels.models import Meeting, Membership, PulseBox, PulseParticipation

OPEN_DAYS = 14
SCALE = range(1, 6)


def is_open(meeting: Meeting) -> bool:
    if meeting.state == Meeting.State.LIVE:
        return True
    return (
        meeting.state == Meeting.State.CLOSED
        and meeting.closed_at is not None
        and meeting.closed_at >= timezone.now() - timedelta(days=OPEN_DAYS)
    )


def has_answered(membership: Membership, meeting: Meeting) -> bool:
    return PulseParticipation.objects.filter(meeting=meeting, membership=membership).exists()


def answer(membership: Membership, meeting: Meeting, *, heard, comment: str = "") -> None:
    try:
        heard = int(heard)
    except (TypeError, ValueError):
        heard = None
    if heard not in SCALE:
        raise PanelError(_("Choose a number from 1 to 5."))
    comment = (comment or "").strip()
    if len(comment) > PulseBox.COMMENT_MAX:
        raise PanelError(
            _("A comment can be at most %(max)s characters.") % {"max": PulseBox.COMMENT_MAX}
        )
    if not membership.is_active or meeting.panel_id != membership.panel_id:
        raise PanelError(_("You are not allowed to do this."))
    if not is_open(meeting):
        raise PanelError(_("The questions about this meeting are closed."))
    try:
        with transaction.atomic():
            PulseParticipation.objects.create(meeting=meeting, membership=membership)
            sealing.put(PulseBox, meeting.pk, answers=[heard, comment])
    except IntegrityError:
        raise PanelError(_("You have already answered for this meeting. Thank you!")) from None
    # The box's previous version (without this answer) is dead now: gone with it.
    transaction.on_commit(lambda: sealing.vacuum(PulseBox), robust=True)


@dataclass
class Pulse:
    answers: int = 0
    counts: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCALE, 0))
    comments: list[str] = field(default_factory=list)

    @property
    def mean(self) -> float | None:
        if not self.answers:
            return None
        return sum(score * n for score, n in self.counts.items()) / self.answers


def results(meeting_ids) -> dict[int, Pulse]:
    """Per meeting: how many answered, how often each score, the comments (sorted: the
    box keeps no order of answering)."""
    pulses = {pk: Pulse() for pk in meeting_ids}
    for meeting_id, box in sealing.read_many(PulseBox, pulses).items():
        pulse = pulses[meeting_id]
        for heard, comment in box.get("answers", []):
            pulse.answers += 1
            pulse.counts[heard] += 1
            if comment:
                pulse.comments.append(comment)
    return pulses
