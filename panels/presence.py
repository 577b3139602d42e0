"""Who is present in a live meeting, across tabs and workers.

Each open socket is a `Presence` row owned by the worker process that holds
it. Workers heartbeat; the rows of a worker that died without saying goodbye
stop counting after WORKER_TIMEOUT and are removed by the next heartbeat of
any other worker.

A live page shown without a socket (no JavaScript, or a network that blocks
WebSockets) counts too: its viewer is present for PAGE_PRESENCE after each
load, unless a socket of theirs takes over.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from panels.models import LiveWorker, Presence

HEARTBEAT_SECONDS = 10
WORKER_TIMEOUT = timedelta(seconds=3 * HEARTBEAT_SECONDS)
PAGE_PRESENCE = timedelta(minutes=15)


def alive_since():
    return timezone.now() - WORKER_TIMEOUT


def _count_alive(meeting_id: int, membership_id: int) -> int:
    return Presence.objects.filter(
        meeting_id=meeting_id, membership_id=membership_id, worker__seen_at__gte=alive_since()
    ).count()


def join(meeting_id: int, membership_id: int, worker_id: str, connection: str) -> bool:
    """Record an open socket; True if the person was not present before."""
    with transaction.atomic():
        # The socket takes over from the page that opened it: it ends when the socket closes.
        LiveWorker.objects.filter(pk=_page(meeting_id, membership_id)).delete()
        LiveWorker.objects.update_or_create(pk=worker_id, defaults={"seen_at": timezone.now()})
        Presence.objects.update_or_create(
            connection=connection,
            defaults={
                "meeting_id": meeting_id,
                "membership_id": membership_id,
                "worker_id": worker_id,
            },
        )
        return _count_alive(meeting_id, membership_id) == 1


def _page(meeting_id: int, membership_id: int) -> str:
    return f"page:{meeting_id}:{membership_id}"


def visit(meeting_id: int, membership_id: int) -> bool:
    """The live page was loaded; True if the person was not present before.

    A page has no heartbeat, so its connection gets a worker of its own, marked as seen
    far enough ahead to stay alive for PAGE_PRESENCE; after that the heartbeat of a real
    worker removes it as it removes a dead worker (and pushes the new presence).
    """
    page = _page(meeting_id, membership_id)
    with transaction.atomic():
        arrived = _count_alive(meeting_id, membership_id) == 0
        seen_at = timezone.now() + PAGE_PRESENCE - WORKER_TIMEOUT
        LiveWorker.objects.update_or_create(pk=page, defaults={"seen_at": seen_at})
        Presence.objects.update_or_create(
            connection=page,
            defaults={"meeting_id": meeting_id, "membership_id": membership_id, "worker_id": page},
        )
    return arrived


def leave(connection: str) -> bool:
    """Forget a closed socket; True if its person has no other socket open."""
    with transaction.atomic():
        row = Presence.objects.filter(connection=connection).first()
        if row is None:
            return False
        row.delete()
        return _count_alive(row.meeting_id, row.membership_id) == 0


def heartbeat(worker_id: str) -> set[int]:
    """Mark this worker alive, drop dead workers; returns meetings whose presence changed."""
    now = timezone.now()
    with transaction.atomic():
        LiveWorker.objects.update_or_create(pk=worker_id, defaults={"seen_at": now})
        dead = LiveWorker.objects.filter(seen_at__lt=now - WORKER_TIMEOUT)
        meetings = set(
            Presence.objects.filter(worker__in=dead).values_list("meeting_id", flat=True)
        )
        dead.delete()
    return meetings
