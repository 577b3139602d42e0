"""No view and no socket escapes the permission matrices.

Every URL of the whole URL configuration is either in one of the apps' permission
matrices (each tests every method against every persona: anonymous, an outsider, another
panel's moderator, observer, member, member without voting rights, corporation and
tenant-organisation representatives, moderator) or one of Django's own views with their
own checks. Every WebSocket route is in the consumer's access tests. A new view or route
fails here until someone decides who may use it.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from config.routing import websocket_urlpatterns
from tests.agreements import test_views as agreement_matrix
from tests.minutes import test_minutes as minutes_matrix
from tests.panels import test_access as panel_matrix
from tests.voting import test_consultations as consultation_matrix
from tests.voting import test_participation as participation_matrix
from tests.voting import test_views as proposal_matrix
from tests.voting import test_votes_views as vote_matrix

MATRICES = {
    "panels": set(panel_matrix.MATRIX) | panel_matrix.PUBLIC,
    "voting": set(proposal_matrix.MATRIX)
    | set(vote_matrix.MATRIX)
    | set(participation_matrix.MATRIX)
    | set(consultation_matrix.MATRIX),
    "agreements": set(agreement_matrix.MATRIX),
    "minutes": set(minutes_matrix.MATRIX),
}
# Django's own views, each with its own checks (login, password reset by token, language).
FRAMEWORK = {
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
}
# The admin is for staff only (tested below); its URLs are Django's.
STAFF_ONLY = "admin"
# Routes whose access tests are tests/panels/test_consumers.py: test_who_is_refused_at_connect
# (the meeting page's socket) and test_the_big_screen_refuses_outsiders_too.
SOCKET_ROUTES = {"ws/meetings/<int:meeting_id>/", "ws/meetings/<int:meeting_id>/screen/"}


def every_url(resolver=None, namespace=None):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from every_url(pattern, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern.name


def test_every_url_is_in_a_permission_matrix_or_is_django_s_own():
    escaped = sorted(
        f"{namespace}:{name}" if namespace else str(name)
        for namespace, name in every_url()
        if not (
            (namespace in MATRICES and name in MATRICES[namespace])
            or (namespace is None and name in FRAMEWORK)
            or namespace == STAFF_ONLY
        )
    )
    assert escaped == [], f"add these to a permission matrix: {escaped}"


PERSONAS = {"anonymous", "mallory", "oscar", "olga", "bob", "nora", "carl", "tina", "alice"}


@pytest.mark.parametrize(
    "matrix",
    [
        panel_matrix,
        proposal_matrix,
        vote_matrix,
        participation_matrix,
        agreement_matrix,
        minutes_matrix,
    ],
    ids=lambda m: m.__name__,
)
def test_every_matrix_tries_every_persona(matrix):
    assert set(matrix.ROLES) == PERSONAS


def test_every_socket_route_has_its_access_tests():
    assert {str(route.pattern) for route in websocket_urlpatterns} == SOCKET_ROUTES


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["anonymous", "bob", "alice"])
def test_the_admin_is_for_staff_only(request, client, persona):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona).user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
