"""Who is present in a live meeting, across tabs and workers.

Each open socket is a `Presence` row owned by the worker process that holds
it, written when the socket opens and deleted when it ends, however it ends
(panels/live/consumers.py). Workers heartbeat; the rows of a worker that has been
silent for WORKER_TIMEOUT stop counting. They are not deleted at once: a worker
that was only slow (a reconnect storm, a long pause) counts again with its next
heartbeat, so nobody silently loses their place (and with it their right to
vote in a live vote). A worker silent for FORGET_AFTER is dead, and any other
worker's heartbeat removes it and its rows.

Silence is no proof of death, but a process that no longer runs is. A worker's
id says where its process id means one process (its "process space": this boot
of this machine's kernel, and its PID namespace) and what that id is. At its
first heartbeat, and every one after, a worker silences at once the workers of
its own process space whose process is gone (its predecessor after a restart,
or a sibling killed beside it): their sockets are gone, so their people leave
the presence list and the roll without waiting WORKER_TIMEOUT. Their people did
not leave the room for that, though (their phones are reconnecting to another
worker), so for casting a live ballot their rows count as a silent worker's do,
until FORGET_AFTER. A live sibling's process runs, so it is never touched,
whatever its heartbeat; and a worker elsewhere (another machine, another
container) cannot be checked from here, so for it only the silence holds. (In a
container that is started anew, the worker before it ran in another PID
namespace: it stops counting after WORKER_TIMEOUT, and is forgotten after
FORGET_AFTER.)

A live page shown without a socket (no JavaScript, or a network that blocks
WebSockets) counts too: its viewer is present for PAGE_PRESENCE after each
load, unless a socket of theirs takes over.

Sockets come and go in bursts (a thousand phones reconnecting after a worker
restart), so each worker writes them in batches (`record`), one transaction
for everything that arrived while the previous batch was being written.
"""

import hashlib
import os
import secrets
import socket
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from panels.live import changes
from panels.models import Attendance, LiveWorker, Membership, Presence

HEARTBEAT_SECONDS = 10
WORKER_TIMEOUT = timedelta(seconds=3 * HEARTBEAT_SECONDS)
FORGET_AFTER = timedelta(minutes=10)
PAGE_PRESENCE = timedelta(minutes=15)
PAGE_PREFIX = "page:"
# A meeting's desk (panels/attendance.py) holds the presence of those it registered in the
# room or on the phone: a worker that never goes silent, removed when the meeting closes.
DESK_PREFIX = "desk:"
DESK_SEEN_AT = datetime(9999, 1, 1, tzinfo=UTC)

# (meeting id, membership id, connection name)
Join = tuple[int, int, str]


def process_space() -> str:
    """Where a process id means one process: a hash of the kernel's boot id and the PID
    namespace; "-" where that cannot be told (no /proc), and nobody is checked."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return "-"
    return hashlib.sha256(f"{boot} {namespace}".encode()).hexdigest()[:10]


def worker_name() -> str:
    """A new worker's id: host (for people reading it), process space, process id, token."""
    host = socket.gethostname().replace(":", "-")[:30]
    return f"{host}:{process_space()}:{os.getpid()}:{secrets.token_hex(4)}"


def _space_and_pid(worker_id: str) -> tuple[str, int] | None:
    parts = worker_id.split(":")
    if len(parts) != 4 or parts[1] == "-" or not parts[2].isdigit():
        return None  # a page, or a worker that cannot be checked
    return parts[1], int(parts[2])


