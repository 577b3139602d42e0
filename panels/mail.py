"""An email, each in its recipient's language, with a plain-text and an HTML part.

Every app writes its emails as a pair of templates, `<name>_subject.txt` and `<name>.txt`;
`compose` renders them in the language the person last chose on the site (`User.language`;
the site's language for an address that has no account yet), and adds an HTML part: the
same text in `templates/email/message.html`, paragraphs kept, links made clickable. Mail
goes through the queue (decision 0012): `send` only writes it.
"""

import re
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe

from panels.models import User

_LINK = re.compile(r"(https?://[^\s<>\"]+)")


def _html_paragraph(text: str) -> str:
    """One paragraph of the plain text, escaped, with its links made clickable."""
    parts = _LINK.split(text)
    out = []
    for index, part in enumerate(parts):
        if index % 2:  # a link
            out.append(f'<a href="{escape(part)}">{escape(part)}</a>')
        else:
            out.append(escape(part).replace("\n", "<br>"))
    return "".join(out)


def render(template: str, context: dict, language: str) -> tuple[str, str]:
    """The subject and the plain text of `template` in `language`: the same for everyone
    who reads that language, so a notice to many renders it once per language."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        return subject, render_to_string(f"{template}.txt", context)


def compose(
    to: User | str,
    template: str,
    context: dict,
    *,
    language: str | None = None,
    unsubscribe: str = "",
    rendered: tuple[str, str] | None = None,
) -> EmailMultiAlternatives:
    """The email of `template` for one person (a user, or an address without an account).

    A notice passes `unsubscribe`, the address that turns its kind off in one click: it
    goes in the `List-Unsubscribe` headers (RFC 8058, which mail programs show as a
    button) and, with the address of the person's settings, at the end of the text.
    `rendered` is `render`'s answer for this language, when the caller has it already.
    """
    if language is None:
        language = to.language if isinstance(to, User) else settings.LANGUAGE_CODE
    address = to.email if isinstance(to, User) else to
    subject, text = rendered or render(template, context, language)
    with translation.override(language):
        if unsubscribe:
            text = (
                text.rstrip()
                + "\n\n"
                + render_to_string(
                    "email/unsubscribe.txt",
                    {
                        "url": unsubscribe,
                        "settings_url": settings.SITE_URL + reverse("panels:account"),
                    },
                )
            )
        paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
        html = render_to_string(
            "email/message.html",
            {
                "subject": subject,
                "language": language,
                "body": format_html_join(
                    "\n",
                    "<p>{}</p>",
                    ((mark_safe(_html_paragraph(p)),) for p in paragraphs),  # noqa: S308 - escaped above
                ),
            },
        )
    message = EmailMultiAlternatives(subject, text, None, [address])
    message.attach_alternative(html, "text/html")
    message.extra_headers["Content-Language"] = language
    if unsubscribe:
        message.extra_headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        message.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def send(messages: Iterable[EmailMultiAlternatives]) -> int:
    """Hand the emails to the mail backend (the queue); how many it took."""
    messages = list(messages)
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
