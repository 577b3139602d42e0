"""Emails about proposals, sent after commit."""

from django.conf import settings
from django.urls import reverse

from panels.mail import compose, send
from panels.models import Membership, User
from voting.models import Participation, Proposal, Vote


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


def send_proposal_decided(proposal_id: int) -> int:
    """The panel voted on the proposal: tell those involved whether it was adopted."""
    proposal = Proposal.objects.select_related("item__meeting__panel").get(pk=proposal_id)
    return send_to_involved(proposal, "voting/email/decided", {})


def send_vote_reminders(vote: Vote, people: list[Membership]) -> int:
    """Remind these members, who have not voted, that the vote closes soon."""
    url = settings.SITE_URL + reverse("voting:vote", args=[vote.panel_id, vote.pk])
    context = {"vote": vote, "url": url}
    users = sorted({m.user for m in people if m.user.is_active}, key=lambda u: u.email)
    return send(compose(user, "voting/email/reminder", context) for user in users)
