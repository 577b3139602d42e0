"""The proposal and amendment pages over HTTP, and who may open which voting URL.

The permission matrix is generated from `voting.urls.urlpatterns`: a new voting
URL without a row in MATRIX fails here.
"""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from panels.access import Perm
from panels.models import AgendaItem
from tests.matrix import (
    ALLOWED,
    assert_every_url_in_matrix,
    expected,
    fail_if_not_in_matrix,
    log_in,
    matrix_cases,
    refused_before_lookup,
    url_patterns,
)
from tests.voting import test_consultations as consultation_matrix
from tests.voting.conftest import PROPOSAL_TEXT, fresh, voting_snapshot
from voting import amendments, proposals
from voting import text as texts
from voting import urls as voting_urls
from voting.models import Amendment, Proposal

pytestmark = pytest.mark.django_db

P0, P1, P2 = texts.paragraphs(PROPOSAL_TEXT)


def url(name: str, *args) -> str:
    return reverse(f"voting:{name}", args=args)


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


# --- the permission matrix ------------------------------------------------------------

ANYONE = "anyone with the permission"
SUBMITTER = "bob, the proposal's submitter"
NOT_SUBMITTER = "anyone with the permission but bob"
AUTHOR = "tina, the amendment's author"

# URL name → (permission, methods the view answers, who of those may use it, what it is about)
MATRIX = {
    "proposal_new": (Perm.TAKE_PART, {"GET", "POST"}, ANYONE, "item"),
    "item_window": (Perm.MODERATE, {"POST"}, ANYONE, "item"),
    "proposal": (Perm.VIEW_PANEL, {"GET"}, ANYONE, "proposal"),
    "proposal_history": (Perm.VIEW_PANEL, {"GET"}, ANYONE, "proposal"),
    "proposal_edit": (Perm.TAKE_PART, {"GET", "POST"}, SUBMITTER, "proposal"),
    "proposal_submit": (Perm.VIEW_PANEL, {"POST"}, SUBMITTER, "draft"),
    "proposal_withdraw": (Perm.VIEW_PANEL, {"POST"}, SUBMITTER, "proposal"),
    "proposal_support": (Perm.TAKE_PART, {"POST"}, NOT_SUBMITTER, "proposal"),
    "proposal_unsupport": (Perm.TAKE_PART, {"POST"}, NOT_SUBMITTER, "proposal"),
    "proposal_admit": (Perm.MODERATE, {"POST"}, ANYONE, "proposal"),
    "proposal_hide": (Perm.MODERATE, {"GET", "POST"}, ANYONE, "proposal"),
    "proposal_window": (Perm.MODERATE, {"POST"}, ANYONE, "proposal"),
    "amendment_new": (Perm.TAKE_PART, {"GET", "POST"}, ANYONE, "proposal"),
    "amendment_edit": (Perm.TAKE_PART, {"GET", "POST"}, AUTHOR, "amendment"),
    "amendment_accept": (Perm.VIEW_PANEL, {"POST"}, SUBMITTER, "amendment"),
    "amendment_withdraw": (Perm.VIEW_PANEL, {"POST"}, AUTHOR, "amendment"),
    "amendment_rebase": (Perm.VIEW_PANEL, {"POST"}, AUTHOR, "amendment"),
    "amendment_to_vote": (Perm.MODERATE, {"POST"}, ANYONE, "amendment"),
    "amendment_hide": (Perm.MODERATE, {"GET", "POST"}, ANYONE, "amendment"),
}

# persona → what they may do in `panel` (None: not logged in; empty: not a member of `panel`)
ROLES = {
    "anonymous": None,
    "mallory": set(),  # outsider
    "oscar": set(),  # moderator of another panel
    "olga": {Perm.VIEW_PANEL},  # observer
    "bob": {Perm.VIEW_PANEL, Perm.TAKE_PART},  # submitter of the proposal and the draft
    "nora": {Perm.VIEW_PANEL, Perm.TAKE_PART},  # member without voting rights
    "carl": {Perm.VIEW_PANEL, Perm.TAKE_PART},  # corporation representative
    "tina": {Perm.VIEW_PANEL, Perm.TAKE_PART},  # author of the amendment
    "alice": {Perm.VIEW_PANEL, Perm.TAKE_PART, Perm.MODERATE},  # moderator
}
OWNER = {SUBMITTER: "bob", AUTHOR: "tina"}

