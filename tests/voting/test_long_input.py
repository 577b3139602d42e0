"""Text over a field's limit, in every form people type into: refused with the limit and
the length named, nothing saved, and never echoed back whole into the page.

A browser stops typing at the limit (the `maxlength` attribute), so a person keeps every
character they could type; longer input comes from a script or a forged request, and
the page shows back only as much as the field takes (config/forms.py). Line breaks count
once, as the browser counts them, although a plain form sends each as two characters.
"""

import inspect
from html.parser import HTMLParser

import pytest
from django import forms
from django.urls import reverse

from agreements import forms as agreement_forms
from agreements import services as agreements
from panels import floor
from panels import forms as panel_forms
from panels.forms import TextField
from panels.models import AgendaItem, Meeting, Message
from tests.agreements.test_services import FIELDS as AGREEMENT_FIELDS
from tests.helpers import agenda
from tests.voting.test_fuzz_forms import state
from voting import forms as voting_forms

pytestmark = pytest.mark.django_db

MEGABYTE = "Begin van een lang verhaal. " + "x" * 1_048_576
# The largest page that shows one of these forms, and far below the megabyte.
PAGE_MAX = 200_000


class FieldValues(HTMLParser):
    """What each input and textarea of a page holds, by name."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea":
            self._textarea = attrs.get("name")
            self.values[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def shown_values(html: str) -> dict[str, str]:
    parser = FieldValues()
    parser.feed(html)
    return {name: value.removeprefix("\n") for name, value in parser.values.items()}


def everything() -> tuple:
    """Every row of ours (history included), and what the edit forms change."""
    return (
        state(),
        sorted(Meeting.objects.values_list("pk", "title", "description")),
        sorted(AgendaItem.objects.values_list("pk", "title", "description")),
    )


def too_long(limit: int, length: int) -> str:
    return f"This can be at most {limit:,} characters; yours has {length:,}."


@pytest.fixture
def world(alice, bob, live_meeting, proposal, make_invitation):
    first, *_ = agenda(live_meeting)
    floor.set_floor(alice, live_meeting, True)
    message = floor.post_message(bob, live_meeting, "Wanneer komt de schilder?")
    agreement = agreements.create_agreement(alice, **AGREEMENT_FIELDS)
    _invitation, token = make_invitation(email="nieuw@example.org")
    panel, meeting = live_meeting.panel_id, live_meeting.pk
    return {
        "panels:meeting_new": [panel],
        "panels:meeting_edit": [panel, meeting],
        "panels:item_add": [panel, meeting],
        "panels:item_edit": [panel, meeting, first.pk],
        "panels:message_hide": [panel, meeting, message.pk],
        "panels:meeting_pulse": [panel, meeting],
        "panels:invitation": [token],
        "voting:proposal_new": [panel, first.pk],
        "voting:proposal_edit": [panel, proposal.pk],
        "voting:proposal_hide": [panel, proposal.pk],
        "voting:amendment_new": [panel, proposal.pk],
        "voting:vote_new": [panel],
        "agreements:new": [panel],
        "agreements:edit": [panel, agreement.pk],
        "base_version": proposal.version,
        "agreement_version": agreement.version,
    }


MEETING = {"title": "Avond", "starts_at": "2030-05-01T19:30", "duration_minutes": "90"}
PASSWORDS = {"password1": "een lang wachtwoord 2030", "password2": "een lang wachtwoord 2030"}
VOTE = {"question": "Welke kleur?", "method": "one_choice", "majority": "simple"}
VOTE |= {"qualified": "2/3", "mode": "live", "options": "Groen\nBlauw"}

# (view, who, the field, its limit, the rest of a valid form)
FORMS = [
    ("panels:meeting_new", "alice", "title", 200, MEETING),
    ("panels:meeting_new", "alice", "description", 5000, MEETING),
    ("panels:meeting_edit", "alice", "description", 5000, MEETING),
    ("panels:item_add", "alice", "title", 200, {}),
    ("panels:item_edit", "alice", "description", 5000, {"title": "Opening"}),
    ("panels:message_hide", "alice", "reason", 300, {}),
    ("panels:meeting_pulse", "bob", "comment", 1000, {"heard": "4"}),
    ("panels:invitation", None, "name", 150, PASSWORDS),
    ("voting:proposal_new", "bob", "title", 200, {"text": "Tekst."}),
    ("voting:proposal_new", "bob", "text", 20_000, {"title": "Bankjes"}),
    ("voting:proposal_edit", "bob", "text", 20_000, {"title": "Bankjes", "base_version": "1"}),
    ("voting:proposal_hide", "alice", "reason", 300, {}),
    (
        "voting:amendment_new",
        "tina",
        "rationale",
        5000,
        {"kind": "replace", "paragraph": "1", "new_text": "Nieuw.", "base_version": "1"},
    ),
    (
        "voting:amendment_new",
        "tina",
        "new_text",
        20_000,
        {"kind": "replace", "paragraph": "1", "rationale": "Beter.", "base_version": "1"},
    ),
    ("voting:vote_new", "alice", "question", 200, VOTE),
    ("agreements:new", "alice", "title", 200, AGREEMENT_FIELDS),
    ("agreements:new", "alice", "topic", 10_000, AGREEMENT_FIELDS),
    ("agreements:edit", "alice", "reason", 100, AGREEMENT_FIELDS | {"base_version": "1"}),
]


@pytest.mark.parametrize(
    ("view", "persona", "field", "limit", "rest"),
    FORMS,
    ids=[f"{view}.{field}" for view, _p, field, _l, _r in FORMS],
)
def test_a_megabyte_is_refused_naming_the_limit_and_shown_back_cut_to_it(
    request, client, world, panel, view, persona, field, limit, rest
):
    if persona:
        client.force_login(request.getfixturevalue(persona).user)
    before = everything()

    response = client.post(reverse(view, args=world[view]), rest | {field: MEGABYTE})

    html = response.content.decode()
    assert response.status_code in (200, 400)
    assert too_long(limit, len(MEGABYTE)) in html
    assert len(html) < PAGE_MAX, "the megabyte came back into the page"
    assert shown_values(html)[field] == MEGABYTE[:limit]
    assert everything() == before


def test_a_chat_message_over_the_limit_says_the_limit_and_keeps_what_fits(
    client_for, bob, live_meeting
):
    response = client_for(bob).post(
        reverse("panels:message_post", args=[live_meeting.panel_id, live_meeting.pk]),
        {"text": MEGABYTE},
    )

    html = response.content.decode()
    error = "A message can be at most 1,000 characters; yours has 1,048,604."
    assert response.status_code == 400
    assert [str(m) for m in response.context["messages"]] == [error]
    assert error in html
    assert len(html) < PAGE_MAX
    assert shown_values(html)["text"] == MEGABYTE[:1000]
    assert not Message.objects.exists()


def test_a_chat_message_over_the_limit_with_htmx_says_the_limit_and_keeps_what_fits(
    client_for, bob, live_meeting
):
    response = client_for(bob).post(
        reverse("panels:message_post", args=[live_meeting.panel_id, live_meeting.pk]),
        {"text": MEGABYTE},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert "A message can be at most 1,000 characters; yours has 1,048,604." in html
    assert len(html) < 20_000
    assert shown_values(html)["text"] == MEGABYTE[:1000]
    assert not Message.objects.exists()


def test_line_breaks_count_once_as_in_the_browser(client_for, bob, live_meeting):
    # 1,000 characters in the box, as the browser counts them; sent with CRLF line breaks.
    lines = ["Regel nummer tien." * 5] * 11
    typed = "\n".join(lines)[:1000]
    assert len(typed) == 1000

    response = client_for(bob).post(
        reverse("panels:message_post", args=[live_meeting.panel_id, live_meeting.pk]),
        {"text": typed.replace("\n", "\r\n")},
    )

    assert response.status_code == 302
    assert Message.objects.get().text == typed


def test_a_vote_with_too_many_options_is_refused_in_the_form(client_for, alice, panel, world):
    options = "\n".join(f"Optie {n}" for n in range(3000))

    response = client_for(alice).post(
        reverse("voting:vote_new", args=[panel.pk]), VOTE | {"options": options}
    )

    assert response.status_code == 400
    assert "A vote can have at most 50 options; this one has 3,000." in response.content.decode()
    assert not panel.votes.exists()


def test_a_vote_option_over_the_limit_is_refused_in_the_form_not_cut(
    client_for, alice, panel, world
):
    response = client_for(alice).post(
        reverse("voting:vote_new", args=[panel.pk]),
        VOTE | {"options": "Groen\n" + MEGABYTE},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "An option can be at most 200 characters; option 2 has 1,048,604." in html
    assert len(html) < PAGE_MAX
    assert not panel.votes.exists()


def test_the_vote_form_names_its_limits(client_for, alice, panel):
    response = client_for(alice).get(reverse("voting:vote_new", args=[panel.pk]))

    assert "at most 50, each at most 200 characters" in response.content.decode()


def test_every_text_field_people_write_in_names_its_limit():
    for module in (panel_forms, voting_forms, agreement_forms):
        for _name, form in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form, forms.BaseForm) or form.__module__ != module.__name__:
                continue
            for name, field in form.base_fields.items():
                # A password is never shown back, and is not text that anyone reads.
                if not isinstance(field, forms.CharField) or isinstance(
                    field.widget, forms.PasswordInput
                ):
                    continue
                assert field.max_length, f"{form.__name__}.{name} has no limit"
                if not isinstance(field, forms.EmailField):
                    assert isinstance(field, TextField), f"{form.__name__}.{name}"
