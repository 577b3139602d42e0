"""The panel page links to the other apps' pages through what they register
(panels/links.py); panels itself names none of them."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from panels import links
from panels.access import Perm

pytestmark = pytest.mark.django_db


def hrefs(response) -> list[str]:
    return [href for _label, href in response.context["links"]]


def test_the_apps_links_show_in_the_order_they_were_registered(client_for, bob):
    response = client_for(bob).get(reverse("panels:detail", args=[bob.panel_id]))

    assert hrefs(response) == [
        reverse(name, args=[bob.panel_id])
        for name in (
            "voting:consultations",
            "agreements:list",
            "agreements:feedback",
            "agreements:advice_list",
            "minutes:list",
            "voting:participation",
        )
    ]
    for href in hrefs(response):
        assert f'href="{href}"' in response.content.decode()


def test_a_link_with_a_right_shows_only_to_who_holds_it(monkeypatch, client_for, alice, bob):
    monkeypatch.setattr(links, "_links", [*links._links])
    links.register(links.PanelLink(_("Members"), "panels:members", Perm.MANAGE_MEMBERS))
    members = reverse("panels:members", args=[bob.panel_id])

    assert members in hrefs(client_for(alice).get(reverse("panels:detail", args=[bob.panel_id])))
    assert members not in hrefs(client_for(bob).get(reverse("panels:detail", args=[bob.panel_id])))
