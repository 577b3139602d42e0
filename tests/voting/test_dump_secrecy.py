"""Secret ballots and pulse answers against the realistic attacker: a copy of the database.

DESIGN.md names it: a nightly backup taken while a timed vote or a written round is open for
days, or while a meeting's pulse is open. The attacker here gets more than that backup:
`pg_dump --data-only` (the order of every table's rows), each row's system columns
(`SELECT xmin, *`), and even the server's SECRET_KEY, to open the sealed boxes. It tries
the linkage attacks: pair the people who took part with the answers by row order, by id
order, by transaction id (`xmin`: the same, or the nearest), and by time; and so guesses
each person's answer.

The game is ballot privacy's: two worlds in which the same people answer in the same order,
with the answers swapped among them (each person's answer differs between the two worlds;
the totals are the same). An attack that learns anything about a person guesses differently
in the two worlds. Every attack here must guess the same in both, so it is right about a
person in at most one of them: no better than chance. Against the storage this replaced (a
row per ballot or answer, written in the same transaction as the row naming its author),
row order and `xmin` named all 24 answers of either world while open.
"""

import io
import json
import re
import subprocess
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from panels import meetings, pulse
from panels.models import Meeting
from tests.voting.conftest import ballot_key, vote_spec
from voting import casting, consultations, lifecycle
from voting.models import Consultation, Vote

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="attacks a PostgreSQL dump (DATABASE_URL)"
    ),
]

OPTIONS = ["Dakisolatie", "Zonnepanelen", "Groendak"]
SCORES = [1, 3, 5]
PEOPLE = 12


# --- what the attacker holds ---------------------------------------------------------------


def _unescape(field: str) -> str | None:
    """A value of pg_dump's COPY text format."""
    if field == r"\N":
        return None
    escapes = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\", "b": "\b", "f": "\f", "v": "\v"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), field)


@dataclass
class Row:
    position: int  # where the dump lists it within its table
    values: dict[str, str | None]
    xmin: int


