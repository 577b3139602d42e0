"""A result's percentages are of the votes its rule weighed, and say so (issue 18, point 7):
"more for than against" leaves abstentions out, so "For 66.7 %" must not count them.
The same figures on the vote page, the live page, the big screen and in the CSV."""

import re

import pytest

from panels.live.fragments import Audience
from tests.helpers import csv_rows
from tests.voting.conftest import cast
from tests.voting.test_votes_live import frames
from tests.voting.test_votes_views import vote_url
from voting import lifecycle
from voting.models import Vote

pytestmark = pytest.mark.django_db

OF_FOR_AND_AGAINST = (
    "Percentages of the votes for and against (abstentions do not count for this rule)."
)
OF_ALL_CAST = "Percentages of all votes cast, abstentions included."
OF_OPTIONS = "Percentages of the votes for an option (abstentions do not count for this rule)."


def shares_shown(html: str) -> list[tuple[str, int, str | None]]:
    """(row label, count, percentage or None) for each row of the result table."""
    found = []
    for label, cell in re.findall(r'<th scope="row">(.*?)</th>\s*<td>(.*?)</td>', html, re.S):
        count = re.search(r"(?:</meter>|^)\s*(\d+)", cell)
        percent = re.search(r"\(([\d.,]+)&nbsp;%\)", cell)
        found.append(
            (re.sub(r"<[^>]+>", "", label), int(count[1]), percent[1] if percent else None)
        )
    return found


@pytest.fixture
def two_for_one_against_three_abstain(make_vote, alice, bob, tina, voters):
    """Close a yes/no vote under a rule: 2 for, 1 against, 3 abstentions."""

    def close(**rule) -> Vote:
        vote = make_vote(present=[alice, bob, tina, *voters[:3]], **rule)
        for member, choice in zip(
            [alice, bob, tina, *voters[:3]],
            ["for", "for", "against", "abstain", "abstain", "abstain"],
            strict=True,
        ):
            cast(member, vote, choice)
        lifecycle.close_vote(alice, vote)
        return Vote.objects.get(pk=vote.pk)

    return close


@pytest.mark.parametrize(
    ("rule", "outcome", "shown", "caption"),
    [
        ({}, "Adopted", ["66.7", "33.3", None], OF_FOR_AND_AGAINST),
        (
            {"majority": Vote.Majority.ABSOLUTE, "abstentions_count": True},
            "Rejected",
            ["33.3", "16.7", "50.0"],
            OF_ALL_CAST,
        ),
        (
            {"majority": Vote.Majority.ABSOLUTE},
            "Adopted",
            ["66.7", "33.3", None],
            OF_FOR_AND_AGAINST,
        ),
        (
            {"majority": Vote.Majority.QUALIFIED, "abstentions_count": True},
            "Rejected",
            ["33.3", "16.7", "50.0"],
            OF_ALL_CAST,
        ),
    ],
    ids=["simple", "absolute with abstentions", "absolute without", "qualified with abstentions"],
)
def test_the_percentages_are_of_what_the_rule_weighed(
    client_for, bob, two_for_one_against_three_abstain, rule, outcome, shown, caption
):
    vote = two_for_one_against_three_abstain(**rule)

    page = client_for(bob).get(vote_url("vote", vote)).content.decode()

    assert outcome in page
    assert shares_shown(page) == [
        ("For", 2, shown[0]),
        ("Against", 1, shown[1]),
        ("Abstain", 3, shown[2]),
    ]
    assert caption in page


def test_the_live_page_and_the_big_screen_show_the_same_percentages(
    live_meeting, two_for_one_against_three_abstain
):
    two_for_one_against_three_abstain()

    seen = frames(live_meeting, "vote", "screen-vote")

    for html in (seen[Audience.PARTICIPANT]["vote"], seen[Audience.SCREEN]["screen-vote"]):
        assert shares_shown(html) == [
            ("For", 2, "66.7"),
            ("Against", 1, "33.3"),
            ("Abstain", 3, None),
        ]
        assert OF_FOR_AND_AGAINST in html


