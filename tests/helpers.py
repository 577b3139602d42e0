"""Small helpers shared by tests (fixtures live in conftest.py)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import resolve


def invitation_token_in(body: str) -> str:
    """The token of the single invitation link in an email body, found via the URLconf."""
    links = [word for word in body.split() if word.startswith(settings.SITE_URL + "/")]
    assert len(links) == 1, f"expected one link in the email, found {links}"
    match = resolve(urlsplit(links[0]).path)
    assert match.view_name == "panels:invitation"
    return match.kwargs["token"]
