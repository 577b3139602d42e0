"""Minutes pages: the list of a panel's minutes, one meeting's minutes, editing, the
versions compared, putting them to approval, and the PDF."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minutes import render as readable
from minutes import services
from minutes.models import Minutes
from minutes.pdf import minutes_pdf
from panels.access import Perm, has_perm, meeting_for, panel_for
from panels.downloads import attachment
from panels.models import Meeting, Membership
from panels.pages import first_per_version, int_or_none, versions_to_compare
from voting import methods
from voting import text as texts
from voting.models import Vote


def minutes_for(request: HttpRequest, panel_id: int, meeting_id: int) -> tuple[Minutes, Membership]:
    """A closed meeting's minutes, for a member of its panel; 404 for a meeting without."""
    meeting, membership = meeting_for(request.user, panel_id, meeting_id)
    minutes = services.of(meeting) if meeting.state == Meeting.State.CLOSED else None
    if minutes is None:
        raise Http404
    minutes.meeting = meeting
    return minutes, membership


class NotYet(Exception):
    """Members have nothing to read yet: the draft is being written."""


def _which(request: HttpRequest, minutes: Minutes, membership: Membership) -> bool:
    """Whether to show the approved text (else the latest draft). Members read the
    approved version; the draft once it is put to approval (to read before they vote);
    moderators and the minute-taker the draft whenever they ask (?draft)."""
    editor = services.may_edit(membership, minutes)
    if not minutes.is_approved:
        if editor or minutes.state == Minutes.State.PUT_TO_APPROVAL:
            return False
        raise NotYet
    may_read_draft = editor or minutes.state == Minutes.State.PUT_TO_APPROVAL
    return not ("draft" in request.GET and may_read_draft)


def _readable(request: HttpRequest, minutes: Minutes, membership: Membership) -> bool:
    try:
        return _which(request, minutes, membership)
    except NotYet:
        raise Http404 from None


@require_GET
@login_required
def minutes_list(request: HttpRequest, panel_id: int) -> HttpResponse:
    panel, membership = panel_for(request.user, panel_id)
    closed = panel.meetings.filter(state=Meeting.State.CLOSED).order_by("-starts_at")
    with_approval = Minutes.objects.select_related("approval_vote", "approval_item__meeting")
    found = {m.meeting_id: m for m in with_approval.filter(meeting__in=closed)}
    rows = [(meeting, found.get(meeting.pk)) for meeting in closed]
    return render(
        request,
        "minutes/list.html",
        {
            "panel": panel,
            "rows": rows,
            "is_moderator": has_perm(membership, Perm.MODERATE),
        },
    )