def test_the_csv_carries_the_same_percentages_and_what_they_are_of(
    client_for, bob, two_for_one_against_three_abstain
):
    vote = two_for_one_against_three_abstain()

    rows = csv_rows(client_for(bob).get(vote_url("vote_csv", vote)))

    assert ["percent_of", "for_against", "3"] in rows
    # A decimal comma, for Dutch Excel (panels/downloads.py); no share for the abstentions.
    assert [r for r in rows if r[0] == "percent"] == [
        ["percent", "for", "66,7"],
        ["percent", "against", "33,3"],
    ]


def test_a_result_stored_before_the_basis_existed_reads_by_the_votes_rule(
    client_for, make_vote, alice, bob
):
    vote = make_vote()
    lifecycle.close_vote(alice, vote)
    # As `tally` stored results then (and now): counts and outcome, no word on percentages.
    stored = {
        "method": "yes_no",
        "secret": False,
        "counts": [["for", 2], ["against", 1], ["abstain", 3]],
        "winner": None,
        "cast": 6,
        "eligible": 6,
        "quorum_needed": 0,
        "outcome": "adopted",
        "named": [],
    }
    Vote.objects.filter(pk=vote.pk).update(result=stored)

    page = client_for(bob).get(vote_url("vote", vote)).content.decode()

    assert shares_shown(page) == [("For", 2, "66.7"), ("Against", 1, "33.3"), ("Abstain", 3, None)]
    assert OF_FOR_AND_AGAINST in page


def test_one_choice_percentages_are_of_the_votes_for_an_option(
    client_for, make_vote, alice, bob, tina, voters
):
    vote = make_vote(
        method=Vote.Method.ONE_CHOICE,
        question="Welke kleur krijgen de deuren?",
        options=["Groen", "Blauw", "Rood"],
        present=[alice, bob, tina, voters[0]],
    )
    option = {o.label: o.pk for o in vote.options.all()}
    cast(alice, vote, None, option_id=option["Groen"])
    cast(bob, vote, None, option_id=option["Groen"])
    cast(tina, vote, None, option_id=option["Blauw"])
    cast(voters[0], vote, "abstain")
    lifecycle.close_vote(alice, vote)
    client = client_for(bob)

    page = client.get(vote_url("vote", vote)).content.decode()
    rows = csv_rows(client.get(vote_url("vote_csv", vote)))

    assert shares_shown(page) == [
        ("Groen", 2, "66.7"),
        ("Blauw", 1, "33.3"),
        ("Rood", 0, "0.0"),
        ("Abstain", 1, None),
    ]
    assert OF_OPTIONS in page
    assert ["percent_of", "options", "3"] in rows


def test_a_ranked_result_shows_no_percentages(client_for, make_vote, alice, bob, tina):
    vote = make_vote(
        method=Vote.Method.RANKED,
        question="Wat eerst?",
        options=["Bankjes", "Bomen"],
        present=[bob, tina],
    )
    first = vote.options.get(label="Bankjes").pk
    cast(bob, vote, None, ranking=[first])
    cast(tina, vote, None, ranking=[])
    lifecycle.close_vote(alice, vote)
    client = client_for(bob)

    page = client.get(vote_url("vote", vote)).content.decode()
    rows = csv_rows(client.get(vote_url("vote_csv", vote)))

    # Schulze compares rankings pair by pair: no share of anything decided.
    assert shares_shown(page) == [("Abstain", 1, None)]
    assert "Percentages of" not in page
    assert not [r for r in rows if r[0] in ("percent", "percent_of")]


def test_when_everyone_abstains_no_percentage_is_shown(client_for, make_vote, alice, bob, tina):
    vote = make_vote(present=[bob, tina])
    cast(bob, vote, "abstain")
    cast(tina, vote, "abstain")
    lifecycle.close_vote(alice, vote)

    page = client_for(bob).get(vote_url("vote", vote)).content.decode()

    assert "Rejected" in page
    assert shares_shown(page) == [("For", 0, None), ("Against", 0, None), ("Abstain", 2, None)]
    assert "Percentages of" not in page