DONE = "302 with a success message; something changed"
REFUSED = "302 with an error message; nothing changed"


# Where the views answer differently from the matrix today (see the report of these tests).
# Vote, ballot and proxy URLs have their own matrix in test_votes_views.py.
VOTE_URLS = {
    "vote_new",
    "vote",
    "vote_open",
    "vote_close",
    "vote_cast",
    "vote_csv",
    "vote_receipt",
    "vote_schedule",
    "vote_answer_hide",
    "vote_answer_propose",
    "vote_desk",
    "vote_desk_ballot",
    "vote_room_count",
    "vote_room_confirm",
    "vote_sheets",
    "proxy",
}
# The participation dashboard's: tests/voting/test_participation.py.
PARTICIPATION_URLS = {"participation", "participation_csv"}
# Consultations': tests/voting/test_consultations.py.
CONSULTATION_URLS = set(consultation_matrix.MATRIX)


def voting_patterns() -> dict:
    """The proposal and amendment URLs (every voting URL but VOTE_URLS)."""
    return url_patterns(
        voting_urls.urlpatterns, leave_out=VOTE_URLS | PARTICIPATION_URLS | CONSULTATION_URLS
    )


def expected_outcome(name: str, method: str, role: str) -> int | str:
    _needs, _methods, who, target = MATRIX[name]
    outcome = expected(MATRIX[name], ROLES[role], method)
    if outcome in (403, ALLOWED) and target == "draft" and role != "bob":
        return 404  # a draft is its submitter's own
    if outcome != ALLOWED:
        return outcome
    if who == NOT_SUBMITTER and role == "bob":
        return REFUSED
    if who in OWNER and role != OWNER[who]:
        return 403 if name in ("amendment_edit", "proposal_edit") else REFUSED
    return 200 if method == "GET" else DONE


# In the matrix world alice already supports the proposal and tina, nora and carl do not:
# asking again is a double click, answered as success without a change.
ALREADY_SO = {
    ("proposal_support", "alice"),
    ("proposal_unsupport", "tina"),
    ("proposal_unsupport", "nora"),
    ("proposal_unsupport", "carl"),
}


@pytest.fixture
def world(alice, bob, tina, carl, olga, mallory, oscar, proposal, amend, item):
    """Bob's proposal at version 2 (he accepted carl's change to the first paragraph);
    tina's amendment to the last paragraph, made on version 1, so it can be carried over;
    bob's draft; alice supports the proposal, so that she can stop supporting it."""
    on_last = amend(tina, paragraph=2, new_text="Het budget is 750 euro.")
    amendments.accept_amendment(bob, amend(carl, paragraph=0, new_text="Snoeien: elk kwartaal."))
    draft = proposals.create_proposal(bob, item, title="Concept", text="Nog niet af.", submit=False)
    proposals.support_proposal(alice, proposal, True)
    return {"proposal": fresh(proposal), "amendment": fresh(on_last), "draft": draft}


def post_data(name: str, proposal: Proposal) -> dict:
    """Form data with which an allowed POST really changes something."""
    version = proposal.version
    return {
        "proposal_new": {"title": "Speeltuin", "text": "Speeltuin.", "base_version": 1},
        "item_window": {"open": ""},
        "proposal_window": {"open": ""},
        "proposal_edit": {"title": "Groen", "text": "Alles opnieuw.", "base_version": version},
        "proposal_hide": {"reason": "Beledigend"},
        "amendment_hide": {"reason": "Beledigend"},
        "amendment_new": {
            "kind": "replace",
            "paragraph": "1",
            "new_text": "Huurders kiezen de struiken.",
            "rationale": "Goedkoper.",
            "base_version": version,
        },
        "amendment_edit": {
            "kind": "replace",
            "paragraph": "2",
            "new_text": "Het budget is 900 euro.",
            "rationale": "Nog meer.",
            "base_version": version,
        },
    }.get(name, {})


