"""Who may open which panel URL: a matrix generated from the URLconf.

Every URL in the `panels` namespace must have a row in MATRIX; a new view
without one fails here, so nobody adds a page without deciding who may use it.
"""

import re

import pytest
from django.urls import get_resolver, reverse
from pytest_django.asserts import assertTemplateUsed

from panels.access import Perm
from panels.models import Invitation, Membership, Role

pytestmark = pytest.mark.django_db

ANY_LOGGED_IN = "any logged-in person"

# URL name → (what the person needs, the methods the view answers)
MATRIX = {
    "home": (ANY_LOGGED_IN, {"GET"}),
    "detail": (Perm.VIEW_PANEL, {"GET"}),
    "members": (Perm.MANAGE_MEMBERS, {"GET", "POST"}),
    "member_update": (Perm.MANAGE_MEMBERS, {"POST"}),
    "member_set_active": (Perm.MANAGE_MEMBERS, {"POST"}),
    "invitation_revoke": (Perm.MANAGE_MEMBERS, {"POST"}),
}
# Token links work for anyone; tested below and in test_invitation_views.py.
PUBLIC = {"invitation"}

# persona → what they may do in `panel` (None: not logged in; empty: not a member of `panel`)
ROLES = {
    "anonymous": None,
    "mallory": set(),  # outsider
    "oscar": set(),  # moderator of another panel
    "olga": {Perm.VIEW_PANEL},  # observer
    "bob": {Perm.VIEW_PANEL},  # member
    "nora": {Perm.VIEW_PANEL},  # member without voting rights
    "carl": {Perm.VIEW_PANEL},  # corporation representative
    "tina": {Perm.VIEW_PANEL},  # tenant organisation representative
    "alice": {Perm.VIEW_PANEL, Perm.MANAGE_MEMBERS},  # moderator
}

LOGIN_REDIRECT = "redirect to login"
METHODS = ["GET", "POST"]


def panel_url_patterns() -> dict:
    _, resolver = get_resolver().namespace_dict["panels"]
    return {pattern.name: pattern for pattern in resolver.url_patterns}


def expected_status(name: str, method: str, role: str) -> int | str:
    needs, methods = MATRIX[name]
    if method not in methods:
        return 405  # the method is checked first, for everyone
    may = ROLES[role]
    if may is None:
        return LOGIN_REDIRECT
    if needs == ANY_LOGGED_IN:
        return 200
    if Perm.VIEW_PANEL not in may:
        return 404  # do not leak that the panel exists
    if needs not in may:
        return 403
    return 200 if method == "GET" else 302


def snapshot(panel) -> tuple:
    """Everything a panel URL could change, to prove a refused request changed nothing."""
    return (
        sorted(
            Membership.objects.filter(panel=panel).values_list(
                "pk", "role", "has_voting_rights", "is_active"
            )
        ),
        sorted(Invitation.objects.filter(panel=panel).values_list("pk", "email", "revoked_at")),
    )


def matrix_cases() -> list:
    """One case per (URL, method, persona); a URL missing from MATRIX gives one failing case."""
    cases = []
    for name in panel_url_patterns():
        if name in PUBLIC:
            continue
        if name not in MATRIX:
            cases.append(pytest.param(name, None, None, id=f"{name}-NOT-IN-MATRIX"))
            continue
        cases += [
            pytest.param(name, method, role, id=f"{name}-{method}-{role}")
            for method in METHODS
            for role in ROLES
        ]
    return cases


def test_every_panel_url_is_in_the_matrix():
    names = set(panel_url_patterns())

    assert names - PUBLIC - set(MATRIX) == set(), "every panel URL must be in the matrix"
    assert set(MATRIX) - names == set(), "the matrix names URLs that no longer exist"


def test_every_persona_is_in_the_matrix(request):
    roles = {request.getfixturevalue(p).role for p in ROLES if p not in {"anonymous", "mallory"}}

    assert roles == set(Role.values)


