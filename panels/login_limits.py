"""Login throttling: a few wrong passwords per account, more per network, then a pause.

Past the limit a login is refused before the password is looked at, with a message that
says how long to wait; a right password resets the account's count. The network limit is
higher than the account's: a community centre's tenants may all log in from one address.
The address is the client's as the trusted proxy saw it (panels.addresses), and an IPv6
address counts as its /64 network (one household's line has millions of addresses).
Requests for a link by email, to reset the password or to log in (panels/login_links.py),
are counted the same way, per address typed and per network, both kinds in one count, and
get the same answer whether or not the address has an account.

Where things live, and why:
- Failures are counted in the cache (panels.limits: Redis in production, shared by every
  worker): a wrong password costs no database write, so a flood of guesses costs the
  database nothing. An account's key is a digest of the address typed, so the cache holds
  no email addresses.
- The pause itself is a row (LoginLockout), written once when a count reaches its limit.
  Staff must see who is paused and lift it when a tenant phones the desk, and a cache
  cannot list its keys portably (Redis can scan, memcached and the memory cache cannot).
  The row points to the person when the address typed is an account, so staff find it by
  email; it stores no email either. Whether a login may be tried is read from these rows
  (one indexed query), so a pause lifted in the admin is lifted at once on every worker.
- Lifting is recorded on the row (by whom, when) and in the admin's history, not in the
  audit log: that chain records what panels decided and who acted in them, and a pause
  belongs to no panel and decides nothing. Rows that ended a month ago are removed.
"""

import hashlib
import ipaddress
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from panels import limits
from panels.models import LoginLockout, User

FAILURES_PER_ACCOUNT = 5
FAILURES_PER_ADDRESS = 30
LOCKOUT_SECONDS = 15 * 60
KEPT_DAYS = 30  # lockouts that ended, for staff to look back on

RESETS_PER_ACCOUNT = 3
RESETS_PER_ADDRESS = 10
RESET_WINDOW_SECONDS = 60 * 60

Kind = LoginLockout.Kind
FAILURES = {Kind.ACCOUNT: FAILURES_PER_ACCOUNT, Kind.NETWORK: FAILURES_PER_ADDRESS}
RESETS = {Kind.ACCOUNT: RESETS_PER_ACCOUNT, Kind.NETWORK: RESETS_PER_ADDRESS}


def network(address: str) -> str:
    """What the per-address limit counts: an IPv4 address, or an IPv6 address's /64."""
    if ":" not in address:
        return address
    try:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    except ValueError:
        return address


def _keys(email: str, address: str) -> list[tuple[str, str]]:
    """(kind, key) for the account typed and, when it is known, the client's network."""
    account = hashlib.sha256(email.encode()).hexdigest()[:32]  # no addresses in the cache
    keys = [(Kind.ACCOUNT, f"account:{account}")]
    if address:  # an unknown address must not put everyone in one count
        keys.append((Kind.NETWORK, f"address:{network(address)}"))
    return keys


def locked(email: str, address: str, now: datetime | None = None) -> bool:
    keys = [key for _kind, key in _keys(email, address)]
    return LoginLockout.objects.in_force(now).filter(key__in=keys).exists()


def failed(email: str, address: str, now: datetime | None = None) -> None:
    for kind, key in _keys(email, address):
        if limits.hit(f"login:{key}", LOCKOUT_SECONDS) >= FAILURES[kind]:
            _lock_out(kind, key, email, address, now or timezone.now())


def succeeded(email: str, address: str) -> None:
    limits.forget(f"login:{_keys(email, address)[0][1]}")


def _lock_out(kind: str, key: str, email: str, address: str, now: datetime) -> None:
    limits.forget(f"login:{key}")  # after the pause, the count starts again
    if LoginLockout.objects.in_force(now).filter(key=key).exists():
        return  # a failure that raced past the check while the pause was being written
    LoginLockout.objects.create(
        kind=kind,
        key=key,
        user=User.objects.filter(email__iexact=email).first() if kind == Kind.ACCOUNT else None,
        network=network(address) if kind == Kind.NETWORK else "",
        started_at=now,
        until=now + timedelta(seconds=LOCKOUT_SECONDS),
    )
    LoginLockout.objects.filter(until__lt=now - timedelta(days=KEPT_DAYS)).delete()


def lift(lockouts: Iterable[LoginLockout], by: User, now: datetime | None = None) -> int:
    """Lift these pauses at once (staff, for someone who phoned the desk); returns how many
    accounts and networks may log in again."""
    now = now or timezone.now()
    keys = {lockout.key for lockout in lockouts}
    with transaction.atomic():
        lifted = LoginLockout.objects.in_force(now).filter(key__in=keys)
        keys = set(lifted.values_list("key", flat=True))
        lifted.update(lifted_at=now, lifted_by=by)
    for key in keys:
        limits.forget(f"login:{key}")
    return len(keys)


def reset_allowed(email: str, address: str) -> bool:
    """Count a request for a link by email, a password reset or a login link; False past
    either limit. One count for both kinds, so that together they send an address at most
    RESETS_PER_ACCOUNT an hour. Counted the same whether or not the address typed has an
    account, so the answer tells nothing."""
    allowed = [
        limits.allow(f"reset:{key}", RESETS[kind], RESET_WINDOW_SECONDS)
        for kind, key in _keys(email, address)
    ]
    return all(allowed)