def matrix_snapshot(panel) -> tuple:
    items = AgendaItem.objects.filter(meeting__panel=panel)
    return voting_snapshot(panel), sorted(items.values_list("pk", "submissions_open"))


def test_every_voting_url_is_in_the_matrix():
    assert_every_url_in_matrix(voting_patterns(), MATRIX, "voting")


@pytest.mark.parametrize(("name", "method", "role"), matrix_cases(voting_patterns(), MATRIX, ROLES))
def test_permission_matrix(request, client, name, method, role):
    fail_if_not_in_matrix(name, MATRIX, "voting")
    pattern = voting_patterns()[name]
    converters = pattern.pattern.converters
    outcome = expected_outcome(name, method, role)
    if refused_before_lookup(client, f"voting:{name}", pattern, method, outcome):
        return
    world = request.getfixturevalue("world")
    panel = request.getfixturevalue("panel")
    proposal = world["draft"] if MATRIX[name][3] == "draft" else world["proposal"]
    values = {
        "panel_id": panel.pk,
        "item_id": proposal.item_id,
        "proposal_id": proposal.pk,
        "amendment_id": world["amendment"].pk,
    }
    address = reverse(f"voting:{name}", kwargs={k: values[k] for k in converters})
    log_in(request, client, role, ROLES)
    before = matrix_snapshot(panel)

    if method == "GET":
        response = client.get(address)
    else:
        response = client.post(address, post_data(name, proposal))

    levels = {level for level, _ in messages_of(response)}
    if outcome == DONE and (name, role) in ALREADY_SO:
        assert (response.status_code, levels) == (302, {"success"})
        assert matrix_snapshot(panel) == before, "a repeated action changes nothing"
    elif outcome == DONE:
        assert (response.status_code, levels) == (302, {"success"})
        assert matrix_snapshot(panel) != before, "an allowed action should have done something"
    elif outcome == REFUSED:
        assert (response.status_code, levels) == (302, {"error"})
    else:
        assert response.status_code == outcome
    if outcome != DONE:
        assert matrix_snapshot(panel) == before, "a GET or a refused request must change nothing"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_moderator_of_another_panel_cannot_reach_objects_here_via_own_panel(
    client_for, oscar, other_panel, world, name
):
    """Oscar names his own panel in the URL, and our item, proposal or amendment."""
    values = {
        "panel_id": other_panel.pk,
        "item_id": world["proposal"].item_id,
        "proposal_id": world["proposal"].pk,
        "amendment_id": world["amendment"].pk,
    }
    converters = voting_patterns()[name].pattern.converters
    address = reverse(f"voting:{name}", kwargs={k: values[k] for k in converters})
    client = client_for(oscar)
    before = matrix_snapshot(world["proposal"].item.meeting.panel)

    for method in sorted(MATRIX[name][1]):
        if method == "GET":
            response = client.get(address)
        else:
            response = client.post(address, post_data(name, world["proposal"]))

        assert response.status_code == 404, (method, address)
    assert matrix_snapshot(world["proposal"].item.meeting.panel) == before


# --- drafts and hidden proposals ------------------------------------------------------


@pytest.fixture
def draft(bob, item) -> Proposal:
    return proposals.create_proposal(bob, item, title="Concept", text="Nog niet af.", submit=False)


ON_A_PROPOSAL = [
    (name, persona)
    for name in ("proposal", "proposal_history", "amendment_new")
    for persona in ("alice", "tina", "olga")
    if (name, persona) != ("amendment_new", "olga")  # 403 before any lookup: observers never amend
]


@pytest.mark.parametrize(("name", "persona"), ON_A_PROPOSAL)
def test_draft_is_not_found_by_anyone_but_its_submitter(request, client_for, draft, name, persona):
    member = request.getfixturevalue(persona)

    response = client_for(member).get(url(name, draft.item.meeting.panel_id, draft.pk))

    assert response.status_code == 404


def test_submitter_sees_and_submits_their_draft(client_for, bob, draft):
    client = client_for(bob)
    page = client.get(url("proposal", bob.panel_id, draft.pk))
    assertContains(page, url("proposal_submit", bob.panel_id, draft.pk))

    response = client.post(url("proposal_submit", bob.panel_id, draft.pk))

    assert response.status_code == 302
    assert messages_of(response) == [("success", "Your proposal has been submitted.")]
    assert fresh(draft).state == Proposal.State.SUBMITTED


