"""Every main page, in Dutch and English: no serious or critical axe-core violation, no
sideways scrolling on a 360px phone, dates and numbers written the local way, a screenshot
of each on a phone and a desktop (artifacts/screenshots/, kept by CI), Dutch unless the
browser asks otherwise, and an NL/EN switch that keeps the reader on the same page.

One test per language visits every page and collects what is wrong, then fails with all of
it; the Dutch one also tries the language switch on every page.

The data is built once per test with the services, so every live fragment has something in
it: an agenda, a speaker with a countdown and a raised hand, messages, proposals with an
amendment, a proxy, a closed vote with a result and an open vote, and a process agreement
with two versions and a signature.
"""

import http.client
import re
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agreements import advice
from agreements import services as agreement_services
from agreements.models import Agreement
from minutes import services as minutes_services
from panels import attendance, floor, meetings, notices
from panels.live import changes
from panels.models import (
    AgendaItem,
    Attendance,
    LiveWorker,
    Meeting,
    Membership,
    NoticeKind,
    Role,
)
from tests.agreements.test_services import FIELDS
from tests.conftest import make_user
from tests.e2e.conftest import DESKTOP, PHONE, live, screenshot
from tests.live_helpers import session_cookie
from tests.servers import ROOT
from tests.voting.conftest import PROPOSAL_TEXT, ballot_key, be_present, cast, vote_spec
from voting import amendments, casting, consultations, eligibility, lifecycle, proposals
from voting.models import Vote

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"phone": PHONE, "desktop": DESKTOP}
# Dutch dates as Django writes them with "l j F Y, H:i": the meeting in tests/conftest.py.
DUTCH_DATE = "woensdag 1 mei 2030, 19:30"
ENGLISH_DATE = "Wednesday 1 May 2030, 19:30"
# A date and 24-hour time with the month in words ("27 november 2026 14:00").
DUTCH_MONTH = re.compile(
    r"\b\d{1,2} (januari|februari|maart|april|mei|juni|juli|augustus|september|oktober"
    r"|november|december) \d{4},? ([01]\d|2[0-3]):\d{2}\b"
)
ENGLISH_MONTH = re.compile(
    r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October"
    r"|November|December) \d{4},? ([01]\d|2[0-3]):\d{2}\b"
)
DATES = {"nl": [DUTCH_DATE], "en": [ENGLISH_DATE]}
MONTHS = {"nl": [DUTCH_MONTH], "en": [ENGLISH_MONTH]}
# The closed vote: 2 for and 1 against, its shares with a decimal comma in Dutch.
SHARES = {
    "nl": [re.compile(r"66,7\s%"), re.compile(r"33,3\s%")],
    "en": [re.compile(r"66\.7\s%"), re.compile(r"33\.3\s%")],
}

# Only the violations that block, in a shape that reads well in an assertion message.
START_AXE = """() => {
  window.knoppenAxe = axe.run(document, { resultTypes: ["violations"] }).then(({ violations }) =>
    violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.join(" "), html: n.html.slice(0, 300) })),
      })));
}"""
BALLOT = {"nl": ["Mijn stem uitbrengen"], "en": ["Cast my vote"]}
PRESENT = "worker-a11y"  # where the people present in the meeting are connected
SIDEWAYS = "document.documentElement.scrollWidth - window.innerWidth"


@dataclass(frozen=True)
class Main:
    """A main page: its name (in file names), its address, who looks at it, and what it
    must show in each language (dates and numbers written the local way)."""

    name: str
    url: str
    who: Membership | None  # None: not logged in
    live: bool = False  # the live meeting page: wait for its socket
    shows: dict = field(default_factory=dict)  # language -> texts or patterns on the page


@pytest.fixture
def no_pushes(monkeypatch):
    """Let the services run here without pushing to live pages.

    Playwright keeps an event loop running in the test's thread, where the services'
    async_to_sync pushes cannot run; nobody is connected yet while the data is built,
    and a browser that connects later gets a full snapshot from the server.
    """
    monkeypatch.setattr(changes, "_send", lambda group, message: None)


