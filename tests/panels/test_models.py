"""People, panels and memberships: what each role may do, and what the database guarantees."""

import pytest
from django.db import IntegrityError, transaction

from panels.models import Membership, Organisation, Role, User

pytestmark = pytest.mark.django_db

CORPORATION = Organisation.Kind.CORPORATION
TENANT_ORGANISATION = Organisation.Kind.TENANT_ORGANISATION

# persona: (can_moderate, can_vote, can_take_part, signs_for)
WHAT_EACH_PERSONA_MAY_DO = {
    "alice": (True, True, True, None),  # moderator
    "bob": (False, True, True, None),  # member
    "nora": (False, False, True, None),  # member without voting rights
    "olga": (False, False, False, None),  # observer
    "carl": (False, False, True, CORPORATION),  # corporation representative
    "tina": (False, True, True, TENANT_ORGANISATION),  # tenant organisation representative
}


@pytest.mark.parametrize(
    ("persona", "expected"), WHAT_EACH_PERSONA_MAY_DO.items(), ids=WHAT_EACH_PERSONA_MAY_DO.keys()
)
def test_it_grants_each_role_its_rights(request, persona, expected):
    membership: Membership = request.getfixturevalue(persona)

    rights = (
        membership.can_moderate,
        membership.can_vote,
        membership.can_take_part,
        membership.signs_for,
    )

    assert rights == expected


@pytest.mark.parametrize("persona", WHAT_EACH_PERSONA_MAY_DO.keys())
def test_inactive_membership_may_do_nothing(request, persona):
    membership: Membership = request.getfixturevalue(persona)
    membership.is_active = False

    assert not membership.can_moderate
    assert not membership.can_vote
    assert not membership.can_take_part
    assert membership.signs_for is None


def test_observer_cannot_vote_even_with_voting_rights(olga):
    olga.has_voting_rights = True

    assert not olga.can_vote


def test_every_role_is_covered_by_the_persona_table(request):
    roles = {request.getfixturevalue(persona).role for persona in WHAT_EACH_PERSONA_MAY_DO}

    assert roles == set(Role.values)


def test_one_membership_per_person_per_panel(bob):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(panel=bob.panel, user=bob.user, role=Role.OBSERVER)


def test_the_same_person_may_be_in_two_panels(bob, other_panel):
    Membership.objects.create(panel=other_panel, user=bob.user)

    assert bob.user.memberships.count() == 2


def test_user_email_is_stored_in_lower_case():
    user = User.objects.create_user(email="  Dana.Doe@Example.ORG ", password="x", name="Dana")

    user.refresh_from_db()
    assert user.email == "dana.doe@example.org"


def test_user_email_is_unique_regardless_of_case():
    User.objects.create_user(email="dana@example.org", password="x", name="Dana")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="DANA@example.org", password="x", name="Dana Again")


def test_database_refuses_a_differently_cased_email_that_skips_the_manager():
    """The constraint holds even when code forgets to normalise (e.g. a raw create)."""
    User.objects.create_user(email="dana@example.org", password="x", name="Dana")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="Dana@Example.org", name="Dana Raw")


def test_user_clean_normalises_email():
    user = User(email="Erik@Example.ORG", name="Erik")

    user.clean()

    assert user.email == "erik@example.org"


def test_active_memberships_exclude_deactivated_memberships(bob, nora):
    nora.is_active = False
    nora.save()

    active = set(Membership.objects.active())

    assert bob in active
    assert nora not in active


def test_active_memberships_exclude_people_whose_account_is_disabled(bob, nora):
    nora.user.is_active = False
    nora.user.save()

    active = set(Membership.objects.active())

    assert bob in active
    assert nora not in active


def test_active_is_available_on_a_panels_memberships(panel, bob, nora):
    nora.is_active = False
    nora.save()

    assert list(panel.memberships.active()) == [bob]
