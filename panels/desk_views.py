"""The desk of a meeting (panels/attendance.py): who is in the room or on the phone,
guests, and who keeps the desk. A page that works without JavaScript: every tap is a
small form, answered with the page again where it was."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from panels import attendance
from panels.access import Perm, has_perm, meeting_for
from panels.attendance_pdf import attendance_pdf
from panels.downloads import attachment
from panels.meetings import MeetingError
from panels.models import Attendance, Membership

QUERY_MAX = 100
DESK_LIST = 50  # people listed at once: the desk searches for the others


def _desk_meeting(request: HttpRequest, panel_id: int, meeting_id: int):
    meeting, membership = meeting_for(request.user, panel_id, meeting_id)
    if not attendance.may_keep_desk(membership, meeting):
        raise PermissionDenied
    return meeting, membership


def _number(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 12 else None


@require_GET
@login_required
def meeting_desk(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    meeting, membership = _desk_meeting(request, panel_id, meeting_id)
    query = request.GET.get("q", "")[:QUERY_MAX]
    here = list(attendance.current(meeting))
    how = {stay.membership_id: stay.how for stay in here if stay.membership_id}
    members = attendance.desk_list(meeting, query, limit=DESK_LIST + 1)
    more = len(members) > DESK_LIST
    return render(
        request,
        "panels/meeting_desk.html",
        {
            "panel": meeting.panel,
            "meeting": meeting,
            "query": query,
            "members": [(member, how.get(member.pk)) for member in members[:DESK_LIST]],
            "more": more,
            "here": [stay for stay in here if stay.membership_id],
            "guests": [stay for stay in here if stay.is_guest],
            "in_room": sum(1 for stay in here if stay.how == Attendance.How.ROOM),
            "by_phone": sum(1 for stay in here if stay.how == Attendance.How.PHONE),
            "ways": Attendance.How.choices if meeting.has_room else [],
            "is_moderator": has_perm(membership, Perm.MODERATE),
            "desk": meeting.desk.select_related("membership__user"),
            "candidates": Membership.objects.active()
            .filter(panel=meeting.panel)
            .select_related("user")
            .order_by("user__name"),
            "closed": meeting.is_over,
        },
    )


@require_GET
@login_required
def meeting_attendance_pdf(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    """The attendance list on paper, to tick and sign in the room."""
    meeting, _membership = _desk_meeting(request, panel_id, meeting_id)
    body = attendance_pdf(meeting)
    return attachment(
        HttpResponse(body, content_type="application/pdf"), f"presentielijst-{meeting.pk}.pdf"
    )


@require_POST
@login_required
def meeting_desk_action(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    meeting, membership = _desk_meeting(request, panel_id, meeting_id)
    action = request.POST.get("action")
    member = _number(request.POST.get("member"))
    how = request.POST.get("how", "")
    try:
        if action == "present":
            attendance.mark_present(membership, meeting, member, how)
            done = _("Registered.")
        elif action == "left":
            attendance.mark_left(membership, meeting, member)
            done = _("Marked as left.")
        elif action == "guest":
            attendance.add_guest(membership, meeting, request.POST.get("name", "")[:1000], how)
            done = _("The guest is noted.")
        elif action == "guest_left":
            attendance.guest_left(membership, meeting, _number(request.POST.get("stay")))
            done = _("Marked as left.")
        elif action == "appoint":
            attendance.appoint(membership, meeting, member)
            done = _("Appointed to keep the desk.")
        elif action == "dismiss":
            attendance.dismiss(membership, meeting, member)
            done = _("No longer keeps the desk.")
        else:
            raise MeetingError(_("That is not something you can do here."))
    except MeetingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    url = reverse("panels:meeting_desk", args=[meeting.panel_id, meeting.pk])
    query = request.POST.get("q", "")[:QUERY_MAX]
    return redirect(url + (f"?{urlencode({'q': query})}" if query else ""))
