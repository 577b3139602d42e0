"""Consultations (raadplegingen) end to end in the browser (voting/consultations.py).

Alice the moderator prepares a consultation through its form, adds its questions through
the "Prepare a vote" form and opens it; bob answers on his phone question by question, in
two sittings, and dirk answers all at once; alice follows the turnout, closes it and writes
a summary; carl answers for the corporation; bob finds the results, the summary and carl's
answer on the consultation page and on the terugkoppeling page. People are made with the
ORM; everything else is done through the pages.
"""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from panels.models import Membership, Role
from tests.conftest import make_user
from tests.e2e.conftest import PHONE, screenshot
from voting.models import Consultation, Vote

TITLE = "Onderhoud 2027"
AGREED = "Akkoord met de planning van het onderhoud?"
FIRST = "Welk onderhoud gaat voor?"
WISH = "Wat wilt u de corporatie nog meegeven?"
ROOFS, FRAMES, LIFTS = "Daken", "Kozijnen", "Liften"
BOBS_WISH = "Meer licht in de galerij"
DIRKS_WISH = "Graag eerst de liften"
SUMMARY = "De daken gaan voor; de liften volgen."
RESPONSE = "Wij beginnen in maart met de daken van blok A."


def page_for(people, who: Membership, **options) -> Page:
    return people.page_for(who, language=options.pop("language", "en"), **options)


def dirk_in(panel) -> Membership:
    return Membership.objects.create(
        panel=panel, user=make_user("dirk@example.org", "Dirk Member"), role=Role.MEMBER
    )


def said(page: Page, message: str) -> None:
    expect(page.locator(".messages")).to_contain_text(message)


def to_consultations(page: Page, panel, link: str = "Consultations") -> None:
    """From the panel page, by its link."""
    page.goto(panel.get_absolute_url())
    page.get_by_role("link", name=link, exact=True).click()
    expect(page.locator("h1")).to_have_text(link)


def prepare(page: Page, panel, title: str, *, anonymous: bool = False) -> Consultation:
    """Alice prepares a consultation on its form; it closes in two weeks."""
    to_consultations(page, panel)
    page.get_by_role("link", name="Prepare a consultation").click()
    expect(page.locator("h1")).to_have_text("Prepare a consultation")
    page.get_by_label("Title:").fill(title)
    page.get_by_label("Introduction:").fill("Wat vindt u belangrijk in het onderhoud?")
    ends = (timezone.now() + timedelta(days=14)).astimezone(ZoneInfo("Europe/Amsterdam"))
    page.get_by_label("Open until:").fill(ends.strftime("%Y-%m-%dT%H:%M"))
    if anonymous:
        page.get_by_label("Anonymous: every question is a secret ballot").check()
    page.get_by_role("button", name="Prepare the consultation").click()
    said(page, "The consultation is prepared. Now add its questions.")
    consultation = Consultation.objects.get(title=title)
    assert consultation.anonymous is anonymous
    expect(page).to_have_url(re.compile(re.escape(consultation.get_absolute_url()) + "$"))
    return consultation


def add_question(
    page: Page,
    consultation: Consultation,
    question: str,
    method: str,
    options=(),
    **settings: str,
) -> Vote:
    """Alice adds a question through the "Prepare a vote" form, from the consultation page."""
    page.get_by_role("link", name="Add a question").click()
    expect(page.locator("h1")).to_have_text("Prepare a vote")
    # A question is open for the consultation's period: the form does not ask.
    expect(page.get_by_label("Kind of vote:")).to_have_count(0)
    expect(page.get_by_label("Secret ballot:")).to_have_count(0)
    page.get_by_label("Question:", exact=True).fill(question)
    page.get_by_label("Method:").select_option(method)
    if options:
        page.get_by_label("Options (one per line):").fill("\n".join(options))
    for label, value in settings.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Prepare the vote").click()
    said(page, "The question is added.")
    expect(page).to_have_url(re.compile(re.escape(consultation.get_absolute_url()) + "$"))
    vote = Vote.objects.get(question=question)
    assert (vote.consultation_id, vote.method, vote.mode, vote.closes_at) == (
        consultation.pk,
        method,
        Vote.Mode.TIMED,
        consultation.closes_at,
    )
    return vote


