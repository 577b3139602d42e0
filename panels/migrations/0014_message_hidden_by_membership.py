"""Messages are hidden by a membership (as proposals and amendments are), not by a user:
Hideable (panels/models/hideable.py). First the new field beside the old one; 0015 fills
it, 0016 puts it in the old one's place. Three steps, since PostgreSQL alters no table in
the transaction that updated its rows."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("panels", "0013_audit_actions_registered"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="hidden_by_membership",
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
            model_name="historicalmessage",
            name="hidden_by_membership",
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
    ]
