"""A meeting's pages (planning, the live page, the big screen, the calendar file, the
pulse afterwards) and its state: started, closed, the floor open or not.

The agenda's actions are in agenda_views.py, the floor's (speakers, hands, messages) in
floor_views.py; how an action answers in meeting_actions.py.
"""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from panels import floor, ics, meetings, pulse
from panels.access import Perm, meeting_for, panel_for
from panels.downloads import attachment
from panels.forms import CancelMeetingForm, MeetingForm, PulseForm
from panels.live import fragments, presence
from panels.meeting_actions import act, live_page
from panels.models import Meeting
from panels.qr import qr_svg
from panels.services import PanelError

# --- pages ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def meeting_new(request: HttpRequest, panel_id: int) -> HttpResponse:
    panel, membership = panel_for(request.user, panel_id, Perm.MODERATE)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = meetings.create_meeting(membership, **form.cleaned_data)
        except meetings.MeetingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The meeting is planned and the members have been invited by email.")
            )
            return redirect(meeting)
    return render(
        request,
        "panels/meeting_form.html",
        {"panel": panel, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def meeting_edit(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    meeting, membership = meeting_for(request.user, panel_id, meeting_id, Perm.MODERATE)
    initial = {
        "title": meeting.title,
        "description": meeting.description,
        "starts_at": meeting.starts_at,
        "duration_minutes": meeting.duration_minutes,
        "venue": meeting.venue,
        "location": meeting.location,
    }
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            updated = meetings.update_meeting(membership, meeting, **form.cleaned_data)
        except meetings.MeetingError as error:
            form.add_error(None, str(error))
        else:
            moved = updated.state == Meeting.State.SCHEDULED and any(
                getattr(updated, name) != getattr(meeting, name) for name in meetings.MOVES
            )
            messages.success(
                request,
                _("The meeting has been saved and the members have been told it moved.")
                if moved
                else _("The meeting has been saved."),
            )
            return redirect(meeting)
    return render(
        request,
        "panels/meeting_form.html",
        {"panel": meeting.panel, "meeting": meeting, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def meeting_cancel(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    """Call a planned meeting off, with a reason the members read in their email."""
    meeting, membership = meeting_for(request.user, panel_id, meeting_id, Perm.MODERATE)
    form = CancelMeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meetings.cancel_meeting(membership, meeting, reason=form.cleaned_data["reason"])
        except meetings.MeetingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The meeting is cancelled and the members have been told by email.")
            )
            return redirect(meeting)
    return render(
        request,
        "panels/meeting_cancel.html",
        {"panel": meeting.panel, "meeting": meeting, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def meeting_live(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    meeting, membership = meeting_for(request.user, panel_id, meeting_id)
    if meeting.state == Meeting.State.CANCELLED:
        return render(
            request, "panels/meeting_cancelled.html", {"panel": meeting.panel, "meeting": meeting}
        )
    # Seeing the page is being present, with or without a live connection (JavaScript).
    # It tells nobody: a live worker's heartbeat announces it (panels/live/presence.py).
    if meeting.state != Meeting.State.CLOSED:
        presence.visit(meeting.pk, membership.pk)
    return live_page(request, meeting, membership)


@require_GET
@login_required
def meeting_screen(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    meeting, membership = meeting_for(request.user, panel_id, meeting_id)
    state = fragments.LiveState(meeting.pk)
    slots = fragments.render_slots(state, fragments.Audience.SCREEN, membership, request=request)
    context = state.context() | {"oob": False, "slots": slots}
    if not state.meeting.is_over:
        context["join"] = _join(request, state.meeting)
    return render(request, "panels/meeting_screen.html", context)


def _join(request: HttpRequest, meeting: Meeting) -> dict:
    """How people in the room open the meeting on their own phone: a QR code of its page,
    or a short address to type, written without "https://" (the browser adds it) and the
    last slash (Django's APPEND_SLASH adds it)."""
    short = urlsplit(request.build_absolute_uri(meeting.get_short_url()))
    return {
        "qr": qr_svg(request.build_absolute_uri(meeting.get_absolute_url())),
        "host": short.netloc,
        "path": short.path.rstrip("/"),
    }


@require_GET
@login_required
def meeting_short(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The short address from the big screen: on to the meeting's page, for the members of
    its panel; anyone else finds nothing, as for a meeting that does not exist. (Digits only,
    by the URL; a number too large for an id finds nothing either, in Django's lookups.)"""
    panel_id = Meeting.objects.filter(pk=meeting_id).values_list("panel_id", flat=True).first()
    if panel_id is None:
        raise Http404
    meeting, _membership = meeting_for(request.user, panel_id, meeting_id)
    return redirect(meeting)


@require_GET
@login_required
def meeting_calendar(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    meeting, _membership = meeting_for(request.user, panel_id, meeting_id)
    response = HttpResponse(
        ics.meeting_calendar(meeting), content_type="text/calendar; charset=utf-8"
    )
    return attachment(response, f"bijeenkomst-{meeting.pk}.ics")


# --- moderator actions ------------------------------------------------------------------


@require_POST
@login_required
def meeting_state(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    action = request.POST.get("action")
    if action == "start":
        return act(request, panel_id, meeting_id, Perm.MODERATE, _start, _("The meeting is live."))
    if action == "close":
        return act(
            request, panel_id, meeting_id, Perm.MODERATE, _close, _("The meeting is closed.")
        )
    return act(request, panel_id, meeting_id, Perm.MODERATE, _invalid)


def _start(meeting, membership):
    return meetings.start_meeting(membership, meeting)


def _close(meeting, membership):
    return meetings.close_meeting(membership, meeting)


def _invalid(meeting, membership):
    raise meetings.MeetingError(_("That is not something you can do here."))


@require_POST
@login_required
def meeting_floor(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    open_ = request.POST.get("open") == "1"
    return act(
        request,
        panel_id,
        meeting_id,
        Perm.MODERATE,
        lambda meeting, m: floor.set_floor(m, meeting, open_),
    )


# --- the pulse after a meeting ------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def meeting_pulse(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    """Two short questions about the meeting, answered anonymously, once per person."""
    meeting, membership = meeting_for(request.user, panel_id, meeting_id)
    form = PulseForm(request.POST if request.method == "POST" else None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            pulse.answer(
                membership,
                meeting,
                heard=form.cleaned_data["heard"],
                comment=form.cleaned_data["comment"],
            )
        except PanelError as refused:
            error = str(refused)
        else:
            messages.success(request, _("Thank you! Your answer is saved, without your name."))
            return redirect(meeting)
    return render(
        request,
        "panels/meeting_pulse.html",
        {
            "panel": meeting.panel,
            "meeting": meeting,
            "form": form,
            "error": error,
            "open": pulse.is_open(meeting),
            "answered": pulse.has_answered(membership, meeting),
        },
    )
