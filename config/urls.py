from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import health
from overview import urls as overview_urls
from panels.forms import EmailAuthenticationForm
from panels.views import PasswordResetView, set_language
from voting import urls as voting_urls

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm),
        name="login",
    ),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    # Django's language switch, which also remembers the choice for the person's emails.
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("panels.urls")),
    # The participation pages live in overview/ (the top layer) and keep their names in the
    # voting namespace, where they were first published.
    path("", include((voting_urls.urlpatterns + overview_urls.urlpatterns, "voting"))),
    path("", include("agreements.urls")),
    path("", include("minutes.urls")),
]

handler403 = "panels.views.permission_denied"
handler404 = "panels.views.page_not_found"
handler500 = "panels.views.server_error"
