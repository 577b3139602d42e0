"""Sign-offs in the audit log, and the check code of the latest signature on the agreement's
page, its printable page and its PDF."""

import io

import pytest
from django.urls import reverse

from agreements import services
from panels import audit
from panels.models import AuditAction, AuditEntry
from tests.agreements.test_services import FIELDS, sign_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(alice):
    return services.create_agreement(alice, **FIELDS)


def signed_entries(agreement) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            subject=f"agreement:{agreement.pk}", action=AuditAction.AGREEMENT_SIGNED
        ).order_by("sequence")
    )


def test_each_signature_is_recorded_with_the_signed_content(agreement, carl, tina):
    first = sign_as(carl, agreement)
    second = sign_as(tina, agreement)

    logged = signed_entries(agreement)
    assert [(e.actor_membership_id, e.details["signature"]) for e in logged] == [
        (carl.pk, first.pk),
        (tina.pk, second.pk),
    ]
    assert logged[0].details == {
        "signature": first.pk,
        "version": 1,
        "party": "corporation",
        "content_hash": agreement.content_hash(),
    }
    assert audit.verify().broken is None


def test_a_refused_signature_records_nothing(agreement, carl, tina, bob, refused):
    sign_as(carl, agreement)
    refused(lambda: sign_as(carl, agreement))  # the party signed already
    refused(lambda: sign_as(bob, agreement))  # not a representative
    other_text = "0" * 64
    refused(lambda: services.sign(tina, agreement, version=1, content_hash=other_text))

    assert len(signed_entries(agreement)) == 1


def pages(client, panel, agreement, version: int) -> dict[str, str]:
    from pypdf import PdfReader

    args = [panel.pk, agreement.pk]
    detail = client.get(reverse("agreements:detail", args=args)).content.decode()
    printed = client.get(reverse("agreements:print", args=args) + f"?version={version}")
    pdf = client.get(reverse("agreements:pdf", args=args) + f"?version={version}").content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return {"detail": detail, "print": printed.content.decode(), "pdf": text.replace("\n", "")}


def test_the_pages_show_the_check_code_of_the_latest_signature(
    client_for,
    agreement,
    carl,
    tina,
    panel,
):
    client = client_for(carl)
    before = pages(client, panel, agreement, 1)
    sign_as(carl, agreement)
    sign_as(tina, agreement)
    latest = signed_entries(agreement)[-1]

    after = pages(client, panel, agreement, 1)

    assert all(latest.hash not in page for page in before.values())
    for name, page in after.items():
        assert latest.hash in page, name
    assert latest.hash[:12] in after["detail"]


def test_after_an_edit_the_page_shows_no_code_until_the_new_version_is_signed(
    client_for,
    agreement,
    carl,
    panel,
):
    sign_as(carl, agreement)
    old = signed_entries(agreement)[-1]
    services.edit_agreement(carl, agreement, base_version=1, topic="Een ander onderwerp.")
    client = client_for(carl)

    after_edit = pages(client, panel, agreement, 2)
    old_version = pages(client, panel, agreement, 1)

    assert old.hash not in after_edit["detail"]
    assert old.hash not in after_edit["print"]
    assert old.hash in old_version["print"]
