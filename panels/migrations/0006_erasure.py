import secrets

from django.db import migrations, models

# PostgreSQL still refuses every change to an audit entry but one: removing the actor's
# name and its salt (when the person's personal data is erased), with every other
# column, the digest and the hashes included, exactly as it was.
APPEND_ONLY = """
DROP TRIGGER IF EXISTS panels_auditentry_append_only ON panels_auditentry;
CREATE OR REPLACE FUNCTION panels_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_name = '' AND NEW.actor_salt = ''
       AND (NEW.id, NEW.sequence, NEW.created_at, NEW.panel_id, NEW.actor_membership_id,
            NEW.actor_digest, NEW.action, NEW.subject, NEW.details, NEW.prev_hash, NEW.hash)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.sequence, OLD.created_at, OLD.panel_id, OLD.actor_membership_id,
            OLD.actor_digest, OLD.action, OLD.subject, OLD.details, OLD.prev_hash, OLD.hash)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit entries are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER panels_auditentry_append_only
    BEFORE UPDATE OR DELETE ON panels_auditentry
    FOR EACH ROW EXECUTE FUNCTION panels_audit_append_only();
"""


def cover_digests(apps, schema_editor):
    """Give existing entries a salted digest of their actor's name and hash the chain
    anew over it. This rewrites the chain once, when the digest was introduced (before
    the log held any real decisions); from here on nothing rewrites it."""
    from panels.audit import GENESIS, compute_hash, name_digest

    AuditEntry = apps.get_model("panels", "AuditEntry")
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS panels_auditentry_append_only ON panels_auditentry"
        )
    prev = GENESIS
    for entry in AuditEntry.objects.order_by("sequence"):
        entry.actor_salt = secrets.token_hex(16) if entry.actor_name else ""
        entry.actor_digest = name_digest(entry.actor_salt, entry.actor_name)
        entry.prev_hash = prev
        entry.hash = compute_hash(entry)
        AuditEntry.objects.filter(pk=entry.pk).update(
            actor_salt=entry.actor_salt,
            actor_digest=entry.actor_digest,
            prev_hash=entry.prev_hash,
            hash=entry.hash,
        )
        prev = entry.hash
    if postgresql:
        schema_editor.execute(APPEND_ONLY)


def plain_trigger(apps, schema_editor):
    """Back to 0005's trigger, which refuses every change (the chain is not re-hashed)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION panels_audit_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit entries are append-only'; END; $$ LANGUAGE plpgsql"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('panels', '0005_audit_log'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditentry',
            name='actor_digest',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='actor_salt',
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name='user',
            name='erased_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='personal data erased'),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='action',
            field=models.CharField(choices=[('vote_opened', 'Vote opened'), ('vote_written_round', 'Written round started'), ('vote_closed', 'Vote closed'), ('agreement_signed', 'Agreement signed'), ('member_joined', 'Member joined'), ('role_changed', 'Role changed'), ('member_deactivated', 'Member deactivated'), ('member_reactivated', 'Member reactivated'), ('meeting_started', 'Meeting started'), ('meeting_closed', 'Meeting closed'), ('message_hidden', 'Message hidden'), ('proposal_hidden', 'Proposal hidden'), ('amendment_hidden', 'Amendment hidden'), ('person_erased', 'Personal data erased')], max_length=30, verbose_name='action'),
        ),
        migrations.RunPython(cover_digests, plain_trigger),
    ]
