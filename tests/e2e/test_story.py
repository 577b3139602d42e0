"""The whole product, as the people who use it see it, in one story.

A moderator, three members (one of them joins through an invitation during the story,
on a phone; one reads in English) and a representative of each side, each in their own
browser. Every step is taken in one browser and must appear in the others without
reloading, within a few seconds.
"""

import re
from datetime import timedelta
from email import message_from_bytes

from django.utils import timezone
from playwright.sync_api import Page, expect

from agreements.models import Agreement
from panels.models import AgendaItem, Meeting, Membership, Role
from tests.conftest import PASSWORD, make_user
from tests.e2e.conftest import PHONE, SEEN_WITHIN_MS, live, screenshot
from voting.models import Amendment, Ballot, Proposal, Vote

PROPOSAL_TEXT = (
    "De corporatie schildert de kozijnen van alle woningen in 2026.\n\n"
    "Huurders kiezen de kleur uit drie voorstellen."
)


def seen(locator, text) -> None:
    """Another person's browser shows `text` without reloading, within a few seconds."""
    expect(locator).to_contain_text(text, timeout=SEEN_WITHIN_MS)


def everyone_sees(pages: list[Page], selector: str, text) -> None:
    for page in pages:
        seen(page.locator(selector), text)


def invitation_link(mail_dir, email: str) -> str:
    for path in sorted(mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True):
        for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if not raw.strip():
                continue
            message = message_from_bytes(raw.strip())
            if email in message.get("To", ""):
                # The plain-text part (every email also has an HTML one: panels/mail.py).
                text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
                body = text.get_payload(decode=True).decode()
                return re.search(r"https?://\S+/invitations/\S+/", body).group(0)
    raise AssertionError(f"no invitation mailed to {email}")


def cast(page: Page, vote: Vote, choice: str) -> None:
    page.locator(f"#b{vote.pk}-{choice}").check()
    page.locator(f"#btn-cast-{vote.pk}").click()
    seen(page.locator("#live-my-vote"), re.compile("gestemd|You have voted"))


