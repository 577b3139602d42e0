"""The six plug-in methods (consent, multiple choice, score, points, date poll, sense check)
through the real services and pages: their settings when a vote is prepared, ballots cast
with each method's form fields, the closed vote's page, chart and CSV, a proposal decided
by consent, a date poll turned into a meeting, and secret votes of the methods that may be
secret."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from panels.models import Meeting
from tests.helpers import FORMULAS, csv_rows, formula_cells
from tests.voting.conftest import ballot_key, fresh, vote_spec, votes_snapshot
from voting import casting, counting, lifecycle, proposals, results
from voting.models import Ballot, Proposal, Vote

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
OPTIONS = ["Bankjes", "Speeltuin", "Moestuin"]
DATES = ["2027-03-01 19:30", "2027-03-08 19:30", "2027-03-15 19:30"]


def vote_url(name: str, vote: Vote) -> str:
    return reverse(f"voting:{name}", args=[vote.panel_id, vote.pk])


def prepare(alice, live_meeting, **fields) -> Vote:
    return lifecycle.prepare_vote(alice, vote_spec(**fields), meeting=live_meeting)


def post_ballot(client, vote: Vote, data: dict) -> str:
    """Cast through the ballot form's view, as htmx posts it; the notice it answers with."""
    response = client.post(vote_url("vote_cast", vote), {"key": ballot_key(), **data}, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def pk_of(vote: Vote, label: str) -> int:
    return vote.options.get(label=label).pk


def the_ballot(vote: Vote, member) -> Ballot:
    return Ballot.objects.get(vote=vote, participation__on_behalf_of=member)


# --- settings, checked when a vote is prepared ------------------------------------------------


@pytest.mark.parametrize(
    ("method", "settings", "error"),
    [
        ("multiple_choice", {"max_choices": 4}, "between 1 and 3 options"),
        ("multiple_choice", {"max_choices": 0}, "between 1 and 3 options"),
        ("score", {"scale_min": 5, "scale_max": 5}, "from a low mark to a higher one"),
        ("score", {"scale_min": 7, "scale_max": 3}, "from a low mark to a higher one"),
        ("score", {"scale_min": 0, "scale_max": 11}, "at most 11 marks"),
        ("score", {"scale_max": 101}, "at most 11 marks"),
        ("points", {"budget": 0}, "between 1 and 1000 points"),
        ("points", {"budget": 1001}, "between 1 and 1000 points"),
        ("points", {"budget": -3}, "between 1 and 1000 points"),
    ],
)
def test_settings_out_of_bounds_are_refused(alice, live_meeting, refused, method, settings, error):
    message = refused(
        lambda: prepare(alice, live_meeting, method=method, options=OPTIONS, settings=settings)
    )
    assert error in message


@pytest.mark.parametrize(
    ("method", "settings", "stored"),
    [
        ("multiple_choice", {}, {"max_choices": 3}),
        ("multiple_choice", {"max_choices": None}, {"max_choices": 3}),
        ("multiple_choice", {"max_choices": 2}, {"max_choices": 2}),
        ("score", {}, {"scale_min": 1, "scale_max": 10}),
        ("score", {"scale_min": 0, "scale_max": None}, {"scale_min": 0, "scale_max": 10}),
        ("score", {"scale_min": 1, "scale_max": 5}, {"scale_min": 1, "scale_max": 5}),
        ("points", {}, {"budget": 10}),
        ("points", {"budget": 1000}, {"budget": 1000}),
        ("consent", {"budget": 5}, {}),
        ("sense_check", {}, {}),
    ],
)
def test_settings_get_their_defaults_and_are_stored(alice, live_meeting, method, settings, stored):
    options = OPTIONS if method in ("multiple_choice", "score", "points") else []
    vote = prepare(alice, live_meeting, method=method, options=options, settings=settings)

    assert fresh(vote).settings == stored


def test_the_vote_form_passes_the_chosen_method_s_settings_only(client_for, alice, panel):
    deadline = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    form = {
        "question": "Wat eerst?",
        "method": "points",
        "options": "\n".join(OPTIONS),
        "majority": "simple",
        "qualified": "2/3",
        "mode": "timed",
        "closes_at": deadline,
        "points__budget": "25",
        "multiple_choice__max_choices": "2",
        "score__scale_max": "5",
    }
    client = client_for(alice)
    new = reverse("voting:vote_new", args=[panel.pk])

    response = client.post(new, form)
    assert response.status_code == 302
    assert Vote.objects.get(method="points").settings == {"budget": 25}
    assert client.post(new, form | {"method": "score"}).status_code == 302
    assert Vote.objects.get(method="score").settings == {"scale_min": 1, "scale_max": 5}


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"method": "points", "points__budget": "0"}, "greater than or equal to 1"),
        ({"method": "multiple_choice", "multiple_choice__max_choices": "4"}, "between 1 and 3"),
        ({"method": "date_poll", "options": "2027-03-01 19:30\nvolgende week"}, "Option 2 is"),
    ],
    ids=["budget", "k", "date"],
)
def test_the_vote_form_shows_a_setting_s_error(
    client_for, alice, panel, live_meeting, fields, error
):
    form = {
        "question": "Wat eerst?",
        "options": "\n".join(OPTIONS),
        "majority": "simple",
        "qualified": "2/3",
        "mode": "live",
        "meeting": live_meeting.pk,
    }
    response = client_for(alice).post(reverse("voting:vote_new", args=[panel.pk]), form | fields)

    assertContains(response, error, status_code=400)
    assert not Vote.objects.exists()


