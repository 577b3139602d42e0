"""Emails about proposals, sent after commit."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from panels.models import Membership
from voting.models import Participation, Proposal, Vote


def involved(proposal: Proposal) -> list[str]:
    """The addresses of those who brought the proposal in, supported it or voted on it
    (who voted is known in a secret vote too; what they voted is never used)."""
    people = {proposal.submitter_id, *proposal.supporters.values_list("pk", flat=True)}
    for voter, principal in Participation.objects.filter(vote__proposal=proposal).values_list(
        "voter", "on_behalf_of"
    ):
        people |= {voter, principal}
    return sorted(
        Membership.objects.active()
        .filter(pk__in=people, user__is_active=True)
        .values_list("user__email", flat=True)
    )


def send_to_involved(proposal: Proposal, template: str, context: dict) -> int:
    """Render `template` (and its _subject) in the site's language and mail it to each."""
    panel = proposal.item.meeting.panel
    url = settings.SITE_URL + reverse("agreements:feedback", args=[panel.pk])
    context = {"proposal": proposal, "panel": panel, "url": url, **context}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}.txt", context)
    messages = [EmailMessage(subject, body, None, [address]) for address in involved(proposal)]
    with get_connection() as connection:
        return connection.send_messages(messages) or 0


def send_proposal_decided(proposal_id: int) -> int:
    """The panel voted on the proposal: tell those involved whether it was adopted."""
    proposal = Proposal.objects.select_related("item__meeting__panel").get(pk=proposal_id)
    return send_to_involved(proposal, "voting/email/decided", {})


def send_vote_reminders(vote: Vote, people: list[Membership]) -> int:
    """Remind these members, who have not voted, that the vote closes soon."""
    url = settings.SITE_URL + reverse("voting:vote", args=[vote.panel_id, vote.pk])
    context = {"vote": vote, "url": url}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("voting/email/reminder_subject.txt", context).strip()
        body = render_to_string("voting/email/reminder.txt", context)
    addresses = sorted({m.user.email for m in people if m.user.is_active})
    messages = [EmailMessage(subject, body, None, [address]) for address in addresses]
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