@pytest.mark.parametrize(
    ("name", "persona"), [(n, "bob" if p == "alice" else p) for n, p in ON_A_PROPOSAL]
)
def test_hidden_proposal_is_not_found_by_members(
    request, client_for, alice, proposal, name, persona
):
    proposals.hide_proposal(alice, proposal, "Persoonlijke aanval")
    member = request.getfixturevalue(persona)

    response = client_for(member).get(url(name, member.panel_id, proposal.pk))

    assert response.status_code == 404


def test_moderator_sees_a_hidden_proposal_with_the_reason(client_for, alice, martin, proposal):
    proposals.hide_proposal(alice, proposal, "Persoonlijke aanval")

    response = client_for(martin).get(url("proposal", alice.panel_id, proposal.pk))

    assert response.status_code == 200
    assertContains(response, "This proposal was hidden by the moderator.")
    assertContains(response, "Persoonlijke aanval")


def test_hidden_amendment_is_not_found_by_members_but_moderators_see_it(
    client_for, alice, bob, tina, amend
):
    amendment = amend(tina)
    amendments.hide_amendment(alice, amendment, "Scheldwoorden")
    proposal_url = url("proposal", alice.panel_id, amendment.proposal_id)

    assert (
        client_for(bob).post(url("amendment_accept", bob.panel_id, amendment.pk)).status_code == 404
    )
    assert (
        client_for(tina).get(url("amendment_edit", tina.panel_id, amendment.pk)).status_code == 404
    )
    assertNotContains(client_for(bob).get(proposal_url), f'id="amendment-{amendment.pk}"')
    page = client_for(alice).get(proposal_url)
    assertContains(page, f'id="amendment-{amendment.pk}"')
    assertContains(page, "Scheldwoorden")


# --- bringing in a proposal --------------------------------------------------------------


def test_member_brings_in_a_proposal(client_for, bob, item):
    response = client_for(bob).post(
        url("proposal_new", bob.panel_id, item.pk),
        {
            "title": "Meer bankjes",
            "text": "Zet bankjes bij de ingang.\r\n\r\nEn bij de lift.",
            "base_version": "1",
        },
    )

    proposal = Proposal.objects.get(title="Meer bankjes")
    assert response.status_code == 302
    assert response.url == proposal.get_absolute_url()
    assert messages_of(response) == [("success", "Your proposal has been saved.")]
    assert (proposal.state, proposal.submitter, proposal.item) == ("submitted", bob, item)
    assert proposal.paragraphs == ["Zet bankjes bij de ingang.", "En bij de lift."]


def test_member_saves_a_draft(client_for, bob, item):
    response = client_for(bob).post(
        url("proposal_new", bob.panel_id, item.pk),
        {"title": "Concept", "text": "Nog niet af.", "base_version": "1", "draft": "1"},
    )

    assert response.status_code == 302
    assert Proposal.objects.get(title="Concept").state == Proposal.State.DRAFT


