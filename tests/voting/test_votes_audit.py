"""What votes, proposals and amendments write to the audit log: opening and closing with
the counts (never who voted what in a secret vote), moderators hiding things; nothing on
refusal and nothing per ballot; the vote page shows the close entry's check code."""

import hashlib
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from panels import audit
from panels.models import AuditAction, AuditEntry
from tests.helpers import csv_rows
from tests.voting.conftest import cast, fresh
from tests.voting.test_votes_views import vote_url
from voting import lifecycle, proposals
from voting.errors import VotingError
from voting.models import Vote

pytestmark = pytest.mark.django_db


def entries(subject: str | None = None) -> list[AuditEntry]:
    found = AuditEntry.objects.order_by("sequence")
    return list(found.filter(subject=subject) if subject else found)


def test_opening_a_vote_records_how_it_will_be_decided(make_vote, alice):
    vote = make_vote(secret=True)

    (entry,) = entries(f"vote:{vote.pk}")
    assert entry.action == AuditAction.VOTE_OPENED
    assert entry.actor_membership_id == alice.pk
    assert entry.panel_id == vote.panel_id
    assert entry.details == {
        "method": "yes_no",
        "mode": "live",
        "secret": True,
        "majority": "simple",
        "proposal": None,
        "amendment": None,
        "options": [],
    }


def test_a_refused_or_repeated_opening_records_nothing(make_vote, alice, bob):
    vote = make_vote(opened=False)
    with pytest.raises(VotingError):
        lifecycle.open_vote(bob, vote)  # not a moderator
    assert entries(f"vote:{vote.pk}") == []

    lifecycle.open_vote(alice, vote)
    lifecycle.open_vote(alice, vote)  # a double click

    assert len(entries(f"vote:{vote.pk}")) == 1


def test_closing_records_the_counts_the_outcome_and_a_hash_of_the_result(
    make_vote, alice, bob, tina
):
    vote = make_vote(present=[alice, bob, tina])
    cast(bob, vote, "for")
    cast(tina, vote, "against")
    cast(alice, vote, "for")
    lifecycle.close_vote(alice, vote)
    lifecycle.close_vote(alice, vote)  # already closed: nothing more

    vote = fresh(vote)
    opened, closed = entries(f"vote:{vote.pk}")
    assert (opened.action, closed.action) == (AuditAction.VOTE_OPENED, AuditAction.VOTE_CLOSED)
    assert closed.details["counts"] == [["for", 2], ["against", 1], ["abstain", 0]]
    assert (closed.details["cast"], closed.details["eligible"]) == (3, 3)
    assert closed.details["outcome"] == "adopted"
    # The hash binds the result with who voted what as (membership id, choice): names
    # are left out, so that an erased member's pseudonym does not break it.
    bound = vote.result | {
        "named": sorted([[m.pk, c] for m, c in [(alice, "for"), (bob, "for"), (tina, "against")]])
    }
    published = json.dumps(bound, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert closed.details["result_sha256"] == hashlib.sha256(published.encode()).hexdigest()
    # A named vote's list of who voted what is on the result page; the log only binds it.
    assert "named" not in closed.details
    assert "Bob" not in json.dumps(closed.details)
    assert audit.verify().broken is None


def test_a_secret_vote_leaves_no_trace_of_who_voted_what(make_vote, alice, bob, tina, voters):
    vote = make_vote(secret=True, present=[alice, bob, tina, *voters])
    before = AuditEntry.objects.count()
    receipts = [cast(member, vote, "for").receipt for member in (bob, tina)]
    receipts.append(cast(voters[0], vote, "against").receipt)
    assert AuditEntry.objects.count() == before, "casting must write nothing to the log"
    lifecycle.close_vote(alice, vote)

    logged = entries(f"vote:{vote.pk}")
    text = json.dumps([[e.actor_membership_id, e.actor_name, e.details] for e in logged])
    assert {e.actor_membership_id for e in logged} == {alice.pk}
    assert "receipts" not in logged[-1].details
    for voter in (bob, tina, voters[0]):
        assert voter.user.name not in text
        assert f'"{voter.pk}"' not in text and f"[{voter.pk}," not in text
    for hash_ in fresh(vote).result["receipts"]:
        assert hash_ not in text
    for receipt in receipts:
        assert receipt not in text
    assert logged[-1].details["counts"] == [["for", 2], ["against", 1], ["abstain", 0]]


def test_the_scheduler_closing_a_timed_vote_is_recorded_without_an_actor(make_vote):
    vote = make_vote(mode=Vote.Mode.TIMED, closes_at=timezone.now() + timedelta(hours=1))

    lifecycle.close_due_votes(now=timezone.now() + timedelta(hours=2))

    closed = entries(f"vote:{vote.pk}")[-1]
    assert closed.action == AuditAction.VOTE_CLOSED
    assert (closed.actor_membership_id, closed.actor_name) == (None, "")


def test_a_written_round_is_recorded_before_the_close(make_vote, alice):
    vote = make_vote()
    until = timezone.now() + timedelta(hours=2)

    lifecycle.close_vote(alice, vote, written_round_until=until)

    entry = entries(f"vote:{vote.pk}")[-1]
    assert entry.action == AuditAction.VOTE_WRITTEN_ROUND
    assert entry.details == {"until": until.isoformat()}


def test_hiding_a_proposal_or_an_amendment_is_recorded(alice, bob, tina, proposal, amend):
    amendment = amend(tina)
    with pytest.raises(VotingError):
        proposals.hide_proposal(bob, proposal, "Nee")  # not a moderator

    proposals.hide_amendment(alice, amendment, "Persoonlijke aanval")
    proposals.hide_proposal(alice, proposal, "Beledigend")
    proposals.hide_proposal(alice, proposal, "Nog eens")  # already hidden

    logged = [(e.action, e.subject, e.details) for e in entries()]
    assert logged[-2:] == [
        (
            AuditAction.AMENDMENT_HIDDEN,
            f"amendment:{amendment.pk}",
            {"reason": "Persoonlijke aanval"},
        ),
        (AuditAction.PROPOSAL_HIDDEN, f"proposal:{proposal.pk}", {"reason": "Beledigend"}),
    ]
    assert [e for e in logged if e[0] == AuditAction.PROPOSAL_HIDDEN] == logged[-1:]


def test_the_vote_page_shows_the_check_code_of_the_close(client_for, make_vote, alice, bob):
    vote = make_vote(present=[bob])
    cast(bob, vote, "for")
    page = client_for(bob).get(vote_url("vote", vote)).content.decode()
    assert "Audit log check code" not in page

    lifecycle.close_vote(alice, vote)
    closed = audit.entry_for(f"vote:{vote.pk}", AuditAction.VOTE_CLOSED)
    page = client_for(bob).get(vote_url("vote", vote)).content.decode()

    assert "Audit log check code" in page
    assert closed.hash in page
    assert closed.hash[:12] in page


def test_the_result_csv_ends_with_the_close_entry(client_for, make_vote, alice, bob):
    vote = make_vote(present=[bob])
    cast(bob, vote, "for")
    lifecycle.close_vote(alice, vote)
    closed = audit.entry_for(f"vote:{vote.pk}", AuditAction.VOTE_CLOSED)

    response = client_for(bob).get(vote_url("vote_csv", vote))

    rows = csv_rows(response)
    assert rows[-1] == ["audit_log_entry", str(closed.sequence), closed.hash]
