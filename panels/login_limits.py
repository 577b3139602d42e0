"""Login throttling: a few wrong passwords per account, more per network, then a pause.

Counted in the cache (Redis in production, shared by every worker) for LOCKOUT_SECONDS
from the first failure. Past the limit a login is refused before the password is looked
at, with a message that says how long to wait; a right password resets the account's
count. The network limit is higher than the account's: a community centre's tenants may
all log in from one address.
"""

import hashlib

from django.core.cache import cache

FAILURES_PER_ACCOUNT = 5
FAILURES_PER_ADDRESS = 30
LOCKOUT_SECONDS = 15 * 60


def _keys(email: str, address: str) -> tuple[str, str]:
    account = hashlib.sha256(email.encode()).hexdigest()[:32]  # no addresses in the cache
    return f"login-failures:account:{account}", f"login-failures:address:{address}"


def locked(email: str, address: str) -> bool:
    account, network = _keys(email, address)
    counts = cache.get_many([account, network])
    return (
        counts.get(account, 0) >= FAILURES_PER_ACCOUNT
        or counts.get(network, 0) >= FAILURES_PER_ADDRESS
    )


def failed(email: str, address: str) -> None:
    for key in _keys(email, address):
        if not cache.add(key, 1, LOCKOUT_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired in between
                cache.add(key, 1, LOCKOUT_SECONDS)


def succeeded(email: str, address: str) -> None:
    cache.delete(_keys(email, address)[0])