@pytest.fixture
def main_pages(
    no_pushes, alice, bob, nora, carl, tina, live_meeting, make_invitation
) -> list[Main]:
    """A full panel, and the main pages of the app with the person who sees the most on each."""
    meeting = live_meeting
    panel = meeting.panel
    item = meeting.items.get(state=AgendaItem.State.CURRENT)

    # The speaker list: nora speaks with a countdown, bob waits; two messages.
    floor.raise_hand(nora, meeting)
    floor.give_floor(alice, meeting, seconds=180)
    floor.raise_hand(bob, meeting)
    floor.post_message(bob, meeting, "Kunnen er ook bankjes bij de speeltuin komen?")
    floor.post_message(nora, meeting, "Graag schaduw: de binnentuin is 's middags erg heet.")

    # Two proposals: bob's, changed once and amended by nora and alice; tina's, voted on.
    green = proposals.create_proposal(bob, item, title="Groen in de wijk", text=PROPOSAL_TEXT)
    green = proposals.edit_proposal(
        bob,
        green,
        title=green.title,
        text=PROPOSAL_TEXT.replace("twee keer", "drie keer"),
        base_version=1,
    )
    amendment = amendments.propose_amendment(
        nora,
        green,
        kind="replace",
        paragraph=1,
        new_text="Huurders kiezen samen de bomen voor de binnentuin.",
        rationale="Bomen geven meer schaduw.",
        base_version=green.version,
    )
    friendly = amendments.propose_amendment(
        alice,
        green,
        kind="replace",
        paragraph=2,
        new_text="De huurdersvereniging krijgt een budget van 750 euro.",
        rationale="Planten zijn duurder geworden.",
        base_version=green.version,
    )
    benches = proposals.create_proposal(
        tina, item, title="Bankjes in de binnentuin", text="Er komen vier bankjes in de tuin."
    )

    # Tina gives bob her vote; a closed vote on tina's proposal (2 for, 1 against: 66,7%),
    # then an open vote on nora's amendment to bob's proposal.
    eligibility.give_proxy(tina, meeting, bob)
    be_present(meeting, alice, bob, nora, worker_id=PRESENT)
    # That worker has no heartbeat: keep it alive while the test looks around.
    LiveWorker.objects.filter(pk=PRESENT).update(seen_at=timezone.now() + timedelta(hours=1))
    closed = lifecycle.prepare_vote(alice, vote_spec(question=""), proposal=benches)
    lifecycle.open_vote(alice, closed)
    cast(alice, closed, "for")
    cast(bob, closed, "for")
    cast(bob, closed, "against", on_behalf_of=tina)
    lifecycle.close_vote(alice, closed)
    # Piet handed alice a proxy on paper, registered by her before the next vote opened.
    piet = Membership.objects.create(
        panel=panel, user=make_user("piet@example.org", "Piet Papier"), role=Role.MEMBER
    )
    eligibility.register_paper_proxy(alice, meeting, piet.pk, alice.pk, "Volmacht nr. 1")
    open_vote = lifecycle.open_vote(
        alice, lifecycle.prepare_vote(alice, vote_spec(question=""), amendment=amendment)
    )

    # The agreement that came of it: changed once, signed by the corporation.
    benches.refresh_from_db()
    agreement = agreement_services.create_agreement(alice, sources=[benches], **FIELDS)
    agreement_services.edit_agreement(
        carl, agreement, base_version=1, topic="Het onderhoudsplan 2027 en de binnentuin."
    )
    agreement = Agreement.objects.get(pk=agreement.pk)
    agreement_services.sign(
        carl, agreement, version=agreement.version, content_hash=agreement.content_hash()
    )

    # An advice request, advised on by the tenant organisation, awaiting the decision.
    filed = advice.file_request(carl, title="Huurverhoging 2027", intended_change="3,5 %.")
    advice.give_advice(tina, filed, advice="Niet boven de inflatie.", meetings=[meeting.pk])

    asked = ways_to_ask(alice, bob, tina)
    # The desk of a meeting online and in a room: bob in the room, tina on the phone, a
    # guest; the open vote's desk can enter a ballot for them and count the room.
    Meeting.objects.filter(pk=meeting.pk).update(
        venue=Meeting.Venue.HYBRID, location="Buurtkamer De Linde, Lindelaan 4, Utrecht"
    )
    meeting.refresh_from_db()
    attendance.mark_present(alice, meeting, bob.pk, Attendance.How.ROOM)
    attendance.mark_present(alice, meeting, tina.pk, Attendance.How.PHONE)
    attendance.add_guest(alice, meeting, "Gerda Gast", Attendance.How.PHONE)
    _invitation, token = make_invitation()
    # A meeting still planned, and one that was called off.
    planned = meetings.create_meeting(
        alice, title="Bewonersavond in mei", starts_at=timezone.now() + timedelta(days=20)
    )
    called_off = meetings.create_meeting(
        alice, title="Extra avond", starts_at=timezone.now() + timedelta(days=9), notify=False
    )
    meetings.cancel_meeting(alice, called_off, reason="De zaal is die avond niet beschikbaar.")
    off = notices.unsubscribe_url(bob.user, NoticeKind.RESULTS).removeprefix(settings.SITE_URL)
    # A meeting held and closed, its minutes with a summary, put to approval.
    held = meetings.create_meeting(
        alice,
        title="Bewonersavond maart",
        starts_at=timezone.now() - timedelta(days=30),
        notify=False,
    )
    meetings.add_item(alice, held, title="Groen in de wijk")
    meetings.start_meeting(alice, held)
    meetings.close_meeting(alice, held)
    held_minutes = minutes_services.draw_up(held.pk)
    minutes_services.edit(
        alice, held_minutes, texts={"opening": "De voorzitter opent om 19.30 uur."}, base_version=1
    )
    minutes_services.put_to_approval(alice, held_minutes, planned)
    p, m = panel.pk, meeting.pk
    return asked + [
        Main("login", reverse("login"), None),
        Main("password-reset", reverse("password_reset"), None),
        Main("login-link", reverse("panels:login_link"), None),
        Main("login-link-dead", reverse("panels:login_link_use"), None),
        Main("invitation", reverse("panels:invitation", args=[token]), None),
        Main("home", reverse("panels:home"), bob),
        Main("account", reverse("panels:account"), bob),
        Main("account-erase", reverse("panels:account_delete"), bob),
        Main("panel", panel.get_absolute_url(), alice, shows=DATES),
        Main("members", reverse("panels:members", args=[p]), alice, shows=MONTHS),
        Main("meeting-moderator", meeting.get_absolute_url(), alice, live=True),
        Main("meeting-member", meeting.get_absolute_url(), bob, live=True),
        Main("meeting-screen", reverse("panels:meeting_screen", args=[p, m]), alice),
        Main("meeting-new", reverse("panels:meeting_new", args=[p]), alice),
        Main("meeting-edit", reverse("panels:meeting_edit", args=[p, planned.pk]), alice),
        Main("meeting-cancel", reverse("panels:meeting_cancel", args=[p, planned.pk]), alice),
        Main("meeting-cancelled", called_off.get_absolute_url(), bob),
        Main("unsubscribe", off, None),
        Main("minutes-list", reverse("minutes:list", args=[p]), bob),
        Main("minutes", reverse("minutes:detail", args=[p, held.pk]), bob),
        Main("minutes-draft", reverse("minutes:detail", args=[p, held.pk]) + "?draft", alice),
        Main("minutes-edit", reverse("minutes:edit", args=[p, held.pk]), alice),
        Main("minutes-versions", reverse("minutes:history", args=[p, held.pk]), alice),
        Main("meeting-closed", held.get_absolute_url(), bob),
        Main("desk", reverse("panels:meeting_desk", args=[p, m]), alice),
        Main("pulse", reverse("panels:meeting_pulse", args=[p, m]), bob),
        Main("agenda-item", reverse("panels:item_edit", args=[p, m, item.pk]), alice),
        Main("proposal-new", reverse("voting:proposal_new", args=[p, item.pk]), bob),
        Main("proposal", green.get_absolute_url(), alice),
        Main("proposal-history", reverse("voting:proposal_history", args=[p, green.pk]), bob),
        Main("amendment", reverse("voting:amendment_edit", args=[p, friendly.pk]), alice),
        Main("vote-new", reverse("voting:vote_new", args=[p]) + f"?meeting={m}", alice),
        Main("vote-open", reverse("voting:vote", args=[p, open_vote.pk]), bob, shows=BALLOT),
        Main("vote-closed", reverse("voting:vote", args=[p, closed.pk]), bob, shows=SHARES),
        Main("vote-desk", reverse("voting:vote_desk", args=[p, open_vote.pk]), alice),
        Main("proxy", reverse("voting:proxy", args=[p, m]), bob),
        Main("proxy-paper", reverse("voting:proxy", args=[p, m]), alice),
        Main("agreements", reverse("agreements:list", args=[p]), alice),
        Main("agreement", reverse("agreements:detail", args=[p, agreement.pk]), tina, shows=MONTHS),
        Main("agreement-edit", reverse("agreements:edit", args=[p, agreement.pk]), alice),
        Main(
            "agreement-history",
            reverse("agreements:history", args=[p, agreement.pk]),
            bob,
            shows=MONTHS,
        ),
        Main("agreement-print", reverse("agreements:print", args=[p, agreement.pk]), bob),
        Main("feedback", reverse("agreements:feedback", args=[p]), tina),
        Main("participation", reverse("voting:participation", args=[p]), tina),
        Main("about-me", reverse("panels:profile", args=[p]), bob),
        Main("composition", reverse("panels:composition", args=[p]), alice),
        Main("advice-requests", reverse("agreements:advice_list", args=[p]), carl),
        Main("advice-request", reverse("agreements:advice", args=[p, filed.pk]), tina),
        Main("not-found", "/panels/999999/", bob),
        Main("forbidden", reverse("voting:vote_new", args=[p]), bob),
    ]