# --- date poll options ---------------------------------------------------------------------------


def test_date_options_are_read_sorted_and_stored_alike(alice, live_meeting):
    vote = prepare(
        alice,
        live_meeting,
        method="date_poll",
        options=["15-03-2027 19:30", "2027-03-01T19:30", " 08/03/2027   19:30 "],
    )

    stored = list(vote.options.order_by("position").values_list("label", flat=True))
    assert stored == DATES


@pytest.mark.parametrize(
    ("options", "error"),
    [
        (["2027-03-01 19:30", "volgende dinsdag"], "Option 2 is not a date and time"),
        (["maart", "2027-03-01 19:30"], "Option 1 is not a date and time"),
        (["2027-02-30 19:30", "2027-03-01 19:30"], "Option 1 is not a date and time"),
        (["2027-03-01 19:30", "01-03-2027 19:30"], "Every date must be different."),
    ],
)
def test_a_date_option_that_is_no_date_is_refused_clearly(
    alice, live_meeting, refused, options, error
):
    message = refused(lambda: prepare(alice, live_meeting, method="date_poll", options=options))

    assert error in message
    if "not a date" in error:
        assert "write it as 2027-03-14 19:30 (year-month-day hours:minutes)" in message


# --- what the methods allow ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "options"), [("consent", []), ("date_poll", DATES)], ids=["consent", "date_poll"]
)
def test_consent_and_a_date_poll_cannot_be_secret(alice, live_meeting, refused, method, options):
    message = refused(
        lambda: prepare(alice, live_meeting, method=method, options=options, secret=True)
    )

    assert "cannot be used for a secret ballot" in message
    # Named, the same vote is prepared.
    assert prepare(alice, live_meeting, method=method, options=options).secret is False


@pytest.mark.parametrize(
    ("method", "options", "takes_quorum"),
    [("sense_check", [], False), ("date_poll", DATES, False), ("consent", [], True)],
)
def test_a_method_that_decides_nothing_stores_no_quorum(
    make_vote, alice, bob, method, options, takes_quorum
):
    vote = make_vote(
        method=method, options=options, quorum_count=5, quorum_percent=50, present=[bob]
    )
    assert (vote.quorum_count, vote.quorum_percent) == ((5, 50) if takes_quorum else (None, None))

    lifecycle.close_vote(alice, vote)

    result = fresh(vote).result
    assert (result["quorum_needed"] > 0) is takes_quorum
    assert (result["outcome"] == counting.NO_QUORUM) is takes_quorum


def test_a_method_that_decides_nothing_cannot_decide_a_proposal(alice, proposal, refused):
    for method in ("sense_check", "date_poll", "multiple_choice"):
        spec = vote_spec(method=method, options=DATES)
        assert "can adopt or reject" in refused(
            lambda spec=spec: lifecycle.prepare_vote(alice, spec, proposal=proposal)
        )


