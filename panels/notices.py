"""Notices: the emails that tell a member something asks for them between meetings.

Each kind (`NoticeKind`: votes, meetings, results, advice) can be turned off by the person,
in their account or with one click from the email itself (`List-Unsubscribe`, RFC 8058);
either takes effect at once, for the emails not yet written and for those waiting in
their daily email. All kinds are on for a new account: a tenant panel works when people
hear that something asks for them.

Someone who chose one email a day (`User.notice_digest`) gets news in the morning's email
instead of at once (`send_digests`, from the scheduled work). What loses its use by
waiting comes at once all the same: reminders (a deadline or a meeting tomorrow),
cancellations and a meeting that moved (`urgent`).

The apps decide who hears of what and write the email's templates; this module decides
whether and how each person gets it. Sent after commit, through the mail queue.
"""

from collections.abc import Callable, Iterable
from datetime import datetime, time

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from panels.mail import compose, render, send
from panels.models import NoticeKind, PendingNotice, Role, User

Kind = NoticeKind
ALL = "all"  # the daily email's own unsubscribe: every kind off
DIGEST_HOUR = 7  # the daily email goes out from seven in the morning (site time)
_SALT = "knoppen.notices.unsubscribe"


def field(kind: str) -> str:
    return f"notify_{kind}"


def wants(user: User, kind: str) -> bool:
    return user.is_active and user.erased_at is None and getattr(user, field(kind))


def represents(user: User) -> bool:
    """Whether the person represents an organisation in a panel (advice notices are theirs)."""
    return user.memberships.filter(
        is_active=True, role__in=[Role.CORPORATION_REP, Role.TENANT_ORG_REP]
    ).exists()


# --- one click off --------------------------------------------------------------------


def unsubscribe_token(user: User, kind: str) -> str:
    """Signed, so the link works without logging in and cannot be made for someone else."""
    return signing.dumps([user.pk, kind], salt=_SALT, compress=True)


def unsubscribe_url(user: User, kind: str) -> str:
    return settings.SITE_URL + reverse("panels:unsubscribe", args=[unsubscribe_token(user, kind)])


def read_unsubscribe_token(token: str) -> tuple[User, str] | None:
    """The person and the kind a link turns off; None for a link that is not ours."""
    try:
        user_id, kind = signing.loads(token, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if kind != ALL and kind not in Kind.values:
        return None
    user = User.objects.filter(pk=user_id).first() if isinstance(user_id, int) else None
    return (user, kind) if user is not None else None


def turn_off(user: User, kind: str) -> None:
    """Turn a kind (or, for ALL, every kind) off, and drop what waits of it."""
    kinds = Kind.values if kind == ALL else [kind]
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(**{field(k): False for k in kinds})
        PendingNotice.objects.filter(user=user, kind__in=kinds).delete()
    for k in kinds:
        setattr(user, field(k), False)


def save_settings(user: User, *, digest: bool, **wanted: bool) -> None:
    """The person's choices from their account page (`wanted`: kind → on)."""
    off = [kind for kind in Kind.values if not wanted.get(kind, False)]
    with transaction.atomic():
        for kind in Kind.values:
            setattr(user, field(kind), kind not in off)
        user.notice_digest = digest
        user.save(update_fields=[field(k) for k in Kind.values] + ["notice_digest"])
        PendingNotice.objects.filter(user=user, kind__in=off).delete()


# --- sending --------------------------------------------------------------------------


def notify(
    people: Iterable[User],
    kind: str,
    template: str,
    context: dict,
    *,
    urgent: bool = False,
    attach: Callable[[EmailMultiAlternatives], None] | None = None,
) -> int:
    """Tell each person who wants this kind of notice: at once, or in their daily email.

    `attach` adds what goes with the email (a calendar file); the daily email carries
    none. Returns how many emails went to the queue now.
    """
    messages, waiting = [], []
    by_language: dict[str, tuple[str, str]] = {}  # (subject, text): rendered once each
    for user in {u.pk: u for u in people}.values():
        if not wants(user, kind):
            continue
        if user.language not in by_language:
            by_language[user.language] = render(template, context, user.language)
        subject, text = by_language[user.language]
        if user.notice_digest and not urgent:
            text = _without_greeting(text, user.language)
            waiting.append(PendingNotice(user=user, kind=kind, subject=subject, text=text))
            continue
        message = compose(
            user,
            template,
            context,
            unsubscribe=unsubscribe_url(user, kind),
            rendered=(subject, text),
        )
        if attach is not None:
            attach(message)
        messages.append(message)
    PendingNotice.objects.bulk_create(waiting)
    return send(messages)


def _without_greeting(text: str, language: str) -> str:
    """A notice's text for the daily email, which greets once for all of them."""
    with translation.override(language):
        greeting = gettext("Hello,")
    first, _, rest = text.strip().partition("\n\n")
    return rest if first.strip() == greeting and rest else text


def digest_due(now: datetime) -> datetime | None:
    """From when today's daily email may go: seven in the morning; None before then."""
    local = timezone.localtime(now)
    since = timezone.make_aware(datetime.combine(local.date(), time(DIGEST_HOUR)))
    return since if local >= since else None


def send_digests(now: datetime | None = None) -> int:
    """Send each person with waiting notices their daily email, once a day from seven.
    Returns how many went out."""
    now = now or timezone.now()
    since = digest_due(now)
    if since is None:
        return 0
    people = (
        User.objects.filter(pending_notices__isnull=False)
        .filter(Q(digest_sent_at__isnull=True) | Q(digest_sent_at__lt=since))
        .distinct()
    )
    sent = 0
    for user in people:
        with transaction.atomic():
            user = User.objects.select_for_update().get(pk=user.pk)
            if user.digest_sent_at is not None and user.digest_sent_at >= since:
                continue  # another run sent it meanwhile
            waiting = list(user.pending_notices.order_by("created_at", "pk"))
            if not waiting:
                continue
            if user.is_active and user.erased_at is None:
                message = compose(
                    user,
                    "panels/email/digest",
                    {"notices": waiting, "day": timezone.localdate(now)},
                    unsubscribe=unsubscribe_url(user, ALL),
                )
                transaction.on_commit(lambda m=message: send([m]))
                sent += 1
            PendingNotice.objects.filter(pk__in=[n.pk for n in waiting]).delete()
            user.digest_sent_at = now
            user.save(update_fields=["digest_sent_at"])
    return sent
