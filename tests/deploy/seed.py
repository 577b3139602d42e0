"""A panel with a live meeting and an open vote, in the database the workers behind nginx
use, for tests/deploy/test_through_nginx.py: `python -m tests.deploy.seed` with the workers'
environment prints the member's login and the meeting as JSON.

Run in a process of its own with the workers' settings (config.settings), so that the
password is hashed as they check it; the test itself only talks HTTP to nginx.
"""

import json
import os
import secrets
from datetime import timedelta


def seed() -> dict:
    from django.urls import reverse
    from django.utils import timezone

    from panels.models import AgendaItem, Meeting, Membership, Organisation, Panel, Role, User
    from voting import lifecycle

    tag = secrets.token_hex(4)  # the database may hold an earlier run's people
    password = secrets.token_urlsafe(16)
    corporation = Organisation.objects.create(
        name="Woonstichting Deploy", kind=Organisation.Kind.CORPORATION
    )
    tenants = Organisation.objects.create(
        name="Huurdersvereniging Deploy", kind=Organisation.Kind.TENANT_ORGANISATION
    )
    panel = Panel.objects.create(
        name="Huurderspanel Deploy", corporation=corporation, tenant_organisation=tenants
    )
    alice = Membership.objects.create(
        panel=panel,
        user=User.objects.create_user(f"alice-{tag}@example.org", password, name="Alice"),
        role=Role.MODERATOR,
    )
    bob = User.objects.create_user(f"bob-{tag}@example.org", password, name="Bob")
    Membership.objects.create(panel=panel, user=bob, role=Role.MEMBER)
    now = timezone.now()
    meeting = Meeting.objects.create(
        panel=panel,
        title="Bijeenkomst achter nginx",
        starts_at=now - timedelta(minutes=5),
        state=Meeting.State.LIVE,
        started_at=now,
        created_by=alice.user,
    )
    AgendaItem.objects.create(
        meeting=meeting, title="Opening", position=0, state=AgendaItem.State.CURRENT
    )
    spec = lifecycle.VoteSpec(question="Komt er een fietsenstalling?", method="yes_no", options=[])
    vote = lifecycle.open_vote(alice, lifecycle.prepare_vote(alice, spec, meeting=meeting))
    return {
        "email": bob.email,
        "password": password,
        "meeting_id": meeting.pk,
        "meeting_path": meeting.get_absolute_url(),
        "cast_path": reverse("voting:vote_cast", args=[panel.pk, vote.pk]),
    }


if __name__ == "__main__":
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    print(json.dumps(seed()))
