"""Counting what one person or address does in a window, to stop floods (abuse limits).

Counts live in the cache: Redis in production, shared by every worker, so a limit holds
however requests are spread; in development a per-process memory cache. A count starts
with the first hit and is forgotten `seconds` later.
"""

import logging

from django.core.cache import caches

log = logging.getLogger(__name__)


def _cache():
    return caches["limits"]


def count(key: str) -> int:
    try:
        return _cache().get(f"limits:{key}", 0)
    except Exception:  # noqa: BLE001 - see `hit`
        log.warning("abuse limits not counted: the cache is not answering", exc_info=True)
        return 0


def hit(key: str, seconds: int) -> int:
    """Count one more; returns the count so far in this window.

    With the cache away (a Redis restart) nothing is counted for a moment: people can log
    in, vote and post meanwhile, rather than all get a server error.
    """
    key, cache = f"limits:{key}", _cache()
    try:
        if cache.add(key, 1, seconds):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, seconds)
            return 1
    except Exception:  # noqa: BLE001 - any error of the cache's client
        log.warning("abuse limits not counted: the cache is not answering", exc_info=True)
        return 0


def allow(key: str, limit: int, seconds: int) -> bool:
    """Count this attempt; False once more than `limit` came within the window."""
    return hit(key, seconds) <= limit


def forget(key: str) -> None:
    try:
        _cache().delete(f"limits:{key}")
    except Exception:  # noqa: BLE001 - see `hit`
        log.warning("abuse limits not reset: the cache is not answering", exc_info=True)
