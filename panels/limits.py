"""Counting what one person or address does in a window, to stop floods (abuse limits).

Counts live in the cache: Redis in production, shared by every worker, so a limit holds
however requests are spread; in development a per-process memory cache. A count starts
with the first hit and is forgotten `seconds` later.
"""

from django.core.cache import caches


def _cache():
    return caches["limits"]


def count(key: str) -> int:
    return _cache().get(f"limits:{key}", 0)


def hit(key: str, seconds: int) -> int:
    """Count one more; returns the count so far in this window."""
    key, cache = f"limits:{key}", _cache()
    if cache.add(key, 1, seconds):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired in between
        cache.add(key, 1, seconds)
        return 1


def allow(key: str, limit: int, seconds: int) -> bool:
    """Count this attempt; False once more than `limit` came within the window."""
    return hit(key, seconds) <= limit


def forget(key: str) -> None:
    _cache().delete(f"limits:{key}")
