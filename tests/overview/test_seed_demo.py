"""`manage.py seed_demo`: a demo panel with every role, only where public passwords are safe."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from overview.management.commands.seed_demo import DEMO_PASSWORD
from panels.models import Membership, Organisation, Panel, Role, User

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count() for model in (Organisation, Panel, User, Membership)
    }


def test_it_refuses_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        seed()

    assert set(counts().values()) == {0}


def test_it_seeds_with_debug_on(settings):
    settings.DEBUG = True

    seed()

    assert Panel.objects.count() == 1


def test_it_seeds_every_role_with_the_flag(settings):
    settings.DEBUG = False

    seed("--allow-without-debug")

    panel = Panel.objects.get()
    roles = Counter(panel.memberships.active().values_list("role", flat=True))
    assert roles == {
        Role.MODERATOR: 1,
        Role.CORPORATION_REP: 1,
        Role.TENANT_ORG_REP: 1,
        Role.MEMBER: 12,
        Role.OBSERVER: 1,
    }
    assert panel.corporation.kind == Organisation.Kind.CORPORATION
    assert panel.tenant_organisation.kind == Organisation.Kind.TENANT_ORGANISATION


def test_seeded_observer_cannot_vote_and_representatives_can_sign():
    seed("--allow-without-debug")

    by_role = {m.role: m for m in Membership.objects.all()}
    assert not by_role[Role.OBSERVER].can_vote
    assert by_role[Role.CORPORATION_REP].signs_for == Organisation.Kind.CORPORATION
    assert by_role[Role.TENANT_ORG_REP].signs_for == Organisation.Kind.TENANT_ORGANISATION


def test_running_it_twice_creates_nothing_new():
    first_output = seed("--allow-without-debug")
    after_first = counts()

    second_output = seed("--allow-without-debug")

    assert counts() == after_first
    assert second_output == first_output


def test_it_prints_the_password_and_every_login():
    output = seed("--allow-without-debug")

    assert DEMO_PASSWORD in output
    emails = list(User.objects.values_list("email", flat=True))
    assert len(emails) == 16
    for email in emails:
        assert email in output


def test_demo_moderator_can_log_in(client):
    seed("--allow-without-debug")
    moderator = Membership.objects.get(role=Role.MODERATOR).user

    response = client.post(
        reverse("login"), {"username": moderator.email, "password": DEMO_PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("panels:home")
    home = client.get(response.url)
    assert [m.panel for m in home.context["memberships"]] == [Panel.objects.get()]


def test_the_demo_has_two_meetings_held_whose_figures_the_dashboard_shows(settings):
    """Counted by hand from seed_demo's story: 7 present at the first meeting (plus the
    moderator), all but the last voted; 6 at the second, all but the last voted (on the first
    meeting's minutes and on a question), of whom lid01 and lid03 had come before."""
    from overview import participation

    settings.DEBUG = True
    seed()
    seed()  # again: nothing more

    figures = participation.figures(Panel.objects.get())
    by_title = {m.meeting.title: m for m in figures.meetings}
    first, second = by_title["Bewonersavond groen en buurt"], by_title["Bewonersavond veiligheid"]
    assert (len(first.participants), first.new, first.returning) == (6, 6, 0)
    assert (len(second.participants), second.new, second.returning) == (5, 3, 2)
    assert [(t.cast, t.eligible) for t in figures.votes] == [(6, 8), (5, 7), (5, 7)]
    assert len(figures.participants) == 9
    assert figures.reach == 9 / 4200
    # Whoever voted answered the pulse: 5, 4, 4, 3, 5, 2 at the first; 5, 4, 4, 3, 5 after.
    assert (first.pulse.answers, first.pulse.mean) == (6, 23 / 6)
    assert (second.pulse.answers, second.pulse.mean) == (5, 21 / 5)
    assert first.pulse.comments == second.pulse.comments == ["Goed voorbereid."] * 2


def test_the_demo_has_an_advice_request_waiting_and_one_overdue(settings):
    from datetime import timedelta

    from django.utils import timezone

    from agreements import advice

    settings.DEBUG = True
    seed()
    seed()

    today = timezone.localdate()
    stages = {r.title: advice.stage(r) for r in Panel.objects.get().advice_requests.all()}
    waiting = stages["Huurverhoging per 1 juli 2027"]
    assert (waiting.key, waiting.due, waiting.overdue(today)) == (
        "awaiting_advice",
        today + timedelta(weeks=6),
        False,
    )
    late = stages["Nieuw beleid voor servicekosten"]
    # Advised 20 days ago: the reasoned response was due 14 days after, 6 days ago.
    assert (late.key, late.due, late.overdue(today)) == (
        "awaiting_decision",
        today - timedelta(days=6),
        True,
    )


def test_the_demo_shows_where_the_panel_over_and_under_represents(settings):
    """14 members shared their age: 2 under 30 and 1 of 30–44 (too few to show), 6 of
    45–64, 5 of 65–74, none of 75+; against 15/25/30/18/12 % of all households."""
    from panels import representation

    settings.DEBUG = True
    seed()
    seed()

    _members, groups = representation.comparison(Panel.objects.get())
    age = next(g for g in groups if g.attribute == "age")
    cells = {c.value: c for c in age.cells}
    assert age.shared == 14
    assert cells["under_30"].count is None and cells["30_44"].count is None
    assert (cells["45_64"].count, round(cells["45_64"].difference, 1)) == (6, 12.9)
    assert (cells["65_74"].count, round(cells["65_74"].difference, 1)) == (5, 17.7)
    assert (cells["75_plus"].count, cells["75_plus"].difference) == (0, -12.0)


def test_the_demo_has_a_proposal_adopted_and_answered(settings):
    """The first meeting's vote was on the proposal: 4 for, 2 against, adopted; the
    corporation answered "partly". The second proposal is still open: 1 of 2 known."""
    from agreements.services import known_outcomes
    from voting.models import Proposal

    settings.DEBUG = True
    seed()
    seed()

    proposals = Proposal.objects.filter(item__meeting__panel=Panel.objects.get())
    adopted = proposals.get(state=Proposal.State.ADOPTED)
    assert adopted.response.status == "partly"
    assert adopted.votes.get().result["counts"][:2] == [["for", 4], ["against", 2]]
    assert known_outcomes(proposals) == (1, 2)


def test_the_demo_has_minutes_approved_and_minutes_awaiting_approval(settings, client):
    """The moderator wrote a summary of every part of both meetings held; the second meeting
    approved the first's minutes by a vote, and the upcoming meeting has the second's on its
    agenda, just after the opening."""
    from minutes.models import Minutes
    from panels.models import AuditEntry, Meeting

    settings.DEBUG = True
    seed()
    seed()

    by_title = {m.meeting.title: m for m in Minutes.objects.select_related("meeting")}
    assert set(by_title) == {"Bewonersavond groen en buurt", "Bewonersavond veiligheid"}
    for minutes in by_title.values():
        parts = ["opening", *[str(item["id"]) for item in minutes.record["items"]], "closing"]
        assert sorted(minutes.texts) == sorted(parts)  # every part has its summary
    first, second = by_title["Bewonersavond groen en buurt"], by_title["Bewonersavond veiligheid"]
    assert first.state == Minutes.State.APPROVED
    assert first.approved_texts == first.texts
    assert "bankjes" in first.approved_texts[str(first.record["items"][0]["id"])]
    assert first.approved_in == second.meeting
    assert first.approval_vote.result["counts"][:2] == [["for", 5], ["against", 0]]
    assert (
        first.approved_check_code
        == AuditEntry.objects.order_by("sequence")
        .get(subject=f"minutes:{first.pk}", action="minutes.approved")
        .hash
    )
    upcoming = Meeting.objects.get(state=Meeting.State.SCHEDULED)
    assert second.state == Minutes.State.PUT_TO_APPROVAL
    assert second.approval_item.meeting == upcoming
    assert list(upcoming.items.order_by("position").values_list("pk", flat=True))[1] == (
        second.approval_item_id
    )
    # A member reads the approved minutes, with the summary, and their PDF.
    member = Membership.objects.filter(role=Role.MEMBER).first().user
    client.force_login(member)
    page = client.get(first.get_absolute_url())
    assert page.context["shown"].approved
    assert "meer bankjes" in page.content.decode()
    assert client.get(first.get_absolute_url() + "notulen.pdf").status_code == 200


def test_the_demo_has_an_open_consultation_half_answered(settings):
    from voting.models import Consultation, Participation

    seed("--allow-without-debug")

    consultation = Consultation.objects.get()
    assert consultation.state == Consultation.State.OPEN
    assert [q.method for q in consultation.questions.order_by("pk")] == [
        "points",
        "score",
        "open_question",
    ]
    assert Participation.objects.filter(vote__consultation=consultation).count() == 10
