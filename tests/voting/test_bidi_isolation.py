"""Words people write are set apart from ours, so that a right-to-left override (U+202E)
in a name or a title cannot turn round the text around it.

Everything people write here starts with an override: names of people, organisations and
the panel, meeting and agenda texts, messages and hide reasons, proposals and amendments,
vote questions and options, agreements and their change reasons, advice texts, answers,
neighbourhoods and pulse comments. Every page of the three apps, for each kind of person,
and every live fragment pushed to each audience, is read with html.parser: each override
must sit inside an element that isolates it (`<bdi>`, or an element with `dir`) holding
nothing but people's words, or between an isolate's FSI and PDI (`|isolate`, for text
that cannot hold markup: the window title, messages formed in Python).
"""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import get_resolver, reverse

from agreements import advice
from agreements import emails as agreement_emails
from agreements import services as agreements
from agreements.models import Agreement
from panels import floor, pulse, representation
from panels.bidi import isolate
from panels.live import fragments
from panels.models import AgendaItem, Invitation, Meeting, Organisation, Panel
from tests.agreements.test_services import FIELDS as AGREEMENT_FIELDS
from tests.voting.conftest import be_present, cast
from voting import amendments, eligibility, lifecycle, proposals
from voting.models import Proposal, Vote

pytestmark = pytest.mark.django_db

RLO = "\u202e"
# Explicit embeddings and overrides: what could turn round the text after it.
OVERRIDES = re.compile("[\u202a-\u202e]")
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
OPENERS, PDI = "\u2066\u2067\u2068", "\u2069"
# Elements that lay out their own text, apart from the page's: nothing around them turns
# (`text` is an SVG chart label).
SELF_CONTAINED = {"textarea", "option", "text", "script", "style"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


# Every word a person wrote in these tests (each is one chunk between spaces).
WRITTEN: set[str] = set()


def written(word: str) -> str:
    """What a person wrote: an override, then one word of theirs."""
    WRITTEN.add(f"{RLO}{word}")
    return f"{RLO}{word}"


# --- what a page shows, read as a tree -------------------------------------------------------


class Node:
    def __init__(self, tag: str, attrs: dict, parent: "Node | None") -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    @property
    def isolates(self) -> bool:
        return self.tag == "bdi" or "dir" in self.attrs

    @property
    def hidden(self) -> bool:
        return "visually-hidden" in (self.attrs.get("class") or "").split()

    def text(self) -> str:
        """The text shown (what is there for screen readers only does not turn round),
        with a space where an element starts or ends."""
        return " ".join(
            child if isinstance(child, str) else ("" if child.hidden else child.text())
            for child in self.children
        )


class Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = self.current = Node("#document", {}, None)
        self.texts: list[tuple[str, Node]] = []

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node.parent is not None and node.tag != tag:
            node = node.parent
        if node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)
        self.texts.append((data, self.current))


def balanced(text: str) -> bool:
    """Every override in `text` lies between an isolate's start (FSI, LRI, RLI) and its PDI."""
    depth = 0
    for char in text:
        if char in OPENERS:
            depth += 1
        elif char == PDI:
            depth = max(0, depth - 1)
        elif OVERRIDES.match(char) and depth == 0:
            return False
    return True


def ancestors(node: Node):
    while node is not None:
        yield node
        node = node.parent


def theirs(chunk: str) -> bool:
    """A person's word, or a piece of one (a diff marks pieces; a long text is cut with "…")."""
    cut = chunk.removesuffix("…")
    return any(cut in word for word in WRITTEN)


def unisolated(html: str) -> list[str]:
    """The places where a person's override could turn round text that is not theirs."""
    tree = Tree()
    tree.feed(html)
    found = []
    for text, parent in tree.texts:
        if not BIDI.search(text) or balanced(text):
            continue
        chain = list(ancestors(parent))
        # Text for screen readers only is heard in the order written, never seen turned.
        if any(node.tag in SELF_CONTAINED or node.hidden for node in chain):
            continue
        isolating = next((node for node in chain if node.isolates), None)
        if isolating is None:
            found.append(f"<{parent.tag}> {text.strip()[:80]!r}")
            continue
        if not all(theirs(chunk) for chunk in isolating.text().split()):
            found.append(f"<{isolating.tag}> holds ours too: {isolating.text().strip()[:120]!r}")
    return found