def test_proposal_form_shows_the_item(client_for, bob, item):
    response = client_for(bob).get(url("proposal_new", bob.panel_id, item.pk))

    assert response.status_code == 200
    assertContains(response, item.title)
    assertContains(response, 'name="draft" value="1"')


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "", "text": "Tekst.", "base_version": "1"}, "title"),
        ({"title": "T" * 201, "text": "Tekst.", "base_version": "1"}, "title"),
        ({"title": "Titel", "text": " \r\n ", "base_version": "1"}, "text"),
        ({"title": "Titel", "text": "w" * 20_001, "base_version": "1"}, "text"),
    ],
    ids=["no title", "long title", "blank text", "long text"],
)
def test_bad_proposal_is_answered_with_400_and_the_errors(client_for, bob, item, data, field):
    response = client_for(bob).post(url("proposal_new", bob.panel_id, item.pk), data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Proposal.objects.exists()


def test_proposal_to_a_closed_item_is_answered_with_400_and_why(client_for, alice, bob, item):
    proposals.set_submissions(alice, item, False)

    response = client_for(bob).post(
        url("proposal_new", bob.panel_id, item.pk),
        {"title": "Te laat", "text": "Tekst.", "base_version": "1"},
    )

    assert response.status_code == 400
    assertContains(response, "This agenda item does not accept new proposals.", status_code=400)
    assertContains(response, 'value="Te laat"', status_code=400)
    assert not Proposal.objects.exists()


def test_submitter_rewrites_the_proposal(client_for, bob, proposal):
    response = client_for(bob).post(
        url("proposal_edit", bob.panel_id, proposal.pk),
        {"title": "Groen", "text": "Nieuwe tekst.", "base_version": 1},
    )

    assert response.status_code == 302
    assert (fresh(proposal).text, fresh(proposal).version) == ("Nieuwe tekst.", 2)


def test_stale_rewrite_shows_what_changed_and_keeps_the_typed_text(client_for, bob, proposal):
    proposals.edit_proposal(bob, proposal, title="Groen", text="Versie twee.", base_version=1)
    client = client_for(bob)
    typed = {"title": "Mijn titel", "text": "Mijn eigen versie.", "base_version": 1}

    response = client.post(url("proposal_edit", bob.panel_id, proposal.pk), typed)

    assert response.status_code == 400
    assertContains(response, "What changed in the meantime", status_code=400)
    assertContains(response, "version 2", status_code=400)
    form = response.context["form"]
    assert (form["title"].value(), form["text"].value()) == ("Mijn titel", "Mijn eigen versie.")
    assert form["base_version"].value() == 2
    assert fresh(proposal).text == "Versie twee."

    again = client.post(
        url("proposal_edit", bob.panel_id, proposal.pk), typed | {"base_version": 2}
    )

    assert again.status_code == 302
    assert (fresh(proposal).text, fresh(proposal).version) == ("Mijn eigen versie.", 3)


# --- the amendment form ---------------------------------------------------------------------


def amendment_data(**changes) -> dict:
    return {
        "kind": "replace",
        "paragraph": "1",
        "new_text": "Huurders kiezen samen de bomen.",
        "rationale": "Bomen geven schaduw.",
        "base_version": "1",
    } | changes


def test_amendment_form_shows_the_numbered_paragraphs(client_for, tina, proposal):
    response = client_for(tina).get(url("amendment_new", tina.panel_id, proposal.pk))

    assert response.status_code == 200
    assert response.context["paragraphs"] == [P0, P1, P2]
    assertContains(response, '<ol class="paragraphs">')
    for number, paragraph in enumerate([P0, P1, P2], start=1):
        assertContains(response, f"{number}. {paragraph}")
    assertContains(response, "(at the end)")
    assert response.context["form"]["base_version"].value() == 1


def test_amendment_form_can_start_from_a_paragraph(client_for, tina, proposal):
    response = client_for(tina).get(
        url("amendment_new", tina.panel_id, proposal.pk) + "?paragraph=2"
    )

    form = response.context["form"]
    assert (form["paragraph"].value(), form["new_text"].value()) == ("2", P2)


@pytest.mark.parametrize("paragraph", ["3", "-1", "x", "99999999999999999999"])
def test_amendment_form_ignores_a_paragraph_that_is_not_there(
    client_for, tina, proposal, paragraph
):
    response = client_for(tina).get(
        url("amendment_new", tina.panel_id, proposal.pk) + f"?paragraph={paragraph}"
    )

    assert response.status_code == 200
    assert response.context["form"]["new_text"].value() is None


def test_member_proposes_an_amendment(client_for, tina, proposal):
    response = client_for(tina).post(
        url("amendment_new", tina.panel_id, proposal.pk), amendment_data()
    )

    assert response.status_code == 302
    assert response.url == proposal.get_absolute_url()
    assert messages_of(response) == [("success", "Your amendment has been saved.")]
    amendment = Amendment.objects.get()
    assert (amendment.author, amendment.paragraph, amendment.base_version) == (tina, 1, 1)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"rationale": ""}, "This field is required."),
        ({"kind": "rewrite"}, "Select a valid choice."),
        ({"paragraph": "7"}, "Select a valid choice."),
        ({"new_text": P1}, "This amendment would not change the text."),
        ({"new_text": ""}, "Write the new wording, or choose to delete the paragraph."),
    ],
)
def test_bad_amendment_is_answered_with_400_and_the_errors(
    client_for, tina, proposal, changes, error
):
    response = client_for(tina).post(
        url("amendment_new", tina.panel_id, proposal.pk), amendment_data(**changes)
    )

    assert response.status_code == 400
    assertContains(response, error, status_code=400)
    assert not Amendment.objects.exists()


