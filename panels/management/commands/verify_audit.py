"""Recompute the audit chain: exit 0 and print the head when intact, else the first break."""

from django.core.management.base import BaseCommand, CommandError

from panels import audit


class Command(BaseCommand):
    help = "Check every link of the audit log and report the first broken one."

    def handle(self, *args, **options) -> None:
        count, broken, head = audit.verify()
        if broken is not None:
            raise CommandError(
                f"Audit log broken at entry {broken.sequence} (id {broken.pk}, "
                f"{broken.action} {broken.subject}): {broken.problem}. "
                f"{count} entries checked."
            )
        self.stdout.write(f"Audit log intact: {count} entries, head {head}")
