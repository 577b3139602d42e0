"""The Dutch catalogue is complete, not fuzzy, compiled, and keeps every placeholder."""

import gettext
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def catalogues() -> list[Path]:
    return sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))


def entries(po_path: Path) -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(str(po_path)) if not entry.obsolete]


def test_there_is_a_dutch_catalogue():
    assert LOCALE / "nl" / "LC_MESSAGES" / "django.po" in catalogues()


@pytest.mark.parametrize("po_path", catalogues(), ids=lambda p: p.parts[-3])
def test_every_entry_is_translated_and_not_fuzzy(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == [], "untranslated entries"
    assert fuzzy == [], "fuzzy entries"
    assert not po.metadata_is_fuzzy


@pytest.mark.parametrize("po_path", catalogues(), ids=lambda p: p.parts[-3])
def test_translations_keep_every_placeholder(po_path):
    for entry in entries(po_path):
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural:
            for translated in entry.msgstr_plural.values():
                # A singular may drop the count ("één huishouden"), never add or rename one.
                assert set(PLACEHOLDER.findall(translated)) <= set(
                    PLACEHOLDER.findall(entry.msgid_plural)
                ), entry.msgid
        else:
            assert sorted(PLACEHOLDER.findall(entry.msgstr)) == expected, entry.msgid


@pytest.mark.parametrize("po_path", catalogues(), ids=lambda p: p.parts[-3])
def test_compiled_catalogue_matches_the_source(po_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), "run `make messages` to compile"
    with mo_path.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in entries(po_path):
        if entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0]
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 2) == entry.msgstr_plural[1]
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, entry.msgid
