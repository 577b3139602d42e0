"""Agreement pages: list, draft, read and sign, edit, history, print, export, terugkoppeling."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agreements import services
from agreements.forms import AgreementForm
from agreements.models import (
    SECTIONS,
    Agreement,
    InputResponse,
    Signature,
    content_of,
    hash_content,
)
from agreements.pdf import render_pdf
from panels import audit, links
from panels.access import Perm, panel_for
from panels.downloads import attachment, csv_response
from panels.models import AuditAction
from panels.pages import first_per_version, int_or_none, versions_to_compare
from voting import text as texts
from voting.models import Consultation, Proposal, Vote
from voting.results import outcome_label


def agreement_for(user, panel_id: int, agreement_id: int, perm: Perm = Perm.VIEW_PANEL):
    panel, membership = panel_for(user, panel_id, perm)
    agreement = Agreement.objects.filter(pk=agreement_id, panel=panel).first()
    if agreement is None:
        raise Http404
    return agreement, membership


def _adopted(panel):
    return (
        Proposal.objects.filter(item__meeting__panel=panel, state=Proposal.State.ADOPTED)
        .select_related("item__meeting")
        .order_by("-pk")
    )


@require_GET
@login_required
def agreement_list(request: HttpRequest, panel_id: int) -> HttpResponse:
    panel, membership = panel_for(request.user, panel_id)
    agreements = [(a, services.in_force(a)) for a in panel.agreements.all()]
    return render(
        request,
        "agreements/list.html",
        {
            "panel": panel,
            "membership": membership,
            "agreements": agreements,
            "can_draft": services.can_draft(membership),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def agreement_new(request: HttpRequest, panel_id: int) -> HttpResponse:
    panel, membership = panel_for(request.user, panel_id, Perm.DRAFT_AGREEMENTS)
    adopted = list(_adopted(panel))
    form = AgreementForm(request.POST or None)
    chosen = {int(x) for x in request.POST.getlist("sources") if x.isdigit()}
    if not request.POST:
        chosen = {int(x) for x in request.GET.getlist("proposal") if x.isdigit()}
        first = next((p for p in adopted if p.pk in chosen), None)
        if first is not None:
            form = AgreementForm(initial={"title": first.title, "topic": first.text})
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in SECTIONS}
        try:
            agreement = services.create_agreement(
                membership, sources=[p for p in adopted if p.pk in chosen], **fields
            )
        except services.AgreementError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The agreement is drafted."))
            return redirect("agreements:detail", panel.pk, agreement.pk)
    return render(
        request,
        "agreements/form.html",
        {"panel": panel, "form": form, "adopted": adopted, "chosen": chosen},
        status=400 if form.errors else 200,
    )


def _sources(agreement: Agreement) -> list[dict]:
    rows = []
    for proposal in agreement.sources.select_related("submitter__user").order_by("pk"):
        vote = (
            Vote.objects.filter(proposal=proposal, state=Vote.State.CLOSED).order_by("-pk").first()
        )
        outcome = outcome_label(vote.result.get("outcome")) if vote and vote.result else ""
        rows.append({"proposal": proposal, "vote": vote, "outcome": outcome})
    return rows


@require_GET
@login_required
def agreement_detail(request: HttpRequest, panel_id: int, agreement_id: int) -> HttpResponse:
    agreement, membership = agreement_for(request.user, panel_id, agreement_id)
    return render(
        request,
        "agreements/detail.html",
        {
            "panel": agreement.panel,
            "agreement": agreement,
            "membership": membership,
            "in_force": services.in_force(agreement),
            "signatures": agreement.signatures.select_related("signed_by__user"),
            "valid": list(services.valid_signatures(agreement).values_list("party", flat=True)),
            "content_hash": agreement.content_hash(),
            "can_draft": services.can_draft(membership),
            "sources": _sources(agreement),
            "following": agreement.followers.filter(pk=membership.pk).exists(),
            "audit_entry": _signed_entry(agreement, agreement.version),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def agreement_edit(request: HttpRequest, panel_id: int, agreement_id: int) -> HttpResponse:
    agreement, membership = agreement_for(
        request.user, panel_id, agreement_id, Perm.DRAFT_AGREEMENTS
    )
    initial = content_of(agreement) | {
        "review_date": agreement.review_date,
        "base_version": agreement.version,
    }
    form = AgreementForm(request.POST or None, initial=initial)
    changed = None
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in SECTIONS}
        try:
            services.edit_agreement(
                membership,
                agreement,
                base_version=form.cleaned_data["base_version"] or 0,
                reason=form.cleaned_data["reason"],
                **fields,
            )
        except services.StaleAgreement as stale:
            base = agreement.history.filter(version=form.cleaned_data["base_version"]).first()
            changed = section_diffs(base, stale.agreement) if base else None
            data = request.POST.copy()
            data["base_version"] = stale.agreement.version
            form = AgreementForm(data)
            form.is_valid()
            form.add_error(None, str(stale))
        except services.AgreementError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("A new version is saved. Signatures must be given again."))
            return redirect("agreements:detail", agreement.panel_id, agreement.pk)
    return render(
        request,
        "agreements/form.html",
        {"panel": agreement.panel, "agreement": agreement, "form": form, "changed": changed},
        status=409 if changed else (400 if form.errors else 200),
    )


@require_POST
@login_required
def agreement_sign(request: HttpRequest, panel_id: int, agreement_id: int) -> HttpResponse:
    agreement, membership = agreement_for(request.user, panel_id, agreement_id)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = 0
    try:
        services.sign(
            membership,
            agreement,
            version=version,
            content_hash=request.POST.get("content_hash", "")[:64],
        )
    except services.AgreementError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You have signed this version."))
    return redirect("agreements:detail", agreement.panel_id, agreement.pk)


@require_POST
@login_required
def agreement_follow(request: HttpRequest, panel_id: int, agreement_id: int) -> HttpResponse:
    agreement, membership = agreement_for(request.user, panel_id, agreement_id)
    following = request.POST.get("follow") == "1"
    services.follow(membership, agreement, following)
    if following:
        messages.success(request, _("You will get an email when this agreement changes."))
    else:
        messages.success(request, _("You no longer follow this agreement."))
    return redirect("agreements:detail", agreement.panel_id, agreement.pk)


@require_POST
@login_required
def agreement_restore(request: HttpRequest, panel_id: int, agreement_id: int) -> HttpResponse:
    agreement, membership = agreement_for(
        request.user, panel_id, agreement_id, Perm.DRAFT_AGREEMENTS
    )
    try:
        version = int(request.POST.get("version", ""))
        services.restore_version(membership, agreement, version)
    except ValueError:
        messages.error(request, _("This version does not exist."))
    except services.AgreementError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The old version is restored as a new version."))
    return redirect("agreements:detail", agreement.panel_id, agreement.pk)


def section_diffs(old, new) -> list[dict]:
    """Per section: its label and a word-level diff between two versions."""
    rows = []
    old_content, new_content = content_of(old), content_of(new)
    for name in SECTIONS:
        a, b = str(old_content[name] or ""), str(new_content[name] or "")
        rows.append(
            {
                "label": Agreement._meta.get_field(name).verbose_name,
                "changed": a != b,
                "diff": texts.diff_html(a, b),
            }
        )
    return rows


@require_GET
@login_required
def agreement_history(request: HttpRequest, panel_id: int, agreement_id: int) -> HttpResponse:
    agreement, membership = agreement_for(request.user, panel_id, agreement_id)
    records = first_per_version(agreement.history)
    by_number = {r.version: r for r in records}
    a, b = versions_to_compare(request, list(by_number))
    return render(
        request,
        "agreements/history.html",
        {
            "panel": agreement.panel,
            "agreement": agreement,
            "membership": membership,
            "versions": records,
            "a": a,
            "b": b,
            "diffs": section_diffs(by_number[a], by_number[b]),
            "can_draft": services.can_draft(membership),
        },
    )


def _version_context(request: HttpRequest, panel_id: int, agreement_id: int) -> dict:
    """One version of an agreement with what a printed copy shows; 404 if it does not exist."""
    agreement, _membership = agreement_for(request.user, panel_id, agreement_id)
    try:
        version = int(request.GET.get("version", agreement.version))
    except ValueError:
        version = agreement.version
    record = agreement.history.filter(version=version).order_by("-history_date").first()
    if record is None:
        raise Http404
    return {
        "panel": agreement.panel,
        "agreement": agreement,
        "record": record,
        "version": version,
        "content_hash": hash_content(agreement.pk, version, content_of(record)),
        "signatures": agreement.signatures.filter(version=version).select_related(
            "signed_by__user"
        ),
        "sources": _sources(agreement),
        "audit_entry": _signed_entry(agreement, version),
    }


def _signed_entry(agreement: Agreement, version: int):
    """The audit entry of the latest signature of this version, whose hash the page prints."""
    return audit.entry_for(
        f"agreement:{agreement.pk}", AuditAction.AGREEMENT_SIGNED, version=version
    )


@require_GET
@login_required
def agreement_print(request: HttpRequest, panel_id: int, agreement_id: int) -> HttpResponse:
    """A printable page of any version, with its hash, signatures and sources."""
    return render(
        request, "agreements/print.html", _version_context(request, panel_id, agreement_id)
    )


@require_GET
@login_required
def agreement_pdf(request: HttpRequest, panel_id: int, agreement_id: int) -> HttpResponse:
    """The same as a PDF file."""
    context = _version_context(request, panel_id, agreement_id)
    body = render_pdf(
        panel=context["panel"],
        record=context["record"],
        version=context["version"],
        content_hash=context["content_hash"],
        signatures=context["signatures"],
        sources=context["sources"],
        audit_entry=context["audit_entry"],
    )
    name = f"procesafspraak-{context['agreement'].pk}-v{context['version']}.pdf"
    return attachment(HttpResponse(body, content_type="application/pdf"), name)


@require_GET
@login_required
def agreement_export(request: HttpRequest, panel_id: int, agreement_id: int, fmt: str):
    """The whole history of an agreement as CSV or JSON: every version, every signature."""
    agreement, _membership = agreement_for(request.user, panel_id, agreement_id)
    rows = [
        {
            "version": r.version,
            "saved_at": r.history_date.isoformat(),
            "saved_by": r.history_user.name if r.history_user else "",
            "reason": r.history_change_reason or "",
            "content_hash": hash_content(agreement.pk, r.version, content_of(r)),
            **content_of(r),
        }
        for r in first_per_version(agreement.history)
    ]
    signatures = [
        {
            "version": s.version,
            "party": s.party,
            "signed_by": s.signed_by.user.name,
            "signed_at": s.signed_at.isoformat(),
            "content_hash": s.content_hash,
            "voided_at": s.voided_at.isoformat() if s.voided_at else None,
        }
        for s in agreement.signatures.select_related("signed_by__user")
    ]
    if fmt == "json":
        return JsonResponse(
            {"agreement": agreement.pk, "versions": rows, "signatures": signatures},
            json_dumps_params={"ensure_ascii": False, "indent": 2},
        )
    header = list(rows[0]) if rows else ["version"]
    return csv_response(
        f"procesafspraak-{agreement.pk}.csv", [header, *(row.values() for row in rows)]
    )


@require_GET
@login_required
def feedback(request: HttpRequest, panel_id: int) -> HttpResponse:
    """Terugkoppeling: every proposal to its outcome, and every agreement to its sources."""
    panel, membership = panel_for(request.user, panel_id)
    proposals = (
        Proposal.objects.filter(item__meeting__panel=panel, hidden_at__isnull=True)
        .exclude(state=Proposal.State.DRAFT)
        .select_related(
            "submitter__user", "item__meeting", "response__answered_by__user", "from_vote"
        )
        .prefetch_related("agreements", "votes")
        .order_by("-pk")
    )
    rows = []
    for proposal in proposals:
        closed = [v for v in proposal.votes.all() if v.state == Vote.State.CLOSED]
        rows.append(
            {
                "proposal": proposal,
                "vote": closed[-1] if closed else None,
                "agreements": [(a, services.in_force(a)) for a in proposal.agreements.all()],
                "mine": proposal.submitter_id == membership.pk,
                # The meeting's own record (its minutes, once it closed), where registered.
                "meeting_links": links.for_meeting(proposal.item.meeting),
            }
        )
    known, brought_in = services.known_outcomes(
        Proposal.objects.filter(item__meeting__panel=panel, hidden_at__isnull=True)
    )
    consulted = (
        Consultation.objects.filter(panel=panel, state=Consultation.State.CLOSED)
        .select_related("responded_by__user")
        .order_by("-closed_at")
    )
    return render(
        request,
        "agreements/feedback.html",
        {
            "panel": panel,
            "membership": membership,
            "rows": rows,
            "consultations": consulted,
            "known": known,
            "brought_in": brought_in,
            "answers": membership.signs_for == Signature.Party.CORPORATION,
            "statuses": InputResponse.Status.choices,
        },
    )


@require_POST
@login_required
def answer(request: HttpRequest, panel_id: int) -> HttpResponse:
    """The corporation's answer to an adopted proposal (the service checks who may)."""
    panel, membership = panel_for(request.user, panel_id)
    proposal = Proposal.objects.filter(
        pk=int_or_none(request.POST.get("proposal")), item__meeting__panel=panel
    ).first()
    try:
        if proposal is None:
            raise services.AgreementError(_("This proposal does not exist (any more)."))
        services.answer_input(
            membership,
            proposal,
            status=request.POST.get("status", ""),
            reasons=request.POST.get("reasons", ""),
        )
    except services.AgreementError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The answer is saved; those involved hear of it by email."))
    return redirect("agreements:feedback", panel.pk)