# Every other way to ask, as a timed vote: its options, and the answers of two people.
WAYS = {
    "consent": ([], [{"choice": "consent"}, {"choice": "objection", "remark": "Te duur."}]),
    "multiple_choice": (
        ["Dakisolatie", "Zonnepanelen", "Groendak"],
        [{"marks": {0: 1, 1: 1}}, {"marks": {2: 1}}],
    ),
    "score": (["Het plan", "De planning"], [{"marks": {0: 8, 1: 6}}, {"marks": {0: 5}}]),
    "points": (["Dak", "Kozijnen", "Lift"], [{"marks": {0: 7, 2: 3}}, {"marks": {1: 10}}]),
    "date_poll": (
        ["2030-05-08 19:30", "2030-05-15 19:30"],
        [{"marks": {0: "yes", 1: "maybe"}}, {"marks": {0: "no", 1: "yes"}}],
    ),
    "sense_check": ([], [{"choice": "up"}, {"choice": "unsure", "remark": "Wat kost het?"}]),
    "open_question": ([], [{"remark": "Meer bankjes."}, {"remark": "Betere verlichting."}]),
}


def _by_option(vote, answer: dict) -> dict:
    """An answer whose marks name options by their place, with the options' ids."""
    if "marks" not in answer:
        return answer
    pks = list(vote.options.order_by("position", "pk").values_list("pk", flat=True))
    return {"marks": {str(pks[place]): mark for place, mark in answer["marks"].items()}}


