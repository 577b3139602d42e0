"""All scheduled work in one run. Run it every few minutes from cron or a systemd timer:

    */5 * * * * cd /srv/knoppen && .venv/bin/python manage.py run_scheduled

In this order: close what is due (consultations, timed votes, written rounds) and look after
the sealed boxes, remind members who have not voted a day before a deadline
(`close_due_votes`); remind representatives of advice deadlines (`remind_advice`); remind
members of tomorrow's meetings and send the daily emails of notices (`send_notices`); erase
the personal data of people long gone (`apply_retention`); deliver the mail queue
(`send_queued_mail`), so what the jobs before wrote goes out in the same run; and forget
mail sent more than 90 days ago (`cleanup_mail`). Each job
is safe to repeat, and runs once in two runs at once (overview/scheduled.py). A job that
fails is logged and the others still run; the command then exits with an error.
"""

import logging

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from overview.scheduled import exclusive

log = logging.getLogger(__name__)

JOBS: list[tuple[str, dict]] = [
    ("close_due_votes", {"remind_hours": 24}),
    ("remind_advice", {}),
    ("send_notices", {}),
    ("apply_retention", {}),
    ("send_queued_mail", {}),
    ("cleanup_mail", {"days": 90, "delete_attachments": True}),
]


class Command(BaseCommand):
    help = "Run all scheduled work once (close due votes, reminders, retention, the mail queue)."

    def handle(self, *args, **options) -> None:
        with exclusive() as mine:
            if not mine:
                self.stdout.write("Another run is busy: nothing done.")
                return
            failed = []
            for name, job_options in JOBS:
                try:
                    call_command(name, stdout=self.stdout, stderr=self.stderr, **job_options)
                except Exception:
                    log.exception("scheduled job %s failed", name)
                    failed.append(name)
        if failed:
            raise CommandError(f"failed: {', '.join(failed)}")
        self.stdout.write(self.style.SUCCESS("Scheduled work done."))
