"""Proposals on the live meeting page: what is pushed after each change, what each audience
sees, and that nothing a person wrote is ever rendered as HTML or as a template."""

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils.html import escape

from panels import meetings
from panels.live import changes, fragments
from panels.live.fragments import Audience
from panels.models import AgendaItem
from tests.live_helpers import record_notices
from tests.voting.conftest import fresh
from voting import amendments, proposals
from voting.models import Proposal

pytestmark = pytest.mark.django_db

PAGE_AUDIENCES = [Audience.MODERATOR, Audience.PARTICIPANT, Audience.OBSERVER]


@pytest.fixture
def pushes(monkeypatch) -> list[tuple[int, tuple, tuple]]:
    """Every push the services schedule, as (meeting id, fragment names, personal user ids)."""
    return record_notices(
        monkeypatch, lambda n: (n["meeting"], tuple(n["names"]), tuple(n["personal"]))
    )


def frames(meeting, language: str = "en") -> dict[Audience, str]:
    """The proposals fragment as each audience of the live page receives it."""
    _, rendered = fragments.render_frames(meeting.pk, ["proposals"], languages=[language])
    return {
        audience: rendered[fragments.frame_key(audience, language)]["proposals"]
        for audience in PAGE_AUDIENCES
    }


# --- what is pushed, when, to whom --------------------------------------------------------


def pending_amendment(tina, proposal):
    return amendments.propose_amendment(
        tina,
        proposal,
        kind="replace",
        paragraph=1,
        new_text="Huurders kiezen samen de bomen.",
        rationale="Schaduw.",
        base_version=fresh(proposal).version,
    )


# name → (what the service call does, whether the submitter gets a personal push)
SERVICES = {
    "create": (lambda p, m: proposals.create_proposal(m["bob"], p.item, title="T", text="X"), True),
    "draft+submit": (
        lambda p, m: proposals.submit_proposal(
            m["bob"],
            proposals.create_proposal(m["bob"], p.item, title="T", text="X", submit=False),
        ),
        True,
    ),
    "edit": (
        lambda p, m: proposals.edit_proposal(m["bob"], p, title="T", text="Y", base_version=1),
        True,
    ),
    "withdraw": (lambda p, m: proposals.withdraw_proposal(m["bob"], p), True),
    "admit": (lambda p, m: proposals.admit_proposal(m["alice"], p), True),
    "hide": (lambda p, m: proposals.hide_proposal(m["alice"], p, "Spam"), True),
    "amendment window": (lambda p, m: proposals.set_amendment_window(m["alice"], p, False), True),
    "support": (lambda p, m: proposals.support_proposal(m["tina"], p, True), False),
    "unsupport": (
        lambda p, m: (p.supporters.add(m["tina"]), proposals.support_proposal(m["tina"], p, False)),
        False,
    ),
    "propose amendment": (lambda p, m: pending_amendment(m["tina"], p), True),
    "accept amendment": (
        lambda p, m: amendments.accept_amendment(m["bob"], pending_amendment(m["tina"], p)),
        True,
    ),
    "withdraw amendment": (
        lambda p, m: amendments.withdraw_amendment(m["tina"], pending_amendment(m["tina"], p)),
        True,
    ),
    "amendment to vote": (
        lambda p, m: amendments.put_amendment_to_vote(m["alice"], pending_amendment(m["tina"], p)),
        True,
    ),
    "hide amendment": (
        lambda p, m: amendments.hide_amendment(m["alice"], pending_amendment(m["tina"], p), "Spam"),
        True,
    ),
    "rework amendment": (
        lambda p, m: amendments.rework_amendment(
            m["tina"],
            pending_amendment(m["tina"], p),
            kind="delete",
            paragraph=0,
            new_text="",
            rationale="Overbodig.",
            base_version=1,
        ),
        True,
    ),
}


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_pushes_the_proposals_after_commit(
    django_capture_on_commit_callbacks, pushes, live_meeting, alice, bob, tina, proposal, name
):
    call, personal = SERVICES[name]
    people = {"alice": alice, "bob": bob, "tina": tina}

    with django_capture_on_commit_callbacks() as callbacks:
        call(proposal, people)
        assert pushes == [], "nothing is pushed before the commit"

    assert callbacks, "the push is scheduled on commit"
    for callback in callbacks:
        callback()
    assert pushes
    for meeting_id, names, personal_for in pushes:
        assert (meeting_id, names) == (live_meeting.pk, ("proposals",))
        assert personal_for == ((bob.user_id,) if personal else ())


