from django.contrib import admin

from agreements.models import AdviceRequest, Agreement, InputResponse, Signature
from panels.admin import HistoryAdmin, ReadOnly


@admin.register(Agreement)
class AgreementAdmin(HistoryAdmin):
    """Agreements are edited in the app, where every save is a version that voids signatures;
    the admin shows them and their history."""

    list_display = ["title", "panel", "version", "created_at"]
    search_fields = ["title", "topic"]
    readonly_fields = ["version", "created_at"]
    filter_horizontal = ["sources"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Signature)
class SignatureAdmin(ReadOnly, HistoryAdmin):
    list_display = ["agreement", "version", "party", "signed_by", "signed_at", "voided_at"]
    list_filter = ["party"]


@admin.register(InputResponse)
class InputResponseAdmin(ReadOnly, HistoryAdmin):
    """Answered in the app by the corporation (with an audit entry and emails)."""

    list_display = ["proposal", "status", "answered_by", "answered_at"]
    list_filter = ["status"]


@admin.register(AdviceRequest)
class AdviceRequestAdmin(ReadOnly, HistoryAdmin):
    """Filed, advised on and decided in the app by the representatives."""

    list_display = ["title", "panel", "requested_at", "advice_due", "advised_at", "decision"]
    list_filter = ["decision"]
    search_fields = ["title"]