# --- a panel in which everything written starts with an override ------------------------------


@pytest.fixture
def world(panel, alice, bob, tina, carl, olga, nora, live_meeting, make_invitation):
    for membership in (alice, bob, tina, carl, olga, nora):
        membership.user.name = written(f"{membership.user.email.split('@')[0]}-naam")
        membership.user.save(update_fields=["name"])
    Organisation.objects.filter(pk=panel.corporation_id).update(name=written("corporatie-naam"))
    Organisation.objects.filter(pk=panel.tenant_organisation_id).update(
        name=written("huurders-naam")
    )
    Panel.objects.filter(pk=panel.pk).update(name=written("panel-naam"))
    Meeting.objects.filter(pk=live_meeting.pk).update(
        title=written("bijeenkomst-titel"), description=written("bijeenkomst-uitleg")
    )
    for number, item in enumerate(AgendaItem.objects.filter(meeting=live_meeting)):
        AgendaItem.objects.filter(pk=item.pk).update(
            title=written(f"punt-{number}"), description=written(f"punt-uitleg-{number}")
        )
    live_meeting.refresh_from_db()
    item = live_meeting.items.get(state=AgendaItem.State.CURRENT)

    floor.set_floor(alice, live_meeting, True)
    be_present(live_meeting, alice, bob, tina, carl, olga)
    floor.post_message(bob, live_meeting, written("bericht-van-bob"))
    hidden = floor.post_message(tina, live_meeting, written("bericht-van-tina"))
    floor.hide_message(alice, hidden, written("reden-verborgen"))
    floor.raise_hand(bob, live_meeting)
    floor.raise_hand(tina, live_meeting)
    floor.give_floor(alice, live_meeting)

    text = "\n\n".join(written(f"alinea-{n}") for n in range(3))
    proposal = proposals.create_proposal(bob, item, title=written("voorstel-titel"), text=text)
    other = proposals.create_proposal(tina, item, title=written("ander-voorstel"), text=text)
    amendment = amendments.propose_amendment(
        bob,
        other,
        kind="replace",
        paragraph=1,
        new_text=written("nieuwe-alinea"),
        rationale=written("amendement-reden"),
        base_version=other.version,
    )
    eligibility.give_proxy(tina, live_meeting, bob)
    hidden_proposal = proposals.create_proposal(
        tina, item, title=written("weg-titel"), text=written("weg-tekst")
    )
    proposals.hide_proposal(alice, hidden_proposal, written("weg-reden"))

    on_proposal = lifecycle.open_vote(
        alice,
        lifecycle.prepare_vote(alice, lifecycle.VoteSpec("", "yes_no", []), proposal=proposal),
    )
    for member in (alice, bob):
        cast(member, on_proposal, "for")
    lifecycle.close_vote(alice, on_proposal)
    spec = lifecycle.VoteSpec(
        question=written("stemvraag"),
        method=Vote.Method.ONE_CHOICE,
        options=[written("optie-een"), written("optie-twee")],
    )
    open_vote = lifecycle.open_vote(
        alice, lifecycle.prepare_vote(alice, spec, meeting=live_meeting)
    )
    cast(bob, open_vote, choice=None, option_id=open_vote.options.first().pk)
    proposal.refresh_from_db()
    agreements.answer_input(carl, proposal, status="partly", reasons=written("antwoord-reden"))

    fields = {name: written(f"afspraak-{name}") for name in AGREEMENT_FIELDS}
    fields |= {"overlegwet_right": "", "review_date": None}
    agreement = agreements.create_agreement(alice, sources=[proposal], **fields)
    agreements.edit_agreement(
        alice,
        agreement,
        base_version=agreement.version,
        reason=written("wijzig-reden"),
        **(fields | {"topic": written("nieuw-onderwerp")}),
    )
    filed = advice.file_request(
        carl, title=written("advies-titel"), intended_change=written("advies-wijziging")
    )
    advice.give_advice(tina, filed, advice=written("advies-tekst"))
    advice.decide(carl, filed, decision="partly", response=written("advies-reactie"))
    representation.set_neighbourhoods(alice, f"{written('wijk-noord')}\n{written('wijk-zuid')}")
    pulse.answer(bob, live_meeting, heard=4, comment=written("puls-opmerking"))
    return {
        "panel_id": panel.pk,
        "meeting_id": live_meeting.pk,
        "item_id": item.pk,
        "membership_id": bob.pk,
        "message_id": hidden.pk,
        "proposal_id": proposal.pk,
        "amendment_id": amendment.pk,
        "vote_id": on_proposal.pk,
        "open_vote_id": open_vote.pk,
        "agreement_id": agreement.pk,
        "advice_id": filed.pk,
        "invitation_id": 0,
        "request_id": 0,
        "token": make_invitation(email="nieuw@example.org")[1],
    }


