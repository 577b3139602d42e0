"""A person's notices and calendar: their settings, the one-click unsubscribe from an
email, and the secret address of their calendar feed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from panels import ics, notices
from panels.forms import NoticeSettingsForm
from panels.models import NoticeKind, User


@require_POST
@login_required
def notice_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = NoticeSettingsForm(request.POST, user=user, represents=notices.represents(user))
    if form.is_valid():  # (check boxes: any value is on, a missing one off)
        data = form.cleaned_data
        wanted = {k: data.get(k, getattr(user, notices.field(k))) for k in NoticeKind.values}
        notices.save_settings(user, digest=data["digest"], **wanted)
        messages.success(request, _("Your notice settings are saved."))
    return redirect("panels:account")


# Without a login or a CSRF token: RFC 8058's one-click unsubscribe is a POST from the
# mail program, with no cookie. The signed token is the only authority, and all it can do
# is turn notices off.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = notices.read_unsubscribe_token(token)
    if found is None:
        return render(request, "panels/unsubscribe.html", {"invalid": True}, status=404)
    user, kind = found
    context = {
        "kind": kind,
        "label": None if kind == notices.ALL else NoticeKind(kind).label,
        "done": request.method == "POST",
    }
    if request.method == "POST":
        notices.turn_off(user, kind)
    return render(request, "panels/unsubscribe.html", context)


@require_POST
@login_required
def calendar_address(request: HttpRequest) -> HttpResponse:
    """A new secret address for the person's calendar feed; the old one stops working."""
    ics.renew_feed_address(request.user)
    messages.success(request, _("Your calendar has a new address. Add it to your calendar app."))
    return redirect("panels:account")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The person's meetings, for a calendar app to subscribe to (it sends no cookie)."""
    user = User.objects.filter(calendar_token=token, is_active=True).first() if token else None
    if user is None:
        raise Http404
    response = HttpResponse(ics.feed(user), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