def _ended(worker_id: str, me: str) -> bool:
    """Whether a worker ran in this worker's process space and its process is gone.

    Only where `me` is the running process's own worker id: its process space is where
    `os.kill` looks.
    """
    mine, theirs = _space_and_pid(me), _space_and_pid(worker_id)
    if mine is None or theirs is None or theirs[0] != mine[0] or worker_id == me:
        return False
    if theirs[1] == mine[1]:
        return True  # its process id is this process's now: it was the one before
    try:
        os.kill(theirs[1], 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:  # it runs, as another user
        return False
    return False


def desk_worker(meeting_id: int) -> str:
    return f"{DESK_PREFIX}{meeting_id}"


def desk_connection(attendance_id: int) -> str:
    return f"{DESK_PREFIX}attendance:{attendance_id}"


def alive_since():
    return timezone.now() - WORKER_TIMEOUT


def connected() -> QuerySet[Presence]:
    """Connections on a live worker: who the presence list shows, and who is on the roll."""
    return Presence.objects.filter(worker__seen_at__gte=alive_since())


def present_memberships(meeting_id: int, limit: int | None = None) -> list[Membership]:
    """Everyone with at least one open connection on a live worker, each once, by name;
    the first `limit` of them where given (the database sorts and cuts: a list of 60
    names in a meeting of 2,000 loads 60 people, not 2,000)."""
    ids = connected().filter(meeting_id=meeting_id).values_list("membership_id", flat=True)
    present = (
        Membership.objects.filter(pk__in=ids).select_related("user").order_by("user__name", "pk")
    )
    return list(present if limit is None else present[:limit])


def present_count(meeting_id: int) -> int:
    """How many people have at least one open connection on a live worker."""
    return connected().filter(meeting_id=meeting_id).values("membership_id").distinct().count()


def attending(meeting_id: int) -> dict[int, str]:
    """How those registered at the desk take part: membership id -> "room" or "phone"
    (everyone else present is online)."""
    return dict(
        Attendance.objects.filter(
            meeting_id=meeting_id, left_at__isnull=True, membership__isnull=False
        ).values_list("membership_id", "how")
    )


def _announce(meetings: Iterable[int]) -> None:
    """Who is present changed in these meetings: every page's presence list, after commit."""
    for meeting_id in meetings:
        changes.changed(meeting_id, "presence", burst=True)


def not_known_gone() -> Q:
    """Presence rows that may still be someone in the room, for casting a live ballot.

    A connection on a live worker; or on a worker gone silent (overloaded, or killed: no
    evidence that its people left; their phones reconnect elsewhere meanwhile) until it
    is forgotten. Not a page whose time ran out, nor a socket that was closed (deleted).
    """
    now = timezone.now()
    return Q(worker__seen_at__gte=now - WORKER_TIMEOUT) | (
        ~Q(worker__id__startswith=PAGE_PREFIX) & Q(worker__seen_at__gte=now - FORGET_AFTER)
    )


def _present_pairs(pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of these (meeting, membership) pairs have a connection that counts."""
    pairs = set(pairs)
    if not pairs:
        return set()
    rows = (
        connected()
        .filter(meeting_id__in={m for m, _ in pairs}, membership_id__in={p for _, p in pairs})
        .values_list("meeting_id", "membership_id")
    )
    return set(rows) & pairs


def record(worker_id: str, joins: Sequence[Join] = (), leaves: Sequence[str] = ()) -> set[int]:
    """Record the sockets this worker opened and closed since its last batch.

    Returns the meetings where someone arrived or left (a second tab is no arrival, closing
    one of two tabs no departure): the relay, its only caller, announces them from its
    event loop (`changes.announce_burst`), so that the next batch does not wait for the
    notice's round trip to Redis (in a reconnect storm that made every arrival wait).
    """
    # A socket that opened and closed within one batch was never seen by anyone.
    brief = {connection for _, _, connection in joins} & set(leaves)
    joins = [join for join in joins if join[2] not in brief]
    leaves = [connection for connection in leaves if connection not in brief]
    joined = {(meeting_id, membership_id) for meeting_id, membership_id, _ in joins}
    with transaction.atomic():
        LiveWorker.objects.update_or_create(pk=worker_id, defaults={"seen_at": timezone.now()})
        changed = set()
        if joins:
            # A socket takes over from the page that opened it: it ends when the socket closes.
            LiveWorker.objects.filter(pk__in=[_page(m, p) for m, p in joined]).delete()
            before = _present_pairs(joined)
            Presence.objects.bulk_create(
                [
                    Presence(
                        meeting_id=meeting_id,
                        membership_id=membership_id,
                        worker_id=worker_id,
                        connection=connection,
                    )
                    for meeting_id, membership_id, connection in joins
                ],
                update_conflicts=True,
                unique_fields=["connection"],
                update_fields=["meeting", "membership", "worker"],
            )
            changed |= {meeting_id for meeting_id, _ in joined - before}
        if leaves:
            closing = Presence.objects.filter(connection__in=leaves)
            left = set(closing.values_list("meeting_id", "membership_id"))
            closing.delete()
            changed |= {meeting_id for meeting_id, _ in left - _present_pairs(left)}
    return changed


def _page(meeting_id: int, membership_id: int) -> str:
    return f"{PAGE_PREFIX}{meeting_id}:{membership_id}"


def visit(meeting_id: int, membership_id: int) -> bool:
    """The live page was loaded; True if the person was not present before.

    A page has no heartbeat, so its connection gets a worker of its own, marked as seen
    far enough ahead to stay alive for PAGE_PRESENCE; after that the heartbeat of a real
    worker removes it. A page load is a GET, and tells nobody: the next heartbeat of a
    live worker announces the arrival (within HEARTBEAT_SECONDS); the person counts for
    the roll and for casting a ballot at once.
    """
    page = _page(meeting_id, membership_id)
    with transaction.atomic():
        arrived = not _present_pairs([(meeting_id, membership_id)])
        seen_at = timezone.now() + PAGE_PRESENCE - WORKER_TIMEOUT
        # A new page worker starts now (an arrival, see `heartbeat`); a reload only extends it.
        LiveWorker.objects.update_or_create(pk=page, defaults={"seen_at": seen_at})
        Presence.objects.update_or_create(
            connection=page,
            defaults={"meeting_id": meeting_id, "membership_id": membership_id, "worker_id": page},
        )
    return arrived


def heartbeat(worker_id: str, since: datetime | None = None) -> set[int]:
    """Mark this worker alive and tidy up after others; returns meetings whose presence changed.

    Changed: where this worker counts again after being silent too long, where another
    worker stopped counting since about the last heartbeat, where someone arrived by
    loading the page `since` this worker's last heartbeat (the relay says when that was;
    else HEARTBEAT_SECONDS ago), where a worker's process is gone (silenced at once: see
    the module docstring), and where a page's time ran out or a worker was forgotten.
    Announced to every page after commit.
    `worker_id` must be this process's own (`worker_name`).
    """
    now = timezone.now()
    stale = now - WORKER_TIMEOUT
    with transaction.atomic():
        previous = LiveWorker.objects.filter(pk=worker_id).values_list("seen_at", flat=True).first()
        LiveWorker.objects.update_or_create(pk=worker_id, defaults={"seen_at": now})
        meetings = Presence.objects.values_list("meeting_id", flat=True).distinct()
        changed = set()
        if previous is not None and previous < stale:
            changed |= set(meetings.filter(worker_id=worker_id))
        # Went silent within the last two heartbeats (each worker may push it: it is coalesced).
        changed |= set(
            meetings.filter(
                worker__seen_at__lt=stale,
                worker__seen_at__gte=stale - 2 * timedelta(seconds=HEARTBEAT_SECONDS),
            )
        )
        # Arrivals by a page load since the last heartbeat (a reload is no arrival).
        changed |= set(
            meetings.filter(
                worker__id__startswith=PAGE_PREFIX,
                worker__started_at__gt=since or now - timedelta(seconds=HEARTBEAT_SECONDS),
            )
        )
        mine = _space_and_pid(worker_id)
        neighbours = (
            LiveWorker.objects.filter(pk__contains=f":{mine[0]}:").values_list("pk", flat=True)
            if mine
            else []
        )
        # A worker whose process is gone is silent from now on: off the list at once, and
        # counted for a live ballot until forgotten, as any silent worker (module docstring).
        ended = [pk for pk in neighbours if _ended(pk, worker_id)]
        silenced = LiveWorker.objects.filter(pk__in=ended, seen_at__gte=stale)
        changed |= set(meetings.filter(worker__in=silenced))
        silenced.update(seen_at=stale - timedelta(microseconds=1))
        gone = LiveWorker.objects.filter(
            Q(seen_at__lt=now - FORGET_AFTER) | Q(pk__startswith=PAGE_PREFIX, seen_at__lt=stale)
        )
        changed |= set(meetings.filter(worker__in=gone))
        gone.delete()
        _announce(changed)
    return changed
