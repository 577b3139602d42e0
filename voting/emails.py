"""Emails about votes, consultations and proposals, sent after commit.

Who hears of what is decided here; whether and how each person gets it (their settings,
their daily email, the one-click unsubscribe) in panels/notices.py.
"""

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse

from panels import notices
from panels.mail import compose, send
from panels.models import Membership, NoticeKind, User
from voting.eligibility import eligible_members
from voting.models import Consultation, Participation, Proposal, Vote


def involved(proposal: Proposal) -> list[User]:
    """Those who brought the proposal in, supported it or voted on it (who voted is known
    in a secret vote too; what they voted is never used)."""
    people = {proposal.submitter_id, *proposal.supporters.values_list("pk", flat=True)}
    for voter, principal in Participation.objects.filter(vote__proposal=proposal).values_list(
        "voter", "on_behalf_of"
    ):
        people |= {voter, principal}
    return [
        m.user
        for m in Membership.objects.active()
        .filter(pk__in=people, user__is_active=True)
        .select_related("user")
        .order_by("user__email")
    ]


def send_to_involved(proposal: Proposal, template: str, context: dict) -> int:
    """Mail `template` to each of those involved, in their own language."""
    panel = proposal.item.meeting.panel
    url = settings.SITE_URL + reverse("agreements:feedback", args=[panel.pk])
    context = {"proposal": proposal, "panel": panel, "url": url, **context}
    return send(compose(user, template, context) for user in involved(proposal))


def _users(memberships: Iterable[Membership]) -> list[User]:
    return sorted({m.user for m in memberships if m.user.is_active}, key=lambda u: u.email)


def not_voted(vote: Vote) -> list[Membership]:
    """Those who may vote and have not (for themselves) yet."""
    done = set(vote.participations.values_list("on_behalf_of_id", flat=True))
    return [m for m in eligible_members(vote.panel) if m.pk not in done]


def vote_url(vote: Vote) -> str:
    return settings.SITE_URL + reverse("voting:vote", args=[vote.panel_id, vote.pk])


def _vote(vote_id: int) -> Vote:
    return Vote.objects.select_related("panel", "proposal").get(pk=vote_id)


def send_vote_opened(vote_id: int) -> int:
    """A timed vote opened, or a live one went on as a written round: tell those who may
    vote and have not yet."""
    vote = _vote(vote_id)
    return notices.notify(
        _users(not_voted(vote)),
        NoticeKind.VOTES,
        "voting/email/opened",
        {"vote": vote, "url": vote_url(vote)},
    )


def send_vote_reminders(vote: Vote, people: list[Membership]) -> int:
    """Remind these members, who have not voted, that the vote closes soon."""
    return notices.notify(
        _users(people),
        NoticeKind.VOTES,
        "voting/email/reminder",
        {"vote": vote, "url": vote_url(vote)},
        urgent=True,
    )


def send_vote_result(vote_id: int) -> int:
    """A vote closed: its result, to every member of the panel (a consultation's
    questions are told of together, when it closes)."""
    vote = _vote(vote_id)
    people = vote.panel.memberships.active().select_related("user")
    return notices.notify(
        _users(people),
        NoticeKind.RESULTS,
        "voting/email/result",
        {"vote": vote, "url": vote_url(vote)},
    )


def _consultation(consultation_id: int) -> Consultation:
    return Consultation.objects.select_related("panel").get(pk=consultation_id)


def _may_answer(consultation: Consultation) -> list[Membership]:
    return list(eligible_members(consultation.panel))


def send_consultation_opened(consultation_id: int) -> int:
    consultation = _consultation(consultation_id)
    return notices.notify(
        _users(_may_answer(consultation)),
        NoticeKind.VOTES,
        "voting/email/consultation_opened",
        {"consultation": consultation, "url": settings.SITE_URL + consultation.get_absolute_url()},
    )


def send_consultation_reminders(consultation: Consultation, people: list[Membership]) -> int:
    return notices.notify(
        _users(people),
        NoticeKind.VOTES,
        "voting/email/consultation_reminder",
        {"consultation": consultation, "url": settings.SITE_URL + consultation.get_absolute_url()},
        urgent=True,
    )


def send_consultation_closed(consultation_id: int) -> int:
    consultation = _consultation(consultation_id)
    people = consultation.panel.memberships.active().select_related("user")
    return notices.notify(
        _users(people),
        NoticeKind.RESULTS,
        "voting/email/consultation_closed",
        {"consultation": consultation, "url": settings.SITE_URL + consultation.get_absolute_url()},
    )
