import sys

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from panels import limits, links, notices, privacy, representation, services
from panels.access import Perm, panel_for
from panels.bidi import isolate
from panels.downloads import attachment
from panels.forms import (
    EraseAccountForm,
    InviteForm,
    MembershipForm,
    NewAccountForm,
    NoticeSettingsForm,
    TextSizeForm,
    ThrottledPasswordResetForm,
)
from panels.models import Attribute, Invitation, Meeting, Membership, User


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = (
        Membership.objects.active()
        .filter(user=request.user)
        .select_related("panel", "panel__corporation", "panel__tenant_organisation")
        .order_by("panel__name")
    )
    return render(request, "panels/home.html", {"memberships": memberships})


@require_GET
@login_required
def panel_detail(request: HttpRequest, panel_id: int) -> HttpResponse:
    panel, membership = panel_for(request.user, panel_id)
    members = panel.memberships.active().select_related("user", "panel").in_display_order()
    meetings = (
        panel.meetings.exclude(state=Meeting.State.CLOSED)
        .exclude(state=Meeting.State.CANCELLED, starts_at__lt=timezone.now())
        .order_by("starts_at")
    )
    past = panel.meetings.filter(state=Meeting.State.CLOSED).order_by("-starts_at")[:10]
    return render(
        request,
        "panels/panel_detail.html",
        {
            "panel": panel,
            "membership": membership,
            "members": members,
            "meetings": [*meetings, *past],
            "links": links.for_member(panel, membership),
        },
    )


