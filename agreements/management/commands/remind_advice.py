"""Mail representatives about advice requests whose deadline is a week away or passed.

Run it daily from cron; each reminder goes once (agreements/advice.py).
"""

from django.core.management.base import BaseCommand

from agreements import advice


class Command(BaseCommand):
    help = "Remind representatives of advice-request deadlines (a week before, and when passed)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"Advice requests: {advice.send_reminders()} reminders sent.")
