"""Agreement pages over HTTP, and who may open which agreement URL (from the URLconf)."""

import json
from datetime import UTC, datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from agreements import services
from agreements import urls as agreement_urls
from agreements.models import Agreement, Signature
from panels.access import Perm
from tests.agreements.test_services import FIELDS
from tests.helpers import csv_rows
from tests.matrix import (
    ALLOWED,
    assert_every_url_in_matrix,
    assert_outcome,
    expected,
    fail_if_not_in_matrix,
    log_in,
    matrix_cases,
    url_patterns,
)

pytestmark = pytest.mark.django_db

# URL name → (permission, methods)
MATRIX = {
    "list": (Perm.VIEW_PANEL, {"GET"}),
    "new": (Perm.DRAFT_AGREEMENTS, {"GET", "POST"}),
    "feedback": (Perm.VIEW_PANEL, {"GET"}),
    "answer": (Perm.VIEW_PANEL, {"POST"}),  # the service checks for the corporation
    # Advice requests: both sides read; the service checks which representative acts.
    "advice_list": (Perm.VIEW_PANEL, {"GET"}),
    "advice_new": (Perm.VIEW_PANEL, {"POST"}),
    "advice": (Perm.VIEW_PANEL, {"GET"}),
    "advice_give": (Perm.VIEW_PANEL, {"POST"}),
    "advice_decide": (Perm.VIEW_PANEL, {"POST"}),
    "detail": (Perm.VIEW_PANEL, {"GET"}),
    "edit": (Perm.DRAFT_AGREEMENTS, {"GET", "POST"}),
    "sign": (Perm.VIEW_PANEL, {"POST"}),  # the service checks the party
    "follow": (Perm.VIEW_PANEL, {"POST"}),
    "restore": (Perm.DRAFT_AGREEMENTS, {"POST"}),
    "history": (Perm.VIEW_PANEL, {"GET"}),
    "print": (Perm.VIEW_PANEL, {"GET"}),
    "pdf": (Perm.VIEW_PANEL, {"GET"}),
    "export_csv": (Perm.VIEW_PANEL, {"GET"}),
    "export_json": (Perm.VIEW_PANEL, {"GET"}),
}
ROLES = {
    "anonymous": None,
    "mallory": set(),
    "oscar": set(),
    "olga": {Perm.VIEW_PANEL},
    "bob": {Perm.VIEW_PANEL},
    "nora": {Perm.VIEW_PANEL},  # member without voting rights
    "carl": {Perm.VIEW_PANEL, Perm.DRAFT_AGREEMENTS},
    "tina": {Perm.VIEW_PANEL, Perm.DRAFT_AGREEMENTS},
    "alice": {Perm.VIEW_PANEL, Perm.DRAFT_AGREEMENTS},
}


@pytest.fixture
def agreement(alice):
    return services.create_agreement(alice, **FIELDS)


@pytest.fixture
def advice_request(carl):
    from agreements import advice

    return advice.file_request(carl, title="Huurverhoging 2027", intended_change="2,5 %.")


def agreement_patterns() -> dict:
    return url_patterns(agreement_urls.urlpatterns)


def test_every_agreement_url_is_in_the_matrix():
    assert_every_url_in_matrix(agreement_patterns(), MATRIX, "agreement")


@pytest.mark.parametrize(
    ("name", "method", "role"), matrix_cases(agreement_patterns(), MATRIX, ROLES)
)
def test_who_may_open_what(request, client, agreement, panel, name, method, role):
    fail_if_not_in_matrix(name, MATRIX, "agreement")
    log_in(request, client, role, ROLES)
    converters = agreement_patterns()[name].pattern.converters
    kwargs = {"panel_id": panel.pk}
    if "agreement_id" in converters:
        kwargs["agreement_id"] = agreement.pk
    if "advice_id" in converters:
        kwargs["advice_id"] = request.getfixturevalue("advice_request").pk
    url = reverse(f"agreements:{name}", kwargs=kwargs)

    response = client.get(url) if method == "GET" else client.post(url, {})

    outcome = expected(MATRIX[name], ROLES[role], method)
    if outcome == ALLOWED:
        assert response.status_code in {200, 302, 400}, (name, role, method, response.status_code)
    else:
        assert_outcome(response, outcome, name, role, method)


def test_drafting_from_an_adopted_proposal_links_it_as_a_source(client_for, alice, panel):
    from voting.models import Proposal

    proposal = _adopted_proposal(alice)
    response = client_for(alice).post(
        reverse("agreements:new", args=[panel.pk]),
        {"sources": [proposal.pk], "title": "Lift", "topic": "De lift."},
    )

    agreement = Agreement.objects.get()
    assert response.status_code == 302
    assert list(agreement.sources.all()) == [proposal]
    assert Proposal.objects.get().agreements.get() == agreement


def _adopted_proposal(alice):
    from panels import meetings
    from voting import proposals as voting_services
    from voting.models import Proposal

    meeting = meetings.create_meeting(
        alice, title="B", starts_at=datetime(2030, 1, 1, 19, 30, tzinfo=UTC), notify=False
    )
    item = meetings.add_item(alice, meeting, title="Lift")
    proposal = voting_services.create_proposal(alice, item, title="Lift", text="Vaker controleren.")
    Proposal.objects.filter(pk=proposal.pk).update(state=Proposal.State.ADOPTED)
    return Proposal.objects.get(pk=proposal.pk)


