"""What is pushed to whom, and when.

Services call `meeting_changed(meeting, "agenda", ...)` inside their
transaction. That increments the meeting's sequence number and, after
commit, renders the named fragments once per audience and sends them to
the meeting's group; each worker's relay (panels/relay.py) writes the
finished frames to its own sockets. Personal bits (your hand, your place in
the queue) go to the person's own group, rendered for them alone.

Other apps add fragments to the live page with `register_fragment` in
their AppConfig.ready(), so `panels` never imports them.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import translation

from panels.models import AgendaItem, Meeting, Membership, Message, SpeakerRequest

log = logging.getLogger(__name__)

LIVE_TEMPLATE = "panels/meeting.html"
# A pushed list of present people stops naming them past this many; the count stays exact.
PRESENCE_NAMES_SHOWN = 60


class Audience(StrEnum):
    MODERATOR = "moderator"
    PARTICIPANT = "participant"
    OBSERVER = "observer"
    SCREEN = "screen"  # the big-screen view: display only, large type


PAGE_AUDIENCES = frozenset({Audience.MODERATOR, Audience.PARTICIPANT, Audience.OBSERVER})
ALL_AUDIENCES = frozenset(Audience)


def audience_for(membership: Membership, screen: bool = False) -> Audience:
    if screen:
        return Audience.SCREEN
    if membership.can_moderate:
        return Audience.MODERATOR
    if membership.can_take_part:
        return Audience.PARTICIPANT
    return Audience.OBSERVER


def meeting_group(meeting_id: int) -> str:
    return f"meeting.{meeting_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


@dataclass(frozen=True)
class LiveFragment:
    """A part of the live page with a stable element id, swapped whole when pushed.

    `slot` places a fragment that another app registered ("top" under the
    meeting's state, or the "main" or "aside" column); the core fragments sit in
    the page template itself.
    """

    name: str
    template: str
    audiences: frozenset[Audience] = PAGE_AUDIENCES
    context: Callable[["LiveState"], dict] | None = None
    slot: str | None = None


@dataclass(frozen=True)
class PersonalFragment:
    """A part of the live page about the viewer alone, rendered for them and pushed to them."""

    name: str
    template: str
    context: Callable[["LiveState", Membership], dict] | None = None
    slot: str | None = None


FRAGMENTS: dict[str, LiveFragment] = {}
PERSONAL_FRAGMENTS: dict[str, PersonalFragment] = {}


def register_fragment(fragment: LiveFragment) -> None:
    FRAGMENTS[fragment.name] = fragment


def register_personal_fragment(fragment: PersonalFragment) -> None:
    PERSONAL_FRAGMENTS[fragment.name] = fragment


for _name in ("status", "agenda", "speakers", "presence", "discussion"):
    register_fragment(LiveFragment(_name, f"{LIVE_TEMPLATE}#{_name}"))
for _name in ("status", "speakers"):
    register_fragment(
        LiveFragment(
            f"screen-{_name}",
            f"panels/meeting_screen.html#{_name}",
            audiences=frozenset({Audience.SCREEN}),
        )
    )


@dataclass
class LiveState:
    """What the live fragments show, loaded lazily and at most once per render."""

    meeting_id: int
    # Other apps' fragment contexts keep what they computed here, so a render for
    # several audiences and languages computes it once.
    cache: dict = field(default_factory=dict)

    @cached_property
    def meeting(self) -> Meeting:
        # Read first: every fragment is labelled with this sequence number, and
        # anything read afterwards is at least as new.
        return Meeting.objects.select_related("panel").get(pk=self.meeting_id)

    @property
    def seq(self) -> int:
        return self.meeting.seq

    @cached_property
    def items(self) -> list[AgendaItem]:
        return list(self.meeting.items.all())

    @cached_property
    def current_item(self) -> AgendaItem | None:
        return next((i for i in self.items if i.state == AgendaItem.State.CURRENT), None)

    @cached_property
    def speaker_requests(self) -> list[SpeakerRequest]:
        return list(
            self.meeting.speaker_requests.filter(state__in=SpeakerRequest.OPEN_STATES)
            .select_related("membership__user")
            .order_by("raised_at", "pk")
        )

    @cached_property
    def speaking(self) -> SpeakerRequest | None:
        return next(
            (r for r in self.speaker_requests if r.state == SpeakerRequest.State.SPEAKING), None
        )

    @cached_property
    def queue(self) -> list[SpeakerRequest]:
        return [r for r in self.speaker_requests if r.state == SpeakerRequest.State.WAITING]

    @cached_property
    def present(self) -> list[Membership]:
        return present_memberships(self.meeting_id)

    @cached_property
    def messages(self) -> list[Message]:
        if self.current_item is None:
            return []
        return list(
            self.current_item.messages.select_related("author__user", "hidden_by").order_by(
                "created_at", "pk"
            )
        )

    def context(self) -> dict:
        return {"live": self, "meeting": self.meeting, "panel": self.meeting.panel}


def present_memberships(meeting_id: int) -> list[Membership]:
    """Everyone with at least one open connection on a live worker, each once, by name."""
    from panels.presence import connected

    ids = connected().filter(meeting_id=meeting_id).values_list("membership_id", flat=True)
    return list(Membership.objects.filter(pk__in=ids).select_related("user").order_by("user__name"))


def render_fragment(
    state: LiveState, name: str, audience: Audience, oob: bool = True, request=None
) -> str:
    fragment = FRAGMENTS[name]
    context = state.context()
    if fragment.context is not None:
        context |= fragment.context(state)
    context |= {
        "audience": audience,
        "is_moderator": audience == Audience.MODERATOR,
        "can_take_part": audience in (Audience.MODERATOR, Audience.PARTICIPANT),
        "oob": oob,
    }
    return render_to_string(fragment.template, context, request=request)


def frame_key(audience: Audience, language: str) -> str:
    """Everyone with the same key receives the same text."""
    return f"{audience}/{language}"


def render_frames(
    meeting_id: int,
    names: Iterable[str],
    audiences: Iterable[Audience] = ALL_AUDIENCES,
    languages: Iterable[str] | None = None,
) -> tuple[int, dict[str, dict[str, str]]]:
    """Render each named fragment once per audience and language that sees it.

    Returns the sequence number and {frame key: {fragment name: html}}.
    """
    names = list(names)
    languages = [code for code, _ in settings.LANGUAGES] if languages is None else languages
    state = LiveState(meeting_id)
    seq = state.seq
    frames: dict[str, dict[str, str]] = {}
    for language in languages:
        with translation.override(language):
            for audience in audiences:
                rendered = {
                    name: render_fragment(state, name, audience)
                    for name in names
                    if audience in FRAGMENTS[name].audiences
                }
                if rendered:
                    frames[frame_key(audience, language)] = rendered
    return seq, frames


def snapshot_names(audience: Audience) -> list[str]:
    return [name for name, f in FRAGMENTS.items() if audience in f.audiences]


def personal_context(state: LiveState, membership: Membership) -> dict:
    """What every personal fragment knows about the viewer (nothing that needs a query)."""
    return {"viewer": membership, "can_take_part": membership.can_take_part}


def hand_context(state: LiveState, membership: Membership) -> dict:
    """The viewer's hand and place in the queue (only the fragment that shows them reads it)."""
    return {
        "my_request": next(
            (r for r in state.speaker_requests if r.membership_id == membership.pk), None
        ),
        "my_place": next(
            (n for n, r in enumerate(state.queue, start=1) if r.membership_id == membership.pk),
            None,
        ),
    }


register_personal_fragment(
    PersonalFragment("my_hand", f"{LIVE_TEMPLATE}#my_hand", context=hand_context)
)


def _render_personal_fragment(
    fragment: PersonalFragment, state: LiveState, membership: Membership, oob: bool, request=None
) -> str:
    context = state.context() | personal_context(state, membership) | {"oob": oob}
    if fragment.context is not None:
        context |= fragment.context(state, membership)
    return render_to_string(fragment.template, context, request=request)


def render_personal(
    meeting_id: int,
    membership: Membership,
    state: LiveState | None = None,
    names: Iterable[str] | None = None,
) -> str:
    """The bits of the live page that are about this person only (all, or those named).

    `state` may be shared by many people's renders (a reconnect storm): personal contexts
    compute what is personal themselves and keep only shared things in `state.cache`.
    """
    state = state or LiveState(meeting_id)
    wanted = PERSONAL_FRAGMENTS.keys() if names is None else set(names)
    return "".join(
        _render_personal_fragment(fragment, state, membership, oob=True)
        for name, fragment in PERSONAL_FRAGMENTS.items()
        if name in wanted
    )


def render_slots(
    state: LiveState, audience: Audience, membership: Membership, request=None
) -> dict[str, list[str]]:
    """Fragments other apps registered, rendered in place for the first page load."""
    slots: dict[str, list[str]] = {"top": [], "main": [], "aside": []}
    for fragment in FRAGMENTS.values():
        if fragment.slot and audience in fragment.audiences:
            html = render_fragment(state, fragment.name, audience, oob=False, request=request)
            slots[fragment.slot].append(html)
    for fragment in PERSONAL_FRAGMENTS.values():
        if fragment.slot and audience != Audience.SCREEN:
            slots[fragment.slot].append(
                _render_personal_fragment(fragment, state, membership, oob=False, request=request)
            )
    return slots


# --- sending ---------------------------------------------------------------


def bump(meeting: Meeting) -> None:
    """Increment the meeting's sequence number in the current transaction.

    A plain UPDATE on purpose: the number is bookkeeping, not history.
    """
    Meeting.objects.filter(pk=meeting.pk).update(seq=F("seq") + 1)


def after_commit(send: Callable[[], None]) -> None:
    """Push after the transaction commits; a push that fails is logged, not raised.

    The change is committed whatever becomes of its push: with the channel layer away (a
    Redis restart) the person who acted still gets their answer, not a server error, and
    every page catches up from a snapshot when its socket comes back. Nothing depends on a
    push arriving.
    """
    transaction.on_commit(send, robust=True)


def meeting_changed(meeting: Meeting, *names: str, personal_for: Iterable[int] = ()) -> None:
    """Record a change and push the named fragments (and personal bits) after commit."""
    bump(meeting)
    meeting_id = meeting.pk
    user_ids = tuple(personal_for)
    after_commit(lambda: push(meeting_id, names, user_ids))


def push_now(meeting_id: int, names: Iterable[str]) -> None:
    """Record a change that happened outside a service transaction (presence) and push it."""
    with transaction.atomic():
        found = Meeting.objects.filter(pk=meeting_id).update(seq=F("seq") + 1)
    if found:  # a meeting deleted in the meantime has nobody left to tell
        push(meeting_id, names)


def push(meeting_id: int, names: Iterable[str], personal_for: Iterable[int] = ()) -> None:
    """Render and send now. Called after commit, from sync code."""
    layer = get_channel_layer()
    seq, frames = render_frames(meeting_id, names)
    async_to_sync(layer.group_send)(
        meeting_group(meeting_id),
        {"type": "live.frames", "meeting": meeting_id, "seq": seq, "frames": frames},
    )
    push_personal(meeting_id, personal_for)


def meeting_dirty(meeting_id: int | None, *names: str) -> None:
    """Ask every worker to re-render these fragments soon and send them to its own sockets.

    For changes that come in bursts (turnout during a vote): each worker coalesces the
    requests of a short window into one render per audience, instead of one push per change.
    """
    if meeting_id is None:
        return
    async_to_sync(get_channel_layer().group_send)(
        meeting_group(meeting_id), {"type": "live.dirty", "names": list(names)}
    )


def push_personal(
    meeting_id: int, user_ids: Iterable[int], names: Iterable[str] | None = None
) -> None:
    """Send these people their personal fragments again (after commit): all, or those named."""
    layer = get_channel_layer()
    message = {"type": "live.personal", "meeting": meeting_id}
    if names is not None:
        message["names"] = list(names)
    for user_id in user_ids:
        async_to_sync(layer.group_send)(user_group(user_id), message)


def meeting_closed(meeting_id: int) -> None:
    """Tell every worker to close the meeting's sockets (after the final fragments)."""
    async_to_sync(get_channel_layer().group_send)(
        meeting_group(meeting_id), {"type": "live.closed", "meeting": meeting_id}
    )


def notify_membership_changed(user_id: int, panel_id: int) -> None:
    """Tell the person's open sockets to re-check who they are (after commit)."""
    layer = get_channel_layer()
    after_commit(
        lambda: async_to_sync(layer.group_send)(
            user_group(user_id), {"type": "membership.changed", "panel": panel_id}
        )
    )
