"""Proposal text: paragraphs, word-level diffs, and applying and rebasing amendments."""

import re

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from voting import text as texts
from voting.text import DELETE, INSERT, REPLACE, REPLACE_ALL, ChangeError, Piece

# --- word_diff ------------------------------------------------------------------------


def old_side(pieces: list[Piece]) -> str:
    return "".join(p.text for p in pieces if p.op in ("equal", "delete"))


def new_side(pieces: list[Piece]) -> str:
    return "".join(p.text for p in pieces if p.op in ("equal", "insert"))


def test_inserted_word_is_one_insert():
    pieces = texts.word_diff("De tuin wordt gesnoeid.", "De tuin wordt vaker gesnoeid.")

    assert pieces == [
        Piece("equal", "De tuin wordt "),
        Piece("insert", "vaker "),
        Piece("equal", "gesnoeid."),
    ]


def test_deleted_word_is_one_delete():
    pieces = texts.word_diff("De grote tuin.", "De tuin.")

    assert pieces == [Piece("equal", "De"), Piece("delete", " grote"), Piece("equal", " tuin.")]


def test_replaced_word_is_a_delete_then_an_insert():
    pieces = texts.word_diff("Twee keer per jaar.", "Drie keer per jaar.")

    assert pieces == [
        Piece("delete", "Twee"),
        Piece("insert", "Drie"),
        Piece("equal", " keer per jaar."),
    ]


def test_whole_words_change_not_letters():
    pieces = texts.word_diff("huurverhoging", "huurverlaging")

    assert pieces == [Piece("delete", "huurverhoging"), Piece("insert", "huurverlaging")]


def test_no_change_is_one_equal_piece():
    assert texts.word_diff("Niets verandert.", "Niets verandert.") == [
        Piece("equal", "Niets verandert.")
    ]


def test_empty_texts_have_no_pieces():
    assert texts.word_diff("", "") == []
    assert texts.word_diff("", "Nieuw") == [Piece("insert", "Nieuw")]
    assert texts.word_diff("Oud", "") == [Piece("delete", "Oud")]


def test_punctuation_is_its_own_token():
    pieces = texts.word_diff("Ja, graag.", "Ja, graag!")

    assert pieces == [Piece("equal", "Ja, graag"), Piece("delete", "."), Piece("insert", "!")]


def test_words_with_inner_apostrophe_or_hyphen_stay_whole():
    assert texts.tokens("’s-Hertogenbosch") == ["’", "s-Hertogenbosch"]
    assert texts.tokens("zo'n co-op") == ["zo'n", " ", "co-op"]


@pytest.mark.parametrize(
    ("old", "new", "deleted", "inserted"),
    [
        ("Wij wonen in ’s-Hertogenbosch.", "Wij wonen in Tilburg.", "’s-Hertogenbosch", "Tilburg"),
        ("Eén keer per jaar.", "één keer per jaar.", "Eén", "één"),
        ("De ruïne.", "De ruïnes.", "ruïne", "ruïnes"),
        ("De huurders\xadvereniging", "De huurders\xadraad", "vereniging", "raad"),
        ("Feest 🎉 in de tuin", "Feest 🌳 in de tuin", "🎉", "🌳"),
    ],
)
def test_unicode_and_dutch_words_diff_as_words(old, new, deleted, inserted):
    pieces = texts.word_diff(old, new)

    assert [p.text for p in pieces if p.op == "delete"] == [deleted]
    assert [p.text for p in pieces if p.op == "insert"] == [inserted]
    assert (old_side(pieces), new_side(pieces)) == (old, new)


def test_only_whitespace_changes_are_seen():
    pieces = texts.word_diff("een twee", "een  twee")

    assert (old_side(pieces), new_side(pieces)) == ("een twee", "een  twee")
    assert {p.op for p in pieces} >= {"delete", "insert"}


@given(st.text(), st.text())
def test_the_pieces_give_back_both_texts(old, new):
    pieces = texts.word_diff(old, new)

    assert old_side(pieces) == old
    assert new_side(pieces) == new
    assert all(p.text for p in pieces), "no empty pieces"


words = st.lists(
    st.sampled_from(["huur", "één", "’s-Hertogenbosch", "tuin", "🌳", ",", ".", " ", "\n", "\n\n"]),
    max_size=30,
).map("".join)


@given(words, words)
def test_the_pieces_give_back_both_texts_for_wordy_text(old, new):
    pieces = texts.word_diff(old, new)

    assert (old_side(pieces), new_side(pieces)) == (old, new)
    assert all(a.op != b.op for a, b in zip(pieces, pieces[1:], strict=False) if a.op == "equal")


@given(st.text())
def test_a_text_compared_with_itself_is_all_equal(text):
    assert all(p.op == "equal" for p in texts.word_diff(text, text))


# --- diff_html and text_html ------------------------------------------------------------