def test_both_representatives_sign_through_the_page(client, agreement, carl, tina, panel):
    for person in (carl, tina):
        client.force_login(person.user)
        page = client.get(reverse("agreements:detail", args=[panel.pk, agreement.pk]))
        assert agreement.content_hash() in page.content.decode()
        client.post(
            reverse("agreements:sign", args=[panel.pk, agreement.pk]),
            {"version": agreement.version, "content_hash": agreement.content_hash()},
        )
    assert services.in_force(agreement)


def test_signing_with_a_stale_hash_shows_a_message_and_signs_nothing(
    client_for, agreement, carl, panel
):
    response = client_for(carl).post(
        reverse("agreements:sign", args=[panel.pk, agreement.pk]),
        {"version": "1", "content_hash": "0" * 64},
    )
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert not Signature.objects.exists()


def test_a_stale_edit_keeps_what_was_typed_and_shows_the_other_change(
    client_for, agreement, carl, tina, panel
):
    services.edit_agreement(carl, agreement, base_version=1, topic="Door Carl gewijzigd.")
    data = {name: str(value) for name, value in FIELDS.items()} | {
        "base_version": "1",
        "free_text": "Wat Tina typte.",
    }

    response = client_for(tina).post(
        reverse("agreements:edit", args=[panel.pk, agreement.pk]), data
    )

    html = response.content.decode()
    assert response.status_code == 409
    assert "Wat Tina typte." in html and "Carl" in html
    agreement.refresh_from_db()
    assert agreement.version == 2 and agreement.free_text == ""


def test_hostile_text_is_rendered_inert(client_for, alice, panel):
    payload = '<script>alert(1)</script>"><img src=x onerror=alert(1)>{{ 7|add:1 }}'
    agreement = services.create_agreement(alice, **(FIELDS | {"topic": payload, "title": payload}))
    client = client_for(alice)

    for name in ("detail", "history", "print"):
        html = client.get(reverse(f"agreements:{name}", args=[panel.pk, agreement.pk])).content
        assert b"<script>alert(1)" not in html
        assert b"<img src=x" not in html


def test_history_exports_every_version_and_signature(client_for, agreement, carl, panel):
    services.edit_agreement(carl, agreement, base_version=1, topic="Versie twee.")
    services.sign(carl, agreement, version=2, content_hash=Agreement.objects.get().content_hash())
    client = client_for(carl)

    data = json.loads(
        client.get(reverse("agreements:export_json", args=[panel.pk, agreement.pk])).content
    )
    header, *versions = csv_rows(
        client.get(reverse("agreements:export_csv", args=[panel.pk, agreement.pk]))
    )

    assert [v["version"] for v in data["versions"]] == [1, 2]
    assert data["signatures"][0]["party"] == "corporation"
    assert [dict(zip(header, row, strict=True))["version"] for row in versions] == ["1", "2"]
    assert dict(zip(header, versions[1], strict=True))["topic"] == "Versie twee."


def test_the_printable_page_shows_the_version_hash(client_for, agreement, bob, panel):
    html = (
        client_for(bob)
        .get(reverse("agreements:print", args=[panel.pk, agreement.pk]) + "?version=1")
        .content.decode()
    )
    assert agreement.content_hash() in html
    assert FIELDS["topic"] in html


def test_the_feedback_page_follows_a_proposal_to_its_agreement(client_for, alice, bob, panel):
    proposal = _adopted_proposal(alice)
    agreement = services.create_agreement(alice, sources=[proposal], **FIELDS)

    html = client_for(bob).get(reverse("agreements:feedback", args=[panel.pk])).content.decode()

    assert proposal.title in html
    assert reverse("agreements:detail", args=[panel.pk, agreement.pk]) in html


def test_the_pdf_of_a_version_is_a_valid_file_with_its_text_and_hash(
    client_for, agreement, carl, panel
):
    import io

    from pypdf import PdfReader

    services.edit_agreement(carl, agreement, base_version=1, topic="Ëén nieuw onderwerp – “zo”.")
    response = client_for(carl).get(
        reverse("agreements:pdf", args=[panel.pk, agreement.pk]) + "?version=1"
    )

    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert FIELDS["topic"] in text
    assert Agreement.objects.get().history.filter(version=1).exists()
    from agreements.models import content_of, hash_content

    record = agreement.history.get(version=1)
    assert hash_content(agreement.pk, 1, content_of(record)) in text.replace("\n", "")


def test_the_pdf_prints_text_outside_latin1_as_written(client_for, alice, panel):
    import io

    from pypdf import PdfReader

    agreement = services.create_agreement(
        alice, **(FIELDS | {"topic": "Huurders zeggen: “Prima” – Ëén 🙂 ﬁne"})
    )
    response = client_for(alice).get(reverse("agreements:pdf", args=[panel.pk, agreement.pk]))

    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    # Typographic quotes and dashes as typed; what the font lacks (the emoji) shows as "?".
    assert "Huurders zeggen: “Prima” – Ëén ? ﬁne" in text
