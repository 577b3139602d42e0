"""Staff see who cannot log in for a while, find them by email, and lift the pause for a
tenant who phones the desk: they can log in at once, on every worker."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse

from panels import login_limits
from panels.models import LoginLockout, User
from tests.conftest import PASSWORD, make_user
from tests.panels.test_login_limits import log_in

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:panels_loginlockout_changelist")


@pytest.fixture
def desk():
    """Staff at the desk, logged in to the admin in a browser of their own."""
    root = User.objects.create_superuser(email="desk@example.org", password="x", name="Desk")
    browser = Client()
    browser.force_login(root)
    browser.user = root
    return browser


def lift(desk, *lockouts: LoginLockout):
    return desk.post(
        CHANGELIST,
        {"action": "lift", ACTION_CHECKBOX_NAME: [lockout.pk for lockout in lockouts]},
    )


def test_staff_find_a_locked_out_tenant_by_email_and_lift_the_pause(client, desk):
    dana = make_user("dana@example.org", "Dana")
    make_user("emma@example.org", "Emma")
    for _ in range(login_limits.FAILURES_PER_ACCOUNT):
        log_in(client, dana.email, "not-it")
    assert log_in(client, dana.email, PASSWORD).status_code == 200

    found = desk.get(CHANGELIST, {"q": "DANA@example.org", "in_force": "yes"})
    (pause,) = found.context["cl"].result_list
    response = lift(desk, pause)

    assert pause.user == dana and pause.kind == LoginLockout.Kind.ACCOUNT
    assert response.status_code == 302
    assert log_in(client, dana.email, PASSWORD).status_code == 302
    pause.refresh_from_db()
    assert pause.lifted_by == desk.user and not pause.in_force
    assert LogEntry.objects.get(object_id=str(pause.pk)).user == desk.user


def test_staff_see_a_paused_network_and_lift_it(client, desk):
    emma = make_user("emma@example.org", "Emma")
    for number in range(login_limits.FAILURES_PER_ADDRESS):
        log_in(client, f"guess{number}@example.org", "not-it", address="198.51.100.7")
    assert log_in(client, emma.email, PASSWORD, address="198.51.100.7").status_code == 200

    (pause,) = desk.get(CHANGELIST, {"q": "198.51.100.7"}).context["cl"].result_list
    lift(desk, pause)

    assert pause.kind == LoginLockout.Kind.NETWORK and pause.network == "198.51.100.7"
    assert log_in(client, emma.email, PASSWORD, address="198.51.100.7").status_code == 302


def test_after_a_lift_the_count_starts_again(client, desk):
    dana = make_user("dana@example.org", "Dana")
    for _ in range(login_limits.FAILURES_PER_ACCOUNT):
        log_in(client, dana.email, "not-it")
    lift(desk, LoginLockout.objects.get())

    for _ in range(login_limits.FAILURES_PER_ACCOUNT - 1):
        log_in(client, dana.email, "not-it")
    assert log_in(client, dana.email, PASSWORD).status_code == 302


def test_the_admin_neither_adds_nor_edits_nor_deletes_pauses(desk):
    dana = make_user("dana@example.org", "Dana")
    for _ in range(login_limits.FAILURES_PER_ACCOUNT):
        login_limits.failed(dana.email, "192.0.2.1")
    pause = LoginLockout.objects.get()
    base = "admin:panels_loginlockout"

    add = desk.get(reverse(f"{base}_add"))
    change = desk.post(reverse(f"{base}_change", args=[pause.pk]), {"until": "2000-01-01"})
    delete = desk.post(reverse(f"{base}_delete", args=[pause.pk]), {"post": "yes"})

    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert LoginLockout.objects.get().in_force


def test_staff_who_may_only_look_cannot_lift(client):
    dana = make_user("dana@example.org", "Dana")
    for _ in range(login_limits.FAILURES_PER_ACCOUNT):
        login_limits.failed(dana.email, "192.0.2.1")
    viewer = User.objects.create_user(email="viewer@example.org", password="x", name="Viewer")
    viewer.is_staff = True
    viewer.save()
    viewer.user_permissions.add(
        *viewer.user_permissions.model.objects.filter(codename="view_loginlockout")
    )
    client.force_login(viewer)

    listing = client.get(CHANGELIST)
    lift(client, LoginLockout.objects.get())

    assert listing.status_code == 200 and listing.context["cl"].result_count == 1
    assert LoginLockout.objects.get().in_force
