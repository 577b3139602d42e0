"""A vote through the live socket: open, turnout, close and the result reach every role,
and a browser that (re)connects gets the current state in its snapshot."""

import pytest
from channels.db import database_sync_to_async

from tests.live_helpers import section
from tests.panels import test_consumers as socket_tests
from voting import casting, lifecycle

# The socket fixtures of the live-meeting tests.
live, meeting = socket_tests.live, socket_tests.meeting
has, settle = socket_tests.has, socket_tests.settle

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

db = database_sync_to_async


def named_question():
    return lifecycle.VoteSpec(
        question="Komt er een bankje bij de speeltuin?", method="yes_no", options=[]
    )


async def test_a_vote_reaches_every_role_live_and_in_the_snapshot(live, meeting, alice, bob, olga):
    vote = await db(lifecycle.prepare_vote)(alice, named_question(), meeting=meeting)
    sockets = {p.user.name: await live(p, meeting, language="en") for p in (alice, bob, olga)}
    await settle(list(sockets.values()), 3)

    await db(lifecycle.open_vote)(alice, vote)

    for name, socket in sockets.items():
        frame = await socket.until(has("live-ballot"), what="the ballot")
        assert "Komt er een bankje" in section(frame, "live-vote")
        assert "0 of 2 have voted" in section(frame, "live-vote"), name  # alice and bob vote
        form = 'name="choice"' in section(frame, "live-ballot")
        assert form is (name != "Olga Observer"), name

    await db(casting.cast_ballot)(bob, vote, choice="for", key="b" * 32)

    for socket in sockets.values():
        turnout = await socket.until(
            lambda t: "live-vote" in t and "1 of 2 have voted" in t, what="turnout"
        )
        assert "For" not in section(turnout, "live-vote").split("have voted")[1].split("<h3")[0]

    await db(lifecycle.close_vote)(alice, vote)

    for socket in sockets.values():
        result = await socket.until(lambda t: "live-vote" in t and "Adopted" in t, what="result")
        assert "1 of 2 who could vote took part." in section(result, "live-vote")

    again = await live(bob, meeting, language="en", name="bob again")
    snapshot = await again.snapshot({"live-vote", "live-ballot"})
    assert "Adopted" in section(snapshot, "live-vote")
    assert 'name="choice"' not in section(snapshot, "live-ballot")