def ways_to_ask(alice, bob, tina) -> list["Main"]:
    """For every way to ask: its ballot open to bob, and its result after bob and tina
    answered; and a consultation of three questions (its list, form, page, a question)."""
    pages = []
    for method, (options, answers) in WAYS.items():
        name = method.replace("_", "-")
        shown, counted = (
            lifecycle.open_vote(
                alice,
                lifecycle.prepare_vote(
                    alice,
                    vote_spec(
                        question=f"Hoe denkt u over de binnentuin? ({name}, {state})",
                        method=method,
                        options=options,
                        mode=Vote.Mode.TIMED,
                    ),
                ),
            )
            for state in ("open", "closed")
        )
        for who, answer in zip((bob, tina), answers, strict=True):
            casting.cast_ballot(who, counted, _by_option(counted, answer), key=ballot_key())
        lifecycle.close_vote(alice, counted)
        p = alice.panel_id
        pages += [
            Main(f"{name}-open", reverse("voting:vote", args=[p, shown.pk]), bob),
            Main(f"{name}-closed", reverse("voting:vote", args=[p, counted.pk]), alice),
        ]

    consultation = consultations.create(
        alice,
        title="Onderhoud 2027",
        introduction="Wat vindt u belangrijk?",
        closes_at=timezone.now() + timedelta(days=14),
    )
    for method in ("points", "score", "open_question"):
        consultations.add_question(
            alice,
            consultation,
            vote_spec(question=f"Vraag over {method}", method=method, options=WAYS[method][0]),
        )
    consultations.open_consultation(alice, consultation)
    p, c = alice.panel_id, consultation.pk
    return pages + [
        Main("consultations", reverse("voting:consultations", args=[p]), bob),
        Main("consultation-new", reverse("voting:consultation_new", args=[p]), alice),
        Main("consultation", reverse("voting:consultation", args=[p, c]), alice),
        Main("consultation-member", reverse("voting:consultation", args=[p, c]), bob),
        Main(
            "consultation-question",
            reverse("voting:consultation_question", args=[p, c, 1]),
            bob,
        ),
    ]


