"""Voting's models: proposals and amendments, consultations, votes and their options, and
what a ballot leaves behind (participation, named ballots, the sealed box of a secret vote,
the room's count, the roll, proxies, hidden answers).

One module on purpose, though over 500 lines: what is stored about a ballot is reviewed as
one thing. Whether a secret vote can be linked to a person depends on every row here that
names the person or the vote (tests/voting/test_votes_secrecy.py reads these models' fields,
tests/voting/test_dump_secrecy.py attacks their rows), and reading them side by side, in the
order a ballot writes them, is how that review is done.
"""

import uuid

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from panels.models import AgendaItem, Hideable, Meeting, Membership, SealedBox
from voting import methods
from voting import text as texts
from voting.audit_actions import VotingAction
from voting.methods.base import REMARK_MAX

TITLE_MAX = 200
TEXT_MAX = 20_000
RATIONALE_MAX = 5_000


class Proposal(Hideable):
    """A member's proposal (voorstel) to an agenda item. Its text has numbered versions;
    every version is a row in the history, with who made it and why."""

    hide_action = VotingAction.PROPOSAL_HIDDEN
    missing_reason = _("Give a reason for hiding the proposal.")
    live_fragment = "proposals"

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ON_FLOOR = "on_floor", _("On the floor")
        IN_VOTE = "in_vote", _("In vote")
        ADOPTED = "adopted", _("Adopted")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    TRANSITIONS = {
        State.DRAFT: {State.SUBMITTED, State.WITHDRAWN},
        State.SUBMITTED: {State.ON_FLOOR, State.WITHDRAWN},
        State.ON_FLOOR: {State.IN_VOTE, State.WITHDRAWN},
        State.IN_VOTE: {State.ADOPTED, State.REJECTED, State.ON_FLOOR},
        State.ADOPTED: set(),
        State.REJECTED: set(),
        State.WITHDRAWN: set(),
    }
    # States in which the text may still change (by amendment or by its submitter).
    OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.ON_FLOOR)

    item = models.ForeignKey(
        AgendaItem,
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("agenda item"),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    text = models.TextField(_("text"), max_length=TEXT_MAX)
    version = models.PositiveIntegerField(_("version"), default=1)
    produced_by = models.ForeignKey(
        "Amendment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("amendment that produced this version"),
    )
    submitter = models.ForeignKey(
        Membership,
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("submitter"),
    )
    supporters = models.ManyToManyField(
        Membership, blank=True, related_name="supported_proposals", verbose_name=_("supporters")
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    amendments_open = models.BooleanField(_("amendments open"), default=True)
    amendments_close_at = models.DateTimeField(
        _("amendments close at"),
        null=True,
        blank=True,
        help_text=_("After this moment no new amendments are accepted."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    # The open question whose answer this proposal grew from (voting/answers.py).
    from_vote = models.ForeignKey(
        "voting.Vote",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals_from_answers",
        verbose_name=_("grew from the answers to"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        meeting = self.item.meeting
        return reverse("voting:proposal", args=[meeting.panel_id, self.pk])

    @property
    def paragraphs(self) -> list[str]:
        return texts.paragraphs(self.text)

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    def posted_in(self) -> Meeting:
        return self.item.meeting

    def locked(self) -> "Proposal":
        return (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("item__meeting", "submitter__user")
            .get(pk=self.pk)
        )

    def told_personally(self) -> list[int]:
        return [self.submitter.user_id]

    def amendments_accepted_now(self) -> bool:
        if not self.is_open or not self.amendments_open:
            return False
        return self.amendments_close_at is None or timezone.now() < self.amendments_close_at


class Amendment(Hideable):
    """A change to a proposal, made against one version of its text."""

    hide_action = VotingAction.AMENDMENT_HIDDEN
    missing_reason = _("Give a reason for hiding the amendment.")
    live_fragment = "proposals"

    class Kind(models.TextChoices):
        REPLACE = texts.REPLACE, _("Replace a paragraph")
        INSERT = texts.INSERT, _("Insert a paragraph")
        DELETE = texts.DELETE, _("Delete a paragraph")
        REPLACE_ALL = texts.REPLACE_ALL, _("Replace the whole text")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        TO_VOTE = "to_vote", _("Put to the vote")
        ACCEPTED = "accepted", _("Accepted by the submitter")
        ADOPTED = "adopted", _("Adopted by vote")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATES = (State.PENDING, State.TO_VOTE)

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="amendments", verbose_name=_("proposal")
    )
    author = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("author")
    )
    kind = models.CharField(_("kind of change"), max_length=20, choices=Kind.choices)
    paragraph = models.PositiveIntegerField(
        _("paragraph"), null=True, blank=True, help_text=_("Counted from 0 in the base text.")
    )
    new_text = models.TextField(_("new text"), blank=True, max_length=TEXT_MAX)
    rationale = models.TextField(_("rationale"), max_length=RATIONALE_MAX)
    base_version = models.PositiveIntegerField(_("made on version"))
    base_text = models.TextField(_("text of that version"))
    proposed_text = models.TextField(_("text if adopted"))
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.proposal} — #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def is_outdated(self) -> bool:
        return self.base_version != self.proposal.version

    def posted_in(self) -> Meeting:
        return self.proposal.item.meeting

    def locked(self) -> "Amendment":
        # The proposal first, as every change to its amendments takes it.
        proposal = self.proposal.locked()
        amendment = Amendment.objects.select_for_update().get(pk=self.pk)
        amendment.proposal = proposal
        return amendment

    def when_hidden(self) -> list[str]:
        """A hidden amendment can no longer be accepted or voted on: an open one is
        withdrawn."""
        if not self.is_open:
            return []
        self.state = self.State.WITHDRAWN
        self.decided_at = self.hidden_at
        return ["state", "decided_at"]

    def told_personally(self) -> list[int]:
        return [self.proposal.submitter.user_id]


# --- votes ---------------------------------------------------------------------------


class Consultation(models.Model):
    """A raadpleging: several questions (votes of any method) for the whole panel, open for
    days or weeks, answered on a phone in one go or in parts. An anonymous consultation's
    questions are secret ballots, unlinkable in storage like any secret vote."""

    class State(models.TextChoices):
        DRAFT = "draft", _("being prepared")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    panel = models.ForeignKey(
        "panels.Panel", on_delete=models.CASCADE, related_name="consultations"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    introduction = models.TextField(_("introduction"), max_length=TEXT_MAX, blank=True)
    closes_at = models.DateTimeField(_("open until"))
    anonymous = models.BooleanField(
        _("anonymous"),
        default=False,
        help_text=_("Every question is a secret ballot: nobody can see who answered what."),
    )
    turnout_public = models.BooleanField(_("members see the turnout while it runs"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    summary = models.TextField(_("summary of the results"), max_length=TEXT_MAX, blank=True)
    # What the corporation did with the results (shown on the terugkoppeling page).
    response = models.TextField(
        _("what the corporation did with it"), max_length=TEXT_MAX, blank=True
    )
    responded_by = models.ForeignKey(
        "panels.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_by = models.ForeignKey(
        "panels.Membership", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("voting:consultation", args=[self.panel_id, self.pk])


class Vote(models.Model):
    """A vote (stemming) on a proposal, an amendment, or a question with options."""

    class Method:
        """The built-in methods' keys. The methods are in the registry (voting/methods/):
        a new one needs no entry here."""

        YES_NO = "yes_no"
        ONE_CHOICE = "one_choice"
        RANKED = "ranked"

    class Majority(models.TextChoices):
        SIMPLE = "simple", _("Simple majority (more for than against)")
        ABSOLUTE = "absolute", _("Absolute majority (more than half of the votes cast)")
        QUALIFIED = "qualified", _("Qualified majority")

    class Mode(models.TextChoices):
        LIVE = "live", _("Live, in the meeting")
        TIMED = "timed", _("Timed, until a deadline")

    class State(models.TextChoices):
        DRAFT = "draft", _("Prepared")
        OPEN = "open", _("Open")
        WRITTEN_ROUND = "written_round", _("Written round")
        CLOSED = "closed", _("Closed")

    panel = models.ForeignKey(
        "panels.Panel", on_delete=models.CASCADE, related_name="votes", verbose_name=_("panel")
    )
    meeting = models.ForeignKey(
        "panels.Meeting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="votes",
        verbose_name=_("meeting"),
    )
    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, null=True, blank=True, related_name="votes"
    )
    amendment = models.ForeignKey(
        Amendment, on_delete=models.PROTECT, null=True, blank=True, related_name="votes"
    )
    question = models.CharField(_("question"), max_length=TITLE_MAX)
    # A key in the registry of vote methods (voting/methods/), which also gives the choices.
    method = models.CharField(_("method"), max_length=20, choices=methods.choices)
    majority = models.CharField(
        _("majority"), max_length=20, choices=Majority.choices, default=Majority.SIMPLE
    )
    qualified_numerator = models.PositiveSmallIntegerField(default=2)
    qualified_denominator = models.PositiveSmallIntegerField(default=3)
    abstentions_count = models.BooleanField(
        _("abstentions count in the total"),
        default=False,
        help_text=_("For an absolute or qualified majority: whether abstentions count."),
    )
    quorum_count = models.PositiveIntegerField(
        _("quorum (number of voters)"), null=True, blank=True
    )
    quorum_percent = models.PositiveSmallIntegerField(
        _("quorum (percentage of eligible voters)"), null=True, blank=True
    )
    secret = models.BooleanField(_("secret ballot"), default=False)
    # The method's own settings (voting/methods/base.py): e.g. how many options one may tick.
    settings = models.JSONField(_("method settings"), default=dict, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.LIVE)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    written_round_until = models.DateTimeField(_("written round until"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    # The room's count was entered (voting/desk.py): a ballot cast after it by someone in
    # the room is checked against it. On the vote row, which casting reads anyway.
    counted_in_room = models.BooleanField(default=False, editable=False)
    # A question of a consultation (asked in the order of the votes' ids).
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name=_("consultation"),
    )
    # The meeting a date poll's best date became (voting/lifecycle.py: schedule_from_poll).
    follow_up_meeting = models.ForeignKey(
        "panels.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("meeting planned from this poll"),
    )
    created_by = models.ForeignKey(
        "panels.Membership", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(proposal__isnull=False) & models.Q(amendment__isnull=False)),
                name="vote_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return self.question

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.OPEN, self.State.WRITTEN_ROUND)

    @property
    def vote_method(self) -> methods.VoteMethod:
        """How this vote is cast and counted (voting/methods/)."""
        return methods.get(self.method)

    @property
    def rule_text(self) -> str:
        """The majority and quorum in words, as shown on the ballot (a method that no
        majority decides, such as points or consent, shows its quorum only)."""
        method = methods.find(self.method)
        parts = []
        if method is None or method.uses_majority:
            parts.append(str(self.get_majority_display()))
        if parts and self.majority == self.Majority.QUALIFIED:
            parts[0] += f" ({self.qualified_numerator}/{self.qualified_denominator})"
        if parts and self.majority != self.Majority.SIMPLE:
            parts.append(
                str(_("abstentions count"))
                if self.abstentions_count
                else str(_("abstentions do not count"))
            )
        if self.quorum_count:
            parts.append(str(_("quorum: %(n)s voters")) % {"n": self.quorum_count})
        if self.quorum_percent:
            parts.append(
                str(_("quorum: %(p)s%% of those who may vote")) % {"p": self.quorum_percent}
            )
        return " · ".join(parts)


class Option(models.Model):
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("option"), max_length=TITLE_MAX)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "position"], name="option_unique_position"),
        ]

    def __str__(self) -> str:
        return self.label


class Participation(models.Model):
    """That a member took part in a vote, in their own name or for their principal.

    For a secret vote this is all that is stored about the person: what they voted went
    into the vote's sealed `BallotBox`, with everyone else's ballots (panels/sealing.py).
    `key_hash` makes a retried submission idempotent without revealing the ballot.
    """

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="participations")
    voter = models.ForeignKey(
        "panels.Membership", on_delete=models.PROTECT, related_name="participations"
    )
    # The member whose vote this is: the voter themselves, or their principal (proxy).
    on_behalf_of = models.ForeignKey(
        "panels.Membership", on_delete=models.PROTECT, related_name="represented_in"
    )
    key_hash = models.CharField(max_length=64)
    # Entered at the meeting's desk by `voter` for `on_behalf_of`, who was in the room or on
    # the phone and asked for it (voting/desk.py): not a proxy.
    at_desk = models.BooleanField(_("entered at the desk"), default=False)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            # One vote per member per vote, whoever casts it: enforced by the database.
            models.UniqueConstraint(fields=["vote", "on_behalf_of"], name="one_vote_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.on_behalf_of} @ {self.vote}"


class Ballot(models.Model):
    """What a member voted in a named vote. (A secret vote has no ballot rows: its ballots
    are in its `BallotBox`.)"""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    participation = models.OneToOneField(
        Participation, on_delete=models.CASCADE, related_name="ballot"
    )
    choice = models.CharField(max_length=20, blank=True)  # for/against/abstain
    option = models.ForeignKey(Option, on_delete=models.PROTECT, null=True, blank=True)
    ranking = models.JSONField(default=list, blank=True)  # option ids, best first
    marks = models.JSONField(default=dict, blank=True)  # option id -> a score, points, "yes"
    remark = models.TextField(blank=True, max_length=REMARK_MAX)  # e.g. an objection's reason

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.id)


class BallotBox(SealedBox):
    """A secret vote's ballots and receipts, sealed in one row: each cast rewrites it whole,
    so no row written by a voter holds their choice alone (panels/sealing.py)."""

    vote = models.OneToOneField(
        Vote, on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("vote")
    )

    class Meta:
        verbose_name = _("ballot box (sealed)")
        verbose_name_plural = _("ballot boxes (sealed)")

    def __str__(self) -> str:
        return str(self.vote)


class RoomCount(models.Model):
    """What the people in the room voted, counted there: by show of hands, or paper ballots
    counted at the table. Numbers only, never who (for a secret vote, the paper ballots
    stay in the room). It counts with the digital ballots when the vote closes
    (voting/results.py), and the result shows which part came from the room."""

    class How(models.TextChoices):
        HANDS = "hands", _("by show of hands")
        PAPER = "paper", _("on paper ballots")

    vote = models.OneToOneField(Vote, on_delete=models.CASCADE, related_name="room_count")
    # The answer's key (voting/methods: `hand_answers`) -> how many.
    counts = models.JSONField(_("counts"), default=dict)
    taking_part = models.PositiveIntegerField(_("people in the room who took part"))
    how = models.CharField(_("counted"), max_length=10, choices=How.choices)
    entered_by = models.ForeignKey(
        "panels.Membership", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        "panels.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("count in the room")
        verbose_name_plural = _("counts in the room")

    def __str__(self) -> str:
        return f"{self.vote}: {self.taking_part}"

    @property
    def counts_now(self) -> bool:
        """Whether it counts: confirmed by a second moderator, or the panel asks for none."""
        return self.confirmed_at is not None or not self.vote.panel.room_counts_confirmed


class HiddenAnswer(models.Model):
    """An answer to an open question that a moderator hid, with the reason. Found by the
    hash of its text: a secret vote's answers are in its sealed box, with no row of their
    own (and identical answers are hidden together)."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="hidden_answers")
    text_sha256 = models.CharField(max_length=64)
    reason = models.CharField(_("reason for hiding"), max_length=300)
    hidden_by = models.ForeignKey(
        "panels.Membership", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    hidden_at = models.DateTimeField(_("hidden"), default=timezone.now)

    class Meta:
        verbose_name = _("hidden answer")
        verbose_name_plural = _("hidden answers")
        constraints = [
            models.UniqueConstraint(fields=["vote", "text_sha256"], name="answer_hidden_once"),
        ]

    def __str__(self) -> str:
        return f"{self.vote}: {self.reason}"


class RollEntry(models.Model):
    """Who could vote (recorded when the vote closes) and whether they took part."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="roll")
    member = models.ForeignKey("panels.Membership", on_delete=models.PROTECT, related_name="+")
    took_part = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("roll entry")
        verbose_name_plural = _("roll")
        constraints = [
            models.UniqueConstraint(fields=["vote", "member"], name="roll_once_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.vote}"


class Proxy(models.Model):
    """A written proxy (volmacht): the principal lets the holder vote for them in one meeting."""

    meeting = models.ForeignKey("panels.Meeting", on_delete=models.CASCADE, related_name="proxies")
    principal = models.ForeignKey(
        "panels.Membership", on_delete=models.PROTECT, related_name="proxies_given"
    )
    holder = models.ForeignKey(
        "panels.Membership", on_delete=models.PROTECT, related_name="proxies_held"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A proxy handed in on paper and registered by a moderator: where the paper is kept
    # (no scan is stored), and who registered it. Empty for a proxy given in the app.
    paper_reference = models.CharField(_("reference to the paper"), max_length=100, blank=True)
    registered_by = models.ForeignKey(
        "panels.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("proxy")
        verbose_name_plural = _("proxies")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "principal"],
                condition=models.Q(revoked_at__isnull=True),
                name="proxy_one_per_principal",
            ),
            models.CheckConstraint(
                condition=~models.Q(principal=models.F("holder")), name="proxy_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.principal} → {self.holder}"
