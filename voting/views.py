"""Proposal and amendment pages. Thin: find with an access check, call one service, render."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from panels.access import Perm
from panels.pages import first_per_version, redirect_back, versions_to_compare
from voting import amendments, proposals
from voting import text as texts
from voting.access import amendment_for, item_for, proposal_for
from voting.errors import VotingError
from voting.forms import AmendmentForm, ProposalForm, ReasonForm, WindowForm
from voting.models import Amendment, Proposal


def _do(request: HttpRequest, action: Callable[[], object], success: str, fallback):
    try:
        action()
    except VotingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect_back(request, fallback)


# --- proposals ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def proposal_new(request: HttpRequest, panel_id: int, item_id: int) -> HttpResponse:
    item, membership = item_for(request.user, panel_id, item_id, Perm.TAKE_PART)
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = proposals.create_proposal(
                membership,
                item,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                submit=request.POST.get("draft") != "1",
            )
        except VotingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your proposal has been saved."))
            return redirect(proposal)
    return render(
        request,
        "voting/proposal_form.html",
        {"item": item, "meeting": item.meeting, "panel": item.meeting.panel, "form": form},
        status=400 if form.errors else 200,
    )


def _detail_context(proposal: Proposal, membership) -> dict:
    shown = list(proposal.amendments.select_related("author__user").order_by("created_at", "pk"))
    if not membership.can_moderate:
        shown = [a for a in shown if not a.is_hidden]
    rows = []
    for amendment in shown:
        rows.append(
            {
                "amendment": amendment,
                "diff": texts.diff_html(amendment.base_text, amendment.proposed_text),
                "result": texts.text_html(amendment.proposed_text),
                "outdated": amendment.is_outdated,
                "applies": amendments.can_apply(amendment) if amendment.is_open else False,
                "changes_since": texts.diff_html(amendment.base_text, proposal.text)
                if amendment.is_outdated and amendment.is_open
                else "",
            }
        )
    return {
        "proposal": proposal,
        "panel": proposal.item.meeting.panel,
        "meeting": proposal.item.meeting,
        "membership": membership,
        "text_html": texts.text_html(proposal.text),
        "rows": rows,
        "is_submitter": proposal.submitter_id == membership.pk,
        "is_supporter": proposal.supporters.filter(pk=membership.pk).exists(),
        "supporters": proposal.supporters.select_related("user"),
    }


@require_GET
@login_required
def proposal_detail(request: HttpRequest, panel_id: int, proposal_id: int) -> HttpResponse:
    proposal, membership = proposal_for(request.user, panel_id, proposal_id)
    return render(request, "voting/proposal_detail.html", _detail_context(proposal, membership))


@require_http_methods(["GET", "POST"])
@login_required
def proposal_edit(request: HttpRequest, panel_id: int, proposal_id: int) -> HttpResponse:
    proposal, membership = proposal_for(request.user, panel_id, proposal_id, Perm.TAKE_PART)
    if proposal.submitter_id != membership.pk:
        raise PermissionDenied
    initial = {"title": proposal.title, "text": proposal.text, "base_version": proposal.version}
    form = ProposalForm(request.POST or None, initial=initial)
    changed = None
    if request.method == "POST" and form.is_valid():
        try:
            proposals.edit_proposal(
                membership,
                proposal,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                base_version=form.cleaned_data["base_version"],
            )
        except proposals.StaleVersion as stale:
            changed = texts.diff_html(stale.base_text, stale.proposal.text)
            # Keep what was typed; the next save is made against the current version.
            data = request.POST.copy()
            data["base_version"] = stale.proposal.version
            form = ProposalForm(data)
            form.is_valid()
            form.add_error(None, str(stale))
        except VotingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your proposal has been saved."))
            return redirect(proposal)
    return render(
        request,
        "voting/proposal_form.html",
        {
            "proposal": proposal,
            "item": proposal.item,
            "meeting": proposal.item.meeting,
            "panel": proposal.item.meeting.panel,
            "form": form,
            "changed": changed,
        },
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def proposal_action(request: HttpRequest, panel_id: int, proposal_id: int, action: str):
    """submit / withdraw / admit / support / unsupport."""
    needs = {"admit": Perm.MODERATE, "support": Perm.TAKE_PART, "unsupport": Perm.TAKE_PART}
    proposal, membership = proposal_for(
        request.user, panel_id, proposal_id, needs.get(action, Perm.VIEW_PANEL)
    )
    actions = {
        "submit": (proposals.submit_proposal, _("Your proposal has been submitted.")),
        "withdraw": (proposals.withdraw_proposal, _("The proposal has been withdrawn.")),
        "admit": (proposals.admit_proposal, _("The proposal is on the floor.")),
        "support": (
            lambda m, p: proposals.support_proposal(m, p, True),
            _("You support this proposal."),
        ),
        "unsupport": (
            lambda m, p: proposals.support_proposal(m, p, False),
            _("You no longer support this proposal."),
        ),
    }
    service, success = actions[action]
    return _do(request, lambda: service(membership, proposal), success, proposal)


@require_POST
@login_required
def proposal_window(request: HttpRequest, panel_id: int, proposal_id: int) -> HttpResponse:
    proposal, membership = proposal_for(request.user, panel_id, proposal_id, Perm.MODERATE)
    form = WindowForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid date and time."))
        return redirect_back(request, proposal)
    open_, until = form.cleaned_data["open"], form.cleaned_data["until"]
    return _do(
        request,
        lambda: proposals.set_amendment_window(membership, proposal, open_, until),
        _("Amendments are open.") if open_ else _("Amendments are closed."),
        proposal,
    )


@require_POST
@login_required
def item_window(request: HttpRequest, panel_id: int, item_id: int) -> HttpResponse:
    item, membership = item_for(request.user, panel_id, item_id, Perm.MODERATE)
    form = WindowForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid date and time."))
        return redirect_back(request, item.meeting)
    open_, until = form.cleaned_data["open"], form.cleaned_data["until"]
    return _do(
        request,
        lambda: proposals.set_submissions(membership, item, open_, until),
        _("Proposals are open.") if open_ else _("Proposals are closed."),
        item.meeting,
    )


@require_http_methods(["GET", "POST"])
@login_required
def proposal_hide(request: HttpRequest, panel_id: int, proposal_id: int) -> HttpResponse:
    proposal, membership = proposal_for(request.user, panel_id, proposal_id, Perm.MODERATE)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        proposals.hide_proposal(membership, proposal, form.cleaned_data["reason"])
        messages.success(request, _("The proposal is hidden."))
        return redirect(proposal.item.meeting)
    return render(
        request,
        "voting/hide.html",
        {"panel": proposal.item.meeting.panel, "thing": proposal, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def proposal_history(request: HttpRequest, panel_id: int, proposal_id: int) -> HttpResponse:
    proposal, membership = proposal_for(request.user, panel_id, proposal_id)
    versions = versions_of(proposal)
    a, b = versions_to_compare(request, [v["version"] for v in versions])
    by_number = {v["version"]: v for v in versions}
    return render(
        request,
        "voting/proposal_history.html",
        {
            "proposal": proposal,
            "panel": proposal.item.meeting.panel,
            "meeting": proposal.item.meeting,
            "versions": versions,
            "a": a,
            "b": b,
            "diff": texts.diff_html(by_number[a]["text"], by_number[b]["text"]),
        },
    )


def versions_of(proposal: Proposal) -> list[dict]:
    """One entry per text version: who made it, when, and why (from the history)."""
    return [
        {
            "version": record.version,
            "text": record.text,
            "title": record.title,
            "author": record.history_user,
            "date": record.history_date,
            "reason": record.history_change_reason,
            "amendment_id": record.produced_by_id,
        }
        for record in first_per_version(proposal.history)
    ]


# --- amendments -----------------------------------------------------------------------


def _amendment_form_page(request, proposal, form, changed=None, amendment=None, status=200):
    return render(
        request,
        "voting/amendment_form.html",
        {
            "proposal": proposal,
            "panel": proposal.item.meeting.panel,
            "meeting": proposal.item.meeting,
            "paragraphs": proposal.paragraphs,
            "form": form,
            "changed": changed,
            "amendment": amendment,
        },
        status=status,
    )


def _amendment_submit(request, proposal, membership, amendment=None) -> HttpResponse:
    form = AmendmentForm(request.POST, paragraphs=proposal.paragraphs)
    if not form.is_valid():
        return _amendment_form_page(request, proposal, form, amendment=amendment, status=400)
    try:
        # The form's fields are the service's arguments: kind, paragraph, new_text,
        # rationale and base_version.
        if amendment is None:
            amendments.propose_amendment(membership, proposal, **form.cleaned_data)
        else:
            amendments.rework_amendment(membership, amendment, **form.cleaned_data)
    except proposals.StaleVersion as stale:
        # Show what changed, keep everything typed, and aim the next try at the new version.
        fresh = Proposal.objects.get(pk=proposal.pk)
        post = request.POST.copy()
        post["base_version"] = fresh.version
        form = AmendmentForm(post, paragraphs=fresh.paragraphs)
        form.is_valid()
        form.add_error(None, str(stale))
        changed = texts.diff_html(stale.base_text, fresh.text)
        return _amendment_form_page(request, fresh, form, changed, amendment, status=409)
    except VotingError as error:
        form.add_error(None, str(error))
        return _amendment_form_page(request, proposal, form, amendment=amendment, status=400)
    messages.success(request, _("Your amendment has been saved."))
    return redirect(proposal)


@require_http_methods(["GET", "POST"])
@login_required
def amendment_new(request: HttpRequest, panel_id: int, proposal_id: int) -> HttpResponse:
    proposal, membership = proposal_for(request.user, panel_id, proposal_id, Perm.TAKE_PART)
    if request.method == "POST":
        return _amendment_submit(request, proposal, membership)
    initial = {"base_version": proposal.version, "kind": Amendment.Kind.REPLACE}
    paragraph = request.GET.get("paragraph", "")
    if paragraph.isdigit() and int(paragraph) < len(proposal.paragraphs):
        initial["paragraph"] = paragraph
        initial["new_text"] = proposal.paragraphs[int(paragraph)]
    form = AmendmentForm(initial=initial, paragraphs=proposal.paragraphs)
    return _amendment_form_page(request, proposal, form)


@require_http_methods(["GET", "POST"])
@login_required
def amendment_edit(request: HttpRequest, panel_id: int, amendment_id: int) -> HttpResponse:
    amendment, membership = amendment_for(request.user, panel_id, amendment_id, Perm.TAKE_PART)
    proposal = amendment.proposal
    if amendment.author_id != membership.pk:
        raise PermissionDenied
    if request.method == "POST":
        return _amendment_submit(request, proposal, membership, amendment)
    form = AmendmentForm(
        initial={
            "kind": amendment.kind,
            "paragraph": amendment.paragraph,
            "new_text": amendment.new_text,
            "rationale": amendment.rationale,
            "base_version": proposal.version,
        },
        paragraphs=proposal.paragraphs,
    )
    changed = texts.diff_html(amendment.base_text, proposal.text) if amendment.is_outdated else None
    return _amendment_form_page(request, proposal, form, changed, amendment)


@require_POST
@login_required
def amendment_action(request: HttpRequest, panel_id: int, amendment_id: int, action: str):
    """accept / withdraw / to-vote / rebase."""
    needs = {"to-vote": Perm.MODERATE}
    amendment, membership = amendment_for(
        request.user, panel_id, amendment_id, needs.get(action, Perm.VIEW_PANEL)
    )
    actions = {
        "accept": (amendments.accept_amendment, _("The amendment is accepted: a new version.")),
        "withdraw": (amendments.withdraw_amendment, _("The amendment has been withdrawn.")),
        "to-vote": (amendments.put_amendment_to_vote, _("The amendment will be put to the vote.")),
        "rebase": (
            amendments.rebase_amendment,
            _("The amendment now applies to the current version."),
        ),
    }
    service, success = actions[action]
    return _do(request, lambda: service(membership, amendment), success, amendment.proposal)


@require_http_methods(["GET", "POST"])
@login_required
def amendment_hide(request: HttpRequest, panel_id: int, amendment_id: int) -> HttpResponse:
    amendment, membership = amendment_for(request.user, panel_id, amendment_id, Perm.MODERATE)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        amendments.hide_amendment(membership, amendment, form.cleaned_data["reason"])
        messages.success(request, _("The amendment is hidden."))
        return redirect(amendment.proposal)
    return render(
        request,
        "voting/hide.html",
        {"panel": amendment.proposal.item.meeting.panel, "thing": amendment, "form": form},
        status=400 if form.errors else 200,
    )
