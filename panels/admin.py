"""The admin: for staff, where the app's pages do not reach.

Every change the product audits is audited however it is made. Here the fields behind an
audited action are read-only (meeting state, hidden messages, and in voting and agreements
proposals, amendments, votes, signatures), except where staff really need the change:
a member's role, voting rights and being active, which the admin saves through the
services (the audit entry names the staff member; the last-moderator rule holds).
tests/test_admin_audit.py walks every registered admin and inline for these fields.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from post_office.models import EmailTemplate
from simple_history.admin import SimpleHistoryAdmin

from panels import login_limits, privacy, services
from panels.models import (
    AgendaItem,
    Attendance,
    AuditAction,
    AuditEntry,
    ConstituencyShare,
    DeskAppointment,
    Invitation,
    LiveWorker,
    LoginLockout,
    Meeting,
    Membership,
    Message,
    Organisation,
    Panel,
    PendingNotice,
    Presence,
    PulseBox,
    PulseParticipation,
    SharedProfile,
    SpeakerRequest,
    User,
)


class ReadOnly:
    """For records only the services write: the admin shows them, never adds, edits or
    deletes them (the audit log, votes' ballots and participation, signatures)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class HistoryAdmin(SimpleHistoryAdmin):
    """Shows each record's history, but never reverts to an old version: a revert saves
    every field of that version at once, read-only ones too, around the services (a live
    meeting back to planned, a hidden message shown again, with no audit entry)."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "date_joined", "erased_at"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "name"]
    readonly_fields = ["erased_at", "digest_sent_at"]
    actions = ["erase_personal_data"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["name", "text_size", "language"]}),
        (
            _("Notices"),
            {
                "fields": [
                    "notify_votes",
                    "notify_meetings",
                    "notify_results",
                    "notify_advice",
                    "notice_digest",
                    "digest_sent_at",
                ]
            },
        ),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined", "erased_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]}),
    ]

    @admin.action(description=_("Erase personal data (AVG request)"), permissions=["change"])
    def erase_personal_data(self, request, queryset):
        """Carry out a request for erasure made by letter, phone or at the desk: after a
        confirmation page, as for deleting (see panels.privacy.erase)."""
        people = list(queryset.filter(erased_at__isnull=True))
        if request.POST.get("post") != "yes":
            return TemplateResponse(
                request,
                "admin/panels/user/erase_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Erase personal data"),
                    "people": people,
                    "opts": self.model._meta,
                    "action": "erase_personal_data",
                },
            )
        for person in people:
            privacy.erase(person, requested_by="staff")
        self.message_user(
            request,
            _("Personal data erased of %(count)d people.") % {"count": len(people)},
            messages.SUCCESS,
        )
        return None


@admin.register(Organisation)
class OrganisationAdmin(HistoryAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]


class MembershipAdminForm(forms.ModelForm):
    """Refuses, on the form, a change that would leave a panel without a moderator (the
    service checks it again when it saves)."""

    class Meta:
        model = Membership
        fields = ["role", "has_voting_rights", "is_active"]

    def clean(self) -> dict:
        cleaned = super().clean()
        stored = self.instance  # still as stored: the form's values are set after clean()
        try:
            services.check_moderator_remains(
                stored, cleaned.get("role", stored.role), cleaned.get("is_active", stored.is_active)
            )
        except services.PanelError as refused:
            raise forms.ValidationError(str(refused)) from None
        return cleaned


def save_membership(request, changed: Membership) -> None:
    """Save what an admin form changed on a membership through the services, as staff."""
    stored = Membership.objects.get(pk=changed.pk)
    try:
        if (changed.role, changed.has_voting_rights) != (stored.role, stored.has_voting_rights):
            services.change_role(request.user, stored, changed.role, changed.has_voting_rights)
        if changed.is_active != stored.is_active:
            services.set_active(request.user, stored, changed.is_active)
    except services.PanelError as refused:  # the rule changed its mind under the lock
        messages.error(request, str(refused))


class MembershipInline(admin.TabularInline):
    """People join by invitation and are deactivated, never removed (panels.services)."""

    model = Membership
    form = MembershipAdminForm
    extra = 0
    fields = ["user", "role", "has_voting_rights", "is_active", "joined_at"]
    readonly_fields = ["user", "joined_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Panel)
class PanelAdmin(HistoryAdmin):
    list_display = ["name", "corporation", "tenant_organisation", "constituency_size"]
    search_fields = ["name"]
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        changed = [member for member in formset.forms if member.has_changed()]
        for member in changed:
            save_membership(request, member.instance)
        # What formset.save() would leave for the admin's change message.
        formset.new_objects, formset.deleted_objects = [], []
        formset.changed_objects = [(member.instance, member.changed_data) for member in changed]
        return None


@admin.register(Membership)
class MembershipAdmin(HistoryAdmin):
    """Role, voting rights and being active change through the services; people join by
    invitation and are deactivated, never deleted."""

    list_display = ["user", "panel", "role", "has_voting_rights", "is_active"]
    list_filter = ["role", "is_active", "has_voting_rights", "panel"]
    search_fields = ["user__name", "user__email", "panel__name"]
    form = MembershipAdminForm
    fields = ["panel", "user", "role", "has_voting_rights", "is_active", "joined_at"]
    readonly_fields = ["panel", "user", "joined_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        save_membership(request, obj)


@admin.register(Invitation)
class InvitationAdmin(HistoryAdmin):
    list_display = ["email", "panel", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role", "panel"]
    search_fields = ["email"]
    readonly_fields = ["token_hash", "invited_by", "accepted_by", "accepted_at", "created_at"]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ["position", "title", "state"]


@admin.register(Meeting)
class MeetingAdmin(HistoryAdmin):
    list_display = ["title", "panel", "starts_at", "state", "floor_open"]
    list_filter = ["state", "panel"]
    search_fields = ["title"]
    # State and floor change in the meeting (started and closed with an audit entry).
    readonly_fields = [
        "state",
        "floor_open",
        "seq",
        "sequence",
        "started_at",
        "closed_at",
        "cancelled_at",
        "cancel_reason",
        "reminded_at",
        "created_by",
    ]
    inlines = [AgendaItemInline]


@admin.register(AgendaItem)
class AgendaItemAdmin(HistoryAdmin):
    list_display = ["title", "meeting", "position", "state"]
    list_filter = ["state"]
    search_fields = ["title", "meeting__title"]


@admin.register(Message)
class MessageAdmin(HistoryAdmin):
    list_display = ["item", "author", "created_at", "hidden_at"]
    list_filter = [("hidden_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "author__user__name"]
    # Hidden by a moderator in the meeting, with a reason and an audit entry.
    readonly_fields = ["item", "author", "created_at", "hidden_at", "hidden_by", "hidden_reason"]


@admin.register(SpeakerRequest)
class SpeakerRequestAdmin(admin.ModelAdmin):
    list_display = ["membership", "meeting", "state", "raised_at", "speaking_since"]
    list_filter = ["state"]


@admin.register(Presence)
class PresenceAdmin(admin.ModelAdmin):
    list_display = ["membership", "meeting", "worker", "connected_at"]
    readonly_fields = ["meeting", "membership", "worker", "connection", "connected_at"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnly, HistoryAdmin):
    """Written at the desk (panels/attendance.py), with an audit entry each time."""

    list_display = ["__str__", "how", "arrived_at", "left_at", "registered_by"]
    list_filter = ["how"]
    search_fields = ["membership__user__name", "guest_name", "meeting__title"]


@admin.register(DeskAppointment)
class DeskAppointmentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["membership", "meeting", "appointed_by", "appointed_at"]


@admin.register(PendingNotice)
class PendingNoticeAdmin(ReadOnly, admin.ModelAdmin):
    """What waits for people's daily email (sent ones are in the mail queue's admin)."""

    list_display = ["subject", "user", "kind", "created_at"]
    list_filter = ["kind"]
    search_fields = ["user__email", "subject"]


@admin.register(LiveWorker)
class LiveWorkerAdmin(admin.ModelAdmin):
    list_display = ["id", "started_at", "seen_at"]


class ActionFilter(admin.SimpleListFilter):
    """The registered actions by their labels (the field itself has no choices)."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return AuditAction.choices

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly, admin.ModelAdmin):
    """Read-only: the log is written by the services alone and never changed."""

    list_display = [
        "sequence",
        "created_at",
        "action_label",
        "subject",
        "actor_name",
        "panel",
        "short_hash",
    ]
    list_filter = [ActionFilter, "panel"]
    search_fields = ["subject", "actor_name", "hash"]
    ordering = ["-sequence"]
    readonly_fields = ["action_label"]

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, entry: AuditEntry) -> str:
        return entry.action_label

    def get_fields(self, request, obj=None) -> list[str]:
        """The action by its label, where the stored string would be."""
        fields = [f for f in super().get_fields(request, obj) if f != "action_label"]
        return ["action_label" if f == "action" else f for f in fields]


