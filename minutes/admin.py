from django.contrib import admin

from minutes.models import Minutes
from panels.admin import HistoryAdmin, ReadOnly


@admin.register(Minutes)
class MinutesAdmin(ReadOnly, HistoryAdmin):
    """The minutes are edited on their page (each edit a version) and approved by a vote;
    the admin shows them and their history."""

    list_display = ["meeting", "state", "version", "approved_at"]
    list_filter = ["state"]
    search_fields = ["meeting__title"]