@pytest.mark.parametrize(
    ("answers", "state"),
    [
        ([("consent", ""), ("concern", "Let op de kosten."), ("consent", "")], "adopted"),
        ([("consent", ""), ("objection", "Te duur."), ("concern", "Hm.")], "rejected"),
    ],
    ids=["no objection", "an objection"],
)
def test_a_proposal_is_decided_by_consent(
    make_vote, client_for, alice, bob, tina, proposal, answers, state
):
    proposals.admit_proposal(alice, proposal)
    vote = make_vote(question="", method="consent", proposal=proposal, present=[alice, bob, tina])
    assert fresh(proposal).state == Proposal.State.IN_VOTE
    for member, (answer, reason) in zip((alice, bob, tina), answers, strict=True):
        casting.cast_ballot(member, vote, {"choice": answer, "remark": reason}, key=ballot_key())

    lifecycle.close_vote(alice, vote)

    assert fresh(proposal).state == state
    latest = fresh(proposal).history.order_by("history_date", "history_id").last()
    assert latest.history_change_reason == f"vote: {state}"
    page = client_for(bob).get(vote_url("vote", vote))
    objections = sum(answer == "objection" for answer, _r in answers)
    if objections:
        assertContains(page, f"Not adopted: {objections} objection")
    else:
        assertContains(page, "Adopted: nobody objects")
    for answer, reason in answers:
        if reason:
            assertContains(page, reason)


# --- casting through the ballot form ----------------------------------------------------------


@dataclass
class Case:
    method: str
    options: list[str]
    settings: dict
    good: object  # vote -> the form's fields
    stored: object  # vote -> (choice, marks, remark) as the Ballot row keeps it
    bad: list  # [(vote -> fields, error)]


def ids(vote, *labels):
    return [pk_of(vote, label) for label in labels]


CASES = {
    "points": Case(
        "points",
        OPTIONS,
        {"budget": 10},
        lambda v: {f"points_{pk_of(v, 'Bankjes')}": "7", f"points_{pk_of(v, 'Moestuin')}": "3"},
        lambda v: ("", {str(pk_of(v, "Bankjes")): 7, str(pk_of(v, "Moestuin")): 3}, ""),
        [
            (
                lambda v: {f"points_{pk}": "4" for pk in ids(v, *OPTIONS)},
                "You gave 12 points, but you have 10 to divide.",
            ),
            (
                lambda v: {f"points_{pk_of(v, 'Bankjes')}": "-1"},
                "Give each option a whole number of points, from 0 to 10.",
            ),
            (
                lambda v: {f"points_{pk_of(v, 'Bankjes')}": "²"},
                "Give each option a whole number of points, from 0 to 10.",
            ),
            (
                lambda v: {f"points_{pk_of(v, 'Bankjes')}": "2.5"},
                "Give each option a whole number of points, from 0 to 10.",
            ),
        ],
    ),
    "score": Case(
        "score",
        OPTIONS,
        {"scale_min": 1, "scale_max": 5},
        lambda v: {f"score_{pk_of(v, 'Speeltuin')}": "4", f"score_{pk_of(v, 'Bankjes')}": ""},
        lambda v: ("", {str(pk_of(v, "Speeltuin")): 4}, ""),
        [
            (
                lambda v: {f"score_{pk_of(v, 'Speeltuin')}": "6"},
                "Give each option a mark from 1 to 5, or none.",
            ),
            (
                lambda v: {f"score_{pk_of(v, 'Speeltuin')}": "--3"},
                "Give each option a mark from 1 to 5, or none.",
            ),
        ],
    ),
    "date_poll": Case(
        "date_poll",
        DATES,
        {},
        lambda v: {f"date_{pk_of(v, DATES[0])}": "yes", f"date_{pk_of(v, DATES[1])}": "maybe"},
        lambda v: ("", {str(pk_of(v, DATES[0])): "yes", str(pk_of(v, DATES[1])): "maybe"}, ""),
        [
            (lambda v: {}, "Answer yes, if need be, or no for at least one date."),
            (
                lambda v: {f"date_{pk_of(v, DATES[0])}": "perhaps"},
                "Answer yes, if need be, or no for each date.",
            ),
        ],
    ),
    "multiple_choice": Case(
        "multiple_choice",
        OPTIONS,
        {"max_choices": 2},
        lambda v: {"option": ids(v, "Bankjes", "Moestuin")},
        lambda v: ("", {str(pk): 1 for pk in sorted(ids(v, "Bankjes", "Moestuin"))}, ""),
        [
            (lambda v: {"option": ids(v, *OPTIONS)}, "Tick at most 2 options; you ticked 3."),
            (lambda v: {"option": ["999999"]}, "Tick the options you choose."),
            (lambda v: {"option": ["drop table"]}, "Tick the options you choose."),
        ],
    ),
    "consent": Case(
        "consent",
        [],
        {},
        lambda v: {"choice": "objection", "remark": "  Te   duur. "},
        lambda v: ("objection", {}, "Te duur."),
        [
            (
                lambda v: {"choice": "objection", "remark": "  "},
                "Write why you object: the moderator addresses every objection.",
            ),
            (lambda v: {"choice": "maybe"}, "Choose consent, consent with a concern"),
            (
                lambda v: {"choice": "concern", "remark": "x" * 501},
                "Write at most 500 characters; this is 501.",
            ),
        ],
    ),
    "sense_check": Case(
        "sense_check",
        [],
        {},
        lambda v: {"choice": "down", "remark": "Eerst de kosten weten."},
        lambda v: ("down", {}, "Eerst de kosten weten."),
        [(lambda v: {"choice": "sideways"}, "Choose positive, unsure or negative.")],
    ),
}


