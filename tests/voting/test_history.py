"""Every version of a proposal is kept, with who made it and why, and any two can be compared."""

import pytest
from django.urls import reverse

from tests.voting.conftest import PROPOSAL_TEXT, fresh
from voting import proposals
from voting import text as texts
from voting.views import versions_of

pytestmark = pytest.mark.django_db

V2 = PROPOSAL_TEXT.replace("twee keer", "drie keer")


@pytest.fixture
def three_versions(alice, bob, tina, carl, proposal, amend):
    """Version 1 as submitted, 2 rewritten by bob, 3 from tina's amendment that bob accepted;
    between them changes that are no new version (support, the floor)."""
    proposals.edit_proposal(bob, proposal, title="Groen in de wijk", text=V2, base_version=1)
    proposals.support_proposal(carl, proposal, True)
    amendment = amend(tina, paragraph=2, new_text="De huurdersvereniging krijgt 750 euro.")
    proposals.accept_amendment(bob, amendment)
    proposals.admit_proposal(alice, proposal)
    return fresh(proposal), amendment


def history_url(proposal, **query) -> str:
    url = reverse("voting:proposal_history", args=[proposal.item.meeting.panel_id, proposal.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_every_change_is_a_history_record_with_author_and_cause(three_versions, alice, bob, carl):
    proposal, amendment = three_versions

    records = proposal.history.order_by("history_date", "history_id")

    assert [(r.version, r.history_user, r.history_change_reason) for r in records] == [
        (1, bob.user, "submitted"),
        (2, bob.user, "edited by the submitter"),
        (2, carl.user, "supported"),
        (3, bob.user, f"amendment #{amendment.pk} accepted"),
        (3, alice.user, "admitted to the floor"),
    ]
    assert records.last().produced_by_id == amendment.pk


def test_versions_lists_each_text_version_once_in_order(three_versions, bob):
    proposal, amendment = three_versions

    versions = versions_of(proposal)

    assert [v["version"] for v in versions] == [1, 2, 3]
    assert [v["text"] for v in versions] == [PROPOSAL_TEXT, V2, proposal.text]
    assert [v["author"] for v in versions] == [bob.user] * 3
    assert [v["reason"] for v in versions] == [
        "submitted",
        "edited by the submitter",
        f"amendment #{amendment.pk} accepted",
    ]
    assert [v["amendment_id"] for v in versions] == [None, None, amendment.pk]


def test_a_new_proposal_has_one_version(proposal, bob):
    [version] = versions_of(proposal)

    assert (version["version"], version["text"], version["author"]) == (1, PROPOSAL_TEXT, bob.user)


def test_history_page_lists_the_versions_and_compares_the_last_two(
    client_for, tina, three_versions
):
    proposal, amendment = three_versions

    response = client_for(tina).get(history_url(proposal))

    assert response.status_code == 200
    assert (response.context["a"], response.context["b"]) == (2, 3)
    assert [v["version"] for v in response.context["versions"]] == [1, 2, 3]
    page = response.content.decode()
    assert f"amendment #{amendment.pk}" in page
    assert "edited by the submitter" in page
    assert "Bob Member" in page
    assert str(response.context["diff"]) == str(texts.diff_html(V2, proposal.text))
    assert "750" in str(response.context["diff"])


def test_history_page_compares_any_two_versions(client_for, tina, three_versions):
    proposal, _ = three_versions

    response = client_for(tina).get(history_url(proposal, a=1, b=3))

    assert (response.context["a"], response.context["b"]) == (1, 3)
    diff = str(response.context["diff"])
    assert diff == str(texts.diff_html(PROPOSAL_TEXT, proposal.text))
    assert "[deleted: </span>twee" in diff
    assert "[inserted: </span>drie" in diff
    assert diff in response.content.decode()


def test_history_page_compares_backwards_too(client_for, tina, three_versions):
    proposal, _ = three_versions

    response = client_for(tina).get(history_url(proposal, a=3, b=1))

    assert str(response.context["diff"]) == str(texts.diff_html(proposal.text, PROPOSAL_TEXT))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"a": "abc", "b": "1"}, (2, 1)),
        ({"a": "1", "b": "xyz"}, (1, 3)),
        ({"a": "0", "b": "4"}, (2, 3)),
        ({"a": "-1", "b": "99"}, (2, 3)),
        ({"a": "", "b": ""}, (2, 3)),
        ({"a": "1.5", "b": "2"}, (2, 2)),
        ({"a": "9" * 5000, "b": "1"}, (2, 1)),
        ({"a": "%00", "b": "%E2%80%8B"}, (2, 3)),
    ],
    ids=["word", "word b", "zero and past the end", "negative", "empty", "decimal", "huge", "odd"],
)
def test_bad_version_numbers_fall_back_to_the_default(
    client_for, tina, three_versions, query, expected
):
    proposal, _ = three_versions

    response = client_for(tina).get(history_url(proposal, **query))

    assert response.status_code == 200
    assert (response.context["a"], response.context["b"]) == expected


def test_history_of_a_single_version_compares_it_with_itself(client_for, tina, proposal):
    response = client_for(tina).get(history_url(proposal, a=1, b=2))

    assert response.status_code == 200
    assert (response.context["a"], response.context["b"]) == (1, 1)
    assert "<del" not in str(response.context["diff"])
