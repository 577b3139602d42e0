"""What the tests of a meeting's rules share (test_meeting_states, test_agenda, test_speakers,
test_messages): who is who, and small reads of the database."""

from panels.models import AgendaItem, Meeting, SpeakerRequest
from tests.helpers import agenda

NON_MODERATORS = ["bob", "nora", "olga", "carl", "tina"]
PARTICIPANTS = ["alice", "bob", "nora", "carl", "tina"]

Item = AgendaItem.State
Speaker = SpeakerRequest.State


def seq_of(meeting: Meeting) -> int:
    return Meeting.objects.get(pk=meeting.pk).seq


def states(meeting: Meeting) -> list[tuple[str, str]]:
    return [(item.title, item.state) for item in agenda(meeting)]


def request_of(membership, meeting) -> SpeakerRequest | None:
    return SpeakerRequest.objects.filter(
        meeting=meeting, membership=membership, state__in=SpeakerRequest.OPEN_STATES
    ).first()