@pytest.fixture(params=list(CASES))
def case(request) -> Case:
    return CASES[request.param]


def test_a_ballot_from_the_method_s_form_fields_is_stored(case, make_vote, client_for, bob):
    vote = make_vote(
        method=case.method, options=case.options, settings=case.settings, present=[bob]
    )

    notice = post_ballot(client_for(bob), vote, case.good(vote))

    assert "Your vote has been recorded." in notice
    stored = the_ballot(vote, bob)
    assert (stored.choice, stored.marks, stored.remark) == case.stored(vote)


def test_the_ballot_form_has_the_fields_the_method_reads(case, make_vote, client_for, bob):
    vote = make_vote(
        method=case.method, options=case.options, settings=case.settings, present=[bob]
    )

    page = client_for(bob).get(vote_url("vote", vote)).content.decode()

    for name, value in case.good(vote).items():
        assert f'name="{name}"' in page, name
        for one in value if isinstance(value, list) else [value]:
            if name == "option" or name == "choice" or name.startswith("date_"):
                assert re.search(rf'name="{name}" value="{one}"', page), (name, one)


def test_a_plain_form_s_refused_ballot_comes_back_as_a_message(make_vote, client_for, bob):
    vote = make_vote(method="consent", present=[bob])

    response = client_for(bob).post(
        vote_url("vote_cast", vote), {"key": ballot_key(), "choice": "objection"}, follow=True
    )

    assertContains(response, "Write why you object: the moderator addresses every objection.")
    assertNotContains(response, "Your vote has been recorded.")
    assert not vote.participations.exists()


def test_a_refused_ballot_says_why_and_stores_nothing(case, make_vote, client_for, bob, panel):
    vote = make_vote(
        method=case.method, options=case.options, settings=case.settings, present=[bob]
    )
    client = client_for(bob)
    for fields, error in case.bad:
        before = votes_snapshot(panel)

        notice = post_ballot(client, vote, fields(vote))

        assert error in notice
        assert "Your vote has been recorded." not in notice
        assert votes_snapshot(panel) == before
    assert not vote.participations.exists()


def test_the_service_refuses_what_the_form_would_refuse(case, make_vote, bob, refused):
    vote = make_vote(
        method=case.method, options=case.options, settings=case.settings, present=[bob]
    )
    fields, error = case.bad[0]
    as_posted = fields(vote)
    # The same ballot, given to the service as a stored value rather than a form.
    value = {
        "choice": as_posted.get("choice"),
        "remark": as_posted.get("remark", ""),
        "marks": {name.split("_", 1)[1]: value for name, value in as_posted.items() if "_" in name}
        or {str(pk): 1 for pk in as_posted.get("option", [])},
    }
    message = refused(lambda: casting.cast_ballot(bob, vote, value, key=ballot_key()))

    assert error.split(";")[0].split(":")[0] in message


def test_a_named_ballot_can_be_changed_with_the_form(make_vote, client_for, bob):
    vote = make_vote(method="points", options=OPTIONS, present=[bob])
    client = client_for(bob)
    benches, garden = pk_of(vote, "Bankjes"), pk_of(vote, "Moestuin")

    post_ballot(client, vote, {f"points_{benches}": "10"})
    post_ballot(client, vote, {f"points_{benches}": "2", f"points_{garden}": "8"})

    assert the_ballot(vote, bob).marks == {str(benches): 2, str(garden): 8}
    assert vote.participations.count() == 1


# --- the closed vote: page, chart, named list, CSV ------------------------------------------------


