"""A secret ballot stays secret in the database: who voted is stored apart from what was
voted, with nothing (no reference, no timestamp, no id or row order) that links the two.

DESIGN.md: "Secret ballots store who voted and, separately, what was voted, with nothing
(no FK, no timestamp order, no id order) that links the two." The voter can still check
their own ballot with the receipt code they were given.
"""

import json
import re
import uuid

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection, models
from django.db.models.fields import AutoFieldMixin
from django.urls import reverse

from panels.models import Membership, User
from tests.voting.conftest import ballot_key, cast
from voting import votes
from voting.models import Ballot, Participation, Vote

pytestmark = pytest.mark.django_db

CHOICES = ("for", "against", "abstain")
RECEIPT = re.compile(r"\b[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}\b")


class Voted:
    """What one person knows after casting: for whom, what, with which key and receipt."""

    def __init__(self, voter, on_behalf_of, choice, key, receipt):
        self.voter, self.on_behalf_of = voter, on_behalf_of
        self.choice, self.key, self.receipt = choice, key, receipt


def cast_over_http(client, voter: Membership, vote: Vote, choice: str, htmx: bool) -> Voted:
    client.force_login(voter.user)
    key = ballot_key()
    url = reverse("voting:vote_cast", args=[vote.panel_id, vote.pk])
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(url, {"choice": choice, "key": key}, **headers)
    shown = (
        response.content.decode()
        if htmx
        else " ".join(str(m) for m in get_messages(response.wsgi_request))
    )
    (receipt,) = RECEIPT.findall(shown)
    return Voted(voter, voter, choice, key, receipt)


@pytest.fixture
def secret_vote(client, make_vote, make_member, alice, bob, tina, voters, live_meeting):
    """A secret live vote with 24 ballots, cast in a known order — one by a proxy holder for
    her principal, two over HTTP (plain and htmx) — then closed."""
    extra = [make_member(f"Extra{number:02d}") for number in range(17)]
    principal = extra.pop()
    votes.give_proxy(principal, live_meeting, tina)
    people = [alice, bob, tina, *voters, *extra]
    vote = make_vote(secret=True, present=people)

    cast_in_order: list[Voted] = []
    for index, person in enumerate(people):
        choice = CHOICES[index % 3]
        if person == bob:
            cast_in_order.append(cast_over_http(client, bob, vote, choice, htmx=False))
        elif person == voters[0]:
            cast_in_order.append(cast_over_http(client, person, vote, choice, htmx=True))
        else:
            key = ballot_key()
            receipt = cast(person, vote, choice, key=key).receipt
            cast_in_order.append(Voted(person, person, choice, key, receipt))
        if person == tina:
            key = ballot_key()
            receipt = cast(tina, vote, "against", on_behalf_of=principal, key=key).receipt
            cast_in_order.append(Voted(tina, principal, "against", key, receipt))

    votes.close_vote(alice, vote)
    vote.refresh_from_db()
    assert len(cast_in_order) == Ballot.objects.filter(vote=vote).count() == 24
    return vote, cast_in_order


def ballot_of(vote: Vote, voted: Voted) -> Ballot:
    return Ballot.objects.get(vote=vote, receipt_hash=votes.receipt_hash(vote.pk, voted.receipt))


def cast_order_ids(vote: Vote, cast_in_order: list[Voted]) -> list[uuid.UUID]:
    return [ballot_of(vote, voted).pk for voted in cast_in_order]


# --- the shape of the data ---------------------------------------------------------------


def test_a_ballot_has_a_random_id_no_timestamp_and_no_reference_to_a_person():
    fields = {f.name: f for f in Ballot._meta.get_fields()}

    assert isinstance(Ballot._meta.pk, models.UUIDField)
    assert Ballot._meta.pk.default is uuid.uuid4
    assert not [
        name
        for name, f in fields.items()
        if isinstance(f, models.DateField | models.TimeField | AutoFieldMixin)
    ]
    people = (Membership, User)
    assert not [name for name, f in fields.items() if f.is_relation and f.related_model in people]
    # The one way to a person is the participation, and that is for named votes only.
    assert [name for name, f in fields.items() if f.related_model is Participation] == [
        "participation"
    ]
    assert fields["participation"].null
    assert Ballot._meta.ordering == ["id"]


