"""Erase the personal data of people inactive for longer than the retention period.

Run it daily (cron or a systemd timer). The period is the RETENTION_DAYS setting (730 by
default; 0 turns retention off), or --days for one run. --dry-run only counts.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from panels import privacy


class Command(BaseCommand):
    help = "Erase inactive people's personal data and delete stale invitations."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=None, help="override RETENTION_DAYS")
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, days: int | None, dry_run: bool, **options) -> None:
        days = settings.RETENTION_DAYS if days is None else days
        if days < 0:
            raise CommandError("--days must be 0 (off) or more.")
        if days == 0:
            self.stdout.write("Retention is off (RETENTION_DAYS=0): nothing erased.")
            return
        people, invitations = privacy.apply_retention(days, dry_run=dry_run)
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"Inactive for more than {days} days: {people} people {verb} erased, "
            f"{invitations} stale invitations {verb} deleted."
        )