PERSONAS = ["alice", "bob", "carl", "tina", "olga"]


def get_pages() -> list[str]:
    """Every page of the three apps that answers a GET (from the permission matrices)."""
    from tests.agreements import test_views as agreement_matrix
    from tests.panels import test_access as panel_matrix
    from tests.voting import test_participation as participation_matrix
    from tests.voting import test_views as proposal_matrix
    from tests.voting import test_votes_views as vote_matrix

    rows = (
        [(f"panels:{name}", row[1]) for name, row in panel_matrix.MATRIX.items()]
        + [(f"voting:{name}", row[1]) for name, row in proposal_matrix.MATRIX.items()]
        + [(f"voting:{name}", row[1]) for name, row in vote_matrix.MATRIX.items()]
        + [(f"voting:{name}", row[1]) for name, row in participation_matrix.MATRIX.items()]
        + [(f"agreements:{name}", row[1]) for name, row in agreement_matrix.MATRIX.items()]
    )
    return sorted(name for name, methods in rows if "GET" in methods)


def page_url(name: str, world: dict) -> str:
    namespace, url_name = name.split(":")
    _, resolver = get_resolver().namespace_dict[namespace]
    pattern = next(p for p in resolver.url_patterns if p.name == url_name)
    return reverse(name, kwargs={key: world[key] for key in pattern.pattern.converters})


def test_every_page_isolates_what_people_wrote(request, client, world):
    shown, found = {}, {}
    for persona in PERSONAS:
        client.force_login(request.getfixturevalue(persona).user)
        for name in get_pages():
            response = client.get(page_url(name, world))
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            shown[name] = response.content.decode()
            for place in unisolated(shown[name]):
                found.setdefault(f"{name}: {place}", persona)
    assert found == {}
    # The pages show what people wrote (so the test could have failed).
    for name in ["panels:meeting", "voting:proposal", "voting:vote", "agreements:detail"]:
        assert RLO in shown[name], name


def test_the_open_vote_page_isolates_its_question_and_options(client_for, world, bob):
    response = client_for(bob).get(
        reverse("voting:vote", args=[world["panel_id"], world["open_vote_id"]])
    )

    html = response.content.decode()
    assert written("optie-twee") in html
    assert unisolated(html) == []


@pytest.mark.parametrize("audience", list(fragments.Audience))
def test_every_pushed_fragment_isolates_what_people_wrote(world, audience):
    _seq, frames = fragments.render_frames(
        world["meeting_id"], fragments.snapshot_names(audience), audiences=[audience]
    )

    assert frames, "nothing was rendered"
    found = {
        f"{name}: {place}"
        for fragments in frames.values()
        for name, html in fragments.items()
        for place in unisolated(html)
    }
    assert found == set()
    assert any(RLO in html for fragments in frames.values() for html in fragments.values())


@pytest.mark.parametrize("persona", ["alice", "bob", "tina", "olga"])
def test_every_personal_fragment_isolates_what_people_wrote(request, world, persona):
    html = fragments.render_personal(world["meeting_id"], request.getfixturevalue(persona))

    assert unisolated(html) == []
    if persona in ("bob", "tina"):  # bob holds tina's proxy; tina's proposal has his amendment
        assert written("bob-naam" if persona == "tina" else "tina-naam") in html


