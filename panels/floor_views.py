"""The floor of a live meeting: the speaker list, hands, and the discussion's messages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from panels import floor, meetings
from panels.access import Perm, meeting_for
from panels.forms import HideMessageForm, MessageForm
from panels.live import changes
from panels.meeting_actions import act, changes_for, live_page, notice
from panels.models import AgendaItem, Message
from panels.pages import int_or_none


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
        return floor.give_floor(m, meeting, request_id=request_id, seconds=seconds)

    return act(request, panel_id, meeting_id, Perm.MODERATE, give)


@require_POST
@login_required
def speaker_end(request, panel_id: int, meeting_id: int) -> HttpResponse:
    return act(
        request,
        panel_id,
        meeting_id,
        Perm.MODERATE,
        lambda meeting, m: floor.end_speaker(m, meeting),
    )


@require_POST
@login_required
def speaker_remove(request, panel_id: int, meeting_id: int, request_id: int) -> HttpResponse:
    return act(
        request,
        panel_id,
        meeting_id,
        Perm.MODERATE,
        lambda meeting, m: floor.remove_speaker(m, meeting, request_id),
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
        floor.hide_message(membership, message, form.cleaned_data["reason"])
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
        return act(
            request,
            panel_id,
            meeting_id,
            Perm.TAKE_PART,
            lambda meeting, m: floor.raise_hand(m, meeting),
        )
    return act(
        request,
        panel_id,
        meeting_id,
        Perm.VIEW_PANEL,
        lambda meeting, m: floor.lower_hand(m, meeting),
    )


@require_POST
@login_required
def message_post(request, panel_id: int, meeting_id: int) -> HttpResponse:
    meeting, membership = meeting_for(request.user, panel_id, meeting_id, Perm.TAKE_PART)
    form = MessageForm(request.POST)
    error = None
    collected = changes.Collected()
    if form.is_valid():
        try:
            with changes.collect() as collected:
                floor.post_message(
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
            return HttpResponse(html + notice(error))
        return HttpResponse(changes_for(meeting, membership, collected) + html + notice("", "none"))
    if error:
        # Without JavaScript: show the live page again with the text kept in the box.
        messages.error(request, error)
        return live_page(
            request, meeting, membership, message_form=shown, message_error=error, status=400
        )
    return redirect(meeting)
