"""Process agreements: who drafts, versions, the optimistic check, dual sign-off."""

from datetime import date

import pytest

from agreements import services
from agreements.models import Agreement, Signature

pytestmark = pytest.mark.django_db

FIELDS = {
    "title": "Procesafspraak onderhoudsplan",
    "topic": "Het onderhoudsplan 2027.",
    "input_method": "Een huurderspanel en twee bijeenkomsten.",
    "responsible": "De corporatie organiseert, de huurdersvereniging nodigt uit.",
    "use_of_input": "De corporatie neemt de uitkomst op in het plan.",
    "feedback": "Binnen zes weken een terugkoppeling aan alle deelnemers.",
    "overlegwet_right": Agreement.Right.ADVICE,
    "review_date": date(2027, 6, 1),
}


@pytest.fixture
def agreement(alice):
    return services.create_agreement(alice, **FIELDS)


def sign_as(member, agreement):
    agreement.refresh_from_db()
    return services.sign(
        member, agreement, version=agreement.version, content_hash=agreement.content_hash()
    )


def test_moderator_and_representatives_draft(alice, carl, tina):
    for drafter in (alice, carl, tina):
        assert services.create_agreement(drafter, **FIELDS).version == 1


@pytest.mark.parametrize("persona", ["bob", "olga", "nora"])
def test_members_and_observers_do_not_draft(request, persona):
    with pytest.raises(services.AgreementError):
        services.create_agreement(request.getfixturevalue(persona), **FIELDS)
    assert not Agreement.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", ""), ("topic", "   "), ("title", "x" * 201), ("feedback", "x" * 10_001)],
)
def test_empty_or_oversized_sections_are_refused(alice, field, value):
    with pytest.raises(services.AgreementError):
        services.create_agreement(alice, **(FIELDS | {field: value}))


def test_an_edit_is_a_new_version_with_author_and_reason(agreement, carl):
    services.edit_agreement(
        carl, agreement, base_version=1, reason="tijdpad toegevoegd", feedback="Binnen 4 weken."
    )

    agreement.refresh_from_db()
    assert agreement.version == 2
    newest = agreement.history.order_by("-history_date").first()
    assert newest.history_user == carl.user
    assert newest.history_change_reason == "tijdpad toegevoegd"
    assert agreement.history.filter(version=1).first().feedback == FIELDS["feedback"]


def test_an_edit_that_changes_nothing_makes_no_version(agreement, carl):
    services.edit_agreement(carl, agreement, base_version=1, title=FIELDS["title"])

    agreement.refresh_from_db()
    assert agreement.version == 1


def test_an_edit_on_an_old_version_is_refused_and_changes_nothing(agreement, carl, tina):
    services.edit_agreement(carl, agreement, base_version=1, feedback="Binnen 4 weken.")

    with pytest.raises(services.StaleAgreement) as error:
        services.edit_agreement(tina, agreement, base_version=1, feedback="Binnen 8 weken.")

    assert error.value.agreement.version == 2
    agreement.refresh_from_db()
    assert (agreement.version, agreement.feedback) == (2, "Binnen 4 weken.")


def test_in_force_when_both_parties_signed_the_same_version(agreement, carl, tina):
    sign_as(carl, agreement)
    assert not services.in_force(agreement)

    sign_as(tina, agreement)

    assert services.in_force(agreement)
    assert {s.party for s in agreement.signatures.all()} == set(Signature.Party.values)


def test_an_edit_after_signing_voids_the_signatures_visibly(agreement, carl, tina, alice):
    sign_as(carl, agreement)
    sign_as(tina, agreement)

    services.edit_agreement(alice, agreement, base_version=1, free_text="Nog een afspraak.")

    agreement.refresh_from_db()
    assert not services.in_force(agreement)
    voided = agreement.signatures.filter(voided_at__isnull=False)
    assert voided.count() == 2
    assert all(s.voided_reason for s in voided)

    sign_as(carl, agreement)
    sign_as(tina, agreement)
    assert services.in_force(agreement)
    assert set(services.valid_signatures(agreement).values_list("version", flat=True)) == {2}


