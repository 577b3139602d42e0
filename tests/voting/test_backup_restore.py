"""A backup can be restored: `pg_dump` of a panel with votes (named and secret) and a
signed agreement, `pg_restore` into a fresh database, and there the migrations are all
applied, the audit chain verifies to the same head, and the votes, ballots, sealed boxes
and agreements are all there (README, "Backups")."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from agreements import services as agreements
from panels import audit
from tests.agreements.test_services import FIELDS
from tests.voting.conftest import cast
from voting import lifecycle
from voting.models import Vote

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="restores a PostgreSQL dump (DATABASE_URL)"
    ),
]

ROOT = Path(__file__).resolve().parents[2]
COUNTED = [
    "voting_vote",
    "voting_ballot",
    "voting_participation",
    "voting_ballotbox",
    "agreements_agreement",
    "agreements_signature",
    "panels_auditentry",
]


def _server() -> dict:
    db = connection.settings_dict
    return {
        "host": db["HOST"] or "127.0.0.1",
        "port": str(db["PORT"] or 5432),
        "user": db["USER"] or "postgres",
    }


def _counts(dbname: str) -> dict[str, int]:
    with psycopg.connect(dbname=dbname, **_server()) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}  # noqa: S608 - our table names


def _manage(dbname: str, *args: str) -> subprocess.CompletedProcess:
    """manage.py against the restored database, as an operator would run it."""
    server = _server()
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{server['user']}@{server['host']}:{server['port']}/{dbname}",
        "SECRET_KEY": settings.SECRET_KEY,
    }
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


@pytest.fixture
def restored(tmp_path):
    """Dump the test database, restore it into a fresh one; dropped afterwards."""
    server = _server()
    name = connection.settings_dict["NAME"]
    fresh = f"{name}_restored"
    dump = tmp_path / "knoppen.dump"
    flags = ["--host", server["host"], "--port", server["port"], "--username", server["user"]]
    subprocess.run(["pg_dump", *flags, "--format=custom", "--file", str(dump), name], check=True)
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        conn.execute(f'CREATE DATABASE "{fresh}"')
    try:
        subprocess.run(
            ["pg_restore", *flags, "--no-owner", "--exit-on-error", "--dbname", fresh, str(dump)],
            check=True,
            capture_output=True,
        )
        yield fresh
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')


@pytest.fixture
def panel_with_history(make_vote, alice, bob, tina, carl):
    named = make_vote(present=[alice, bob, tina])
    for member, choice in [(alice, "for"), (bob, "for"), (tina, "against")]:
        cast(member, named, choice)
    lifecycle.close_vote(alice, named)
    secret = make_vote(question="Geheim?", secret=True, present=[alice, bob, tina])
    cast(bob, secret, "for")
    agreement = agreements.create_agreement(alice, **FIELDS)
    agreements.sign(
        carl, agreement, version=agreement.version, content_hash=agreement.content_hash()
    )
    return named, secret


def test_a_dump_restored_into_a_fresh_database_has_everything_and_verifies(
    panel_with_history, restored
):
    head = audit.head().hash

    assert _counts(restored) == _counts(connection.settings_dict["NAME"])
    assert _counts(restored)["voting_vote"] == Vote.objects.count() == 2
    applied = _manage(restored, "migrate", "--check")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    verified = _manage(restored, "verify_audit")
    assert verified.returncode == 0, verified.stderr
    assert f"head {head}" in verified.stdout
