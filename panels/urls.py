from django.urls import path

from panels import views

app_name = "panels"

urlpatterns = [
    path("", views.home, name="home"),
    path("panels/<int:panel_id>/", views.panel_detail, name="detail"),
    path("panels/<int:panel_id>/members/", views.members, name="members"),
    path(
        "panels/<int:panel_id>/members/<int:membership_id>/role/",
        views.member_update,
        name="member_update",
    ),
    path(
        "panels/<int:panel_id>/members/<int:membership_id>/active/",
        views.member_set_active,
        name="member_set_active",
    ),
    path(
        "panels/<int:panel_id>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