@dataclass
class Closed:
    method: str
    options: list[str]
    settings: dict
    ballots: list  # per voter (alice, bob, tina): vote -> ballot value
    outcome: str  # the words the result leads with
    page: list[str]  # in the page (html=False)
    csv: object  # vote -> rows the CSV must hold
    rows: tuple[str, ...] = ()  # table rows in the page (html=True)


def marks(vote, **by_label):
    return {"marks": {str(pk_of(vote, label)): mark for label, mark in by_label.items()}}


CLOSED = {
    "points": Closed(
        "points",
        OPTIONS,
        {"budget": 10},
        [
            lambda v: marks(v, Bankjes=6, Moestuin=4),
            lambda v: marks(v, Bankjes=10),
            lambda v: marks(v, Speeltuin=5, Moestuin=5),
        ],
        "Most points: <bdi>Bankjes</bdi>",
        ['<th scope="row"><bdi>Bankjes</bdi></th><td>16</td><td>2</td>'],
        lambda v: [
            ["points", "Bankjes", "16", "2"],
            ["points", "Speeltuin", "5", "1"],
            ["points", "Moestuin", "9", "2"],
            ["count", "abstain", "0"],
            ["ballot", "Bob Member", "Bankjes: 10"],
        ],
    ),
    "score": Closed(
        "score",
        OPTIONS,
        {"scale_min": 1, "scale_max": 5},
        [
            lambda v: marks(v, Bankjes=5, Speeltuin=2),
            lambda v: marks(v, Bankjes=4),
            lambda v: marks(v, Bankjes=4, Speeltuin=3, Moestuin=1),
        ],
        "Highest score: <bdi>Bankjes</bdi>",
        ["<td>4.3</td><td>4.0</td><td>3</td><td>4: 2; 5: 1</td>"],
        lambda v: [
            ["score", "Bankjes", "3", "4.3", "4.0"],
            ["score", "Speeltuin", "2", "2.5", "2.5"],
            ["score", "Moestuin", "1", "1.0", "1.0"],
            ["marks", "Bankjes", "4", "2"],
            ["marks", "Bankjes", "1", "0"],
            ["ballot", "Bob Member", "Bankjes: 4"],
        ],
    ),
    "multiple_choice": Closed(
        "multiple_choice",
        OPTIONS,
        {"max_choices": 2},
        [
            lambda v: marks(v, Bankjes=1, Moestuin=1),
            lambda v: marks(v, Moestuin=1),
            lambda v: {"marks": {}},
        ],
        "Chosen most: <bdi>Moestuin</bdi>",
        ["<bdi>Moestuin</bdi>"],
        lambda v: [
            ["count", "Bankjes", "1"],
            ["count", "Speeltuin", "0"],
            ["count", "Moestuin", "2"],
            ["count", "abstain", "1"],
            ["ballot", "Alice Moderator", "Bankjes + Moestuin"],
            ["ballot", "Tina Tenantorg", "abstain"],
        ],
        (
            '<tr><th scope="row"><bdi>Moestuin</bdi></th><td>2</td></tr>',
            '<tr><th scope="row">Abstain</th><td>1</td></tr>',
        ),
    ),
    "date_poll": Closed(
        "date_poll",
        DATES,
        {},
        [
            lambda v: {"marks": {str(pk_of(v, DATES[0])): "yes", str(pk_of(v, DATES[1])): "yes"}},
            lambda v: {"marks": {str(pk_of(v, DATES[0])): "no", str(pk_of(v, DATES[1])): "yes"}},
            lambda v: {"marks": {str(pk_of(v, DATES[1])): "maybe", str(pk_of(v, DATES[2])): "yes"}},
        ],
        "Best date: <bdi>Monday 8 March 2027, 19:30</bdi>",
        ['<tr class="is-best"><th scope="row">Monday 8 March 2027, 19:30</th><td>2</td><td>1</td>'],
        lambda v: [
            ["date", DATES[0], "1", "0", "1"],
            ["date", DATES[1], "2", "1", "0"],
            ["date", DATES[2], "1", "0", "0"],
            ["winner", DATES[1]],
        ],
    ),
    "consent": Closed(
        "consent",
        [],
        {},
        [
            lambda v: {"choice": "consent"},
            lambda v: {"choice": "objection", "remark": "Te duur voor de vereniging."},
            lambda v: {"choice": "concern", "remark": "Let op het onderhoud."},
        ],
        "Not adopted: 1 objection",
        [
            "<strong>Objection</strong>: <bdi>Te duur voor de vereniging.</bdi>",
            "<bdi>Bob Member</bdi>: Objection — <bdi>Te duur voor de vereniging.</bdi>",
        ],
        lambda v: [
            ["count", "consent", "1"],
            ["count", "concern", "1"],
            ["count", "objection", "1"],
            ["remark", "objection", "Te duur voor de vereniging."],
            ["remark", "concern", "Let op het onderhoud."],
            ["ballot", "Bob Member", "objection", "Te duur voor de vereniging."],
            ["ballot", "Alice Moderator", "consent"],
        ],
        (
            '<tr><th scope="row">Objection</th><td>1</td></tr>',
            '<tr><th scope="row">Consent, with a concern</th><td>1</td></tr>',
        ),
    ),
    "sense_check": Closed(
        "sense_check",
        [],
        {},
        [
            lambda v: {"choice": "up"},
            lambda v: {"choice": "up", "remark": "Goed plan."},
            lambda v: {"choice": "unsure", "remark": "Wat kost het?"},
        ],
        "Noted: this question decides nothing",
        ["<strong>🤔 Unsure</strong>: <bdi>Wat kost het?</bdi>"],
        lambda v: [
            ["count", "up", "2"],
            ["count", "unsure", "1"],
            ["count", "down", "0"],
            ["remark", "unsure", "Wat kost het?"],
            ["ballot", "Tina Tenantorg", "unsure", "Wat kost het?"],
        ],
        (
            '<tr><th scope="row">👍 Positive</th><td>2</td></tr>',
            '<tr><th scope="row">👎 Negative</th><td>0</td></tr>',
        ),
    ),
}


