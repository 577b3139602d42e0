"""Apps above panels add their part of the download and of erasure through
`privacy.register`; panels never imports them (pyproject.toml, [tool.importlinter])."""

import pytest

from agreements import privacy as agreements_privacy
from panels import privacy
from voting import privacy as voting_privacy

pytestmark = pytest.mark.django_db


def test_voting_and_agreements_register_their_parts_at_start_up():
    assert voting_privacy.export in privacy._exporters
    assert agreements_privacy.export in privacy._exporters
    assert voting_privacy.erase in privacy._erasers


def test_a_registered_exporter_adds_its_section_after_the_known_ones(monkeypatch, bob):
    monkeypatch.setattr(privacy, "_exporters", [*privacy._exporters])
    privacy.register(exporter=lambda user, ids: {"new_app": {"memberships": len(ids)}})

    data = privacy.export(bob.user)

    assert list(data)[: len(privacy.SECTIONS)] == list(privacy.SECTIONS)
    assert list(data)[-1] == "new_app"
    assert data["new_app"] == {"memberships": 1}


def test_a_registered_eraser_is_told_who_was_erased(monkeypatch, bob):
    told = []
    monkeypatch.setattr(privacy, "_erasers", [*privacy._erasers])
    privacy.register(eraser=told.append)

    erased = privacy.erase(bob.user, requested_by="staff")

    assert [(e.membership_ids, e.old_name, e.user.name) for e in told] == [
        ([bob.pk], "Bob Member", erased.name)
    ]


def test_registering_twice_adds_nothing(monkeypatch):
    monkeypatch.setattr(privacy, "_exporters", [*privacy._exporters])
    before = len(privacy._exporters)

    privacy.register(exporter=voting_privacy.export)

    assert len(privacy._exporters) == before
