"""AuditEntry.action loses its choices: each app registers its actions at start-up
(panels/audit_actions.py). The stored strings stay as they are; no SQL runs."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('panels', '0012_user_text_size'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditentry',
            name='action',
            field=models.CharField(max_length=30, verbose_name='action'),
        ),
    ]
