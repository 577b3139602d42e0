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
    """Tell those involved in a proposal what the corporation did with it."""
    from agreements.models import InputResponse
    from voting.emails import send_to_involved

    response = InputResponse.objects.select_related("proposal__item__meeting__panel").get(
        pk=response_id
    )
    return send_to_involved(response.proposal, "agreements/email/answered", {"response": response})