def _members_page(request: HttpRequest, panel, membership, invite_form: InviteForm) -> HttpResponse:
    members = panel.memberships.select_related("user", "panel").in_display_order()
    invitations = panel.invitations.pending().select_related("invited_by")
    return render(
        request,
        "panels/members.html",
        {
            "panel": panel,
            "membership": membership,
            "rows": [
                (
                    m,
                    MembershipForm(
                        initial={"role": m.role, "has_voting_rights": m.has_voting_rights},
                        prefix=f"m{m.pk}",
                    ),
                )
                for m in members
            ],
            "invitations": invitations,
            "invite_form": invite_form,
            "valid_days": settings.INVITATION_VALID_DAYS,
        },
        status=400 if invite_form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def members(request: HttpRequest, panel_id: int) -> HttpResponse:
    panel, membership = panel_for(request.user, panel_id, Perm.MANAGE_MEMBERS)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite(membership, **form.cleaned_data)
        except services.PanelError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("panels:members", panel.pk)
    return _members_page(request, panel, membership, form)


@require_POST
@login_required
def member_update(request: HttpRequest, panel_id: int, membership_id: int) -> HttpResponse:
    panel, actor = panel_for(request.user, panel_id, Perm.MANAGE_MEMBERS)
    target = get_object_or_404(Membership, pk=membership_id, panel=panel)
    form = MembershipForm(request.POST, prefix=f"m{target.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
    else:
        try:
            services.change_role(actor, target, **form.cleaned_data)
        except services.PanelError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Saved the role of %(name)s.") % {"name": isolate(target.user)}
            )
    return redirect("panels:members", panel.pk)


@require_POST
@login_required
def member_set_active(request: HttpRequest, panel_id: int, membership_id: int) -> HttpResponse:
    panel, actor = panel_for(request.user, panel_id, Perm.MANAGE_MEMBERS)
    target = get_object_or_404(Membership, pk=membership_id, panel=panel)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(actor, target, active)
    except services.PanelError as error:
        messages.error(request, str(error))
    else:
        if active:
            messages.success(
                request, _("%(name)s is active again.") % {"name": isolate(target.user)}
            )
        else:
            messages.success(
                request, _("%(name)s was deactivated.") % {"name": isolate(target.user)}
            )
    return redirect("panels:members", panel.pk)


@require_POST
@login_required
def invitation_revoke(request: HttpRequest, panel_id: int, invitation_id: int) -> HttpResponse:
    panel, actor = panel_for(request.user, panel_id, Perm.MANAGE_MEMBERS)
    invitation = get_object_or_404(Invitation, pk=invitation_id, panel=panel)
    try:
        services.revoke_invitation(actor, invitation)
    except services.PanelError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The invitation for %(email)s was withdrawn.") % {"email": invitation.email}
        )
    return redirect("panels:members", panel.pk)


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Accept an invitation: attach the logged-in person, or create their account."""
    try:
        invitation = services.check_invitation(token)
    except services.InvitationInvalid as error:
        return render(
            request,
            "panels/invitation_invalid.html",
            {"reason": error.reason, "message": str(error)},
            status=410 if error.reason != "unknown" else 404,
        )
    context = {"invitation": invitation, "token": token}
    user = request.user
    if user.is_authenticated:
        if request.method == "POST":
            try:
                membership = services.accept_invitation(token, user)
            except services.PanelError as error:
                messages.error(request, str(error))
                return redirect("panels:home")
            messages.success(
                request, _("Welcome to %(panel)s.") % {"panel": isolate(membership.panel)}
            )
            return redirect(membership.panel)
        return render(request, "panels/invitation_accept.html", context)

    if User.objects.filter(email__iexact=invitation.email).exists():
        context["login_url"] = f"{reverse('login')}?next={request.path}"
        return render(request, "panels/invitation_login.html", context)

    form = NewAccountForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user, membership = services.accept_invitation_with_new_account(
                token, form.cleaned_data["name"], form.cleaned_data["password1"]
            )
        except services.PanelError as error:
            messages.error(request, str(error))
            return redirect("panels:invitation", token)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome to %(panel)s.") % {"panel": isolate(membership.panel)})
        return redirect(membership.panel)
    context["form"] = form
    return render(
        request, "panels/invitation_signup.html", context, status=400 if form.errors else 200
    )


# --- representativeness ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: HttpRequest, panel_id: int) -> HttpResponse:
    """What a member chooses to share about themselves, with consent; or withdraws."""
    panel, membership = panel_for(request.user, panel_id, Perm.TAKE_PART)
    error = None
    if request.method == "POST":
        if request.POST.get("action") == "withdraw":
            representation.withdraw(membership)
            messages.success(request, _("What you shared has been deleted."))
            return redirect("panels:profile", panel.pk)
        if request.POST.get("consent") != "on":
            error = _("Tick the box to give your consent, or share nothing.")
        else:
            try:
                representation.share(membership, request.POST)
            except services.PanelError as refused:
                error = str(refused)
            else:
                messages.success(request, _("Thank you. You can change or withdraw it here."))
                return redirect("panels:profile", panel.pk)
    current = getattr(membership, "shared_profile", None)
    questions = [
        (attribute, label, representation.values_for(panel, attribute),
         getattr(current, attribute, "") if current else "")
        for attribute, label in Attribute.choices
    ]  # fmt: skip
    return render(
        request,
        "panels/profile.html",
        {"panel": panel, "membership": membership, "questions": questions,
         "current": current, "error": error, "min_cell": representation.MIN_CELL},
        status=400 if error else 200,
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@login_required
def composition(request: HttpRequest, panel_id: int) -> HttpResponse:
    """The constituency's composition, per attribute, as the moderator knows it."""
    panel, membership = panel_for(request.user, panel_id, Perm.MODERATE)
    error = None
    if request.method == "POST":
        try:
            if "neighbourhoods" in request.POST:
                representation.set_neighbourhoods(membership, request.POST["neighbourhoods"])
            else:
                attribute = request.POST.get("attribute", "")
                values = (
                    representation.values_for(panel, attribute)
                    if attribute in Attribute.values
                    else []
                )
                representation.set_composition(
                    membership,
                    attribute,
                    {value: request.POST.get(f"share-{value}", "") for value, _label in values},
                )
        except services.PanelError as refused:
            error = str(refused)
        else:
            messages.success(request, _("Saved."))
            return redirect("panels:composition", panel.pk)
    saved = {(r.attribute, r.value): r.percent for r in panel.composition.all()}
    attributes = [
        (attribute, label, [(v, name, saved.get((attribute, v), "")) for v, name in
                            representation.values_for(panel, attribute)])
        for attribute, label in Attribute.choices
    ]  # fmt: skip
    return render(
        request,
        "panels/composition.html",
        {"panel": panel, "membership": membership, "attributes": attributes, "error": error},
        status=400 if error else 200,
    )


