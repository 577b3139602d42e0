"""Personal fragments rendered from a state shared by many people's snapshots (a reconnect
storm) are each person's own: nothing personal is kept in the shared state."""

import pytest

from panels.live import fragments
from tests.voting.conftest import cast

pytestmark = pytest.mark.django_db


def test_a_shared_state_renders_each_person_their_own(make_vote, live_meeting, bob, nora):
    vote = make_vote(present=[bob, nora])
    cast(bob, vote, "for")
    shared = fragments.LiveState(live_meeting.pk)

    bob_shared = fragments.render_personal(live_meeting.pk, bob, shared)
    nora_shared = fragments.render_personal(live_meeting.pk, nora, shared)

    assert bob_shared == fragments.render_personal(live_meeting.pk, bob)
    assert nora_shared == fragments.render_personal(live_meeting.pk, nora)
    assert bob_shared != nora_shared, "bob has voted, nora has not"
