"""Demo data for a laptop: one panel with every role, fixed passwords.

Idempotent: running it again changes nothing and prints the same logins.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone, translation

from agreements import advice
from agreements import services as agreements
from minutes import services as minutes_services
from minutes.models import Minutes
from panels import floor, meetings, pulse
from panels.models import (
    LiveWorker,
    Meeting,
    Membership,
    Organisation,
    Panel,
    Presence,
    Role,
    User,
)
from voting import casting, consultations, lifecycle, proposals
from voting.models import Proposal

DEMO_PASSWORD = "knoppen-demo"
DEMO_DOMAIN = "demo.knoppen.nl"

MEMBER_NAMES = [
    "Annelies de Vries",
    "Mohamed El Amrani",
    "Joke Bakker",
    "Kees Jansen",
    "Fatma Yilmaz",
    "Henk Visser",
    "Sanne Mulder",
    "Ricardo Martina",
    "Wilma de Boer",
    "Piotr Kowalski",
    "Truus van Dijk",
    "Dewi Soekarno",
]

AGENDA = [
    ("Opening en mededelingen", ""),
    (
        "Onderhoudsplan 2027",
        "De corporatie licht het plan toe. Welke klussen vinden huurders het belangrijkst?",
    ),
    ("Isolatie van de flats aan de Lindelaan", "Wat vinden huurders van de planning en overlast?"),
    ("Rondvraag en sluiting", ""),
]

# Age bands members chose to share, in the order of PEOPLE (None: shared nothing), and the
# composition of all tenant households by age, from the corporation's figures.
AGES = ["45_64", None, "45_64", "under_30", *["45_64"] * 4, *["65_74"] * 5, "under_30", "30_44"]
AGE_COMPOSITION = {"under_30": "15", "30_44": "25", "45_64": "30", "65_74": "18", "75_plus": "12"}

# What the moderator wrote in the minutes of the meetings held, per part ("item" is
# "Ideeën van huurders", "approval" the approval of the previous meeting's minutes).
SUMMARIES = {
    "Bewonersavond groen en buurt": {
        "opening": "De voorzitter opent de avond en heet iedereen welkom.",
        "item": (
            "Huurders willen meer plekken om te zitten in de binnentuin. Het voorstel voor "
            "meer bankjes wordt aangenomen; de corporatie laat weten wat zij ermee doet."
        ),
        "closing": "De voorzitter dankt iedereen voor de komst en sluit de avond.",
    },
    "Bewonersavond veiligheid": {
        "opening": "De voorzitter opent de avond; er zijn geen mededelingen.",
        "approval": "De notulen van de bewonersavond over groen en buurt worden vastgesteld.",
        "item": (
            "Huurders bespreken de verlichting in de portieken. Een meerderheid wil dat die "
            "de hele nacht brandt."
        ),
        "closing": "De voorzitter sluit de avond.",
    },
}

# "Did you feel heard?" of those who voted in the meetings held, in turn.
PULSE = [5, 4, 4, 3, 5, 2]

# (local part of the email, name, role, voting rights)
PEOPLE = [
    ("gespreksleider", "Marieke Smit", Role.MODERATOR, True),
    ("corporatie", "Erik Hoekstra", Role.CORPORATION_REP, False),
    ("huurdersorganisatie", "Ingrid Verbeek", Role.TENANT_ORG_REP, True),
    *[(f"lid{i:02d}", name, Role.MEMBER, True) for i, name in enumerate(MEMBER_NAMES, start=1)],
    ("waarnemer", "Bram de Wit", Role.OBSERVER, False),
]


class Command(BaseCommand):
    help = "Create demo organisations, a panel and people with fixed passwords (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Seed even though DEBUG is off (never on a real site: the passwords are public).",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "Demo data has public passwords; it is only seeded with DEBUG on "
                "(or --allow-without-debug)."
            )
        # The story sends no mail (decisions and answers would mail the demo people).
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            transaction.atomic(),
        ):
            self._seed()

    def _seed(self) -> None:
        corporation, _ = Organisation.objects.get_or_create(
            name="Woonstichting De Linde", kind=Organisation.Kind.CORPORATION
        )
        tenant_org, _ = Organisation.objects.get_or_create(
            name="Huurdersvereniging De Linde", kind=Organisation.Kind.TENANT_ORGANISATION
        )
        panel, _ = Panel.objects.get_or_create(
            name="Huurderspanel De Linde",
            defaults={
                "corporation": corporation,
                "tenant_organisation": tenant_org,
                "constituency_size": 4200,
                "description": (
                    "Het digitale huurderspanel van Woonstichting De Linde en "
                    "Huurdersvereniging De Linde. We praten mee over onderhoud, "
                    "duurzaamheid, leefbaarheid en het huurbeleid."
                ),
            },
        )
        rows = []
        for local, name, role, may_vote in PEOPLE:
            email = f"{local}@{DEMO_DOMAIN}"
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email=email, password=DEMO_PASSWORD, name=name)
            Membership.objects.get_or_create(
                panel=panel,
                user=user,
                defaults={"role": role, "has_voting_rights": may_vote},
            )
            rows.append((email, name, Role(role).label))

        self._seed_history(panel)
        self._seed_advice(panel)
        self._seed_representation(panel)
        self._seed_meeting(panel)
        self._seed_consultation(panel)

        self.stdout.write(self.style.SUCCESS(f"Demo panel: {panel.name}"))
        self.stdout.write(f"Every demo login uses the password: {DEMO_PASSWORD}")
        width = max(len(email) for email, _, _ in rows)
        for email, name, role in rows:
            self.stdout.write(f"  {email.ljust(width)}  {name} ({role})")

    def _seed_meeting(self, panel: Panel) -> None:
        title = "Bijeenkomst onderhoud en duurzaamheid"
        if panel.meetings.filter(title=title).exists():
            return
        moderator = panel.memberships.get(role=Role.MODERATOR)
        meeting = meetings.create_meeting(
            moderator,
            title=title,
            starts_at=timezone.now().replace(minute=0, second=0, microsecond=0)
            + timedelta(hours=1),
            description="We praten over het onderhoudsplan en de isolatie van de flats.",
            venue=Meeting.Venue.HYBRID,
            location="Buurthuis De Linde, Lindelaan 12, Utrecht",
            notify=False,
        )
        (opening, _none), *rest = AGENDA
        meetings.add_item(moderator, meeting, title=opening)
        # The minutes of the last meeting held are approved here, just after the opening.
        last_held = Minutes.objects.filter(meeting__panel=panel, state=Minutes.State.DRAFT)
        for minutes in last_held.order_by("-meeting__starts_at")[:1]:
            with translation.override(settings.LANGUAGE_CODE):
                minutes_services.put_to_approval(moderator, minutes, meeting)
        for item_title, description in rest:
            meetings.add_item(moderator, meeting, title=item_title, description=description)

    def _seed_history(self, panel: Panel) -> None:
        """Two meetings held before, so the participation figures have something to show:
        who posted, raised a hand, brought in a proposal and voted (some came to both).
        The moderator writes the minutes of each; the second meeting approves the first's
        (the upcoming meeting has the second's on its agenda: `_seed_meeting`)."""
        if panel.meetings.filter(state="closed").exists():
            return
        moderator = panel.memberships.get(role=Role.MODERATOR)
        people = {m.user.email.split("@")[0]: m for m in panel.memberships.select_related("user")}
        held = [
            (
                "Bewonersavond groen en buurt",
                60,
                ["lid01", "lid02", "lid03", "lid04", "lid05", "lid06", "huurdersorganisatie"],
                "Komen er meer bankjes in de binnentuin?",
            ),
            (
                "Bewonersavond veiligheid",
                30,
                ["lid01", "lid03", "lid07", "lid08", "lid09", "huurdersorganisatie"],
                "Moet de verlichting in de portieken de hele nacht branden?",
            ),
        ]
        worker, _ = LiveWorker.objects.get_or_create(pk="seed-demo")
        for title, days_ago, present, question in held:
            meeting = meetings.create_meeting(
                moderator,
                title=title,
                starts_at=timezone.now().replace(minute=0, second=0, microsecond=0)
                - timedelta(days=days_ago),
                notify=False,
            )
            earlier = Minutes.objects.filter(
                meeting__panel=panel, state=Minutes.State.DRAFT
            ).first()
            if earlier is not None:  # approved first thing, by those present
                with translation.override(settings.LANGUAGE_CODE):
                    earlier = minutes_services.put_to_approval(moderator, earlier, meeting)
            item = meetings.add_item(moderator, meeting, title="Ideeën van huurders")
            meetings.start_meeting(moderator, meeting)
            first, second, third, *rest = (people[key] for key in present)
            for member in [moderator, first, second, third, *rest]:
                Presence.objects.create(
                    meeting=meeting, membership=member, worker=worker,
                    connection=f"seed-demo/{meeting.pk}/{member.pk}",
                )  # fmt: skip
            if earlier is not None:
                with translation.override(settings.LANGUAGE_CODE):
                    approval = minutes_services.open_approval_vote(moderator, earlier)
                for member in [first, second, third, *rest][:-1]:
                    casting.cast_ballot(member, approval, choice="for", key=secrets.token_hex(16))
                lifecycle.close_vote(moderator, approval)
                meetings.set_current_item(moderator, item)
            floor.set_floor(moderator, meeting, True)
            floor.post_message(first, meeting, "Goed dat we hier samen over praten.")
            floor.post_message(second, meeting, "Ik wil graag iets vertellen over mijn portiek.")
            floor.raise_hand(third, meeting)
            proposal = proposals.create_proposal(
                second, item, title=question.rstrip("?"), text=f"Voorstel: {question}"
            )
            # The first meeting votes on the proposal itself, the second on a question.
            on_proposal = title == held[0][0]
            if on_proposal:
                proposals.admit_proposal(moderator, proposal)
            vote = lifecycle.open_vote(
                moderator,
                lifecycle.prepare_vote(
                    moderator,
                    lifecycle.VoteSpec(question=question, method="yes_no", options=[]),
                    meeting=meeting,
                    proposal=proposal if on_proposal else None,
                ),
            )
            for index, member in enumerate([first, second, third, *rest][:-1]):
                casting.cast_ballot(
                    member, vote, choice="against" if index % 3 == 2 else "for",
                    key=secrets.token_hex(16),
                )  # fmt: skip
            lifecycle.close_vote(moderator, vote)
            # Those who voted say whether they felt heard (anonymous; see panels/pulse.py).
            meeting.refresh_from_db()
            for member, heard in zip([first, second, third, *rest][:-1], PULSE, strict=False):
                pulse.answer(
                    member, meeting, heard=heard, comment="Goed voorbereid." if heard == 5 else ""
                )
            Presence.objects.filter(meeting=meeting).delete()
            meetings.close_meeting(moderator, meeting)
            self._write_minutes(moderator, meeting, item)
        worker.delete()
        # The corporation answers the proposal the panel adopted (terugkoppeling).
        adopted = Proposal.objects.get(item__meeting__panel=panel, state=Proposal.State.ADOPTED)
        agreements.answer_input(
            panel.memberships.get(role=Role.CORPORATION_REP),
            adopted,
            status="partly",
            reasons="Er komen twee bankjes bij, geen vier: het budget voor 2027 is beperkt.",
        )

    def _write_minutes(self, moderator: Membership, meeting: Meeting, item) -> None:
        """The moderator writes a summary of each part of a closed meeting's minutes."""
        minutes = minutes_services.of(meeting)  # (drawn up now: the close's is after commit)
        summary = SUMMARIES[meeting.title]
        texts = {"opening": summary["opening"], str(item.pk): summary["item"]}
        texts["closing"] = summary["closing"]
        for other in meeting.items.exclude(pk=item.pk):  # the approval of earlier minutes
            texts[str(other.pk)] = summary["approval"]
        minutes_services.edit(moderator, minutes, texts=texts, base_version=minutes.version)

    def _seed_consultation(self, panel: Panel) -> None:
        """An open consultation about maintenance, half answered (once per panel)."""
        if panel.consultations.exists():
            return
        moderator = panel.memberships.filter(role=Role.MODERATOR).first()
        consultation = consultations.create(
            moderator,
            title="Onderhoud 2027: wat eerst?",
            introduction=(
                "De corporatie plant het onderhoud voor 2027. Vertel ons wat u het "
                "belangrijkst vindt; we laten weten wat we met uw antwoorden doen."
            ),
            closes_at=timezone.now() + timedelta(days=21),
        )
        works = ["Daken", "Kozijnen en glas", "Liften", "Verlichting in portieken"]
        questions = [
            lifecycle.VoteSpec(
                question="Verdeel 10 punten over de werkzaamheden",
                method="points",
                options=works,
                settings={"budget": 10},
            ),
            lifecycle.VoteSpec(
                question="Welk cijfer geeft u het onderhoud van uw woning?",
                method="score",
                options=["Mijn woning"],
            ),
            lifecycle.VoteSpec(
                question="Wat moeten we verder weten?", method="open_question", options=[]
            ),
        ]
        asked = [consultations.add_question(moderator, consultation, spec) for spec in questions]
        consultations.open_consultation(moderator, consultation)
        members = list(panel.memberships.filter(role=Role.MEMBER).order_by("pk"))[:5]
        for index, member in enumerate(members):
            points, score, _open = asked
            order = list(points.options.order_by("position"))
            given = {str(order[index % 4].pk): 6, str(order[(index + 1) % 4].pk): 4}
            casting.cast_ballot(member, points, {"marks": given}, key=secrets.token_hex(16))
            mark = {str(score.options.get().pk): 5 + index}
            casting.cast_ballot(member, score, {"marks": mark}, key=secrets.token_hex(16))

    def _seed_advice(self, panel: Panel) -> None:
        """Two advice requests: one just filed (advice due in six weeks) and one advised on
        20 days ago whose reasoned response is overdue."""
        if panel.advice_requests.exists():
            return
        corporation = panel.memberships.get(role=Role.CORPORATION_REP)
        tenants = panel.memberships.get(role=Role.TENANT_ORG_REP)
        advice.file_request(
            corporation,
            title="Huurverhoging per 1 juli 2027",
            intended_change="De corporatie wil de huren met 3,5 % verhogen, en met 5 % voor "
            "woningen met een hoog inkomen.",
        )
        earlier = advice.file_request(
            corporation,
            title="Nieuw beleid voor servicekosten",
            intended_change="De kosten voor schoonmaak en groen worden per complex verdeeld.",
        )
        advised = advice.give_advice(
            tenants,
            earlier,
            advice="Verdeel per complex, maar met een maximum per huishouden.",
            meetings=list(panel.meetings.filter(state="closed").values_list("pk", flat=True)),
        )
        now = timezone.now()
        type(advised).objects.filter(pk=advised.pk).update(
            requested_at=now - timedelta(days=64),
            advice_due=(now - timedelta(days=22)).date(),
            advised_at=now - timedelta(days=20),
        )

    def _seed_representation(self, panel: Panel) -> None:
        from panels import representation

        if panel.composition.exists():
            return
        panel.neighbourhoods = "Lindehof\nDe Bongerd\nStationskwartier"
        panel.save(update_fields=["neighbourhoods"])
        moderator = panel.memberships.get(role=Role.MODERATOR)
        representation.set_composition(moderator, "age", AGE_COMPOSITION)
        for (local, *_rest), age in zip(PEOPLE, AGES, strict=False):
            if age:
                member = panel.memberships.get(user__email=f"{local}@{DEMO_DOMAIN}")
                representation.share(member, {"age": age})
