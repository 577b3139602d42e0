"""Who hid a message becomes their membership in the message's panel, in the message and in
every row of its history (and back again when this is undone)."""

from django.db import migrations


def _panel_of_item(apps) -> dict[int, int]:
    AgendaItem = apps.get_model("panels", "AgendaItem")
    return dict(AgendaItem.objects.values_list("pk", "meeting__panel_id"))


def _membership_of(apps) -> dict[tuple[int, int], int]:
    Membership = apps.get_model("panels", "Membership")
    rows = Membership.objects.values_list("pk", "panel_id", "user_id")
    return {(panel, user): pk for pk, panel, user in rows}


def users_to_memberships(apps, schema_editor):
    panel_of_item = _panel_of_item(apps)
    membership = _membership_of(apps)
    for name in ("Message", "HistoricalMessage"):
        model = apps.get_model("panels", name)
        rows = model.objects.filter(hidden_by__isnull=False).values_list(
            "pk", "item_id", "hidden_by_id"
        )
        for pk, item_id, user_id in rows:
            found = membership.get((panel_of_item.get(item_id), user_id))
            model.objects.filter(pk=pk).update(hidden_by_membership_id=found)


def memberships_to_users(apps, schema_editor):
    Membership = apps.get_model("panels", "Membership")
    user_of = dict(Membership.objects.values_list("pk", "user_id"))
    for name in ("Message", "HistoricalMessage"):
        model = apps.get_model("panels", name)
        rows = model.objects.filter(hidden_by_membership__isnull=False).values_list(
            "pk", "hidden_by_membership_id"
        )
        for pk, membership_id in rows:
            model.objects.filter(pk=pk).update(hidden_by_id=user_of.get(membership_id))


class Migration(migrations.Migration):
    dependencies = [
        ("panels", "0014_message_hidden_by_membership"),
    ]

    operations = [
        migrations.RunPython(users_to_memberships, memberships_to_users, elidable=False),
    ]
