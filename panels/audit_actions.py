"""What the audit log records: actions that each app registers at start-up.

An app defines its actions as a `TextChoices` of its own (panels' are below; voting's in
voting/audit_actions.py, agreements' in agreements/audit_actions.py) and registers them
under its label in its AppConfig.ready(); adding one needs no migration of panels. The
stored value is a plain string, checked against this registry when an entry is written
(panels.audit.record). The first actions keep the strings they were stored with (the
chain's hashes cover them); new ones take their app's prefix, e.g.
"agreements.minutes_approved", so two apps cannot pick the same one.

`AuditAction` reads every app's actions by name (`AuditAction.VOTE_CLOSED`), once the
apps are ready.
"""

from collections.abc import Iterator

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MAX_LENGTH = 30  # AuditEntry.action's max_length


class ActionRegistry:
    def __init__(self) -> None:
        self._actions: dict[str, models.TextChoices] = {}  # value -> member
        self._owners: dict[str, str] = {}  # value -> app label

    def register(self, app_label: str, actions: type[models.TextChoices]) -> None:
        """Add an app's actions (idempotent); a value another app took is refused."""
        for action in actions:
            owner = self._owners.get(action.value)
            if owner not in (None, app_label):
                raise ImproperlyConfigured(
                    f"Audit action {action.value!r} of {app_label} is {owner}'s already."
                )
            if len(action.value) > MAX_LENGTH:
                raise ImproperlyConfigured(f"Audit action {action.value!r} is too long.")
            self._actions[action.value] = action
            self._owners[action.value] = app_label

    def __call__(self, value: str) -> models.TextChoices:
        """The registered action stored as `value`; ValueError if there is none."""
        try:
            return self._actions[str(value)]
        except KeyError:
            raise ValueError(f"{value!r} is not a registered audit action") from None

    def __getattr__(self, name: str) -> models.TextChoices:
        for action in self._actions.values():
            if action.name == name:
                return action
        raise AttributeError(name)

    def __iter__(self) -> Iterator[models.TextChoices]:
        return iter(list(self._actions.values()))

    def owner(self, value: str) -> str | None:
        return self._owners.get(value)

    def label(self, value: str) -> str | Promise:
        """The action's label, or the stored string itself if no app registers it."""
        action = self._actions.get(value)
        return action.label if action is not None else value

    @property
    def choices(self) -> list[tuple[str, str | Promise]]:
        return [(action.value, action.label) for action in self._actions.values()]


AuditAction = ActionRegistry()


class PanelAction(models.TextChoices):
    MEMBER_JOINED = "member_joined", _("Member joined")
    ROLE_CHANGED = "role_changed", _("Role changed")
    MEMBER_DEACTIVATED = "member_deactivated", _("Member deactivated")
    MEMBER_REACTIVATED = "member_reactivated", _("Member reactivated")
    MEETING_STARTED = "meeting_started", _("Meeting started")
    MEETING_CLOSED = "meeting_closed", _("Meeting closed")
    MESSAGE_HIDDEN = "message_hidden", _("Message hidden")
    PERSON_ERASED = "person_erased", _("Personal data erased")
    ATTENDANCE_REGISTERED = "panels.attendance_registered", _("Registered at the desk")
    ATTENDANCE_ENDED = "panels.attendance_ended", _("Left, registered at the desk")
    GUEST_REGISTERED = "panels.guest_registered", _("Guest registered at the desk")
    DESK_APPOINTED = "panels.desk_appointed", _("Appointed to keep the desk")
    MEETING_CANCELLED = "panels.meeting_cancelled", _("Meeting cancelled")


AuditAction.register("panels", PanelAction)
