from django.contrib import admin

from panels.admin import HistoryAdmin, ReadOnly
from voting.models import (
    Amendment,
    Ballot,
    BallotBox,
    Consultation,
    HiddenAnswer,
    Option,
    Participation,
    Proposal,
    Proxy,
    RollEntry,
    RoomCount,
    Vote,
)


class AmendmentInline(admin.TabularInline):
    model = Amendment
    extra = 0
    fields = ["author", "kind", "paragraph", "state", "base_version"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Proposal)
class ProposalAdmin(HistoryAdmin):
    list_display = ["title", "item", "submitter", "state", "version", "hidden_at"]
    list_filter = ["state"]
    search_fields = ["title", "text", "submitter__user__name"]
    # The state follows the votes, hiding is a moderator's (both audited): read-only here.
    readonly_fields = [
        "state",
        "version",
        "produced_by",
        "created_at",
        "submitted_at",
        "hidden_at",
        "hidden_by",
        "hidden_reason",
    ]
    autocomplete_fields = ["supporters"]
    raw_id_fields = ["item", "submitter"]
    inlines = [AmendmentInline]


@admin.register(Amendment)
class AmendmentAdmin(HistoryAdmin):
    list_display = ["__str__", "author", "kind", "state", "base_version", "created_at"]
    list_filter = ["state", "kind"]
    search_fields = ["rationale", "new_text", "proposal__title"]
    readonly_fields = [
        "state",
        "base_version",
        "base_text",
        "proposed_text",
        "created_at",
        "decided_at",
        "hidden_at",
        "hidden_by",
        "hidden_reason",
    ]
    raw_id_fields = ["proposal", "author"]


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    """Votes are recorded by the services only; the admin shows them, never edits them."""


class OptionInline(admin.TabularInline):
    model = Option
    extra = 0


@admin.register(Vote)
class VoteAdmin(HistoryAdmin):
    list_display = ["question", "panel", "method", "majority", "secret", "mode", "state"]
    list_filter = ["state", "method", "secret", "mode"]
    search_fields = ["question"]
    readonly_fields = [
        "state",
        "opened_at",
        "closed_at",
        "written_round_until",
        "result",
        "reminded_at",
        "created_by",
        "settings",
        "follow_up_meeting",
    ]
    raw_id_fields = ["panel", "meeting", "proposal", "amendment", "consultation"]
    inlines = [OptionInline]

    def has_change_permission(self, request, obj=None) -> bool:
        # Settings of a vote that has opened are part of the record.
        return super().has_change_permission(request, obj) and (
            obj is None or obj.state == Vote.State.DRAFT
        )


@admin.register(Option)
class OptionAdmin(ReadOnlyAdmin):
    list_display = ["label", "vote", "position"]


@admin.register(Participation)
class ParticipationAdmin(ReadOnlyAdmin):
    list_display = ["vote", "voter", "on_behalf_of", "at_desk"]
    exclude = ["key_hash"]


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    """Named votes' ballots (public in the result anyway)."""

    list_display = ["id", "vote", "participation", "choice", "option", "marks", "remark"]
    list_filter = ["vote"]


@admin.register(BallotBox)
class BallotBoxAdmin(ReadOnlyAdmin):
    """That a secret vote has ballots; what they are is sealed until the count."""

    list_display = ["vote"]


@admin.register(RollEntry)
class RollEntryAdmin(ReadOnlyAdmin):
    list_display = ["vote", "member", "took_part"]


@admin.register(Proxy)
class ProxyAdmin(HistoryAdmin):
    list_display = ["principal", "holder", "meeting", "created_at", "revoked_at"]
    raw_id_fields = ["meeting"]
    # Who gave it to whom, and a paper proxy's reference, as registered (and audited for a
    # paper proxy): never changed afterwards, only revoked.
    readonly_fields = ["principal", "holder", "paper_reference", "registered_by"]

    def has_add_permission(self, request) -> bool:
        return False  # proxies are given by the principal, in the app


@admin.register(Consultation)
class ConsultationAdmin(HistoryAdmin):
    list_display = ["title", "panel", "state", "closes_at", "anonymous"]
    list_filter = ["state", "anonymous"]
    search_fields = ["title"]
    # Opening and closing go through the services (they open and close every question).
    readonly_fields = [
        "state",
        "anonymous",
        "opened_at",
        "closed_at",
        "responded_by",
        "responded_at",
        "created_by",
    ]
    raw_id_fields = ["panel"]


@admin.register(RoomCount)
class RoomCountAdmin(ReadOnly, HistoryAdmin):
    """Counts of the room, entered (and confirmed) through the vote's desk page, audited."""

    list_display = ["vote", "taking_part", "how", "entered_by", "confirmed_by"]


@admin.register(HiddenAnswer)
class HiddenAnswerAdmin(ReadOnlyAdmin):
    """Answers to open questions a moderator hid (through the vote's page, audited)."""

    list_display = ["vote", "reason", "hidden_by", "hidden_at"]
    list_filter = ["vote"]