def test_opening_proposals_on_an_item_pushes_them_to_nobody_in_particular(
    django_capture_on_commit_callbacks, pushes, live_meeting, alice, item
):
    with django_capture_on_commit_callbacks(execute=True):
        proposals.set_submissions(alice, item, False)

    assert pushes == [(live_meeting.pk, ("proposals",), ())]


def test_carrying_an_amendment_over_pushes_to_the_submitter(
    django_capture_on_commit_callbacks, pushes, live_meeting, bob, tina, carl, proposal, amend
):
    on_last = amend(tina, paragraph=2, new_text="Budget: 750 euro.")
    amendments.accept_amendment(bob, amend(carl, paragraph=0, new_text="Snoeien: vaak."))

    with django_capture_on_commit_callbacks(execute=True):
        amendments.rebase_amendment(tina, on_last)

    assert pushes == [(live_meeting.pk, ("proposals",), (bob.user_id,))]


def test_nothing_is_pushed_when_the_change_rolls_back(
    django_capture_on_commit_callbacks, pushes, panel, bob, item
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        proposals.create_proposal(bob, item, title="Teruggedraaid", text="Tekst.")
        raise RuntimeError("rolled back")

    assert (callbacks, pushes) == ([], [])
    assert not Proposal.objects.filter(title="Teruggedraaid").exists()


def test_a_new_proposal_is_a_notice_to_the_meeting_that_renders_it_for_every_audience(
    django_capture_on_commit_callbacks, monkeypatch, live_meeting, bob, item
):
    sent = []

    async def group_send(group, message):
        sent.append((group, message))

    layer = changes.get_channel_layer()
    monkeypatch.setattr(layer, "group_send", group_send)

    with django_capture_on_commit_callbacks(execute=True):
        proposals.create_proposal(bob, item, title="Meer bankjes", text="Bij de ingang.")

    [(group, notice)] = sent
    assert group == changes.meeting_group(live_meeting.pk)
    assert (notice["names"], notice["personal"]) == (["proposals"], [bob.user_id])
    seq, rendered = fragments.render_frames(live_meeting.pk, notice["names"], languages=["nl"])
    assert seq == fresh(live_meeting).seq
    for audience in PAGE_AUDIENCES:
        assert "Meer bankjes" in rendered[f"{audience}/nl"]["proposals"]


def test_moving_to_the_next_item_pushes_its_proposals(
    django_capture_on_commit_callbacks, pushes, alice, later_item
):
    with django_capture_on_commit_callbacks(execute=True):
        meetings.set_current_item(alice, later_item)

    assert any("proposals" in fragments.expand(names) for _, names, _ in pushes), (
        "a new item: its proposals"
    )


# --- what each audience sees ------------------------------------------------------------


def test_every_audience_sees_the_proposals_and_amendments_with_diffs(
    live_meeting, bob, tina, proposal, amend
):
    amendment = amend(tina, paragraph=1, new_text="Huurders kiezen samen de bomen.")

    for audience, html in frames(live_meeting).items():
        assert f'id="proposal-{proposal.pk}"' in html, audience
        assert "Groen in de wijk" in html
        assert "<p>De tuinen worden twee keer per jaar gesnoeid.</p>" in html
        assert "by <bdi>Bob Member</bdi> · version 1" in html
        assert f'id="amendment-{amendment.pk}"' in html
        assert f"Amendment #{amendment.pk} by <bdi>Tina Tenantorg</bdi>" in html
        assert "[deleted: </span>planten" in html
        assert "[inserted: </span>bomen" in html


def test_only_moderators_see_the_moderator_controls(live_meeting, tina, proposal, amend):
    amendment = amend(tina)
    admit = reverse("voting:proposal_admit", args=[proposal.item.meeting.panel_id, proposal.pk])
    to_vote = (
        reverse("voting:vote_new", args=[proposal.item.meeting.panel_id])
        + f"?meeting={proposal.item.meeting.pk}&amp;amendment={amendment.pk}"
    )
    hide = reverse("voting:proposal_hide", args=[proposal.item.meeting.panel_id, proposal.pk])

    seen = frames(live_meeting)

    for control in (
        "Put on the floor",
        "Prepare a vote on this amendment",
        admit,
        to_vote,
        hide,
        "Close proposals",
    ):
        assert control in seen[Audience.MODERATOR]
        assert control not in seen[Audience.PARTICIPANT]
        assert control not in seen[Audience.OBSERVER]


def test_observers_are_not_offered_to_take_part(live_meeting, proposal):
    seen = frames(live_meeting)

    for label in ("Propose an amendment", "Bring in a proposal"):
        assert label in seen[Audience.MODERATOR]
        assert label in seen[Audience.PARTICIPANT]
        assert label not in seen[Audience.OBSERVER]


def test_drafts_are_on_nobodys_live_page(live_meeting, bob, item):
    proposals.create_proposal(bob, item, title="Geheim concept", text="Nog niet af.", submit=False)

    for html in frames(live_meeting).values():
        assert "Geheim concept" not in html
        assert "No proposals for this agenda item yet." in html


def test_hidden_proposal_is_shown_as_hidden_without_its_text(live_meeting, alice, proposal):
    proposals.hide_proposal(alice, proposal, "Persoonlijke aanval")

    seen = frames(live_meeting)

    for html in seen.values():
        assert "This proposal was hidden by the moderator." in html
        assert "De tuinen worden" not in html
    assert "Persoonlijke aanval" in seen[Audience.MODERATOR]
    assert "Persoonlijke aanval" not in seen[Audience.PARTICIPANT]
    assert "Persoonlijke aanval" not in seen[Audience.OBSERVER]


def test_closed_and_hidden_amendments_are_not_on_the_live_page(
    live_meeting, alice, tina, carl, amend
):
    withdrawn = amend(tina)
    amendments.withdraw_amendment(tina, withdrawn)
    hidden = amend(carl, paragraph=0, new_text="Scheldwoorden.")
    amendments.hide_amendment(alice, hidden, "Scheldwoorden")

    for html in frames(live_meeting).values():
        assert f'id="amendment-{withdrawn.pk}"' not in html
        assert f'id="amendment-{hidden.pk}"' not in html


def test_outdated_amendment_is_marked(live_meeting, bob, tina, carl, amend):
    on_last = amend(tina, paragraph=2, new_text="Budget: 750 euro.")
    amendments.accept_amendment(bob, amend(carl, paragraph=0, new_text="Snoeien: vaak."))

    html = frames(live_meeting)[Audience.PARTICIPANT]

    assert f'id="amendment-{on_last.pk}"' in html
    assert "made on an older version" in html


def test_only_the_current_items_proposals_are_shown(live_meeting, bob, proposal, later_item):
    proposals.create_proposal(bob, later_item, title="Voor later", text="Straks.")

    html = frames(live_meeting)[Audience.PARTICIPANT]

    assert "Groen in de wijk" in html
    assert "Voor later" not in html


def test_without_a_current_item_there_are_no_proposals_to_show(live_meeting, alice, proposal):
    meetings.finish_current_item(alice, live_meeting)
    assert not AgendaItem.objects.filter(state=AgendaItem.State.CURRENT).exists()

    for html in frames(live_meeting).values():
        assert "Proposals appear here when an agenda item is under discussion." in html
        assert "Groen in de wijk" not in html


def test_fragments_are_in_dutch_for_dutch_readers(live_meeting, tina, amend):
    amend(tina)

    html = frames(live_meeting, "nl")[Audience.MODERATOR]

    assert "Prepare a vote on this amendment" not in html
    assert "[geschrapt: </span>planten" in html


def test_the_submitter_alone_gets_the_accept_button(live_meeting, bob, tina, carl, amend):
    amendment = amend(tina)

    mine = fragments.render_personal(live_meeting.pk, bob)
    theirs = fragments.render_personal(live_meeting.pk, carl)
    authors = fragments.render_personal(live_meeting.pk, tina)

    assert f'id="btn-accept-{amendment.pk}"' in mine
    # The button names the amendment, for a screen reader, after its visible label.
    assert f'friendly<span class="visually-hidden">: Amendment #{amendment.pk} by Tina' in mine
    assert reverse("voting:amendment_accept", args=[bob.panel_id, amendment.pk]) in mine
    for html in (theirs, authors):
        assert "btn-accept-" not in html
        assert 'id="live-my-proposals"' in html


def test_no_accept_button_once_the_amendment_goes_to_the_vote(
    live_meeting, alice, bob, tina, amend
):
    amendment = amendments.put_amendment_to_vote(alice, amend(tina))

    html = fragments.render_personal(live_meeting.pk, bob)

    assert f"btn-accept-{amendment.pk}" not in html
    assert "to the vote" in html


def test_withdrawn_proposal_leaves_the_submitters_own_list(
    live_meeting, bob, tina, proposal, amend
):
    amend(tina)
    proposals.withdraw_proposal(bob, proposal)

    html = fragments.render_personal(live_meeting.pk, bob)

    assert "btn-accept-" not in html
    assert "is-empty" in html


# --- nothing a person writes is markup ---------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7|add:1 }}",
    "{% debug %}",
]
EVIL = " ".join(PAYLOADS)


