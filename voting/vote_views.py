"""Vote pages: prepare, open, cast, close, results, CSV, proxies. Thin views over the
services of voting/lifecycle.py, voting/casting.py and voting/eligibility.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from panels import attendance, audit
from panels.access import Perm, meeting_for, panel_for
from panels.bidi import isolate
from panels.downloads import csv_response
from panels.live import presence
from panels.models import AuditAction, Meeting, Membership
from panels.pages import int_or_none, redirect_back
from voting import answers, casting, consultations, desk, eligibility, lifecycle, results
from voting.access import vote_for
from voting.errors import VotingError
from voting.forms import (
    AnswerForm,
    BallotForm,
    CloseForm,
    ProxyForm,
    ScheduleForm,
    VoteForm,
)
from voting.models import Amendment, Consultation, Proposal, Vote

# Notices about the vote fragment of the live page go when its state moves on (live.js).
LIVE_VOTE = "live-vote"


def _back(request: HttpRequest, vote: Vote) -> HttpResponse:
    if request.htmx:
        # The change reaches this page through the socket; say how it went in the notice.
        notes = [(m.level_tag, str(m)) for m in messages.get_messages(request)]
        # The state the notes speak of: the page keeps them until the vote moves past it.
        seq = Meeting.objects.filter(pk=vote.meeting_id).values_list("seq", flat=True).first()
        return HttpResponse(
            render_to_string("voting/notice.html", {"notes": notes, "seq": seq}, request=request)
        )
    return redirect_back(request, reverse("voting:vote", args=[vote.panel_id, vote.pk]))


def _subject(request: HttpRequest, panel, source) -> tuple:
    """The meeting, proposal and amendment a new vote is for (each optional), found in
    this panel only; anything else is a 404."""
    meeting = proposal = amendment = consultation = None
    try:
        if source.get("consultation"):
            consultation = Consultation.objects.get(pk=int(source["consultation"]), panel=panel)
        if source.get("meeting"):
            meeting, _m = meeting_for(request.user, panel.pk, int(source["meeting"]))
        if source.get("proposal"):
            proposal = Proposal.objects.get(pk=int(source["proposal"]), item__meeting__panel=panel)
        if source.get("amendment"):
            amendment = Amendment.objects.get(
                pk=int(source["amendment"]), proposal__item__meeting__panel=panel
            )
    except (ValueError, Proposal.DoesNotExist, Amendment.DoesNotExist, Consultation.DoesNotExist):
        raise Http404 from None
    return meeting, proposal, amendment, consultation


@require_http_methods(["GET", "POST"])
@login_required
def vote_new(request: HttpRequest, panel_id: int) -> HttpResponse:
    panel, membership = panel_for(request.user, panel_id, Perm.MODERATE)
    source = request.POST if request.method == "POST" else request.GET
    meeting, proposal, amendment, consultation = _subject(request, panel, source)
    subject = proposal is not None or amendment is not None
    form = VoteForm(request.POST or None, subject=subject, consultation=consultation is not None)
    if request.method == "POST" and form.is_valid():
        try:
            if consultation is not None:
                consultations.add_question(membership, consultation, form.spec())
            else:
                vote = lifecycle.prepare_vote(
                    membership,
                    form.spec(),
                    meeting=meeting,
                    proposal=proposal,
                    amendment=amendment,
                )
        except VotingError as error:
            form.add_error(None, str(error))
        else:
            if consultation is not None:
                messages.success(request, _("The question is added."))
                return redirect(consultation)
            messages.success(
                request,
                _("The vote is prepared. Open it when the time comes."),
                extra_tags=LIVE_VOTE,
            )
            return (
                redirect(vote.meeting or vote)
                if vote.meeting
                else redirect("voting:vote", panel.pk, vote.pk)
            )
    return render(
        request,
        "voting/vote_form.html",
        {
            "panel": panel,
            "meeting": meeting,
            "proposal": proposal,
            "amendment": amendment,
            "consultation": consultation,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


def ballot_context(vote: Vote, membership: Membership) -> dict:
    """The ballot as this person sees it. Showing a vote changes nothing: one whose time is
    up but that is not closed yet says so and takes no ballot (`past_deadline`); the
    scheduled command, or the next ballot cast in it, closes it."""
    vote.refresh_from_db()
    can_for = eligibility.capacities(vote, membership)
    done = casting.voted_for(vote, membership)
    options = list(vote.options.all())
    return vote.vote_method.ballot_context(vote, options) | {
        "vote": vote,
        "options": options,
        "capacities": [m for m in can_for if vote.secret is False or m.pk not in done],
        "voted_for": done,
        "due": eligibility.past_deadline(vote),
        "key": casting.new_key(),
    }


def _vote_page(request: HttpRequest, vote: Vote, membership: Membership, **extra) -> HttpResponse:
    context = ballot_context(vote, membership) | {"panel": vote.panel, "membership": membership}
    if vote.state == Vote.State.CLOSED:
        context["audit_entry"] = audit.entry_for(f"vote:{vote.pk}", AuditAction.VOTE_CLOSED)
        if vote.secret:
            context["receipts"] = casting.published_receipts(vote)
        context["planned_at"] = vote.vote_method.meeting_time(vote.result or {})
        if "answers" in (vote.result or {}):
            context["answers"] = [
                (a, answers.may_propose(membership, vote, a.text)) for a in answers.answers_of(vote)
            ]
            context["open_items"] = answers.open_items(vote.panel)
    if vote.meeting_id:
        context["meeting"] = vote.meeting
        context["keeps_desk"] = attendance.may_keep_desk(membership, vote.meeting)
        context["entered_for_me"] = desk.entered_for(vote, membership)
    return render(request, "voting/vote_detail.html", context | extra)


@require_GET
@login_required
def vote_detail(request: HttpRequest, panel_id: int, vote_id: int) -> HttpResponse:
    vote, membership = vote_for(request.user, panel_id, vote_id)
    # The page of a live vote in progress is part of the meeting: seeing it is being
    # present, as on the meeting's page (a proxy holder who follows the link to vote for
    # their principal leaves the live page, and with it their socket).
    in_progress = vote.mode == Vote.Mode.LIVE and vote.state == Vote.State.OPEN
    if in_progress and vote.meeting.state == Meeting.State.LIVE:
        presence.visit(vote.meeting_id, membership.pk)
    return _vote_page(request, vote, membership)


@require_POST
@login_required
def vote_receipt(request: HttpRequest, panel_id: int, vote_id: int) -> HttpResponse:
    """Check a receipt code: by POST, so that the code never stands in a URL (nor in an
    access log with the voter's address). The answer is the vote page itself, not a
    redirect, for the same reason."""
    vote, membership = vote_for(request.user, panel_id, vote_id)
    if not (vote.secret and vote.state == Vote.State.CLOSED):
        raise Http404
    code = request.POST.get("receipt", "")
    counted = casting.receipt_counted(vote, code)
    return _vote_page(request, vote, membership, receipt_check={"counted": counted})


@require_POST
@login_required
def vote_open(request: HttpRequest, panel_id: int, vote_id: int) -> HttpResponse:
    vote, membership = vote_for(request.user, panel_id, vote_id, Perm.MODERATE)
    try:
        lifecycle.open_vote(membership, vote)
    except VotingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The vote is open."), extra_tags=LIVE_VOTE)
    return _back(request, vote)


@require_POST
@login_required
def vote_close(request: HttpRequest, panel_id: int, vote_id: int) -> HttpResponse:
    vote, membership = vote_for(request.user, panel_id, vote_id, Perm.MODERATE)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid date and time."))
        return _back(request, vote)
    until = form.cleaned_data["written_round_until"]
    try:
        lifecycle.close_vote(membership, vote, written_round_until=until)
    except VotingError as error:
        messages.error(request, str(error))
    else:
        if until:
            messages.success(request, _("The written round has started."), extra_tags=LIVE_VOTE)
        else:
            messages.success(
                request, _("The vote is closed and the result is published."), extra_tags=LIVE_VOTE
            )
    return _back(request, vote)


@require_POST
@login_required
def vote_schedule(request: HttpRequest, panel_id: int, vote_id: int) -> HttpResponse:
    """A closed date poll's best date becomes a meeting (the members are invited)."""
    vote, membership = vote_for(request.user, panel_id, vote_id, Perm.MODERATE)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("title", [])))
        return _back(request, vote)
    try:
        meeting = lifecycle.schedule_from_poll(membership, vote, **form.cleaned_data)
    except VotingError as error:
        messages.error(request, str(error))
        return _back(request, vote)
    messages.success(
        request, _("The meeting is planned and the members have been invited by email.")
    )
    return redirect(meeting)


