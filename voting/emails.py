"""Emails about votes, sent after commit."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation


def send_vote_reminders(vote, members) -> int:
    url = settings.SITE_URL + reverse("voting:vote", args=[vote.panel_id, vote.pk])
    context = {"vote": vote, "url": url}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("voting/email/reminder_subject.txt", context).strip()
        body = render_to_string("voting/email/reminder.txt", context)
    messages = [EmailMessage(subject, body, None, [m.user.email]) for m in members]
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
