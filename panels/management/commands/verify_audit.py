"""Recompute the audit chain: exit 0 and print the head when intact, else the first break.

With --code, also check that a check code printed on a result or an agreement (the full
hash, or its first 12 characters) is still an entry of the intact chain.
"""

from django.core.management.base import BaseCommand, CommandError

from panels import audit
from panels.models import AuditEntry


class Command(BaseCommand):
    help = "Check every link of the audit log and report the first broken one."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--code", action="append", default=[], help="a printed check code to look up"
        )

    def handle(self, *args, code: list[str], **options) -> None:
        count, broken, head = audit.verify()
        if broken is not None:
            raise CommandError(
                f"Audit log broken at entry {broken.sequence} (id {broken.pk}, "
                f"{broken.action} {broken.subject}): {broken.problem}. "
                f"{count} entries checked."
            )
        self.stdout.write(f"Audit log intact: {count} entries, head {head}")
        for wanted in code:
            wanted = wanted.strip().rstrip("…").lower()
            found = list(AuditEntry.objects.filter(hash__startswith=wanted)[:2]) if wanted else []
            if len(wanted) < 12 or len(found) != 1:
                raise CommandError(f"Check code {wanted!r} is not an entry of the audit log.")
            entry = found[0]
            self.stdout.write(
                f"Check code {wanted} is entry {entry.sequence}: {entry.action} {entry.subject}, "
                f"{entry.created_at.isoformat()}"
            )