@require_POST
@login_required
def vote_answer_hide(request: HttpRequest, panel_id: int, vote_id: int) -> HttpResponse:
    """A moderator hides an answer to a closed open question, with a reason."""
    vote, membership = vote_for(request.user, panel_id, vote_id, Perm.MODERATE)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why you hide this answer."))
        return _back(request, vote)
    try:
        answers.hide_answer(
            membership, vote, form.cleaned_data["answer"], form.cleaned_data["reason"]
        )
    except VotingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The answer is hidden."))
    return _back(request, vote)


@require_POST
@login_required
def vote_answer_propose(request: HttpRequest, panel_id: int, vote_id: int) -> HttpResponse:
    """An answer to a closed open question becomes a proposal on an agenda item."""
    vote, membership = vote_for(request.user, panel_id, vote_id, Perm.TAKE_PART)
    form = AnswerForm(request.POST, items=answers.open_items(vote.panel))
    if not form.is_valid():
        messages.error(request, _("Choose an agenda item that takes proposals."))
        return _back(request, vote)
    try:
        proposal = answers.proposal_from_answer(
            membership,
            vote,
            form.cleaned_data["answer"],
            form.cleaned_data["item"],
            form.cleaned_data["title"],
        )
    except VotingError as error:
        messages.error(request, str(error))
        return _back(request, vote)
    messages.success(request, _("The answer is brought in as a proposal."))
    return redirect(proposal)