def test_stale_amendment_answers_409_shows_what_changed_and_keeps_everything(
    client_for, bob, tina, proposal
):
    proposals.edit_proposal(
        bob, proposal, title="Groen", text=PROPOSAL_TEXT.replace("500", "600"), base_version=1
    )
    client = client_for(tina)
    typed = amendment_data(
        kind="insert", paragraph="2", new_text="Er komt een moestuin.", rationale="Samen tuinieren."
    )

    response = client.post(url("amendment_new", tina.panel_id, proposal.pk), typed)

    assert response.status_code == 409
    assert not Amendment.objects.exists()
    assertContains(response, "What changed in the proposal", status_code=409)
    assertContains(response, "The proposal changed while you were writing", status_code=409)
    changed = str(response.context["changed"])
    assert "[deleted: </span>500" in changed
    assert "[inserted: </span>600" in changed
    form = response.context["form"]
    assert {name: form[name].value() for name in typed} == typed | {"base_version": 2}
    assertContains(response, "Er komt een moestuin.", status_code=409)
    assertContains(response, "Samen tuinieren.", status_code=409)

    again = client.post(
        url("amendment_new", tina.panel_id, proposal.pk), typed | {"base_version": 2}
    )

    assert again.status_code == 302
    amendment = Amendment.objects.get()
    assert (amendment.base_version, amendment.new_text) == (2, "Er komt een moestuin.")


def test_author_reworks_an_outdated_amendment(client_for, bob, tina, carl, proposal, amend):
    on_first = amend(tina, paragraph=0, new_text="Snoeien: nooit.")
    amendments.accept_amendment(bob, amend(carl, paragraph=0, new_text="Snoeien: vaak."))
    client = client_for(tina)

    page = client.get(url("amendment_edit", tina.panel_id, on_first.pk))

    assert page.status_code == 200
    assertContains(page, "What changed in the proposal")
    assert page.context["form"]["base_version"].value() == 2

    response = client.post(
        url("amendment_edit", tina.panel_id, on_first.pk),
        amendment_data(paragraph="0", new_text="Snoeien: soms.", base_version="2"),
    )

    assert response.status_code == 302
    assert (fresh(on_first).base_version, fresh(on_first).new_text) == (2, "Snoeien: soms.")


# --- one-button actions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "action", "message", "state"),
    [
        ("bob", "accept", "The amendment is accepted: a new version.", "accepted"),
        ("tina", "withdraw", "The amendment has been withdrawn.", "withdrawn"),
        ("alice", "to_vote", "The amendment will be put to the vote.", "to_vote"),
    ],
)
def test_amendment_actions_redirect_with_a_message(
    request, client_for, tina, amend, persona, action, message, state
):
    amendment = amend(tina)
    member = request.getfixturevalue(persona)

    response = client_for(member).post(url(f"amendment_{action}", member.panel_id, amendment.pk))

    assert response.status_code == 302
    assert response.url == amendment.proposal.get_absolute_url()
    assert messages_of(response) == [("success", message)]
    assert fresh(amendment).state == state


def test_author_carries_an_amendment_over(client_for, bob, tina, carl, amend):
    on_last = amend(tina, paragraph=2, new_text="Het budget is 750 euro.")
    amendments.accept_amendment(bob, amend(carl, paragraph=0, new_text="Snoeien: vaak."))

    response = client_for(tina).post(url("amendment_rebase", tina.panel_id, on_last.pk))

    assert messages_of(response) == [
        ("success", "The amendment now applies to the current version.")
    ]
    assert fresh(on_last).base_version == 2