def open_it(page: Page) -> None:
    page.get_by_role("button", name="Open the consultation").click()
    said(page, "The consultation is open: the members can answer it now.")


def question(page: Page, number: int, total: int, text: str) -> Locator:
    """The page shows question `number` of `total`; returns its ballot."""
    expect(page.locator("#question-progress")).to_have_text(f"Question {number} of {total}")
    expect(page.locator("h1")).to_have_text(text)
    return page.locator("form.ballot")


def cast(page: Page, form: Locator) -> None:
    form.get_by_role("button", name="Cast my vote").click()
    expect(page.locator("#live-notice")).to_contain_text("Your vote has been recorded.")


def next_question(page: Page) -> None:
    page.get_by_role("link", name="Next question →").click()


def to_overview(page: Page) -> None:
    page.get_by_role("link", name="Back to the overview").click()
    expect(page.locator("h1")).to_have_text(TITLE)


def progress(page: Page, answered: int, total: int) -> None:
    expect(page.locator("#progress-heading")).to_have_text(
        f"You answered {answered} of {total} questions"
    )
    expect(page.locator("progress")).to_have_attribute("value", str(answered))


def listed(page: Page, states: list[str]) -> None:
    """The overview's questions, each with whether this person answered it."""
    expect(page.locator("ol.questions li .meta")).to_have_text(
        [re.compile(f"{re.escape(state)}$") for state in states]
    )


def turnout(page: Page, counts: dict[str, int]) -> None:
    table = page.get_by_role("region", name="Turnout so far")
    for text, count in counts.items():
        row = table.locator("tr").filter(has=page.locator("th", has_text=text))
        expect(row.locator("td")).to_have_text(str(count))


def row(scope: Locator, label: str) -> Locator:
    return scope.locator("tr").filter(
        has=scope.page.locator("th", has_text=re.compile(f"^{re.escape(label)}$"))
    )


def result_of(page: Page, text: str) -> Locator:
    return page.locator("article.card").filter(has=page.get_by_role("heading", name=text))


# --- the tests ---------------------------------------------------------------------------------