def test_diff_html_marks_deletions_and_insertions_for_eyes_and_ears():
    html = texts.diff_html("twee keer", "drie keer")

    assert html == (
        '<del class="diff-del"><span class="visually-hidden">[deleted: </span>twee'
        '<span class="visually-hidden">]</span></del>'
        '<ins class="diff-ins"><span class="visually-hidden">[inserted: </span>drie'
        '<span class="visually-hidden">]</span></ins> keer'
    )


def test_diff_html_labels_are_dutch_in_dutch():
    with translation.override("nl"):
        html = texts.diff_html("twee", "drie")

    assert "[geschrapt: " in html
    assert "[toegevoegd: " in html


def test_diff_html_escapes_everything_a_person_wrote():
    html = texts.diff_html("Tom & Jerry <b>", "Tom & Jerry <script>alert(1)</script>")

    assert "<script" not in html
    assert "<b>" not in html
    assert html.startswith("Tom &amp; Jerry &lt;")
    assert "alert(1)&lt;/" in html
    assert "&amp;amp;" not in html, "escaped exactly once"


OUR_MARKUP = re.compile(
    r'<(?:del|ins) class="diff-(?:del|ins)">|</(?:del|ins)>'
    r'|<span class="visually-hidden">|</span>|<br>'
)


@given(st.text(), st.text())
def test_diff_html_has_no_markup_but_its_own(old, new):
    html = OUR_MARKUP.sub("", texts.diff_html(old, new))

    assert not set("<>\"'") & set(html)


def test_diff_html_escapes_a_whole_inserted_tag():
    html = texts.diff_html("", '"><img src=x onerror=alert(1)>')

    assert "<img" not in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


def test_diff_html_keeps_line_breaks_visible():
    html = texts.diff_html("regel een\nregel twee", "regel een\nregel drie")

    assert html.startswith("regel een<br>regel ")


def test_text_html_makes_escaped_paragraphs():
    html = texts.text_html("Eerste <b>alinea</b>\nmet een regel.\n\nTweede & laatste.")

    assert html == (
        "<p>Eerste &lt;b&gt;alinea&lt;/b&gt;<br>met een regel.</p><p>Tweede &amp; laatste.</p>"
    )


def test_text_html_of_only_whitespace_is_empty():
    assert texts.text_html("  \n\n \t\n") == ""


# --- paragraphs and normalise ---------------------------------------------------------


def test_windows_line_ends_become_unix_ones():
    assert texts.normalise("Een\r\nregel\r\n\r\nTwee") == "Een\nregel\n\nTwee"
    assert texts.paragraphs("Een\r\n\r\nTwee\r\rDrie") == ["Een", "Twee", "Drie"]


def test_trailing_spaces_go_but_line_breaks_inside_a_paragraph_stay():
    assert texts.normalise("Een  \nregel\t\n\nTwee ") == "Een\nregel\n\nTwee"


def test_many_blank_lines_are_one_paragraph_break():
    assert texts.normalise("\n\n\nEen\n\n\n\n  \n\t\nTwee\n\n\n") == "Een\n\nTwee"
    assert texts.paragraphs("Een\n\n\n\nTwee") == ["Een", "Twee"]


@pytest.mark.parametrize("blank", ["", " ", "\n", "\r\n\r\n", " \t \n \n"])
def test_only_whitespace_has_no_paragraphs(blank):
    assert texts.paragraphs(blank) == []
    assert texts.normalise(blank) == ""


@given(st.text())
def test_normalise_is_stable(text):
    once = texts.normalise(text)

    assert texts.normalise(once) == once
    assert texts.join(texts.paragraphs(once)) == once


# --- apply_change -------------------------------------------------------------------

BASE = ["Eén.", "Twee.", "Drie."]


@pytest.mark.parametrize(
    ("kind", "index", "new_text", "expected"),
    [
        (REPLACE, 1, "Twee, beter.", ["Eén.", "Twee, beter.", "Drie."]),
        (REPLACE, 0, "Nul.\n\nEén.", ["Nul.", "Eén.", "Twee.", "Drie."]),
        (INSERT, 0, "Vooraf.", ["Vooraf.", "Eén.", "Twee.", "Drie."]),
        (INSERT, 2, "Tussen.", ["Eén.", "Twee.", "Tussen.", "Drie."]),
        (INSERT, 3, "Aan het eind.", ["Eén.", "Twee.", "Drie.", "Aan het eind."]),
        (DELETE, 2, "", ["Eén.", "Twee."]),
        (DELETE, 0, "genegeerd", ["Twee.", "Drie."]),
        (REPLACE_ALL, None, "Alles\r\n\r\nnieuw.", ["Alles", "nieuw."]),
        (REPLACE_ALL, 7, "Index telt niet.", ["Index telt niet."]),
    ],
)
def test_apply_change(kind, index, new_text, expected):
    assert texts.apply_change(BASE, kind, index, new_text) == expected


def test_apply_change_leaves_the_base_alone():
    base = list(BASE)

    texts.apply_change(base, DELETE, 0, "")

    assert base == BASE


