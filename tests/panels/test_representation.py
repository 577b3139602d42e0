"""Representativeness: sharing is optional and withdrawable, the composition is the
moderator's, and no group smaller than MIN_CELL is ever shown (nor one that would give a
hidden group away)."""

import pytest
from django.urls import reverse
from django.utils import translation

from panels import privacy, representation
from panels.models import ConstituencyShare, Membership, SharedProfile
from panels.services import PanelError
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def members(panel, n: int, start: int = 0) -> list[Membership]:
    return [
        Membership.objects.create(
            panel=panel, user=make_user(f"m{start + i}@example.org", f"Lid {start + i}")
        )
        for i in range(n)
    ]


def by_value(panel, attribute: str) -> dict:
    _count, groups = representation.comparison(panel)
    group = next(g for g in groups if g.attribute == attribute)
    return {cell.value: cell for cell in group.cells}


def test_sharing_is_checked_and_can_be_withdrawn(bob):
    with pytest.raises(PanelError, match="options"):
        representation.share(bob, {"age": "42"})
    with pytest.raises(PanelError, match="at least one"):
        representation.share(bob, {})

    representation.share(bob, {"age": "45_64", "tenancy": "over_10"})
    assert SharedProfile.objects.get(membership=bob).tenancy == "over_10"

    assert representation.withdraw(bob)
    assert not SharedProfile.objects.exists()


def test_observers_do_not_share(olga):
    with pytest.raises(PanelError):
        representation.share(olga, {"age": "45_64"})


def test_small_groups_are_never_shown(panel):
    for m in members(panel, 6):
        representation.share(m, {"age": "45_64"})
    for m in members(panel, 2, start=10):
        representation.share(m, {"age": "75_plus"})

    cells = by_value(panel, "age")

    # 2 people aged 75+ would show; so would they if 45–64 showed 6 of 8: both hidden.
    assert cells["75_plus"].count is None
    assert cells["45_64"].count is None
    assert cells["under_30"].count == 0


def test_groups_of_five_or_more_are_compared_with_the_constituency(panel, alice):
    for m in members(panel, 6):
        representation.share(m, {"household": "single"})
    for m in members(panel, 5, start=10):
        representation.share(m, {"household": "children"})
    representation.set_composition(alice, "household", {"single": "40", "children": "35,5"})

    cells = by_value(panel, "household")

    assert (cells["single"].count, round(cells["single"].panel_percent, 1)) == (6, 54.5)
    assert cells["single"].constituency_percent == 40.0
    assert round(cells["single"].difference, 1) == 14.5
    assert (cells["children"].count, cells["children"].constituency_percent) == (5, 35.5)


def test_with_fewer_than_five_sharing_nothing_is_shown(panel):
    for m in members(panel, 4):
        representation.share(m, {"age": "45_64"})

    assert all(cell.count is None for cell in by_value(panel, "age").values())


BAD_SHARES = [
    {"under_30": "101"},
    {"under_30": "x"},
    {"under_30": "-1"},
    {"under_30": "60", "30_44": "50"},
    {"under_30": "1.25"},
]


@pytest.mark.parametrize("bad", BAD_SHARES)
def test_the_composition_is_checked(alice, bad):
    with pytest.raises(PanelError):
        representation.set_composition(alice, "age", bad)
    assert not ConstituencyShare.objects.exists()


def test_only_the_moderator_sets_the_composition(bob):
    with pytest.raises(PanelError):
        representation.set_composition(bob, "age", {"under_30": "20"})


def test_neighbourhoods_come_from_the_panel(client_for, alice, bob, panel):
    client_for(alice).post(
        reverse("panels:composition", args=[panel.pk]), {"neighbourhoods": "Noord\nZuid\n\nNoord"}
    )
    panel.refresh_from_db()
    assert representation.values_for(panel, "neighbourhood") == [
        ("Noord", "Noord"), ("Zuid", "Zuid"),
    ]  # fmt: skip

    representation.share(Membership.objects.get(pk=bob.pk), {"neighbourhood": "Zuid"})
    with pytest.raises(PanelError):
        representation.share(Membership.objects.get(pk=bob.pk), {"neighbourhood": "Oost"})


def test_the_page_needs_consent(client_for, bob, panel):
    url = reverse("panels:profile", args=[panel.pk])
    client = client_for(bob)

    refused = client.post(url, {"age": "45_64"})
    assert refused.status_code == 400 and "consent" in refused.content.decode()
    assert not SharedProfile.objects.exists()

    assert client.post(url, {"age": "45_64", "consent": "on"}).status_code == 302
    assert SharedProfile.objects.get().age == "45_64"
    client.post(url, {"action": "withdraw"})
    assert not SharedProfile.objects.exists()


def test_erasure_deletes_what_was_shared_and_the_download_holds_it(client_for, bob):
    representation.share(bob, {"age": "45_64"})
    data = client_for(bob).get(reverse("panels:account_data")).json()
    assert data["shared_about_yourself"][0]["age"] == "45_64"

    privacy.erase(bob.user, requested_by="member")

    assert not SharedProfile.objects.exists()


def test_the_dashboard_shows_the_comparison(client_for, panel, alice, bob):
    for m in members(panel, 5):
        representation.share(m, {"tenancy": "over_10"})
    representation.set_composition(alice, "tenancy", {"over_10": "30"})

    page = client_for(bob).get(reverse("voting:participation", args=[panel.pk])).content
    text = page.decode()

    assert "Does the panel look like the tenants it speaks for?" in text
    assert "100.0 % (5)" in text and "over-represented (+70.0 points)" in text
