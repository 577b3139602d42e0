"""The participation dashboard: who may see what, and figures checked against a story whose
numbers are counted by hand here (not with the code under test)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from overview import participation
from overview import urls as overview_urls
from panels import floor, meetings
from panels.access import Perm
from panels.models import Panel
from tests.helpers import csv_rows
from tests.matrix import (
    ALLOWED,
    assert_every_url_in_matrix,
    assert_outcome,
    expected,
    log_in,
    matrix_cases,
    url_patterns,
)
from tests.voting.conftest import cast
from voting import lifecycle

pytestmark = pytest.mark.django_db

SEES_DETAIL = Perm.DRAFT_AGREEMENTS  # moderators and both parties' representatives

# URL name → (what the person needs, the methods the view answers)
MATRIX = {
    "participation": (Perm.VIEW_PANEL, {"GET"}),
    "participation_csv": (SEES_DETAIL, {"GET"}),
}
ROLES = {
    "anonymous": None,
    "mallory": set(),
    "oscar": set(),
    "olga": {Perm.VIEW_PANEL},
    "bob": {Perm.VIEW_PANEL},
    "nora": {Perm.VIEW_PANEL},
    "carl": {Perm.VIEW_PANEL, SEES_DETAIL},
    "tina": {Perm.VIEW_PANEL, SEES_DETAIL},
    "alice": {Perm.VIEW_PANEL, SEES_DETAIL},
}


def test_every_participation_url_is_in_the_matrix():
    assert_every_url_in_matrix(url_patterns(overview_urls.urlpatterns), MATRIX, "participation")


@pytest.mark.parametrize(("name", "method", "role"), matrix_cases(sorted(MATRIX), MATRIX, ROLES))
def test_permission_matrix(request, client, panel, name, method, role):
    may = ROLES[role]
    log_in(request, client, role, ROLES)
    url = reverse(f"voting:{name}", args=[panel.pk])

    response = client.generic(method, url)

    outcome = expected(MATRIX[name], may, method)
    if outcome == ALLOWED:
        assert response.status_code == 200
    else:
        assert_outcome(response, outcome)


@pytest.fixture
def story(alice, bob, tina, nora, carl, voters, panel, live_meeting, make_vote, proposal):
    """Two meetings. In the first (closed): bob brought in a proposal (fixture) and posted
    a message, tina raised her hand, and alice, bob and tina voted; dave (who may vote) and
    carl (a corporation representative, who may not) were there but did nothing. In the
    second: nora posted, bob raised his hand. Constituency: 20 households.
    """
    dave = voters[0]
    panel.constituency_size = 20
    panel.save()
    floor.post_message(bob, live_meeting, "Eerste bericht")
    floor.raise_hand(tina, live_meeting)
    vote = make_vote(present=[alice, bob, tina, carl, dave], question="Bankjes?")
    for person, choice in [(alice, "for"), (bob, "for"), (tina, "against")]:
        cast(person, vote, choice)
    lifecycle.close_vote(alice, vote)
    meetings.close_meeting(alice, live_meeting)
    second = meetings.create_meeting(
        alice, title="Tweede avond", starts_at=live_meeting.starts_at + timedelta(days=30),
        notify=False,
    )  # fmt: skip
    meetings.add_item(alice, second, title="Rondvraag")
    meetings.start_meeting(alice, second)
    floor.set_floor(alice, second, True)
    floor.post_message(nora, second, "Tweede bericht")
    floor.raise_hand(bob, second)
    return {"first": live_meeting, "second": second, "vote": vote}


def test_the_figures_match_the_story(story, alice, bob, tina, nora, carl, panel):
    figures = participation.figures(Panel.objects.get(pk=panel.pk))

    first, second = figures.meetings
    assert first.participants == {alice.pk, bob.pk, tina.pk}  # not carl or dave
    assert (first.new, first.returning) == (3, 0)
    assert second.participants == {bob.pk, nora.pk}
    assert (second.new, second.returning) == (1, 1)
    assert figures.participants == {alice.pk, bob.pk, tina.pk, nora.pk}
    assert figures.reach == 4 / 20
    # Eligible: the four present with voting rights (alice, bob, tina, dave); three voted.
    (turnout,) = figures.votes
    assert (turnout.cast, turnout.eligible) == (3, 4)
    assert first.turnout == 3 / 4 and second.turnout is None
    assert figures.contributions[bob.pk].proposals == 1
    assert figures.contributions[bob.pk].messages == 1
    assert figures.contributions[nora.pk].messages == 1
    assert carl.pk not in figures.contributions


def test_members_see_the_summary_and_representatives_the_detail(client_for, story, bob, tina):
    summary = client_for(bob).get(reverse("voting:participation", args=[bob.panel_id]))
    detail = client_for(tina).get(reverse("voting:participation", args=[bob.panel_id]))

    text = summary.content.decode()
    assert "20,0 %" in text or "20.0 %" in text  # reach: 4 of 20
    assert "Tweede avond" in text and "Bankjes?" in text
    assert "<svg" in text and 'role="img"' in text
    assert "Contributions per member" not in text
    assert "Contributions per member" in detail.content.decode()
    assert bob.user.name in detail.content.decode()


def test_the_csv_holds_the_same_figures(client_for, story, alice, bob, panel):
    response = client_for(alice).get(reverse("voting:participation_csv", args=[panel.pk]))

    rows = csv_rows(response)
    assert ["participants", "4"] in rows
    assert ["reach", "0,2000"] in rows
    meetings_ = [row for row in rows if row[0] == "meeting" and row[1] != "date"]
    assert [row[2:5] for row in meetings_] == [["3", "3", "0"], ["2", "1", "1"]]
    assert ["vote", "Bankjes?", "3", "4", "0,7500"] in rows
    assert ["member", bob.user.name, "1", "0", "1"] in rows


def test_without_a_constituency_size_there_is_no_reach(panel, alice):
    panel.constituency_size = 0
    panel.save()

    assert participation.figures(panel).reach is None
