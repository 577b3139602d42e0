"""Emails about agreements, sent after commit."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation


def send_signatures_lapsed(agreement_id: int) -> int:
    """Tell the agreement's followers that it changed after signing and must be signed again."""
    from agreements.models import Agreement

    agreement = Agreement.objects.select_related("panel").get(pk=agreement_id)
    url = settings.SITE_URL + reverse("agreements:detail", args=[agreement.panel_id, agreement.pk])
    context = {"agreement": agreement, "url": url}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("agreements/email/lapsed_subject.txt", context).strip()
        body = render_to_string("agreements/email/lapsed.txt", context)
    recipients = agreement.followers.active().values_list("user__email", flat=True)
    messages = [EmailMessage(subject, body, None, [address]) for address in recipients]
    with get_connection() as connection:
        return connection.send_messages(messages) or 0


def send_input_answered(response_id: int) -> int:
    """Tell those who brought in, supported or voted on a proposal what the corporation
    did with it (who voted is known even in a secret vote; what they voted is not used)."""
    from agreements.models import InputResponse
    from panels.models import Membership
    from voting.models import Participation

    response = InputResponse.objects.select_related("proposal__item__meeting__panel").get(
        pk=response_id
    )
    proposal = response.proposal
    panel = proposal.item.meeting.panel
    people = {proposal.submitter_id, *proposal.supporters.values_list("pk", flat=True)}
    for voter, principal in Participation.objects.filter(vote__proposal=proposal).values_list(
        "voter", "on_behalf_of"
    ):
        people |= {voter, principal}
    recipients = (
        Membership.objects.active()
        .filter(pk__in=people, user__is_active=True)
        .values_list("user__email", flat=True)
    )
    url = settings.SITE_URL + reverse("agreements:feedback", args=[panel.pk])
    context = {"response": response, "proposal": proposal, "panel": panel, "url": url}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("agreements/email/answered_subject.txt", context).strip()
        body = render_to_string("agreements/email/answered.txt", context)
    messages = [EmailMessage(subject, body, None, [address]) for address in sorted(recipients)]
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
