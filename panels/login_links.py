"""A login link by email, instead of the password: it works once, within 15 minutes.

The token is django-sesame's (settings: SESAME_*): the person's id, the time it was made
and a signature over those and a hash of the password, the email address and the last
login. Nothing is stored: a link expires after SESAME_MAX_AGE, dies when the password or
the address changes, and dies at any login, by link or by password, because logging in
changes the last login. The request is refused for an inactive (or erased) account.

- Asking for a link gets the same answer whether or not the address has an account, and
  is counted with the password-reset links (login_limits.reset_allowed): per address typed
  and per network, one count for both kinds of link, so nobody fills a mailbox with them.
  Past the limit no more mail is sent, and the answer is still the same.
- Opening the link logs nobody in: mail scanners and link previews open links, and would
  spend the single use. The page has one button; pressing it (a POST) checks the token,
  spends it and logs the person in.
- A link logs in even while the account's password logins are paused (login_limits): the
  pause is against guessing passwords, and the link proves that the person reads the
  mailbox. The pause stays in force for passwords; asking for links is limited on its own.
"""

import re
from urllib.parse import urlencode

import sesame.utils
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from panels import login_limits
from panels.mail import compose, send
from panels.models import User, normalise_email

MINUTES = settings.SESAME_MAX_AGE // 60
# A token we issue is 24 characters of URL-safe Base64; anything else is not looked up.
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def link_url(user: User, next_url: str = "") -> str:
    query = sesame.utils.get_parameters(user)
    if next_url:
        query["next"] = next_url
    return settings.SITE_URL + reverse("panels:login_link_use") + "?" + urlencode(query)


def send_login_link(email: str, address: str, next_url: str = "") -> None:
    """Email a login link to the account of `email`, if there is an active one and the
    limits allow. Says nothing either way: the caller's answer must not tell."""
    email = normalise_email(email)
    if not login_limits.reset_allowed(email, address):
        return
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        return
    context = {"url": link_url(user, next_url), "minutes": MINUTES}
    message = compose(user, "registration/email/login_link", context)
    transaction.on_commit(lambda: send([message]))


def valid(token: str) -> bool:
    """Whether the link would log someone in now; spends nothing."""
    return _user(token, spend=False) is not None


def use_login_link(token: str) -> User | None:
    """The person the link is for, once: the token is spent (their last login changes).
    None for a token that is malformed, expired, used, or of an inactive account."""
    with transaction.atomic():
        user = _user(token, spend=False)
        if user is None:
            return None
        # Two presses at once: the second waits for the first to commit, then reads the
        # new last login and finds the token spent.
        User.objects.select_for_update().only("pk").get(pk=user.pk)
        return _user(token, spend=True)


def _user(token: str, *, spend: bool) -> User | None:
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return None
    return sesame.utils.get_user(token, update_last_login=spend)
