"""Consultations (raadplegingen): several questions for the whole panel, open for a period,
answered question by question; each question is a timed vote with every guarantee of one.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from panels.access import Perm
from tests.matrix import (
    ALLOWED,
    assert_every_url_in_matrix,
    expected,
    fail_if_not_in_matrix,
    log_in,
    matrix_cases,
    refused_before_lookup,
    url_patterns,
)
from tests.voting.conftest import ballot_key, fresh, vote_spec
from tests.voting.test_votes_views import ROLES
from voting import casting, consultations
from voting import urls as voting_urls
from voting.models import Consultation, Participation, Vote

pytestmark = pytest.mark.django_db


def soon(days: int = 14):
    return timezone.now() + timedelta(days=days)


@pytest.fixture
def consultation(alice) -> Consultation:
    """Prepared, with three questions: yes/no, points over three works, a score of 1-5."""
    made = consultations.create(
        alice, title="Onderhoud 2027", closes_at=soon(), introduction="Wat vindt u belangrijk?"
    )
    consultations.add_question(alice, made, vote_spec(question="Akkoord met de planning?"))
    consultations.add_question(
        alice,
        made,
        vote_spec(
            question="Wat eerst?",
            method="points",
            options=["Daken", "Kozijnen", "Liften"],
            settings={"budget": 5},
        ),
    )
    consultations.add_question(
        alice,
        made,
        vote_spec(
            question="Hoe tevreden bent u?",
            method="score",
            options=["Het plan"],
            settings={"scale_min": 1, "scale_max": 5},
        ),
    )
    return fresh(made)


def questions(consultation: Consultation) -> list[Vote]:
    return list(consultation.questions.order_by("pk"))


def answer(member, vote: Vote, value: dict) -> casting.Cast:
    return casting.cast_ballot(member, vote, value, key=ballot_key())


def marks(vote: Vote, *values) -> dict:
    return {
        str(o.pk): v for o, v in zip(vote.options.order_by("position"), values, strict=False) if v
    }


# --- the service ------------------------------------------------------------------------------


def test_a_consultation_opens_its_questions_collects_answers_and_closes_them_counted(
    consultation, alice, bob, tina
):
    yes_no, points, score = questions(consultation)
    assert all(
        v.mode == Vote.Mode.TIMED and v.closes_at == consultation.closes_at
        for v in (yes_no, points, score)
    )
    assert all(v.state == Vote.State.DRAFT for v in (yes_no, points, score))

    consultations.open_consultation(alice, consultation)
    assert {fresh(v).state for v in (yes_no, points, score)} == {Vote.State.OPEN}

    answer(bob, yes_no, {"choice": "for"})
    answer(bob, points, {"marks": marks(points, 3, 2)})
    answer(tina, points, {"marks": marks(points, 0, 0, 5)})
    assert consultations.progress(consultation, bob) == (2, 3)
    assert consultations.progress(consultation, tina) == (1, 3)
    assert [count for _vote, count in consultations.turnout(consultation)] == [1, 2, 0]

    consultations.close_consultation(alice, consultation)

    consultation = fresh(consultation)
    assert consultation.state == Consultation.State.CLOSED
    results = [fresh(v).result for v in (yes_no, points, score)]
    assert results[0]["outcome"] == "adopted" and results[0]["cast"] == 1
    assert results[1]["points"] == [["Daken", 3, 1], ["Kozijnen", 2, 1], ["Liften", 5, 1]]
    assert results[1]["winner"] == "Liften"
    assert results[2]["cast"] == 0


def test_an_anonymous_consultation_asks_only_secret_questions(alice):
    anonymous = consultations.create(alice, title="Anoniem", closes_at=soon(), anonymous=True)

    vote = consultations.add_question(alice, anonymous, vote_spec(question="Veilig?"))

    assert fresh(vote).secret
    with pytest.raises(consultations.VotingError, match="secret"):
        consultations.add_question(
            alice, anonymous, vote_spec(question="Akkoord?", method="consent")
        )
    assert anonymous.questions.count() == 1


def test_questions_cannot_be_added_once_it_is_open_and_an_empty_one_cannot_open(
    consultation, alice
):
    empty = consultations.create(alice, title="Leeg", closes_at=soon())
    with pytest.raises(consultations.VotingError, match="at least one question"):
        consultations.open_consultation(alice, empty)

    consultations.open_consultation(alice, consultation)
    with pytest.raises(consultations.VotingError, match="prepared"):
        consultations.add_question(alice, consultation, vote_spec(question="Nog een?"))
    assert consultation.questions.count() == 3


def test_only_moderators_prepare_open_and_close(consultation, bob):
    for call in (
        lambda: consultations.create(bob, title="X", closes_at=soon()),
        lambda: consultations.add_question(bob, consultation, vote_spec()),
        lambda: consultations.open_consultation(bob, consultation),
    ):
        with pytest.raises(consultations.VotingError):
            call()
    assert fresh(consultation).state == Consultation.State.DRAFT


def test_the_scheduled_command_closes_a_consultation_at_its_end(consultation, alice, bob):
    consultations.open_consultation(alice, consultation)
    yes_no = questions(consultation)[0]
    answer(bob, yes_no, {"choice": "against"})
    Consultation.objects.filter(pk=consultation.pk).update(closes_at=timezone.now())
    Vote.objects.filter(consultation=consultation).update(closes_at=timezone.now())

    call_command("close_due_votes", "--remind-hours", "0")

    assert fresh(consultation).state == Consultation.State.CLOSED
    assert fresh(yes_no).result["counts"] == [["for", 0], ["against", 1], ["abstain", 0]]


def test_the_summary_and_the_corporations_answer_come_after_the_close(
    consultation, alice, bob, carl
):
    with pytest.raises(consultations.VotingError):
        consultations.write_summary(alice, consultation, "Te vroeg")
    consultations.open_consultation(alice, consultation)
    consultations.close_consultation(alice, consultation)

    consultations.write_summary(alice, consultation, "De daken gaan voor.")
    with pytest.raises(consultations.VotingError):
        consultations.respond(bob, consultation, "Ik ben geen corporatie")
    consultations.respond(carl, consultation, "Wij beginnen in maart met de daken.")

    consultation = fresh(consultation)
    assert consultation.summary == "De daken gaan voor."
    assert consultation.response == "Wij beginnen in maart met de daken."
    assert consultation.responded_by == carl


# --- the pages ----------------------------------------------------------------------------------


def url(name: str, consultation: Consultation, *args) -> str:
    return reverse(f"voting:{name}", args=[consultation.panel_id, consultation.pk, *args])


def test_a_member_answers_question_by_question_without_javascript(
    client_for, consultation, alice, bob
):
    consultations.open_consultation(alice, consultation)
    client = client_for(bob)
    yes_no, points, _score = questions(consultation)

    page = client.get(url("consultation_question", consultation, 2))
    assertContains(page, "Question 2 of 3")
    assertContains(page, f'name="points_{points.options.first().pk}"')

    # A ballot over the budget: refused with the numbers, nothing stored, back to the question.
    over = {f"points_{o.pk}": "3" for o in points.options.all()}
    response = client.post(
        reverse("voting:vote_cast", args=[points.panel_id, points.pk]),
        over | {"next": url("consultation_question", consultation, 3)},
        follow=True,
    )
    assertContains(response, "You gave 9 points, but you have 5 to divide")
    assert not Participation.objects.filter(vote=points).exists()

    response = client.post(
        reverse("voting:vote_cast", args=[yes_no.panel_id, yes_no.pk]),
        {"choice": "for", "next": url("consultation_question", consultation, 2)},
    )
    assert response.status_code == 302
    assert response.url == url("consultation_question", consultation, 2)

    overview = client.get(consultation.get_absolute_url())
    assertContains(overview, "You answered 1 of 3 questions")
    assertContains(overview, 'max="3" value="1"')
    assertNotContains(overview, "Turnout so far"), "members see no turnout unless allowed"
    assertContains(client_for(alice).get(consultation.get_absolute_url()), "Turnout so far")


def test_a_prepared_consultation_is_for_moderators_only(client_for, consultation, alice, bob):
    assert client_for(bob).get(consultation.get_absolute_url()).status_code == 404
    assertNotContains(
        client_for(bob).get(reverse("voting:consultations", args=[consultation.panel_id])),
        "Onderhoud 2027",
    )
    assertContains(client_for(alice).get(consultation.get_absolute_url()), "Add a question")


def test_a_question_is_added_through_the_vote_form(client_for, consultation, alice):
    response = client_for(alice).post(
        reverse("voting:vote_new", args=[consultation.panel_id]),
        {
            "consultation": consultation.pk,
            "question": "Welke dag?",
            "method": "multiple_choice",
            "options": "Maandag\nDinsdag\nWoensdag",
            "multiple_choice__max_choices": "2",
            "majority": "simple",
            "qualified": "2/3",
        },
    )
    assert response.status_code == 302 and response.url == consultation.get_absolute_url()
    added = consultation.questions.order_by("pk").last()
    assert added.question == "Welke dag?" and added.settings == {"max_choices": 2}
    assert added.mode == Vote.Mode.TIMED and added.closes_at == consultation.closes_at


def test_the_results_the_summary_and_the_answer_are_on_the_page_and_on_the_terugkoppeling(
    client_for, consultation, alice, bob, carl
):
    consultations.open_consultation(alice, consultation)
    answer(bob, questions(consultation)[1], {"marks": marks(questions(consultation)[1], 4, 1)})
    consultations.close_consultation(alice, consultation)
    consultations.write_summary(alice, consultation, "De daken gaan voor.")
    consultations.respond(carl, consultation, "Wij beginnen in maart.")

    page = client_for(bob).get(consultation.get_absolute_url())
    assertContains(page, "De daken gaan voor.")
    assertContains(page, "Wij beginnen in maart.")
    assertContains(page, "Most points: <bdi>Daken</bdi>", html=False)
    assertContains(page, '<svg class="chart"')

    feedback = client_for(bob).get(reverse("agreements:feedback", args=[consultation.panel_id]))
    assertContains(feedback, "What became of the consultations")
    assertContains(feedback, "Onderhoud 2027")
    assertContains(feedback, "Wij beginnen in maart.")


# --- who may open which consultation URL ----------------------------------------------------------

# URL name → (permission, methods the view answers, the consultation it is about)
MATRIX = {
    "consultations": (Perm.VIEW_PANEL, {"GET"}, "panel"),
    "consultation_new": (Perm.MODERATE, {"GET", "POST"}, "panel"),
    "consultation": (Perm.VIEW_PANEL, {"GET"}, "open"),
    "consultation_question": (Perm.VIEW_PANEL, {"GET"}, "open"),
    "consultation_open": (Perm.MODERATE, {"POST"}, "prepared"),
    "consultation_close": (Perm.MODERATE, {"POST"}, "open"),
    "consultation_summary": (Perm.MODERATE, {"POST"}, "closed"),
    # Everyone in the panel may post; the service lets only the corporation answer.
    "consultation_response": (Perm.VIEW_PANEL, {"POST"}, "closed"),
}
URLS = set(MATRIX)


def consultation_patterns() -> dict:
    return {
        name: pattern
        for name, pattern in url_patterns(voting_urls.urlpatterns).items()
        if name in URLS or name.startswith("consultation")
    }


def test_every_consultation_url_is_in_the_matrix():
    assert_every_url_in_matrix(consultation_patterns(), MATRIX, "consultation")


@pytest.fixture
def consultation_world(alice, bob) -> dict:
    def made(title: str) -> Consultation:
        c = consultations.create(alice, title=title, closes_at=soon())
        consultations.add_question(alice, c, vote_spec(question=f"{title}?"))
        return c

    prepared, running, done = made("Voorbereid"), made("Lopend"), made("Klaar")
    consultations.open_consultation(alice, running)
    consultations.open_consultation(alice, done)
    consultations.close_consultation(alice, done)
    return {"prepared": fresh(prepared), "open": fresh(running), "closed": fresh(done)}


def consultations_snapshot(panel) -> tuple:
    return (
        sorted(
            Consultation.objects.filter(panel=panel).values_list(
                "pk", "state", "summary", "response"
            )
        ),
        Vote.objects.filter(panel=panel).count(),
        sorted(Vote.objects.filter(panel=panel).values_list("pk", "state")),
    )


@pytest.mark.parametrize(
    ("name", "method", "role"), matrix_cases(consultation_patterns(), MATRIX, ROLES)
)
def test_permission_matrix(request, client, name, method, role):
    fail_if_not_in_matrix(name, MATRIX, "consultation")
    row = MATRIX[name]
    outcome = expected(row, ROLES[role], method)
    pattern = consultation_patterns()[name]
    if refused_before_lookup(client, f"voting:{name}", pattern, method, outcome):
        return
    world = request.getfixturevalue("consultation_world")
    panel = request.getfixturevalue("panel")
    values = {"panel_id": panel.pk, "number": 1}
    if row[2] != "panel":
        values["consultation_id"] = world[row[2]].pk
    address = reverse(f"voting:{name}", kwargs={k: values[k] for k in pattern.pattern.converters})
    log_in(request, client, role, ROLES)
    before = consultations_snapshot(panel)

    data = {
        "consultation_new": {"title": "Nieuw", "closes_at": soon().strftime("%Y-%m-%d %H:%M")},
        "consultation_summary": {"text": "Samenvatting"},
        "consultation_response": {"text": "Antwoord"},
    }.get(name, {})
    response = client.get(address) if method == "GET" else client.post(address, data)

    if outcome == ALLOWED:
        assert response.status_code == (200 if method == "GET" else 302)
    else:
        assert response.status_code == outcome
    changes = (
        outcome == ALLOWED
        and method == "POST"
        and (name != "consultation_response" or role == "carl")
    )
    if not changes:
        assert consultations_snapshot(panel) == before, "a refused request must change nothing"
    else:
        assert consultations_snapshot(panel) != before