def test_refused_action_redirects_with_the_reason(client_for, alice, bob, tina, amend):
    amendment = amendments.put_amendment_to_vote(alice, amend(tina))

    response = client_for(bob).post(url("amendment_accept", bob.panel_id, amendment.pk))

    assert response.status_code == 302
    assert messages_of(response) == [
        ("error", "The moderator has put this amendment to the vote; it cannot be accepted.")
    ]
    assert fresh(amendment).state == Amendment.State.TO_VOTE


@pytest.mark.parametrize(
    ("persona", "action", "message"),
    [
        ("tina", "support", "You support this proposal."),
        ("bob", "withdraw", "The proposal has been withdrawn."),
        ("alice", "admit", "The proposal is on the floor."),
    ],
)
def test_proposal_actions_redirect_with_a_message(
    request, client_for, proposal, persona, action, message
):
    member = request.getfixturevalue(persona)

    response = client_for(member).post(url(f"proposal_{action}", member.panel_id, proposal.pk))

    assert response.status_code == 302
    assert response.url == proposal.get_absolute_url()
    assert messages_of(response) == [("success", message)]


def test_member_stops_supporting(client_for, tina, proposal):
    client = client_for(tina)
    client.post(url("proposal_support", tina.panel_id, proposal.pk))
    assertContains(client.get(proposal.get_absolute_url()), "Tina Tenantorg")

    response = client.post(url("proposal_unsupport", tina.panel_id, proposal.pk))

    assert messages_of(response) == [("success", "You no longer support this proposal.")]
    assert list(fresh(proposal).supporters.all()) == []


def test_action_from_the_live_page_returns_there(client_for, tina, proposal, live_meeting):
    live = live_meeting.get_absolute_url()

    response = client_for(tina).post(
        url("proposal_support", tina.panel_id, proposal.pk), {"next": live}
    )

    assert response.url == live


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "javascript:x"])
def test_action_never_returns_to_another_site(client_for, tina, proposal, target):
    response = client_for(tina).post(
        url("proposal_support", tina.panel_id, proposal.pk), {"next": target}
    )

    assert response.url == proposal.get_absolute_url()


def test_moderator_hides_a_proposal_with_a_reason(client_for, alice, proposal, live_meeting):
    client = client_for(alice)
    page = client.get(url("proposal_hide", alice.panel_id, proposal.pk))
    assertContains(page, proposal.title)

    empty = client.post(url("proposal_hide", alice.panel_id, proposal.pk), {"reason": "  "})
    assert empty.status_code == 400
    assert not fresh(proposal).is_hidden

    response = client.post(url("proposal_hide", alice.panel_id, proposal.pk), {"reason": "Spam"})

    assert response.url == live_meeting.get_absolute_url()
    assert fresh(proposal).hidden_reason == "Spam"


def test_moderator_closes_amendments_until_a_moment(client_for, alice, proposal):
    response = client_for(alice).post(
        url("proposal_window", alice.panel_id, proposal.pk),
        {"open": "on", "until": "2030-05-01T21:00"},
    )

    assert messages_of(response) == [("success", "Amendments are open.")]
    assert fresh(proposal).amendments_close_at.isoformat() == "2030-05-01T19:00:00+00:00"


def test_bad_moment_is_refused_with_a_message(client_for, alice, proposal):
    response = client_for(alice).post(
        url("proposal_window", alice.panel_id, proposal.pk), {"open": "on", "until": "morgen"}
    )

    assert messages_of(response) == [("error", "Give a valid date and time.")]
    assert fresh(proposal).amendments_close_at is None


def test_accepting_an_amendment_that_would_empty_the_proposal_is_refused_politely(
    client_for, bob, tina, item
):
    proposal = proposals.create_proposal(bob, item, title="Twee", text="Eén.\n\nTwee.")
    first, second = (
        amendments.propose_amendment(
            tina,
            proposal,
            kind="delete",
            paragraph=index,
            new_text="",
            rationale="Weg.",
            base_version=1,
        )
        for index in (0, 1)
    )
    amendments.accept_amendment(bob, first)

    response = client_for(bob).post(url("amendment_accept", bob.panel_id, second.pk))

    assert response.status_code == 302
    assert [level for level, _ in messages_of(response)] == ["error"]
