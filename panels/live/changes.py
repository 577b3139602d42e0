"""The one way a change reaches the live page: `changed`, called by a service.

A service that changes what a live meeting shows calls `changed(meeting, "agenda", ...)`
inside its transaction. After commit a small notice goes to the meeting's group: which
fragments changed, whose personal bits, whether the meeting ended. Nothing is rendered in
the request: every worker's relay (panels/live/relay.py) renders the named fragments for
the audiences and languages of its own sockets, and writes them.

Ordinary changes take a new sequence number in the service's transaction, so every
fragment is labelled with the number it was rendered at and a page never replaces a
newer fragment with an older one. Changes that come many times a second (turnout while
ballots come in, presence in a reconnect storm) are a `burst`: they take no number (a
ballot would otherwise wait for the meeting's row lock of every ballot before it) and
each relay renders them at most once per interval.
"""

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import F

from panels.models import Meeting

log = logging.getLogger(__name__)

NOTICE = "live.changed"
# Every fragment of the page (a meeting that starts or ends).
ALL = "*"
# Every fragment that shows the item under discussion or follows it (a new item taken up,
# the current one renamed): `LiveFragment.follows_item`.
ITEM = "item"


@dataclass
class Collected:
    """What the changes made while collecting named: the fragments, and whose own bits."""

    names: set[str] = field(default_factory=set)
    personal: dict[int, set[str] | None] = field(default_factory=dict)  # user -> names or all

    def add(self, names: Iterable[str], personal_for: Iterable[int], personal_names) -> None:
        self.names.update(names)
        for user_id in personal_for:
            before = self.personal.get(user_id, set())
            if personal_names is None or before is None:
                self.personal[user_id] = None  # all of them
            else:
                self.personal[user_id] = before | set(personal_names)


_collecting: ContextVar[Collected | None] = ContextVar("live_changes_collecting", default=None)


@contextlib.contextmanager
def collect() -> Iterator[Collected]:
    """Note what the changes made inside name, for an answer that shows the actor the same
    as their socket would get (panels/meeting_actions.py: `act`)."""
    collected = Collected()
    token = _collecting.set(collected)
    try:
        yield collected
    finally:
        _collecting.reset(token)


def meeting_group(meeting_id: int) -> str:
    """Every worker's relay for the meeting listens here (one subscription per worker)."""
    return f"meeting.{meeting_id}"


def after_commit(send: Callable[[], None]) -> None:
    """Run after the transaction commits; a send that fails is logged, not raised.

    The change is committed whatever becomes of its notice: with the channel layer away (a
    Redis restart) the person who acted still gets their answer, not a server error, and
    every page catches up from a snapshot when its socket comes back. Nothing depends on a
    notice arriving.
    """
    transaction.on_commit(send, robust=True)


def changed(
    meeting: Meeting | int | None,
    *names: str,
    personal_for: Iterable[int] = (),
    personal_names: Iterable[str] | None = None,
    burst: bool = False,
    ends: bool = False,
) -> None:
    """Say that the live page of `meeting` changed; call it inside the service's transaction.

    - `names`: the shared fragments that changed (panels.live.fragments.FRAGMENTS), or ALL;
    - `personal_for`: users whose personal fragments changed (`personal_names` of them,
      or all);
    - `burst`: a change that comes many times a second (see the module docstring);
    - `ends`: the meeting is over: relays send these fragments, then close their sockets.

    A meeting of None (a vote between meetings) has no live page: nothing happens.
    """
    meeting_id = meeting.pk if isinstance(meeting, Meeting) else meeting
    if meeting_id is None:
        return
    if not burst:
        # A plain UPDATE on purpose: the number is bookkeeping, not history.
        Meeting.objects.filter(pk=meeting_id).update(seq=F("seq") + 1)
    personal_for = list(personal_for)
    message = notice(meeting_id, *names, personal_for=personal_for, burst=burst, ends=ends)
    collected = _collecting.get()
    if collected is not None:
        collected.add(names, personal_for, personal_names)
    if personal_names is not None:
        message["personal_names"] = list(personal_names)
    after_commit(lambda: _send([meeting_group(meeting_id)], message))


def notice(
    meeting_id: int,
    *names: str,
    personal_for: Iterable[int] = (),
    burst: bool = False,
    ends: bool = False,
) -> dict:
    """The notice a relay receives (panels/live/relay.py: `deliver`)."""
    return {
        "type": NOTICE,
        "meeting": meeting_id,
        "names": list(dict.fromkeys(names)),
        "personal": list(dict.fromkeys(personal_for)),
        "burst": burst,
        "ends": ends,
    }


async def announce_burst(meeting_id: int, *names: str) -> None:
    """The same notice for a burst, from the relay's own event loop, after the change it
    wrote has committed (presence, panels/live/presence.py: `record`): sent from the loop,
    so the writer of the next batch does not wait for it. A send that fails is logged."""
    try:
        await get_channel_layer().group_send(
            meeting_group(meeting_id), notice(meeting_id, *names, burst=True)
        )
    except Exception:  # noqa: BLE001 - as after_commit: the next change or snapshot catches up
        log.exception("a notice about meeting %s could not be sent", meeting_id)


# Someone's role or access changed: the relays pass it to that person's sockets.
MEMBERSHIP_CHANGED = "membership.changed"


def membership_changed(user_id: int, panel_id: int) -> None:
    """Tell the person's open sockets to re-check who they are (after commit).

    Through the relays of the panel's meetings that are not over (a socket on an ended
    meeting is closed), which hand it to this person's sockets: a socket needs no group of
    its own. That was a Redis round trip for each socket to connect and another to leave,
    and in a reconnect storm of 2,500 onto one worker they waited for Redis connections
    until some gave up (docs/performance.md).
    """
    meetings = list(
        Meeting.objects.filter(panel_id=panel_id)
        .exclude(state__in=Meeting.ENDED)
        .values_list("pk", flat=True)
    )
    message = {"type": MEMBERSHIP_CHANGED, "user": user_id, "panel": panel_id}
    after_commit(lambda: _send([meeting_group(meeting_id) for meeting_id in meetings], message))


def _send(groups: list[str], message: dict) -> None:
    async def send_all() -> None:
        layer = get_channel_layer()
        for group in groups:
            await layer.group_send(group, message)

    async_to_sync(send_all)()