def test_a_consultation_answered_in_parts_with_its_results_summary_and_answer(
    people, panel, alice, bob, carl
):
    dirk = dirk_in(panel)
    moderator = page_for(people, alice)
    consultation = prepare(moderator, panel, TITLE)
    add_question(moderator, consultation, AGREED, "yes_no")
    add_question(
        moderator,
        consultation,
        FIRST,
        "points",
        [ROOFS, FRAMES, LIFTS],
        **{"Points: how many points each member divides": "10"},
    )
    add_question(
        moderator,
        consultation,
        WISH,
        "open_question",
        **{"Written answers: at most this many characters each": "100"},
    )
    expect(moderator.locator("ol.questions li a")).to_have_text([AGREED, FIRST, WISH])
    open_it(moderator)
    assert {v.state for v in Vote.objects.filter(consultation=consultation)} == {"open"}

    # Bob, on his phone, finds it from the panel page and answers two of the three questions.
    phone = page_for(people, bob, viewport=PHONE)
    to_consultations(phone, panel)
    expect(phone.locator("article")).to_contain_text("you answered 0 of 3 questions")
    phone.get_by_role("link", name=TITLE).click()
    progress(phone, 0, 3)
    listed(phone, ["not answered yet"] * 3)
    expect(phone.get_by_text("Turnout so far")).to_have_count(0)  # not public
    phone.get_by_role("link", name=AGREED).click()
    ballot = question(phone, 1, 3, AGREED)
    expect(phone.get_by_role("link", name="Previous question")).to_have_count(0)
    ballot.get_by_label("For", exact=True).check()
    cast(phone, ballot)
    next_question(phone)
    ballot = question(phone, 2, 3, FIRST)
    expect(ballot).to_contain_text("Divide at most 10 points over the options.")
    ballot.get_by_label(ROOFS).fill("6")
    ballot.get_by_label(FRAMES).fill("4")
    cast(phone, ballot)
    next_question(phone)
    question(phone, 3, 3, WISH)
    phone.get_by_role("link", name="← Previous question").click()
    question(phone, 2, 3, FIRST)
    expect(phone.locator("main")).to_contain_text("You answered this question.")
    phone.get_by_role("link", name=f"← {TITLE}").click()
    progress(phone, 2, 3)
    listed(phone, ["answered", "answered", "not answered yet"])
    screenshot(phone, "consultation-progress-phone")

    # Dirk answers all three in one go.
    desk = page_for(people, dirk)
    desk.goto(consultation.get_absolute_url())
    progress(desk, 0, 3)
    desk.get_by_role("link", name=AGREED).click()
    ballot = question(desk, 1, 3, AGREED)
    ballot.get_by_label("Against", exact=True).check()
    cast(desk, ballot)
    next_question(desk)
    ballot = question(desk, 2, 3, FIRST)
    ballot.get_by_label(ROOFS).fill("3")
    ballot.get_by_label(LIFTS).fill("7")
    cast(desk, ballot)
    next_question(desk)
    ballot = question(desk, 3, 3, WISH)
    expect(ballot.get_by_label("Your answer (at most 100 characters)")).to_be_visible()
    ballot.get_by_label("Your answer (at most 100 characters)").fill(DIRKS_WISH)
    cast(desk, ballot)
    to_overview(desk)
    progress(desk, 3, 3)

    # Alice follows the turnout.
    moderator.reload()
    turnout(moderator, {AGREED: 2, FIRST: 2, WISH: 1})

    # Later bob comes back for the last question.
    to_consultations(phone, panel)
    expect(phone.locator("article")).to_contain_text("you answered 2 of 3 questions")
    phone.get_by_role("link", name=TITLE).click()
    phone.get_by_role("link", name=WISH).click()
    ballot = question(phone, 3, 3, WISH)
    ballot.get_by_label("Your answer (at most 100 characters)").fill(BOBS_WISH)
    cast(phone, ballot)
    to_overview(phone)
    progress(phone, 3, 3)
    listed(phone, ["answered"] * 3)

    moderator.reload()
    turnout(moderator, {AGREED: 2, FIRST: 2, WISH: 2})

    # Alice closes it and writes a summary; carl answers for the corporation.
    moderator.get_by_role("button", name="Close the consultation now").click()
    said(moderator, "The consultation is closed and its results are published.")
    assert {v.state for v in Vote.objects.filter(consultation=consultation)} == {"closed"}
    moderator.get_by_label("Summary of the results (published with them)").fill(SUMMARY)
    moderator.get_by_role("button", name="Publish the summary").click()
    said(moderator, "The summary is published.")

    corporation = page_for(people, carl)
    corporation.goto(consultation.get_absolute_url())
    corporation.get_by_label("What the corporation did with the results").fill(RESPONSE)
    corporation.get_by_role("button", name="Save the answer").click()
    said(corporation, "The corporation's answer is published.")

    # Bob sees the results with their figures, the summary and carl's answer.
    phone.reload()
    results = phone.get_by_role("region", name="Results")
    expect(results.locator(".summary")).to_contain_text(SUMMARY)
    agreed = result_of(phone, AGREED)
    expect(agreed.locator(".result")).to_contain_text("2 of 3 who could vote took part.")
    expect(row(agreed, "For").locator("td")).to_contain_text("1")
    expect(row(agreed, "Against").locator("td")).to_contain_text("1")
    first = result_of(phone, FIRST)
    expect(first.locator(".result__outcome")).to_have_text(f"Most points: {ROOFS}")
    expect(row(first, ROOFS).locator("td")).to_have_text(["9", "2"])
    expect(row(first, FRAMES).locator("td")).to_have_text(["4", "1"])
    expect(row(first, LIFTS).locator("td")).to_have_text(["7", "1"])
    expect(result_of(phone, WISH).locator("ul.answers li")).to_have_text([DIRKS_WISH, BOBS_WISH])
    answer = results.locator(".card").filter(has_text="What the corporation did with it")
    expect(answer).to_contain_text(RESPONSE)
    expect(answer).to_contain_text("Carl Corporation")
    expect(phone.locator("progress")).to_have_count(0)  # closed: no progress any more
    screenshot(phone, "consultation-results-phone")

    # And on the terugkoppeling page.
    phone.goto(reverse("agreements:feedback", args=[panel.pk]))
    expect(phone.locator("#consultations-heading")).to_have_text("What became of the consultations")
    card = phone.locator("article").filter(has=phone.get_by_role("heading", name=TITLE))
    expect(card).to_contain_text(SUMMARY)
    expect(card).to_contain_text(RESPONSE)
    expect(card).to_contain_text("Carl Corporation")