def test_from_invitation_to_signed_agreement(people, server, panel, alice, bob, carl, tina):
    fatima = Membership.objects.create(
        panel=panel,
        user=make_user("fatima@example.org", "Fatima Member"),
        role=Role.MEMBER,
    )
    meeting = Meeting.objects.create(
        panel=panel,
        title="Bijeenkomst over onderhoud",
        starts_at=timezone.now() + timedelta(minutes=10),
        created_by=alice.user,
    )
    AgendaItem.objects.create(meeting=meeting, title="Opening", position=0)
    paint = AgendaItem.objects.create(meeting=meeting, title="Schilderwerk 2026", position=1)
    url = meeting.get_absolute_url()

    # --- An invitation, accepted on a phone ---------------------------------------------------
    moderator = people.page_for(alice)
    moderator.goto(f"/panels/{panel.pk}/members/")
    moderator.get_by_label("E-mailadres").fill("dirk@example.org")
    moderator.get_by_role("button", name="Uitnodiging versturen").click()
    expect(moderator.locator("main")).to_contain_text("dirk@example.org")

    dirk_page = people.page_for(viewport=PHONE)
    dirk_page.goto(invitation_link(server.mail_dir, "dirk@example.org"))
    dirk_page.get_by_label("Uw naam").fill("Dirk Nieuw")
    dirk_page.get_by_label("Kies een wachtwoord").fill(PASSWORD)
    dirk_page.get_by_label("Wachtwoord nog een keer").fill(PASSWORD)
    dirk_page.get_by_role("button", name="Account aanmaken en meedoen").click()
    expect(dirk_page.locator("h1")).to_have_text(panel.name)
    dirk = Membership.objects.get(panel=panel, user__email="dirk@example.org")
    assert dirk.role == Role.MEMBER and dirk.can_vote

    # --- Everyone opens the meeting; the moderator starts it ---------------------------------
    bob_page = people.page_for(bob)
    fatima_page = people.page_for(fatima, language="en")
    carl_page, tina_page = people.page_for(carl), people.page_for(tina)
    dirk_page.get_by_role("link", name=meeting.title).click()
    members = [bob_page, fatima_page, carl_page, tina_page]
    for page in [moderator, *members]:
        page.goto(url)
    for page in [moderator, dirk_page, *members]:
        live(page)
    others = [dirk_page, *members]
    seen(moderator.locator("#live-presence"), "6 aanwezig")  # all six are here, and the
    seen(moderator.locator("#live-presence"), "Dirk Nieuw")  # newcomer is among them

    moderator.locator("#btn-start").click()
    everyone_sees(others, "#live-status", re.compile("Begonnen|Live"))

    # --- An agenda item is opened -------------------------------------------------------------
    moderator.locator(f"#btn-current-{paint.pk}").click()
    everyone_sees(others, "#live-status", "Schilderwerk 2026")
    screenshot(dirk_page, "story-phone-item-open")

    # --- The floor is opened, a hand is raised, the floor is given ----------------------------
    moderator.locator("#btn-floor").click()
    everyone_sees(others, "#live-status", re.compile("Het woord is vrij|The floor is open"))
    bob_page.locator("#btn-hand").click()
    seen(moderator.locator("#live-speakers"), "Bob Member")
    seen(fatima_page.locator("#live-speakers"), "Bob Member")
    moderator.locator("#btn-next-speaker").click()
    seen(bob_page.locator("#live-my-hand"), "U hebt het woord")
    everyone_sees([dirk_page, fatima_page, carl_page], "#live-speakers", "Bob Member")

    # --- A proposal is submitted --------------------------------------------------------------
    bob_page.get_by_role("link", name="Voorstel indienen").click()
    bob_page.get_by_label("Titel").fill("Kozijnen in 2026")
    bob_page.get_by_label("Tekst van het voorstel").fill(PROPOSAL_TEXT)
    bob_page.get_by_role("button", name="Voorstel indienen").click()
    expect(bob_page.locator("h1")).to_contain_text("Kozijnen in 2026")
    proposal = Proposal.objects.get(title="Kozijnen in 2026")
    everyone_sees([moderator, dirk_page, fatima_page, tina_page], "#live-proposals", proposal.title)
    bob_page.goto(url)
    live(bob_page)

    # --- An amendment is submitted (from the phone) and voted ---------------------------------
    dirk_page.locator(f"#proposal-{proposal.pk}").get_by_role(
        "link", name=re.compile("Amendement indienen")
    ).click()
    dirk_page.get_by_label("Een alinea vervangen").check()
    dirk_page.get_by_label("Welke alinea?").select_option("1")
    dirk_page.get_by_label("Nieuwe tekst").fill("Huurders kiezen de kleur uit vijf voorstellen.")
    dirk_page.get_by_label("Waarom deze wijziging?").fill("Meer keuze voor de huurders.")
    dirk_page.locator("main form button[type=submit]").last.click()
    amendment = Amendment.objects.get(proposal=proposal)
    dirk_page.goto(url)
    live(dirk_page)
    everyone_sees([moderator, bob_page, fatima_page], f"#amendment-{amendment.pk}", "Dirk Nieuw")

    amendment_vote = prepare_and_open_vote(moderator, f"#amendment-{amendment.pk}", others)
    for page, choice in ((bob_page, "for"), (dirk_page, "for"), (fatima_page, "against")):
        cast(page, amendment_vote, choice)
    seen(moderator.locator("#live-vote"), "3 van de")
    close_vote(moderator, others, "Aangenomen")
    everyone_sees([bob_page, dirk_page], "#live-proposals", "vijf voorstellen")
    assert Ballot.objects.filter(vote=amendment_vote).count() == 3

    # --- The proposal is voted ----------------------------------------------------------------
    proposal_vote = prepare_and_open_vote(moderator, f"#proposal-{proposal.pk}", others)
    for page, choice in ((bob_page, "for"), (dirk_page, "for"), (fatima_page, "abstain")):
        cast(page, proposal_vote, choice)
    close_vote(moderator, others, "Aangenomen")
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.ADOPTED

    # --- An agreement is drafted from it and signed by both sides -----------------------------
    draft = people.page_for(alice)
    draft.goto(f"/panels/{panel.pk}/agreements/new/?proposal={proposal.pk}")
    expect(draft.get_by_label("Titel")).to_have_value("Kozijnen in 2026")
    draft.locator("main form button[type=submit]").last.click()
    agreement = Agreement.objects.get(panel=panel)
    everyone_sees([moderator, bob_page, dirk_page], "#live-agreements", "Kozijnen in 2026")

    for rep_page, rep, after in ((carl_page, carl, "1 van de 2"), (tina_page, tina, "van kracht")):
        rep_page.goto(f"/panels/{panel.pk}/agreements/{agreement.pk}/")
        rep_page.get_by_role("button", name=re.compile("Versie 1 ondertekenen")).click()
        signatures = rep_page.locator("section[aria-labelledby=sign-heading]")
        expect(signatures).to_contain_text(rep.user.name)
        everyone_sees([moderator, bob_page, dirk_page], "#live-agreements", after)
    assert agreement.signatures.filter(voided_at=None).count() == 2
    screenshot(dirk_page, "story-phone-end")

    # --- A member reads the terugkoppeling ----------------------------------------------------
    fatima_page.goto(f"/panels/{panel.pk}/feedback/")
    main = fatima_page.locator("main")
    expect(main).to_contain_text("Kozijnen in 2026")
    expect(main).to_contain_text("Adopted")
    screenshot(fatima_page, "story-feedback-en")


def prepare_and_open_vote(moderator: Page, subject: str, others: list[Page]) -> Vote:
    """The moderator prepares a vote on a proposal or amendment and opens it."""
    moderator.locator(subject).get_by_role(
        "link", name=re.compile("Stemming over dit")
    ).first.click()
    moderator.locator("main form button[type=submit]").last.click()
    live(moderator)
    vote = Vote.objects.latest("pk")
    moderator.locator(f"#btn-open-vote-{vote.pk}").click()
    everyone_sees(others[:3], "#live-ballot", vote.question)
    return vote


def close_vote(moderator: Page, others: list[Page], outcome: str) -> None:
    moderator.locator("#btn-close-vote").click()
    seen(moderator.locator("#live-vote"), outcome)
    everyone_sees(others, "#live-vote", re.compile(f"{outcome}|Adopted"))