@pytest.mark.parametrize("persona", ["alice", "bob", "olga"])
def test_only_representatives_sign(request, agreement, persona):
    with pytest.raises(services.AgreementError):
        sign_as(request.getfixturevalue(persona), agreement)
    assert not Signature.objects.exists()


def test_a_party_signs_a_version_once(agreement, carl):
    sign_as(carl, agreement)

    with pytest.raises(services.AgreementError):
        sign_as(carl, agreement)
    assert Signature.objects.count() == 1


def test_signing_a_version_that_just_changed_is_refused(agreement, carl, tina):
    read_version, read_hash = agreement.version, agreement.content_hash()
    services.edit_agreement(tina, agreement, base_version=1, topic="Een ander onderwerp.")

    with pytest.raises(services.AgreementError):
        services.sign(carl, agreement, version=read_version, content_hash=read_hash)
    with pytest.raises(services.AgreementError):
        services.sign(carl, agreement, version=2, content_hash=read_hash)
    assert not Signature.objects.exists()


def test_the_hash_binds_the_signature_to_the_content(agreement, carl):
    signature = sign_as(carl, agreement)
    assert services.verify(signature)

    # Someone changes the stored version behind the application's back.
    record = agreement.history.get(version=1)
    record.topic = "Iets anders."
    record.save()

    assert not services.verify(signature)


def test_restoring_an_old_version_makes_a_new_one(agreement, carl):
    services.edit_agreement(carl, agreement, base_version=1, topic="Tijdelijk.")

    services.restore_version(carl, agreement, 1)

    agreement.refresh_from_db()
    assert (agreement.version, agreement.topic) == (3, FIELDS["topic"])
    assert agreement.history.filter(version=2).first().topic == "Tijdelijk."


def test_a_new_agreement_in_force_supersedes_the_old_one(agreement, alice, carl, tina):
    sign_as(carl, agreement)
    sign_as(tina, agreement)
    newer = services.create_agreement(alice, supersedes=agreement, **FIELDS)
    assert services.in_force(agreement)

    sign_as(carl, newer)
    sign_as(tina, newer)

    assert services.in_force(newer)
    assert not services.in_force(agreement)


def test_agreements_of_another_panel_are_out_of_reach(agreement, oscar):
    with pytest.raises(services.AgreementError):
        services.edit_agreement(oscar, agreement, base_version=1, topic="Gekaapt.")
    agreement.refresh_from_db()
    assert agreement.version == 1


def test_followers_hear_when_signatures_lapse(
    agreement, alice, bob, carl, tina, mailoutbox, django_capture_on_commit_callbacks
):
    services.follow(bob, agreement, True)
    sign_as(carl, agreement)

    with django_capture_on_commit_callbacks(execute=True):
        services.edit_agreement(tina, agreement, base_version=1, topic="Nieuw onderwerp.")

    assert sorted(m.to[0] for m in mailoutbox) == sorted([alice.user.email, bob.user.email])
    assert agreement.title in mailoutbox[0].subject


def test_an_edit_before_anyone_signed_sends_nothing(
    agreement, tina, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_agreement(tina, agreement, base_version=1, topic="Nieuw onderwerp.")

    assert mailoutbox == []


def test_drafting_and_signing_show_on_the_live_meeting_page(
    alice, carl, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import UTC, datetime

    from panels import meetings
    from panels.live import fragments
    from tests.live_helpers import record_notices

    meeting = meetings.create_meeting(
        alice, title="B", starts_at=datetime(2030, 1, 1, 19, tzinfo=UTC), notify=False
    )
    meetings.start_meeting(alice, meeting)
    pushed = record_notices(monkeypatch, lambda notice: tuple(notice["names"]))

    with django_capture_on_commit_callbacks(execute=True):
        agreement = services.create_agreement(alice, **FIELDS)
        sign_as(carl, agreement)

    assert pushed == [("agreements",), ("agreements",)]
    seq, frames = fragments.render_frames(meeting.pk, ["agreements"])
    html = frames["participant/en"]["agreements"]
    assert FIELDS["title"] in html and "1 of 2 parties signed" in html
