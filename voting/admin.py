from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from voting.models import Amendment, Proposal


class AmendmentInline(admin.TabularInline):
    model = Amendment
    extra = 0
    fields = ["author", "kind", "paragraph", "state", "base_version"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Proposal)
class ProposalAdmin(SimpleHistoryAdmin):
    list_display = ["title", "item", "submitter", "state", "version", "hidden_at"]
    list_filter = ["state"]
    search_fields = ["title", "text", "submitter__user__name"]
    readonly_fields = ["version", "produced_by", "created_at", "submitted_at"]
    autocomplete_fields = ["supporters"]
    raw_id_fields = ["item", "submitter", "hidden_by"]
    inlines = [AmendmentInline]


@admin.register(Amendment)
class AmendmentAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "author", "kind", "state", "base_version", "created_at"]
    list_filter = ["state", "kind"]
    search_fields = ["rationale", "new_text", "proposal__title"]
    readonly_fields = ["base_version", "base_text", "proposed_text", "created_at", "decided_at"]
    raw_id_fields = ["proposal", "author"]
