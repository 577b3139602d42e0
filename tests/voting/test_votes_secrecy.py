"""A secret ballot stays secret in the database: who voted (the participation) is stored
apart from what was voted (the vote's sealed box), and nothing links the two.

DESIGN.md: no FK, no timestamp, no id or row order, no system column links them, in a
dump taken at any moment. The attacks on real dumps, on PostgreSQL, are in
test_dump_secrecy.py; here: the shape of the data, the receipts, and that what is stored
of the ballots follows from the ballots alone, never from the order they came in. The
voter can still check with their receipt code that their ballot was counted.
"""

import json
import re

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.urls import reverse

from panels import sealing
from panels.models import Membership
from tests.voting.conftest import ballot_key, cast
from voting import casting, eligibility, lifecycle
from voting.models import Ballot, BallotBox, Participation, Vote

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


def cast_all(client, vote: Vote, people, principal, tina, bob, http_voter) -> list[Voted]:
    """Each person casts in the order given (choices in turn); tina also for her principal;
    bob over a plain form and `http_voter` over htmx."""
    cast_in_order: list[Voted] = []
    for index, person in enumerate(people):
        choice = CHOICES[index % 3]
        if person == bob:
            cast_in_order.append(cast_over_http(client, bob, vote, choice, htmx=False))
        elif person == http_voter:
            cast_in_order.append(cast_over_http(client, person, vote, choice, htmx=True))
        else:
            key = ballot_key()
            receipt = cast(person, vote, choice, key=key).receipt
            cast_in_order.append(Voted(person, person, choice, key, receipt))
        if person == tina:
            key = ballot_key()
            receipt = cast(tina, vote, "against", on_behalf_of=principal, key=key).receipt
            cast_in_order.append(Voted(tina, principal, "against", key, receipt))
    return cast_in_order


@pytest.fixture
def people(make_member, live_meeting, alice, bob, tina, voters):
    """24 ballots: 23 people, one of whom (tina) also holds a proxy."""
    extra = [make_member(f"Extra{number:02d}") for number in range(17)]
    principal = extra.pop()
    eligibility.give_proxy(principal, live_meeting, tina)
    return [alice, bob, tina, *voters, *extra], principal


@pytest.fixture
def secret_vote(client, make_vote, alice, bob, tina, voters, people):
    """A secret live vote with 24 ballots, cast in a known order — one by a proxy holder for
    her principal, two over HTTP (plain and htmx) — then closed."""
    everyone, principal = people
    vote = make_vote(secret=True, present=everyone)
    cast_in_order = cast_all(client, vote, everyone, principal, tina, bob, voters[0])
    lifecycle.close_vote(alice, vote)
    vote.refresh_from_db()
    assert len(cast_in_order) == vote.result["cast"] == 24
    return vote, cast_in_order


# --- the shape of the data ---------------------------------------------------------------


def test_a_secret_vote_keeps_no_ballot_rows(secret_vote):
    vote, _cast = secret_vote

    assert not Ballot.objects.filter(vote=vote).exists()
    assert Participation.objects.filter(vote=vote).count() == 24
    assert BallotBox.objects.filter(vote=vote).count() == 1


def test_a_ballot_row_is_a_named_votes_and_always_names_its_participation():
    fields = {f.name: f for f in Ballot._meta.get_fields()}

    assert not fields["participation"].null


def test_the_box_is_one_sealed_row_per_vote():
    assert {f.name for f in BallotBox._meta.get_fields()} == {"vote", "sealed"}
    assert BallotBox._meta.pk.name == "vote"


def test_a_participation_says_who_took_part_and_nothing_about_the_choice():
    assert {f.name for f in Participation._meta.get_fields()} == {
        "id",
        "vote",
        "voter",
        "on_behalf_of",
        "key_hash",
        "at_desk",  # entered by the desk for the member: how, not what
        "ballot",  # the reverse side of a named vote's ballot
    }


def test_no_history_is_kept_of_ballots_boxes_or_participations():
    assert not hasattr(Ballot, "history")
    assert not hasattr(BallotBox, "history")
    assert not hasattr(Participation, "history")
    histories = [m for m in apps.get_models() if getattr(m, "instance_type", None) is not None]
    assert histories, "the simple_history models are found"
    assert not [m for m in histories if m.instance_type in (Ballot, BallotBox, Participation)]


def test_the_sealed_box_shows_no_choice_without_the_key(secret_vote):
    vote, _cast = secret_vote
    sealed = bytes(BallotBox.objects.get(vote=vote).sealed)

    for word in (b"for", b"against", b"abstain", b"choice", b"receipts"):
        assert word not in sealed
    assert len(sealed) % sealing.BLOCK == 1 + sealing.NONCE_BYTES + 16  # padded blocks + tag


# --- the published result and the receipts --------------------------------------------------