@admin.register(PulseParticipation)
class PulseParticipationAdmin(ReadOnly, admin.ModelAdmin):
    """Who answered a meeting's pulse (what they answered is stored apart)."""

    list_display = ["meeting", "membership"]


@admin.register(PulseBox)
class PulseBoxAdmin(ReadOnly, admin.ModelAdmin):
    """That a meeting's pulse has answers; what they are is sealed (panels/sealing.py) and
    shown, as totals, on the participation page."""

    list_display = ["meeting"]


@admin.register(SharedProfile)
class SharedProfileAdmin(ReadOnly, admin.ModelAdmin):
    """Shared by members themselves, with consent; shown here only to staff."""

    list_display = ["membership", "consented_at"]


@admin.register(ConstituencyShare)
class ConstituencyShareAdmin(HistoryAdmin):
    list_display = ["panel", "attribute", "value", "percent"]
    list_filter = ["attribute", "panel"]


class InForce(admin.SimpleListFilter):
    title = _("in force")
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes"))]

    def queryset(self, request, queryset):
        return queryset.in_force() if self.value() == "yes" else queryset


@admin.register(LoginLockout)
class LoginLockoutAdmin(ReadOnly, admin.ModelAdmin):
    """Pauses on logging in (panels.login_limits). Staff find one by the person's email or
    the network, and lift it for someone who phoned the desk."""

    list_display = ["kind", "user", "network", "started_at", "until", "in_force", "lifted_by"]
    list_filter = [InForce, "kind"]
    search_fields = ["user__email", "user__name", "network"]
    actions = ["lift"]

    @admin.display(boolean=True, description=_("in force"))
    def in_force(self, lockout: LoginLockout) -> bool:
        return lockout.in_force

    def has_lift_permission(self, request) -> bool:
        return request.user.has_perm("panels.change_loginlockout")

    @admin.action(description=_("Lift: they may log in again at once"), permissions=["lift"])
    def lift(self, request, queryset):
        lockouts = [lockout for lockout in queryset if lockout.in_force]
        count = login_limits.lift(lockouts, by=request.user)
        for lockout in lockouts:
            self.log_change(request, lockout, "lifted")
        self.message_user(
            request,
            _("Lifted: %(count)d accounts or networks may log in again.") % {"count": count},
            messages.SUCCESS,
        )


# The mail queue's own admin (django-post-office, decision 0012) shows what was sent and
# what failed. Its email templates are not used here (every app's emails are template
# files, panels/mail.py), and their editor loads CodeMirror from a CDN: not offered.
admin.site.unregister(EmailTemplate)
