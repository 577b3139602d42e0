"""Login throttling: a few wrong passwords per account, more per network, then a pause.

Past the limit a login is refused before the password is looked at, with a message that
says how long to wait; a right password resets the account's count. The network limit is
higher than the account's: a community centre's tenants may all log in from one address.
Counted with panels.limits (in the cache, shared by every worker).
"""

import hashlib

from panels import limits

FAILURES_PER_ACCOUNT = 5
FAILURES_PER_ADDRESS = 30
LOCKOUT_SECONDS = 15 * 60


def _keys(email: str, address: str) -> tuple[str, str]:
    account = hashlib.sha256(email.encode()).hexdigest()[:32]  # no addresses in the cache
    return f"login:account:{account}", f"login:address:{address}"


def locked(email: str, address: str) -> bool:
    account, network = _keys(email, address)
    return (
        limits.count(account) >= FAILURES_PER_ACCOUNT
        or limits.count(network) >= FAILURES_PER_ADDRESS
    )


def failed(email: str, address: str) -> None:
    for key in _keys(email, address):
        limits.hit(key, LOCKOUT_SECONDS)


def succeeded(email: str, address: str) -> None:
    limits.forget(_keys(email, address)[0])
