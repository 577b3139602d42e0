"""The notices that wait for a moment: the day-before reminder of each planned meeting,
and the daily email of those who chose one (from seven in the morning). Part of
`run_scheduled`; safe to run again (each is sent once)."""

from django.core.management.base import BaseCommand

from panels import meetings, notices


class Command(BaseCommand):
    help = "Send meeting reminders (a day before) and the daily emails of notices."

    def handle(self, *args, **options) -> None:
        reminded = meetings.remind_meetings()
        digests = notices.send_digests()
        self.stdout.write(
            self.style.SUCCESS(f"{reminded} meetings reminded, {digests} daily emails sent")
        )