@pytest.fixture(params=list(CLOSED))
def closed(request) -> Closed:
    return CLOSED[request.param]


def close_with(closed: Closed, make_vote, alice, bob, tina, **fields) -> Vote:
    vote = make_vote(
        method=closed.method,
        options=closed.options,
        settings=closed.settings,
        present=[alice, bob, tina],
        **fields,
    )
    for member, value in zip((alice, bob, tina), closed.ballots, strict=True):
        casting.cast_ballot(member, vote, value(vote), key=ballot_key())
    lifecycle.close_vote(alice, vote)
    return fresh(vote)


def test_the_closed_vote_page_shows_the_outcome_the_table_and_the_chart(
    closed, make_vote, client_for, alice, bob, tina
):
    vote = close_with(closed, make_vote, alice, bob, tina)

    page = client_for(bob).get(vote_url("vote", vote))

    assertContains(page, f'<p class="result__outcome"><strong>{closed.outcome}</strong></p>')
    assertContains(page, '<svg class="chart"', count=1)
    for fragment in closed.page:
        assertContains(page, fragment)
    for row in closed.rows:
        assertContains(page, row, html=True)
    assertContains(page, "3 of 3 who could vote took part.")


def test_the_chart_has_a_bar_per_row_of_the_result(closed, make_vote, alice, bob, tina):
    vote = close_with(closed, make_vote, alice, bob, tina)

    rows = vote.vote_method.chart(vote.result)

    expected = {
        "points": len(OPTIONS),
        "score": len(OPTIONS),
        "multiple_choice": len(OPTIONS),
        "date_poll": len(DATES),
        "consent": 3,
        "sense_check": 3,
    }[closed.method]
    assert len(rows) == expected
    assert all(value >= 0 for _label, value, _shown in rows)
    if vote.result.get("winner"):
        best = max(rows, key=lambda row: row[1])
        assert best[0] == vote.vote_method.option_text(vote.result["winner"])


def test_the_csv_export_has_the_method_s_rows(closed, make_vote, client_for, alice, bob, tina):
    vote = close_with(closed, make_vote, alice, bob, tina)

    rows = csv_rows(client_for(bob).get(vote_url("vote_csv", vote)))

    assert ["method", closed.method] in rows
    assert ["cast", "3"] in rows
    for row in closed.csv(vote):
        assert row in rows, row
    # Named: one ballot row per voter; no membership id in the file.
    ballots = [row for row in rows if row[0] == "ballot"]
    assert sorted(row[1] for row in ballots) == ["Alice Moderator", "Bob Member", "Tina Tenantorg"]
    assert not any(str(bob.pk) == cell for row in ballots for cell in row[2:])


