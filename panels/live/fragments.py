"""The parts of the live page: who sees which, and how they are rendered.

The page is made of fragments, each with a stable element id and swapped whole: shared
ones (`LiveFragment`), rendered once per audience and language and written to everyone
alike, and personal ones (`PersonalFragment`: your hand, your ballot), rendered for one
person. Every fragment carries the meeting's sequence number it was rendered at, so a
page never replaces a newer fragment with an older one.

A service says what changed (`panels.live.changes.changed`); each worker's relay renders it
here for its own sockets. `snapshot` assembles the whole page for one person: the
socket's first frame and the answer to an htmx action both come from it.

Other apps add fragments with `register_fragment` in their AppConfig.ready(), so the live
engine never imports them.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from itertools import product

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from panels.live import changes, presence
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


@dataclass(frozen=True)
class LiveFragment:
    """A part of the live page with a stable element id, swapped whole when pushed.

    `slot` places a fragment that another app registered ("top" under the
    meeting's state, or the "main" or "aside" column); the core fragments sit in
    the page template itself. `follows_item`: it shows the item under discussion or
    what belongs to it, and is rendered anew when another item is taken up
    (`changes.ITEM`).
    """

    name: str
    template: str
    audiences: frozenset[Audience] = PAGE_AUDIENCES
    context: Callable[["LiveState"], dict] | None = None
    slot: str | None = None
    follows_item: bool = False


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


for _name in ("status", "agenda", "speakers", "discussion"):
    register_fragment(LiveFragment(_name, f"{LIVE_TEMPLATE}#{_name}", follows_item=True))
register_fragment(LiveFragment("presence", f"{LIVE_TEMPLATE}#presence"))
for _name in ("status", "speakers"):
    register_fragment(
        LiveFragment(
            f"screen-{_name}",
            f"panels/meeting_screen.html#{_name}",
            audiences=frozenset({Audience.SCREEN}),
            follows_item=True,
        )
    )


def expand(names: Iterable[str]) -> set[str]:
    """The fragments a change names: `changes.ALL`, `changes.ITEM` and plain names."""
    names = set(names)
    if changes.ALL in names:
        return set(FRAGMENTS)
    found = names & FRAGMENTS.keys()
    if changes.ITEM in names:
        found |= {name for name, fragment in FRAGMENTS.items() if fragment.follows_item}
    return found


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
        """The first PRESENCE_NAMES_SHOWN people present, by name."""
        return presence.present_memberships(self.meeting_id, limit=PRESENCE_NAMES_SHOWN)

    @cached_property
    def present_count(self) -> int:
        return presence.present_count(self.meeting_id)

    @property
    def present_not_named(self) -> int:
        return max(self.present_count - len(self.present), 0)

    @cached_property
    def attending(self) -> dict[int, str]:
        """Membership id -> "room" or "phone", for those the desk registered."""
        return presence.attending(self.meeting_id)

    @property
    def present_rows(self) -> list[tuple[Membership, str]]:
        """The people named in the presence list, each with how they take part ("" online)."""
        return [(m, self.attending.get(m.pk, "")) for m in self.present]

    @property
    def in_room(self) -> int:
        return sum(1 for how in self.attending.values() if how == "room")

    @property
    def by_phone(self) -> int:
        return sum(1 for how in self.attending.values() if how == "phone")

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
    *,
    keys: Iterable[tuple[Audience, str]] | None = None,
    state: LiveState | None = None,
) -> tuple[int, dict[str, dict[str, str]]]:
    """Render each named fragment once per audience and language that sees it.

    For `keys` (audience, language) if given, else for every audience and language asked.
    Returns the sequence number and {frame key: {fragment name: html}}.
    """
    names = [name for name in names if name in FRAGMENTS]
    if keys is None:
        languages = [code for code, _ in settings.LANGUAGES] if languages is None else languages
        keys = product(audiences, languages)
    by_language: dict[str, list[Audience]] = {}
    for audience, language in keys:
        by_language.setdefault(language, []).append(audience)
    state = state or LiveState(meeting_id)
    seq = state.seq
    frames: dict[str, dict[str, str]] = {}
    for language, audiences_here in sorted(by_language.items()):
        with translation.override(language):
            for audience in audiences_here:
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


# --- a whole page --------------------------------------------------------------------


def shared_snapshot(
    meeting_id: int, audience: Audience, language: str, state: LiveState | None = None
) -> str:
    """The part of a snapshot that everyone with this audience and language gets alike."""
    _seq, frames = render_frames(
        meeting_id, snapshot_names(audience), keys=[(audience, language)], state=state
    )
    return "".join(frames.get(frame_key(audience, language), {}).values())


def render_changes(
    meeting_id: int,
    membership: Membership,
    audience: Audience,
    language: str,
    collected: "changes.Collected",
) -> str:
    """What the actor's socket would get for the changes collected: the shared fragments
    they named, for this person's audience and language, then the person's own named ones.

    The answer to an htmx action, so the actor sees what they did even with their socket
    down, rendered for what changed only, not the whole page.
    """
    state = LiveState(meeting_id)
    names = sorted(expand(collected.names))
    html = ""
    if names:
        _seq, frames = render_frames(meeting_id, names, keys=[(audience, language)], state=state)
        html = "".join(frames.get(frame_key(audience, language), {}).values())
    if audience == Audience.SCREEN or membership.user_id not in collected.personal:
        return html
    with translation.override(language):
        return html + render_personal(
            meeting_id, membership, state, names=collected.personal[membership.user_id]
        )


def snapshot(
    meeting_id: int,
    membership: Membership,
    audience: Audience,
    language: str,
    *,
    shared: str | None = None,
    state: LiveState | None = None,
) -> str:
    """Everything the live page shows this person: the shared part, then their own.

    The one place a snapshot is put together: a socket's first frame (the relay passes the
    shared part it keeps for everyone with the same audience and language) and the answer
    to an htmx action.
    """
    if shared is None:
        shared = shared_snapshot(meeting_id, audience, language, state)
    if audience == Audience.SCREEN:
        return shared
    with translation.override(language):
        return shared + render_personal(meeting_id, membership, state)