@pytest.mark.parametrize(("name", "method", "role"), matrix_cases())
def test_permission_matrix(request, client, panel, make_invitation, name, method, role):
    if name not in MATRIX:
        pytest.fail(f"every panel URL must be in the matrix: add a row for {name!r} to MATRIX")
    people = {
        persona: request.getfixturevalue(persona) for persona in ROLES if persona != "anonymous"
    }
    bob = people["bob"]
    invitation, _ = make_invitation(email="pending@example.org")
    values = {"panel_id": panel.pk, "membership_id": bob.pk, "invitation_id": invitation.pk}
    pattern = panel_url_patterns()[name]
    unknown = set(pattern.pattern.converters) - set(values)
    assert not unknown, f"the matrix cannot fill in {unknown} for {name!r}"
    url = reverse(f"panels:{name}", kwargs={k: values[k] for k in pattern.pattern.converters})
    post_data = {
        "members": {"email": "newcomer@example.org", "role": Role.MEMBER},
        "member_update": {f"m{bob.pk}-role": Role.OBSERVER},
        "member_set_active": {"active": "0"},
    }.get(name, {})
    if role != "anonymous":
        person = people[role]
        client.force_login(person if role == "mallory" else person.user)
    before = snapshot(panel)

    response = client.get(url) if method == "GET" else client.post(url, post_data)

    expected = expected_status(name, method, role)
    if expected == LOGIN_REDIRECT:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")
    else:
        assert response.status_code == expected
    if method == "POST" and expected == 302:
        assert snapshot(panel) != before, "an allowed action should have done something"
    else:
        assert snapshot(panel) == before, "a GET or a refused request must change nothing"


# --- the public invitation link -----------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_invitation_link_opens_for_everyone(request, client, make_invitation, role):
    _, token = make_invitation(email="pending@example.org")
    if role != "anonymous":
        person = request.getfixturevalue(role)
        client.force_login(getattr(person, "user", person))

    response = client.get(reverse("panels:invitation", args=[token]))

    assert response.status_code == 200


def test_invitation_link_answers_only_get_and_post(client, make_invitation):
    _, token = make_invitation()

    response = client.put(reverse("panels:invitation", args=[token]))

    assert response.status_code == 405


# --- objects of another panel ----------------------------------------------------


def test_moderator_cannot_reach_a_membership_of_another_panel(client_for, alice, oscar):
    client = client_for(alice)

    for name, data in [
        ("member_set_active", {"active": "0"}),
        ("member_update", {f"m{oscar.pk}-role": Role.MEMBER}),
    ]:
        url = reverse(f"panels:{name}", args=[alice.panel.pk, oscar.pk])
        assert client.post(url, data).status_code == 404

    oscar.refresh_from_db()
    assert (oscar.role, oscar.is_active) == (Role.MODERATOR, True)


def test_moderator_cannot_revoke_an_invitation_of_another_panel(
    client_for, alice, oscar, make_invitation, other_panel
):
    invitation, _ = make_invitation(for_panel=other_panel)

    response = client_for(alice).post(
        reverse("panels:invitation_revoke", args=[alice.panel.pk, invitation.pk])
    )

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_moderator_of_one_panel_cannot_open_another(client_for, alice, oscar, other_panel):
    client = client_for(alice)

    assert client.get(reverse("panels:detail", args=[other_panel.pk])).status_code == 404
    assert client.get(reverse("panels:members", args=[other_panel.pk])).status_code == 404


def test_panel_that_does_not_exist_is_not_found(client_for, alice, panel, other_panel):
    missing = max(panel.pk, other_panel.pk) + 1000

    response = client_for(alice).get(reverse("panels:detail", args=[missing]))

    assert response.status_code == 404


def test_deactivated_member_is_an_outsider(client_for, alice, bob):
    bob.is_active = False
    bob.save()

    response = client_for(bob).get(reverse("panels:detail", args=[bob.panel.pk]))

    assert response.status_code == 404


def test_deactivated_moderator_cannot_manage(client_for, alice, martin):
    alice.is_active = False
    alice.save()

    response = client_for(alice).get(reverse("panels:members", args=[alice.panel.pk]))

    assert response.status_code == 404


# --- friendly error pages ---------------------------------------------------------


def main_of(response) -> str:
    match = re.search(r"<main\b[^>]*>(.*)</main>", response.content.decode(), re.DOTALL)
    assert match, "the page has no <main>"
    return match.group(1)


def test_forbidden_page_is_ours_and_leads_home(client_for, bob):
    response = client_for(bob).get(reverse("panels:members", args=[bob.panel.pk]))

    assert response.status_code == 403
    assertTemplateUsed(response, "403.html")
    assert f'href="{reverse("panels:home")}"' in main_of(response)


@pytest.mark.parametrize("path", ["panel-of-others", "/no/such/page/"])
def test_not_found_page_is_ours_and_leads_home(client_for, mallory, panel, path):
    if path == "panel-of-others":
        path = reverse("panels:detail", args=[panel.pk])

    response = client_for(mallory).get(path)

    assert response.status_code == 404
    assertTemplateUsed(response, "404.html")
    assert f'href="{reverse("panels:home")}"' in main_of(response)