@pytest.mark.parametrize(
    ("kind", "index", "new_text", "message"),
    [
        (REPLACE, 3, "Vier.", "Choose a paragraph"),  # there is no fourth paragraph to replace
        (REPLACE, 4, "Vijf.", "Choose a paragraph"),
        (REPLACE, -1, "Min een.", "Choose a paragraph"),
        (REPLACE, None, "Geen.", "Choose a paragraph"),
        (DELETE, 3, "", "Choose a paragraph"),
        (INSERT, 4, "Voorbij het eind.", "Choose a paragraph"),
        (REPLACE, 1, "  \n\n ", "Write the new wording"),
        (INSERT, 1, "", "Write the paragraph to insert"),
        (REPLACE_ALL, None, "\n", "Write the new text"),
        ("rewrite", 1, "Iets.", "Choose what the amendment changes"),
    ],
)
def test_apply_change_refuses_what_cannot_be_applied(kind, index, new_text, message):
    with pytest.raises(ChangeError, match=message):
        texts.apply_change(BASE, kind, index, new_text)


def test_the_only_paragraph_cannot_be_deleted():
    with pytest.raises(ChangeError, match="at least one paragraph"):
        texts.apply_change(["Alleen ik."], DELETE, 0, "")


def test_an_empty_text_can_receive_an_insert():
    assert texts.apply_change([], INSERT, 0, "Eerste.") == ["Eerste."]


# --- rebase_index -----------------------------------------------------------------------

V1 = ["Eén.", "Twee.", "Drie."]


def test_unchanged_text_rebases_to_the_same_place():
    for kind in (REPLACE, DELETE, INSERT):
        assert texts.rebase_index(V1, V1, kind, 2) == 2


def test_a_moved_but_unchanged_paragraph_is_found():
    current = ["Nul.", "Eén, anders.", "Twee.", "Drie."]

    assert texts.rebase_index(V1, current, REPLACE, 2) == 3
    assert texts.rebase_index(V1, current, DELETE, 1) == 2
    assert texts.rebase_index(V1, ["Drie.", "Eén.", "Twee."], REPLACE, 2) == 0


def test_a_changed_paragraph_is_not_found():
    current = ["Eén.", "Twee, anders.", "Drie."]

    assert texts.rebase_index(V1, current, REPLACE, 1) is None
    assert texts.rebase_index(V1, current, DELETE, 1) is None


def test_a_deleted_paragraph_is_not_found():
    assert texts.rebase_index(V1, ["Eén.", "Drie."], REPLACE, 1) is None


def test_of_two_equal_paragraphs_the_one_in_the_same_place_is_chosen():
    base = ["Ja.", "Nee.", "Ja."]

    assert texts.rebase_index(base, ["Ja.", "Nee.", "Ja."], REPLACE, 2) == 2
    assert texts.rebase_index(base, ["Ja.", "Nee.", "Ja."], REPLACE, 0) == 0


def test_of_two_equal_paragraphs_the_one_that_moved_is_chosen():
    base = ["Ja.", "Nee.", "Ja."]
    current = ["Nieuw.", "Ook nieuw.", "Ja.", "Nee.", "Ja."]

    assert texts.rebase_index(base, current, REPLACE, 2) == 4


def test_an_insert_follows_the_paragraph_before_it():
    current = ["Nul.", "Eén.", "Twee.", "Drie."]

    assert texts.rebase_index(V1, current, INSERT, 2) == 3  # after "Twee."
    assert texts.rebase_index(V1, current, INSERT, 3) == 4  # at the end, after "Drie."


def test_an_insert_at_the_start_stays_at_the_start():
    assert texts.rebase_index(V1, ["Nieuw begin.", "Twee."], INSERT, 0) == 0


def test_an_insert_whose_anchor_changed_is_not_found():
    assert texts.rebase_index(V1, ["Eén.", "Twee, anders.", "Drie."], INSERT, 2) is None


def test_replace_all_applies_only_to_the_identical_text():
    assert texts.rebase_index(V1, list(V1), REPLACE_ALL, None) == 0
    assert texts.rebase_index(V1, V1 + ["Vier."], REPLACE_ALL, None) is None


@pytest.mark.parametrize("kind", [REPLACE, DELETE, INSERT])
def test_without_a_paragraph_nothing_is_found(kind):
    assert texts.rebase_index(V1, V1, kind, None) is None


@pytest.mark.parametrize("kind", [REPLACE, DELETE])
def test_an_index_outside_the_base_is_not_found(kind):
    assert texts.rebase_index(V1, V1, kind, 3) is None
    assert texts.rebase_index(V1, V1, kind, -1) is None


def test_an_insert_outside_the_base_is_not_found():
    assert texts.rebase_index(V1, V1, INSERT, 5) is None


def test_an_unknown_kind_is_not_found():
    assert texts.rebase_index(V1, V1, "rewrite", 1) is None