def test_remarks_in_the_csv_are_never_formulas(make_vote, client_for, alice, bob, tina):
    vote = make_vote(method="consent", present=[alice, bob, tina])
    for member, formula in zip((alice, bob, tina), FORMULAS, strict=False):
        value = {"choice": "objection", "remark": formula}
        casting.cast_ballot(member, vote, value, key=ballot_key())
    lifecycle.close_vote(alice, vote)

    rows = csv_rows(client_for(bob).get(vote_url("vote_csv", vote)))

    remarks = [row for row in rows if row[0] == "remark"]
    assert len(remarks) == 3
    assert not formula_cells(rows)


def test_the_named_list_shows_an_objection_s_reason(make_vote, client_for, alice, bob, tina):
    vote = close_with(CLOSED["consent"], make_vote, alice, bob, tina)

    page = client_for(tina).get(vote_url("vote", vote)).content.decode()
    who = page[page.index("Who voted what") :]

    assert "<bdi>Bob Member</bdi>: Objection — <bdi>Te duur voor de vereniging.</bdi>" in who
    assert (
        "<bdi>Tina Tenantorg</bdi>: Consent, with a concern — <bdi>Let op het onderhoud.</bdi>"
        in (who)
    )
    assert "<bdi>Alice Moderator</bdi>: Consent</li>" in who


# --- a date poll becomes a meeting ---------------------------------------------------------------


@pytest.fixture
def closed_poll(make_vote, alice, bob, tina) -> Vote:
    return close_with(
        CLOSED["date_poll"], make_vote, alice, bob, tina, question="Wanneer vergaderen we?"
    )


