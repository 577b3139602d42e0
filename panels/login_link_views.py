"""Log in with a link by email (panels/login_links.py): ask for one, then use it."""

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from panels import login_links
from panels.addresses import request_address
from panels.forms import LoginLinkForm
from panels.pages import redirect_back

BACKEND = "sesame.backends.ModelBackend"


def _page_here(value: str) -> str:
    """A `next` that is a path on this site, else "": it travels through an email."""
    if value and len(value) <= 2000 and url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return value
    return ""


@require_http_methods(["GET", "POST"])
def login_link(request: HttpRequest) -> HttpResponse:
    """Ask for a link. Every valid request gets the same answer, sent or not."""
    next_url = _page_here(request.POST.get("next") or request.GET.get("next", ""))
    form = LoginLinkForm(request.POST or None)
    if form.is_valid():
        login_links.send_login_link(form.cleaned_data["email"], request_address(request), next_url)
        return render(
            request, "registration/login_link_sent.html", {"minutes": login_links.MINUTES}
        )
    context = {"form": form, "next": next_url, "minutes": login_links.MINUTES}
    return render(request, "registration/login_link_form.html", context)


@require_http_methods(["GET", "POST"])
def login_link_use(request: HttpRequest) -> HttpResponse:
    """The page the link opens: a button that logs in (a GET spends nothing)."""
    if request.method == "POST":
        user = login_links.use_login_link(request.POST.get("sesame", ""))
        if user is None:
            return _link_does_not_work(request, status=400)
        login(request, user, backend=BACKEND)
        return redirect_back(request, "panels:home")
    token = request.GET.get("sesame", "")
    if not login_links.valid(token):
        return _link_does_not_work(request, status=200)
    context = {"token": token, "next": _page_here(request.GET.get("next", ""))}
    return render(request, "registration/login_link_use.html", context)


def _link_does_not_work(request: HttpRequest, status: int) -> HttpResponse:
    return render(
        request,
        "registration/login_link_invalid.html",
        {"minutes": login_links.MINUTES},
        status=status,
    )