def assert_inert(html: str, where: str) -> None:
    """No payload became markup, and the template-looking ones were not evaluated."""
    assert "<script>alert" not in html, where
    assert "<img src=x" not in html, where
    assert "{{ 7|add:1 }}" in html, where
    assert "{% debug %}" in html, where


@pytest.fixture
def evil(alice, bob, tina, carl, item):
    """A proposal, its amendments and its people, all carrying every payload."""
    for member in (bob, tina):
        member.user.name = f"Naam {EVIL}"
        member.user.save()
    proposal = proposals.create_proposal(bob, item, title=f"Titel {EVIL}", text=f"Tekst {EVIL}")
    accepted = amendments.propose_amendment(
        tina,
        proposal,
        kind="insert",
        paragraph=1,
        new_text=f"Ingevoegd {EVIL}",
        rationale=f"Reden {EVIL}",
        base_version=1,
    )
    amendments.accept_amendment(bob, accepted)
    pending = amendments.propose_amendment(
        tina,
        proposal,
        kind="replace",
        paragraph=0,
        new_text=f"Vervangen {EVIL}\n\n{PAYLOADS[1]}",
        rationale=f"Waarom {EVIL}",
        base_version=2,
    )
    amendments.propose_amendment(
        carl,
        proposal,
        kind="replace_all",
        paragraph=None,
        new_text=EVIL,
        rationale=EVIL,
        base_version=2,
    )
    return fresh(proposal), pending


