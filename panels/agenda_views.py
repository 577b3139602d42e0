"""The agenda of a meeting: items added, edited, moved, removed, made current, finished."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from panels import meetings
from panels.access import Perm, meeting_for
from panels.forms import AgendaItemForm
from panels.meeting_actions import act
from panels.models import AgendaItem, Meeting


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

    response = act(request, panel_id, meeting_id, Perm.MODERATE, add)
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

    return act(request, panel_id, meeting_id, Perm.MODERATE, action)


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
    return act(
        request,
        panel_id,
        meeting_id,
        Perm.MODERATE,
        lambda meeting, m: meetings.finish_current_item(m, meeting),
    )
