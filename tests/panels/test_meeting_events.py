"""What a meeting change pushes, to whom, and when; and the frames that are pushed.

Services push after commit (never state that could still roll back), count
every change in the meeting's sequence number, name the fragments that
changed, and send personal bits to the people whose own view changed.
"""

import re
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from panels import floor, meetings
from panels.live import changes, fragments
from panels.live.fragments import Audience
from panels.models import Meeting
from tests.conftest import MEETING_STARTS_AT
from tests.helpers import agenda
from tests.live_helpers import record_notices

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _ in settings.LANGUAGES]
PAGE = fragments.PAGE_AUDIENCES
SCREEN_NAMES = {"screen-status", "screen-speakers"}
HOSTILE = "<script>alert(1)</script> {{ 7|add:1 }}"


class Boom(Exception):
    pass


@dataclass(frozen=True)
class Push:
    meeting_id: int
    names: tuple[str, ...]
    personal_for: tuple[int, ...]


@pytest.fixture
def pushes(monkeypatch, django_capture_on_commit_callbacks):
    """Run a call, commit, and return what it pushed; nothing may go out before the commit."""
    notices = record_notices(monkeypatch)

    def run(call) -> list:
        notices.clear()
        with django_capture_on_commit_callbacks() as callbacks:
            call()
            assert notices == [], "nothing is pushed before the commit"
        for callback in callbacks:
            callback()
        sent: list = []
        for notice in notices:
            names = tuple(sorted(fragments.expand(notice["names"])))
            sent.append(Push(notice["meeting"], names, tuple(notice["personal"])))
            if notice["ends"]:
                sent.append(("closed", notice["meeting"]))
        return sent

    return run


@pytest.fixture
def live(alice, bob, nora, carl, tina, olga, live_meeting):
    """A busy live meeting: bob has the floor and wrote a message, nora and carl wait (in order)."""
    floor.raise_hand(bob, live_meeting)
    floor.give_floor(alice, live_meeting)
    floor.raise_hand(nora, live_meeting)
    floor.raise_hand(carl, live_meeting)
    message = floor.post_message(bob, live_meeting, "De lift is weer kapot.")
    people = {"alice": alice, "bob": bob, "nora": nora, "carl": carl, "tina": tina, "olga": olga}
    return SimpleNamespace(
        meeting=live_meeting, items=agenda(live_meeting), message=message, people=people, **people
    )


def names_of(live, user_ids) -> set[str]:
    by_user = {p.user_id: name for name, p in live.people.items()}
    return {by_user[user_id] for user_id in user_ids}


def seq_of(meeting) -> int:
    return Meeting.objects.get(pk=meeting.pk).seq


def request_id(live, persona: str) -> int:
    return live.meeting.speaker_requests.get(
        membership=live.people[persona], state__in=["waiting", "speaking"]
    ).pk


TURN = {"speakers", "screen-speakers"}
# A change of the current item repaints what follows it, other apps' fragments included
# (the proposals); not the presence list, the votes or the agreements.
ITEM = {
    "status",
    "agenda",
    "speakers",
    "discussion",
    "screen-status",
    "screen-speakers",
    "proposals",
}

