"""Meeting pages and the moderator's and members' actions.

Every action is a plain POST that works without JavaScript (it redirects back
to the live page). With htmx it answers with a fresh snapshot of the page's
fragments for the actor (or a notice saying why not), swapped out-of-band, so
the actor sees the result even if their socket is down. Everyone else gets the
change through the socket.
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from panels import events, meetings, presence, pulse
from panels.access import Perm, meeting_for, panel_for
from panels.downloads import attachment
from panels.forms import AgendaItemForm, HideMessageForm, MeetingForm, MessageForm, PulseForm
from panels.ics import meeting_calendar as calendar_for
from panels.models import AgendaItem, Meeting, Membership, Message
from panels.pages import int_or_none
from panels.qr import qr_svg
from panels.services import PanelError


def _fragments_for(meeting: Meeting, membership: Membership) -> str:
    audience = events.audience_for(membership)
    language = get_language()
    _seq, frames = events.render_frames(
        meeting.pk, events.snapshot_names(audience), audiences=[audience], languages=[language]
    )
    text = "".join(frames.get(events.frame_key(audience, language), {}).values())
    return text + events.render_personal(meeting.pk, membership)


def _notice(text: str, level: str = "error") -> str:
    return render_to_string(
        "panels/meeting.html#notice", {"notice": text, "level": level, "oob": True}
    )


def _act(
    request: HttpRequest,
    panel_id: int,
    meeting_id: int,
    perm: Perm,
    action: Callable[[Meeting, Membership], object],
    success: str | None = None,
) -> HttpResponse:
    """Run one service call for a POST and answer for htmx or for a plain form."""
    meeting, membership = meeting_for(request.user, panel_id, meeting_id, perm)
    try:
        action(meeting, membership)
    except meetings.MeetingError as error:
        if request.htmx:
            return HttpResponse(_notice(str(error)))
        messages.error(request, str(error))
    else:
        if request.htmx:
            notice = _notice(success, "success") if success else _notice("", "none")
            return HttpResponse(_fragments_for(meeting, membership) + notice)
        if success:
            messages.success(request, success)
    return redirect(meeting)


# --- pages ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def meeting_new(request: HttpRequest, panel_id: int) -> HttpResponse:
    panel, membership = panel_for(request.user, panel_id, Perm.MODERATE)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        meeting = meetings.create_meeting(membership, **form.cleaned_data)
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
    }
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            meetings.update_meeting(membership, meeting, **form.cleaned_data)
        except meetings.MeetingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The meeting has been saved."))
            return redirect(meeting)
    return render(
        request,
        "panels/meeting_form.html",
        {"panel": meeting.panel, "meeting": meeting, "form": form},
        status=400 if form.errors else 200,
    )


def _live_page(
    request: HttpRequest,
    meeting: Meeting,
    membership: Membership,
    message_form: MessageForm | None = None,
    message_error: str | None = None,
    status: int = 200,
) -> HttpResponse:
    audience = events.audience_for(membership)
    state = events.LiveState(meeting.pk)
    if message_form is None:
        message_form = MessageForm.aimed_at(state.current_item)
    context = (
        state.context()
        | events.personal_context(state, membership)
        | events.hand_context(state, membership)
        | {
            "membership": membership,
            "audience": audience,
            "is_moderator": audience == events.Audience.MODERATOR,
            "message_form": message_form,
            "message_error": message_error,
            "item_form": AgendaItemForm(),
            "slots": events.render_slots(state, audience, membership, request=request),
            "oob": False,
            "pulse_open": pulse.is_open(meeting) and not pulse.has_answered(membership, meeting),
        }
    )
    return render(request, "panels/meeting.html", context, status=status)


@require_GET
@login_required
def meeting_live(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    meeting, membership = meeting_for(request.user, panel_id, meeting_id)
    # Seeing the page is being present, with or without a live connection (JavaScript).
    if meeting.state != Meeting.State.CLOSED and presence.visit(meeting.pk, membership.pk):
        events.meeting_dirty(meeting.pk, "presence")
    return _live_page(request, meeting, membership)


@require_GET
@login_required
def meeting_screen(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    meeting, membership = meeting_for(request.user, panel_id, meeting_id)
    state = events.LiveState(meeting.pk)
    slots = events.render_slots(state, events.Audience.SCREEN, membership, request=request)
    context = state.context() | {"oob": False, "slots": slots}
    if state.meeting.state != Meeting.State.CLOSED:
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
    url = request.build_absolute_uri(meeting.get_absolute_url())
    body = calendar_for(meeting, url, urlsplit(settings.SITE_URL).hostname or request.get_host())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    return attachment(response, f"bijeenkomst-{meeting.pk}.ics")


# --- moderator actions ------------------------------------------------------------------


@require_POST
@login_required
def meeting_state(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    action = request.POST.get("action")
    if action == "start":
        return _act(request, panel_id, meeting_id, Perm.MODERATE, _start, _("The meeting is live."))
    if action == "close":
        return _act(
            request, panel_id, meeting_id, Perm.MODERATE, _close, _("The meeting is closed.")
        )
    return _act(request, panel_id, meeting_id, Perm.MODERATE, _invalid)


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
    return _act(
        request,
        panel_id,
        meeting_id,
        Perm.MODERATE,
        lambda meeting, m: meetings.set_floor(m, meeting, open_),
    )


@require_POST
@login_required
def item_add(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    meeting, membership = meeting_for(request.user, panel_id, meeting_id, Perm.MODERATE)
    form = AgendaItemForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return HttpResponse(_item_form(meeting, form))
        return render(
            request,
            "panels/agenda_item_form.html",
            {"meeting": meeting, "panel": meeting.panel, "form": form},
            status=400,
        )

    def add(meeting, m):
        return meetings.add_item(m, meeting, **form.cleaned_data)

    response = _act(request, panel_id, meeting_id, Perm.MODERATE, add)
    if request.htmx and response.status_code == 200 and b"live-agenda" in response.content:
        response.content += _item_form(meeting, AgendaItemForm()).encode()
    return response


def _item_form(meeting: Meeting, form: AgendaItemForm) -> str:
    return render_to_string(
        "panels/meeting.html#item_form",
        {"meeting": meeting, "panel": meeting.panel, "item_form": form, "oob": True},
    )


@require_http_methods(["GET", "POST"])
@login_required
def item_edit(request: HttpRequest, panel_id: int, meeting_id: int, item_id: int) -> HttpResponse:
    meeting, membership = meeting_for(request.user, panel_id, meeting_id, Perm.MODERATE)
    item = get_object_or_404(AgendaItem, pk=item_id, meeting=meeting)
    form = AgendaItemForm(
        request.POST or None, initial={"title": item.title, "description": item.description}
    )
    if request.method == "POST" and form.is_valid():
        try:
            meetings.update_item(membership, item, **form.cleaned_data)
        except meetings.MeetingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The agenda item has been saved."))
            return redirect(meeting)
    return render(
        request,
        "panels/agenda_item_form.html",
        {"meeting": meeting, "panel": meeting.panel, "item": item, "form": form},
        status=400 if form.errors else 200,
    )


def _item_action(request, panel_id, meeting_id, item_id, fn) -> HttpResponse:
    def action(meeting, membership):
        item = AgendaItem.objects.filter(pk=item_id, meeting=meeting).first()
        if item is None:
            raise meetings.MeetingError(_("This agenda item no longer exists."))
        return fn(membership, item)

    return _act(request, panel_id, meeting_id, Perm.MODERATE, action)


@require_POST
@login_required
def item_move(request, panel_id: int, meeting_id: int, item_id: int) -> HttpResponse:
    direction = request.POST.get("direction", "")
    return _item_action(
        request,
        panel_id,
        meeting_id,
        item_id,
        lambda m, item: meetings.move_item(m, item, direction),
    )


@require_POST
@login_required
def item_remove(request, panel_id: int, meeting_id: int, item_id: int) -> HttpResponse:
    return _item_action(request, panel_id, meeting_id, item_id, meetings.remove_item)


@require_POST
@login_required
def item_current(request, panel_id: int, meeting_id: int, item_id: int) -> HttpResponse:
    return _item_action(request, panel_id, meeting_id, item_id, meetings.set_current_item)


@require_POST
@login_required
def item_finish(request, panel_id: int, meeting_id: int) -> HttpResponse:
    return _act(
        request,
        panel_id,
        meeting_id,
        Perm.MODERATE,
        lambda meeting, m: meetings.finish_current_item(m, meeting),
    )


@require_POST
@login_required
def speaker_next(request, panel_id: int, meeting_id: int) -> HttpResponse:
    raw_request, raw_minutes = request.POST.get("request", ""), request.POST.get("minutes", "")
    request_id, minutes = int_or_none(raw_request), int_or_none(raw_minutes)

    def give(meeting, m):
        if raw_request and request_id is None:
            raise meetings.MeetingError(_("This person is no longer on the speaker list."))
        if raw_minutes and (minutes is None or minutes < 0):
            raise meetings.MeetingError(_("Speaking time must be between 1 second and 60 minutes."))
        seconds = minutes * 60 if minutes else None
        return meetings.give_floor(m, meeting, request_id=request_id, seconds=seconds)

    return _act(request, panel_id, meeting_id, Perm.MODERATE, give)


@require_POST
@login_required
def speaker_end(request, panel_id: int, meeting_id: int) -> HttpResponse:
    return _act(
        request,
        panel_id,
        meeting_id,
        Perm.MODERATE,
        lambda meeting, m: meetings.end_speaker(m, meeting),
    )


@require_POST
@login_required
def speaker_remove(request, panel_id: int, meeting_id: int, request_id: int) -> HttpResponse:
    return _act(
        request,
        panel_id,
        meeting_id,
        Perm.MODERATE,
        lambda meeting, m: meetings.remove_speaker(m, meeting, request_id),
    )


@require_http_methods(["GET", "POST"])
@login_required
def message_hide(request, panel_id: int, meeting_id: int, message_id: int) -> HttpResponse:
    meeting, membership = meeting_for(request.user, panel_id, meeting_id, Perm.MODERATE)
    message = get_object_or_404(
        Message.objects.select_related("author__user"), pk=message_id, item__meeting=meeting
    )
    form = HideMessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        meetings.hide_message(membership, message, form.cleaned_data["reason"])
        messages.success(request, _("The message is hidden."))
        return redirect(meeting)
    return render(
        request,
        "panels/message_hide.html",
        {"meeting": meeting, "panel": meeting.panel, "message": message, "form": form},
        status=400 if form.errors else 200,
    )


# --- members' actions ---------------------------------------------------------------------


@require_POST
@login_required
def hand(request, panel_id: int, meeting_id: int) -> HttpResponse:
    if request.POST.get("raise") == "1":
        return _act(
            request,
            panel_id,
            meeting_id,
            Perm.TAKE_PART,
            lambda meeting, m: meetings.raise_hand(m, meeting),
        )
    return _act(
        request,
        panel_id,
        meeting_id,
        Perm.VIEW_PANEL,
        lambda meeting, m: meetings.lower_hand(m, meeting),
    )


@require_POST
@login_required
def message_post(request, panel_id: int, meeting_id: int) -> HttpResponse:
    meeting, membership = meeting_for(request.user, panel_id, meeting_id, Perm.TAKE_PART)
    form = MessageForm(request.POST)
    error = None
    if form.is_valid():
        try:
            meetings.post_message(
                membership, meeting, form.cleaned_data["text"], form.cleaned_data["item"]
            )
        except meetings.MeetingError as exc:
            error = str(exc)
    else:
        # The box's own words say what is wrong (the limit and the length, say).
        error = next(iter(form.errors.get("text", [])), _("Check your message."))
    # A refused message is shown again with its text, now aimed at the current item; a
    # posted one leaves an empty box. The text shown back is the form's (config/forms.py):
    # never longer than the limit, so a megabyte sent by a script is not echoed.
    current = meeting.items.filter(state=AgendaItem.State.CURRENT).first()
    shown = MessageForm.aimed_at(current, form["text"].value() if error else "")
    if request.htmx:
        html = render_to_string(
            "panels/meeting.html#message_form",
            {
                "meeting": meeting,
                "panel": meeting.panel,
                "message_form": shown,
                "message_error": error,
                "oob": True,
            },
            request=request,
        )
        if error:
            return HttpResponse(html + _notice(error))
        return HttpResponse(_fragments_for(meeting, membership) + html + _notice("", "none"))
    if error:
        # Without JavaScript: show the live page again with the text kept in the box.
        messages.error(request, error)
        return _live_page(
            request, meeting, membership, message_form=shown, message_error=error, status=400
        )
    return redirect(meeting)


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
