"""Security headers Django does not set itself: a Content Security Policy.

Every page loads only our own scripts, styles and images, talks only to its own origin
(the live socket included) and may not be framed. No template of ours has an inline
script, an event-handler attribute or a style attribute (tests/test_security.py checks
them all), so the policy needs no 'unsafe-inline'. A page that needs another policy sets
its own header, which this middleware leaves alone (the static error pages do:
panels.views.STATIC_PAGE_POLICY).
"""

from urllib.parse import urlsplit

from django.conf import settings


def content_security_policy(site_url: str) -> str:
    # 'self' covers the page's own ws(s):// origin in current browsers; older Safari
    # versions need it spelt out.
    parts = urlsplit(site_url)
    socket_origin = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self'",
        "font-src": "'self'",
        "connect-src": f"'self' {socket_origin}" if parts.netloc else "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.policy = content_security_policy(settings.SITE_URL)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        return response
