from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from panels import login_limits, privacy
from panels.models import (
    AgendaItem,
    AuditEntry,
    ConstituencyShare,
    Invitation,
    LiveWorker,
    LoginLockout,
    Meeting,
    Membership,
    Message,
    Organisation,
    Panel,
    Presence,
    PulseAnswer,
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


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "date_joined", "erased_at"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "name"]
    readonly_fields = ["erased_at"]
    actions = ["erase_personal_data"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["name"]}),
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
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Panel)
class PanelAdmin(SimpleHistoryAdmin):
    list_display = ["name", "corporation", "tenant_organisation", "constituency_size"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "panel", "role", "has_voting_rights", "is_active"]
    list_filter = ["role", "is_active", "has_voting_rights", "panel"]
    search_fields = ["user__name", "user__email", "panel__name"]
    autocomplete_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(SimpleHistoryAdmin):
    list_display = ["email", "panel", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role", "panel"]
    search_fields = ["email"]
    readonly_fields = ["token_hash", "invited_by", "accepted_by", "accepted_at", "created_at"]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ["position", "title", "state"]


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ["title", "panel", "starts_at", "state", "floor_open"]
    list_filter = ["state", "panel"]
    search_fields = ["title"]
    readonly_fields = ["seq", "started_at", "closed_at", "created_by"]
    inlines = [AgendaItemInline]


@admin.register(AgendaItem)
class AgendaItemAdmin(SimpleHistoryAdmin):
    list_display = ["title", "meeting", "position", "state"]
    list_filter = ["state"]
    search_fields = ["title", "meeting__title"]


@admin.register(Message)
class MessageAdmin(SimpleHistoryAdmin):
    list_display = ["item", "author", "created_at", "hidden_at"]
    list_filter = [("hidden_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "author__user__name"]
    readonly_fields = ["item", "author", "created_at"]


@admin.register(SpeakerRequest)
class SpeakerRequestAdmin(admin.ModelAdmin):
    list_display = ["membership", "meeting", "state", "raised_at", "speaking_since"]
    list_filter = ["state"]


@admin.register(Presence)
class PresenceAdmin(admin.ModelAdmin):
    list_display = ["membership", "meeting", "worker", "connected_at"]
    readonly_fields = ["meeting", "membership", "worker", "connection", "connected_at"]


@admin.register(LiveWorker)
class LiveWorkerAdmin(admin.ModelAdmin):
    list_display = ["id", "started_at", "seen_at"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly, admin.ModelAdmin):
    """Read-only: the log is written by the services alone and never changed."""

    list_display = [
        "sequence",
        "created_at",
        "action",
        "subject",
        "actor_name",
        "panel",
        "short_hash",
    ]
    list_filter = ["action", "panel"]
    search_fields = ["subject", "actor_name", "hash"]
    ordering = ["-sequence"]


@admin.register(PulseParticipation)
class PulseParticipationAdmin(ReadOnly, admin.ModelAdmin):
    """Who answered a meeting's pulse (what they answered is stored apart)."""

    list_display = ["meeting", "membership"]


@admin.register(PulseAnswer)
class PulseAnswerAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["meeting", "heard"]
    list_filter = ["heard"]


@admin.register(SharedProfile)
class SharedProfileAdmin(ReadOnly, admin.ModelAdmin):
    """Shared by members themselves, with consent; shown here only to staff."""

    list_display = ["membership", "consented_at"]


@admin.register(ConstituencyShare)
class ConstituencyShareAdmin(SimpleHistoryAdmin):
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