def test_a_participation_says_who_took_part_and_nothing_about_the_choice():
    assert {f.name for f in Participation._meta.get_fields()} == {
        "id",
        "vote",
        "voter",
        "on_behalf_of",
        "key_hash",
        "ballot",  # the reverse side of a named vote's ballot
    }


def test_no_history_is_kept_of_ballots_or_participations():
    assert not hasattr(Ballot, "history")
    assert not hasattr(Participation, "history")
    histories = [m for m in apps.get_models() if getattr(m, "instance_type", None) is not None]
    assert histories, "the simple_history models are found"
    assert not [m for m in histories if m.instance_type in (Ballot, Participation)]


def test_secret_ballots_point_to_no_participation(secret_vote):
    vote, _cast = secret_vote

    assert not Ballot.objects.filter(vote=vote, participation__isnull=False).exists()
    assert Participation.objects.filter(vote=vote).count() == 24


# --- the published result and the receipts --------------------------------------------------


def test_the_result_lists_receipt_hashes_and_choices_but_no_names(secret_vote):
    vote, cast_in_order = secret_vote
    text = json.dumps(vote.result)

    assert "named" not in vote.result
    assert sorted(vote.result["receipts"]) == vote.result["receipts"]  # not in cast order
    assert sorted(vote.result["receipts"]) == sorted(
        [b.receipt_hash, b.choice] for b in Ballot.objects.filter(vote=vote)
    )
    for voted in cast_in_order:
        person = voted.on_behalf_of.user
        assert person.name not in text
        assert person.email not in text
        assert voted.receipt not in text


def test_each_receipt_finds_exactly_the_ballot_with_the_voters_choice(secret_vote):
    vote, cast_in_order = secret_vote
    published = dict(vote.result["receipts"])

    for voted in cast_in_order:
        matches = Ballot.objects.filter(
            vote=vote, receipt_hash=votes.receipt_hash(vote.pk, voted.receipt)
        )
        assert [b.choice for b in matches] == [voted.choice]
        assert published[votes.receipt_hash(vote.pk, voted.receipt)] == voted.choice
        # Typed in lower case or with spaces around, it is the same code.
        assert votes.receipt_hash(vote.pk, f"  {voted.receipt.lower()} ") == matches[0].receipt_hash
    assert len({voted.receipt for voted in cast_in_order}) == len(cast_in_order)


def test_the_receipt_follows_from_the_key_and_is_not_stored(secret_vote):
    vote, cast_in_order = secret_vote

    for voted in cast_in_order:
        assert votes.receipt_code(vote.pk, voted.key) == voted.receipt
    assert not Ballot.objects.filter(receipt_hash__in=[v.receipt for v in cast_in_order]).exists()


# --- order -----------------------------------------------------------------------------------


def test_ballot_ids_do_not_follow_the_order_of_casting(secret_vote):
    vote, cast_in_order = secret_vote
    in_cast_order = cast_order_ids(vote, cast_in_order)

    listed = list(Ballot.objects.filter(vote=vote).values_list("id", flat=True))

    # With 24 random ids the chance that they sort in the order of casting is 1 in 24!.
    assert listed != in_cast_order
    assert sorted(in_cast_order) != in_cast_order
    assert listed == sorted(listed)  # listed by id: a random order


def physical_order(vote: Vote) -> list[uuid.UUID]:
    """The ballots in the order the database stores them (what a plain scan returns)."""
    column = {"sqlite": "rowid", "postgresql": "ctid"}[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM voting_ballot WHERE vote_id = %s ORDER BY {column}", [vote.pk]
        )
        return [uuid.UUID(str(row[0])) for row in cursor.fetchall()]


@pytest.mark.skipif(
    connection.vendor not in ("sqlite", "postgresql"), reason="rowid/ctid are backend-specific"
)
def test_the_stored_order_of_ballots_does_not_follow_the_order_of_casting(secret_vote):
    vote, cast_in_order = secret_vote

    assert physical_order(vote) != cast_order_ids(vote, cast_in_order)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="xmin is a PostgreSQL column")
