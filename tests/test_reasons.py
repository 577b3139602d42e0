"""History reasons are codes in the database and words on the page, in the reader's language."""

import pytest
from django.utils import translation

from panels.templatetags.knoppen import reason


@pytest.mark.parametrize(
    ("code", "dutch"),
    [
        ("drafted", "opgesteld"),
        ("amendment #12 accepted", "amendement #12 overgenomen"),
        ("amendment #3 adopted", "amendement #3 aangenomen bij stemming"),
        ("restored version 2", "versie 2 teruggezet"),
        ("vote: no_quorum", "stemming: quorum niet bereikt"),
        ("termijn verduidelijkt", "termijn verduidelijkt"),
        ("", ""),
    ],
)
def test_reasons_read_as_words_in_dutch(code, dutch):
    with translation.override("nl"):
        assert reason(code) == dutch


def test_reasons_read_as_words_in_english():
    with translation.override("en"):
        assert reason("amendment #12 accepted") == "amendment #12 accepted as friendly"
