"""The live path's database work stays the same however many tenants take part.

A ballot, the pushed vote fragments and a member's personal fragments are rendered for
every one of thousands of people in a big vote: their query counts must not grow with the
panel (bench/live.py measures the time; this pins the shape).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from panels.live import fragments
from tests.voting.conftest import ballot_key, cast

SMALL, LARGE = 3, 40


def count_queries(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


@pytest.fixture
def hot_paths(client_for, make_vote, make_member, alice, bob):
    """Query counts of the hot paths in a vote with `extra` more members present (and voted)."""

    def measure(extra: int) -> dict[str, int]:
        crowd = [make_member(f"Extra{extra}x{i}") for i in range(extra)]
        vote = make_vote(present=[alice, bob, *crowd])
        for member in crowd:
            cast(member, vote, "for")
        client = client_for(bob)
        url = f"/panels/{vote.panel_id}/votes/{vote.pk}/cast/"
        warm = fragments.LiveState(vote.meeting_id)
        fragments.render_personal(vote.meeting_id, alice, state=warm, names=["my_vote"])
        figures = {
            "ballot over HTTP": count_queries(
                lambda: client.post(
                    url, {"key": ballot_key(), "choice": "for"}, headers={"HX-Request": "true"}
                )
            ),
            "vote fragments": count_queries(
                lambda: fragments.render_frames(vote.meeting_id, ["vote", "ballot"])
            ),
            "personal fragments": count_queries(
                lambda: fragments.render_personal(vote.meeting_id, bob)
            ),
            "'you have voted' after a ballot": count_queries(
                lambda: fragments.render_personal(vote.meeting_id, bob, names=["my_vote"])
            ),
            # As a socket renders it (MeetingConsumer.send_personal): with the meeting's
            # state the relay keeps, loaded once per change, not once per ballot.
            "'you have voted', pushed": count_queries(
                lambda: fragments.render_personal(
                    vote.meeting_id, bob, state=warm, names=["my_vote"]
                )
            ),
            "snapshot": count_queries(
                lambda: fragments.render_frames(
                    vote.meeting_id, fragments.snapshot_names(fragments.Audience.PARTICIPANT)
                )
            ),
        }
        vote.__class__.objects.filter(pk=vote.pk).update(state="closed")  # room for the next
        return figures

    return measure


@pytest.mark.django_db
def test_hot_path_queries_do_not_grow_with_the_number_of_voters(hot_paths):
    small = hot_paths(SMALL)
    large = hot_paths(LARGE)
    assert large == small, f"{SMALL} extra voters: {small}; {LARGE}: {large}"


# What each hot path costs today, in queries (a ballot's includes the session and the user).
# More is a regression to look at, at a thousand ballots a second's worth of renders.
CEILINGS = {
    # The session, the user, the membership with its panel, the vote; the vote held; the
    # voter's proxies and presence; the participation (one INSERT … ON CONFLICT), the
    # ballot, the roll; the savepoint around it all (the transaction, outside a test).
    "ballot over HTTP": 12,
    "'you have voted' after a ballot": 6,
    # Only what is about the person: their proxies, their presence, their ballot.
    "'you have voted', pushed": 3,
    "vote fragments": 5,
}


@pytest.mark.django_db
def test_hot_paths_stay_within_their_query_budget(hot_paths):
    figures = hot_paths(SMALL)
    over = {name: figures[name] for name, ceiling in CEILINGS.items() if figures[name] > ceiling}
    assert not over, f"over budget {CEILINGS}: {over}"
