from django.urls import path

from minutes import views

app_name = "minutes"

meeting = "panels/<int:panel_id>/meetings/<int:meeting_id>/minutes/"

urlpatterns = [
    path("panels/<int:panel_id>/minutes/", views.minutes_list, name="list"),
    path(meeting, views.minutes_detail, name="detail"),
    path(meeting + "edit/", views.minutes_edit, name="edit"),
    path(meeting + "versions/", views.minutes_history, name="history"),
    path(meeting + "notulen.pdf", views.minutes_download, name="pdf"),
    path(meeting + "approval/", views.minutes_put_to_approval, name="put_to_approval"),
    path(meeting + "vote/", views.minutes_vote, name="vote"),
    path(meeting + "taker/", views.minutes_taker, name="taker"),
]
