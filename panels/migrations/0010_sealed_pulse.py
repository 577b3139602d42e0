"""The pulse's answers move into one sealed box per meeting (panels/sealing.py): a row per
answer, written in the same transaction as the row that says who answered, was linked to
its author in any database dump (by PostgreSQL's xmin, and by row order)."""

import django.db.models.deletion
from django.db import migrations, models


def answers_into_boxes(apps, schema_editor):
    from collections import Counter

    from panels import sealing

    PulseAnswer = apps.get_model("panels", "PulseAnswer")
    PulseBox = apps.get_model("panels", "PulseBox")
    answers: dict[int, Counter] = {}
    for meeting_id, heard, comment in PulseAnswer.objects.values_list(
        "meeting_id", "heard", "comment"
    ):
        answers.setdefault(meeting_id, Counter())[sealing.canonical([heard, comment])] += 1
    PulseBox.objects.bulk_create(
        PulseBox(
            meeting_id=meeting_id,
            sealed=sealing.seal({"answers": dict(counts)}, f"panels.pulsebox:{meeting_id}"),
        )
        for meeting_id, counts in answers.items()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("panels", "0009_representativeness"),
    ]

    operations = [
        migrations.CreateModel(
            name="PulseBox",
            fields=[
                ("sealed", models.BinaryField(editable=False)),
                (
                    "meeting",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="panels.meeting",
                        verbose_name="meeting",
                    ),
                ),
            ],
            options={
                "verbose_name": "pulse answers (sealed)",
                "verbose_name_plural": "pulse answers (sealed)",
            },
        ),
        migrations.RunPython(answers_into_boxes, migrations.RunPython.noop, elidable=True),
        migrations.DeleteModel(name="PulseAnswer"),
    ]
