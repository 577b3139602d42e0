"""An agreement's history CSV and its PDF, with the text people write in them: names that
are formulas to a spreadsheet, and names in Turkish, Polish and Arabic script in the legal
document they sign."""

import io
import tempfile

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.html import strip_tags
from pypdf import PdfReader

from agreements import services
from agreements.models import Agreement
from tests.agreements.test_services import FIELDS
from tests.agreements.test_views import _adopted_proposal
from tests.helpers import FORMULAS, csv_rows, formula_cells

pytestmark = pytest.mark.django_db

FATMA = "Fatma Yılmaz"
MALGORZATA = "Małgorzata Wąsowska"
FATIMA = "فاطمة الزهراء"  # Fatima al-Zahra, in Arabic script


def rename(person, name: str) -> None:
    person.user.name = name
    person.user.save(update_fields=["name"])


def sign(person, agreement) -> None:
    agreement = Agreement.objects.get(pk=agreement.pk)
    services.sign(
        person, agreement, version=agreement.version, content_hash=agreement.content_hash()
    )


def shown(moment) -> str:
    """A moment as the agreement's pages show it: in Dutch, in the site's time zone."""
    with translation.override("nl"):
        return formats.date_format(timezone.localtime(moment), "j F Y H:i")


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_the_history_csv_writes_names_titles_and_texts_as_text(client_for, alice, carl, tina):
    # Sections are stripped, so the texts with leading white space go into names.
    rename(alice, "\t=1")
    rename(carl, "\r=1")
    rename(tina, "  =1")
    agreement = services.create_agreement(
        alice,
        **FIELDS
        | {
            "title": '=HYPERLINK("http://x","y")',
            "topic": "+1",
            "input_method": "-1+1",
            "free_text": "@SUM(1)",
        },
    )
    services.edit_agreement(carl, agreement, base_version=1, responsible="+1", reason="-1+1")
    services.edit_agreement(tina, agreement, base_version=2, feedback="@SUM(1)")

    rows = csv_rows(
        client_for(tina).get(
            reverse("agreements:export_csv", args=[agreement.panel_id, agreement.pk])
        )
    )

    assert formula_cells(rows) == []
    cells = {cell for row in rows for cell in row}
    assert {"'" + text for text in FORMULAS} <= cells
    header = rows[0]
    assert [dict(zip(header, row, strict=True))["version"] for row in rows[1:]] == ["1", "2", "3"]


def test_the_pdf_prints_the_signers_names_and_the_euro_as_written(client_for, alice, carl, tina):
    rename(carl, FATMA)  # signs for the corporation
    rename(tina, FATIMA)  # signs for the tenant organisation
    rename(alice, MALGORZATA)  # brought in the proposal the agreement comes from
    agreement = services.create_agreement(
        alice,
        sources=[_adopted_proposal(alice)],
        **FIELDS | {"topic": "De servicekosten stijgen met € 12,50 per maand."},
    )
    sign(carl, agreement)
    sign(tina, agreement)

    text = pdf_text(
        client_for(tina).get(reverse("agreements:pdf", args=[agreement.panel_id, agreement.pk]))
    )

    # fpdf2 maps every shaped glyph back to the characters it came from, so even the joined
    # Arabic letters read back as the letters typed (no presentation forms, no NFKC needed).
    assert FATMA in text
    assert MALGORZATA in text
    assert FATIMA in text
    assert "€ 12,50" in text
    assert "?" not in text  # nothing the font lacked


def test_a_name_cannot_turn_the_rest_of_its_line_around(client_for, alice, carl):
    # U+202E (right-to-left override) would print the signing date after the name backwards.
    rename(carl, "Eve\u202e")
    agreement = services.create_agreement(alice, **FIELDS)
    sign(carl, agreement)
    signed_at = shown(agreement.signatures.get().signed_at)

    text = pdf_text(
        client_for(carl).get(reverse("agreements:pdf", args=[agreement.panel_id, agreement.pk]))
    )

    assert f"Eve, {signed_at}" in text


def test_an_arabic_name_keeps_the_date_after_it_in_place(client_for, alice, tina):
    rename(tina, FATIMA)
    agreement = services.create_agreement(alice, **FIELDS)
    sign(tina, agreement)
    signed_at = shown(agreement.signatures.get().signed_at)

    response = client_for(tina).get(
        reverse("agreements:pdf", args=[agreement.panel_id, agreement.pk])
    )

    # Read as laid out on the page (left to right): the name, then ", " and the date. Without
    # care the comma lands before the name and the date runs into it.
    pages = PdfReader(io.BytesIO(response.content)).pages
    laid_out = " ".join(" ".join(p.extract_text(extraction_mode="layout") for p in pages).split())
    assert f", {signed_at}" in laid_out


def test_the_pdf_shows_the_signing_time_as_the_printable_page_does(client_for, alice, carl):
    agreement = services.create_agreement(alice, **FIELDS)
    sign(carl, agreement)
    signed_at = shown(agreement.signatures.get().signed_at)  # Amsterdam time, not UTC
    client = client_for(carl)
    args = [agreement.panel_id, agreement.pk]

    printed = client.get(reverse("agreements:print", args=args)).content.decode()
    text = pdf_text(client.get(reverse("agreements:pdf", args=args)))

    assert f"{carl.user.name}, {signed_at}" in strip_tags(printed)  # the name is in a <bdi>
    assert f"{carl.user.name}, {signed_at}" in text


def test_the_pdf_leaves_no_font_files_behind(client_for, alice, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the fonts are written
    agreement = services.create_agreement(alice, **FIELDS)

    response = client_for(alice).get(
        reverse("agreements:pdf", args=[agreement.panel_id, agreement.pk])
    )

    assert FIELDS["topic"] in pdf_text(response)
    assert list(tmp_path.iterdir()) == []


def test_a_section_written_in_arabic_runs_right_to_left_numbers_and_all(client_for, alice):
    topic = "تم الاتفاق على زيادة ١٢ يورو"  # "An increase of 12 euros was agreed"
    agreement = services.create_agreement(alice, **FIELDS | {"topic": topic})

    text = pdf_text(
        client_for(alice).get(reverse("agreements:pdf", args=[agreement.panel_id, agreement.pk]))
    )

    # Read back in reading order: the words before the number still come first (in a
    # left-to-right paragraph, fpdf2 put "يورو" ahead of the start of the sentence).
    assert text.index("تم الاتفاق على زيادة") < text.index("يورو")
