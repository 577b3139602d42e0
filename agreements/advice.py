"""Advice requests under the Overlegwet (adviesaanvragen): the timeline and its deadlines.

1. The corporation files a request on an intended change of policy. The tenant
   organisation's advice is due no sooner than six weeks later (`MIN_ADVICE_WEEKS`).
2. The tenant organisation gives its advice, and names the meetings, votes and process
   agreements that formed it.
3. The corporation decides. If it does not (wholly) follow the advice, it gives its
   reasons in writing, within two weeks of the advice (`RESPONSE_DAYS`).

Each step is a representative's act: the corporation's for 1 and 3, the tenant
organisation's for 2. `send_reminders` (manage.py remind_advice) mails each side once
when its deadline is a week away and once when it has passed.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.models import TITLE_MAX, AdviceRequest, Agreement, Signature
from panels import notices
from panels.models import Meeting, Membership, NoticeKind, Role
from panels.services import PanelError, save_with_history
from voting.models import Vote

MIN_ADVICE_WEEKS = 6
RESPONSE_DAYS = 14
REMIND_DAYS_BEFORE = 7
CORPORATION = Signature.Party.CORPORATION
TENANTS = Signature.Party.TENANT_ORGANISATION


class AdviceError(PanelError):
    pass


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    due: date | None  # the deadline of whoever must act now
    party: str | None  # who must act now

    def overdue(self, today: date) -> bool:
        return self.due is not None and today > self.due


STAGES = {
    "awaiting_advice": gettext_lazy("Waiting for the tenant organisation's advice"),
    "awaiting_decision": gettext_lazy("Waiting for the corporation's decision"),
    "followed": gettext_lazy("Advice followed"),
    "answered": gettext_lazy("Deviation answered with reasons"),
}


def response_due(request: AdviceRequest) -> date | None:
    if request.advised_at is None:
        return None
    return timezone.localdate(request.advised_at) + timedelta(days=RESPONSE_DAYS)


def stage(request: AdviceRequest) -> Stage:
    if not request.advised_at:
        return Stage("awaiting_advice", STAGES["awaiting_advice"], request.advice_due, TENANTS)
    if not request.decision:
        return Stage(
            "awaiting_decision", STAGES["awaiting_decision"], response_due(request), CORPORATION
        )
    key = "followed" if request.decision == AdviceRequest.Decision.FOLLOWED else "answered"
    return Stage(key, STAGES[key], None, None)


def earliest_due(requested: date) -> date:
    return requested + timedelta(weeks=MIN_ADVICE_WEEKS)


def _require(actor: Membership, party: str) -> None:
    if actor.signs_for != party:
        if party == CORPORATION:
            raise AdviceError(_("Only a representative of the corporation can do this."))
        raise AdviceError(_("Only a representative of the tenant organisation can do this."))


def _text(value: str, what: str, *, required: bool, limit: int = AdviceRequest.TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise AdviceError(_("Fill in %(what)s.") % {"what": what})
    if len(value) > limit:
        raise AdviceError(
            _("%(what)s can be at most %(max)s characters.")
            % {"what": capfirst(what), "max": limit}
        )
    return value


def file_request(
    actor: Membership, *, title: str, intended_change: str, advice_due: date | None = None
) -> AdviceRequest:
    _require(actor, CORPORATION)
    title = _text(title, _("the title"), required=True, limit=TITLE_MAX)
    intended_change = _text(intended_change, _("the intended change"), required=True)
    today = timezone.localdate()
    advice_due = advice_due or earliest_due(today)
    if advice_due < earliest_due(today):
        raise AdviceError(
            _("The tenant organisation has at least %(weeks)s weeks: the advice is due on "
              "%(date)s at the earliest.")
            % {"weeks": MIN_ADVICE_WEEKS, "date": earliest_due(today).strftime("%d-%m-%Y")}
        )  # fmt: skip
    request = AdviceRequest(
        panel_id=actor.panel_id,
        title=title,
        intended_change=intended_change,
        requested_by=actor,
        advice_due=advice_due,
    )
    save_with_history(request, actor.user, "requested")
    return request


def give_advice(
    actor: Membership,
    request: AdviceRequest,
    *,
    advice: str,
    meetings: list[int] = (),
    votes: list[int] = (),
    agreements: list[int] = (),
) -> AdviceRequest:
    _require(actor, TENANTS)
    advice = _text(advice, _("the advice"), required=True)
    with transaction.atomic():
        request = _lock(request, actor)
        if request.advised_at is not None:
            raise AdviceError(_("The advice has been given already."))
        request.advice, request.advised_by, request.advised_at = advice, actor, timezone.now()
        save_with_history(request, actor.user, "advised")
        panel = actor.panel_id
        request.meetings.set(Meeting.objects.filter(panel_id=panel, pk__in=meetings))
        request.votes.set(
            Vote.objects.filter(panel_id=panel, pk__in=votes, state=Vote.State.CLOSED)
        )
        request.agreements.set(Agreement.objects.filter(panel_id=panel, pk__in=agreements))
    return request


def decide(
    actor: Membership, request: AdviceRequest, *, decision: str, response: str = ""
) -> AdviceRequest:
    _require(actor, CORPORATION)
    if decision not in AdviceRequest.Decision.values:
        raise AdviceError(_("Choose whether the corporation follows the advice."))
    response = _text(
        response,
        _("the reasons"),
        required=decision != AdviceRequest.Decision.FOLLOWED,
    )
    with transaction.atomic():
        request = _lock(request, actor)
        if request.advised_at is None:
            raise AdviceError(_("There is no advice to decide on yet."))
        if request.decision:
            raise AdviceError(_("The corporation has decided already."))
        request.decision, request.response = decision, response
        request.decided_by, request.decided_at = actor, timezone.now()
        save_with_history(request, actor.user, "decided")
    return request


def _lock(request: AdviceRequest, actor: Membership) -> AdviceRequest:
    locked = AdviceRequest.objects.select_for_update().filter(
        pk=request.pk, panel_id=actor.panel_id
    )
    found = locked.first()
    if found is None:
        raise AdviceError(_("You are not allowed to do this."))
    return found


# --- reminders -----------------------------------------------------------------------------


def send_reminders(today: date | None = None) -> int:
    """Mail whoever must act: once a week before their deadline, once when it passed."""
    today = today or timezone.localdate()
    sent = 0
    for request in AdviceRequest.objects.exclude(decision__in=AdviceRequest.Decision.values):
        now = stage(request)
        if now.due is None:
            continue
        if now.overdue(today):
            key = f"{now.key}:overdue"
        elif now.due - today <= timedelta(days=REMIND_DAYS_BEFORE):
            key = f"{now.key}:soon"
        else:
            continue
        if key in request.reminders_sent:
            continue
        sent += _mail(request, now, overdue=key.endswith("overdue"))
        AdviceRequest.objects.filter(pk=request.pk).update(
            reminders_sent=[*request.reminders_sent, key]
        )
    return sent


def _mail(request: AdviceRequest, now: Stage, *, overdue: bool) -> int:
    role = {CORPORATION: Role.CORPORATION_REP, TENANTS: Role.TENANT_ORG_REP}[now.party]
    recipients = (
        Membership.objects.active()
        .filter(panel_id=request.panel_id, role=role, user__is_active=True)
        .select_related("user")
        .order_by("user__email")
    )
    url = settings.SITE_URL + reverse("agreements:advice", args=[request.panel_id, request.pk])
    context = {"request": request, "stage": now, "overdue": overdue, "url": url}
    people = [m.user for m in recipients]
    return notices.notify(
        people, NoticeKind.ADVICE, "agreements/email/advice", context, urgent=True
    )
