"""Advice requests: the list with deadlines, one request's timeline, and its three steps
(the service checks which representative may take each)."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agreements import advice
from agreements.models import AdviceRequest
from panels.access import panel_for
from panels.pages import int_or_none


def _ids(request: HttpRequest, name: str) -> list[int]:
    return [n for n in (int_or_none(x) for x in request.POST.getlist(name)) if n is not None]


@require_GET
@login_required
def advice_list(request: HttpRequest, panel_id: int) -> HttpResponse:
    panel, membership = panel_for(request.user, panel_id)
    today = timezone.localdate()
    rows = [(r, advice.stage(r)) for r in panel.advice_requests.all()]
    return render(
        request,
        "agreements/advice_list.html",
        {
            "panel": panel,
            "membership": membership,
            "rows": rows,
            "today": today,
            "files": membership.signs_for == advice.CORPORATION,
            "earliest_due": advice.earliest_due(today),
        },
    )


@require_GET
@login_required
def advice_detail(request: HttpRequest, panel_id: int, advice_id: int) -> HttpResponse:
    panel, membership = panel_for(request.user, panel_id)
    item = panel.advice_requests.filter(pk=advice_id).first()
    if item is None:
        raise Http404
    return render(
        request,
        "agreements/advice_detail.html",
        {
            "panel": panel,
            "membership": membership,
            "item": item,
            "stage": advice.stage(item),
            "today": timezone.localdate(),
            "response_due": advice.response_due(item),
            "party": membership.signs_for,
            "meetings": panel.meetings.filter(state="closed").order_by("-starts_at"),
            "votes": panel.votes.filter(state="closed").order_by("-closed_at"),
            "agreements": panel.agreements.all(),
            "decisions": AdviceRequest.Decision.choices,
        },
    )


def _act(request: HttpRequest, panel_id: int, step, done: str, advice_id: int | None = None):
    panel, membership = panel_for(request.user, panel_id)
    target = None
    if advice_id is not None:
        target = panel.advice_requests.filter(pk=advice_id).first()
        if target is None:
            raise Http404
    try:
        result = step(membership, target)
    except advice.AdviceError as error:
        messages.error(request, str(error))
        if target is None:
            return redirect("agreements:advice_list", panel.pk)
        return redirect("agreements:advice", panel.pk, target.pk)
    messages.success(request, done)
    return redirect("agreements:advice", panel.pk, result.pk)


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise advice.AdviceError(_("Write the date as year-month-day.")) from None


@require_POST
@login_required
def advice_new(request: HttpRequest, panel_id: int) -> HttpResponse:
    return _act(
        request,
        panel_id,
        lambda actor, _none: advice.file_request(
            actor,
            title=request.POST.get("title", ""),
            intended_change=request.POST.get("intended_change", ""),
            advice_due=_date(request.POST.get("advice_due", "")),
        ),
        _("The advice request is filed; the tenant organisation can now give its advice."),
    )


@require_POST
@login_required
def advice_give(request: HttpRequest, panel_id: int, advice_id: int) -> HttpResponse:
    return _act(
        request,
        panel_id,
        lambda actor, target: advice.give_advice(
            actor,
            target,
            advice=request.POST.get("advice", ""),
            meetings=_ids(request, "meetings"),
            votes=_ids(request, "votes"),
            agreements=_ids(request, "agreements"),
        ),
        _("The advice is saved; the corporation now decides."),
        advice_id,
    )


@require_POST
@login_required
def advice_decide(request: HttpRequest, panel_id: int, advice_id: int) -> HttpResponse:
    return _act(
        request,
        panel_id,
        lambda actor, target: advice.decide(
            actor,
            target,
            decision=request.POST.get("decision", ""),
            response=request.POST.get("response", ""),
        ),
        _("The decision is saved."),
        advice_id,
    )
