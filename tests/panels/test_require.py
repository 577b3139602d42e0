"""panels.access.require: the one check every service makes before it changes anything.
It refuses with the calling app's own error and one message; staff working in the admin
are checked by their Django permission."""

import pytest
from django.contrib.auth.models import Permission
from django.utils import translation

from panels.access import Perm, require
from panels.errors import PanelError
from panels.meetings import MeetingError
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

REFUSAL = "You are not allowed to do this."


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_it_lets_a_moderator_moderate(alice):
    require(alice, Perm.MODERATE)
    require(alice, Perm.MANAGE_MEMBERS, error=MeetingError)


@pytest.mark.parametrize("persona", ["bob", "nora", "olga", "carl", "tina"])
def test_it_refuses_who_is_not_a_moderator(request, persona):
    with pytest.raises(PanelError, match=REFUSAL):
        require(request.getfixturevalue(persona), Perm.MODERATE)


def test_it_refuses_with_the_callers_error(bob):
    with pytest.raises(MeetingError, match=REFUSAL):
        require(bob, Perm.MODERATE, error=MeetingError)


def test_it_refuses_a_moderator_no_longer_active(alice):
    alice.is_active = False

    with pytest.raises(PanelError, match=REFUSAL):
        require(alice, Perm.VIEW_PANEL)


def test_it_checks_staff_by_their_permission_in_the_admin(mallory):
    staff = make_user("sam@example.org", "Sam Staff")
    staff.is_staff = True
    staff.save()
    staff.user_permissions.add(Permission.objects.get(codename="change_membership"))
    staff = type(staff).objects.get(pk=staff.pk)  # permissions are cached per instance

    require(staff, Perm.MANAGE_MEMBERS)
    with pytest.raises(PanelError, match=REFUSAL):
        require(staff, Perm.MODERATE)  # staff manage people, they do not chair meetings
    with pytest.raises(PanelError, match=REFUSAL):
        require(mallory, Perm.MANAGE_MEMBERS)  # no staff