class Copy:
    """A copy of the database as the attacker holds it: the rows of a data-only dump in the
    order it lists them, each with the transaction id that wrote it."""

    def __init__(self) -> None:
        db = connection.settings_dict
        dump = subprocess.run(
            [
                "pg_dump",
                "--data-only",
                "--host",
                db["HOST"] or "127.0.0.1",
                "--port",
                str(db["PORT"] or 5432),
                "--username",
                db["USER"] or "postgres",
                db["NAME"],
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        self.tables: dict[str, list[Row]] = {}
        for table, columns, body in re.findall(
            r"^COPY public\.(\w+) \(([^)]*)\) FROM stdin;\n(.*?)^\\\.$", dump, re.M | re.S
        ):
            names = [c.strip().strip('"') for c in columns.split(",")]
            xmins = self._xmins(table, names[0])
            rows = []
            for position, line in enumerate(body.splitlines()):
                values = dict(zip(names, map(_unescape, line.split("\t")), strict=True))
                rows.append(Row(position, values, xmins[values[names[0]]]))
            self.tables[table] = rows

    @staticmethod
    def _xmins(table: str, key: str) -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT "{key}"::text, xmin::text::bigint FROM "{table}"')
            return dict(cursor.fetchall())

    def rows(self, table: str, **where) -> list[Row]:
        return [
            row
            for row in self.tables.get(table, [])
            if all(row.values.get(k) == str(v) for k, v in where.items())
        ]


def unsealed(table: str, key: str, row: Row) -> dict[str, list]:
    """A box opened with the server's key, its entries in the order they are stored."""
    from panels import sealing

    sealed = bytes.fromhex(row.values["sealed"].removeprefix("\\x"))
    contents = sealing.unseal(sealed, f"{table.replace('_', '.', 1)}:{row.values[key]}")
    return {
        name: [json.loads(k) for k in counts for _ in range(counts[k])]
        for name, counts in contents.items()
    }


# --- the attacks ------------------------------------------------------------------------------


@dataclass
class Answer:
    """A record that holds what someone answered, as the copy shows it."""

    value: object
    position: int  # dump order (within a box: its order in the box)
    ident: str  # its id (within a box: its index)
    xmin: int


def attacks(who: list[Row], person: str, answers: list[Answer]) -> dict[str, dict]:
    """Each attack's guess of each person's answer (None: no guess)."""
    guesses: dict[str, dict] = {}
    people_by = {
        "dump order": sorted(who, key=lambda r: r.position),
        "id order": sorted(who, key=lambda r: int(r.values["id"])),
        "transaction order": sorted(who, key=lambda r: r.xmin),
    }
    answers_by = {
        "dump order": sorted(answers, key=lambda a: a.position),
        "id order": sorted(answers, key=lambda a: a.ident),
        "transaction order": sorted(answers, key=lambda a: (a.xmin, a.position)),
    }
    for people_order, in_order in people_by.items():
        for answer_order, listed in answers_by.items():
            guesses[f"people by {people_order}, answers by {answer_order}"] = {
                row.values[person]: answer.value
                for row, answer in zip(in_order, listed, strict=False)
            }
    # Answers written by the person's own transaction; several (a box): the most common.
    by_xmin = defaultdict(list)
    for answer in sorted(answers, key=lambda a: a.position):
        by_xmin[answer.xmin].append(answer.value)
    guesses["same transaction"] = {
        row.values[person]: Counter(by_xmin[row.xmin]).most_common(1)[0][0]
        if by_xmin[row.xmin]
        else None
        for row in who
    }
    # A row written in a savepoint has an xid of its own, next to its transaction's.
    guesses["nearest transaction"] = {
        row.values[person]: min(answers, key=lambda a: (abs(a.xmin - row.xmin), a.position)).value
        if answers
        else None
        for row in who
    }
    return guesses


def answer_of(ballot: dict, labels: dict[str, str]) -> object:
    """What a ballot says, in words: its option, its marks per option (points), or its
    choice with its remark (a sense check)."""
    if ballot.get("option_id"):
        return labels.get(str(ballot["option_id"]))
    if ballot.get("marks"):
        return tuple(sorted((labels[str(pk)], mark) for pk, mark in ballot["marks"].items()))
    return (ballot.get("choice") or "", ballot.get("remark") or "")


def vote_answers(copy: Copy, vote: Vote) -> list[Answer]:
    """What the copy holds of a vote's ballots: ballot rows, or the entries of its box."""
    labels = {str(o.pk): o.label for o in vote.options.all()}
    found = [
        Answer(
            answer_of(
                {
                    "option_id": row.values["option_id"],
                    "marks": json.loads(row.values["marks"] or "{}"),
                    "choice": row.values["choice"],
                    "remark": row.values["remark"],
                },
                labels,
            ),
            row.position,
            row.values["id"],
            row.xmin,
        )
        for row in copy.rows("voting_ballot", vote_id=vote.pk)
    ]
    for row in copy.rows("voting_ballotbox", vote_id=vote.pk):
        ballots = unsealed("voting_ballotbox", "vote_id", row)["ballots"]
        found += [
            Answer(answer_of(ballot, labels), index, f"{index:06d}", row.xmin)
            for index, ballot in enumerate(ballots)
        ]
    return found


def pulse_answers(copy: Copy, meeting: Meeting) -> list[Answer]:
    found = [
        Answer(
            (int(row.values["heard"]), row.values["comment"]),
            row.position,
            row.values["id"],
            row.xmin,
        )
        for row in copy.rows("panels_pulseanswer", meeting_id=meeting.pk)
    ]
    for row in copy.rows("panels_pulsebox", meeting_id=meeting.pk):
        answers = unsealed("panels_pulsebox", "meeting_id", row)["answers"]
        found += [
            Answer(tuple(answer), index, f"{index:06d}", row.xmin)
            for index, answer in enumerate(answers)
        ]
    return found


def assert_no_attack_tells_the_worlds_apart(guesses: dict, truth: dict) -> None:
    """`guesses[world][attack][person]`; `truth[world][person]`."""
    a, b = guesses
    # Each person's answer differs between the worlds: the same guess is right in at most
    # one of them.
    assert all(truth[a][p] != truth[b][p] for p in truth[a])
    assert set(guesses[a]) == set(guesses[b])
    report, apart = [], []
    for attack in guesses[a]:
        right = sum(
            guesses[world][attack].get(person) == truth[world][person]
            for world in (a, b)
            for person in truth[world]
        )
        report.append(f"{attack}: {right} of {2 * len(truth[a])} right")
        if guesses[a][attack] != guesses[b][attack]:
            apart.append(attack)
    assert not apart, (
        "attacks that tell the worlds apart: " + ", ".join(apart) + "\n" + "\n".join(report)
    )


def no_time_in(answers_table_rows: list[Row]) -> None:
    """The tables that hold answers carry no time at all: nothing to sort them by."""
    stamp = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
    for row in answers_table_rows:
        assert not [v for v in row.values.values() if v and stamp.search(v)], row


# --- the votes -------------------------------------------------------------------------------


@pytest.fixture
def people(make_member):
    return [make_member(f"Lid{number:02d}") for number in range(PEOPLE)]


@dataclass(frozen=True)
class Kind:
    """A secret vote's method and the answers the people give in turn: each a ballot (by
    option label) and what it says as `answer_of` reads it."""

    method: str
    options: list[str]
    answers: list[dict]


KINDS = {
    "one choice": Kind("one_choice", OPTIONS, [{"option": label} for label in OPTIONS]),
    # A remark is written with the answer: it must not name its writer either.
    "sense check": Kind(
        "sense_check",
        [],
        [
            {"choice": "up", "remark": "Goed voor de energierekening."},
            {"choice": "unsure", "remark": "Wat kost het de huurders?"},
            {"choice": "down", "remark": "Eerst de kozijnen."},
        ],
    ),
    # Written text: the sorted answers must not keep the order, or the time, they came in.
    "open question": Kind(
        "open_question",
        [],
        [
            {"remark": "Meer bankjes bij de speeltuin."},
            {"remark": "Een fietsenstalling bij blok C."},
            {"remark": "Betere verlichting in de poort."},
        ],
    ),
    # Marks: a number of points per option.
    "points": Kind(
        "points",
        OPTIONS,
        [
            {"marks": {"Dakisolatie": 10}},
            {"marks": {"Zonnepanelen": 7, "Groendak": 3}},
            {"marks": {"Dakisolatie": 2, "Zonnepanelen": 2, "Groendak": 6}},
        ],
    ),
}


def _ballot(vote: Vote, answer: dict) -> dict:
    pks = {o.label: o.pk for o in vote.options.all()}
    if "option" in answer:
        return {"option_id": pks[answer["option"]]}
    if "marks" in answer:
        return {"marks": {str(pks[label]): n for label, n in answer["marks"].items()}}
    return answer


def cast_in_two_worlds(make_vote, people, kind: Kind = KINDS["one choice"]) -> tuple[dict, dict]:
    """Two secret timed votes, the same people casting in the same order, the answers of
    the second shifted by one (so each person's answer differs; the totals are equal)."""
    worlds = {
        name: make_vote(
            secret=True,
            mode=Vote.Mode.TIMED,
            method=kind.method,
            question=f"Wat eerst? ({name})",
            options=kind.options,
        )
        for name in ("A", "B")
    }
    truth = {name: {} for name in worlds}
    for index, person in enumerate(people):
        for shift, (name, vote) in enumerate(worlds.items()):
            truth[name][str(person.pk)] = cast_answer(person, vote, kind, index + shift)
    return worlds, truth


def cast_answer(person, vote: Vote, kind: Kind, position: int) -> object:
    """The person casts the kind's answer at `position` (in turn); what it says."""
    ballot = _ballot(vote, kind.answers[position % len(kind.answers)])
    casting.cast_ballot(person, vote, ballot, key=ballot_key())
    return answer_of(ballot, {str(o.pk): o.label for o in vote.options.all()})


def vote_guesses(worlds: dict[str, Vote]) -> dict:
    copy = Copy()
    guesses = {}
    for name, vote in worlds.items():
        who = copy.rows("voting_participation", vote_id=vote.pk)
        assert len(who) == PEOPLE
        guesses[name] = attacks(who, "on_behalf_of_id", vote_answers(copy, vote))
        roll = copy.rows("voting_rollentry", vote_id=vote.pk)
        if roll:
            for attack, guessed in attacks(roll, "member_id", vote_answers(copy, vote)).items():
                guesses[name][f"roll: {attack}"] = guessed
    no_time_in(copy.tables.get("voting_ballot", []) + copy.tables.get("voting_ballotbox", []))
    return guesses


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_dump_while_a_secret_vote_is_open_links_nobody_to_a_choice(make_vote, people, kind):
    worlds, truth = cast_in_two_worlds(make_vote, people, KINDS[kind])

    assert_no_attack_tells_the_worlds_apart(vote_guesses(worlds), truth)


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_dump_after_a_secret_vote_closed_links_nobody_to_a_choice(make_vote, people, alice, kind):
    worlds, truth = cast_in_two_worlds(make_vote, people, KINDS[kind])
    for vote in worlds.values():
        lifecycle.close_vote(alice, vote)

    assert_no_attack_tells_the_worlds_apart(vote_guesses(worlds), truth)
    each = PEOPLE // len(KINDS[kind].answers)
    for vote in worlds.values():
        vote.refresh_from_db()
        assert "named" not in vote.result
        if kind == "one choice":
            assert dict(vote.result["counts"]) == {**dict.fromkeys(OPTIONS, each), "abstain": 0}
        elif kind == "sense check":
            assert dict(vote.result["counts"]) == dict.fromkeys(["up", "unsure", "down"], each)
            assert sorted(vote.result["remarks"]) == sorted(
                [a["choice"], a["remark"]] for a in KINDS[kind].answers for _ in range(each)
            )
        elif kind == "open question":
            assert vote.result["answers"] == sorted(
                a["remark"] for a in KINDS[kind].answers for _ in range(each)
            )
        else:
            assert [row[:2] for row in vote.result["points"]] == [
                [label, each * sum(a["marks"].get(label, 0) for a in KINDS[kind].answers)]
                for label in OPTIONS
            ]


# --- an anonymous consultation ----------------------------------------------------------------

CONSULTED = ["open question", "points"]


def consult_in_two_worlds(alice, people) -> tuple[dict, dict]:
    """Two anonymous consultations of two questions each (an open question, points), which
    the same people answer in the same order, question by question, each answer of world B
    shifted by one. Returns, per question kind, its two worlds' votes and their truth."""
    worlds = {kind: {} for kind in CONSULTED}
    for name in ("A", "B"):
        consultation = consultations.create(
            alice,
            title=f"Raadpleging {name}",
            closes_at=timezone.now() + timedelta(days=14),
            anonymous=True,
        )
        for kind in CONSULTED:
            worlds[kind][name] = consultations.add_question(
                alice,
                consultation,
                vote_spec(
                    question=f"{kind} ({name})",
                    method=KINDS[kind].method,
                    options=KINDS[kind].options,
                ),
            )
        consultations.open_consultation(alice, consultation)
    truth = {kind: {name: {} for name in ("A", "B")} for kind in CONSULTED}
    for index, person in enumerate(people):
        for shift, name in enumerate(("A", "B")):
            for kind in CONSULTED:
                vote = Vote.objects.get(pk=worlds[kind][name].pk)
                assert vote.secret and vote.state == Vote.State.OPEN
                truth[kind][name][str(person.pk)] = cast_answer(
                    person, vote, KINDS[kind], index + shift
                )
    return worlds, truth


def test_a_dump_while_an_anonymous_consultation_is_open_links_nobody_to_an_answer(alice, people):
    worlds, truth = consult_in_two_worlds(alice, people)

    for kind in CONSULTED:
        assert_no_attack_tells_the_worlds_apart(vote_guesses(worlds[kind]), truth[kind])


def test_a_dump_after_an_anonymous_consultation_closed_links_nobody_to_an_answer(alice, people):
    worlds, truth = consult_in_two_worlds(alice, people)
    for consultation in Consultation.objects.all():
        consultations.close_consultation(alice, consultation)

    for kind in CONSULTED:
        assert_no_attack_tells_the_worlds_apart(vote_guesses(worlds[kind]), truth[kind])
    vote = Vote.objects.get(pk=worlds["open question"]["A"].pk)
    assert vote.state == Vote.State.CLOSED and "named" not in vote.result
    assert len(vote.result["answers"]) == PEOPLE


# --- the pulse -------------------------------------------------------------------------------


def answer_in_two_worlds(alice, people) -> tuple[dict[str, Meeting], dict]:
    worlds = {}
    for name in ("A", "B"):
        meeting = meetings.create_meeting(
            alice, title=f"Avond {name}", starts_at=timezone.now(), notify=False
        )
        meetings.start_meeting(alice, meeting)
        worlds[name] = Meeting.objects.get(pk=meeting.pk)
    truth = {name: {} for name in worlds}
    for index, person in enumerate(people):
        for shift, (name, meeting) in enumerate(worlds.items()):
            position = (index + shift) % PEOPLE
            answer = (SCORES[position % len(SCORES)], f"opmerking {position:02d}")
            pulse.answer(person, meeting, heard=answer[0], comment=answer[1])
            truth[name][str(person.pk)] = answer
    return worlds, truth


def pulse_guesses(worlds: dict[str, Meeting]) -> dict:
    copy = Copy()
    guesses = {}
    for name, meeting in worlds.items():
        who = copy.rows("panels_pulseparticipation", meeting_id=meeting.pk)
        assert len(who) == PEOPLE
        guesses[name] = attacks(who, "membership_id", pulse_answers(copy, meeting))
    no_time_in(copy.tables.get("panels_pulseanswer", []) + copy.tables.get("panels_pulsebox", []))
    return guesses


def test_a_dump_while_the_pulse_is_open_links_nobody_to_an_answer(alice, people):
    worlds, truth = answer_in_two_worlds(alice, people)

    assert_no_attack_tells_the_worlds_apart(pulse_guesses(worlds), truth)


def test_a_dump_after_the_meeting_closed_links_nobody_to_an_answer(alice, people):
    worlds, truth = answer_in_two_worlds(alice, people)
    for meeting in worlds.values():
        meetings.close_meeting(alice, meeting)

    assert_no_attack_tells_the_worlds_apart(pulse_guesses(worlds), truth)
    assert pulse.results([worlds["A"].pk])[worlds["A"].pk].answers == PEOPLE


def test_a_dump_without_the_key_shows_no_answer_at_all(make_vote, people, alice, settings):
    """Without the server's key (a stolen backup) not even the totals of an open vote or
    pulse can be read: what two nightly copies differ by names nobody's answers."""
    worlds, _truth = cast_in_two_worlds(make_vote, people)
    pulses, _ = answer_in_two_worlds(alice, people[:3])
    copy = Copy()
    settings.SECRET_KEY = "another-server-" + "x" * 50
    settings.SECRET_KEY_FALLBACKS = []

    from panels import sealing

    for table, key in (("voting_ballotbox", "vote_id"), ("panels_pulsebox", "meeting_id")):
        assert copy.tables[table]
        for row in copy.tables[table]:
            with pytest.raises(sealing.BoxUnreadable):
                unsealed(table, key, row)
            assert "opmerking" not in row.values["sealed"]
    assert worlds and pulses and settings.SECRET_KEY


# --- below the dump: the versions a box leaves behind -----------------------------------------


def versions(table: str) -> int:
    """Every version of the table's rows still in its pages, live or dead (pageinspect)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        cursor.execute(
            "SELECT count(*) FROM generate_series(0, pg_relation_size(%s)"
            " / current_setting('block_size')::int - 1) AS page,"
            " heap_page_items(get_raw_page(%s, page::int)) WHERE lp_flags = 1",
            [table, table],
        )
        return cursor.fetchone()[0]


def test_closing_a_vote_leaves_no_earlier_version_of_its_box(make_vote, people, alice):
    """Each ballot rewrites the box; with the key, the versions in a row would show each
    ballot as it came in. The close vacuums them away."""
    worlds, _truth = cast_in_two_worlds(make_vote, people)
    assert versions("voting_ballotbox") > len(worlds), "every ballot left a version"

    for vote in worlds.values():
        lifecycle.close_vote(alice, vote)

    assert versions("voting_ballotbox") == len(worlds)


def test_the_scheduled_run_vacuums_the_boxes_of_open_votes(make_vote, people):
    from django.core.management import call_command

    cast_in_two_worlds(make_vote, people)
    assert versions("voting_ballotbox") > 2

    call_command("close_due_votes", "--remind-hours", "0", stdout=io.StringIO())

    assert versions("voting_ballotbox") == 2


def test_each_pulse_answer_leaves_no_earlier_version_of_the_box(alice, people):
    worlds, _truth = answer_in_two_worlds(alice, people)

    assert versions("panels_pulsebox") == len(worlds)
