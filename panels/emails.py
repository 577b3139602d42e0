"""Emails about panels. Sent after commit by the services, never by views."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from panels.models import Invitation


def invitation_url(token: str) -> str:
    return settings.SITE_URL + reverse("panels:invitation", args=[token])


def send_invitation(invitation: Invitation, token: str) -> None:
    context = {"invitation": invitation, "url": invitation_url(token)}
    subject = render_to_string("panels/email/invitation_subject.txt", context).strip()
    body = render_to_string("panels/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])