def test_a_closed_poll_becomes_one_meeting_at_its_best_date(
    closed_poll, alice, bob, tina, panel, django_capture_on_commit_callbacks
):
    before = set(Meeting.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        meeting = lifecycle.schedule_from_poll(alice, closed_poll)

    best = timezone.make_aware(datetime(2027, 3, 8, 19, 30))
    assert set(Meeting.objects.values_list("pk", flat=True)) - before == {meeting.pk}
    assert (meeting.starts_at, meeting.title, meeting.panel) == (
        best,
        "Wanneer vergaderen we?",
        panel,
    )
    assert fresh(closed_poll).follow_up_meeting == meeting
    invited = sorted(address for message in mail.outbox for address in message.to)
    assert invited == sorted(panel.memberships.active().values_list("user__email", flat=True))
    assert {bob.user.email, tina.user.email} <= set(invited)

    with django_capture_on_commit_callbacks(execute=True):
        again = lifecycle.schedule_from_poll(alice, closed_poll, title="Nog eens")

    assert again == meeting
    assert set(Meeting.objects.values_list("pk", flat=True)) - before == {meeting.pk}
    assert len(mail.outbox) == len(invited), "no second invitation"
    assert fresh(meeting).title == "Wanneer vergaderen we?"


def test_the_moderator_plans_the_meeting_from_the_poll_page(closed_poll, client_for, alice):
    page = client_for(alice).get(vote_url("vote", closed_poll))
    assertContains(page, "Plan a meeting on Monday 8 March 2027, 19:30 and invite the members")

    response = client_for(alice).post(
        vote_url("vote_schedule", closed_poll), {"title": "  Bewonersavond   maart "}
    )

    meeting = fresh(closed_poll).follow_up_meeting
    assert meeting is not None and meeting.title == "Bewonersavond maart"
    assert response.status_code == 302 and response.url == meeting.get_absolute_url()
    page = client_for(alice).get(vote_url("vote", closed_poll))
    assertContains(page, "Planned from this poll:")
    assertNotContains(page, "Plan a meeting on")


def test_only_a_moderator_plans_a_meeting_from_a_poll(closed_poll, bob, refused):
    assert refused(lambda: lifecycle.schedule_from_poll(bob, closed_poll))
    assert fresh(closed_poll).follow_up_meeting is None


def test_an_open_poll_or_one_without_a_best_date_plans_no_meeting(
    make_vote, alice, bob, tina, refused
):
    poll = {"method": "date_poll", "options": DATES, "mode": Vote.Mode.TIMED}
    open_poll = make_vote(**poll)
    casting.cast_ballot(
        bob, open_poll, {"marks": {str(pk_of(open_poll, DATES[0])): "yes"}}, key=ballot_key()
    )
    tied = make_vote(**poll)
    for member, date in ((bob, DATES[0]), (tina, DATES[2])):
        value = {"marks": {str(pk_of(tied, date)): "yes"}}
        casting.cast_ballot(member, tied, value, key=ballot_key())
    nobody = make_vote(**poll)
    value = {"marks": {str(pk): "no" for pk in ids(nobody, *DATES)}}
    casting.cast_ballot(bob, nobody, value, key=ballot_key())
    for poll in (tied, nobody):
        lifecycle.close_vote(alice, poll)
    assert fresh(tied).result["outcome"] == counting.TIE
    assert fresh(nobody).result["outcome"] == counting.NOTED

    for poll in (open_poll, fresh(tied), fresh(nobody)):
        message = refused(lambda poll=poll: lifecycle.schedule_from_poll(alice, poll))
        assert "Only a closed date poll with a best date can become a meeting." in message


def test_a_vote_of_another_method_plans_no_meeting(make_vote, alice, bob, refused):
    vote = make_vote(method="points", options=OPTIONS, present=[bob])
    casting.cast_ballot(bob, vote, marks(vote, Bankjes=3), key=ballot_key())
    lifecycle.close_vote(alice, vote)

    assert "Only a closed date poll" in refused(
        lambda: lifecycle.schedule_from_poll(alice, fresh(vote))
    )


# --- secret votes ----------------------------------------------------------------------------

RECEIPT = re.compile(r'<strong class="receipt">([0-9A-F-]+)</strong>')

SECRET = {
    "score": (OPTIONS, {"scale_min": 1, "scale_max": 5}, "score_{Bankjes}", "4"),
    "points": (OPTIONS, {"budget": 10}, "points_{Bankjes}", "6"),
    "multiple_choice": (OPTIONS, {"max_choices": 2}, "option", "{Bankjes}"),
    "sense_check": ([], {}, "choice", "down"),
}


@pytest.mark.parametrize("method", list(SECRET))
def test_a_secret_vote_keeps_working_with_receipts_and_names_nobody(
    method, make_vote, client_for, alice, bob, tina
):
    options, settings, field, value = SECRET[method]
    vote = make_vote(
        method=method, options=options, settings=settings, secret=True, present=[bob, tina]
    )
    labels = {label: pk_of(vote, label) for label in options}
    codes = []
    for member in (bob, tina):
        data = {field.format(**labels): value.format(**labels)}
        if method == "sense_check":
            data["remark"] = f"Opmerking van {member.user.name.split()[0]}"
        notice = post_ballot(client_for(member), vote, data)
        assert "Your vote has been recorded." in notice
        codes += RECEIPT.findall(notice)
    assert len(codes) == 2
    assert not Ballot.objects.filter(vote=vote).exists()
    assert len(results.ballots(vote)) == 2

    lifecycle.close_vote(alice, vote)

    vote = fresh(vote)
    result = vote.result
    assert "named" not in result and result["cast"] == 2
    assert all(casting.receipt_counted(vote, code) for code in codes)
    published = str(result)
    for member in (bob, tina):
        assert member.user.name not in published
    if method == "sense_check":
        assert dict(result["counts"])["down"] == 2
        assert sorted(result["remarks"]) == [
            ["down", "Opmerking van Bob"],
            ["down", "Opmerking van Tina"],
        ]
    elif method == "score":
        assert result["scores"][0][:4] == ["Bankjes", 2, "4.0", "4.0"]
    elif method == "points":
        assert result["points"][0] == ["Bankjes", 12, 2]
    else:
        assert result["counts"][0] == ["Bankjes", 2]
    page = client_for(bob).get(vote_url("vote", vote))
    assertContains(page, "Check your receipt")
    assertNotContains(page, "Who voted what")
    assertContains(page, '<svg class="chart"')
    rows = csv_rows(client_for(bob).get(vote_url("vote_csv", vote)))
    assert not [row for row in rows if row[0] == "ballot"]
    assert len([row for row in rows if row[0] == "receipt"]) == 2


def test_a_method_that_no_majority_decides_shows_only_its_quorum(make_vote):
    points = make_vote(
        method="points",
        options=["Daken", "Liften"],
        majority="absolute",
        quorum_count=3,
        opened=False,
    )
    motion = make_vote(question="Akkoord?", majority="absolute", quorum_count=3, opened=False)

    assert points.rule_text == "quorum: 3 voters"
    assert motion.rule_text.startswith("Absolute majority")