def test_the_result_lists_receipt_hashes_but_no_choices_and_no_names(secret_vote):
    vote, cast_in_order = secret_vote
    text = json.dumps(vote.result)

    assert "named" not in vote.result
    assert vote.result["receipts"] == sorted(vote.result["receipts"])  # not in cast order
    assert len(set(vote.result["receipts"])) == 24
    assert all(re.fullmatch("[0-9a-f]{64}", entry) for entry in vote.result["receipts"])
    for voted in cast_in_order:
        person = voted.on_behalf_of.user
        assert person.name not in text
        assert person.email not in text
        assert voted.receipt not in text


def test_each_receipt_proves_its_ballot_was_counted(secret_vote):
    vote, cast_in_order = secret_vote

    for voted in cast_in_order:
        assert casting.receipt_counted(vote, voted.receipt)
        # Typed in lower case or with spaces around, it is the same code.
        assert casting.receipt_counted(vote, f"  {voted.receipt.lower()} ")
    assert not casting.receipt_counted(vote, "0000-0000-0000")
    assert not casting.receipt_counted(vote, "")
    assert len({voted.receipt for voted in cast_in_order}) == len(cast_in_order)


def test_the_receipt_follows_from_the_key_and_is_not_stored(secret_vote):
    vote, cast_in_order = secret_vote

    for voted in cast_in_order:
        assert casting.receipt_code(vote.pk, voted.key) == voted.receipt


def test_the_count_is_right(secret_vote):
    vote, cast_in_order = secret_vote
    expected = {choice: 0 for choice in CHOICES}
    for voted in cast_in_order:
        expected[voted.choice] += 1

    assert dict(vote.result["counts"]) == expected


# --- order -----------------------------------------------------------------------------------


def test_what_is_stored_follows_from_the_ballots_not_from_their_order(
    client, make_vote, alice, bob, tina, voters, people
):
    """The same 24 ballots cast in two orders, one the reverse of the other: the boxes hold
    the same thing, while open and after close. So no reading of the stored ballots, of
    their order or of anything else in the box, can tell who cast which."""
    everyone, principal = people
    first = make_vote(secret=True, question="Eerste", present=everyone)
    cast_all(client, first, everyone, principal, tina, bob, voters[0])
    open_first = sealing.read(BallotBox, first.pk)["ballots"]
    lifecycle.close_vote(alice, first)

    second = make_vote(secret=True, question="Tweede", present=everyone)
    backwards = list(reversed(everyone))
    # Each person's choice stays the same: in reverse order, CHOICES turn the other way.
    choice_of = {p.pk: CHOICES[i % 3] for i, p in enumerate(everyone)}
    for person in backwards:
        cast(person, second, choice_of[person.pk])
        if person == tina:
            cast(tina, second, "against", on_behalf_of=principal)
    open_second = sealing.read(BallotBox, second.pk)["ballots"]
    lifecycle.close_vote(alice, second)

    assert open_first == open_second
    assert sealing.read(BallotBox, first.pk)["ballots"] == open_first
    assert sealing.read(BallotBox, second.pk)["ballots"] == open_second


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="xmin is a PostgreSQL column")
def test_after_close_the_box_was_last_written_by_the_close_not_by_a_voter(secret_vote):
    vote, _cast = secret_vote
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM voting_ballotbox WHERE vote_id = %s", [vote.pk])
        (box,) = cursor.fetchone()
        cursor.execute("SELECT xmin::text FROM voting_participation WHERE vote_id = %s", [vote.pk])
        participations = {row[0] for row in cursor.fetchall()}

    assert box not in participations


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


def test_no_table_links_a_voter_to_a_receipt(secret_vote):
    """A receipt hash stands only in the published result, with all the others; a voter's
    key and receipt code are stored nowhere."""
    vote, cast_in_order = secret_vote
    receipt_hashes = set(vote.result["receipts"])
    secrets_of_voters = {v.key.lower() for v in cast_in_order} | {
        v.receipt.lower() for v in cast_in_order
    }

    every_model = apps.get_models(include_auto_created=True)
    scanned_tables = {m._meta.db_table for m in every_model}
    assert {"django_session", "auth_permission", "voting_historicalvote"} <= scanned_tables
    assert "voting_ballotbox" in scanned_tables and "voting_participation" in scanned_tables
    assert not set(connection.introspection.django_table_names()) - scanned_tables
    assert Session.objects.exists(), "the voters who used the website have sessions"

    problems = []
    for model in every_model:
        for row in rows(model):
            texts = texts_of(model, row)
            where = f"{model._meta.db_table} {row}"
            everything = " ".join(texts.values())

            for secret in secrets_of_voters:
                if secret in everything:
                    problems.append(f"a voter's key or receipt code is stored: {where}")
            found = {mark for mark in receipt_hashes if mark in everything}
            if not found:
                continue
            if model._meta.db_table not in ("voting_vote", "voting_historicalvote"):
                problems.append(f"a receipt outside the published result: {where}")
            elif found != receipt_hashes:
                problems.append(f"part of the receipts, not all of them: {where}")

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