def test_the_consultation_pages_are_in_dutch(people, panel, alice, bob):
    moderator = page_for(people, alice)
    consultation = prepare(moderator, panel, TITLE)
    add_question(moderator, consultation, AGREED, "yes_no")
    add_question(moderator, consultation, WISH, "open_question")
    add_question(moderator, consultation, FIRST, "points", [ROOFS, LIFTS])
    open_it(moderator)

    phone = page_for(people, bob, language="nl", viewport=PHONE)
    to_consultations(phone, panel, "Raadplegingen")
    phone.get_by_role("link", name=TITLE).click()
    expect(phone.locator("#progress-heading")).to_have_text("U beantwoordde 0 van de 3 vragen")
    phone.get_by_role("link", name=AGREED).click()
    expect(phone.locator("#question-progress")).to_have_text("Vraag 1 van 3")
    expect(phone.get_by_role("link", name="Volgende vraag →")).to_be_visible()
    expect(phone.locator("main")).not_to_contain_text("Question")


def test_an_anonymous_consultation_shows_no_names_after_the_close(people, panel, alice, bob):
    dirk = dirk_in(panel)
    moderator = page_for(people, alice)
    consultation = prepare(moderator, panel, TITLE, anonymous=True)
    add_question(moderator, consultation, AGREED, "yes_no")
    add_question(moderator, consultation, WISH, "open_question")
    open_it(moderator)
    assert all(v.secret for v in Vote.objects.filter(consultation=consultation))

    for who, choice, wish in ((bob, "For", BOBS_WISH), (dirk, "Against", DIRKS_WISH)):
        page = page_for(people, who, viewport=PHONE)
        page.goto(consultation.get_absolute_url())
        page.get_by_role("link", name=AGREED).click()
        ballot = question(page, 1, 2, AGREED)
        expect(ballot).to_contain_text("Secret ballot")
        ballot.get_by_label(choice, exact=True).check()
        cast(page, ballot)
        next_question(page)
        ballot = question(page, 2, 2, WISH)
        expect(ballot).to_contain_text("Anonymous: your answer is stored without your name")
        ballot.get_by_label("Your answer (at most 280 characters)").fill(wish)
        cast(page, ballot)
        to_overview(page)
        progress(page, 2, 2)

    moderator.reload()
    moderator.get_by_role("button", name="Close the consultation now").click()
    said(moderator, "The consultation is closed and its results are published.")

    names = ("Bob Member", "Dirk Member", "Alice Moderator")
    results = page.get_by_role("region", name="Results")
    page.reload()
    expect(result_of(page, AGREED).locator(".result")).to_contain_text(
        "2 of 3 who could vote took part."
    )
    expect(result_of(page, WISH).locator("ul.answers li")).to_have_text([DIRKS_WISH, BOBS_WISH])
    for name in names:
        expect(results).not_to_contain_text(name)
    # Nor on each question's own page: no "who voted what".
    for text in (AGREED, WISH):
        page.goto(consultation.get_absolute_url())
        results.get_by_role("link", name=text).click()
        expect(page.locator("h1")).to_have_text(text)
        expect(page.locator("main")).to_contain_text("secret ballot")
        expect(page.get_by_text("Who voted what")).to_have_count(0)
        for name in names:
            expect(page.locator("main")).not_to_contain_text(name)
