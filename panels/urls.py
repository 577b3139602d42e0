from django.urls import path

from panels import agenda_views as av
from panels import desk_views as dv
from panels import floor_views as fv
from panels import login_link_views as lv
from panels import meeting_views as mv
from panels import notice_views as nv
from panels import views

app_name = "panels"

meeting = "panels/<int:panel_id>/meetings/<int:meeting_id>/"

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
    # Log in with a link by email, instead of the password (panels/login_links.py).
    path("accounts/login/link/", lv.login_link, name="login_link"),
    path("accounts/login/link/use/", lv.login_link_use, name="login_link_use"),
    path("panels/<int:panel_id>/about-me/", views.profile, name="profile"),
    path("panels/<int:panel_id>/composition/", views.composition, name="composition"),
    # One's own account and data
    path("account/", views.account, name="account"),
    path("account/text-size/", views.text_size, name="text_size"),
    path("account/data.json", views.account_data, name="account_data"),
    path("account/delete/", views.account_delete, name="account_delete"),
    path("account/notices/", nv.notice_settings, name="notice_settings"),
    path("account/calendar/", nv.calendar_address, name="calendar_address"),
    # Reached from an email or a calendar app, without logging in: a secret in the address.
    path("notices/off/<str:token>/", nv.unsubscribe, name="unsubscribe"),
    path("calendar/<str:token>.ics", nv.calendar_feed, name="calendar_feed"),
    # Meetings
    path("panels/<int:panel_id>/meetings/new/", mv.meeting_new, name="meeting_new"),
    path(meeting, mv.meeting_live, name="meeting"),
    path(meeting + "edit/", mv.meeting_edit, name="meeting_edit"),
    path(meeting + "cancel/", mv.meeting_cancel, name="meeting_cancel"),
    path(meeting + "screen/", mv.meeting_screen, name="meeting_screen"),
    # The short address the big screen shows (Meeting.get_short_url).
    path("m/<int:meeting_id>/", mv.meeting_short, name="meeting_short"),
    path(meeting + "calendar.ics", mv.meeting_calendar, name="meeting_calendar"),
    path(meeting + "pulse/", mv.meeting_pulse, name="meeting_pulse"),
    path(meeting + "state/", mv.meeting_state, name="meeting_state"),
    path(meeting + "desk/", dv.meeting_desk, name="meeting_desk"),
    path(meeting + "desk/act/", dv.meeting_desk_action, name="meeting_desk_action"),
    path(meeting + "attendance.pdf", dv.meeting_attendance_pdf, name="meeting_attendance_pdf"),
    path(meeting + "floor/", mv.meeting_floor, name="meeting_floor"),
    path(meeting + "items/", av.item_add, name="item_add"),
    path(meeting + "items/finish/", av.item_finish, name="item_finish"),
    path(meeting + "items/<int:item_id>/edit/", av.item_edit, name="item_edit"),
    path(meeting + "items/<int:item_id>/move/", av.item_move, name="item_move"),
    path(meeting + "items/<int:item_id>/remove/", av.item_remove, name="item_remove"),
    path(meeting + "items/<int:item_id>/current/", av.item_current, name="item_current"),
    path(meeting + "speakers/next/", fv.speaker_next, name="speaker_next"),
    path(meeting + "speakers/end/", fv.speaker_end, name="speaker_end"),
    path(
        meeting + "speakers/<int:request_id>/remove/",
        fv.speaker_remove,
        name="speaker_remove",
    ),
    path(meeting + "hand/", fv.hand, name="hand"),
    path(meeting + "messages/", fv.message_post, name="message_post"),
    path(meeting + "messages/<int:message_id>/hide/", fv.message_hide, name="message_hide"),
]
