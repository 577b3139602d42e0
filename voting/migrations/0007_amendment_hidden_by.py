"""Amendments say who hid them, as messages and proposals do (Hideable, panels/models/
hideable.py). One hidden before this learns it from its audit entry."""

import django.db.models.deletion
from django.db import migrations, models


def hidden_by_from_the_audit_log(apps, schema_editor):
    AuditEntry = apps.get_model("panels", "AuditEntry")
    Membership = apps.get_model("panels", "Membership")
    Amendment = apps.get_model("voting", "Amendment")
    HistoricalAmendment = apps.get_model("voting", "HistoricalAmendment")
    memberships = set(Membership.objects.values_list("pk", flat=True))
    entries = AuditEntry.objects.filter(action="amendment_hidden").order_by("-sequence")
    # Latest first, so that the first hiding (the one that counted) is written last.
    for subject, membership_id in entries.values_list("subject", "actor_membership_id"):
        if membership_id not in memberships:
            continue
        pk = int(subject.removeprefix("amendment:"))
        Amendment.objects.filter(pk=pk, hidden_at__isnull=False).update(hidden_by_id=membership_id)
        HistoricalAmendment.objects.filter(id=pk, hidden_at__isnull=False).update(
            hidden_by_id=membership_id
        )


class Migration(migrations.Migration):
    dependencies = [
        ("panels", "0016_message_hidden_by"),
        ("voting", "0006_vote_method_registry"),
    ]

    operations = [
        migrations.AddField(
            model_name="amendment",
            name="hidden_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="panels.membership",
                verbose_name="hidden by",
            ),
        ),
        migrations.AddField(
            model_name="historicalamendment",
            name="hidden_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="panels.membership",
                verbose_name="hidden by",
            ),
        ),
        migrations.RunPython(
            hidden_by_from_the_audit_log, migrations.RunPython.noop, elidable=False
        ),
    ]
