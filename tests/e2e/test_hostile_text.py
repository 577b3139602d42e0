"""Hostile text in every field people write, read back in a real browser and in the PDF.

Script and markup payloads, and Django template syntax, go into names, meeting and agenda
texts, messages and hide reasons, proposals and amendments, vote questions and options,
and every section of a process agreement. On every page that shows them: no script runs,
no element of a payload exists, the payload is shown as the text it is (escaped), the
template syntax is not evaluated, a right-to-left override stays inside an element that
isolates it (and between FSI and PDI in the window title), and the page reports no policy
violation. The agreement's PDF shows the same text literally.
"""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from agreements import services as agreements
from panels import floor, meetings
from tests.agreements.test_services import FIELDS as AGREEMENT_FIELDS
from tests.e2e.conftest import act
from tests.voting.test_bidi_isolation import balanced
from voting import amendments, lifecycle, proposals
from voting.models import Vote

PAYLOADS = [
    "<script>window.pwned = 'script'</script>",
    '<img src="x" onerror="window.pwned = \'img\'">',
    '"><svg onload="window.pwned = \'svg\'"></svg>',
    "'><iframe src=\"javascript:window.pwned = 'iframe'\"></iframe>",
    "<a href=\"javascript:window.pwned = 'link'\">klik</a>",
    "<style>body { display: none }</style>",
    "</textarea><b>vet</b>",
    "{{ 7|add:42 }}",
    "{% now 'Y' %}",
    "\u202eesrever",
]
LONG = "Hoi " + " ".join(PAYLOADS)
SHORT = "<img src=x onerror=\"window.pwned='kort'\"> {{ 7|add:42 }} \u202eesrever"
# What a payload would have made, had it become markup or been evaluated.
INJECTED = "img, svg, iframe, a, b, style"
# Text with a right-to-left override (U+202E) outside an element that isolates it: the
# override would turn round the page's own words after it. Form controls, chart labels and
# text for screen readers only lay out their text apart from the page's.
TURNED = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (!walker.currentNode.data.includes("\u202e")) continue;
    if (parent.closest("bdi, [dir], textarea, option, svg, .visually-hidden")) continue;
    found.push(parent.outerHTML.slice(0, 200));
  }
  return found;
}"""


@pytest.fixture
def hostile(meeting, alice, bob, tina):
    for person, name in ((alice, "Alice " + SHORT), (bob, "Bob " + SHORT)):
        person.user.name = name[:150]
        person.user.save(update_fields=["name"])
    act(
        meetings.update_meeting,
        alice,
        meeting,
        title="Bijeenkomst " + SHORT,
        description=LONG,
    )
    item = act(meetings.add_item, alice, meeting, title="Punt " + SHORT, description=LONG)
    act(meetings.start_meeting, alice, meeting)
    act(floor.set_floor, alice, meeting, True)
    act(floor.post_message, bob, meeting, LONG)
    hidden = act(floor.post_message, bob, meeting, "Weg ermee")
    act(floor.hide_message, alice, hidden, "Reden " + SHORT)
    act(floor.raise_hand, bob, meeting)
    proposal = act(
        proposals.create_proposal, bob, item, title="Voorstel " + SHORT, text=LONG + "\n\nTweede."
    )
    act(
        amendments.propose_amendment,
        tina,
        proposal,
        kind="replace",
        paragraph=1,
        new_text="Nieuw " + LONG,
        rationale="Omdat " + LONG,
        base_version=proposal.version,
    )
    spec = lifecycle.VoteSpec(
        question="Vraag " + SHORT,
        method=Vote.Method.ONE_CHOICE,
        options=["Optie " + SHORT, "<b>Tweede</b>"],
    )
    vote = act(lifecycle.prepare_vote, alice, spec, meeting=meeting)
    agreement = act(
        agreements.create_agreement,
        alice,
        **{
            **AGREEMENT_FIELDS,
            "title": "Afspraak " + SHORT,
            "topic": LONG,
            "input_method": LONG,
            "responsible": LONG,
            "use_of_input": LONG,
            "feedback": LONG,
        },
    )
    panel = meeting.panel_id
    return {
        "pages": [
            reverse("panels:detail", args=[panel]),
            reverse("panels:members", args=[panel]),
            reverse("panels:meeting", args=[panel, meeting.pk]),
            reverse("panels:meeting_screen", args=[panel, meeting.pk]),
            reverse("voting:proposal", args=[panel, proposal.pk]),
            reverse("voting:proposal_history", args=[panel, proposal.pk]),
            reverse("voting:vote", args=[panel, vote.pk]),
            reverse("agreements:list", args=[panel]),
            reverse("agreements:detail", args=[panel, agreement.pk]),
            reverse("agreements:history", args=[panel, agreement.pk]),
            reverse("agreements:print", args=[panel, agreement.pk]),
            reverse("agreements:feedback", args=[panel]),
        ],
        "pdf": reverse("agreements:pdf", args=[panel, agreement.pk]),
    }


def test_no_payload_runs_or_becomes_markup_on_any_page(people, alice, hostile):
    page = people.page_for(alice)
    own = {}
    for url in hostile["pages"]:
        response = page.goto(url)
        assert response.ok, (url, response.status)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.pwned") is None, f"a payload ran on {url}"
        # The page's own links and images are fine, and the big screen's QR code (drawn by
        # segno, from the meeting's address only); a payload's element carries a telltale
        # (an attribute with "pwned", a style, frame or svg element, bold "vet" or "Tweede").
        injected = page.locator(INJECTED).evaluate_all(
            "els => els.filter(e => e.getAttributeNames().some(n => "
            "(e.getAttribute(n) || '').includes('pwned')) || ['STYLE', 'IFRAME', 'SVG', 'svg']"
            ".includes(e.tagName) && !e.matches('.join-code__qr > svg.qr') "
            "|| e.textContent === 'vet' || e.textContent === 'Tweede')"
            ".map(e => e.outerHTML.slice(0, 300))"
        )
        assert injected == [], f"a payload became markup on {url}: {injected}"
        turned = page.evaluate(TURNED)
        assert turned == [], f"an override is not isolated on {url}: {turned}"
        assert balanced(page.title()), f"an override is not isolated in the title: {url}"
        own[url] = page.inner_text("body")
    # The payloads are shown as the text they are (so the template syntax was not evaluated).
    assert "{{ 7|add:42 }}" in own[hostile["pages"][2]]
    assert "<img src=x onerror=" in own[hostile["pages"][2]]
    assert "<script>window.pwned" in own[hostile["pages"][4]]
    assert "{% now 'Y' %}" in own[hostile["pages"][8]]


def test_the_pdf_prints_the_payloads_as_text(people, alice, hostile):
    page = people.page_for(alice)
    page.goto("/")
    response = page.request.get(hostile["pdf"])
    assert response.ok
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    flat = " ".join(text.split())
    assert "{{ 7|add:42 }}" in flat
    assert "<script>window.pwned = 'script'</script>" in flat
    assert "onerror" in flat
    # The PDF leaves direction controls out (agreements/pdf.py): the override turns nothing.
    assert "esrever" in flat
    assert "\u202e" not in text
