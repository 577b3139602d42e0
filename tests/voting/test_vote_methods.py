"""A vote method is one class (voting/methods/): a method defined in this module alone,
with its templates, is prepared, opened, cast, closed, shown and exported through the
real pages, with no edit anywhere else."""

import pytest
from django.template import Template
from django.urls import reverse
from pytest_django.asserts import assertContains

from tests.helpers import csv_rows
from tests.voting.conftest import ballot_key, be_present, vote_spec
from voting import casting, counting, eligibility, lifecycle, methods
from voting.errors import VotingError
from voting.methods import BallotError, Tally, VoteMethod, ballot
from voting.models import Vote

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}

APPROVAL_BALLOT = Template(
    "{% for option in options %}<label><input type='checkbox' name='approve' "
    "value='{{ option.pk }}'> {{ option.label }}</label>{% endfor %}"
)
APPROVAL_RESULT = Template(
    "<ul class='approvals'>{% for label, n in vote.result.counts %}"
    "<li>{{ label }}: {{ n }} approvals</li>{% endfor %}</ul>"
)


class Approval(VoteMethod):
    """Tick every option you can live with; the option most approve of wins."""

    key = "approval"
    label = "Approval (tick any options)"
    min_options = 2
    max_options = 10
    can_be_weighted = False
    ballot_template = APPROVAL_BALLOT
    result_template = APPROVAL_RESULT

    def parse(self, data, vote) -> dict:
        try:
            ticked = [int(value) for value in data.getlist("approve")]
        except ValueError:
            raise BallotError("Tick the options you approve of.") from None
        return self.clean({"ranking": ticked}, vote)

    def clean(self, value, vote) -> dict:
        ticked = value.get("ranking") or []
        known = set(vote.options.values_list("pk", flat=True))
        if not set(ticked) <= known or len(set(ticked)) != len(ticked):
            raise BallotError("Tick the options you approve of.")
        return ballot("" if ticked else counting.ABSTAIN, ranking=sorted(ticked))

    def count(self, ballots, options, eligible, rule, settings=None) -> Tally:
        approvals = {o.pk: 0 for o in options}
        for cast in ballots:
            for pk in cast["ranking"]:
                approvals[pk] += 1
        needed = counting.quorum_needed(rule, eligible)
        best = max(approvals.values(), default=0)
        leaders = [o.label for o in options if approvals[o.pk] == best]
        if len(ballots) < needed:
            outcome, winner = counting.NO_QUORUM, None
        elif best == 0 or len(leaders) > 1:
            outcome, winner = counting.REJECTED if best == 0 else counting.TIE, None
        else:
            outcome, winner = counting.ADOPTED, leaders[0]
        counts = [[o.label, approvals[o.pk]] for o in options]
        return Tally({"counts": counts, "winner": winner}, len(ballots), needed, outcome)

    def shown(self, value, labels) -> str:
        return " + ".join(labels[pk] for pk in value["ranking"]) or counting.ABSTAIN


@pytest.fixture
def approval():
    methods.register(Approval)
    yield methods.get(Approval.key)
    methods.unregister(Approval.key)


@pytest.fixture
def register():
    """Register method classes for one test; they are gone after it."""
    keys = []

    def add(cls: type[VoteMethod]) -> VoteMethod:
        methods.register(cls)
        keys.append(cls.key)
        return methods.get(cls.key)

    yield add
    for key in keys:
        methods.unregister(key)


def url(name: str, *args) -> str:
    return reverse(f"voting:{name}", args=args)


def test_a_method_defined_in_a_test_runs_end_to_end(
    approval, client_for, alice, bob, tina, panel, live_meeting
):
    be_present(live_meeting, alice, bob, tina)
    moderator = client_for(alice)
    moderator.post(
        url("vote_new", panel.pk),
        {
            "question": "Wat mag er in de binnentuin?",
            "method": "approval",
            "options": "Bankjes\nSpeeltuin\nMoestuin",
            "majority": "simple",
            "qualified": "2/3",
            "mode": "live",
            "meeting": live_meeting.pk,
        },
    )
    vote = Vote.objects.get(method="approval")
    benches, playground, garden = vote.options.all()
    moderator.post(url("vote_open", panel.pk, vote.pk))

    page = client_for(bob).get(url("vote", panel.pk, vote.pk))
    assertContains(page, f"name='approve' value='{garden.pk}'")
    client_for(bob).post(
        url("vote_cast", panel.pk, vote.pk),
        {"key": ballot_key(), "approve": [benches.pk, garden.pk]},
        **HTMX,
    )
    client_for(tina).post(
        url("vote_cast", panel.pk, vote.pk), {"key": ballot_key(), "approve": [garden.pk]}, **HTMX
    )
    client_for(alice).post(url("vote_close", panel.pk, vote.pk))

    vote.refresh_from_db()
    assert vote.state == Vote.State.CLOSED
    assert vote.result["counts"] == [["Bankjes", 1], ["Speeltuin", 0], ["Moestuin", 2]]
    assert (vote.result["winner"], vote.result["cast"]) == ("Moestuin", 2)
    assert vote.result["named"] == sorted(
        [[bob.user.name, "Bankjes + Moestuin", bob.pk], [tina.user.name, "Moestuin", tina.pk]]
    )
    page = client_for(bob).get(url("vote", panel.pk, vote.pk))
    assertContains(page, "Approval (tick any options)")
    assertContains(page, "Chosen: <bdi>Moestuin</bdi>")
    assertContains(page, "<li>Moestuin: 2 approvals</li>", html=True)
    rows = csv_rows(client_for(bob).get(url("vote_csv", panel.pk, vote.pk)))
    assert ["method", "approval"] in rows
    assert ["count", "Moestuin", "2"] in rows
    assert ["ballot", tina.user.name, "Moestuin"] in rows