# id → (the change, the fragments it pushes, who gets personal bits)
CHANGES = {
    "update_meeting": (
        lambda live: meetings.update_meeting(live.alice, live.meeting, title="Nieuwe titel"),
        {"status", "screen-status"},
        set(),
    ),
    "add_item": (
        lambda live: meetings.add_item(live.alice, live.meeting, title="Extra punt"),
        {"agenda", "status", "screen-status"},
        set(),
    ),
    "update_pending_item": (
        lambda live: meetings.update_item(live.alice, live.items[1], title="Lift en galerij"),
        {"agenda"},
        set(),
    ),
    "move_item": (
        lambda live: meetings.move_item(live.alice, live.items[2], "up"),
        {"agenda"},
        set(),
    ),
    "remove_item": (
        lambda live: meetings.remove_item(live.alice, live.items[2]),
        {"agenda"},
        set(),
    ),
    "set_current_item": (
        lambda live: meetings.set_current_item(live.alice, live.items[1]),
        ITEM,
        {"bob", "nora", "carl"},
    ),
    "finish_current_item": (
        lambda live: meetings.finish_current_item(live.alice, live.meeting),
        ITEM,
        {"bob", "nora", "carl"},
    ),
    "close_floor": (
        lambda live: floor.set_floor(live.alice, live.meeting, False),
        {"status", "speakers", "discussion", "screen-status"},
        set(),
    ),
    "raise_hand": (
        lambda live: floor.raise_hand(live.tina, live.meeting),
        TURN,
        {"nora", "carl", "tina"},
    ),
    "lower_waiting_hand": (
        lambda live: floor.lower_hand(live.nora, live.meeting),
        TURN,
        {"nora", "carl"},
    ),
    "lower_hand_while_speaking": (
        lambda live: floor.lower_hand(live.bob, live.meeting),
        TURN,
        {"bob", "nora", "carl"},
    ),
    "give_floor_to_next": (
        lambda live: floor.give_floor(live.alice, live.meeting),
        TURN,
        {"bob", "nora", "carl"},
    ),
    "give_floor_to_chosen": (
        lambda live: floor.give_floor(
            live.alice, live.meeting, request_id=request_id(live, "carl"), seconds=120
        ),
        TURN,
        {"bob", "nora", "carl"},
    ),
    "end_speaker": (
        lambda live: floor.end_speaker(live.alice, live.meeting),
        TURN,
        {"bob", "nora", "carl"},
    ),
    "remove_speaker": (
        lambda live: floor.remove_speaker(live.alice, live.meeting, request_id(live, "nora")),
        TURN,
        {"nora", "carl"},
    ),
    "post_message": (
        lambda live: floor.post_message(live.tina, live.meeting, "Eens met Bob."),
        {"discussion"},
        set(),
    ),
    "hide_message": (
        lambda live: floor.hide_message(live.alice, live.message, "Persoonlijk"),
        {"discussion"},
        set(),
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_each_change_pushes_its_fragments_once_after_commit(pushes, live, change):
    call, names, personal = CHANGES[change]
    seq = seq_of(live.meeting)

    sent = pushes(lambda: call(live))

    assert len(sent) == 1, sent
    (push,) = sent
    assert push.meeting_id == live.meeting.pk
    assert set(push.names) == names
    assert len(push.names) == len(set(push.names)), "each fragment is named once"
    assert names_of(live, push.personal_for) == personal
    assert len(push.personal_for) == len(set(push.personal_for)), "one personal push each"
    assert seq_of(live.meeting) == seq + 1


def test_raising_a_hand_tells_the_raiser_and_everyone_waiting(pushes, live):
    sent = pushes(lambda: floor.raise_hand(live.tina, live.meeting))

    (push,) = sent
    assert "speakers" in push.names
    assert names_of(live, push.personal_for) == {"tina", "nora", "carl"}
    assert live.bob.user_id not in push.personal_for, "the speaker's own view did not change"


def test_starting_pushes_every_fragment(pushes, alice, meeting):
    meetings.add_item(alice, meeting, title="Opening")

    sent = pushes(lambda: meetings.start_meeting(alice, meeting))

    assert sent == [Push(meeting.pk, tuple(sorted(fragments.FRAGMENTS)), ())]


def test_closing_pushes_every_fragment_and_then_ends_the_sockets(pushes, live):
    sent = pushes(lambda: meetings.close_meeting(live.alice, live.meeting))

    assert len(sent) == 2
    push, closed = sent
    assert set(push.names) == set(fragments.FRAGMENTS)
    assert names_of(live, push.personal_for) == {"bob", "nora", "carl"}
    assert closed == ("closed", live.meeting.pk), "the final fragments go out before the close"


def test_planning_pushes_nothing(pushes, alice):
    sent = pushes(
        lambda: meetings.create_meeting(
            alice, title="Later", starts_at=MEETING_STARTS_AT, notify=False
        )
    )

    assert sent == []


NO_OPS = {
    "start_again": lambda live: meetings.start_meeting(live.alice, live.meeting),
    "raise_again": lambda live: floor.raise_hand(live.nora, live.meeting),
    "open_open_floor": lambda live: floor.set_floor(live.alice, live.meeting, True),
    "move_first_pending_up": lambda live: meetings.move_item(live.alice, live.items[1], "up"),
    "move_last_down": lambda live: meetings.move_item(live.alice, live.items[2], "down"),
    "current_again": lambda live: meetings.set_current_item(live.alice, live.items[0]),
    "lower_without_hand": lambda live: floor.lower_hand(live.tina, live.meeting),
    "hide_hidden": lambda live: floor.hide_message(live.alice, live.hidden, "Tweede reden"),
}


@pytest.mark.parametrize("no_op", NO_OPS)
def test_a_change_that_changes_nothing_pushes_nothing(pushes, live, no_op):
    live.hidden = floor.hide_message(live.alice, live.message, "Eerste reden")
    seq = seq_of(live.meeting)

    sent = pushes(lambda: NO_OPS[no_op](live))

    assert sent == []
    assert seq_of(live.meeting) == seq


def test_nothing_is_pushed_when_the_transaction_rolls_back(
    monkeypatch, live, django_capture_on_commit_callbacks
):
    sent = record_notices(monkeypatch)
    seq = seq_of(live.meeting)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        floor.raise_hand(live.tina, live.meeting)
        floor.post_message(live.tina, live.meeting, "Wordt teruggedraaid")
        assert seq_of(live.meeting) == seq + 2
        raise Boom

    assert callbacks == []
    assert sent == []
    assert seq_of(live.meeting) == seq
    assert not live.meeting.speaker_requests.filter(membership=live.tina).exists()


def test_each_change_in_one_transaction_is_counted_and_pushed(pushes, live):
    seq = seq_of(live.meeting)

    def two_changes():
        with transaction.atomic():
            floor.raise_hand(live.tina, live.meeting)
            floor.post_message(live.tina, live.meeting, "En nog iets.")

    sent = pushes(two_changes)

    assert [set(p.names) for p in sent] == [TURN, {"discussion"}]
    assert seq_of(live.meeting) == seq + 2


# --- every change reaches everyone whose view it changed -------------------------------


def normalised(html: str) -> str:
    return re.sub(r'data-seq="\d+"', "", html)


def rendered_page(meeting) -> dict[tuple[str, str], str]:
    """Every fragment as every audience sees it, in Dutch, without the sequence number."""
    _seq, frames = fragments.render_frames(meeting.pk, fragments.FRAGMENTS, languages=["nl"])
    return {
        (key, name): normalised(html)
        for key, fragments in frames.items()
        for name, html in fragments.items()
    }


def rendered_personal(live) -> dict[str, str]:
    with translation.override("nl"):
        return {
            name: normalised(fragments.render_personal(live.meeting.pk, person))
            for name, person in live.people.items()
        }


@pytest.mark.parametrize(
    "change",
    [*CHANGES, "update_current_item"],
)
def test_every_fragment_that_changed_is_pushed(pushes, live, change):
    if change == "update_current_item":
        call = lambda live: meetings.update_item(live.alice, live.items[0], title="Welkom")  # noqa: E731
    else:
        call = CHANGES[change][0]
    page, personal = rendered_page(live.meeting), rendered_personal(live)

    (push,) = pushes(lambda: call(live))

    after, personal_after = rendered_page(live.meeting), rendered_personal(live)
    changed = {name for key, name in page if page[key, name] != after[key, name]}
    assert changed <= set(push.names), f"changed but not pushed: {changed - set(push.names)}"
    changed_for = {name for name in personal if personal[name] != personal_after[name]}
    assert changed_for <= names_of(live, push.personal_for), "a personal view went stale"


# --- sending ---------------------------------------------------------------------------


class RecordingLayer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    async def group_send(self, group: str, message: dict) -> None:
        self.sent.append((group, message))


def test_a_change_is_one_small_notice_to_the_meeting_sent_after_commit(
    monkeypatch, live, django_capture_on_commit_callbacks
):
    layer = RecordingLayer()
    monkeypatch.setattr(changes, "get_channel_layer", lambda: layer)

    with django_capture_on_commit_callbacks(execute=True):
        floor.raise_hand(live.tina, live.meeting)
        assert layer.sent == [], "nothing goes out before the commit"

    [(group, notice)] = layer.sent
    assert group == changes.meeting_group(live.meeting.pk) == f"meeting.{live.meeting.pk}"
    personal = notice.pop("personal")
    assert notice == {
        "type": "live.changed",
        "meeting": live.meeting.pk,
        "names": ["speakers", "screen-speakers"],
        "burst": False,
        "ends": False,
    }
    assert names_of(live, personal) == {"nora", "carl", "tina"}
    assert "<" not in repr(notice), "no HTML in the request: each worker renders for its sockets"


def test_closing_is_one_notice_that_ends_the_sockets_after_the_last_fragments(
    monkeypatch, live, django_capture_on_commit_callbacks
):
    layer = RecordingLayer()
    monkeypatch.setattr(changes, "get_channel_layer", lambda: layer)

    with django_capture_on_commit_callbacks(execute=True):
        meetings.close_meeting(live.alice, live.meeting)

    notices = [message for group, message in layer.sent if group.startswith("meeting.")]
    assert [(n["names"], n["ends"]) for n in notices] == [([changes.ALL], True)]
    assert names_of(live, notices[0]["personal"]) == {"bob", "nora", "carl"}


# --- the frames ----------------------------------------------------------------------------


def test_each_fragment_is_rendered_once_per_audience_and_language(monkeypatch, live):
    calls: list[str] = []

    def counting(template, context=None, request=None, using=None):
        calls.append(template)
        return render_to_string(template, context, request=request, using=using)

    monkeypatch.setattr(fragments, "render_to_string", counting)

    _seq, frames = fragments.render_frames(live.meeting.pk, fragments.FRAGMENTS)

    for name, fragment in fragments.FRAGMENTS.items():
        assert calls.count(fragment.template) == len(fragment.audiences) * len(LANGUAGES), name
    assert len(calls) == sum(len(f.audiences) for f in fragments.FRAGMENTS.values()) * len(
        LANGUAGES
    )
    assert len(frames) == len(Audience) * len(LANGUAGES)


def test_rendering_needs_the_same_queries_for_few_or_many(live, monkeypatch):
    monkeypatch.setattr(floor, "MESSAGES_PER_MINUTE", 100)  # a busy discussion, at once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            fragments.render_frames(live.meeting.pk, fragments.FRAGMENTS)
        return len(captured)

    few = queries()
    for number in range(20):
        floor.post_message(live.tina, live.meeting, f"Bericht {number}")
    floor.raise_hand(live.tina, live.meeting)

    assert queries() == few


def test_every_fragment_carries_the_meetings_sequence_number_and_its_id(live):
    seq, frames = fragments.render_frames(live.meeting.pk, fragments.FRAGMENTS)

    assert seq == seq_of(live.meeting) > 0
    for key, parts in frames.items():
        for name, html in parts.items():
            numbers = set(re.findall(r'data-seq="(\d+)"', html))
            assert numbers == {str(seq)}, (key, name)
            top = re.match(r'\s*<(\w+)\s+id="([\w-]+)"[^>]*hx-swap-oob="true"', html)
            assert top, f"{key} {name} must start with an element swapped out-of-band by id"


def test_moderator_frames_have_the_controls_and_others_do_not(live):
    _seq, frames = fragments.render_frames(live.meeting.pk, fragments.FRAGMENTS)
    controls = ["btn-floor", "btn-close", "btn-end-speaker", "btn-current-", "btn-remove-"]
    hide_link = f"/messages/{live.message.pk}/hide/"

    for language in LANGUAGES:
        moderator = "".join(frames[f"moderator/{language}"].values())
        for control in [*controls, hide_link]:
            assert control in moderator, (language, control)
        for audience in ("participant", "observer", "screen"):
            html = "".join(frames[f"{audience}/{language}"].values())
            for control in [*controls, hide_link]:
                assert control not in html, (audience, language, control)


def test_frames_are_in_each_language(live):
    _seq, frames = fragments.render_frames(live.meeting.pk, ["speakers"], audiences=PAGE)

    for language in LANGUAGES:
        with translation.override(language):
            heading = translation.gettext("Speaker list")
        for audience in PAGE:
            assert f">{heading}</h2>" in frames[f"{audience}/{language}"]["speakers"]
    assert frames["participant/nl"] != frames["participant/en"]


def test_hidden_message_reason_is_for_moderators_only(live):
    floor.hide_message(live.alice, live.message, "Scheldwoord")

    _seq, frames = fragments.render_frames(live.meeting.pk, ["discussion"])

    assert "Scheldwoord" in frames["moderator/nl"]["discussion"]
    for key in ("participant/nl", "observer/en"):
        assert "Scheldwoord" not in frames[key]["discussion"]
        assert "De lift is weer kapot." not in frames[key]["discussion"]


def test_written_text_is_escaped_in_every_frame(alice, tina, live):
    tina.user.name = HOSTILE
    tina.user.save()
    meetings.update_item(alice, live.items[0], title=HOSTILE, description=HOSTILE)
    floor.post_message(tina, live.meeting, HOSTILE)
    floor.end_speaker(alice, live.meeting)
    floor.raise_hand(tina, live.meeting)
    floor.remove_speaker(alice, live.meeting, request_id(live, "nora"))
    floor.remove_speaker(alice, live.meeting, request_id(live, "carl"))
    floor.give_floor(alice, live.meeting)

    _seq, frames = fragments.render_frames(live.meeting.pk, fragments.FRAGMENTS)

    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7|add:1 }}"
    for key, parts in frames.items():
        for name, html in parts.items():
            assert "<script>" not in html, (key, name)
            assert "add:1" not in html or escaped in html, (key, name)
        everything = "".join(parts.values())
        assert escaped in everything, f"{key} shows the text, escaped and not evaluated"