# --- one's own account and data (AVG) ----------------------------------------------------

# Password guesses on the erasure form, per person (the login throttle covers logging in).
ERASE_ATTEMPTS, ERASE_WINDOW = 5, 15 * 60


@require_GET
@login_required
def account(request: HttpRequest) -> HttpResponse:
    memberships = (
        Membership.objects.filter(user=request.user).select_related("panel").order_by("panel__name")
    )
    return render(
        request,
        "panels/account.html",
        {
            "memberships": memberships,
            "retention_days": settings.RETENTION_DAYS,
            "text_size_form": TextSizeForm(initial={"text_size": request.user.text_size}),
            "notice_form": NoticeSettingsForm(
                user=request.user, represents=notices.represents(request.user)
            ),
            "calendar_url": (
                settings.SITE_URL
                + reverse("panels:calendar_feed", args=[request.user.calendar_token])
                if request.user.calendar_token
                else ""
            ),
        },
    )


@require_POST
@login_required
def text_size(request: HttpRequest) -> HttpResponse:
    form = TextSizeForm(request.POST)
    if form.is_valid():
        services.set_text_size(request.user, form.cleaned_data["text_size"])
        messages.success(request, _("Your text size is saved."))
    else:
        # The radio buttons always send a size they offer: this came from a script. The
        # form's own words, never the value sent.
        messages.error(request, form.errors["text_size"][0])
    return redirect("panels:account")


@require_GET
@login_required
def account_data(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(
        privacy.export(request.user), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    attachment(response, "knoppen-mijn-gegevens.json")
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = EraseAccountForm(request.POST if request.method == "POST" else None, user=user)
    error = None
    if request.method == "POST":
        # Counted before the password is checked: a guess over the limit is not tried.
        if not limits.allow(f"erase:{user.pk}", ERASE_ATTEMPTS, ERASE_WINDOW):
            error = _("Too many attempts. Try again in 15 minutes.")
        elif form.is_valid():
            try:
                privacy.erase(user, requested_by="member")
            except privacy.ErasureRefused as refused:
                error = str(refused)
            else:
                logout(request)
                messages.success(
                    request, _("Your personal data has been erased. Thank you for taking part.")
                )
                return redirect("login")
    return render(
        request,
        "panels/account_delete.html",
        {"form": form, "error": error, "last_moderator_of": privacy.last_moderator_of(user)},
    )


class PasswordResetView(auth_views.PasswordResetView):
    """Django's, with the request handed to the form, which counts by the client's address."""

    form_class = ThrottledPasswordResetForm

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "request": self.request}


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token: nothing was done.

    A person who pressed a button on one of our own pages (the form had expired, or was
    sent before the page was ready) goes back to that page with a notice, rather than to an
    error page that ends what they were doing there. Anything else, and every htmx request
    (whose page shows its own notice), gets the 403 page.
    """
    back = request.headers.get("Referer", "")
    ours = url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if back and ours and not request.htmx:
        messages.warning(request, _("Nothing was done: the page was not ready. Please try again."))
        return redirect(back, permanent=False)
    return render(request, "403_csrf.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


# Seconds a browser (or a retrying client) is asked to wait when the server is too busy.
BUSY_RETRY_AFTER = 5
# The error pages are static and carry their own styles: no script, no request, nothing else.
STATIC_PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


def server_error(request: HttpRequest) -> HttpResponse:
    """An uncaught error. The database out of reach (or every pooled connection busy) is no
    defect but a moment of overload: answer 503 "try again in a moment", not 500.

    Both pages render without the database, in both languages. Nothing was half-written:
    every service runs in one transaction. A ballot sent again carries the same key, so it
    is never counted twice.
    """
    if isinstance(sys.exc_info()[1], OperationalError):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(BUSY_RETRY_AFTER)
    else:
        response = HttpResponse(loader.render_to_string("500.html"), status=500)
    response["Content-Security-Policy"] = STATIC_PAGE_POLICY
    return response


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch (the NL / EN buttons); a person who is logged in also gets
    their emails in the language they chose (panels/mail.py)."""
    response = i18n_views.set_language(request)
    language = request.POST.get("language")
    user = request.user
    if user.is_authenticated and language in dict(settings.LANGUAGES) and user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
    return response