class Browsers:
    """One logged-in page per person, language and screen size, reused across pages."""

    def __init__(self, people) -> None:
        self.people = people
        self.pages = {}

    def page(self, who: Membership | None, language: str, size: str = "desktop"):
        key = (who.pk if who else None, language, size)
        if key not in self.pages:
            # axe-core runs in every page the phone-sized browser loads, and sets inline
            # styles as it measures; the desktop browser reads the same pages under the
            # policy (any violation there fails the test).
            phone = size == "phone"
            page = self.people.page_for(who, language=language, viewport=SIZES[size], csp=not phone)
            if phone:
                page.context.add_init_script(path=str(AXE))
            self.pages[key] = page
        return self.pages[key]


def language_unasked(server, main: Main, cookies: dict) -> str | None:
    """The page's language when the request says nothing about languages (a browser always
    sends Accept-Language, so this asks without one)."""
    if main.who is not None and main.who.pk not in cookies:
        cookies[main.who.pk] = session_cookie(main.who)
    host, port = urlsplit(server.origin).netloc.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        headers = {"Cookie": f"sessionid={cookies[main.who.pk]}"} if main.who else {}
        connection.request("GET", main.url, headers=headers)
        html = connection.getresponse().read().decode()
    finally:
        connection.close()
    match = re.search(r'<html lang="([^"]*)"', html)
    return match and match.group(1)


def visit(page, main: Main) -> None:
    page.goto(main.url)
    if main.live:
        live(page)


def start_axe(page) -> None:
    """Start axe-core in the page (Browsers put it there); `axe_violations` waits for it."""
    page.evaluate(START_AXE)


def axe_violations(page) -> list[dict]:
    return page.evaluate("() => window.knoppenAxe")


def describe(where: str, violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{where}: {v['id']} ({v['impact']}): {v['help']}")
        lines += [f"    {n['target']}\n        {n['html']}" for n in v["nodes"]]
    return "\n".join(lines)


def missing_texts(page, main: Main, language: str) -> list[str]:
    text = page.locator("body").inner_text()
    return [
        f"{main.name} ({language}): no {want.pattern if isinstance(want, re.Pattern) else want!r}"
        for want in main.shows.get(language, [])
        if not (want.search(text) if isinstance(want, re.Pattern) else want in text)
    ]


def switch_problems(page, main: Main) -> list[str]:
    """On a Dutch page: EN shows the same page in English, NL brings it back in Dutch."""
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    path, title = urlsplit(page.url).path, page.title()
    for code in ("en", "nl"):
        switch = page.locator(f"form.lang-switch button[value='{code}']:visible")
        if not switch.is_visible():
            return [f"{main.name}: no visible {code.upper()} button"]
        switch.click()
        expect(page.locator("html")).to_have_attribute("lang", code)
        if urlsplit(page.url).path != path:
            return [f"{main.name}: {code.upper()} led to {page.url}"]
    if page.title() != title:
        return [f"{main.name}: back in Dutch, {page.title()!r} != {title!r}"]
    return []


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_main_page(people, server, main_pages, language):
    """On every main page: axe-core finds nothing serious or critical, nothing scrolls
    sideways on a 360px phone, and dates and numbers are written the local way. In Dutch,
    also: Dutch is what a browser gets that asks for no language, and the page's EN button
    shows that same page in English, its NL button in Dutch again.

    axe runs at phone size, where every page is at its longest and wide content has to
    scroll in its own box; the desktop shows the same markup, and is screenshotted too.
    """
    assert len(main_pages) >= 25
    browsers = Browsers(people)
    problems = []
    cookies = {}
    for main in main_pages:
        phone = browsers.page(main.who, language, "phone")
        visit(phone, main)
        start_axe(phone)  # it runs on while the desktop page loads

        desktop = browsers.page(main.who, language, "desktop")
        visit(desktop, main)
        screenshot(desktop, f"{language}-desktop-{main.name}")
        problems += missing_texts(desktop, main, language)

        where = f"{main.name} ({language})"
        for page in (phone, desktop):
            expect(page.locator("html")).to_have_attribute("lang", language)
            assert urlsplit(page.url).path == urlsplit(main.url).path, f"{where}: {page.url}"
        if violations := axe_violations(phone):
            problems.append(describe(where, violations))
        if (overflow := phone.evaluate(SIDEWAYS)) > 0:
            problems.append(f"{where}: scrolls sideways by {overflow}px at 360px wide")
        screenshot(phone, f"{language}-phone-{main.name}")

        if language == "nl":
            if (lang := language_unasked(server, main, cookies)) != "nl":
                problems.append(f"{main.name}: lang={lang} without Accept-Language")
            problems += switch_problems(desktop, main)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
