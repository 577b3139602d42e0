"""One runner for the permission matrices of every app: who may open which URL.

An app's test module writes down what is its own:

- MATRIX: URL name → (what the person needs, the methods the view answers, and whatever
  else the app's test needs, such as the object the URL is about);
- ROLES: persona → what the persona may do in `panel` (None: not logged in; an empty
  set: not a member of `panel`). The personas are the fixtures of tests/conftest.py.

and uses this module for what every matrix does the same way: the names of the app's
URLs from the URLconf, the check that every URL is in the matrix, the parametrized
cases (one per URL, method and persona), the outcome the matrix expects before the
app's own rules (405, the login page, 404, 403 or allowed), logging the persona in and
checking the response. tests/test_url_coverage.py checks that every URL of the site is
in one of the matrices.
"""

import pytest
from django.urls import get_resolver, reverse

from panels.access import Perm

ANY_LOGGED_IN = "any logged-in person"
LOGIN = "redirect to login"
ALLOWED = "allowed"
METHODS = ("GET", "POST")


def url_patterns(urlpatterns=None, *, namespace: str = "", leave_out=()) -> dict:
    """URL name → pattern, of an app's `urlpatterns` or of a namespace of the site's URLconf,
    without the names in `leave_out` (URLs that another matrix covers)."""
    if urlpatterns is None:
        _, resolver = get_resolver().namespace_dict[namespace]
        urlpatterns = resolver.url_patterns
    return {p.name: p for p in urlpatterns if p.name not in leave_out}


def assert_every_url_in_matrix(names, matrix: dict, app: str) -> None:
    """Every URL has a row in the matrix, and every row a URL."""
    names = set(names)
    assert names - set(matrix) == set(), f"every {app} URL must be in the matrix"
    assert set(matrix) - names == set(), "the matrix names URLs that no longer exist"


def matrix_cases(names, matrix: dict, roles: dict, methods=METHODS) -> list:
    """The parametrized ("name", "method", "role") cases: one per URL, method and persona.

    A URL missing from the matrix gives one case, which fails (fail_if_not_in_matrix), so
    that nobody adds a page without deciding who may use it.
    """
    cases = []
    for name in names:
        if name not in matrix:
            cases.append(pytest.param(name, None, None, id=f"{name}-NOT-IN-MATRIX"))
            continue
        cases += [
            pytest.param(name, method, role, id=f"{name}-{method}-{role}")
            for method in methods
            for role in roles
        ]
    return cases


def fail_if_not_in_matrix(name: str, matrix: dict, app: str) -> None:
    if name not in matrix:
        pytest.fail(f"every {app} URL must be in the matrix: add a row for {name!r} to MATRIX")


def expected(row: tuple, may: set | None, method: str) -> int | str:
    """What the matrix says before any rule of the app's own: 405 for a method the view
    does not answer (checked first, for everyone), LOGIN for someone not logged in, 404 for
    someone outside the panel (do not leak that it exists), 403 for a member without the
    permission, and ALLOWED otherwise."""
    needs, methods = row[0], row[1]
    if method not in methods:
        return 405
    if may is None:
        return LOGIN
    if needs == ANY_LOGGED_IN:
        return ALLOWED
    if Perm.VIEW_PANEL not in may:
        return 404
    if needs not in may:
        return 403
    return ALLOWED


def log_in(request, client, role: str, roles: dict):
    """Log the test client in as the persona (the fixture of that name); nobody for one
    who is not logged in. Returns the persona's membership or user, or None."""
    if roles[role] is None:
        return None
    person = request.getfixturevalue(role)
    client.force_login(getattr(person, "user", person))
    return person


def assert_outcome(response, outcome: int | str, *context) -> None:
    """The response is the login page for LOGIN, and has the status `outcome` otherwise."""
    if outcome == LOGIN:
        assert response.status_code == 302, (*context, response.status_code)
        assert response.url.startswith(reverse("login") + "?next="), (*context, response.url)
    else:
        assert response.status_code == outcome, (*context, response.status_code)


def refused_before_lookup(client, view: str, pattern, method: str, outcome) -> bool:
    """A 405 or the login page comes before any object is looked up, so any ids will do:
    checks such an outcome and returns True; returns False for every other outcome."""
    if outcome not in (405, LOGIN):
        return False
    address = reverse(view, kwargs=dict.fromkeys(pattern.pattern.converters, 1))
    assert_outcome(client.generic(method, address), outcome, view, method)
    return True
