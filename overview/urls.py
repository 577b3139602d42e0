"""The participation pages.

They moved here from voting but keep their names in the `voting` namespace
(`voting:participation`, `voting:participation_csv`) and their paths, so links and
bookmarks still work: config/urls.py mounts these patterns together with voting's.
"""

from django.urls import path

from overview import views

urlpatterns = [
    path("panels/<int:panel_id>/participation/", views.dashboard, name="participation"),
    path("panels/<int:panel_id>/participation.csv", views.dashboard_csv, name="participation_csv"),
]