def test_after_close_no_ballot_shares_a_transaction_with_a_participation(secret_vote):
    vote, _cast = secret_vote
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM voting_ballot WHERE vote_id = %s", [vote.pk])
        ballots = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT xmin::text FROM voting_participation WHERE vote_id = %s", [vote.pk])
        participations = {row[0] for row in cursor.fetchall()}

    assert len(ballots) == 1, "all rewritten together at close"
    assert not ballots & participations


# --- every table, every column ---------------------------------------------------------------


def rows(model) -> list[dict]:
    """Every row of a model's table, read with SQL (no model code in between)."""
    quote = connection.ops.quote_name
    columns = [f.column for f in model._meta.local_concrete_fields]
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(map(quote, columns))} FROM {table}")
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def as_text(value) -> str:
    if isinstance(value, bytes | memoryview):
        value = bytes(value).decode(errors="replace")
    return str(value).lower()


def texts_of(model, row: dict) -> dict[str, str]:
    """Each column as lower-case text; a session's data also decoded (it is signed base64)."""
    texts = {column: as_text(value) for column, value in row.items()}
    if model is Session:
        texts["(decoded)"] = json.dumps(SessionStore().decode(row["session_data"])).lower()
    return texts


def test_no_table_links_a_voter_to_a_choice(secret_vote):
    vote, cast_in_order = secret_vote
    ballots = list(Ballot.objects.filter(vote=vote))
    ballot_ids = {b.pk for b in ballots}
    receipt_hashes = {b.receipt_hash for b in ballots}
    # What identifies one ballot...
    ballot_marks = {i.hex for i in ballot_ids} | {str(i) for i in ballot_ids} | receipt_hashes
    # ...and what identifies one person (or their participation).
    people = {v.voter for v in cast_in_order} | {v.on_behalf_of for v in cast_in_order}
    key_hashes = set(Participation.objects.filter(vote=vote).values_list("key_hash", flat=True))
    person_marks = (
        {m.user.name.lower() for m in people} | {m.user.email for m in people} | key_hashes
    )
    secrets_of_voters = {v.key.lower() for v in cast_in_order} | {
        v.receipt.lower() for v in cast_in_order
    }
    person_models = (Membership, User, Participation)

    every_model = apps.get_models(include_auto_created=True)
    scanned_tables = {m._meta.db_table for m in every_model}
    assert {"django_session", "auth_permission", "voting_historicalvote"} <= scanned_tables
    assert "voting_ballot" in scanned_tables and "voting_participation" in scanned_tables
    assert not set(connection.introspection.django_table_names()) - scanned_tables
    assert Session.objects.exists(), "the voters who used the website have sessions"

    problems = []
    for model in every_model:
        person_columns = {
            f.column
            for f in model._meta.local_concrete_fields
            if f.is_relation and f.related_model in person_models
        }
        for row in rows(model):
            texts = texts_of(model, row)
            where = f"{model._meta.db_table} {row}"
            everything = " ".join(texts.values())

            for secret in secrets_of_voters:
                if secret in everything:
                    problems.append(f"a voter's key or receipt code is stored: {where}")

            found = {mark for mark in ballot_marks if mark in everything}
            if not found:
                continue
            if model is Ballot:
                assert found <= {texts["id"], str(uuid.UUID(texts["id"])), texts["receipt_hash"]}
                assert row["participation_id"] is None
            elif model._meta.db_table in ("voting_vote", "voting_historicalvote"):
                # Only the published result: every receipt hash of the vote, never fewer.
                if found != receipt_hashes or not texts["result"].count(next(iter(found))):
                    problems.append(f"part of the ballots, or ballot ids, in {where}")
                continue
            else:
                problems.append(f"a ballot's id or receipt outside the ballot table: {where}")
            named = {mark for mark in person_marks if mark in everything}
            linked = {c for c in person_columns if row[c] is not None}
            if named or linked:
                problems.append(f"a row with a ballot and a person ({named or linked}): {where}")

    assert problems == []


def test_key_hashes_are_only_in_the_participations(secret_vote):
    vote, _cast = secret_vote
    key_hashes = set(Participation.objects.filter(vote=vote).values_list("key_hash", flat=True))

    for model in apps.get_models(include_auto_created=True):
        if model is Participation:
            continue
        for row in rows(model):
            text = " ".join(texts_of(model, row).values())
            assert not [h for h in key_hashes if h in text], model._meta.db_table