def test_a_ballot_its_method_refuses_is_an_error_not_a_crash(approval, client_for, make_vote, bob):
    vote = make_vote(method="approval", options=["Bankjes", "Speeltuin"], present=[bob])

    for hostile in ({"approve": "drop table"}, {"approve": ["99999999999999999999"]}):
        response = client_for(bob).post(
            url("vote_cast", vote.panel_id, vote.pk), {"key": ballot_key(), **hostile}, **HTMX
        )
        assertContains(response, "Tick the options you approve of.")
    assert not vote.participations.exists()


def test_a_method_that_decides_nothing_is_not_offered_for_a_proposal(
    approval, client_for, alice, panel, proposal
):
    page = client_for(alice).get(url("vote_new", panel.pk) + f"?proposal={proposal.pk}")

    assert 'value="approval"' not in page.content.decode()


def test_a_key_is_taken_once(approval):
    class Other(Approval):
        pass

    with pytest.raises(ValueError, match="already registered"):
        methods.register(Other)
    assert ("approval", Approval.label) in methods.choices()


def test_the_built_in_methods_are_registered():
    assert [m.key for m in methods.registered()][:3] == ["yes_no", "one_choice", "ranked"]
    assert methods.get("yes_no").decides_subjects
    with pytest.raises(LookupError):
        methods.get("thumbs")


def test_a_new_method_can_be_secret(approval, client_for, make_vote, alice, bob):
    vote = make_vote(
        method="approval", options=["Bankjes", "Speeltuin"], present=[bob], secret=True
    )
    benches = vote.options.first()

    response = client_for(bob).post(
        url("vote_cast", vote.panel_id, vote.pk),
        {"key": ballot_key(), "approve": [benches.pk]},
        **HTMX,
    )
    assertContains(response, "Receipt code for")
    lifecycle.close_vote(alice, vote)

    vote.refresh_from_db()
    assert vote.result["counts"] == [["Bankjes", 1], ["Speeltuin", 0]]
    assert "named" not in vote.result and len(vote.result["receipts"]) == 1


def test_a_method_that_cannot_be_secret_is_not_prepared_as_a_secret_vote(
    register, alice, live_meeting
):
    class NamedApproval(Approval):
        key = "named_approval"
        can_be_secret = False

    register(NamedApproval)
    spec = vote_spec(method="named_approval", options=["Bankjes", "Speeltuin"], secret=True)

    with pytest.raises(VotingError, match="cannot be used for a secret ballot"):
        lifecycle.prepare_vote(alice, spec, meeting=live_meeting)
    assert not Vote.objects.exists()


def test_a_method_without_proxies_lets_a_holder_vote_only_for_themselves(
    approval, make_vote, bob, tina, live_meeting
):
    eligibility.give_proxy(tina, live_meeting, bob)
    vote = make_vote(method="approval", options=["Bankjes", "Speeltuin"], present=[bob])

    assert eligibility.capacities(vote, bob) == [bob]
    with pytest.raises(VotingError, match="cannot vote in this vote"):
        casting.cast_ballot(bob, vote, {"ranking": []}, on_behalf_of=tina, key=ballot_key())


def test_options_outside_a_method_s_limits_are_refused(register, alice, live_meeting):
    class SmallApproval(Approval):
        key = "small_approval"
        min_options = 3
        max_options = 4

    register(SmallApproval)
    for options, error in (
        (["Bankjes", "Speeltuin"], "at least 3 options"),
        (["A", "B", "C", "D", "E"], "at most 4 options"),
    ):
        spec = vote_spec(method="small_approval", options=options)
        with pytest.raises(VotingError, match=error):
            lifecycle.prepare_vote(alice, spec, meeting=live_meeting)
