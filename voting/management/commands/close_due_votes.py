"""Close consultations, timed votes and written rounds whose time is up, and remind those who
have not voted.

Run it every few minutes from cron (or a systemd timer):

    */5 * * * * cd /srv/knoppen && .venv/bin/python manage.py close_due_votes

A vote past its deadline takes no ballot even before a run closes it, and the first
ballot cast in it closes it (voting/casting.py); a page that shows it changes nothing.

Each run also looks after the sealed boxes of secret votes and of the pulse
(panels/sealing.py): it seals again with the current SECRET_KEY those that only an old key
opens (after a key change), and vacuums them: every ballot rewrites its vote's box and
leaves the previous version behind, which with the key would show each ballot as it came
in (docs/security.md).
"""

from datetime import timedelta

from django.core.management.base import BaseCommand

from panels import sealing
from panels.models import PulseBox
from voting import consultations, lifecycle
from voting.models import BallotBox


class Command(BaseCommand):
    help = "Close timed votes and written rounds that are due; send reminders before deadlines."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--remind-hours",
            type=int,
            default=24,
            help="Remind members who have not voted this many hours before the deadline "
            "(0: never).",
        )

    def handle(self, *args, **options) -> None:
        # Consultations first: closing one closes and counts its questions.
        for consultation in consultations.close_due():
            self.stdout.write(f"closed consultation: {consultation.title}")
        closed = lifecycle.close_due_votes()
        for vote in closed:
            self.stdout.write(f"closed: {vote.question} ({vote.result.get('outcome')})")
        # The boxes before the reminders: a failing mail server must not keep them waiting.
        renewed = sealing.renew(BallotBox, PulseBox)
        if renewed:
            self.stdout.write(f"sealed again with the current key: {renewed} boxes")
        sealing.vacuum(BallotBox, PulseBox)
        reminded = 0
        if options["remind_hours"] > 0:
            within = timedelta(hours=options["remind_hours"])
            reminded = lifecycle.send_reminders(within) + consultations.send_reminders(within)
        self.stdout.write(self.style.SUCCESS(f"{len(closed)} closed, {reminded} reminders sent"))
