"""Consultation pages: the list, preparing one, answering it question by question, the
results with the moderator's summary and the corporation's answer. Thin views over
voting/consultations.py; each question is a vote and is cast through the vote's own form
(voting/vote_views.py: vote_cast), which comes back to the next question."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from panels.access import Perm, panel_for
from voting import consultations
from voting.access import consultation_for
from voting.errors import VotingError
from voting.forms import ConsultationForm, TextForm
from voting.models import Consultation
from voting.vote_views import ballot_context


@require_GET
@login_required
def consultation_list(request: HttpRequest, panel_id: int) -> HttpResponse:
    panel, membership = panel_for(request.user, panel_id)
    shown = Consultation.objects.filter(panel=panel)
    if not membership.can_moderate:
        shown = shown.exclude(state=Consultation.State.DRAFT)
    rows = [(c, consultations.progress(c, membership)) for c in shown.order_by("-closes_at")]
    return render(
        request,
        "voting/consultation_list.html",
        {"panel": panel, "membership": membership, "rows": rows},
    )


@require_http_methods(["GET", "POST"])
@login_required
def consultation_new(request: HttpRequest, panel_id: int) -> HttpResponse:
    panel, membership = panel_for(request.user, panel_id, Perm.MODERATE)
    form = ConsultationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consultation = consultations.create(membership, **form.cleaned_data)
        except VotingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The consultation is prepared. Now add its questions."))
            return redirect(consultation)
    return render(
        request,
        "voting/consultation_form.html",
        {"panel": panel, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def consultation_detail(request: HttpRequest, panel_id: int, consultation_id: int) -> HttpResponse:
    consultation, membership = consultation_for(request.user, panel_id, consultation_id)
    answered, total = consultations.progress(consultation, membership)
    questions = list(consultation.questions.order_by("pk"))
    mine = set(
        consultation.questions.filter(participations__on_behalf_of=membership).values_list(
            "pk", flat=True
        )
    )
    shows_turnout = membership.can_moderate or consultation.turnout_public
    return render(
        request,
        "voting/consultation_detail.html",
        {
            "panel": consultation.panel,
            "membership": membership,
            "consultation": consultation,
            "questions": [(number, q, q.pk in mine) for number, q in enumerate(questions, 1)],
            "answered": answered,
            "total": total,
            "turnout": consultations.turnout(consultation) if shows_turnout else None,
            "may_respond": consultations.may_respond(membership),
        },
    )


@require_GET
@login_required
def consultation_question(
    request: HttpRequest, panel_id: int, consultation_id: int, number: int
) -> HttpResponse:
    """Question `number` of the consultation, with its ballot ("question 3 of 7")."""
    consultation, membership = consultation_for(request.user, panel_id, consultation_id)
    questions = list(consultation.questions.order_by("pk"))
    if not 1 <= number <= len(questions):
        raise Http404
    vote = questions[number - 1]

    def question_url(n: int) -> str:
        return reverse("voting:consultation_question", args=[panel_id, consultation.pk, n])

    after = question_url(number + 1) if number < len(questions) else consultation.get_absolute_url()
    answered, total = consultations.progress(consultation, membership)
    return render(
        request,
        "voting/consultation_question.html",
        ballot_context(vote, membership)
        | {
            "panel": consultation.panel,
            "membership": membership,
            "consultation": consultation,
            "number": number,
            "total": total,
            "answered": answered,
            "previous_url": question_url(number - 1) if number > 1 else None,
            "next_url": after,
            "is_last": number == len(questions),
        },
    )


def _act(request: HttpRequest, consultation: Consultation, action, success: str) -> HttpResponse:
    try:
        action()
    except VotingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect(consultation)


@require_POST
@login_required
def consultation_open(request: HttpRequest, panel_id: int, consultation_id: int) -> HttpResponse:
    consultation, membership = consultation_for(
        request.user, panel_id, consultation_id, Perm.MODERATE
    )
    return _act(
        request,
        consultation,
        lambda: consultations.open_consultation(membership, consultation),
        _("The consultation is open: the members can answer it now."),
    )


@require_POST
@login_required
def consultation_close(request: HttpRequest, panel_id: int, consultation_id: int) -> HttpResponse:
    consultation, membership = consultation_for(
        request.user, panel_id, consultation_id, Perm.MODERATE
    )
    return _act(
        request,
        consultation,
        lambda: consultations.close_consultation(membership, consultation),
        _("The consultation is closed and its results are published."),
    )


def _text_action(request, panel_id, consultation_id, perm, service, success) -> HttpResponse:
    consultation, membership = consultation_for(request.user, panel_id, consultation_id, perm)
    form = TextForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("text", []):
            messages.error(request, error)
        return redirect(consultation)
    return _act(
        request,
        consultation,
        lambda: service(membership, consultation, form.cleaned_data["text"]),
        success,
    )


@require_POST
@login_required
def consultation_summary(request: HttpRequest, panel_id: int, consultation_id: int) -> HttpResponse:
    return _text_action(
        request,
        panel_id,
        consultation_id,
        Perm.MODERATE,
        consultations.write_summary,
        _("The summary is published."),
    )


@require_POST
@login_required
def consultation_response(
    request: HttpRequest, panel_id: int, consultation_id: int
) -> HttpResponse:
    # The service checks that this person answers for the corporation.
    return _text_action(
        request,
        panel_id,
        consultation_id,
        Perm.VIEW_PANEL,
        consultations.respond,
        _("The corporation's answer is published."),
    )
