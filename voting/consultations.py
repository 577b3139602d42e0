"""Consultations (raadplegingen): several questions for the whole panel, open for a period.

Each question is a timed vote of any method (voting/methods/), with the consultation's
deadline; everything a vote guarantees (eligibility, one ballot per person enforced by the
database, retry-safe casting, secrecy, the audit trail) holds for each question. An
anonymous consultation asks every question as a secret ballot, so a method that cannot be
secret (consent, a date poll) cannot be part of it.

Prepared (questions added), opened (every question opens), closed (every question closes
and is counted) by a moderator or, at its deadline, by the scheduled command; then the
moderator writes a summary, and the corporation says what it did with the results (the
terugkoppeling page shows both).
"""

from collections import Counter
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from panels import audit
from panels.access import Perm, has_perm, require
from panels.models import Membership, Organisation
from panels.services import save_with_history
from voting import emails, lifecycle
from voting.audit_actions import VotingAction
from voting.eligibility import eligible_members
from voting.errors import VotingError
from voting.lifecycle import VoteSpec
from voting.models import TEXT_MAX, TITLE_MAX, Consultation, Participation, Vote

State = Consultation.State


def _lock(consultation: Consultation, actor: Membership | None) -> Consultation:
    locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if actor is not None and locked.panel_id != actor.panel_id:
        raise VotingError(_("You are not allowed to do this."))
    return locked


def _text(value: str, limit: int, what: str) -> str:
    if len(value) > limit:
        raise VotingError(
            _("The %(what)s can be at most %(max)s characters.") % {"what": what, "max": limit}
        )
    return value


def create(
    actor: Membership,
    *,
    title: str,
    closes_at: datetime,
    introduction: str = "",
    anonymous: bool = False,
    turnout_public: bool = False,
) -> Consultation:
    require(actor, Perm.MODERATE, error=VotingError)
    title = " ".join(title.split())
    if not title:
        raise VotingError(_("Give the consultation a title."))
    _text(title, TITLE_MAX, _("title"))
    _text(introduction, TEXT_MAX, _("introduction"))
    if closes_at <= timezone.now():
        raise VotingError(_("A consultation needs an end in the future."))
    with transaction.atomic():
        consultation = Consultation(
            panel=actor.panel,
            title=title,
            introduction=introduction.strip(),
            closes_at=closes_at,
            anonymous=anonymous,
            turnout_public=turnout_public,
            created_by=actor,
        )
        save_with_history(consultation, actor.user, "prepared")
    return consultation


def add_question(actor: Membership, consultation: Consultation, spec: VoteSpec) -> Vote:
    """Add a question (a timed vote with the consultation's deadline) while it is prepared."""
    require(actor, Perm.MODERATE, error=VotingError)
    with transaction.atomic():
        consultation = _lock(consultation, actor)
        if consultation.state != State.DRAFT:
            raise VotingError(_("Questions can only be added while the consultation is prepared."))
        spec.mode = Vote.Mode.TIMED
        spec.closes_at = consultation.closes_at
        if consultation.anonymous:
            spec.secret = True
        vote = lifecycle.prepare_vote(actor, spec)
        if consultation.anonymous and not vote.secret:  # pragma: no cover - prepare refuses
            raise VotingError(_("This voting method cannot be used for a secret ballot."))
        Vote.objects.filter(pk=vote.pk).update(consultation=consultation)
        vote.consultation = consultation
    return vote


def open_consultation(actor: Membership, consultation: Consultation) -> Consultation:
    """Open it: every question opens at once. Idempotent."""
    require(actor, Perm.MODERATE, error=VotingError)
    with transaction.atomic():
        consultation = _lock(consultation, actor)
        if consultation.state == State.OPEN:
            return consultation
        if consultation.state != State.DRAFT:
            raise VotingError(_("This consultation has already been held."))
        questions = list(consultation.questions.order_by("pk"))
        if not questions:
            raise VotingError(_("Add at least one question first."))
        if consultation.closes_at <= timezone.now():
            raise VotingError(_("A consultation needs an end in the future."))
        for vote in questions:
            lifecycle.open_vote(actor, vote)
        consultation.state = State.OPEN
        consultation.opened_at = timezone.now()
        save_with_history(consultation, actor.user, "opened")
        consultation_id = consultation.pk
        transaction.on_commit(lambda: emails.send_consultation_opened(consultation_id))
        audit.record(
            actor,
            VotingAction.CONSULTATION_OPENED,
            f"consultation:{consultation.pk}",
            panel=consultation.panel_id,
            details={"questions": [v.pk for v in questions], "anonymous": consultation.anonymous},
        )
    return consultation


