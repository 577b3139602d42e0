"""Anyone chooses their own display name, and a moderator writes questions and options: in
the vote result CSV and the participation CSV all of it is text to a spreadsheet, never a
formula (`=HYPERLINK(...)` survived in both before), while the counts stay numbers."""

import pytest
from django.urls import reverse

from panels import floor
from tests.helpers import FORMULAS, csv_rows, formula_cells
from tests.voting.conftest import cast
from tests.voting.test_votes_views import vote_url
from voting import lifecycle
from voting.models import Vote

pytestmark = pytest.mark.django_db

# Options are stripped and their spaces folded, so only those without leading white space.
OPTIONS = [text for text in FORMULAS if text == " ".join(text.split())]


@pytest.fixture
def hostile_people(make_member):
    """One member for each hostile text, named with it."""
    people = []
    for number, text in enumerate(FORMULAS):
        person = make_member(f"Lid{number}")
        person.user.name = text
        person.user.save(update_fields=["name"])
        people.append(person)
    return people


def neutralised(rows: list[list[str]]) -> set[str]:
    """The hostile texts found in the file as text: behind a leading quote."""
    return {text for text in FORMULAS if "'" + text in {cell for row in rows for cell in row}}


def test_the_vote_result_csv_writes_names_questions_and_options_as_text(
    client_for, make_vote, alice, bob, hostile_people
):
    vote = make_vote(
        method=Vote.Method.ONE_CHOICE,
        question=FORMULAS[0],
        options=OPTIONS,
        present=hostile_people,
    )
    options = list(vote.options.order_by("pk"))
    for number, person in enumerate(hostile_people):
        cast(person, vote, None, option_id=options[number % len(options)].pk)
    lifecycle.close_vote(alice, vote)

    rows = csv_rows(client_for(bob).get(vote_url("vote_csv", vote)))

    assert formula_cells(rows) == []
    assert neutralised(rows) == set(FORMULAS)  # every name, the question and every option
    assert ["question", "'" + FORMULAS[0]] in rows
    assert ["count", "'-1+1", "2"] in rows  # options and counts: text and a number
    assert ["cast", str(len(hostile_people))] in rows


def test_the_participation_csv_writes_names_and_questions_as_text(
    client_for, alice, panel, live_meeting, make_vote, hostile_people
):
    panel.name = "@SUM(1)"
    panel.save(update_fields=["name"])
    for person in hostile_people:
        floor.post_message(person, live_meeting, "Goedenavond")
    vote = make_vote(question="-1+1", present=hostile_people[:3])
    cast(hostile_people[0], vote, "for")
    lifecycle.close_vote(alice, vote)

    rows = csv_rows(client_for(alice).get(reverse("voting:participation_csv", args=[panel.pk])))

    assert formula_cells(rows) == []
    assert neutralised(rows) == set(FORMULAS)  # every member's name
    assert ["panel", "'@SUM(1)"] in rows
    assert ["vote", "'-1+1", "1", "3", "0,3333"] in rows
    assert ["member", "'+1", "0", "0", "1"] in rows
