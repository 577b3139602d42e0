"""A message belongs to the agenda item under discussion when its writer started it.

The usual case: a member opens the live page before the moderator opens an item. The page's
message box used to carry no item then, and a message typed during one item was filed under
the next one when the moderator moved on before it was sent (issue 18). The box now follows
the pushed status until the first letter is typed, and keeps that item from then on.
"""

from playwright.sync_api import Page, expect

from panels import floor, meetings
from panels.models import Message
from tests.conftest import AGENDA
from tests.e2e.conftest import PHONE, act, live, wait_for


def opened_before_any_item(people, meeting, alice, bob) -> tuple[Page, Page, list]:
    """The meeting live with the floor open and nothing under discussion; the moderator's
    and bob's pages open."""
    for title in AGENDA:
        act(meetings.add_item, alice, meeting, title=title)
    act(meetings.start_meeting, alice, meeting)
    act(floor.set_floor, alice, meeting, True)
    act(meetings.finish_current_item, alice, meeting)
    items = list(meeting.items.order_by("position"))
    pages = [people.page_for(alice), people.page_for(bob, viewport=PHONE)]
    for page in pages:
        page.goto(meeting.get_absolute_url())
        live(page)
    expect(pages[1].locator("#live-status")).to_have_attribute("data-current-item", "0")
    return *pages, items


def now_discussing(moderator: Page, page: Page, item) -> None:
    """The moderator opens the item on their own page; bob's page hears of it."""
    moderator.get_by_role("button", name=f"Nu bespreken: {item.title}").click()
    expect(page.locator("#live-status")).to_have_attribute("data-current-item", str(item.pk))


def test_a_message_begun_under_one_item_is_not_filed_under_the_next(people, meeting, alice, bob):
    moderator, page, (_opening, repairs, garden) = opened_before_any_item(
        people, meeting, alice, bob
    )
    now_discussing(moderator, page, repairs)
    box = page.get_by_role("textbox", name="Uw bericht")
    box.press_sequentially("De lekkage in blok C")

    now_discussing(moderator, page, garden)  # the moderator moves on while bob types
    page.get_by_role("button", name="Bericht plaatsen").click()

    expect(page.locator("#message-form [role=alert]")).to_contain_text(garden.title)
    expect(box).to_have_value("De lekkage in blok C")
    assert not Message.objects.exists()
    # Sent again, now knowingly under the item discussed: filed there.
    page.get_by_role("button", name="Bericht plaatsen").click()
    wait_for(lambda: Message.objects.filter(item=garden).exists(), what="posted under the garden")
    assert not Message.objects.exclude(item=garden).exists()


def test_a_message_begun_after_the_page_was_opened_goes_under_the_item_then_discussed(
    people, meeting, alice, bob
):
    moderator, page, (_opening, repairs, _garden) = opened_before_any_item(
        people, meeting, alice, bob
    )
    now_discussing(moderator, page, repairs)

    page.get_by_role("textbox", name="Uw bericht").press_sequentially("Wanneer komt de loodgieter?")
    page.get_by_role("button", name="Bericht plaatsen").click()

    wait_for(lambda: Message.objects.filter(item=repairs).exists(), what="posted under repairs")
    expect(page.locator("#live-discussion")).to_contain_text("Wanneer komt de loodgieter?")