def close_consultation(actor: Membership | None, consultation: Consultation) -> Consultation:
    """Close it: every question still open is closed and counted. Idempotent; `actor`
    None is the scheduled command at the deadline."""
    if actor is not None:
        require(actor, Perm.MODERATE, error=VotingError)
    with transaction.atomic():
        consultation = _lock(consultation, actor)
        if consultation.state == State.CLOSED:
            return consultation
        if consultation.state != State.OPEN:
            raise VotingError(_("This consultation is not open."))
        for vote in consultation.questions.order_by("pk"):
            if vote.is_open:
                lifecycle.close_vote(actor, vote)
        consultation.state = State.CLOSED
        consultation.closed_at = timezone.now()
        save_with_history(consultation, actor.user if actor else None, "closed")
        consultation_id = consultation.pk
        transaction.on_commit(lambda: emails.send_consultation_closed(consultation_id))
        audit.record(
            actor,
            VotingAction.CONSULTATION_CLOSED,
            f"consultation:{consultation.pk}",
            panel=consultation.panel_id,
            details={
                "questions": {
                    str(v.pk): (v.result or {}).get("cast")
                    for v in consultation.questions.order_by("pk")
                }
            },
        )
    return consultation


def close_due(now: datetime | None = None) -> list[Consultation]:
    """Close every open consultation whose end has passed (the scheduled command)."""
    now = now or timezone.now()
    closed = []
    for consultation in Consultation.objects.filter(state=State.OPEN, closes_at__lte=now):
        closed.append(close_consultation(None, consultation))
    return closed


def send_reminders(within: timedelta, now: datetime | None = None) -> int:
    """Remind those who may answer and have not answered every question, once, when a
    consultation closes within `within`. Returns how many were reminded."""
    now = now or timezone.now()
    sent = 0
    due = Consultation.objects.filter(
        state=State.OPEN, reminded_at__isnull=True, closes_at__lte=now + within
    )
    for consultation_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            consultation = Consultation.objects.select_for_update().get(pk=consultation_id)
            if consultation.reminded_at is not None:
                continue
            questions = consultation.questions.count()
            answered = Counter(
                Participation.objects.filter(vote__consultation=consultation).values_list(
                    "on_behalf_of_id", flat=True
                )
            )
            people = [m for m in eligible_members(consultation.panel) if answered[m.pk] < questions]
            consultation.reminded_at = now
            consultation.save(update_fields=["reminded_at"])
            transaction.on_commit(
                lambda c=consultation, p=people: emails.send_consultation_reminders(c, p)
            )
            sent += len(people)
    return sent


def write_summary(actor: Membership, consultation: Consultation, summary: str) -> Consultation:
    """The moderator's short summary of the results, published with them once closed."""
    require(actor, Perm.MODERATE, error=VotingError)
    with transaction.atomic():
        consultation = _lock(consultation, actor)
        if consultation.state != State.CLOSED:
            raise VotingError(_("The summary is written once the consultation has closed."))
        consultation.summary = _text(summary.strip(), TEXT_MAX, _("summary"))
        save_with_history(consultation, actor.user, "summary")
    return consultation


def may_respond(membership: Membership) -> bool:
    """Whether this person answers for the corporation (as for proposals' answers)."""
    return has_perm(membership, Perm.VIEW_PANEL) and (
        membership.signs_for == Organisation.Kind.CORPORATION
    )


def respond(actor: Membership, consultation: Consultation, response: str) -> Consultation:
    """What the corporation did with the results (the terugkoppeling page shows it)."""
    if not may_respond(actor):
        raise VotingError(_("You are not allowed to do this."))
    with transaction.atomic():
        consultation = _lock(consultation, actor)
        if consultation.state != State.CLOSED:
            raise VotingError(_("The corporation answers once the consultation has closed."))
        consultation.response = _text(response.strip(), TEXT_MAX, _("answer"))
        consultation.responded_by = actor
        consultation.responded_at = timezone.now()
        save_with_history(consultation, actor.user, "answered")
    return consultation


def progress(consultation: Consultation, membership: Membership) -> tuple[int, int]:
    """(questions this member answered, questions)."""
    questions = list(consultation.questions.values_list("pk", flat=True))
    answered = (
        Vote.objects.filter(pk__in=questions, participations__on_behalf_of=membership)
        .distinct()
        .count()
        if questions
        else 0
    )
    return answered, len(questions)


def turnout(consultation: Consultation) -> list[tuple[Vote, int]]:
    """Per question: how many have answered so far."""
    return [
        (vote, vote.answered)
        for vote in consultation.questions.annotate(answered=Count("participations")).order_by("pk")
    ]