@require_GET
@login_required
def minutes_detail(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    minutes, membership = minutes_for(request, panel_id, meeting_id)
    try:
        approved = _which(request, minutes, membership)
    except NotYet:
        return render(
            request,
            "minutes/not_yet.html",
            {"panel": minutes.meeting.panel, "meeting": minutes.meeting},
        )
    is_moderator = has_perm(membership, Perm.MODERATE)
    return render(
        request,
        "minutes/detail.html",
        {
            "panel": minutes.meeting.panel,
            "meeting": minutes.meeting,
            "minutes": minutes,
            "shown": readable.readable(minutes, approved=approved),
            "can_edit": services.may_edit(membership, minutes),
            "is_moderator": is_moderator,
            "later_meetings": services.meetings_to_approve_in(minutes) if is_moderator else [],
            "members": (
                minutes.meeting.panel.memberships.active()
                .select_related("user")
                .order_by("user__name")
                if is_moderator
                else []
            ),
            "approval_methods": [(m, methods.get(m).label) for m in services.APPROVAL_METHODS],
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def minutes_edit(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    minutes, membership = minutes_for(request, panel_id, meeting_id)
    if not services.may_edit(membership, minutes):
        raise PermissionDenied
    shown = readable.readable(minutes, approved=False)
    values = dict(minutes.texts)
    error = ""
    if minutes.state == Minutes.State.PUT_TO_APPROVAL and request.method == "GET":
        error = _("The minutes are put to approval: they cannot change until the vote on them.")
    if request.method == "POST":
        values = {part: request.POST.get(f"part-{part}", "") for part in services.parts(minutes)}
        try:
            services.edit(
                membership,
                minutes,
                texts=values,
                base_version=int_or_none(request.POST.get("version")) or 0,
            )
        except services.MinutesError as refused:
            error = str(refused)
        else:
            messages.success(request, _("The minutes are saved."))
            return redirect(f"{minutes.get_absolute_url()}?draft")
    return render(
        request,
        "minutes/edit.html",
        {
            "panel": minutes.meeting.panel,
            "meeting": minutes.meeting,
            "minutes": minutes,
            "fields": [(p, values.get(p.key, "")) for p in shown.parts if p.key != "other"],
            "error": error,
            "max_length": services.TEXT_MAX,
        },
        status=400 if error and request.method == "POST" else 200,
    )


@require_GET
@login_required
def minutes_history(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    minutes, membership = minutes_for(request, panel_id, meeting_id)
    _readable(request, minutes, membership)  # who may read a draft may read its versions
    records = first_per_version(minutes.history)
    last = {}
    for record in minutes.history.order_by("history_date", "pk"):
        last[record.version] = record  # a version's text as it was last saved
    numbers = list(last)
    drafts_shown = minutes.state == Minutes.State.PUT_TO_APPROVAL
    if not (services.may_edit(membership, minutes) or drafts_shown):
        numbers = [n for n in numbers if n <= (minutes.approved_version or 0)]
        records = [r for r in records if r.version in numbers]
    if not numbers:
        raise Http404
    a, b = versions_to_compare(request, numbers)
    labels = {p.key: p.title for p in readable.readable(minutes, approved=False).parts}
    diffs = []
    for part in services.parts(minutes):
        old, new = (last[a].texts or {}).get(part, ""), (last[b].texts or {}).get(part, "")
        if old != new:
            diffs.append({"label": labels.get(part, part), "diff": texts.diff_html(old, new)})
    return render(
        request,
        "minutes/history.html",
        {
            "panel": minutes.meeting.panel,
            "meeting": minutes.meeting,
            "minutes": minutes,
            "versions": records,
            "a": a,
            "b": b,
            "diffs": diffs,
        },
    )


@require_GET
@login_required
def minutes_download(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    minutes, membership = minutes_for(request, panel_id, meeting_id)
    approved = _readable(request, minutes, membership)
    response = HttpResponse(
        minutes_pdf(readable.readable(minutes, approved=approved)), content_type="application/pdf"
    )
    return attachment(response, f"notulen-{minutes.meeting_id}.pdf")


def _act(request: HttpRequest, minutes: Minutes, action, success: str) -> HttpResponse:
    try:
        action()
    except services.MinutesError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, success)
    return redirect(f"{minutes.get_absolute_url()}?draft")


@require_POST
@login_required
def minutes_put_to_approval(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    minutes, membership = minutes_for(request, panel_id, meeting_id)
    if not has_perm(membership, Perm.MODERATE):
        raise PermissionDenied
    target = (
        services.meetings_to_approve_in(minutes)
        .filter(pk=int_or_none(request.POST.get("meeting")))
        .first()
    )
    if target is None:
        messages.error(request, _("Choose a later meeting of this panel that has not ended."))
        return redirect(f"{minutes.get_absolute_url()}?draft")
    return _act(
        request,
        minutes,
        lambda: services.put_to_approval(membership, minutes, target),
        _("The minutes are on the agenda of %(title)s.") % {"title": target.title},
    )


@require_POST
@login_required
def minutes_vote(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    minutes, membership = minutes_for(request, panel_id, meeting_id)
    if not has_perm(membership, Perm.MODERATE):
        raise PermissionDenied
    method = request.POST.get("method", Vote.Method.YES_NO)
    return _act(
        request,
        minutes,
        lambda: services.open_approval_vote(membership, minutes, method=method),
        _("The vote on the minutes is open."),
    )


@require_POST
@login_required
def minutes_taker(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    minutes, membership = minutes_for(request, panel_id, meeting_id)
    if not has_perm(membership, Perm.MODERATE):
        raise PermissionDenied
    chosen = int_or_none(request.POST.get("taker"))
    taker = (
        Membership.objects.filter(panel_id=panel_id, pk=chosen, is_active=True).first()
        if chosen
        else None
    )
    if chosen and taker is None:
        messages.error(request, _("Choose a member of this panel."))
        return redirect(f"{minutes.get_absolute_url()}?draft")
    return _act(
        request,
        minutes,
        lambda: services.appoint_taker(membership, minutes, taker),
        _("The minute-taker is saved."),
    )
