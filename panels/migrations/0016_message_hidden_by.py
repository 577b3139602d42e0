"""Messages: the membership that hid one takes the place of the user (see 0014 and 0015)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("panels", "0015_message_hidden_by_data"),
    ]

    operations = [
        migrations.RemoveField(model_name="message", name="hidden_by"),
        migrations.RemoveField(model_name="historicalmessage", name="hidden_by"),
        migrations.RenameField(
            model_name="message", old_name="hidden_by_membership", new_name="hidden_by"
        ),
        migrations.RenameField(
            model_name="historicalmessage", old_name="hidden_by_membership", new_name="hidden_by"
        ),
    ]
