"""Security headers: a Content Security Policy that allows only our own scripts.

The policy has no 'unsafe-inline', so no template may carry an inline script, an event
handler attribute or inline styles; the browser tests fail on any violation a page reports.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

from config.security import content_security_policy

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Static pages that carry their own styles and their own, stricter policy (no script at all).
OWN_POLICY = {"500.html", "503.html"}
# Not pages: the HTML part of an email (templates/email/), read by mail programs, which
# take styles only inline; no script or handler there either.
EMAIL = "email"

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)


def templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("template", templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_has_inline_script_handlers_or_styles(template):
    text = template.read_text()
    assert not INLINE_SCRIPT.search(text), "an inline <script>: move it to static/js"
    assert not HANDLER.search(text), "an on...= event handler attribute: use live.js"
    if template.name not in OWN_POLICY and template.relative_to(TEMPLATES).parts[0] != EMAIL:
        assert not INLINE_STYLE.search(text), "inline styles: use static/css/knoppen.css"


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_the_policy_allows_our_own_scripts_and_socket_only():
    policy = directives(content_security_policy("https://knoppen.example.nl"))
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self' wss://knoppen.example.nl"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in content_security_policy("https://knoppen.example.nl")
    assert directives(content_security_policy("http://127.0.0.1:8000"))["connect-src"] == (
        "'self' ws://127.0.0.1:8000"
    )


@pytest.mark.django_db
def test_every_page_carries_the_policy(client, alice):
    client.force_login(alice.user)
    for url in ("/accounts/login/", f"/panels/{alice.panel_id}/"):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Security-Policy"] == content_security_policy(settings.SITE_URL)
        assert "camera=()" in response["Permissions-Policy"]
