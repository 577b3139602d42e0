"""Hiding what someone posted: one rule for messages, proposals and amendments.

A moderator of the panel hides abusive content with a reason. Nothing is deleted: the
content stays in the record, shown to moderators with the reason, and to everyone else
as hidden. Each kind of content says what is its own (panels/models/hideable.py): its
audit action, the meeting it belongs to, the rows to lock, what else hiding changes, and
which fragments of the live page show it.
"""

from typing import TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from panels import audit
from panels.access import Perm, require
from panels.errors import PanelError
from panels.live import changes
from panels.models import Membership
from panels.models.hideable import REASON_MAX, Hideable
from panels.services import save_with_history

H = TypeVar("H", bound=Hideable)


def hide(actor: Membership, thing: H, reason: str, *, error: type[PanelError] = PanelError) -> H:
    """Hide `thing` for the reason given; hiding it again changes nothing.

    Refusals raise `error`, the calling app's own error class, with the message to show.
    """
    require(actor, Perm.MODERATE, error)
    reason = reason.strip()
    if not reason:
        raise error(str(thing.missing_reason))
    with transaction.atomic():
        thing = thing.locked()
        meeting = thing.posted_in()
        if meeting.panel_id != actor.panel_id:
            raise error(_("You are not allowed to do this."))
        if thing.is_hidden:
            return thing
        thing.hidden_at = timezone.now()
        thing.hidden_by = actor
        thing.hidden_reason = reason[:REASON_MAX]
        fields = ["hidden_at", "hidden_by", "hidden_reason", *thing.when_hidden()]
        # The history row (for models that keep one) says who and why, as every change does.
        save_with_history(thing, actor.user, "hidden", update_fields=fields)
        changes.changed(meeting, thing.live_fragment, personal_for=thing.told_personally())
        # The audit entry last: its lock is always the last one taken (panels/audit.py).
        audit.record(
            actor,
            thing.hide_action,
            f"{thing._meta.model_name}:{thing.pk}",
            panel=meeting.panel_id,
            details={"reason": thing.hidden_reason},
        )
    return thing
