"""How the meeting's actions answer: one service call, then the page, for htmx or not.

Every action is a plain POST that works without JavaScript (it redirects back to the
live page). With htmx it answers with a fresh snapshot of the page's fragments for the
actor (or a notice saying why not), swapped out-of-band, so the actor sees the result
even if their socket is down. Everyone else gets the change through the socket.
"""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language

from panels import attendance, links, meetings, pulse
from panels.access import Perm, meeting_for
from panels.forms import AgendaItemForm, MessageForm
from panels.live import changes, fragments
from panels.models import AgendaItem, Meeting, Membership, Message


def changes_for(meeting: Meeting, membership: Membership, collected: changes.Collected) -> str:
    """The fragments the actor's changes touched, as their socket would get them."""
    return fragments.render_changes(
        meeting.pk, membership, fragments.audience_for(membership), get_language(), collected
    )


def notice(text: str, level: str = "error") -> str:
    return render_to_string(
        "panels/meeting.html#notice", {"notice": text, "level": level, "oob": True}
    )


def act(
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
        with changes.collect() as collected:
            action(meeting, membership)
    except meetings.MeetingError as error:
        if request.htmx:
            return HttpResponse(notice(str(error)))
        messages.error(request, str(error))
    else:
        if request.htmx:
            shown = notice(success, "success") if success else notice("", "none")
            return HttpResponse(changes_for(meeting, membership, collected) + shown)
        if success:
            messages.success(request, success)
    return redirect(meeting)


def past_items(meeting: Meeting) -> list[tuple[AgendaItem, list[Message]]]:
    """A closed meeting's items, each with its discussion (hidden messages left out): the
    live page shows only the item under discussion, and after the close nothing is."""
    said = (
        Message.objects.filter(item__meeting=meeting, hidden_at__isnull=True)
        .select_related("author__user")
        .order_by("created_at", "pk")
    )
    by_item: dict[int, list[Message]] = {}
    for message in said:
        by_item.setdefault(message.item_id, []).append(message)
    return [(item, by_item.get(item.pk, [])) for item in meeting.items.order_by("position", "pk")]


def live_page(
    request: HttpRequest,
    meeting: Meeting,
    membership: Membership,
    message_form: MessageForm | None = None,
    message_error: str | None = None,
    status: int = 200,
) -> HttpResponse:
    audience = fragments.audience_for(membership)
    state = fragments.LiveState(meeting.pk)
    if message_form is None:
        message_form = MessageForm.aimed_at(state.current_item)
    context = (
        state.context()
        | fragments.personal_context(state, membership)
        | fragments.hand_context(state, membership)
        | {
            "membership": membership,
            "audience": audience,
            "is_moderator": audience == fragments.Audience.MODERATOR,
            "message_form": message_form,
            "message_error": message_error,
            "item_form": AgendaItemForm(),
            "slots": fragments.render_slots(state, audience, membership, request=request),
            "oob": False,
            "pulse_open": pulse.is_open(meeting) and not pulse.has_answered(membership, meeting),
            "keeps_desk": meeting.state != Meeting.State.CLOSED
            and attendance.may_keep_desk(membership, meeting),
            "meeting_links": links.for_meeting(meeting),
            "past_items": past_items(meeting) if meeting.state == Meeting.State.CLOSED else [],
        }
    )
    return render(request, "panels/meeting.html", context, status=status)