@require_POST
@login_required
def vote_cast(request: HttpRequest, panel_id: int, vote_id: int) -> HttpResponse:
    vote, membership = vote_for(request.user, panel_id, vote_id, Perm.VIEW_PANEL)
    form = BallotForm(request.POST, vote=vote, voter=membership, htmx=bool(request.htmx))
    if form.is_valid():
        receipts, errors = casting.cast_ballots(membership, vote, **form.cleaned_data)
    else:
        receipts, errors = [], list(form.non_field_errors())
    return _cast_answer(request, vote, receipts, errors)


def _cast_answer(
    request: HttpRequest, vote: Vote, receipts: list[tuple[Membership, str]], errors: list[str]
) -> HttpResponse:
    """How the ballot went: the notice (htmx), or messages on the page it came from."""
    if request.htmx:
        html = render_to_string(
            "voting/cast_result.html",
            {"vote": vote, "errors": errors, "receipts": receipts, "oob": True},
            request=request,
        )
        return HttpResponse(html)
    for error in errors:
        messages.error(request, error)
    if not errors:
        messages.success(request, _("Your vote has been recorded."))
    for person, code in receipts:
        messages.info(
            request,
            _(
                "Receipt code for %(name)s: %(code)s. Keep it: after the close it lets you "
                "check that the ballot was counted (it does not show what was voted)."
            )
            % {"name": isolate(person.user.name), "code": code},
        )
    return _back(request, vote)


@require_GET
@login_required
def vote_csv(request: HttpRequest, panel_id: int, vote_id: int) -> HttpResponse:
    vote, _membership = vote_for(request.user, panel_id, vote_id)
    if vote.state != Vote.State.CLOSED:
        raise Http404
    result = vote.result or {}
    rows: list[list] = [["question", vote.question]]
    keys = ("method", "outcome", "cast", "eligible", "quorum_needed", "winner")
    rows += [[key, result.get(key, "")] for key in keys]
    rows += vote.vote_method.csv_rows(answers.without_hidden(vote, result), results.shares(vote))
    rows += [["receipt", hash_] for hash_ in casting.published_receipts(vote)]
    entry = audit.entry_for(f"vote:{vote.pk}", AuditAction.VOTE_CLOSED)
    if entry is not None:
        rows.append(["audit_log_entry", entry.sequence, entry.hash])
    return csv_response(f"stemming-{vote.pk}.csv", rows)


@require_http_methods(["GET", "POST"])
@login_required
def proxy(request: HttpRequest, panel_id: int, meeting_id: int) -> HttpResponse:
    meeting, membership = meeting_for(request.user, panel_id, meeting_id, Perm.TAKE_PART)
    if request.method == "POST":
        if "paper_reference" in request.POST:
            _paper_proxy(request, meeting, membership)
        else:
            _change_proxy(request, meeting, membership)
        return redirect(reverse("voting:proxy", args=[panel_id, meeting_id]))
    standing = eligibility.standing_proxies(meeting.pk).select_related(
        "principal__user", "holder__user"
    )
    candidates = [
        m
        for m in eligibility.eligible_members(meeting.panel).order_by("user__name")
        if m.pk != membership.pk
    ]
    return render(
        request,
        "voting/proxy.html",
        {
            "panel": meeting.panel,
            "meeting": meeting,
            "membership": membership,
            "given": standing.filter(principal=membership).first(),
            "held": list(standing.filter(holder=membership)),
            "candidates": candidates,
            "all_proxies": list(standing) if membership.can_moderate else [],
            "members": eligibility.eligible_members(meeting.panel).order_by("user__name")
            if membership.can_moderate
            else [],
        },
    )


def _paper_proxy(request: HttpRequest, meeting: Meeting, membership: Membership) -> None:
    """A moderator registers a proxy handed in on paper."""
    try:
        proxy = eligibility.register_paper_proxy(
            membership,
            meeting,
            int_or_none(request.POST.get("principal")),
            int_or_none(request.POST.get("holder")),
            request.POST.get("paper_reference", "")[:1000],
        )
    except VotingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Registered: %(holder)s votes for %(principal)s in this meeting.")
            % {
                "holder": isolate(proxy.holder.user.name),
                "principal": isolate(proxy.principal.user.name),
            },
        )


def _change_proxy(request: HttpRequest, meeting: Meeting, membership: Membership) -> None:
    """Give or revoke a proxy, as the form asks; say how it went in a message."""
    form = ProxyForm(request.POST, meeting=meeting)
    if not form.is_valid():
        messages.error(request, form.non_field_errors()[0])
        return
    given, holder = form.cleaned_data["revoke"], form.cleaned_data["holder"]
    try:
        if given is not None:
            eligibility.revoke_proxy(membership, given)
            messages.success(request, _("The proxy has been revoked."))
        else:
            eligibility.give_proxy(membership, meeting, holder)
            messages.success(
                request,
                _("%(name)s may now vote for you in this meeting.")
                % {"name": isolate(holder.user)},
            )
    except VotingError as error:
        messages.error(request, str(error))
