"""A secret vote's ballots move into one sealed box per vote (panels/sealing.py): a row per
ballot, written in the same transaction as the voter's participation, was linked to the
voter in any database dump taken while the vote was open (by PostgreSQL's xmin, and by row
order). Ballot rows remain for named votes only, each with its participation."""

import django.db.models.deletion
from django.db import migrations, models


def secret_ballots_into_boxes(apps, schema_editor):
    from collections import Counter

    from panels import sealing

    Ballot = apps.get_model("voting", "Ballot")
    BallotBox = apps.get_model("voting", "BallotBox")
    boxes: dict[int, dict[str, Counter]] = {}
    secret = Ballot.objects.filter(participation__isnull=True)
    for vote_id, choice, option_id, ranking, receipt in secret.values_list(
        "vote_id", "choice", "option_id", "ranking", "receipt_hash"
    ):
        box = boxes.setdefault(vote_id, {"ballots": Counter(), "receipts": Counter()})
        ballot = {"choice": choice, "option_id": option_id, "ranking": ranking}
        box["ballots"][sealing.canonical(ballot)] += 1
        box["receipts"][sealing.canonical(receipt)] += 1
    BallotBox.objects.bulk_create(
        BallotBox(
            vote_id=vote_id,
            sealed=sealing.seal(
                {name: dict(counts) for name, counts in box.items()},
                f"voting.ballotbox:{vote_id}",
            ),
        )
        for vote_id, box in boxes.items()
    )
    secret.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("panels", "0010_sealed_pulse"),
        ("voting", "0004_vote_result_history"),
    ]

    operations = [
        migrations.CreateModel(
            name="BallotBox",
            fields=[
                ("sealed", models.BinaryField(editable=False)),
                (
                    "vote",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="voting.vote",
                        verbose_name="vote",
                    ),
                ),
            ],
            options={
                "verbose_name": "ballot box (sealed)",
                "verbose_name_plural": "ballot boxes (sealed)",
            },
        ),
        migrations.RunPython(secret_ballots_into_boxes, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="ballot", name="receipt_hash"),
        migrations.AlterField(
            model_name="ballot",
            name="participation",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="ballot",
                to="voting.participation",
            ),
        ),
    ]
