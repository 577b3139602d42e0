"""Template helpers shared by every app."""

import re

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from panels.bidi import isolate

register = template.Library()

# Services record why something changed as a short code in the history; people read words.
REASONS = {
    "invited": gettext_lazy("invited"),
    "replaced by a new invitation": gettext_lazy("replaced by a new invitation"),
    "revoked": gettext_lazy("revoked"),
    "accepted": gettext_lazy("accepted"),
    "joined by invitation": gettext_lazy("joined by invitation"),
    "role changed": gettext_lazy("role changed"),
    "reactivated": gettext_lazy("reactivated"),
    "deactivated": gettext_lazy("deactivated"),
    "drafted": gettext_lazy("drafted"),
    "submitted": gettext_lazy("submitted"),
    "edited": gettext_lazy("edited"),
    "edited by the submitter": gettext_lazy("edited by the submitter"),
    "withdrawn": gettext_lazy("withdrawn"),
    "admitted to the floor": gettext_lazy("admitted to the floor"),
    "hidden": gettext_lazy("hidden"),
    "supported": gettext_lazy("supported"),
    "support withdrawn": gettext_lazy("support withdrawn"),
    "amendments opened": gettext_lazy("amendments opened"),
    "amendments closed": gettext_lazy("amendments closed"),
    "vote opened": gettext_lazy("vote opened"),
    "signed": gettext_lazy("signed"),
    "voided": gettext_lazy("voided"),
}
OUTCOMES = {
    "accepted": gettext_lazy("accepted as friendly"),
    "adopted": gettext_lazy("adopted by vote"),
    "rejected": gettext_lazy("rejected"),
    "no_quorum": gettext_lazy("quorum not reached"),
    "tie": gettext_lazy("tie"),
}
_AMENDMENT = re.compile(r"^amendment #(\d+) (\w+)$")
_RESTORED = re.compile(r"^restored version (\d+)$")
_VOTE = re.compile(r"^vote: (\w+)$")


@register.filter
def reason(code: str | None) -> str:
    """A history change reason in the reader's language (free text is shown as written)."""
    if not code:
        return ""
    if code in REASONS:
        return str(REASONS[code])
    if match := _AMENDMENT.match(code):
        number, outcome = match.groups()
        return _("amendment #%(number)s %(outcome)s") % {
            "number": number,
            "outcome": OUTCOMES.get(outcome, outcome),
        }
    if match := _RESTORED.match(code):
        return _("version %(version)s restored") % {"version": match.group(1)}
    if match := _VOTE.match(code):
        return _("vote: %(outcome)s") % {"outcome": OUTCOMES.get(match.group(1), match.group(1))}
    return code


@register.filter
def bdi(value) -> SafeString:
    """A person's words inline in a sentence of ours, isolated from it (panels/bidi.py)."""
    return format_html("<bdi>{}</bdi>", value)


register.filter("isolate", isolate)