def test_a_closed_choice_vote_isolates_its_options_and_winner(client_for, world, alice, bob):
    vote = lifecycle.close_vote(alice, Vote.objects.get(pk=world["open_vote_id"]))

    page = client_for(bob).get(reverse("voting:vote", args=[world["panel_id"], vote.pk]))
    _seq, frames = fragments.render_frames(world["meeting_id"], ["vote", "screen-vote"])

    html = page.content.decode()
    assert written("optie-een") in html
    assert unisolated(html) == []
    for parts in frames.values():
        for html in parts.values():
            assert unisolated(html) == []


def test_a_notice_naming_an_agenda_item_isolates_it(client_for, world, bob):
    moved_from = AgendaItem.objects.filter(meeting_id=world["meeting_id"]).exclude(
        pk=world["item_id"]
    )[0]

    response = client_for(bob).post(
        reverse("panels:message_post", args=[world["panel_id"], world["meeting_id"]]),
        {"text": "Nog iets", "item": moved_from.pk},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert isolate(written("punt-0")) in html
    assert unisolated(html) == []


def test_a_message_naming_a_member_isolates_the_name(client_for, world, alice, tina):
    response = client_for(alice).post(
        reverse("panels:member_set_active", args=[world["panel_id"], tina.pk]),
        {"active": "0"},
        follow=True,
    )

    html = response.content.decode()
    assert isolate(written("tina-naam")) in html
    assert unisolated(html) == []


def test_plain_text_emails_isolate_names_and_titles(world, alice, carl, mailoutbox):
    """Plain text holds no markup: names and titles in a sentence of ours sit between an
    isolate's FSI and PDI, in the subject line too (which also keeps "&" as "&")."""
    from panels import emails as panel_emails
    from voting import emails as voting_emails

    Panel.objects.filter(pk=world["panel_id"]).update(name=written("panel-naam") + " & co")
    proposal = Proposal.objects.get(pk=world["proposal_id"])
    due_soon = advice.file_request(carl, title=written("tweede-advies"), intended_change="Meer.")
    invitation = Invitation.objects.filter(panel_id=world["panel_id"]).get()
    panel_emails.send_invitation(invitation, "token")
    panel_emails.send_meeting_notice(world["meeting_id"], "planned")
    panel_emails.send_pulse_invitations(world["meeting_id"], [alice.pk])
    voting_emails.send_vote_result(proposal.votes.get().pk)
    for news in ["moved", "cancelled", "reminder"]:
        panel_emails.send_meeting_notice(world["meeting_id"], news)
    agreement_emails.send_agreement_signed(world["agreement_id"])
    agreement_emails.send_input_answered(proposal.response.pk)
    agreements.follow(alice, Agreement.objects.get(pk=world["agreement_id"]), True)
    agreement_emails.send_signatures_lapsed(world["agreement_id"])
    advice.send_reminders(due_soon.advice_due - timedelta(days=3))

    subjects = {mail.subject for mail in mailoutbox}
    assert len(subjects) == 11, subjects
    for mail in mailoutbox:
        assert RLO in mail.subject, mail.subject
        assert balanced(mail.subject), mail.subject
        # A line is a paragraph: one that holds only their words turns nothing of ours.
        for line in mail.body.splitlines():
            assert balanced(line) or all(theirs(c) for c in line.split()), line
        assert "&amp;" not in mail.subject


def test_the_checker_finds_a_name_that_is_not_isolated():
    name = written("checker-naam")

    assert unisolated(f"<p>{name} heeft het woord</p>") != []
    assert unisolated(f"<p dir='auto'>{name} heeft het woord</p>") != []
    assert unisolated(f"<p><bdi>{name}</bdi> heeft het woord</p>") == []
    assert unisolated(f"<title>{isolate(name)} · Knoppen</title>") == []
    assert unisolated(f"<title>{name} · Knoppen</title>") != []


def test_isolate_cannot_be_ended_early_by_the_text_it_isolates():
    assert isolate("a\u2069\u202eb") == "\u2068a\u202eb\u2069"
    assert isolate("\u2067a") == "\u2068\u2067a\u2069\u2069"
