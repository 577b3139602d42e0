"""Emails about agreements, sent after commit."""

from django.conf import settings
from django.urls import reverse

from panels import notices
from panels.mail import compose, send
from panels.models import NoticeKind


def send_signatures_lapsed(agreement_id: int) -> int:
    """Tell the agreement's followers that it changed after signing and must be signed again."""
    from agreements.models import Agreement

    agreement = Agreement.objects.select_related("panel").get(pk=agreement_id)
    url = settings.SITE_URL + reverse("agreements:detail", args=[agreement.panel_id, agreement.pk])
    context = {"agreement": agreement, "url": url}
    followers = agreement.followers.active().filter(user__is_active=True).select_related("user")
    return send(compose(m.user, "agreements/email/lapsed", context) for m in followers)


def send_input_answered(response_id: int) -> int:
    """Tell those involved in a proposal what the corporation did with it."""
    from agreements.models import InputResponse
    from voting.emails import send_to_involved

    response = InputResponse.objects.select_related("proposal__item__meeting__panel").get(
        pk=response_id
    )
    return send_to_involved(response.proposal, "agreements/email/answered", {"response": response})


def send_agreement_signed(agreement_id: int) -> int:
    """Both sides signed: tell every member of the panel."""
    from agreements.models import Agreement

    agreement = Agreement.objects.select_related("panel").get(pk=agreement_id)
    url = settings.SITE_URL + reverse("agreements:detail", args=[agreement.panel_id, agreement.pk])
    people = agreement.panel.memberships.active().select_related("user")
    return notices.notify(
        [m.user for m in people],
        NoticeKind.RESULTS,
        "agreements/email/signed",
        {"agreement": agreement, "url": url},
    )