def test_payloads_are_inert_in_every_live_fragment(live_meeting, bob, evil):
    for language in ("nl", "en"):
        for audience, html in frames(live_meeting, language).items():
            assert_inert(html, f"{audience}/{language}")
            assert escape(PAYLOADS[0]) in html
    assert_inert(fragments.render_personal(live_meeting.pk, bob), "bob's own fragments")


def test_payloads_are_inert_on_every_page(client_for, alice, bob, tina, live_meeting, evil):
    proposal, pending = evil
    panel_id = proposal.item.meeting.panel_id
    pages = [
        (bob, live_meeting.get_absolute_url()),
        (alice, live_meeting.get_absolute_url()),
        (bob, proposal.get_absolute_url()),
        (alice, proposal.get_absolute_url()),
        (bob, reverse("voting:proposal_history", args=[panel_id, proposal.pk]) + "?a=1&b=2"),
        (bob, reverse("voting:proposal_edit", args=[panel_id, proposal.pk])),
        (tina, reverse("voting:amendment_new", args=[panel_id, proposal.pk]) + "?paragraph=0"),
        (tina, reverse("voting:amendment_edit", args=[panel_id, pending.pk])),
        (alice, reverse("voting:proposal_hide", args=[panel_id, proposal.pk])),
        (alice, reverse("voting:amendment_hide", args=[panel_id, pending.pk])),
    ]

    for member, address in pages:
        response = client_for(member).get(address)

        assert response.status_code == 200, address
        html = response.content.decode()
        assert_inert(html, address)
        assert escape(PAYLOADS[0]) in html, address
