"""An agreement's history CSV, with the text people write in it: names, titles and texts
that are formulas to a spreadsheet."""

import pytest
from django.urls import reverse

from agreements import services
from tests.agreements.test_services import FIELDS
from tests.helpers import FORMULAS, csv_rows, formula_cells

pytestmark = pytest.mark.django_db


def rename(person, name: str) -> None:
    person.user.name = name
    person.user.save(update_fields=["name"])


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
